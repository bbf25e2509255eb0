"""Reads of the risk register. Each starts from `visible_to`."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.core import navigation
from lianfang.core.scoping import register, scope_of
from lianfang.org.models import Department, Organisation, Person, PostAssignment, Power, PowerStep
from lianfang.org.power_selectors import powers_visible_to  # noqa: F401  (the risk forms' choices)
from lianfang.org.scoping import own_posts_outside_subtrees, subtree_organisations
from lianfang.org.selectors import (
    departments_visible_to,
    organisations_manageable_by,
    organisations_visible_to,
    people_visible_to,
)
from lianfang.reviews import chain as review_chain
from lianfang.reviews.models import Decision, Submission

from . import permissions
from .models import LEVEL_SHORT, GenericPhrase, GradingScheme, Level, Measure, RiskPoint


@register(RiskPoint)
def risk_points_visible_to(user) -> QuerySet[RiskPoint]:
    """Integrity office and administrators: their subtree; leaders: the departments in charge;
    department heads: their department; staff: the risk points of the posts they hold."""
    scope = scope_of(user)
    if scope.is_empty:
        return RiskPoint.objects.none()
    # A subquery on organisation ids, not a join for a path match: with 200,000 points the
    # join made the database read every row (bench/register.py).
    q = Q(organisation_id__in=subtree_organisations(user)) | Q(
        department_id__in=scope.department_ids
    )
    if scope.subtree_paths:
        outside = own_posts_outside_subtrees(user)
        if outside:
            q |= Q(post_id__in=outside)
    elif scope.person_id:
        q |= Q(
            post_id__in=PostAssignment.objects.current()
            .filter(person_id=scope.person_id)
            .values("post_id")
        )
    return RiskPoint.objects.filter(q)


@register(Measure)
def measures_visible_to(user) -> QuerySet[Measure]:
    scope = scope_of(user)
    if scope.is_empty:
        return Measure.objects.none()
    q = scope.subtree_q("organisation__path") | Q(owner_department_id__in=scope.department_ids)
    if scope.person_id:
        q |= Q(owner_person_id=scope.person_id)
    return Measure.objects.filter(
        q | Q(risk_points__in=risk_points_visible_to(user).values("pk"))
    ).distinct()


# Choices of the register's forms and of the API's input ---------------------------------------


def point_powers(organisation: Organisation, *, current: int | None = None) -> QuerySet[Power]:
    """The powers a risk point of `organisation` may be on: the active ones of the organisation
    and of the units above it (a shared catalogue), and the point's `current` one."""
    q = Q(organisation_id__in=organisation.ancestors_ids() or [organisation.pk], active=True)
    if current is not None:
        q |= Q(pk=current)
    return Power.objects.filter(q)


def point_steps(powers: QuerySet[Power]) -> QuerySet[PowerStep]:
    return PowerStep.objects.filter(power__in=powers)


def post_powers(organisation: Organisation, post) -> QuerySet[Power]:
    """The powers of `organisation`'s catalogue (`point_powers`) that `post` takes part in:
    those naming it among their 承办岗位 or as the post of one of their steps, those its
    department handles (承办部门), and those of the risk points in use of the post or of its
    department (a clinical power has no single 承办部门: the register says where it is used)."""
    linked = Q(posts=post) | Q(steps__post=post)
    points = RiskPoint.objects.in_use().filter(organisation=organisation)
    if post.department_id:
        linked |= Q(department_id=post.department_id)
        points = points.filter(Q(post=post) | Q(department_id=post.department_id))
    else:
        points = points.filter(post=post)
    linked |= Q(pk__in=points.values("power_id"))
    ids = Power.objects.filter(linked).values("pk")
    return point_powers(organisation).filter(pk__in=ids)


def measure_owner_people(
    user, organisation: Organisation | None = None, *, measure: Measure | None = None
) -> QuerySet[Person]:
    """Who may own a measure the user writes: the active people they see (of `organisation`),
    and the `measure`'s current owner even when they would not see them."""
    people = people_visible_to(user).active()
    if organisation is not None:
        people = people.filter(organisation=organisation)
    if measure is not None and measure.owner_person_id:
        people = people | Person.objects.filter(pk=measure.owner_person_id)
    return people


