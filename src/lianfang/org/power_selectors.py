"""Reads of the power catalogue (职权目录). Each starts from `powers_visible_to`.

Everyone with a role reads the catalogue of their organisation; only administrators and the
integrity office edit it, within their subtree (`powers_manageable_by`).

Apps above org add to the catalogue's pages through two slots (`core.extensions`), so org
never imports them: `POWER_COUNTS` takes a PowerCount (a counted, sortable column of the
list) and `POWER_DETAIL` a panel function `fn(request, *, power, steps) -> Panel | None`
(a section of the power's page, with marks for the flow chart's steps by step pk).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from lianfang.core import extensions
from lianfang.core.scoping import register, scope_of

from .models import Department, Post, Power, PowerStep

POWER_COUNTS = "org.power_counts"
POWER_DETAIL = "org.power_detail"


@dataclass(frozen=True)
class PowerCount:
    """A column of the power list: per power, the rows of another app the user can see."""

    key: str  # the list's sort key
    label: str  # the column heading
    rows: Callable  # rows(user) -> the user's visible rows, with a `power` foreign key

    @property
    def attr(self) -> str:
        """The annotation each listed power carries the count in."""
        return f"{self.key}_count"


def power_counts() -> list[PowerCount]:
    return extensions.contributions(POWER_COUNTS)


@register(Power)
def powers_visible_to(user) -> QuerySet[Power]:
    """The power catalogue is read by everyone in the organisation (it is public by design)."""
    scope = scope_of(user)
    if scope.is_empty:
        return Power.objects.none()
    return Power.objects.filter(
        scope.subtree_q("organisation__path") | Q(organisation_id__in=scope.org_ids)
    )


def powers_manageable_by(user) -> QuerySet[Power]:
    """Where the user's grants write (`core.scoping.write_reach`)."""
    return Power.objects.filter(scope_of(user).write.q("organisation__path"))


def steps_manageable_by(user) -> QuerySet[PowerStep]:
    return PowerStep.objects.filter(scope_of(user).write.q("power__organisation__path"))


def _count_of(queryset, field: str):
    return Coalesce(
        Subquery(
            queryset.filter(**{field: OuterRef("pk")})
            .order_by()
            .values(field)
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def _posts_prefetch():
    return Prefetch(
        "posts",
        # unit-level posts (no department) first, on SQLite and PostgreSQL alike
        queryset=Post.objects.select_related("department").order_by(
            F("department__order").asc(nulls_first=True),
            F("department__code").asc(nulls_first=True),
            "code",
        ),
    )


def power_filter(*, user, filters: dict | None = None) -> QuerySet[Power]:
    """Visible powers by organisation, category, department, public flag, active flag and a
    search of 编码 / 名称 (`q`)."""
    filters = filters or {}
    qs = powers_visible_to(user)
    if filters.get("organisation"):
        qs = qs.filter(organisation=filters["organisation"])
    if filters.get("category"):
        qs = qs.filter(category=filters["category"])
    if filters.get("department"):
        qs = qs.filter(department=filters["department"])
    if filters.get("is_public") in (True, False):
        qs = qs.filter(is_public=filters["is_public"])
    if filters.get("active") in (True, False):
        qs = qs.filter(active=filters["active"])
    q = (filters.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return qs


def power_list(*, user, filters: dict | None = None) -> QuerySet[Power]:
    """`power_filter`, each power with `step_count` and the count of each PowerCount
    (`<key>_count`), its organisation and department, and its 承办岗位 prefetched."""
    qs = power_filter(user=user, filters=filters).select_related("organisation", "department")
    return qs.annotate(
        step_count=_count_of(PowerStep.objects.all(), "power"),
        **{count.attr: _count_of(count.rows(user), "power") for count in power_counts()},
    ).prefetch_related(_posts_prefetch())


def power_departments(user) -> QuerySet[Department]:
    """The departments that carry a visible power (the list page's department filter)."""
    return Department.objects.filter(
        pk__in=powers_visible_to(user).exclude(department=None).values("department_id")
    ).select_related("organisation")


def power_detail(*, user, pk) -> Power:
    """One visible power with its organisation, department, posts and steps (each step with
    its handling post); raises Power.DoesNotExist outside the user's scope."""
    return (
        powers_visible_to(user)
        .select_related("organisation", "department")
        .prefetch_related(
            _posts_prefetch(),
            Prefetch(
                "steps", queryset=PowerStep.objects.select_related("post").order_by("order", "pk")
            ),
        )
        .get(pk=pk)
    )


def export_queryset(queryset: QuerySet[Power]) -> QuerySet[Power]:
    """`queryset` ready for the Excel export: department, posts and steps in one query each."""
    return (
        queryset.select_related("organisation", "department")
        .prefetch_related(
            _posts_prefetch(), Prefetch("steps", queryset=PowerStep.objects.order_by("order", "pk"))
        )
        .order_by("organisation__path", "code", "pk")
    )
