"""Reads of the investigation campaigns. Each starts from `campaigns_visible_to(user)`: the
integrity office and administrators see the campaigns of their organisations' subtrees."""

import datetime as dt
import hashlib
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core.roles import Role
from lianfang.core.scoping import register, scope_of
from lianfang.org.models import Department
from lianfang.reviews.models import Submission
from lianfang.risks import grading, suggestions
from lianfang.risks import selectors as risk_selectors
from lianfang.risks.models import RiskPoint

from .models import Campaign, CampaignPhase, CampaignPoint, CampaignTask, Phase

# Who opens, follows and closes campaigns.
MANAGERS = (Role.ADMIN, Role.INTEGRITY)


@register(Campaign)
def campaigns_visible_to(user) -> QuerySet[Campaign]:
    scope = scope_of(user)
    if scope.is_empty or not scope.subtree_paths:
        return Campaign.objects.none()
    return Campaign.objects.filter(scope.subtree_q("organisation__path"))


@register(CampaignTask)
def tasks_visible_to(user) -> QuerySet[CampaignTask]:
    return CampaignTask.objects.filter(campaign__in=campaigns_visible_to(user).values("pk"))


def campaign_list(*, user) -> QuerySet[Campaign]:
    return campaigns_visible_to(user).select_related("organisation")


def phase_of(campaign: Campaign, phase: str, phases=None) -> CampaignPhase | None:
    for p in phases if phases is not None else campaign.phases.all():
        if p.phase == phase:
            return p
    return None


def current_phase(phases, today: dt.date) -> CampaignPhase | None:
    current = None
    for p in phases:
        if p.start <= today:
            current = p
    return current


def late_q(campaign: Campaign, phases, today: dt.date) -> Q:
    """Tasks late on `today`: not started once the phase of finding risks (查找风险) has
    ended, not filed once the filing phase has ended."""
    late = Q(pk__in=[])
    finding = phase_of(campaign, Phase.FIND, phases)
    if finding is not None and today > finding.end:
        late |= Q(status=CampaignTask.Status.NOT_STARTED)
    filing = phase_of(campaign, Phase.FILE, phases)
    if filing is not None and today > filing.end:
        late |= ~Q(status=CampaignTask.Status.FILED)
    return late


LEADERSHIP = "leaders"  # the row of the leadership (领导班子) on the progress page


def progress(*, campaign: Campaign, today: dt.date | None = None) -> dict:
    """The campaign's progress by department, in a fixed number of queries whatever the number
    of departments: per department (and one row for the leadership), the tasks by status, the
    returns, the late ones; and the totals."""
    today = today or timezone.localdate()
    phases = list(campaign.phases.all())
    late = late_q(campaign, phases, today)
    statuses = CampaignTask.Status.values
    aggregates = {f"s_{s}": Count("pk", filter=Q(status=s)) for s in statuses}
    rows = (
        CampaignTask.objects.filter(campaign=campaign)
        .values("department_id", "is_leader")
        .annotate(
            total=Count("pk"),
            returns=Sum("return_count"),
            late=Count("pk", filter=late),
            **aggregates,
        )
        .order_by()
    )
    table = {}
    for row in rows:
        key = LEADERSHIP if row["is_leader"] else row["department_id"]
        entry = table.setdefault(
            key, {"total": 0, "returns": 0, "late": 0, **{s: 0 for s in statuses}}
        )
        entry["total"] += row["total"]
        entry["returns"] += row["returns"] or 0
        entry["late"] += row["late"]
        for s in statuses:
            entry[s] += row[f"s_{s}"]
    ids = [k for k in table if k not in (LEADERSHIP, None)]
    names = {d.pk: d for d in Department.objects.filter(pk__in=ids).only("pk", "name", "order")}
    lines = []
    for key, entry in table.items():
        if key == LEADERSHIP:
            continue
        department = names.get(key)
        lines.append(
            {
                "key": key or "none",
                "name": department.name if department else "—",
                "order": (department.order, department.pk) if department else (10**9, 0),
                **entry,
            }
        )
    lines.sort(key=lambda line: line["order"])
    if LEADERSHIP in table:
        lines.append({"key": LEADERSHIP, "name": _("领导班子"), "order": None, **table[LEADERSHIP]})
    totals = {"total": 0, "returns": 0, "late": 0, **{s: 0 for s in statuses}}
    for line in lines:
        for k in totals:
            totals[k] += line[k]
    for line in [*lines, totals]:
        line["cells"] = [(s, line[s]) for s in statuses]
    return {
        "rows": lines,
        "totals": totals,
        "phases": phases,
        "current": current_phase(phases, today),
        "today": today,
    }