def measure_owner_departments(
    user, organisation: Organisation | None = None, *, measure: Measure | None = None
) -> QuerySet[Department]:
    """The departments that may own a measure the user writes: those they see (of
    `organisation`), and the `measure`'s current owner."""
    departments = departments_visible_to(user)
    if organisation is not None:
        departments = departments.filter(organisation=organisation)
    if measure is not None and measure.owner_department_id:
        departments = departments | Department.objects.filter(pk=measure.owner_department_id)
    return departments


def measures_filtered(measures: QuerySet[Measure], filters: dict) -> QuerySet[Measure]:
    """Visible `measures` by organisation (with its subtree), owner, status, a risk point they
    cover and a search of their text (`q`)."""
    if filters.get("organisation") is not None:
        measures = measures.filter(organisation__path__startswith=filters["organisation"].path)
    for name in ("owner_person", "owner_department", "status"):
        if name in filters:
            measures = measures.filter(**{name: filters[name]})
    if "risk_point" in filters:
        measures = measures.filter(risk_points=filters["risk_point"])
    if q := (filters.get("q") or "").strip():
        measures = measures.filter(text__icontains=q)
    return measures


def measures_prefetch() -> Prefetch:
    """Each risk point's measures with their owners, in one query for a page of points."""
    return Prefetch(
        "measures",
        queryset=Measure.objects.select_related("owner_person", "owner_department").order_by("pk"),
    )


def measures_linkable(user, point: RiskPoint) -> QuerySet[Measure]:
    """The visible measures of the point's organisation that do not cover it yet."""
    return (
        measures_visible_to(user)
        .filter(organisation_id=point.organisation_id)
        .exclude(pk__in=point.measures.values("pk"))
    )


def power_risk_points(*, user, power: Power) -> QuerySet[RiskPoint]:
    """The risk points of `power` the user can see, by step order then level."""
    return (
        risk_points_visible_to(user)
        .filter(power=power)
        .select_related("step", "post", "department")
        .order_by("step__order", "level", "pk")
    )


def step_risk_points(*, step) -> QuerySet[RiskPoint]:
    """The filed risk points of a power step with their measures, for the page where a handler
    acts on that step (本环节廉政风险点及防控措施). Read live: the register's changes show at
    once. Every handler of the step sees them whatever their own register scope: the step is
    theirs while they act on it. Highest level first; two queries however many points."""
    if step is None:
        return RiskPoint.objects.none()
    return (
        RiskPoint.objects.filter(step=step, status=RiskPoint.Status.FILED)
        .order_by(F("level").desc(nulls_last=True), "pk")
        .prefetch_related(Prefetch("measures", queryset=Measure.objects.order_by("pk")))
    )


# Register lists and aggregates ---------------------------------------------------------------

# The relations a register row shows; joined in the list query so a page of 20 rows and a
# page of 200 rows cost the same number of queries.
LIST_RELATED = ("organisation", "department", "post", "power", "step")

# `status` filter values besides the model's statuses.
STATUS_CURRENT = ""  # draft and filed: what the register shows unless asked otherwise
STATUS_ALL = "all"
UNGRADED = 0  # the `level` filter value for points without a level


def _filtered(qs: QuerySet[RiskPoint], filters: dict, today: dt.date) -> QuerySet[RiskPoint]:
    organisation = filters.get("organisation")
    if organisation is not None:
        qs = qs.filter(
            organisation_id__in=Organisation.objects.filter(
                path__startswith=organisation.path
            ).values("pk")
        )
    for key in ("department", "post", "power"):
        if filters.get(key) is not None:
            qs = qs.filter(**{key: filters[key]})
    level = filters.get("level")
    if level == UNGRADED:
        qs = qs.filter(level__isnull=True)
    elif level:
        qs = qs.filter(level=level)
    for key in ("category", "source", "likelihood", "harm"):
        if filters.get(key):
            qs = qs.filter(**{key: filters[key]})
    status = filters.get("status") or STATUS_CURRENT
    if status == STATUS_CURRENT:
        qs = qs.in_use()
    elif status != STATUS_ALL:
        qs = qs.filter(status=status)
    if filters.get("overdue"):
        qs = qs.filter(review_due__lt=today)
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(manifestation__icontains=q))
    return qs


