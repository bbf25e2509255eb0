"""The complaints module's warning rule: a complaint past the deadline of its step (受理告知,
办结 of a 信访 matter, 结果反馈). The warning names the reference, the step and the date only:
never the content, the person concerned nor the reporter."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import warnings

from .models import Complaint, State

SOURCE = "complaints"
OVERDUE = "complaint_overdue"


def overdue(today: dt.date):
    return Complaint.objects.filter(
        state__in=State.OPEN, due_on__isnull=False, due_on__lt=today
    ).select_related("organisation", "organisation__integrity_department")


def overdue_conditions(today: dt.date) -> list[warnings.Condition]:
    """Every open complaint past its step's deadline. One query."""
    conditions = []
    for complaint in overdue(today).order_by("pk"):
        late = (today - complaint.due_on).days
        conditions.append(
            warnings.Condition(
                key=f"{complaint.pk}:{complaint.state}",
                organisation=complaint.organisation,
                subject=_("投诉举报 %(ref)s 逾期（%(state)s）")
                % {"ref": complaint.reference, "state": complaint.get_state_display()},
                level=warnings.level_by_days(late),
                evidence={
                    "complaint": [complaint.pk, complaint.reference],
                    "state": complaint.state,
                    "due": complaint.due_on,
                },
                evidence_object=complaint,
                owner=complaint.organisation.integrity_department,
            )
        )
    return conditions


def _links(warning) -> list[tuple[str, str]]:
    item = (warning.evidence or {}).get("complaint")
    return [(item[1], reverse("complaints:detail", args=[item[0]]))] if item else []


warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=OVERDUE,
        label=gettext_lazy("投诉举报逾期"),
        source_label=gettext_lazy("投诉举报"),
        check=overdue_conditions,
        evidence_labels={
            "complaint": gettext_lazy("受理编号"),
            "state": gettext_lazy("状态"),
            "due": gettext_lazy("期限"),
        },
        links=_links,
    )
)