def task_list(*, user, campaign: Campaign, filters: dict, today: dt.date | None = None):
    """The tasks behind a number of the progress page: `department` (an id, `leaders` or
    `none`), `status`, `returned` (any return), `late`."""
    today = today or timezone.localdate()
    tasks = tasks_visible_to(user).filter(campaign=campaign)
    department = filters.get("department")
    if department == LEADERSHIP:
        tasks = tasks.filter(is_leader=True)
    elif department == "none":
        tasks = tasks.filter(department__isnull=True, is_leader=False)
    elif department:
        try:
            number = int(department)
        except (TypeError, ValueError):
            number = 0
        # an id no row can have (SQLite cannot even bind one past 2**63 - 1) names nothing
        if 0 < number < 2**63:
            tasks = tasks.filter(department_id=number, is_leader=False)
        else:
            tasks = tasks.none()
    status = filters.get("status")
    if status in CampaignTask.Status.values:
        tasks = tasks.filter(status=status)
    if filters.get("returned"):
        tasks = tasks.filter(return_count__gt=0)
    if filters.get("late"):
        tasks = tasks.filter(late_q(campaign, list(campaign.phases.all()), today))
    return tasks.select_related("department", "person", "post")


BASELINE_FIELDS = ("name", "manifestation", "level", "category")


def _waiting(risk_point_ids) -> set[int]:
    """Those of the risk points that wait in the review chain (an open submission)."""
    return set(
        Submission.objects.open()
        .filter(
            content_type=ContentType.objects.get_for_model(RiskPoint),
            object_id__in=list(risk_point_ids),
        )
        .values_list("object_id", flat=True)
    )


def _returned(risk_point_ids) -> set[int]:
    """Those of the risk points whose latest submission was returned (退回: to correct and
    send again)."""
    latest = dict(
        Submission.objects.filter(
            content_type=ContentType.objects.get_for_model(RiskPoint),
            object_id__in=list(risk_point_ids),
        )
        .order_by("object_id", "submitted_at", "pk")
        .values_list("object_id", "state")
    )
    return {pk for pk, state in latest.items() if state == Submission.State.RETURNED}


def my_tasks(*, user) -> list[CampaignTask]:
    """The user's own tasks in open campaigns, each with its points; a carried-over point is
    marked `changed` when it no longer reads as it did when the campaign began (上年), and a
    point `returned` while its latest submission waits to be corrected and sent again (a
    task 已退回 names the point to correct)."""
    tasks = list(
        CampaignTask.objects.filter(person__user=user, campaign__state=Campaign.State.OPEN)
        .select_related("campaign", "post", "department")
        .prefetch_related("points__risk_point")
        .order_by("campaign_id", "pk")
    )
    ids = [cp.risk_point_id for task in tasks for cp in task.points.all()]
    waiting = _waiting(ids)
    returned = _returned(ids)
    for task in tasks:
        for cp in task.points.all():
            point = cp.risk_point
            cp.waiting = point.pk in waiting
            cp.returned = point.pk in returned
            cp.changed = bool(cp.baseline) and any(
                cp.baseline.get(f) != getattr(point, f) for f in BASELINE_FIELDS
            )
    return tasks


def my_point(*, user, pk: int):
    """One point of the user's own task in an open campaign, or None."""
    return (
        CampaignPoint.objects.filter(
            pk=pk, task__person__user=user, task__campaign__state=Campaign.State.OPEN
        )
        .select_related("task__campaign", "risk_point")
        .first()
    )


# Filing from what exists (预填) -------------------------------------------------------------------

CARRIED, LIBRARY, NEW = "carried", "library", "new"
KEEP, EDIT, REMOVE = "keep", "edit", "remove"
# what a row of the filing screen lets the person change inline
EDITABLE_FIELDS = ("name", "manifestation", "likelihood", "harm")