def risk_points_filtered(
    *, user, filters: dict | None = None, today: dt.date | None = None
) -> QuerySet[RiskPoint]:
    """The visible risk points matching the register's filters, with no joins added: the base
    of the list and of the aggregates.

    Filters: organisation (with its subtree), department, post, power, level (1–3, or
    UNGRADED), likelihood and harm (the scores), category, source, status (draft and filed
    unless given; "all" for every status), overdue (review_due before today) and q (a
    search in name and manifestation).
    """
    return _filtered(risk_points_visible_to(user), filters or {}, today or timezone.localdate())


def risk_point_list(
    *, user, filters: dict | None = None, today: dt.date | None = None
) -> QuerySet[RiskPoint]:
    """The register rows: `risk_points_filtered` with the row's relations joined in and the
    risk value D = L × C annotated as `risk_value` (sortable)."""
    return (
        risk_points_filtered(user=user, filters=filters, today=today)
        .select_related(*LIST_RELATED)
        .defer("manifestation", "criteria")
        .annotate(risk_value=F("likelihood") * F("harm"))
    )


def risk_point_page_keys(
    *, user, filters: dict | None = None, today: dt.date | None = None
) -> QuerySet[RiskPoint]:
    """The filtered register without its relations, for picking a page's ids
    (`core.tables.paginate(load=…)`); `risk_value` is annotated so that it can sort."""
    return risk_points_filtered(user=user, filters=filters, today=today).annotate(
        risk_value=F("likelihood") * F("harm")
    )


def risk_point_rows(ids) -> QuerySet[RiskPoint]:
    """The register rows with these ids (already scoped by `risk_point_page_keys`)."""
    return (
        RiskPoint.objects.filter(pk__in=list(ids))
        .select_related(*LIST_RELATED)
        .defer("manifestation", "criteria")
        .annotate(risk_value=F("likelihood") * F("harm"))
    )


def marked_in_review(points) -> list[RiskPoint]:
    """`points` (a page of rows), each marked `in_review` when a submission of it waits in
    the review chain: one query on the submissions, whatever the page's size."""
    points = list(points)
    waiting = set(
        point_submissions()
        .open()
        .filter(object_id__in=[p.pk for p in points])
        .values_list("object_id", flat=True)
    )
    for point in points:
        point.in_review = point.pk in waiting
    return points


# The review chain -------------------------------------------------------------------------------


def point_submissions() -> QuerySet[Submission]:
    """The review chain's submissions of risk points."""
    return Submission.objects.filter(content_type=ContentType.objects.get_for_model(RiskPoint))


def _last_submission():
    return point_submissions().filter(object_id=OuterRef("pk")).order_by("-submitted_at", "-id")


def with_review_state(points: QuerySet[RiskPoint]) -> QuerySet[RiskPoint]:
    """`points` annotated with their last submission's state, kind and level (`review_state`,
    `review_kind`, `review_level`; None when never submitted) and the reason of the last
    return (`return_reason`)."""
    last = _last_submission()
    returned = Decision.objects.filter(
        submission__content_type=ContentType.objects.get_for_model(RiskPoint),
        submission__object_id=OuterRef("pk"),
        outcome=Decision.Outcome.RETURNED,
    ).order_by("-at", "-id")
    return points.annotate(
        review_state=Subquery(last.values("state")[:1]),
        review_kind=Subquery(last.values("kind")[:1]),
        review_level=Subquery(last.values("level")[:1]),
        return_reason=Subquery(returned.values("reason")[:1]),
    )


