"""Writes of the investigation campaigns (风险排查).

- `campaign_create` / `campaign_update`: a draft with its scope, phases and order;
- `campaign_open`: the tasks of everyone in scope (a bulk writer; a background job with
  progress when the scope is large), each person's task carrying over the filed points of
  their post from the register;
- `campaign_close`: the summary, frozen on the campaign;
- `campaign_point_confirm`: a carried-over point kept as it is (a review on the register);
- `task_file`: the filing screen's one submission (预填): last year's points and the standard
  library's kept, edited, removed, and points added, all at once or none;
- the register's filing hooks (`filing_gate`, `filing_listener`, `filing_note`, registered in
  `hooks.py`): the phase dates and the bottom-up order refuse a submission, each step of a
  filing moves its task's progress, and the register's history names the campaign.

Every write is audited; the filings themselves are the register's (`risks.services`): no
second write path for a risk point.
"""

import copy
import datetime as dt
from dataclasses import dataclass
from dataclasses import field as dataclass_field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, jobs
from lianfang.org.models import Department, LeaderDivision, PostAssignment
from lianfang.reviews.models import Submission
from lianfang.risks import grading, vagueness
from lianfang.risks import services as risk_services
from lianfang.risks.models import Category, RiskPoint

from . import selectors
from .models import PHASE_ORDER, Campaign, CampaignPhase, CampaignPoint, CampaignTask, Phase

OPEN_JOB = "campaigns.open"  # the job that creates a large campaign's tasks (jobs.py)
# Above this many tasks, opening a campaign creates them in a background job.
INLINE_TASKS = 2000
BATCH = 1000

CAMPAIGN_FIELDS = (
    "name",
    "year",
    "scope",
    "leaders_after_departments",
    "upward_review_days",
    "previous",
)
# The longest upward review window (working days) a campaign may set.
UPWARD_DAYS_MAX = 30


def _state(campaign: Campaign) -> dict:
    return {
        **audit.snapshot(
            campaign,
            ("name", "year", "scope", "leaders_after_departments", "upward_review_days", "state"),
        ),
        "previous": campaign.previous_id,
        "departments": sorted(campaign.departments.values_list("pk", flat=True))
        if campaign.pk
        else [],
        "phases": {p.phase: [p.start.isoformat(), p.end.isoformat()] for p in campaign.phases.all()}
        if campaign.pk
        else {},
    }


def _clean(organisation, data: dict) -> dict:
    errors = {}
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = _("请填写排查名称。")
    year = data.get("year")
    try:
        year = int(year)
    except (TypeError, ValueError):
        year = None
    if year is None or not 2000 <= year <= 2100:
        errors["year"] = _("请填写 2000 至 2100 之间的年度。")
    scope = data.get("scope") or Campaign.Scope.WHOLE
    if scope not in Campaign.Scope.values:
        errors["scope"] = _("范围只能是全单位或指定科室。")
    departments = list(data.get("departments") or [])
    if scope == Campaign.Scope.DEPARTMENTS:
        if not departments:
            errors["departments"] = _("指定科室排查时，请至少选择一个科室。")
        elif any(getattr(d, "organisation_id", None) != organisation.pk for d in departments):
            errors["departments"] = _("只能选择本单位的科室。")
    else:
        departments = []
    phases = data.get("phases") or {}
    previous_end = None
    for phase in PHASE_ORDER:
        start, end = (phases.get(phase) or (None, None))[:2]
        label = Phase(phase).label
        if not (isinstance(start, dt.date) and isinstance(end, dt.date)):
            errors[f"phase_{phase}"] = _("请填写“%(phase)s”阶段的开始和结束日期。") % {
                "phase": label
            }
            continue
        if end < start:
            errors[f"phase_{phase}"] = _("“%(phase)s”阶段的结束日期早于开始日期。") % {
                "phase": label
            }
        elif previous_end and start < previous_end:
            errors[f"phase_{phase}"] = _(
                "“%(phase)s”阶段不能早于上一阶段开始：各阶段按动员部署、查找风险、评估定级与备案、"
                "制定措施、监督检查的顺序进行。"
            ) % {"phase": label}
        previous_end = start
    upward_days = data.get("upward_review_days", 5)
    try:
        upward_days = int(5 if upward_days in (None, "") else upward_days)
    except (TypeError, ValueError):
        upward_days = None
    if upward_days is None or not 0 <= upward_days <= UPWARD_DAYS_MAX:
        errors["upward_review_days"] = _(
            "职工意见征求期请填写 0 至 %(max)s 个工作日（0 表示不征求）。"
        ) % {"max": UPWARD_DAYS_MAX}
    previous = data.get("previous")
    if previous is not None and previous.organisation_id != organisation.pk:
        errors["previous"] = _("只能沿用本单位的上一轮排查。")
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "year": year,
        "scope": scope,
        "departments": departments,
        "phases": {p: tuple(phases[p][:2]) for p in PHASE_ORDER},
        "leaders_after_departments": bool(data.get("leaders_after_departments", True)),
        "upward_review_days": upward_days,
        "previous": previous,
    }


