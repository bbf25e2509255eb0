"""Reads for the audit page and the shell."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import audit
from .models import AuditChainHead, AuditEvent
from .roles import Role
from .scoping import register, scope_of


@register(AuditEvent)
def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The integrity office sees the events of its organisation and below.

    Every event belongs to the organisation of what it is about, or else of the actor (an
    export, a module switch: `scoping.acting_organisation`). Platform events, tied to no
    organisation at all, are seen by platform auditors only: superusers, who see every
    event. There is no platform role; a superuser reaches the audit pages, like anyone,
    through an integrity grant (which also puts the account behind TOTP).
    """
    scope = scope_of(user)
    if Role.INTEGRITY not in scope.roles:
        return AuditEvent.objects.none()
    if user.is_superuser:
        return AuditEvent.objects.all()
    q = Q(pk__in=[])
    for grant in user.active_grants:
        if grant.role == Role.INTEGRITY:
            q |= Q(organisation_path__startswith=grant.organisation.path)
    return AuditEvent.objects.filter(q)


def audit_event_list(*, user, filters: dict) -> QuerySet[AuditEvent]:
    """The visible events matching `filters`: actor and object are substrings, object_type
    and action exact, since/until dates (inclusive, in the local time zone)."""
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
    # Day bounds as datetimes, so the created_at index serves the range.
    if filters.get("since"):
        qs = qs.filter(created_at__gte=_start_of_day(filters["since"]))
    if filters.get("until"):
        qs = qs.filter(created_at__lt=_start_of_day(filters["until"] + dt.timedelta(days=1)))
    return qs


def _start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_filter_choices(*, user) -> tuple[list[str], list[str]]:
    """The object types and the actions present among the user's visible events."""
    visible = audit_events_visible_to(user).order_by()
    types = visible.values_list("object_type", flat=True).distinct().order_by("object_type")
    actions = visible.values_list("action", flat=True).distinct().order_by("action")
    return list(types), list(actions)


@dataclass(frozen=True)
class AuditChainPosition:
    """Where an event sits in the chain, and whether its own links hold."""

    head_seq: int  # the number of events in the chain
    previous: AuditEvent | None  # the nearest earlier event this user may see
    next: AuditEvent | None  # the nearest later event this user may see
    hash_matches: bool  # its content still gives its hash
    links_to_previous: bool  # its prev_hash is the hash of event seq - 1


def audit_event_position(*, user, event: AuditEvent) -> AuditChainPosition:
    """Four queries, whatever the length of the chain."""
    visible = audit_events_visible_to(user).only("id", "seq")
    previous_hash = (
        AuditEvent.objects.filter(seq=event.seq - 1).values_list("hash", flat=True).first()
        if event.seq > 1
        else audit.GENESIS
    )
    return AuditChainPosition(
        head_seq=AuditChainHead.objects.filter(id=1).values_list("seq", flat=True).first() or 0,
        previous=visible.filter(seq__lt=event.seq).order_by("-seq").first(),
        next=visible.filter(seq__gt=event.seq).order_by("seq").first(),
        hash_matches=audit.compute_hash(event) == event.hash,
        links_to_previous=previous_hash == event.prev_hash,
    )
