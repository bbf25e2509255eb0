"""Every write of the assessments module (廉政评估): an assessment with the evidence it cites,
its numbered notice, the signing for it, the rectifications and their decisions, and the
escalation after a second failed rectification. Each write is one transaction with its audit
event and its timeline event; accepted rectification measures become register measures
through `risks.services.measure_create` (the register's one write path)."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, notifications, workdays
from lianfang.core.models import WarningLevel
from lianfang.core.roles import Role
from lianfang.risks.services import measure_create

from . import notification_kinds as notice_kinds
from .models import (
    TALKS,
    Assessment,
    AssessmentEvent,
    Evidence,
    Measure,
    Notice,
    NoticeCounter,
    Rectification,
    RectificationMeasure,
)
from .selectors import evidence_candidates, is_assessed_party, may_assess

MAX_TEXT = 4000


def _event(assessment, type_, actor, now, **data):
    return AssessmentEvent.objects.create(
        assessment=assessment, type=type_, actor=actor, at=now, data=data
    )


def _state(assessment: Assessment) -> dict:
    return {
        "subject": assessment.subject,
        "party": str(assessment.party),
        "level": assessment.level,
        "status": assessment.status,
        "failures": assessment.failures,
        "measures": list(assessment.measures),
    }


def _text(data, field, label, *, required=True, limit=MAX_TEXT) -> str:
    value = (data.get(field) or "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(value) > limit:
        raise ValidationError({field: _("%(label)s过长。") % {"label": label}})
    return value


def _party_users(assessment: Assessment) -> set[int]:
    """The accounts that act for the assessed party: the person's own, or the department's
    heads."""
    from lianfang.reviews.chain import department_heads

    if assessment.subject == Assessment.Subject.PERSON:
        return {assessment.person.user_id} if assessment.person.user_id else set()
    return department_heads(assessment.department_id)


def _notify(assessment, kind, *, recipients, actor, key="", **context):
    from django.urls import reverse

    notifications.notify(
        kind,
        recipients=recipients,
        context={
            "party": str(assessment.party),
            "level": assessment.get_level_display(),
            **context,
        },
        target=assessment,
        link=reverse("assessments:detail", args=[assessment.pk]),
        organisation=assessment.organisation,
        key=key,
        exclude={actor.pk} if actor else (),
    )


# Creating -------------------------------------------------------------------------------------


@transaction.atomic
def assessment_create(
    *,
    actor,
    organisation,
    person=None,
    department=None,
    data: dict,
    cite: list[str] = (),
    findings: list[str] = (),
) -> Assessment:
    """A draft assessment of `person` XOR `department` by the integrity office of
    `organisation` (or above). `cite` are keys of `selectors.evidence_candidates` (the
    records the office picked); `findings` audit findings typed as free evidence. At least
    one piece of evidence is required: a conclusion cites its grounds."""
    if not may_assess(actor, organisation):
        raise PermissionDenied
    if (person is None) == (department is None):
        raise ValidationError({"person": _("请选择被评估的人员或部门（二者选一）。")})
    party = person or department
    if party.organisation_id != organisation.pk:
        raise ValidationError({"person": _("被评估的人员或部门不属于本单位。")})
    try:
        level = int(data.get("level"))
    except (TypeError, ValueError):
        level = None
    if level not in WarningLevel.values:
        raise ValidationError({"level": _("请选择评估结论（提示、预警或亮牌）。")})
    measures = list(dict.fromkeys(data.get("measures") or ()))
    if not measures or any(code not in Measure.values for code in measures):
        raise ValidationError({"measures": _("请选择至少一项处置措施。")})
    talk_on = data.get("talk_on") or None
    if talk_on is not None and not any(code in TALKS for code in measures):
        raise ValidationError({"talk_on": _("未选择谈话措施，不应填写谈话日期。")})
    assessment = Assessment(
        organisation=organisation,
        subject=Assessment.Subject.PERSON if person else Assessment.Subject.DEPARTMENT,
        person=person,
        department=department,
        level=level,
        initial_level=level,
        grounds=_text(data, "grounds", _("结论依据")),
        measures=measures,
        requirements=_text(data, "requirements", _("整改要求")),
        talk_on=talk_on,
        created_by=actor,
    )
    candidates = evidence_candidates(person=person, department=department)
    unknown = [key for key in cite if key not in candidates]
    if unknown:
        raise ValidationError({"cite": _("所选依据已不在可引用的记录中，请刷新后重选。")})
    findings = [text.strip() for text in findings if text and text.strip()]
    if any(len(text) > 500 for text in findings):
        raise ValidationError({"findings": _("每条审计发现不超过 500 字。")})
    if not cite and not findings:
        raise ValidationError(
            {"cite": _("请至少引用一条依据（逾期措施、逾期复核、属实举报、预警或审计发现）。")}
        )
    assessment.save()
    points = data.get("risk_points") or []
    if points:
        assessment.risk_points.set(points)
    Evidence.objects.bulk_create(
        [candidates[key].evidence(assessment) for key in cite]
        + [
            Evidence(assessment=assessment, kind=Evidence.Kind.AUDIT_FINDING, text=text)
            for text in findings
        ]
    )
    now = timezone.now()
    _event(assessment, AssessmentEvent.Type.CREATED, actor, now, level=level)
    audit.record(
        actor=actor,
        action="assessment.create",
        obj=assessment,
        after={**_state(assessment), "evidence": len(cite) + len(findings)},
    )
    return assessment


# Notices --------------------------------------------------------------------------------------


def _next_seq(organisation, year: int) -> int:
    """The next number of `organisation` in `year`, taken under the counter's row lock: the
    caller's transaction holds it until commit, so concurrent issuers take turns and a rolled
    back issue gives its number back (no gaps)."""
    counter = (
        NoticeCounter.objects.select_for_update()
        .filter(organisation=organisation, year=year)
        .first()
    )
    if counter is None:
        try:
            with transaction.atomic():
                NoticeCounter.objects.create(organisation=organisation, year=year)
        except IntegrityError:
            pass  # a concurrent issuer created it first; lock theirs
        counter = NoticeCounter.objects.select_for_update().get(
            organisation=organisation, year=year
        )
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def reply_due(assessment: Assessment, issued_on: dt.date) -> dt.date:
    """The reply deadline: `reply_days` working days after the talk when there is one,
    else after the notice is issued (the day itself not counted)."""
    start = assessment.talk_on or issued_on
    if isinstance(start, str):
        start = dt.date.fromisoformat(start)
    return workdays.add_working_days(
        max(start, issued_on), assessment.reply_days, assessment.organisation
    )


def _issue(assessment: Assessment, actor, now) -> Notice:
    issued_on = timezone.localdate(now)
    notice = Notice.objects.create(
        assessment=assessment,
        organisation=assessment.organisation,
        year=issued_on.year,
        seq=_next_seq(assessment.organisation, issued_on.year),
        level=assessment.level,
        issued_at=now,
        issued_by=actor,
        reply_due=reply_due(assessment, issued_on),
    )
    assessment.due_on = notice.reply_due
    assessment.save(update_fields=["status", "level", "failures", "due_on"])
    _event(
        assessment,
        AssessmentEvent.Type.ISSUED,
        actor,
        now,
        notice=notice.number,
        level=notice.level,
        reply_due=notice.reply_due.isoformat(),
    )
    audit.record(
        actor=actor,
        action="assessment.notice.issue",
        obj=assessment,
        after={"notice": notice.number, "level": notice.level, "reply_due": notice.reply_due},
    )
    _notify(
        assessment,
        notice_kinds.ISSUED,
        recipients=_party_users(assessment),
        actor=actor,
        notice=notice.number,
        due=notice.reply_due.isoformat(),
    )
    return notice


@transaction.atomic
def assessment_issue(*, actor, assessment: Assessment) -> Notice:
    """Issue the draft's 评估通知书: the next number of the organisation's year, the reply
    deadline in working days; the assessed party is notified."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not may_assess(actor, assessment.organisation):
        raise PermissionDenied
    if assessment.status != Assessment.Status.DRAFT:
        raise ValidationError(_("该评估的通知书已下达。"))
    assessment.status = Assessment.Status.ISSUED
    notice = _issue(assessment, actor, timezone.now())
    return notice