def _write(campaign: Campaign, clean: dict):
    for field in CAMPAIGN_FIELDS:
        setattr(campaign, field, clean[field])
    clash = Campaign.objects.filter(
        organisation=campaign.organisation, year=clean["year"], name=clean["name"]
    ).exclude(pk=campaign.pk)
    if clash.exists():
        raise ValidationError({"name": _("本单位该年度已有同名的风险排查。")})
    campaign.save()
    campaign.departments.set(clean["departments"])
    CampaignPhase.objects.filter(campaign=campaign).delete()
    CampaignPhase.objects.bulk_create(
        CampaignPhase(campaign=campaign, phase=p, order=i, start=s, end=e)
        for i, (p, (s, e)) in enumerate(clean["phases"].items())
    )


@transaction.atomic
def campaign_create(*, actor, organisation, data: dict) -> Campaign:
    """A draft campaign of `organisation`. `data`: name, year, scope (`whole` or
    `departments`), departments, phases ({phase: (start, end)} for all five, in order),
    leaders_after_departments, upward_review_days (the staff's comment window on a leader's
    filing, in working days; 0: none; default 5), previous (the campaign it carries on from)."""
    clean = _clean(organisation, data)
    campaign = Campaign(organisation=organisation, created_by=actor)
    _write(campaign, clean)
    audit.record(actor=actor, action="campaign.create", obj=campaign, after=_state(campaign))
    return campaign


@transaction.atomic
def campaign_update(*, actor, campaign: Campaign, data: dict) -> Campaign:
    """Change a campaign while it is a draft; an open one changes only its phase dates and
    its upward review window (windows already open keep their end)."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state == Campaign.State.CLOSED:
        raise ValidationError(_("排查已结束，不能修改。"))
    before = _state(campaign)
    clean = _clean(campaign.organisation, data)
    if campaign.state == Campaign.State.OPEN:
        # the scope is fixed once tasks exist: only the dates may move
        keep = {"scope": campaign.scope, "previous": campaign.previous}
        keep["departments"] = list(campaign.departments.all())
        keep["leaders_after_departments"] = campaign.leaders_after_departments
        clean.update(keep)
    _write(campaign, clean)
    audit.record(
        actor=actor, action="campaign.update", obj=campaign, before=before, after=_state(campaign)
    )
    return campaign


# Opening: the tasks ---------------------------------------------------------------------------


def scope_departments(campaign: Campaign):
    """The departments in the campaign's scope (active ones for the whole unit)."""
    if campaign.scope == Campaign.Scope.DEPARTMENTS:
        return campaign.departments.all()
    return Department.objects.filter(organisation=campaign.organisation, active=True)


def _assignments(campaign: Campaign):
    """The current post assignments of active people in scope: each department's staff, and
    the leadership (领导班子: leaders of the unit, or posts of the leadership) — for chosen
    departments, the leaders in charge of them."""
    base = PostAssignment.objects.current().filter(
        person__active=True, post__organisation=campaign.organisation
    )
    leader_q = Q(person__is_leader=True) | Q(post__is_leadership=True)
    if campaign.scope == Campaign.Scope.WHOLE:
        return base
    department_ids = list(campaign.departments.values_list("pk", flat=True))
    in_charge = LeaderDivision.objects.in_force().filter(department_id__in=department_ids)
    return base.filter(
        (Q(post__department_id__in=department_ids) & ~leader_q)
        | (leader_q & Q(person_id__in=in_charge.values("leader_id")))
    )


