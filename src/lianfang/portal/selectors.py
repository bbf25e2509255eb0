"""Reads of the disclosure portal. The public side reads only what is public: the power
holders from the organisation model through the fields the organisation makes public
(`portal.leader_fields`, `portal.department_fields`), the powers marked 是否公开, and the
publication records (`core.publications`) in force; never a risk point, a person's details
or a flow's internal record that is not published."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Max, Prefetch, Q
from django.urls import reverse

from lianfang.core import orgsettings, publications
from lianfang.core.models import Column, Module, Publication
from lianfang.core.roles import Role
from lianfang.core.scoping import write_reach
from lianfang.core.selectors import module_states
from lianfang.org.models import (
    Department,
    DepartmentFunction,
    LeaderDivision,
    Organisation,
    Person,
    PostAssignment,
    Power,
    PowerStep,
)
from lianfang.risks.models import RiskPoint

from . import columns as registry
from .models import PortalColumn, PortalSite
from .org_settings import DEPARTMENT_FIELDS, LEADER_FIELDS, MAX_AGE

MODULE = "portal"
RISKS_COLUMN = ("risks", "risk_points")
RESULTS_COLUMN = ("flows", "results")


# Sites ---------------------------------------------------------------------------------------


def _module_on(organisations) -> set[int]:
    """The organisations (of `organisations`) where the portal module is on."""
    module = Module.objects.filter(code=MODULE).first()
    if module is None:
        return set()
    states = module_states(organisations, [module])
    return {org.pk for org in organisations if states[org.pk, module.pk].enabled}


def open_sites():
    """The sites the public may open: turned on, with the portal module on."""
    sites = list(PortalSite.objects.filter(enabled=True).select_related("organisation"))
    on = _module_on([s.organisation for s in sites])
    return [s for s in sites if s.organisation_id in on]


def site_by_code(code: str) -> PortalSite | None:
    """The open site of the organisation with `code`, or None."""
    site = (
        PortalSite.objects.filter(enabled=True, organisation__code=code)
        .select_related("organisation")
        .first()
    )
    if site is None or not _module_on([site.organisation]):
        return None
    return site


def site_is_open(organisation) -> bool:
    """Whether the public may see the organisation's site (and so its publications)."""
    open_ = PortalSite.objects.filter(enabled=True, organisation=organisation).exists()
    return open_ and bool(_module_on([organisation]))


def root_site() -> PortalSite | None:
    """The site the root URL shows an anonymous visitor: the only open one, if exactly one."""
    candidates = list(PortalSite.objects.filter(enabled=True).select_related("organisation")[:2])
    if len(candidates) != 1:
        return None
    return candidates[0] if _module_on([candidates[0].organisation]) else None


def site_columns(site: PortalSite) -> list[PortalColumn]:
    """The columns of the site the public sees, in order."""
    return list(
        PortalColumn.objects.filter(organisation_id=site.organisation_id, enabled=True).order_by(
            "order", "code"
        )
    )


def max_age(organisation) -> int:
    return orgsettings.value(organisation, MAX_AGE)


# Power holders (权力主体) ---------------------------------------------------------------------


@dataclass
class LeaderRow:
    person: Person
    fields: set
    post: str = ""
    since: object = None
    duties: str = ""
    divisions: list = field(default_factory=list)  # (department name, duties, since)

    @property
    def photo_id(self):
        return self.person.photo_id if "photo" in self.fields else None


@dataclass
class DepartmentRow:
    department: Department
    fields: set
    head: str = ""
    staff_count: int = 0
    functions: list = field(default_factory=list)
    powers: list = field(default_factory=list)  # (power, [step names])


def shown_fields(organisation) -> tuple[set, set]:
    values = orgsettings.values_for([organisation], [LEADER_FIELDS, DEPARTMENT_FIELDS])
    return (
        set(values[organisation.pk, LEADER_FIELDS]),
        set(values[organisation.pk, DEPARTMENT_FIELDS]),
    )


