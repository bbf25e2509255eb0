"""What needs the user today: the home page's figures per role, each with the list it counts.

- staff: their risk points and drafts, the measures they own that are due or overdue;
- department heads: per department they head, its filed points by level, its drafts, its
  overdue reviews and overdue measures;
- leaders: the departments they are in charge of, side by side, the same figures;
- the integrity office and administrators: their subtree's points by level, overdue reviews
  and measures, drafts waiting, changes this month;
- a commission (a subtree of several units): its units compared by filing rate, share of
  high (一级) risks and overdue rate.

Every figure is a link to the list it counts (the register, the overdue lists, "my risk
points" with their filters). Each section runs a fixed number of grouped queries, whatever
the size of the register.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Case, Count, Q, Sum, Value, When
from django.urls import reverse
from django.utils import timezone

from lianfang.core import orgsettings
from lianfang.core.roles import Role
from lianfang.core.scoping import scope_of
from lianfang.org.models import Department, Organisation, Person
from lianfang.org.selectors import organisations_supervised_by
from lianfang.risks import permissions
from lianfang.risks.models import Level, Measure, RiskPoint, RiskPointEvent

from .org_settings import DUE_SOON_DAYS  # measures due within it are "due soon" for their owner

MY_MEASURES_SHOWN = 5

FILED, DRAFT = RiskPoint.Status.FILED, RiskPoint.Status.DRAFT


def _url(name: str, **query) -> str:
    query = {k: v for k, v in query.items() if v not in (None, "")}
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def _register(**query) -> str:
    return _url("risks:register", **query)


@dataclass
class Figures:
    """A group of points' figures: filed by level, drafts, overdue reviews and measures."""

    levels: dict = field(default_factory=dict)  # level (None: ungraded) -> filed points
    drafts: int = 0
    overdue_reviews: int = 0
    overdue_measures: int = 0

    @property
    def filed(self) -> int:
        return sum(self.levels.values())

    def level(self, level) -> int:
        return self.levels.get(level, 0)

    def add(self, status, level, n, late):
        if status == FILED:
            self.levels[level] = self.levels.get(level, 0) + n
            self.overdue_reviews += late or 0
        elif status == DRAFT:
            self.drafts += n


def _overdue_case(today):
    return Sum(Case(When(review_due__lt=today, then=Value(1)), default=Value(0)))


def _point_groups(points, key: str, today) -> dict:
    """Figures of `points` (in use) grouped by `key` (a column): one GROUP BY."""
    figures: dict = defaultdict(Figures)
    rows = (
        points.in_use()
        .order_by()
        .values_list(key, "status", "level")
        .annotate(n=Count("*"), late=_overdue_case(today))
    )
    for group, status, level, n, late in rows:
        figures[group].add(status, level, n, late)
    return figures


def _total(groups: dict) -> Figures:
    """The figures of every group together."""
    total = Figures()
    for figures in groups.values():
        for level, n in figures.levels.items():
            total.levels[level] = total.levels.get(level, 0) + n
        total.drafts += figures.drafts
        total.overdue_reviews += figures.overdue_reviews
    return total


def _overdue_measures_by_department(department_ids, today) -> dict:
    """Overdue measures per department of their owner (the owning department, or the
    department of the person who owns it): one GROUP BY."""
    counts: dict = defaultdict(int)
    rows = (
        Measure.objects.overdue(today)
        .filter(
            Q(owner_department_id__in=department_ids)
            | Q(owner_person__department_id__in=department_ids)
        )
        .order_by()
        .values_list("owner_department_id", "owner_person__department_id")
        .annotate(n=Count("*"))
    )
    for owner_department, person_department, n in rows:
        counts[owner_department or person_department] += n
    return counts


# Staff ---------------------------------------------------------------------------------------


@dataclass
class StaffWork:
    points: Figures
    measures: list  # the measures they own that are overdue or due soon, soonest first
    measures_overdue: int
    measures_due_soon: int
    links: dict
    due_soon_days: int


def staff_work(user, today: dt.date) -> StaffWork | None:
    """The staff member's own: the risk points of the posts they hold, the measures they own."""
    scope = scope_of(user)
    if not scope.person_id:
        return None
    held = permissions.held_post_ids(user)
    total = _total(_point_groups(RiskPoint.objects.filter(post_id__in=held), "status", today))
    person = Person.objects.select_related("organisation").get(pk=scope.person_id)
    days = orgsettings.value(person.organisation, DUE_SOON_DAYS)
    soon = today + dt.timedelta(days=days)
    mine = Measure.objects.filter(
        owner_person_id=scope.person_id, status=Measure.Status.PLANNED, due__lte=soon
    )
    counts = mine.aggregate(
        overdue=Count("pk", filter=Q(due__lt=today)), soon=Count("pk", filter=Q(due__gte=today))
    )
    return StaffWork(
        points=total,
        measures=list(mine.order_by("due", "pk")[:MY_MEASURES_SHOWN]),
        measures_overdue=counts["overdue"],
        measures_due_soon=counts["soon"],
        links={"mine": reverse("risks:mine"), "overdue": _url("risks:overdue_measures")},
        due_soon_days=days,
    )