def tasks_count(campaign: Campaign) -> int:
    return _assignments(campaign).count() + scope_departments(campaign).count()


def tasks_create(campaign: Campaign, progress=None) -> int:
    """The bulk writer of a campaign's tasks: one per department in scope, one per person and
    post held; each person's task carries over the filed points of their post (origin
    沿用上年, to be re-confirmed). `progress(done, total, message, force=True)` is told after
    each batch of `BATCH`. Rerunnable: what exists is kept (a job that stopped half-way is
    run again)."""
    existing = set(
        CampaignTask.objects.filter(campaign=campaign).values_list(
            "kind", "person_id", "post_id", "department_id"
        )
    )
    now = timezone.now()
    departments = list(scope_departments(campaign).values_list("pk", flat=True))
    rows = [
        CampaignTask(
            campaign=campaign, kind=CampaignTask.Kind.DEPARTMENT, department_id=d, updated_at=now
        )
        for d in departments
        if (CampaignTask.Kind.DEPARTMENT, None, None, d) not in existing
    ]
    assignments = list(
        _assignments(campaign)
        .order_by("post__department_id", "person_id", "post_id")
        .values_list(
            "person_id",
            "post_id",
            "post__department_id",
            "person__is_leader",
            "post__is_leadership",
            "person__department_id",
        )
    )
    for (
        person_id,
        post_id,
        post_department,
        is_leader,
        leadership,
        person_department,
    ) in assignments:
        department = post_department or person_department
        if (CampaignTask.Kind.PERSON, person_id, post_id, department) in existing:
            continue
        rows.append(
            CampaignTask(
                campaign=campaign,
                kind=CampaignTask.Kind.PERSON,
                person_id=person_id,
                post_id=post_id,
                department_id=department,
                is_leader=bool(is_leader or leadership),
                updated_at=now,
            )
        )
    total = len(rows)
    if progress:
        progress(0, total, _("正在创建排查任务"), force=True)
    # A transaction per batch: in the job, each batch is committed before its progress is
    # reported, so the job page sees the count move (one transaction round the whole would
    # show nothing until the end); inline, they are savepoints of the opening request's.
    for start in range(0, total, BATCH):
        with transaction.atomic():
            CampaignTask.objects.bulk_create(rows[start : start + BATCH])
        if progress:
            progress(min(start + BATCH, total), total, _("正在创建排查任务"), force=True)
    if progress:
        progress(total, total, _("正在沿用上年已备案的风险点"), force=True)
    with transaction.atomic():
        _carry_over(campaign)
        count = CampaignTask.objects.filter(campaign=campaign).count()
        Campaign.objects.filter(pk=campaign.pk).update(task_count=count)
    return count


def _carry_over(campaign: Campaign):
    """Link each person's task to the filed points of their post, and each department's task
    to the department's own filed points (the register as it stands: last year's filings)."""
    tasks = CampaignTask.objects.filter(campaign=campaign)
    by_post = {}
    by_department = {}
    for task_id, kind, post_id, department_id in tasks.values_list(
        "pk", "kind", "post_id", "department_id"
    ):
        if kind == CampaignTask.Kind.PERSON:
            by_post.setdefault(post_id, []).append(task_id)
        else:
            by_department[department_id] = task_id
    linked = set(
        CampaignPoint.objects.filter(task__campaign=campaign).values_list(
            "task_id", "risk_point_id"
        )
    )
    filed = RiskPoint.objects.filter(
        organisation=campaign.organisation, status=RiskPoint.Status.FILED
    ).filter(
        Q(post_id__in=list(by_post))
        | Q(subject=RiskPoint.Subject.DEPARTMENT, department_id__in=list(by_department))
    )
    rows = []
    for point in filed.only(
        "pk", "subject", "post_id", "department_id", "name", "manifestation", "level", "category"
    ):
        if point.subject == RiskPoint.Subject.POST:
            task_ids = by_post.get(point.post_id, [])
        else:
            task_ids = (
                [by_department.get(point.department_id)]
                if point.subject == RiskPoint.Subject.DEPARTMENT
                else []
            )
        baseline = {
            "name": point.name,
            "manifestation": point.manifestation,
            "level": point.level,
            "category": point.category,
        }
        for task_id in task_ids:
            if task_id and (task_id, point.pk) not in linked:
                rows.append(
                    CampaignPoint(
                        task_id=task_id,
                        risk_point_id=point.pk,
                        origin=CampaignPoint.Origin.CARRIED,
                        baseline=baseline,
                    )
                )
    CampaignPoint.objects.bulk_create(rows, batch_size=BATCH)
    # a task with carried points has something to confirm: it is being filled in
    CampaignTask.objects.filter(
        campaign=campaign, status=CampaignTask.Status.NOT_STARTED, points__isnull=False
    ).update(status=CampaignTask.Status.DRAFTING)


