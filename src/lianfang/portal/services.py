"""Writes of the disclosure portal: an organisation's site (on/off, title, introduction) and
its columns (栏目). Each is the organisation's administrators' (or of one above it with
下级单位可写, `core.scoping.write_reach`), in a transaction, with its audit event."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit
from lianfang.core.roles import Role
from lianfang.core.scoping import write_reach

from . import caching
from .columns import DEFAULT_COLUMNS, kind_choices
from .models import PortalColumn, PortalSite

SITE_FIELDS = ("enabled", "title", "intro")
COLUMN_FIELDS = ("name", "kind", "order", "enabled", "editor_roles")


def may_manage(user, organisation) -> bool:
    """The organisation's administrators keep its site and columns."""
    grants = getattr(user, "active_grants", None) or ()
    return write_reach(grants, {Role.ADMIN}).covers(organisation.path)


def _check(actor, organisation):
    if not may_manage(actor, organisation):
        raise PermissionDenied


def _stamp(organisation) -> int:
    """Move the site's `updated_at`, which the page cache's keys hold: one UPDATE; the
    number of sites stamped (0 when the organisation has none)."""
    return PortalSite.objects.filter(organisation_id=organisation.pk).update(
        updated_at=timezone.now()
    )


def _touch(organisation):
    """The site changed: its pages are rendered again, and the cache's memory of it goes
    once the change is committed."""
    _stamp(organisation)
    _forget(organisation)


def pages_changed(organisation) -> None:
    """Something the organisation's public pages show changed (the content app: an article
    published or withdrawn): its pages are rendered afresh at the next request, so a withdrawn
    item answers 410 at once rather than after the page cache's max_age. A stamp of the
    cache, not a change of the site's settings: no audit event of its own (the caller's
    write has one). Also core.publications' change listener (apps.ready): a publication
    written or withdrawn, a write of the public register. One UPDATE a call, and no cache
    forgotten when the organisation has no site."""
    if _stamp(organisation):
        _forget(organisation)


def _forget(organisation):
    """Now, and again once committed (a request in between may have remembered the old)."""
    code = organisation.code
    caching.forget(code)
    transaction.on_commit(lambda: caching.forget(code))


@transaction.atomic
def site_update(*, actor, organisation, data: dict) -> PortalSite:
    """Turn the organisation's public site on or off and set its title and introduction.
    Turning it on creates the default columns it lacks (`columns_ensure_defaults`)."""
    _check(actor, organisation)
    site, created = PortalSite.objects.select_for_update().get_or_create(organisation=organisation)
    before = None if created else audit.snapshot(site, SITE_FIELDS)
    for name in SITE_FIELDS:
        if name in data:
            value = data[name]
            setattr(site, name, value.strip() if isinstance(value, str) else bool(value))
    site.save()
    audit.record(
        actor=actor,
        action="portal_site.update",
        obj=site,
        before=before,
        after=audit.snapshot(site, SITE_FIELDS),
        organisation=organisation,
    )
    if site.enabled:
        columns_ensure_defaults(actor=actor, organisation=organisation)
    _forget(organisation)
    return site


@transaction.atomic
def columns_ensure_defaults(*, actor, organisation) -> list[PortalColumn]:
    """Create the default columns (篇七) the organisation does not have, by code; those it has
    (edited, renamed or switched off) are left alone. Idempotent: returns what it created."""
    _check(actor, organisation)
    have = set(
        PortalColumn.objects.filter(organisation=organisation).values_list("code", flat=True)
    )
    new = [
        PortalColumn(
            organisation=organisation,
            code=code,
            name=name,
            kind=kind,
            order=(index + 1) * 10,
            enabled=True,
            editor_roles=list(roles),
        )
        for index, (code, name, kind, roles) in enumerate(DEFAULT_COLUMNS)
        if code not in have
    ]
    if not new:
        return []
    PortalColumn.objects.bulk_create(new)
    created = list(
        PortalColumn.objects.filter(
            organisation=organisation, code__in=[c.code for c in new]
        ).order_by("order")
    )
    audit.record_many(
        actor=actor,
        changes=[
            audit.Change(
                action="portal_column.create",
                obj=column,
                after=audit.snapshot(column, ("code", *COLUMN_FIELDS)),
                organisation=organisation,
            )
            for column in created
        ],
    )
    _touch(organisation)
    return created


def _clean_column(data: dict) -> dict:
    kinds = {code for code, _label in kind_choices()}
    if "kind" in data and data["kind"] not in kinds:
        raise ValidationError({"kind": _("请选择有效的栏目类型。")})
    roles = data.get("editor_roles")
    if roles is not None:
        unknown = [r for r in roles if r not in Role.ALL]
        if unknown:
            raise ValidationError({"editor_roles": _("请选择有效的角色。")})
        data["editor_roles"] = [r for r in Role.ALL if r in roles]
    if "name" in data:
        data["name"] = (data["name"] or "").strip()
        if not data["name"]:
            raise ValidationError({"name": _("请填写栏目名称。")})
    return data


@transaction.atomic
def column_create(*, actor, organisation, data: dict) -> PortalColumn:
    _check(actor, organisation)
    data = _clean_column(dict(data))
    code = (data.get("code") or "").strip()
    if PortalColumn.objects.filter(organisation=organisation, code=code).exists():
        raise ValidationError({"code": _("本单位已有代码相同的栏目。")})
    column = PortalColumn(organisation=organisation, code=code)
    for name in COLUMN_FIELDS:
        if name in data:
            setattr(column, name, data[name])
    column.full_clean(exclude=["organisation"])
    column.save()
    audit.record(
        actor=actor,
        action="portal_column.create",
        obj=column,
        after=audit.snapshot(column, ("code", *COLUMN_FIELDS)),
        organisation=organisation,
    )
    _touch(organisation)
    return column


@transaction.atomic
def column_update(*, actor, column: PortalColumn, data: dict) -> PortalColumn:
    column = (
        PortalColumn.objects.select_for_update().select_related("organisation").get(pk=column.pk)
    )
    _check(actor, column.organisation)
    data = _clean_column(dict(data))
    before = audit.snapshot(column, COLUMN_FIELDS)
    for name in COLUMN_FIELDS:
        if name in data:
            setattr(column, name, data[name])
    after = audit.snapshot(column, COLUMN_FIELDS)
    if after == before:
        return column
    column.save(update_fields=list(COLUMN_FIELDS))
    audit.record(
        actor=actor,
        action="portal_column.update",
        obj=column,
        before=before,
        after=after,
        organisation=column.organisation,
    )
    _touch(column.organisation)
    return column
