"""Reads of the working-day calendar's page (系统维护 › 工作日历).

The keepers are the platform administrator (the platform's overrides and confirmations) and
each organisation's administrators (their subtrees'). An administrator also sees, read-only,
what applies to their organisations from above: the platform's and their ancestors'.
"""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from .models import WorkdayOverride, WorkdayYear
from .roles import Role, is_platform_admin
from .scoping import register
from .selectors import administered_paths, administered_reach, organisation_model, path_ids
from .workdays import package_years

PLATFORM = "platform"  # the filter's and the forms' value for "the whole platform"


def _subtrees_q(paths, field="organisation__path") -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(**{f"{field}__startswith": path})
    return q


def _above_ids(paths) -> set[int]:
    """The organisations above the administered nodes (their ancestors, not themselves)."""
    return {pk for path in paths for pk in path_ids(path)[:-1]}


def _owned_by(user, model) -> QuerySet:
    q = administered_reach(user).q("organisation__path")
    if is_platform_admin(user):
        q |= Q(organisation__isnull=True)
    return model.objects.filter(q)


def _seen_by(user, model) -> QuerySet:
    paths = administered_paths(user)
    if not paths and not is_platform_admin(user):
        return model.objects.none()
    q = _subtrees_q(paths) | Q(organisation__isnull=True) | Q(organisation_id__in=_above_ids(paths))
    return model.objects.filter(q)


@register(WorkdayOverride)
def workday_overrides_visible_to(user) -> QuerySet[WorkdayOverride]:
    """The platform administrator: the platform's overrides. An administrator: those of
    their subtrees, and those that apply to them from above (the platform's, their
    ancestors'). Nobody else keeps the calendar."""
    return _seen_by(user, WorkdayOverride)


def workday_overrides_manageable_by(user) -> QuerySet[WorkdayOverride]:
    return _owned_by(user, WorkdayOverride)


def workday_years_visible_to(user) -> QuerySet[WorkdayYear]:
    return _seen_by(user, WorkdayYear)


def workday_years_manageable_by(user) -> QuerySet[WorkdayYear]:
    return _owned_by(user, WorkdayYear)


def owners_of(user) -> tuple[bool, list]:
    """Whom `user` keeps the calendar for: (the platform?, the organisations, in tree order)."""
    reach = administered_reach(user)
    organisations = []
    if reach:
        organisations = list(organisation_model().objects.filter(reach.q("path")).order_by("path"))
    return is_platform_admin(user), organisations


def viewpoints_of(user) -> list:
    """The nodes whose calendar the user answers for: the platform (None) for the platform
    administrator, each node of an administrator's grants (read from the grants: no query)."""
    points = [None] if is_platform_admin(user) else []
    nodes = {
        g.organisation.path: g.organisation
        for g in getattr(user, "active_grants", None) or ()
        if g.role == Role.ADMIN
    }
    return points + [nodes[path] for path in sorted(nodes)]


def override_list(*, user, year: int, filters: dict) -> QuerySet[WorkdayOverride]:
    """The visible overrides of `year`, filtered: owner (PLATFORM or an organisation's pk),
    kind, q (a search in the name)."""
    qs = workday_overrides_visible_to(user).filter(date__year=year).select_related("organisation")
    owner = filters.get("organisation")
    if owner == PLATFORM:
        qs = qs.filter(organisation__isnull=True)
    elif owner:
        qs = qs.filter(organisation_id=owner)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("q"):
        qs = qs.filter(name__icontains=filters["q"])
    return qs


@dataclass(frozen=True)
class YearState:
    """Whether the calendar knows a year, for the user's nodes, and why."""

    year: int
    in_package: bool
    confirmed: bool  # confirmed (platform or on the path) for every node the user answers for
    holidays: int  # the visible overrides of the year, by kind
    workdays: int

    @property
    def known(self) -> bool:
        return self.in_package or self.confirmed


def year_states(user, *, today_year: int, selected: int) -> list[YearState]:
    """A row per year worth showing: last year to next year, the selected one, and every year
    with a visible override or confirmation. Three queries."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        workday_overrides_visible_to(user)
        .values_list("date__year", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for year, kind, n in rows:
        counts.setdefault(year, {})[kind] = n
    confirmations = set(workday_years_visible_to(user).values_list("organisation_id", "year"))
    years = {today_year - 1, today_year, today_year + 1, selected}
    years |= set(counts) | {year for _org, year in confirmations}
    points = viewpoints_of(user)
    states = []
    for year in sorted(years):
        confirmed = bool(points) and all(
            any(
                (owner, year) in confirmations
                for owner in ({None} if p is None else {None, *path_ids(p.path)})
            )
            for p in points
        )
        kinds = counts.get(year, {})
        states.append(
            YearState(
                year=year,
                in_package=year in package_years(),
                confirmed=confirmed,
                holidays=kinds.get(WorkdayOverride.Kind.HOLIDAY, 0),
                workdays=kinds.get(WorkdayOverride.Kind.WORKDAY, 0),
            )
        )
    return states
