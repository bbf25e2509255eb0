"""The flows' warning rule: a task still waiting after it escalated (超时升级), raised once per
task (key: the task) by the escalation (`flows.deadlines`), found again by the daily check
while the task waits, and closed by it once the task is handled."""

from django.urls import reverse
from django.utils.translation import gettext_lazy

from lianfang.core import warnings

from .deadlines import WARNING_RULE, WARNING_SOURCE, escalated_conditions


def _links(warning) -> list[tuple[str, str]]:
    instance = (warning.evidence or {}).get("instance")
    if not instance:
        return []
    return [(instance[1], reverse("flows:instance", args=[instance[0]]))]


warnings.register_rule(
    warnings.Rule(
        source=WARNING_SOURCE,
        code=WARNING_RULE,
        label=gettext_lazy("办件环节超时升级"),
        source_label=gettext_lazy("权力运行"),
        check=escalated_conditions,
        evidence_labels={
            "instance": gettext_lazy("办件"),
            "task": gettext_lazy("环节"),
            "handler": gettext_lazy("办理人"),
            "due_at": gettext_lazy("办理时限"),
        },
        links=_links,
    )
)
