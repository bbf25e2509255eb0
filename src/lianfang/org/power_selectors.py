"""Reads of the power catalogue (职权目录). Each starts from `powers_visible_to`.

Everyone with a role reads the catalogue of their organisation; only administrators and the
integrity office edit it, within their subtree (`powers_manageable_by`).
"""

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from lianfang.core.scoping import scope_of
from lianfang.risks.selectors import powers_visible_to, risk_points_visible_to

from .models import Department, Post, Power, PowerStep


def powers_manageable_by(user) -> QuerySet[Power]:
    return Power.objects.filter(scope_of(user).subtree_q("organisation__path"))


def steps_manageable_by(user) -> QuerySet[PowerStep]:
    return PowerStep.objects.filter(scope_of(user).subtree_q("power__organisation__path"))


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
    """`power_filter`, each power with `step_count`, `risk_count` (the risk points the user
    can see), its organisation and department, and its 承办岗位 prefetched."""
    qs = power_filter(user=user, filters=filters).select_related("organisation", "department")
    return qs.annotate(
        step_count=_count_of(PowerStep.objects.all(), "power"),
        risk_count=_count_of(risk_points_visible_to(user), "power"),
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


def power_risk_points(*, user, power: Power):
    """The risk points of `power` the user can see, by step order then level."""
    return (
        risk_points_visible_to(user)
        .filter(power=power)
        .select_related("step", "post", "department")
        .order_by("step__order", "level", "pk")
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
