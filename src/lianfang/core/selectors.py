"""Reads for the audit page and the shell."""

from django.db.models import Q, QuerySet

from .models import AuditEvent, Module
from .roles import Role
from .scoping import register, scope_of


@register(AuditEvent)
def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The integrity office sees the events of its organisation and below.

    Events tied to no organisation (accounts, system settings) are seen by the integrity
    office of a root organisation only.
    """
    scope = scope_of(user)
    if Role.INTEGRITY not in scope.roles:
        return AuditEvent.objects.none()
    grants = [g for g in user.active_grants if g.role == Role.INTEGRITY]
    q = Q(pk__in=[])
    for grant in grants:
        q |= Q(organisation_path__startswith=grant.organisation.path)
        if grant.organisation.parent_id is None:
            q |= Q(organisation_path="")
    return AuditEvent.objects.filter(q)


def audit_event_list(*, user, filters: dict) -> QuerySet[AuditEvent]:
    qs = audit_events_visible_to(user)
    if filters.get("actor"):
        qs = qs.filter(actor_label__icontains=filters["actor"])
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"])
    if filters.get("object"):
        term = filters["object"]
        qs = qs.filter(Q(object_repr__icontains=term) | Q(object_id=term))
    if filters.get("action"):
        qs = qs.filter(action=filters["action"])
    if filters.get("since"):
        qs = qs.filter(created_at__date__gte=filters["since"])
    if filters.get("until"):
        qs = qs.filter(created_at__date__lte=filters["until"])
    return qs


def enabled_modules() -> list[Module]:
    return list(Module.objects.filter(enabled=True))