def leaders(organisation, shown: set) -> list[LeaderRow]:
    """The organisation's leaders in office, principal first, with what they are in charge
    of. A fixed number of queries."""
    people = list(
        Person.objects.filter(organisation=organisation, is_leader=True, active=True)
        .select_related("photo")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=PostAssignment.objects.current()
                .select_related("post")
                .order_by("-post__is_leadership", "-start"),
                to_attr="current_assignments",
            ),
            Prefetch(
                "divisions",
                queryset=LeaderDivision.objects.in_force()
                .select_related("department")
                .order_by("department__order", "department__name"),
                to_attr="current_divisions",
            ),
        )
        .order_by("staff_no")
    )
    principal = organisation.principal_leader_id
    people.sort(key=lambda p: (p.pk != principal,))
    rows = []
    for person in people:
        row = LeaderRow(person=person, fields=shown)
        if person.current_assignments:
            assignment = person.current_assignments[0]
            row.post, row.since = assignment.post.name, assignment.start
            row.duties = assignment.post.duties
        else:
            row.post = person.title
        row.divisions = [(d.department.name, d.duties, d.since) for d in person.current_divisions]
        if person.photo is not None and person.photo.deleted_at is not None:
            person.photo_id = None
        rows.append(row)
    return rows


def departments(organisation, shown: set) -> list[DepartmentRow]:
    """The organisation's departments in use with what the organisation makes public."""
    depts = list(
        Department.objects.active()
        .filter(organisation=organisation)
        .select_related("head")
        .annotate(staff=Count("people", filter=Q(people__active=True)))
        .prefetch_related(
            Prefetch(
                "functions",
                queryset=DepartmentFunction.objects.order_by("order", "id"),
                to_attr="function_list",
            ),
            Prefetch(
                "powers",
                queryset=Power.objects.filter(active=True, is_public=True)
                .prefetch_related(
                    Prefetch("steps", queryset=PowerStep.objects.order_by("order", "id"))
                )
                .order_by("code"),
                to_attr="public_powers",
            ),
        )
        .order_by("order", "code")
    )
    rows = []
    for dept in depts:
        rows.append(
            DepartmentRow(
                department=dept,
                fields=shown,
                head=dept.head.name if dept.head_id and dept.head.active else "",
                staff_count=dept.staff,
                functions=[f.title for f in dept.function_list],
                powers=[(p, [s.name for s in p.steps.all()]) for p in dept.public_powers],
            )
        )
    return rows


def public_leader_photo(organisation, person_pk: int):
    """The photo of a leader of `organisation` the public may see, or None."""
    if "photo" not in shown_fields(organisation)[0]:
        return None
    person = (
        Person.objects.filter(organisation=organisation, is_leader=True, active=True, pk=person_pk)
        .select_related("photo")
        .first()
    )
    if person is None or person.photo is None or person.photo.deleted_at is not None:
        return None
    return person.photo


# The power catalogue (职权目录) and the risk points ----------------------------------------------


def public_powers(organisation, *, department: int | None = None):
    powers = Power.objects.filter(organisation=organisation, active=True, is_public=True)
    if department:
        powers = powers.filter(department_id=department)
    return powers.select_related("department").order_by("code")


def public_power(organisation, pk: int) -> Power | None:
    return (
        Power.objects.filter(organisation=organisation, active=True, is_public=True, pk=pk)
        .select_related("department")
        .prefetch_related(
            Prefetch(
                "steps",
                queryset=PowerStep.objects.select_related("post").order_by("order", "id"),
            )
        )
        .first()
    )


def public_departments(organisation):
    """The departments that have a public power: the catalogue's and risk points' filter."""
    return (
        Department.objects.filter(
            organisation=organisation, powers__active=True, powers__is_public=True
        )
        .distinct()
        .order_by("order", "code")
    )


def _column(module: str, code: str) -> Column | None:
    return Column.objects.filter(module__code=module, code=code, public=True).first()


@dataclass
class PublishedRisk:
    record: Publication
    power_id: int | None
    department_id: int | None
    level: int | None

    @property
    def fields(self):
        return self.record.fields


