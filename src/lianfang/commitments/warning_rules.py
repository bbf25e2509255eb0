"""The commitments module's warning rule: a commitment missing or stale past its due date,
yearly or after a post change (the roster's post history). The key is the commitment's own key
(signer, year, the posts held), so it is stable from day to day, and a post change makes a
new one."""

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lianfang.core import warnings
from lianfang.org.models import Department, Organisation, Person

from . import selectors

SOURCE = "commitments"
DUE = "commitment_due"


def due_conditions(today: dt.date) -> list[warnings.Condition]:
    """Every signer with no commitment of this year for the posts they hold (missing), or
    with one signed for posts they no longer hold (stale), past its due date. One in progress
    (generated, in review) is on the overview's list, not a warning. A constant number of
    queries."""
    year = today.year
    orgs = {o.pk: o for o in Organisation.objects.filter(people__active=True).distinct()}
    if not orgs:
        return []
    ids = list(orgs)
    late = [
        row
        for row in selectors.due_people(ids, year) + selectors.due_departments(ids, year)
        if row.status in (selectors.MISSING, selectors.STALE) and row.due_on < today
    ]
    people = Person.objects.in_bulk([r.person_id for r in late if r.person_id])
    departments = Department.objects.select_related("head").in_bulk(
        [r.department_id for r in late if r.department_id]
    )
    labels = selectors.status_labels()
    conditions = []
    for row in late:
        departmental = row.key.startswith("d:")
        person = people.get(row.person_id)
        department = departments.get(row.department_id)
        if departmental:
            subject = _("%(dept)s %(year)s 年度部门廉政承诺书逾期未签署") % {
                "dept": row.department,
                "year": year,
            }
        elif row.status == selectors.STALE:
            subject = _("%(name)s 岗位变动后未重新签署廉政承诺书") % {"name": row.name}
        else:
            subject = _("%(name)s %(year)s 年度廉政承诺书逾期未签署") % {
                "name": row.name,
                "year": year,
            }
        conditions.append(
            warnings.Condition(
                key=row.key,
                organisation=orgs[row.organisation_id],
                subject=subject,
                level=warnings.level_by_days((today - row.due_on).days),
                evidence={
                    "signer": [row.person_id, row.name],
                    "department": row.department,
                    "posts": row.posts,
                    "status": str(labels[row.status]),
                    "due": row.due_on,
                },
                evidence_object=department if departmental else person,
                owner=(department.head if departmental and department else person),
            )
        )
    return conditions


def _links(warning) -> list[tuple[str, str]]:
    return [(str(gettext_lazy("承诺签署情况")), reverse("commitments:overview"))]


warnings.register_rule(
    warnings.Rule(
        source=SOURCE,
        code=DUE,
        label=gettext_lazy("廉政承诺逾期未签署"),
        source_label=gettext_lazy("廉政承诺"),
        check=due_conditions,
        evidence_labels={
            "signer": gettext_lazy("承诺人"),
            "department": gettext_lazy("科室"),
            "posts": gettext_lazy("现任岗位"),
            "status": gettext_lazy("状态"),
            "due": gettext_lazy("应签署日期"),
        },
        links=_links,
    )
)