# Departments: heads and leaders ------------------------------------------------------------


@dataclass
class DepartmentRow:
    department: Department
    figures: Figures
    links: dict


def department_rows(department_ids, today: dt.date) -> list[DepartmentRow]:
    """The figures of each department in `department_ids`, with the links to their lists.
    Three queries, whatever the number of departments or points."""
    if not department_ids:
        return []
    departments = list(
        Department.objects.filter(pk__in=department_ids)
        .select_related("organisation")
        .order_by("organisation__path", "order", "code")
    )
    points = _point_groups(
        RiskPoint.objects.filter(department_id__in=department_ids), "department_id", today
    )
    measures = _overdue_measures_by_department(department_ids, today)
    rows = []
    for department in departments:
        figures = points.get(department.pk) or Figures()
        figures.overdue_measures = measures.get(department.pk, 0)
        where = {"organisation": department.organisation_id, "department": department.pk}
        links = {
            "page": reverse("risks:department", args=[department.pk]),
            "filed": _register(**where, status=FILED),
            "drafts": _register(**where, status=DRAFT),
            "overdue_reviews": _url("risks:overdue", **where),
            "overdue_measures": _url("risks:overdue_measures", **where),
            **{f"level{level}": _register(**where, status=FILED, level=level) for level in Level},
        }
        rows.append(DepartmentRow(department, figures, links))
    return rows


# The integrity office ------------------------------------------------------------------------


@dataclass
class OfficeWork:
    figures: Figures
    changes_this_month: int
    links: dict


def office_work(user, today: dt.date) -> OfficeWork | None:
    """The subtree the user manages: points by level, drafts waiting, overdue reviews and
    measures, the risk points changed this month."""
    scope = scope_of(user)
    if not scope.subtree_paths:
        return None
    managed = organisations_supervised_by(user).values("pk")
    points = RiskPoint.objects.filter(organisation_id__in=managed)
    figures = _total(_point_groups(points, "status", today))
    figures.overdue_measures = (
        Measure.objects.overdue(today).filter(organisation_id__in=managed).count()
    )
    month = today.replace(day=1)
    start = timezone.make_aware(dt.datetime.combine(month, dt.time.min))
    changes = (
        RiskPointEvent.objects.filter(at__gte=start, risk_point__organisation_id__in=managed)
        .values("risk_point_id")
        .distinct()
        .count()
    )
    links = {
        "filed": _register(status=FILED),
        "drafts": _register(status=DRAFT),
        "overdue_reviews": _url("risks:overdue"),
        "overdue_measures": _url("risks:overdue_measures"),
        **{f"level{level}": _register(status=FILED, level=level) for level in Level},
    }
    if Role.INTEGRITY in scope.roles:
        links["changes"] = _url(
            "core:audit_list", object_type="risks.riskpoint", since=month.isoformat()
        )
    return OfficeWork(figures, changes, links)


# A commission's units ------------------------------------------------------------------------


@dataclass
class UnitRow:
    organisation: Organisation
    figures: Figures
    link: str

    @property
    def in_use(self) -> int:
        return self.figures.filed + self.figures.drafts

    @staticmethod
    def _rate(part, whole):
        return round(100 * part / whole) if whole else None

    @property
    def filing_rate(self):
        return self._rate(self.figures.filed, self.in_use)

    @property
    def high_share(self):
        return self._rate(self.figures.level(1), self.figures.filed)

    @property
    def overdue_rate(self):
        return self._rate(self.figures.overdue_reviews, self.figures.filed)


def units_compared(user, today: dt.date) -> list[UnitRow]:
    """The units of a commission's subtree that hold risk points, compared: one GROUP BY by
    organisation. Empty when the user manages a single unit."""
    managed = list(organisations_supervised_by(user).order_by("path")[:2])
    if len(managed) < 2:
        return []
    points = RiskPoint.objects.filter(
        organisation_id__in=organisations_supervised_by(user).values("pk")
    )
    groups = _point_groups(points, "organisation_id", today)
    organisations = Organisation.objects.filter(pk__in=groups).order_by("path")
    return [UnitRow(org, groups[org.pk], _register(organisation=org.pk)) for org in organisations]


# The page -------------------------------------------------------------------------------------


@dataclass
class HomeWork:
    staff: StaffWork | None
    headed: list
    led: list
    office: OfficeWork | None
    units: list

    @property
    def is_empty(self) -> bool:
        return not (self.staff or self.headed or self.led or self.office or self.units)


def home_work(user, today: dt.date | None = None) -> HomeWork:
    today = today or timezone.localdate()
    scope = scope_of(user)
    return HomeWork(
        staff=staff_work(user, today),
        headed=department_rows(scope.headed_department_ids, today),
        led=department_rows(scope.led_department_ids, today),
        office=office_work(user, today),
        units=units_compared(user, today),
    )