def published_risks(
    organisation,
    *,
    power: int | None = None,
    department: int | None = None,
    level: int | None = None,
) -> list[PublishedRisk]:
    """The risk points the organisation has published (records in force of risks' public
    column): their snapshots, placed by their source's power, department and level (none of
    them personal) for filtering. Three queries whatever their number."""
    column = _column(*RISKS_COLUMN)
    if column is None:
        return []
    records = list(publications.in_force(organisation, column))
    ids = [r.object_id for r in records]
    places = {
        pk: (power_id, post_dept or dept, lvl)
        for pk, power_id, post_dept, dept, lvl in RiskPoint.objects.filter(pk__in=ids).values_list(
            "pk", "power_id", "post__department_id", "department_id", "level"
        )
    }
    rows = []
    for record in records:
        power_id, dept_id, lvl = places.get(record.object_id, (None, None, None))
        if power and power_id != power:
            continue
        if department and dept_id != department:
            continue
        if level and lvl != level:
            continue
        rows.append(PublishedRisk(record, power_id, dept_id, lvl))
    return rows


def risk_counts_by_power(organisation) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for row in published_risks(organisation):
        if row.power_id:
            counts[row.power_id] += 1
    return counts


# Power-operation results (权力运行公开) --------------------------------------------------------


def results_column() -> Column | None:
    return _column(*RESULTS_COLUMN)


def published_results(organisation, *, flow: str = "", year: int | None = None):
    """The flows module's publication records in force, newest first; nothing else."""
    column = results_column()
    if column is None:
        return []
    records = Publication.objects.filter(
        organisation=organisation, column=column, withdrawn_at__isnull=True
    )
    if year:
        records = records.filter(published_at__year=year)
    records = list(records.order_by("-published_at", "-id"))
    if flow:
        records = [r for r in records if flow_of(r) == flow]
    return records


def flow_of(record: Publication) -> str:
    """The flow a result belongs to, as its snapshot names it (`flow`), else its title."""
    return str(record.fields.get("flow") or record.fields.get("process") or record.title)


def published_result(organisation, pk: int) -> Publication | None:
    column = results_column()
    if column is None:
        return None
    return Publication.objects.filter(
        organisation=organisation, column=column, withdrawn_at__isnull=True, pk=pk
    ).first()


def last_published(organisation, columns) -> object:
    """When a record of `columns` of the organisation was last published or withdrawn."""
    columns = [c for c in columns if c is not None]
    if not columns:
        return None
    found = Publication.objects.filter(organisation=organisation, column__in=columns).aggregate(
        published=Max("published_at"), withdrawn=Max("withdrawn_at")
    )
    return max((v for v in found.values() if v is not None), default=None)


# Staff pages -----------------------------------------------------------------------------------


def managed_organisations(user):
    """The organisations whose site the user keeps (their administrators)."""
    grants = getattr(user, "active_grants", None) or ()
    reach = write_reach(grants, {Role.ADMIN})
    if not reach:
        return Organisation.objects.none()
    return Organisation.objects.filter(reach.q("path")).order_by("path")


def integrity_organisations(user):
    """The organisations of the user's integrity subtrees (the completeness page's)."""
    paths = [g.organisation.path for g in user.active_grants if g.role == Role.INTEGRITY]
    match = Q(pk__in=[])
    for path in paths:
        match |= Q(path__startswith=path)
    return Organisation.objects.filter(match).order_by("path")


# Completeness ----------------------------------------------------------------------------------


def powers_without_chart(organisation) -> list[registry.GapItem]:
    """Public powers whose flow chart no app draws (the `power_chart` hook)."""
    items = []
    for power in public_powers(organisation):
        if not registry.power_chart(power):
            items.append(
                registry.GapItem(
                    title=f"{power.code} {power.name}",
                    department=power.department.name if power.department_id else "",
                    url=reverse("org:power_detail", args=[power.pk]),
                )
            )
    return items


def public_powers_without_risks(organisation) -> list[registry.GapItem]:
    counts = risk_counts_by_power(organisation)
    return [
        registry.GapItem(
            title=f"{power.code} {power.name}",
            department=power.department.name if power.department_id else "",
            url=reverse("org:power_detail", args=[power.pk]),
        )
        for power in public_powers(organisation)
        if not counts.get(power.pk)
    ]


def completeness(organisation) -> list[tuple[registry.Gap, list[registry.GapItem]]]:
    return [(gap, gap.find(organisation)) for gap in registry.gaps()]


def column_counts(organisations) -> dict[int, int]:
    rows = (
        PortalColumn.objects.filter(organisation__in=[o.pk for o in organisations])
        .values("organisation_id")
        .annotate(n=Count("id"))
    )
    return {r["organisation_id"]: r["n"] for r in rows}
