"""Reads for the audit page, the shell and the home dashboard."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import AuditChainHead, AuditEvent, Module
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


def enabled_modules() -> list[Module]:
    return list(Module.objects.filter(enabled=True))


@dataclass(frozen=True)
class DashboardCharts:
    """What the home page charts show, already limited to the user's scope."""

    staff_by_department: dict  # {"labels": [...], "values": [...]}, largest first
    post_kinds: list  # [{"name": ..., "value": ...}] for the pie, zero slices left out

    @property
    def is_empty(self) -> bool:
        return not self.staff_by_department["labels"] and not self.post_kinds


def dashboard_charts(*, user, top: int = 15) -> DashboardCharts:
    """Active staff per department (the `top` largest) and the share of key/sensitive posts.

    Two queries, whatever the size of the organisation.
    """
    from lianfang.org.selectors import people_visible_to, posts_visible_to

    rows = list(
        people_visible_to(user)
        .filter(active=True, department__isnull=False)
        .values(
            "department_id",
            "department__name",
            "department__organisation__name",
            "department__organisation__short_name",
        )
        .annotate(n=Count("id"))
        .order_by("-n", "department__name", "department_id")[:top]
    )
    several_orgs = len({r["department__organisation__name"] for r in rows}) > 1
    labels = []
    for r in rows:
        label = r["department__name"]
        if several_orgs:
            org = r["department__organisation__short_name"] or r["department__organisation__name"]
            label = f"{org} · {label}"
        labels.append(label)
    counts = posts_visible_to(user).aggregate(
        both=Count("id", filter=Q(is_key=True, is_sensitive=True)),
        key=Count("id", filter=Q(is_key=True, is_sensitive=False)),
        sensitive=Count("id", filter=Q(is_key=False, is_sensitive=True)),
        ordinary=Count("id", filter=Q(is_key=False, is_sensitive=False)),
    )
    names = {
        "both": _("重点且敏感岗位"),
        "key": _("重点岗位"),
        "sensitive": _("敏感岗位"),
        "ordinary": _("一般岗位"),
    }
    post_kinds = [{"name": str(names[k]), "value": counts[k]} for k in names if counts[k]]
    return DashboardCharts(
        staff_by_department={"labels": labels, "values": [r["n"] for r in rows]},
        post_kinds=post_kinds,
    )
