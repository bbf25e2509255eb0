"""The organisation's warning rule: a key or sensitive post held past its rotation period
(重点、敏感岗位超期未轮岗), the condition the rotation reminder lists (`rotation_overdue`)."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import warnings

from .models import PostAssignment
from .selectors import rotation_due_date, rotations_overdue_among

SOURCE = "org"
ROTATION_OVERDUE = "rotation_overdue"


def rotation_conditions(today: dt.date) -> list[warnings.Condition]:
    """Every person past their post's rotation period, in one query. The owner is the head
    of the person's department (who proposes the move), else the department."""
    assignments = rotations_overdue_among(PostAssignment.objects.all(), today=today).select_related(
        "person__organisation", "person__department__head", "post"
    )
    conditions = []
    for row in assignments.order_by("pk"):
        person, post = row.person, row.post
        due = rotation_due_date(row.start, post.rotation_years)
        department = person.department
        owner = (department.head or department) if department is not None else None
        conditions.append(
            warnings.Condition(
                key=str(row.pk),
                organisation=person.organisation,
                subject=_("%(person)s 在“%(post)s”岗位任职已超过轮岗周期")
                % {"person": person.name, "post": post.name},
                level=warnings.level_by_days((today - due).days, warning_after=365),
                evidence={
                    "person": [person.pk, person.name],
                    "post": [post.pk, post.name],
                    "start": row.start,
                    "rotation_years": post.rotation_years,
                    "due": due,
                },
                evidence_object=row,
                owner=owner,
            )
        )
    return conditions


def _links(warning) -> list[tuple[str, str]]:
    evidence = warning.evidence or {}
    links = []
    if evidence.get("person"):
        links.append(
            (evidence["person"][1], reverse("org:person_detail", args=[evidence["person"][0]]))
        )
    if evidence.get("post"):
        links.append((evidence["post"][1], reverse("org:post_detail", args=[evidence["post"][0]])))
    return links


warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=ROTATION_OVERDUE,
        label=gettext_lazy("重点、敏感岗位超期未轮岗"),
        source_label=gettext_lazy("组织与人员"),
        check=rotation_conditions,
        evidence_labels={
            "person": gettext_lazy("人员"),
            "post": gettext_lazy("岗位"),
            "start": gettext_lazy("任职开始"),
            "rotation_years": gettext_lazy("轮岗周期(年)"),
            "due": gettext_lazy("应轮岗日期"),
        },
        links=_links,
    )
)
