"""Reads of the risk register. Each starts from `visible_to`."""

from django.db.models import Q, QuerySet

from lianfang.core.scoping import register, scope_of
from lianfang.org.models import PostAssignment, Power

from .models import Measure, RiskPoint


@register(RiskPoint)
def risk_points_visible_to(user) -> QuerySet[RiskPoint]:
    """Integrity office and administrators: their subtree; leaders: the departments in charge;
    department heads: their department; staff: the risk points of the posts they hold."""
    scope = scope_of(user)
    if scope.is_empty:
        return RiskPoint.objects.none()
    q = scope.subtree_q("organisation__path") | Q(department_id__in=scope.department_ids)
    if scope.person_id:
        q |= Q(
            post_id__in=PostAssignment.objects.filter(
                person_id=scope.person_id, end__isnull=True
            ).values("post_id")
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


@register(Power)
def powers_visible_to(user) -> QuerySet[Power]:
    """The power catalogue is read by everyone in the organisation (it is public by design)."""
    scope = scope_of(user)
    if scope.is_empty:
        return Power.objects.none()
    return Power.objects.filter(
        scope.subtree_q("organisation__path") | Q(organisation_id__in=scope.org_ids)
    )