@transaction.atomic
def campaign_open(*, actor, campaign: Campaign) -> Campaign:
    """Open a draft campaign (发布排查): its tasks are created now, or by a background job
    (with progress) when more than `INLINE_TASKS` are due. Audited with the number of tasks."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != Campaign.State.DRAFT:
        raise ValidationError(_("只有草稿状态的排查可以发布。"))
    clash = Campaign.objects.filter(organisation=campaign.organisation, state=Campaign.State.OPEN)
    if clash.exists():
        raise ValidationError(
            _("本单位已有进行中的排查“%(name)s”，请先结束它。") % {"name": clash.first().name}
        )
    due = tasks_count(campaign)
    if not due:
        raise ValidationError(_("排查范围内没有科室和在岗人员，无法发布。"))
    campaign.state = Campaign.State.OPEN
    campaign.opened_at = timezone.now()
    campaign.save(update_fields=["state", "opened_at"])
    job = None
    if due > INLINE_TASKS:
        job = jobs.enqueue(
            OPEN_JOB,
            actor=actor,
            organisation=campaign.organisation,
            params={"campaign": campaign.pk},
        )
    else:
        tasks_create(campaign)
    audit.record(
        actor=actor,
        action="campaign.open",
        obj=campaign,
        before={"state": Campaign.State.DRAFT},
        after={"state": campaign.state, "tasks": due, "job": job.pk if job else None},
    )
    campaign._job = job
    return campaign


# Closing ---------------------------------------------------------------------------------------


def summary_of(campaign: Campaign) -> dict:
    """The campaign's figures: tasks by progress, returns, points by level and by origin."""
    from django.db.models import Count, Sum

    tasks = CampaignTask.objects.filter(campaign=campaign)
    by_status = dict(tasks.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
    returns = tasks.aggregate(n=Sum("return_count"))["n"] or 0
    points = CampaignPoint.objects.filter(task__campaign=campaign)
    # each point once, though a post's point sits in the task of every holder of the post
    first = {}
    for pk, risk_point_id in points.filter(confirmed=True).values_list("pk", "risk_point_id"):
        first.setdefault(risk_point_id, pk)
    confirmed = points.filter(pk__in=list(first.values()))
    by_level = dict(
        confirmed.values_list("risk_point__level")
        .annotate(n=Count("pk"))
        .values_list("risk_point__level", "n")
    )
    by_origin = dict(
        confirmed.values_list("origin").annotate(n=Count("pk")).values_list("origin", "n")
    )
    return {
        "tasks": tasks.count(),
        "status": {s: by_status.get(s, 0) for s in CampaignTask.Status.values},
        "returns": returns,
        "returned_tasks": tasks.filter(return_count__gt=0).count(),
        "points": confirmed.count(),
        "levels": {str(k): v for k, v in sorted(by_level.items(), key=lambda kv: kv[0] or 0)},
        "origins": {o: by_origin.get(o, 0) for o in CampaignPoint.Origin.values},
        "not_reconfirmed": points.filter(origin=CampaignPoint.Origin.CARRIED, confirmed=False)
        .values("risk_point_id")
        .distinct()
        .count(),
    }


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    """Close an open campaign (结束排查): its summary is frozen. Carried-over points nobody
    re-confirmed stay in the register and are flagged for review (the warning rule
    `campaigns.not_reconfirmed`), never silently kept."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state != Campaign.State.OPEN:
        raise ValidationError(_("只有进行中的排查可以结束。"))
    campaign.summary = summary_of(campaign)
    campaign.state = Campaign.State.CLOSED
    campaign.closed_at = timezone.now()
    campaign.save(update_fields=["summary", "state", "closed_at"])
    audit.record(
        actor=actor,
        action="campaign.close",
        obj=campaign,
        before={"state": Campaign.State.OPEN},
        after={"state": campaign.state, "summary": campaign.summary},
    )
    return campaign


# Points of a task -------------------------------------------------------------------------------


@transaction.atomic
def campaign_point_confirm(
    *, actor, campaign_point: CampaignPoint, note: str = ""
) -> CampaignPoint:
    """Keep a carried-over point as it stands (保留): recorded as a review (复核) on the
    register, and counted as re-confirmed in the campaign."""
    cp = (
        CampaignPoint.objects.select_for_update()
        .select_related("task__campaign", "risk_point")
        .get(pk=campaign_point.pk)
    )
    if cp.task.campaign.state != Campaign.State.OPEN:
        raise ValidationError(_("排查未在进行中，不能确认风险点。"))
    if cp.risk_point.status != RiskPoint.Status.FILED:
        raise ValidationError(_("只有已备案的风险点可以直接保留；草稿请提交备案。"))
    if cp.confirmed:
        return cp
    if Submission.objects.open().of(cp.risk_point).exists():
        raise ValidationError(_("该风险点的变更正在审核中，审核通过后即视为已确认。"))
    risk_services.risk_point_review(
        actor=actor,
        risk_point=cp.risk_point,
        note=note or _("%(campaign)s：确认保留") % {"campaign": cp.task.campaign.name},
    )
    _confirm(cp.task.campaign, cp.risk_point_id)
    audit.record(
        actor=actor,
        action="campaign.point_confirm",
        obj=cp.task.campaign,
        after={"task": cp.task_id, "risk_point": cp.risk_point_id},
    )
    cp.refresh_from_db()
    return cp


def _confirm(campaign: Campaign, risk_point_id: int, at=None):
    """A point filed or kept in the campaign is re-confirmed for every task holding it (the
    post's point, for each holder of the post); their progress moves."""
    rows = CampaignPoint.objects.filter(task__campaign=campaign, risk_point_id=risk_point_id)
    task_ids = list(rows.values_list("task_id", flat=True))
    rows.update(confirmed=True)
    for task in CampaignTask.objects.filter(pk__in=task_ids).select_for_update():
        task_refresh(task, at)


# The register's filing hooks ---------------------------------------------------------------------


def campaign_of(point: RiskPoint, states=(Campaign.State.OPEN,)) -> Campaign | None:
    """The open campaign whose scope holds `point`: its organisation's, for the whole unit,
    naming the point's department, or giving its post's holder a task."""
    q = Q(scope=Campaign.Scope.WHOLE)
    if point.department_id:
        q |= Q(departments=point.department_id)
    if point.post_id:  # a leader's post, of no department: in scope if its holder has a task
        q |= Q(tasks__post_id=point.post_id, tasks__kind=CampaignTask.Kind.PERSON)
    return (
        Campaign.objects.filter(organisation_id=point.organisation_id, state__in=states)
        .filter(q)
        .order_by("-opened_at", "-pk")
        .first()
    )


def _leader_of(point: RiskPoint):
    """The leader whose filing `point` is (a post of the leadership, or an author who is a
    leader of the unit), or None."""
    if point.post_id and point.post.is_leadership:
        holder = (
            PostAssignment.objects.current()
            .filter(post_id=point.post_id)
            .select_related("person")
            .first()
        )
        return holder.person if holder else getattr(point.author, "person", None)
    person = getattr(point.author, "person", None) if point.author_id else None
    if person is not None and person.is_leader and point.subject == RiskPoint.Subject.POST:
        return person
    return None


def departments_not_filed(campaign: Campaign, leader) -> list[Department]:
    """The departments a leader must wait for: those in scope they are in charge of (all in
    scope for a leader in charge of none, such as the principal), whose tasks are not all
    filed."""
    scope = scope_departments(campaign)
    charged = LeaderDivision.objects.in_force().filter(leader=leader, department__in=scope)
    departments = (
        scope.filter(pk__in=charged.values("department_id")) if charged.exists() else scope
    )
    waiting = CampaignTask.objects.filter(campaign=campaign, is_leader=False).exclude(
        status=CampaignTask.Status.FILED
    )
    return list(departments.filter(pk__in=waiting.values("department_id")).order_by("order", "pk"))


def filing_gate(point: RiskPoint, actor, at) -> None:
    """Refuse a submission outside the filing phase of the open campaign covering the point,
    and a leader's before the departments they are in charge of have all filed."""
    campaign = campaign_of(point)
    if campaign is None:
        return
    day = timezone.localdate(at)
    phase = campaign.phases.filter(phase=Phase.FILE).first()
    if phase and not phase.start <= day <= phase.end:
        raise ValidationError(
            _("“%(campaign)s”的评估定级与备案阶段为 %(start)s 至 %(end)s，不在此期间不能提交备案。")
            % {"campaign": campaign.name, "start": phase.start, "end": phase.end},
            code="campaign_phase",
        )
    if not campaign.leaders_after_departments:
        return
    leader = _leader_of(point)
    if leader is None:
        return
    waiting = departments_not_filed(campaign, leader)
    if waiting:
        names = "、".join(d.name for d in waiting[:10])
        more = _("等 %(n)s 个科室") % {"n": len(waiting)} if len(waiting) > 10 else ""
        raise ValidationError(
            _(
                "按自下而上的排查顺序，领导班子成员须在所分管科室全部备案后提交。"
                "尚未全部备案的科室：%(names)s%(more)s。"
            )
            % {"names": names, "more": more},
            code="campaign_order",
        )


def _task_for(campaign: Campaign, point: RiskPoint) -> CampaignTask | None:
    tasks = CampaignTask.objects.filter(campaign=campaign)
    if point.subject == RiskPoint.Subject.POST and point.post_id:
        person = getattr(point.author, "person", None) if point.author_id else None
        on_post = tasks.filter(kind=CampaignTask.Kind.PERSON, post_id=point.post_id)
        if person is not None:
            mine = on_post.filter(person=person).first()
            if mine:
                return mine
        return on_post.order_by("pk").first()
    if point.department_id:
        return tasks.filter(
            kind=CampaignTask.Kind.DEPARTMENT, department_id=point.department_id
        ).first()
    return None


def task_refresh(task: CampaignTask, at=None) -> CampaignTask:
    """Recompute a task's progress from its points: 已退回 while a returned point waits to be
    sent again, 审核中 while one waits in the chain, 已备案 once every point is filed or
    re-confirmed, else 填报中."""
    points = list(task.points.select_related("risk_point"))
    status = CampaignTask.Status.NOT_STARTED
    if points:
        ids = [cp.risk_point_id for cp in points]
        from django.contrib.contenttypes.models import ContentType

        ct = ContentType.objects.get_for_model(RiskPoint)
        latest = {}
        for object_id, state in (
            Submission.objects.filter(content_type=ct, object_id__in=ids)
            .order_by("object_id", "submitted_at", "pk")
            .values_list("object_id", "state")
        ):
            latest[object_id] = state
        # a point asked to be removed (删除) is settled for its task, like a confirmed one
        settled = [cp.confirmed or cp.removed for cp in points]
        states = [latest.get(cp.risk_point_id) for cp in points if not (cp.confirmed or cp.removed)]
        if Submission.State.RETURNED in states:
            status = CampaignTask.Status.RETURNED
        elif Submission.State.OPEN in states:
            status = CampaignTask.Status.IN_REVIEW
        elif all(settled):
            status = CampaignTask.Status.FILED
        else:
            status = CampaignTask.Status.DRAFTING
    now = at or timezone.now()
    task.status = status
    task.updated_at = now
    if status == CampaignTask.Status.FILED and task.filed_at is None:
        task.filed_at = now
    elif status != CampaignTask.Status.FILED:
        task.filed_at = None
    task.save(update_fields=["status", "updated_at", "filed_at"])
    return task


def filing_listener(event: str, point: RiskPoint, actor, at) -> None:
    """Move the task of the open campaign covering `point` (linking a point first submitted
    in it): a return counts, a filing re-confirms. Runs in the register's transaction."""
    from lianfang.risks import filing_hooks

    campaign = campaign_of(point)
    if campaign is None:
        return
    cp = (
        CampaignPoint.objects.select_for_update()
        .filter(task__campaign=campaign, risk_point=point)
        .select_related("task")
        .first()
    )
    if cp is None:
        task = _task_for(campaign, point)
        if task is None:
            return
        origin = (
            CampaignPoint.Origin.LIBRARY
            if point.source == RiskPoint.Source.LIBRARY or point.library_urn
            else CampaignPoint.Origin.NEW
        )
        cp = CampaignPoint.objects.create(task=task, risk_point=point, origin=origin)
    task = CampaignTask.objects.select_for_update().get(pk=cp.task_id)
    if event == filing_hooks.RETURNED:
        task.return_count += 1
        task.save(update_fields=["return_count"])
    if event == filing_hooks.FILED:
        _confirm(campaign, point.pk, at)
    else:
        task_refresh(task, at)


def filing_note(point: RiskPoint) -> str:
    """The register's history names the campaign a filing came from."""
    campaign = campaign_of(point)
    return _("来自%(campaign)s") % {"campaign": campaign.name} if campaign else ""


# Filing from what exists (预填) -----------------------------------------------------------------


@dataclass
class FilingChoice:
    """What the person decided for one row of the filing screen: `key` of a row of
    `selectors.filing_screen`, or one starting with "n" for a point they add; `action` keep,
    edit or remove; `data` the fields typed for an edited or added row (name, manifestation,
    likelihood, harm; an added point also power, step, category and measure, the text of its
    first measure)."""

    key: str
    action: str = selectors.KEEP
    data: dict = dataclass_field(default_factory=dict)


def _scores(data: dict) -> dict:
    clean = {}
    for name in selectors.EDITABLE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("likelihood", "harm"):
            value = int(value) if str(value or "").isdigit() else None
        else:
            value = (value or "").strip()
        clean[name] = value
    return clean


def _refuse_vague(point: RiskPoint, measures) -> None:
    problems = vagueness.check_filing(point, measures=measures)
    if problems:
        raise ValidationError([ValidationError(p.message, code=p.code.value) for p in problems])


def _change_carried(actor, row, data: dict, campaign: Campaign) -> bool:
    """Ask for the change of an edited carried point through the register's review chain
    (risk_point_request_change), refused first by the vagueness rule as the changed point
    would read. False when nothing differs from the point as filed (then it is kept)."""
    point = RiskPoint.objects.select_related("organisation", "power").get(
        pk=row.campaign_point.risk_point_id
    )
    data = {k: v for k, v in _scores(data).items() if getattr(point, k) != v}
    if not data:
        return False
    changed = copy.copy(point)
    for name, value in data.items():
        setattr(changed, name, value)
    changed.level = grading.grade_point(grading.active_scheme(point.organisation), changed)
    _refuse_vague(changed, list(point.measures.all()))
    risk_services.risk_point_request_change(
        actor=actor,
        risk_point=point,
        data=data,
        reason=_("%(campaign)s：本岗位人员修改") % {"campaign": campaign.name},
    )
    return True


def _file_new(actor, task: CampaignTask, data: dict, origin: str) -> RiskPoint:
    """Register a point of the task (a library one or one the person adds) with its first
    measure, owned by the person, link it to the task with its origin, and submit it for
    filing (the vagueness rule and the campaign's gates apply there)."""
    powers = selectors.task_powers(task)
    power = data.get("power")
    power_id = getattr(power, "pk", power)
    power = powers.filter(pk=power_id).first() if str(power_id or "").isdigit() else None
    if power is None:
        raise ValidationError(_("请选择本岗位的权力事项。"), code="power")
    step = data.get("step")
    step_id = getattr(step, "pk", step)
    step = power.steps.filter(pk=step_id).first() if str(step_id or "").isdigit() else None
    point_data = {
        **_scores(data),
        "power": power,
        "step": step,
        "category": data.get("category") or Category.POST_DUTY,
        "matter_kind": data.get("matter_kind") or "",
        "criteria": data.get("criteria") or [],
    }
    if task.post_id:
        point_data.update(subject=RiskPoint.Subject.POST, post=task.post)
    else:
        point_data.update(subject=RiskPoint.Subject.DEPARTMENT, department=task.department)
    text = (data.get("measure") or "").strip()
    point = risk_services.risk_point_create_with_measure(
        actor=actor,
        organisation=task.campaign.organisation,
        data=point_data,
        measure={"text": text, "owner_person": task.person} if text else None,
    )
    CampaignPoint.objects.create(task=task, risk_point=point, origin=origin)
    return risk_services.risk_point_submit(actor=actor, risk_point=point)


def _file_row(actor, task: CampaignTask, row, choice: FilingChoice) -> str | None:
    action = choice.action
    if action not in (selectors.KEEP, selectors.EDIT, selectors.REMOVE):
        raise ValidationError(_("请选择保留、修改或删除。"), code="action")
    if row is None:  # a point the person adds
        if action == selectors.REMOVE:
            return None
        _file_new(actor, task, choice.data, CampaignPoint.Origin.NEW)
        return "added"
    if row.source == selectors.CARRIED:
        cp = row.campaign_point
        if action == selectors.REMOVE:
            CampaignPoint.objects.filter(pk=cp.pk).update(removed=True)
            audit.record(
                actor=actor,
                action="campaign.point_remove",
                obj=task.campaign,
                after={"task": task.pk, "risk_point": cp.risk_point_id},
            )
            return "removed"
        if action == selectors.EDIT and _change_carried(actor, row, choice.data, task.campaign):
            return "changed"
        campaign_point_confirm(actor=actor, campaign_point=cp)
        return "kept"
    if action == selectors.REMOVE:  # a library suggestion not taken
        return None
    suggestion = row.suggestion
    data = {
        **row.values,
        "power": suggestion.power,
        "step": suggestion.step,
        "category": suggestion.category,
        "matter_kind": suggestion.matter_kind,
        "criteria": suggestion.criteria,
        "measure": suggestion.measure,
    }
    if action == selectors.EDIT:
        data.update(_scores(choice.data))
    _file_new(actor, task, data, CampaignPoint.Origin.LIBRARY)
    return "added"


@transaction.atomic
def task_file(*, actor, task: CampaignTask, choices: list[FilingChoice]) -> dict:
    """File a task from what exists (一次提交): each row of the filing screen as the person
    decided. A carried point kept is re-confirmed (`campaign_point_confirm`); an edited one's
    change is requested through the review chain; a removed one is marked 删除 (not
    re-confirmed: the integrity office retires it); a library point taken and a point added
    are registered with their first measure (owned by the person) and submitted for filing.

    All or nothing: each refusal (the vagueness rule, a gate, a missing field) is collected
    under its row's key and raised together as one ValidationError keyed by row; then nothing
    is written. Returns the counts of kept, changed, removed and added points."""
    task = (
        CampaignTask.objects.select_for_update(of=("self",))
        .select_related("campaign__organisation", "post", "department", "person")
        .get(pk=task.pk)
    )
    if task.campaign.state != Campaign.State.OPEN:
        raise ValidationError(_("排查未在进行中，不能填报。"))
    rows = {row.key: row for row in selectors.filing_screen(task=task)["rows"]}
    counts = {"kept": 0, "changed": 0, "removed": 0, "added": 0}
    errors = {}
    for choice in choices:
        row = rows.get(choice.key)
        if row is None and not choice.key.startswith("n"):
            errors[choice.key] = [_("该风险点已经处理或不再可选，请刷新页面后重新填报。")]
            continue
        try:
            with transaction.atomic():
                outcome = _file_row(actor, task, row, choice)
        except ValidationError as error:
            errors[choice.key] = error.messages
            continue
        if outcome:
            counts[outcome] += 1
    if errors:
        raise ValidationError(errors)
    if not any(counts.values()):
        raise ValidationError(_("没有需要提交的风险点。"))
    task_refresh(CampaignTask.objects.select_for_update().get(pk=task.pk))
    audit.record(
        actor=actor,
        action="campaign.task_file",
        obj=task.campaign,
        after={"task": task.pk, **counts},
    )
    return counts
