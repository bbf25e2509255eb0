"""Publications (公开发布): records an organisation publishes to a public column (栏目).

A publication names its source (content type and id), the organisation, the column, when and
by whom it was published, and a **snapshot of the source's public fields**, taken when
published. Only the fields the source's app declares public are ever copied:

    publications.register(Publishable(
        model=Power, title=lambda p: p.name,
        fields=(("code", _("编码")), ("name", _("权力名称")), ("basis", _("行使依据"))),
        values=lambda p: {"code": p.code, "name": p.name, "basis": p.basis},
    ))

`values` may compute texts (a level's label, a department's name); whatever it returns beyond
the declared keys is dropped, so a field is public only by being declared. The public pages
show the snapshot, never the source: a later edit is public only once published again.

Every publication and withdrawal is an audit event (`publication.publish`,
`publication.withdraw`, with the reason). `publish_set` replaces what an organisation has in
force in a column by a new set (the catalogue published again): the old records are withdrawn
(`已重新发布`) and the new ones published, in one transaction with one batch of events.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import Column, Publication


@dataclass(frozen=True)
class Publishable:
    model: type
    title: Callable
    fields: tuple[tuple[str, object], ...]  # (key, label) of the public fields, in order
    values: Callable  # obj -> {key: value}; keys not declared are dropped

    def snapshot(self, obj) -> dict:
        values = self.values(obj)
        return {key: _text(values.get(key)) for key, _label in self.fields}


_PUBLISHABLE: dict[type, Publishable] = {}


def register(spec: Publishable) -> Publishable:
    _PUBLISHABLE[spec.model] = spec
    return spec


def publishable(model) -> Publishable:
    try:
        return _PUBLISHABLE[model]
    except KeyError:
        raise ImproperlyConfigured(f"{model.__name__} declares no public fields") from None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "\n".join(_text(v) for v in value)
    return str(value)


def column_of(module: str, code: str) -> Column:
    """A public column by its module and code (declared with ColumnSpec(public=True))."""
    try:
        return Column.objects.select_related("module").get(module__code=module, code=code)
    except Column.DoesNotExist:
        raise ImproperlyConfigured(f"no column {module}/{code}: run migrate") from None


def _state(publication: Publication) -> dict:
    return {
        "column": publication.column.code,
        "source": f"{publication.content_type.app_label}.{publication.content_type.model}"
        f"#{publication.object_id}",
        "title": publication.title,
        "fields": publication.fields,
    }


@transaction.atomic
def publish_set(*, actor, organisation, column: Column, sources: Iterable) -> list[Publication]:
    """Publish `sources` (objects of registered models) to `column` for `organisation`, in
    place of what the organisation had in force there; returns the new publications."""
    if not may_publish(actor, organisation):
        raise PermissionDenied
    if not column.public:
        raise ValidationError(_("该栏目不对外公开，不能发布。"))
    now = timezone.now()
    changes = []
    previous = list(
        Publication.objects.select_for_update()
        .select_related("column", "content_type")
        .filter(organisation=organisation, column=column, withdrawn_at__isnull=True)
    )
    for publication in previous:
        publication.withdrawn_at, publication.withdrawn_by = now, actor
        publication.withdraw_reason = _("已重新发布")
        changes.append(
            audit.Change(
                action="publication.withdraw",
                obj=publication,
                before=_state(publication),
                after={"reason": publication.withdraw_reason},
                organisation=organisation,
            )
        )
    Publication.objects.bulk_update(previous, ["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    created = []
    for source in sources:
        spec = publishable(type(source))
        created.append(
            Publication(
                organisation=organisation,
                column=column,
                content_type=ContentType.objects.get_for_model(type(source)),
                object_id=source.pk,
                title=_text(spec.title(source))[:255],
                fields=spec.snapshot(source),
                published_at=now,
                published_by=actor,
            )
        )
    created = Publication.objects.bulk_create(created)
    if created and created[0].pk is None:  # a backend that returns no keys
        created = list(
            Publication.objects.filter(
                organisation=organisation, column=column, withdrawn_at__isnull=True
            ).order_by("id")
        )
    for publication in created:
        changes.append(
            audit.Change(
                action="publication.publish",
                obj=publication,
                after=_state(publication),
                organisation=organisation,
            )
        )
    if changes:
        audit.record_many(actor=actor, changes=changes)
        public_changed(organisation)
    return created


@transaction.atomic
def publish_one(*, actor, organisation, column: Column, source) -> Publication:
    """Publish one record to `column` beside those in force (an automatic publication: a
    flow's control point when it completes), with its audit event; the record already in
    force for `source` is returned instead of a second one. Who may is the caller's rule (the
    step's handler publishes what the definition declares), so no `may_publish` here; the
    column must be public."""
    if not column.public:
        raise ValidationError(_("该栏目不对外公开，不能发布。"))
    content_type = ContentType.objects.get_for_model(type(source))
    existing = (
        Publication.objects.select_for_update()
        .filter(
            organisation=organisation,
            column=column,
            content_type=content_type,
            object_id=source.pk,
            withdrawn_at__isnull=True,
        )
        .first()
    )
    if existing is not None:
        return existing
    spec = publishable(type(source))
    publication = Publication.objects.create(
        organisation=organisation,
        column=column,
        content_type=content_type,
        object_id=source.pk,
        title=_text(spec.title(source))[:255],
        fields=spec.snapshot(source),
        published_at=timezone.now(),
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    audit.record(
        actor=actor,
        action="publication.publish",
        obj=publication,
        after=_state(publication),
        organisation=organisation,
    )
    public_changed(organisation)
    return publication


@transaction.atomic
def withdraw(*, actor, publication: Publication, reason: str) -> Publication:
    """Take a publication off the public pages, with a reason (required)."""
    if not may_publish(actor, publication.organisation):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤回原因。")})
    publication = (
        Publication.objects.select_for_update()
        .select_related("column", "content_type")
        .get(pk=publication.pk)
    )
    if publication.withdrawn_at is not None:
        return publication
    publication.withdrawn_at, publication.withdrawn_by = timezone.now(), actor
    publication.withdraw_reason = reason[:200]
    publication.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    audit.record(
        actor=actor,
        action="publication.withdraw",
        obj=publication,
        before=_state(publication),
        after={"reason": publication.withdraw_reason},
        organisation=publication.organisation,
    )
    public_changed(publication.organisation)
    return publication


@dataclass(frozen=True)
class Publisher:
    """A button of the publications page: publish what an app keeps public for an
    organisation (its whole public catalogue) to one column, through the app's service."""

    module: str
    column: str
    label: object
    publish: Callable  # (*, actor, organisation) -> list[Publication]


_PUBLISHERS: dict[tuple[str, str], Publisher] = {}


def register_publisher(publisher: Publisher) -> Publisher:
    _PUBLISHERS[publisher.module, publisher.column] = publisher
    return publisher


def publishers() -> list[Publisher]:
    return list(_PUBLISHERS.values())


def publisher_of(module: str, column: str) -> Publisher | None:
    return _PUBLISHERS.get((module, column))


# Whether an organisation shows its publications to the public at all. The disclosure portal
# registers one (its site is open); with none registered, every organisation does.
_SITE_GATES: list[Callable] = []


def register_site_gate(fn: Callable) -> Callable:
    """Register `fn(organisation) -> bool`: False hides every public column of the organisation
    (its public site is closed), so no second address serves what the unit took down."""
    if fn not in _SITE_GATES:
        _SITE_GATES.append(fn)
    return fn


# Who shows an organisation's public content somewhere that keeps a copy (the disclosure
# portal's page cache): told each time what the organisation shows the public changed.
_CHANGE_LISTENERS: list[Callable] = []


def register_change_listener(fn: Callable) -> Callable:
    """Register `fn(organisation)`, called when what `organisation` shows the public changed:
    a publication written or withdrawn here, or a write of the public register (powers, risk
    points, measures) whose service says so (`public_changed`). The portal renders its
    pages afresh then instead of after its cache's max_age."""
    if fn not in _CHANGE_LISTENERS:
        _CHANGE_LISTENERS.append(fn)
    return fn


def public_changed(organisation) -> None:
    """What `organisation` shows the public changed: tell the listeners (no audit event of
    its own; the caller's write has one). Cheap: a listener stamps, it renders nothing."""
    for fn in _CHANGE_LISTENERS:
        fn(organisation)


def shown_to_public(organisation) -> bool:
    return all(fn(organisation) for fn in _SITE_GATES)


def may_publish(user, organisation) -> bool:
    """The integrity office of the organisation publishes for it; an office above it only
    with 下级单位可写 (`core.scoping.write_reach`: a commission supervises read-only)."""
    from .roles import Role
    from .scoping import write_reach

    grants = getattr(user, "active_grants", None) or ()
    return write_reach(grants, {Role.INTEGRITY}).covers(organisation.path)


def in_force(organisation, column: Column):
    """What the public sees in `column` of `organisation`: the snapshots in force."""
    return Publication.objects.filter(
        organisation=organisation, column=column, withdrawn_at__isnull=True
    ).order_by("id")


def counts_in_force(organisations) -> dict[tuple[int, int], int]:
    """How many records each organisation has in force per column: {(org id, column id): n}."""
    rows = (
        Publication.objects.filter(
            organisation__in=[o.pk for o in organisations], withdrawn_at__isnull=True
        )
        .values("organisation_id", "column_id")
        .annotate(n=Count("id"))
    )
    return {(r["organisation_id"], r["column_id"]): r["n"] for r in rows}


def labels_of(publications) -> list[tuple[str, object]]:
    """The (key, label) of the public fields of the publications' sources, in order."""
    seen: dict[str, object] = {}
    types = {p.content_type_id for p in publications}
    for content_type_id in types:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        for key, label in publishable(model).fields:
            seen.setdefault(key, label)
    return list(seen.items())
