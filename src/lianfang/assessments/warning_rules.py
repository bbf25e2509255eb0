"""The assessments module's warning rule: a rectification not submitted by its deadline
(评估整改逾期). Owner: the assessed person, or the department."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import warnings

from .models import Assessment

SOURCE = "assessments"
OVERDUE = "rectification_overdue"


def overdue(today: dt.date):
    """Assessments waiting for the party's rectification past its deadline."""
    return Assessment.objects.filter(
        status__in=(Assessment.Status.ISSUED, Assessment.Status.RETURNED), due_on__lt=today
    ).select_related("organisation", "person", "department")


def overdue_conditions(today: dt.date) -> list[warnings.Condition]:
    """One query."""
    conditions = []
    for assessment in overdue(today).order_by("pk"):
        conditions.append(
            warnings.Condition(
                key=f"{assessment.pk}:{assessment.due_on}",
                organisation=assessment.organisation,
                subject=_("%(party)s 未按期提交评估整改（%(level)s）")
                % {"party": assessment.party, "level": assessment.get_level_display()},
                level=warnings.level_by_days((today - assessment.due_on).days),
                evidence={
                    "assessment": [assessment.pk, str(assessment.party)],
                    "due": assessment.due_on,
                },
                evidence_object=assessment,
                owner=assessment.party,
            )
        )
    return conditions


def _links(warning) -> list[tuple[str, str]]:
    item = (warning.evidence or {}).get("assessment")
    return [(item[1], reverse("assessments:detail", args=[item[0]]))] if item else []


warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=OVERDUE,
        label=gettext_lazy("评估整改逾期"),
        source_label=gettext_lazy("廉政评估"),
        check=overdue_conditions,
        evidence_labels={"assessment": gettext_lazy("评估对象"), "due": gettext_lazy("整改期限")},
        links=_links,
    )
)