@dataclass
class FilingRow:
    """One suggested point of the filing screen: last year's (`carried`, a CampaignPoint of
    the task still to settle) or the standard library's (`library`, a Suggestion for the
    post's powers that the post has no point of yet)."""

    key: str
    source: str
    name: str
    manifestation: str
    likelihood: int | None
    harm: int | None
    power_name: str
    step_name: str
    measure: str = ""
    level: int | None = None
    campaign_point: object = None
    suggestion: object = None
    baseline: dict = dataclass_field(default_factory=dict)

    @property
    def values(self) -> dict:
        return {name: getattr(self, name) for name in EDITABLE_FIELDS}


def library_key(urn: str) -> str:
    """A form key for a library point: short, stable and safe in a CSS selector."""
    return "l" + hashlib.sha256(urn.encode()).hexdigest()[:10]


def task_of(*, user, pk: int) -> CampaignTask | None:
    """The user's own task in an open campaign, or None (another's task is out of scope)."""
    return (
        CampaignTask.objects.filter(pk=pk, person__user=user, campaign__state=Campaign.State.OPEN)
        .select_related("campaign__organisation", "post__department", "department", "person")
        .first()
    )


def task_powers(task: CampaignTask):
    """The powers a point of the task may name: its post's (the register's rule), or those its
    department handles for a department's task."""
    organisation = task.campaign.organisation
    if task.post_id:
        powers = risk_selectors.post_powers(organisation, task.post)
    else:
        powers = risk_selectors.point_powers(organisation).filter(department=task.department_id)
    return powers.prefetch_related("steps").order_by("code")


def filing_screen(*, task: CampaignTask) -> dict:
    """What the task's filing screen shows: `rows`, every suggestion still to decide (last
    year's points of the post first, then the library's points for the post's powers that
    no point of the post already covers: same library urn or same name), and `settled`, the
    task's points already decided in the campaign (kept, asked to remove, submitted)."""
    points = list(
        CampaignPoint.objects.filter(task=task)
        .select_related("risk_point__power", "risk_point__step")
        .prefetch_related("risk_point__measures")
        .order_by("pk")
    )
    waiting = _waiting([cp.risk_point_id for cp in points])
    rows, settled = [], []
    for cp in points:
        point = cp.risk_point
        cp.waiting = point.pk in waiting
        open_ = (
            cp.origin == CampaignPoint.Origin.CARRIED
            and not (cp.confirmed or cp.removed or cp.waiting)
            and point.status == RiskPoint.Status.FILED
        )
        if not open_:
            settled.append(cp)
            continue
        measure = next(iter(point.measures.all()), None)
        rows.append(
            FilingRow(
                key=f"c{cp.pk}",
                source=CARRIED,
                name=point.name,
                manifestation=point.manifestation,
                likelihood=point.likelihood,
                harm=point.harm,
                level=point.level,
                power_name=point.power.name if point.power_id else "",
                step_name=point.step.name if point.step_id else "",
                measure=measure.text if measure else "",
                campaign_point=cp,
                baseline=cp.baseline or {},
            )
        )
    organisation = task.campaign.organisation
    scheme = grading.active_scheme(organisation)
    if task.post_id:
        in_use = RiskPoint.objects.in_use().filter(post=task.post)
        urns = set(in_use.exclude(library_urn="").values_list("library_urn", flat=True))
        names = set(in_use.values_list("name", flat=True))
        names |= {cp.risk_point.name for cp in points}
        for suggestion in suggestions.suggestions_for(
            list(task_powers(task)), scheme, post=task.post
        ):
            if suggestion.registered or suggestion.key in urns or suggestion.name in names:
                continue
            names.add(suggestion.name)  # one row per name, though two powers share it
            rows.append(
                FilingRow(
                    key=library_key(suggestion.key),
                    source=LIBRARY,
                    name=suggestion.name,
                    manifestation=suggestion.manifestation,
                    likelihood=suggestion.likelihood,
                    harm=suggestion.harm,
                    power_name=suggestion.power_name,
                    step_name=suggestion.step_name,
                    measure=suggestion.measure,
                    suggestion=suggestion,
                )
            )
    return {
        "rows": rows,
        "settled": settled,
        "scheme": scheme,
        "likelihoods": grading.score_choices(scheme, "likelihood"),
        "harms": grading.score_choices(scheme, "harm"),
    }