@transaction.atomic
def notice_sign(*, actor, notice: Notice) -> Notice:
    """The assessed party signs for the notice (签收), once."""
    notice = Notice.objects.select_for_update().select_related("assessment").get(pk=notice.pk)
    assessment = notice.assessment
    if not is_assessed_party(actor, assessment):
        raise PermissionDenied
    if notice.signed_at is not None:
        raise ValidationError(_("该通知书已签收。"))
    now = timezone.now()
    notice.signed_at, notice.signed_by = now, actor
    notice.save(update_fields=["signed_at", "signed_by"])
    _event(assessment, AssessmentEvent.Type.SIGNED, actor, now, notice=notice.number)
    audit.record(
        actor=actor,
        action="assessment.notice.sign",
        obj=assessment,
        after={"notice": notice.number},
    )
    return notice


# Rectification --------------------------------------------------------------------------------


def _measure_rows(assessment, rows) -> list[RectificationMeasure]:
    from lianfang.org.models import Department, Person

    made = []
    for index, row in enumerate(rows, start=1):
        text = (row.get("text") or "").strip()
        if not text:
            continue
        owner = row.get("owner")
        person = department = None
        if isinstance(owner, Person):
            person = owner
        elif isinstance(owner, Department):
            department = owner
        if (person or department) is None or (person or department).organisation_id != (
            assessment.organisation_id
        ):
            raise ValidationError(
                {
                    "measures": _("第 %(n)d 项整改措施请选择本单位的责任人或责任部门。")
                    % {"n": index}
                }
            )
        due = row.get("due")
        if not isinstance(due, dt.date):
            raise ValidationError(
                {"measures": _("第 %(n)d 项整改措施请填写完成时限。") % {"n": index}}
            )
        if len(text) > 1000:
            raise ValidationError({"measures": _("第 %(n)d 项整改措施过长。") % {"n": index}})
        made.append(
            RectificationMeasure(
                text=text, owner_person=person, owner_department=department, due=due
            )
        )
    if not made:
        raise ValidationError({"measures": _("请至少填写一项整改措施（措施、责任人、完成时限）。")})
    return made


