"""Reads for the audit page, the shell and the module settings."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from . import audit, audit_labels
from .models import AuditChainHead, AuditEvent, Module, ModuleSetting
from .navigation import always_on_codes
from .roles import Role
from .scoping import Reach, register, scope_of, write_reach

# Platform events every organisation's audit readers see: a module switched on or off for
# the whole platform switches it for them too.
PLATFORM_WIDE_ACTIONS = ("module.enable", "module.disable")


@register(AuditEvent)
def audit_events_visible_to(user) -> QuerySet[AuditEvent]:
    """The integrity office and the audit reviewer (安全审计员) see the events of their
    organisation and below: what was done there, the module switches and role grants of
    those organisations included, and the platform-wide module switches, which apply to them.

    Every event belongs to the organisation of what it is about, or else of the actor (an
    export: `scoping.acting_organisation`). Other platform events (the platform
    administrator's columns and global phrases), tied to no organisation at all, are seen by
    platform auditors only: superusers, who see every event. The platform administrator's
    role alone does not open the audit pages; a superuser reaches them, like anyone, through
    an integrity or audit reviewer's grant.
    """
    scope = scope_of(user)
    if not scope.roles.intersection(Role.AUDIT_READERS):
        return AuditEvent.objects.none()
    if user.is_superuser:
        return AuditEvent.objects.all()
    q = Q(organisation_path="", action__in=PLATFORM_WIDE_ACTIONS)
    for path in sorted(
        {g.organisation.path for g in user.active_grants if g.role in Role.AUDIT_READERS}
    ):
        q |= Q(organisation_path__startswith=path)
    return AuditEvent.objects.filter(q)


def audit_event_list(*, user, filters: dict) -> QuerySet[AuditEvent]:
    """The visible events matching `filters`: actor (the login or the person's name) and
    object are substrings, object_type and action exact, since/until dates (inclusive, in
    the local time zone)."""
    qs = audit_events_visible_to(user)
    if filters.get("actor"):
        qs = qs.filter(audit_labels.actor_matching(filters["actor"]))
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


# Modules per organisation --------------------------------------------------------------------
# A module is on for an organisation when it is on platform-wide (`Module.enabled`, the
# platform administrator's switch) and the nearest setting on the way up the tree, its own
# first (`ModuleSetting`), does not switch it off. Core imports no domain app: organisations
# are read through ModuleSetting's foreign key and used by their `pk`, `path` and name.


@dataclass(frozen=True)
class ModuleState:
    """A module's state in one organisation, and where it comes from."""

    enabled: bool  # what the organisation's users get
    platform: bool  # the platform switch: off, the module is off everywhere
    own: bool | None  # the organisation's own setting, if it has one
    inherited: bool  # what it would be without its own setting
    origin: object = None  # the ancestor that `inherited` follows (None: the platform switch)


def path_ids(path: str) -> list[int]:
    """The primary keys of a materialised path ("/1/5/12/"), from the root down."""
    return [int(p) for p in path.strip("/").split("/") if p]


def _path_within(path: str, paths) -> bool:
    return any(path.startswith(p) for p in paths)


def organisation_model():
    """The organisation tree's node, as ModuleSetting's foreign key names it."""
    return ModuleSetting._meta.get_field("organisation").related_model


def administered_paths(user) -> tuple[str, ...]:
    """The subtrees `user` supervises as an administrator (reads): the nodes of their ADMIN
    grants."""
    grants = getattr(user, "active_grants", None) or ()
    return tuple(sorted({g.organisation.path for g in grants if g.role == Role.ADMIN}))


def administered_reach(user) -> Reach:
    """Where `user` writes as an administrator (`scoping.write_reach`): the nodes of their
    ADMIN grants, and the units below those granted 下级单位可写."""
    return write_reach(getattr(user, "active_grants", None) or (), (Role.ADMIN,))


def administers(user, organisation) -> bool:
    """Whether `user` administers `organisation`: an ADMIN grant on it, or on one above it
    that makes the units below writable."""
    return administered_reach(user).covers(organisation.path)


def organisations_administered_by(user) -> QuerySet:
    """The organisations `user` administers (writes), in tree order."""
    reach = administered_reach(user)
    if not reach:
        return organisation_model().objects.none()
    return organisation_model().objects.filter(reach.q("path")).order_by("path")


def switchable_modules() -> list[Module]:
    """The modules that may be switched off (not the home page, not the switches themselves)."""
    return list(Module.objects.exclude(code__in=always_on_codes()).order_by("order", "code"))


def module_states(organisations, modules) -> dict[tuple[int, int], ModuleState]:
    """Each module's state in each organisation, by (organisation pk, module pk). One query."""
    ids = {i for org in organisations for i in path_ids(org.path)}
    settings = {
        (s.organisation_id, s.module_id): s
        for s in ModuleSetting.objects.filter(
            organisation_id__in=ids, module__in=modules
        ).select_related("organisation")
    }
    states = {}
    for org in organisations:
        above = path_ids(org.path)[-2::-1]  # its parent first, up to the root
        for module in modules:
            own = settings.get((org.pk, module.pk))
            nearest = next(
                (settings[i, module.pk] for i in above if (i, module.pk) in settings), None
            )
            inherited = module.enabled and (nearest is None or nearest.enabled)
            states[org.pk, module.pk] = ModuleState(
                enabled=module.enabled and (own.enabled if own is not None else inherited),
                platform=module.enabled,
                own=own.enabled if own is not None else None,
                inherited=inherited,
                origin=nearest.organisation if nearest is not None else None,
            )
    return states


def _on_at(settings: dict[str, bool], path: str) -> bool:
    """A module's state at `path` from its settings by organisation path (platform: on)."""
    ids = path_ids(path)
    for end in range(len(ids), 0, -1):
        key = "/" + "/".join(map(str, ids[:end])) + "/"
        if key in settings:
            return settings[key]
    return True


def modules_open_to(user) -> frozenset[str]:
    """The codes of the modules `user` may use (menu entries and pages; two queries).

    An always-on module, and a module on platform-wide that is on in at least one
    organisation where the user holds a role or, for administrators and the integrity office,
    in one organisation of their subtrees (a commission's officer keeps a module that a
    hospital below still uses). Without any role on a node (the platform administrator,
    nobody signed in), the platform switches decide.
    """
    platform_on = set(Module.objects.filter(enabled=True).values_list("code", flat=True))
    grants = getattr(user, "active_grants", None) or ()
    anchors = {g.organisation.path for g in grants}
    if not anchors:
        return frozenset(platform_on) | always_on_codes()
    scope = scope_of(user)
    q = Q(organisation_id__in={i for path in anchors for i in path_ids(path)})
    if scope.subtree_paths:
        q |= Q(enabled=True) & scope.subtree_q("organisation__path")
    by_module: dict[str, dict[str, bool]] = {}
    for code, path, enabled in ModuleSetting.objects.filter(
        q, module__code__in=platform_on
    ).values_list("module__code", "organisation__path", "enabled"):
        by_module.setdefault(code, {})[path] = enabled
    open_codes = set(always_on_codes())
    for code in platform_on:
        settings = by_module.get(code, {})
        if any(_on_at(settings, anchor) for anchor in anchors) or any(
            enabled and _path_within(path, scope.subtree_paths)
            for path, enabled in settings.items()
        ):
            open_codes.add(code)
    return frozenset(open_codes)