def submissions_pending(user) -> QuerySet[Submission]:
    """The risk points' submissions waiting for the user's decision (待审)."""
    return review_chain.pending_for(user).filter(
        content_type=ContentType.objects.get_for_model(RiskPoint)
    )


def returned_to(user) -> QuerySet[Submission]:
    """The returns the user has to act on (被退回): the last submissions of risk points that
    they submitted or wrote, returned and not submitted again. Read from the submissions
    alone (the menu's badge asks on every page)."""
    if not getattr(user, "is_authenticated", False):
        return Submission.objects.none()
    later = point_submissions().filter(
        object_id=OuterRef("object_id"), submitted_at__gt=OuterRef("submitted_at")
    )
    return (
        point_submissions()
        .filter(Q(submitter_id=user.pk) | Q(author_id=user.pk), state=Submission.State.RETURNED)
        .exclude(Exists(later))
    )


def points_returned_to(user) -> QuerySet[RiskPoint]:
    """The risk points of `returned_to(user)`."""
    return RiskPoint.objects.in_use().filter(pk__in=returned_to(user).values("object_id"))


def my_filings(user) -> QuerySet[RiskPoint]:
    """The user's own risk points still on their way (those they wrote or submitted): drafts,
    and filed points whose change waits or was returned, with their review state; returned
    first, then by last change."""
    if not getattr(user, "is_authenticated", False):
        return RiskPoint.objects.none()
    submitted = point_submissions().filter(submitter_id=user.pk).values("object_id")
    points = with_review_state(
        RiskPoint.objects.in_use().filter(Q(author=user) | Q(pk__in=submitted))
    )
    return (
        points.filter(
            Q(status=RiskPoint.Status.DRAFT)
            | Q(review_state__in=[Submission.State.OPEN, Submission.State.RETURNED])
        )
        .select_related("organisation", "department", "post", "power")
        .order_by(
            Case(When(review_state=Submission.State.RETURNED, then=Value(0)), default=Value(1)),
            "-updated_at",
            "-pk",
        )
    )


@navigation.badge("risks.to_review")
def to_review_badge(user):
    """待审 N: what waits for the user's decision (one count; nothing for a non-reviewer)."""
    if not review_chain.is_reviewer(user):
        return None
    n = submissions_pending(user).count()
    return navigation.Badge(str(n), _("待审 %(n)s 项") % {"n": n}) if n else None


@navigation.badge("risks.returned")
def returned_badge(user):
    """被退回 N: the user's own risk points whose filing or change came back."""
    n = returned_to(user).count()
    return (
        navigation.Badge(_("退回 %(n)s") % {"n": n}, _("被退回 %(n)s 项") % {"n": n}) if n else None
    )


QUEUE_SORTS = {
    "submitted": "submitted_at",
    "name": "risk_point__name",
    "level": "risk_point__level",
    "department": ("organisation__path", "department__order", "department__code"),
    "kind": "kind",
    "returns": "risk_point__return_count",
    "stage": "level",
}


def review_queue(*, user, filters: dict | None = None) -> QuerySet[Submission]:
    """What waits for the user's decision (待审), filtered: `kind` (file or change),
    `unchanged` (re-submissions equal to the version last decided), risk `level` and `q` (a
    search of the point's name). The rows' points are loaded by `review_rows`."""
    filters = filters or {}
    queue = submissions_pending(user)
    if filters.get("kind"):
        queue = queue.filter(kind=filters["kind"])
    if filters.get("unchanged"):
        queue = queue.filter(unchanged=True)
    level = filters.get("level")
    if level == UNGRADED:
        queue = queue.filter(risk_point__level__isnull=True)
    elif level:
        queue = queue.filter(risk_point__level=level)
    if q := (filters.get("q") or "").strip():
        queue = queue.filter(risk_point__name__icontains=q)
    return queue


def review_rows(submissions) -> list[Submission]:
    """A page of the queue with each submission's point (`point`), in two queries."""
    submissions = list(submissions)
    points = RiskPoint.objects.filter(pk__in=[s.object_id for s in submissions]).select_related(
        "organisation", "department", "post", "power", "step"
    )
    by_pk = {point.pk: point for point in points}
    for submission in submissions:
        submission.point = by_pk.get(submission.object_id)
    return [s for s in submissions if s.point is not None]