@transaction.atomic
def rectification_submit(*, actor, assessment: Assessment, data: dict) -> Rectification:
    """The assessed party's rectification against the current notice: cause analysis,
    measures (text, owner: a Person or Department, due date), changes to rules."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not is_assessed_party(actor, assessment):
        raise PermissionDenied
    if assessment.status not in (Assessment.Status.ISSUED, Assessment.Status.RETURNED):
        raise ValidationError(_("当前不能提交整改（尚未下达通知书、待审或已通过）。"))
    notice = assessment.notices.order_by("-issued_at", "-id").first()
    cause = _text(data, "cause", _("原因分析"))
    rule_changes = _text(data, "rule_changes", _("制度修订"), required=False)
    rows = _measure_rows(assessment, data.get("measures") or [])
    now = timezone.now()
    rectification = Rectification.objects.create(
        assessment=assessment,
        notice=notice,
        cause=cause,
        rule_changes=rule_changes,
        submitted_by=actor,
        submitted_at=now,
    )
    for row in rows:
        row.rectification = rectification
    RectificationMeasure.objects.bulk_create(rows)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.save(update_fields=["status"])
    _event(
        assessment,
        AssessmentEvent.Type.SUBMITTED,
        actor,
        now,
        rectification=rectification.pk,
        measures=len(rows),
    )
    audit.record(
        actor=actor,
        action="assessment.rectification.submit",
        obj=assessment,
        after={"rectification": rectification.pk, "measures": len(rows)},
    )
    _notify(
        assessment,
        notice_kinds.SUBMITTED,
        recipients=[notifications.RoleOn(Role.INTEGRITY, assessment.organisation)],
        actor=actor,
    )
    return rectification


def _open_rectification(assessment) -> Rectification:
    rectification = (
        Rectification.objects.select_for_update()
        .filter(assessment=assessment, status=Rectification.Status.SUBMITTED)
        .first()
    )
    if rectification is None:
        raise ValidationError(_("没有待审核的整改。"))
    return rectification


@transaction.atomic
def rectification_accept(*, actor, assessment: Assessment) -> Rectification:
    """Accept the submitted rectification: the assessment is closed and each of its measures
    becomes a measure of the register (through the register's own service), linked to the
    assessment's risk points."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not may_assess(actor, assessment.organisation):
        raise PermissionDenied
    rectification = _open_rectification(assessment)
    now = timezone.now()
    points = list(assessment.risk_points.all())
    for row in rectification.measures.all():
        row.register_measure = measure_create(
            actor=actor,
            organisation=assessment.organisation,
            data={
                "text": row.text,
                "owner_person": row.owner_person,
                "owner_department": row.owner_department,
                "due": row.due,
                "status": "planned",
                "risk_points": points,
            },
        )
        row.save(update_fields=["register_measure"])
    rectification.status = Rectification.Status.ACCEPTED
    rectification.decided_by, rectification.decided_at = actor, now
    rectification.save(update_fields=["status", "decided_by", "decided_at"])
    assessment.status = Assessment.Status.ACCEPTED
    assessment.save(update_fields=["status"])
    _event(assessment, AssessmentEvent.Type.ACCEPTED, actor, now, rectification=rectification.pk)
    audit.record(
        actor=actor,
        action="assessment.rectification.accept",
        obj=assessment,
        after={"rectification": rectification.pk},
    )
    _notify(assessment, notice_kinds.ACCEPTED, recipients=_party_users(assessment), actor=actor)
    return rectification


@transaction.atomic
def rectification_return(*, actor, assessment: Assessment, reason: str) -> Rectification:
    """Send the submitted rectification back with a reason; it is redone. The second failure
    at a level raises the conclusion one level (提示 → 预警 → 亮牌) with a new notice; at 亮牌
    the failure is recorded and the level stays."""
    assessment = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not may_assess(actor, assessment.organisation):
        raise PermissionDenied
    reason = _text({"reason": reason}, "reason", _("退回理由"), limit=1000)
    rectification = _open_rectification(assessment)
    now = timezone.now()
    rectification.status = Rectification.Status.RETURNED
    rectification.reason = rectification.reason or reason
    rectification.decided_by, rectification.decided_at = actor, now
    rectification.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    assessment.failures += 1
    assessment.status = Assessment.Status.RETURNED
    # the redo is due `reply_days` working days after the return
    assessment.due_on = workdays.add_working_days(
        timezone.localdate(now), assessment.reply_days, assessment.organisation
    )
    _event(
        assessment,
        AssessmentEvent.Type.RETURNED,
        actor,
        now,
        rectification=rectification.pk,
        reason=reason,
        failures=assessment.failures,
    )
    audit.record(
        actor=actor,
        action="assessment.rectification.return",
        obj=assessment,
        after={"rectification": rectification.pk, "failures": assessment.failures},
    )
    escalate = assessment.failures >= 2 and assessment.level < WarningLevel.CARD
    if escalate:
        before = assessment.level
        assessment.level += 1
        assessment.failures = 0
        assessment.status = Assessment.Status.ISSUED
        _event(
            assessment,
            AssessmentEvent.Type.ESCALATED,
            actor,
            now,
            before=before,
            after=assessment.level,
        )
        audit.record(
            actor=actor,
            action="assessment.escalate",
            obj=assessment,
            before={"level": before},
            after={"level": assessment.level},
        )
    assessment.save(update_fields=["failures", "status", "level", "due_on"])
    _notify(
        assessment,
        notice_kinds.RETURNED,
        recipients=_party_users(assessment),
        actor=actor,
        reason=reason,
    )
    if escalate:
        _issue(assessment, actor, now)
    return rectification
