"""Reads of the warnings (预警) for the integrity office's pages."""

from django.db.models import Q, QuerySet

from .models import AuditEvent, Warning, WarningStatus
from .roles import Role
from .scoping import register

NOT_CLOSED = ""  # the status filter's default: every warning not yet closed
ALL = "all"


@register(Warning)
def warnings_visible_to(user) -> QuerySet[Warning]:
    """The integrity office sees the warnings of its organisations and those below them."""
    q = Q(pk__in=[])
    for grant in getattr(user, "active_grants", ()) or ():
        if grant.role == Role.INTEGRITY:
            q |= Q(organisation__path__startswith=grant.organisation.path)
    if not getattr(user, "is_authenticated", False):
        return Warning.objects.none()
    return Warning.objects.filter(q)


def warning_list(*, user, filters: dict) -> QuerySet[Warning]:
    """The visible warnings by status (default: not closed; ALL for every one), level and
    source."""
    qs = warnings_visible_to(user)
    status = filters.get("status", NOT_CLOSED)
    if status == NOT_CLOSED:
        qs = qs.exclude(status=WarningStatus.CLOSED)
    elif status != ALL:
        qs = qs.filter(status=status)
    if filters.get("level"):
        qs = qs.filter(level=filters["level"])
    if filters.get("source"):
        qs = qs.filter(source=filters["source"])
    return qs.select_related("organisation")


def warning_trail(warning: Warning) -> QuerySet[AuditEvent]:
    """The warning's audit events, oldest first: its trail."""
    return AuditEvent.objects.filter(
        object_type="core.warning", object_id=str(warning.pk)
    ).order_by("seq")