@dataclass
class LevelCounts:
    """Counts of risk points by level (None: ungraded), and of overdue reviews."""

    by_level: dict
    overdue: int

    @property
    def total(self) -> int:
        return sum(self.by_level.values())

    def rows(self):
        """(level, short label, count) for 一级, 二级, 三级 and, when any, 未定级."""
        rows = [(level, LEVEL_SHORT[level], self.by_level.get(level, 0)) for level in Level.values]
        if self.by_level.get(None):
            rows.append((None, _("未定级"), self.by_level[None]))
        return rows


def level_counts(points: QuerySet[RiskPoint], today: dt.date | None = None) -> LevelCounts:
    """Counts by level and of overdue reviews of `points`, in one query.

    Grouped by organisation, status and level (summed here): the groups follow the
    (organisation, status, level, review_due) index, so the database walks that index alone
    with no sort, whatever its statistics say. A commission's register has a few dozen groups.
    """
    today = today or timezone.localdate()
    overdue_case = Case(When(review_due__lt=today, then=Value(1)), default=Value(0))
    rows = (
        points.order_by()
        .values_list("organisation_id", "status", "level")
        .annotate(n=Count("*"), overdue=Sum(overdue_case))
    )
    by_level: dict = defaultdict(int)
    overdue = 0
    for _org, _status, level, n, late in rows:
        by_level[level] += n
        overdue += late or 0
    return LevelCounts(by_level=dict(by_level), overdue=overdue)


@dataclass
class HeatMap:
    """Counts of risk points per likelihood × harm cell, on a size × size grid."""

    size: int
    counts: dict  # (likelihood, harm) -> count

    @property
    def max(self) -> int:
        return max(self.counts.values(), default=0)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def cells(self) -> list[list[int]]:
        """[harm - 1, likelihood - 1, count] for every cell (ECharts heat map data)."""
        return [
            [harm - 1, likelihood - 1, self.counts.get((likelihood, harm), 0)]
            for likelihood in range(1, self.size + 1)
            for harm in range(1, self.size + 1)
        ]


def risk_point_heatmap(*, user, filters: dict | None = None, size: int = 3) -> HeatMap:
    """The likelihood × harm heat map of the filtered register, in one GROUP BY query.

    The grid is `size` wide (the scheme's matrix size) or wider when scores go beyond it.
    """
    rows = (
        risk_points_filtered(user=user, filters=filters)
        .filter(likelihood__isnull=False, harm__isnull=False)
        .order_by()
        .values("likelihood", "harm")
        .annotate(n=Count("*"))
    )
    counts = {(row["likelihood"], row["harm"]): row["n"] for row in rows}
    largest = max((max(pair) for pair in counts), default=size)
    return HeatMap(size=max(size, largest), counts=counts)


