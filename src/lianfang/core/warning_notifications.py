"""A warning that passes its time limit unhandled is escalated (core.warnings); its owner is
told in their inbox. (A new warning tells nobody by itself: the conditions it is raised for
have their own reminders to their people, core.notifications.remind, and the integrity office
works from 监督 › 预警.)

Core knows no app's models: an app says how to reach an owner of its kind
(`owner_recipients("org.person")`: the person's account; "org.department": its head).
"""

from collections.abc import Callable

from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _

from . import notifications
from .warnings import rules, warning_escalated

WARNING_ESCALATED = notifications.declare(
    notifications.Kind(
        code="warning.escalated",
        label=_("预警升级"),
        subject=_("预警已升级为“%(level)s”：%(subject)s"),
        email=True,
        order=60,
    )
)

_RESOLVERS: dict[str, Callable] = {}


def owner_recipients(model_label: str):
    """Register `fn(owner) -> recipients` for owners of the model `model_label`."""

    def register(fn):
        _RESOLVERS[model_label] = fn
        return fn

    return register


def _link(warning) -> str:
    rule = rules().get((warning.source, warning.rule))
    links = rule.links(warning) if rule is not None and rule.links else []
    return links[0][1] if links else ""


@receiver(warning_escalated, dispatch_uid="lianfang.core.warning_notifications")
def tell_the_owners(sender, warnings, **kwargs):
    for warning in warnings:
        owner = warning.owner
        resolver = _RESOLVERS.get(owner._meta.label_lower) if owner is not None else None
        if resolver is None:
            continue
        notifications.notify(
            WARNING_ESCALATED,
            recipients=resolver(owner),
            context={"subject": warning.subject, "level": warning.get_level_display()},
            target=warning.evidence_object,
            link=_link(warning),
            organisation=warning.organisation,
            key=f"warning-escalated:{warning.pk}:{warning.level}",
        )