def risk_point_counts_by_department(
    *, user, filters: dict | None = None, limit: int = 30, today: dt.date | None = None
) -> dict:
    """Counts by department and level of the filtered register, for a stacked bar chart,
    largest first: every department of one organisation, or, when the rows span several
    (a commission's view), the `limit` departments with the most risk points. One GROUP BY
    on the risk points' own columns, then the names of the departments and organisations it
    found.

    Unit-level points (no department) count under 单位层面. Returns {labels, keys:
    [(organisation id, department id or None)], series: {level: [counts]}, omitted: number
    of departments left out, by_level: {level: count} over all, overdue: the number overdue
    for review}.
    """
    today = today or timezone.localdate()
    overdue_case = Case(When(review_due__lt=today, then=Value(1)), default=Value(0))
    rows = list(
        risk_points_filtered(user=user, filters=filters, today=today)
        .order_by()
        .values_list("organisation_id", "department_id", "level")
        .annotate(n=Count("*"), overdue=Sum(overdue_case))
    )
    departments: dict = {}
    by_level: dict = {}
    overdue = 0
    for org_id, department_id, level, n, late in rows:
        overdue += late or 0
        by_level[level] = by_level.get(level, 0) + n
        entry = departments.setdefault((org_id, department_id), {"levels": {}, "total": 0})
        entry["levels"][level] = entry["levels"].get(level, 0) + n
        entry["total"] += n
    department_names = dict(
        Department.objects.filter(pk__in={d for _o, d in departments if d}).values_list(
            "pk", "name"
        )
    )
    org_ids = {o for o, _d in departments}
    org_names = {}
    if len(org_ids) > 1:
        for pk, short_name, name in Organisation.objects.filter(pk__in=org_ids).values_list(
            "pk", "short_name", "name"
        ):
            org_names[pk] = short_name or name
    for (org_id, department_id), entry in departments.items():
        label = department_names.get(department_id) or str(_("单位层面"))
        entry["label"] = f"{org_names[org_id]} · {label}" if org_names else label
    for key, entry in departments.items():
        entry["key"] = key
    ranked = sorted(departments.values(), key=lambda e: (-e["total"], e["label"]))
    shown = ranked[:limit] if len(org_ids) > 1 else ranked
    series = {level: [e["levels"].get(level, 0) for e in shown] for level in Level.values}
    if any(e["levels"].get(None) for e in shown):
        series[None] = [e["levels"].get(None, 0) for e in shown]
    return {
        "labels": [e["label"] for e in shown],
        "keys": [e["key"] for e in shown],
        "series": series,
        "omitted": len(ranked) - len(shown),
        "by_level": by_level,
        "overdue": overdue,
    }


# Monitors and reviews (risk core) ---------------------------------------------------------------


@dataclass(frozen=True)
class Monitor:
    """Who watches a risk point (监控人): a role of the level rule and the person (or, for the
    integrity office without a head, the department) filling it; name "" when nobody is set."""

    role: str
    name: str
    person_id: int | None = None

    @property
    def role_label(self) -> str:
        from .models import MonitorRole

        return str(MonitorRole(self.role).label)


def monitors_for(points, today: dt.date | None = None) -> dict[int, list[Monitor]]:
    """The monitors of each risk point by its level's rule in its organisation's active scheme,
    keyed by risk point id. A fixed number of queries (at most four) for any number of points:
    principal leader (organisation.principal_leader), leader in charge (active divisions of the
    point's department), integrity office (organisation.integrity_department's head, or the
    department itself) and department head (department.head)."""
    from lianfang.org.models import Department, LeaderDivision

    from . import grading
    from .models import MonitorRole

    points = [p for p in points if p.level]
    if not points:
        return {}
    today = today or timezone.localdate()
    organisations = {
        o.pk: o
        for o in Organisation.objects.filter(
            pk__in={p.organisation_id for p in points}
        ).select_related("principal_leader", "integrity_department__head")
    }
    schemes = grading.schemes_for(organisations.values())
    department_ids = {p.department_id for p in points if p.department_id}
    departments, leaders = {}, {}
    if department_ids:
        departments = {
            d.pk: d for d in Department.objects.filter(pk__in=department_ids).select_related("head")
        }
        divisions = (
            LeaderDivision.objects.in_force(today)
            .filter(department_id__in=department_ids)
            .select_related("leader")
            .order_by("department_id", "since", "pk")
        )
        for division in divisions:
            leaders.setdefault(division.department_id, []).append(division.leader)

    def person(role, p):
        return Monitor(role, p.name, p.pk) if p is not None else Monitor(role, "")

    result = {}
    for point in points:
        org = organisations[point.organisation_id]
        department = departments.get(point.department_id)
        monitors = []
        for role in grading.monitor_roles(schemes[org.pk], point.level):
            if role == MonitorRole.PRINCIPAL_LEADER:
                monitors.append(person(role, org.principal_leader))
            elif role == MonitorRole.LEADER_IN_CHARGE:
                found = leaders.get(point.department_id) or [None]
                monitors.extend(person(role, leader) for leader in found)
            elif role == MonitorRole.INTEGRITY_OFFICE:
                office = org.integrity_department
                if office is not None and office.head is not None:
                    monitors.append(person(role, office.head))
                else:
                    monitors.append(Monitor(role, office.name if office else ""))
            elif role == MonitorRole.DEPARTMENT_HEAD:
                monitors.append(person(role, department.head if department else None))
        result[point.pk] = monitors
    return result


def reviews_overdue(
    user, today: dt.date | None = None, filters: dict | None = None
) -> QuerySet[RiskPoint]:
    """Filed risk points the user sees whose review (复核) is past due, most overdue first;
    by organisation, department and name (`filters`)."""
    today = today or timezone.localdate()
    filters = filters or {}
    points = risk_points_visible_to(user).filter(
        status=RiskPoint.Status.FILED, review_due__lt=today
    )
    if filters.get("organisation"):
        points = points.filter(organisation=filters["organisation"])
    if filters.get("department") is not None:
        points = points.filter(department=filters["department"])
    if filters.get("q"):
        points = points.filter(name__icontains=filters["q"])
    return points.select_related("organisation", "department", "post", "power").order_by(
        "review_due", "pk"
    )


def measures_overdue(user, filters: dict | None = None, today: dt.date | None = None):
    """Measures the user sees still planned after their due date, by organisation, department
    (of its owner: the owning department, or the department of the person who owns it) and
    text."""
    filters = filters or {}
    measures = measures_visible_to(user).overdue(today)
    if filters.get("organisation"):
        measures = measures.filter(organisation=filters["organisation"])
    department = filters.get("department")
    if department is not None:
        measures = measures.filter(
            Q(owner_department=department) | Q(owner_person__department=department)
        )
    if filters.get("q"):
        measures = measures.filter(text__icontains=filters["q"])
    links = (
        Measure.risk_points.through.objects.filter(measure_id=OuterRef("pk"))
        .order_by()
        .values("measure_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return measures.select_related(
        "organisation", "owner_person__department", "owner_department"
    ).annotate(points=Coalesce(Subquery(links), 0))


# Grading schemes and generic phrases ---------------------------------------------------------

GLOBAL = "global"  # the phrase filter's value for the phrases of every organisation


def schemes_manageable_by(user) -> QuerySet[GradingScheme]:
    return GradingScheme.objects.filter(
        organisation__in=organisations_manageable_by(user)
    ).select_related("organisation")


def organisation_schemes(organisation: Organisation) -> QuerySet[GradingScheme]:
    """An organisation's own schemes, the active one first, then the newest."""
    return GradingScheme.objects.filter(organisation=organisation).order_by(
        "-active", "-created_at"
    )


def phrases_visible_to(user) -> QuerySet[GenericPhrase]:
    """Global phrases, those of the organisations the user sees and of their ancestors."""
    visible = list(organisations_visible_to(user).values_list("path", flat=True))
    ids = {int(i) for path in visible for i in path.strip("/").split("/") if i}
    return GenericPhrase.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id__in=ids)
    ).select_related("organisation")


def phrases_manageable_by(user) -> QuerySet[GenericPhrase]:
    q = Q(organisation__in=organisations_manageable_by(user))
    if permissions.may_edit_global_phrases(user):
        q |= Q(organisation__isnull=True)
    return GenericPhrase.objects.filter(q)


def phrase_list(*, user, filters: dict | None = None) -> QuerySet[GenericPhrase]:
    """The visible phrases by scope (`organisation`: an organisation id, or GLOBAL), list
    (`kind`), state (`active`: "1" or "0") and a search of phrase and reason (`q`)."""
    filters = filters or {}
    qs = phrases_visible_to(user)
    scope = filters.get("organisation")
    if scope == GLOBAL:
        qs = qs.filter(organisation__isnull=True)
    elif scope:
        qs = qs.filter(organisation_id=scope)
    if filters.get("active") in ("0", "1"):
        qs = qs.filter(active=filters["active"] == "1")
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("q"):
        qs = qs.filter(Q(phrase__icontains=filters["q"]) | Q(reason__icontains=filters["q"]))
    return qs
