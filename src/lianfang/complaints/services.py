"""Every write of the complaints module, each in a transaction with its audit event.

Audit events and history events of this module are content-free: the reference, the
category, the channel, states, dates and who acted, never what a report says nor who filed
it, and no client address (core.audit stores none, and the intake pages never see one:
middleware.ReporterPrivacyMiddleware).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, orgsettings, workdays

from . import deadlines, files, receipts, sms
from . import org_settings as keys
from .models import (
    Assignment,
    Channel,
    Complaint,
    Event,
    Exclusion,
    Finding,
    HandlingType,
    IdentityRequest,
    Message,
    Note,
    Officer,
    State,
)
from .recusal import recused_user_ids
from .selectors import duty_org_ids, is_assigned, is_lead_of

REPORTER = "reporter"  # the audit label of what a reporter does (no account, no address)
MAX_TEXT = 10_000


def _today() -> dt.date:
    return workdays.today()


def _event(complaint: Complaint, type_: str, actor=None, **data) -> None:
    Event.objects.create(
        complaint=complaint,
        type=type_,
        actor=actor if getattr(actor, "pk", None) else None,
        state=complaint.state,
        data=data,
    )


def _audit(actor, action: str, complaint: Complaint, **after) -> None:
    audit.record(
        actor=actor,
        action=action,
        obj=complaint,
        object_repr=complaint.reference,
        after={"reference": complaint.reference, "state": complaint.state, **after},
        organisation=complaint.organisation,
    )


def _text(value, label, *, required=False, limit=MAX_TEXT) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(_("请填写%(label)s。") % {"label": label})
    if len(text) > limit:
        raise ValidationError(_("%(label)s不能超过 %(n)s 字。") % {"label": label, "n": limit})
    return text


def _schedule(complaint: Complaint) -> None:
    complaint.due_on = deadlines.due_for(complaint)
    complaint.escalated_on = None


# Intake -----------------------------------------------------------------------------------------


@transaction.atomic
def complaint_file(
    *, actor, organisation, data: dict, uploads=(), channel: str = Channel.ONLINE
) -> tuple[Complaint, str]:
    """File a report; returns it and its receipt code (shown once, never stored).

    `actor` is None for the public portal, the signed-in user otherwise: a staff member
    reporting online (channel STAFF; an anonymous one is not linked to the account) or an
    officer typing in a letter, call or visit (channel LETTER/PHONE/VISIT, `entered_by`).
    `data`: category, anonymous, subject_text, subject_person, subject_department, content,
    happened_when, happened_where, reporter_name, reporter_phone, reporter_contact,
    sms_opt_in, excluded (people), received_on (entered reports)."""
    if channel not in Channel.values:
        raise ValidationError(_("未知的渠道。"))
    category = data.get("category")
    if category not in orgsettings.value(organisation, keys.CATEGORIES):
        raise ValidationError({"category": _("请选择本单位受理的类别。")})
    anonymous = bool(data.get("anonymous"))
    entered = channel in (Channel.LETTER, Channel.PHONE, Channel.VISIT)
    if entered and organisation.pk not in (
        duty_org_ids(actor, Officer.Duty.LEAD) | duty_org_ids(actor, Officer.Duty.HANDLER)
    ):
        raise PermissionDenied
    name = "" if anonymous else _text(data.get("reporter_name"), _("姓名"), limit=40)
    phone = "" if anonymous else _text(data.get("reporter_phone"), _("电话"), limit=30)
    if not anonymous and not name:
        raise ValidationError({"reporter_name": _("实名举报请填写姓名，或选择匿名。")})
    person = data.get("subject_person")
    department = data.get("subject_department")
    for picked in (person, department):
        if picked is not None and picked.organisation_id != organisation.pk:
            raise ValidationError(_("被反映人或科室不属于该单位。"))
    if person is not None and department is None:
        department = person.department
    excluded = [p for p in (data.get("excluded") or []) if p.organisation_id == organisation.pk]
    received_on = data.get("received_on") if entered else None
    received_on = received_on or _today()
    if received_on > _today():
        raise ValidationError({"received_on": _("收到日期不能晚于今天。")})
    code = receipts.generate()
    complaint = Complaint(
        organisation=organisation,
        channel=channel,
        category=category,
        anonymous=anonymous,
        receipt_prefix=receipts.prefix_of(code),
        receipt_hash=receipts.hash_code(code),
        received_on=received_on,
        subject_text=_text(data.get("subject_text"), _("被反映对象"), limit=500),
        subject_person=person,
        subject_department=department,
        content=_text(data.get("content"), _("反映的问题"), required=True),
        happened_when=_text(data.get("happened_when"), _("发生时间"), limit=200),
        happened_where=_text(data.get("happened_where"), _("发生地点"), limit=200),
        reporter_name=name,
        reporter_phone=phone,
        reporter_contact=""
        if anonymous
        else _text(data.get("reporter_contact"), _("其他联系方式"), limit=200),
        sms_opt_in=bool(data.get("sms_opt_in")) and not anonymous and bool(phone),
        entered_by=actor if entered else None,
        petition=deadlines.is_petition(organisation, category),
    )
    _schedule(complaint)
    complaint.save()
    Exclusion.objects.bulk_create(
        [Exclusion(complaint=complaint, person=p) for p in dict.fromkeys(excluded)]
    )
    uploads = list(uploads or ())
    if len(uploads) > files.MAX_FILES:
        raise ValidationError(_("附件最多 %(n)s 个。") % {"n": files.MAX_FILES})
    stored = []
    try:
        for upload in uploads:
            stored.append(files.store(complaint, upload, from_reporter=True))
    except BaseException:
        for f in stored:
            files.delete_stored(f)
        raise
    _event(complaint, "filed", actor if entered else None, channel=channel)
    _audit(
        actor if entered else REPORTER,
        "complaint.file",
        complaint,
        channel=channel,
        category=category,
        anonymous=anonymous,
        files=len(stored),
    )
    return complaint, code


# The reporter, with the receipt ------------------------------------------------------------------


def complaint_by_receipt(code: str) -> Complaint | None:
    """The complaint `code` opens, or None (after the same Argon2 cost as a match)."""
    prefix = receipts.prefix_of(code)
    if not prefix:
        receipts.spend_a_hash()
        return None
    found = None
    for complaint in Complaint.objects.filter(receipt_prefix=prefix).select_related("organisation"):
        if receipts.matches(code, complaint.receipt_hash):
            found = complaint
            break
    else:
        receipts.spend_a_hash()
    return found


def _refuse_quoted_receipt(complaint: Complaint, text: str) -> None:
    if receipts.quotes(text, complaint.receipt_prefix, complaint.receipt_hash):
        raise ValidationError(
            _("留言中包含您的回执码。为保护您的安全，请勿在留言中填写回执码，删除后再提交。")
        )


@transaction.atomic
def complaint_reporter_reply(*, complaint: Complaint, body: str, uploads=()) -> Message | None:
    """The reporter answers or adds material (with the receipt). A text quoting the receipt
    code is refused."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if complaint.state == State.ARCHIVED:
        raise ValidationError(_("该事项已归档，不能再补充。"))
    body = _text(body, _("留言"))
    uploads = list(uploads or ())
    if not body and not uploads:
        raise ValidationError(_("请填写留言或选择要补充的材料。"))
    _refuse_quoted_receipt(complaint, body)
    if complaint.files.count() + len(uploads) > files.MAX_FILES * 2:
        raise ValidationError(_("材料数量已达上限。"))
    message = None
    if body:
        message = Message.objects.create(
            complaint=complaint, author=Message.Author.REPORTER, body=body
        )
    stored = []
    try:
        for upload in uploads:
            stored.append(files.store(complaint, upload, from_reporter=True))
    except BaseException:
        for f in stored:
            files.delete_stored(f)
        raise
    _event(complaint, "reporter_replied", files=len(stored))
    _audit(REPORTER, "complaint.reporter_reply", complaint, files=len(stored))
    handlers = set(
        Assignment.objects.current()
        .filter(complaint=complaint)
        .values_list("handler_id", flat=True)
    )
    _notify(complaint, handlers, kind="complaints.reporter_replied")
    return message


# Handling -------------------------------------------------------------------------------------


def _lock(complaint: Complaint) -> Complaint:
    return Complaint.objects.select_for_update().select_related("organisation").get(pk=complaint.pk)


def _require_lead(actor, complaint: Complaint) -> None:
    if not is_lead_of(actor, complaint) or actor.pk in recused_user_ids(complaint):
        raise PermissionDenied


def _require_handler(actor, complaint: Complaint) -> None:
    if actor.pk in recused_user_ids(complaint):
        raise PermissionDenied
    if not (is_assigned(actor, complaint) or is_lead_of(actor, complaint)):
        raise PermissionDenied


def _require_state(complaint: Complaint, *states) -> None:
    if complaint.state not in states:
        raise ValidationError(
            _("当前状态为“%(state)s”，不能进行此操作。") % {"state": complaint.get_state_display()}
        )


def assignable_handlers(complaint: Complaint):
    """The officers of the complaint's organisation who may be assigned: handlers and leads,
    minus everyone recused."""
    from lianfang.accounts.models import User

    ids = set(
        Officer.objects.filter(
            organisation_id=complaint.organisation_id,
            duty__in=(Officer.Duty.HANDLER, Officer.Duty.LEAD),
        ).values_list("user_id", flat=True)
    ) - recused_user_ids(complaint)
    return User.objects.filter(pk__in=ids, is_active=True).order_by("username")


@transaction.atomic
def complaint_assign(*, actor, complaint: Complaint, handler, reason: str = "") -> Assignment:
    """The office lead assigns `handler` (replacing the current handler, if any: 重新指派)."""
    complaint = _lock(complaint)
    _require_lead(actor, complaint)
    if complaint.state in (State.ARCHIVED, State.REJECTED, State.TRANSFERRED):
        raise ValidationError(_("该事项已结束，不能指派。"))
    if not assignable_handlers(complaint).filter(pk=handler.pk).exists():
        raise ValidationError({"handler": _("该人员不能承办此事项（回避或不是承办人员）。")})
    now = timezone.now()
    previous = list(
        Assignment.objects.current()
        .filter(complaint=complaint)
        .exclude(handler=handler)
        .values_list("handler_id", flat=True)
    )
    Assignment.objects.current().filter(complaint=complaint).exclude(handler=handler).update(
        ended_at=now
    )
    assignment, _created = Assignment.objects.get_or_create(
        complaint=complaint, handler=handler, ended_at=None, defaults={"assigned_by": actor}
    )
    _event(complaint, "assigned", actor, handler=handler.pk, replaced=previous)
    _audit(
        actor,
        "complaint.assign",
        complaint,
        handler=handler.get_username(),
        replaced=previous,
        reason=_text(reason, _("说明"), limit=200),
    )
    _notify(complaint, {handler.pk}, kind="complaints.assigned")
    return assignment


def _transition(actor, complaint, action, *, audit_data=None, **event_data):
    state_before = Complaint.objects.filter(pk=complaint.pk).values_list("state", flat=True)[0]
    _schedule(complaint)
    complaint.save()
    _event(complaint, action, actor, **event_data)
    _audit(actor, f"complaint.{action}", complaint, **(audit_data or {}))
    if complaint.state != state_before:
        # a named reporter who asked for texts gets one (sms.py: no number nor text stored)
        sms.queue(complaint)


@transaction.atomic
def complaint_accept(*, actor, complaint: Complaint) -> Complaint:
    complaint = _lock(complaint)
    _require_lead(actor, complaint)
    _require_state(complaint, State.REGISTERED)
    complaint.state = State.ACCEPTED
    complaint.accepted_on = _today()
    complaint.decision_reason = ""
    _transition(actor, complaint, "accept")
    _office_message(
        complaint, actor, _("您反映的问题已受理（%(ref)s）。") % {"ref": complaint.reference}
    )
    return complaint


@transaction.atomic
def complaint_reject(*, actor, complaint: Complaint, reason: str) -> Complaint:
    complaint = _lock(complaint)
    _require_lead(actor, complaint)
    _require_state(complaint, State.REGISTERED)
    complaint.decision_reason = _text(reason, _("不予受理的理由"), required=True, limit=2000)
    complaint.state = State.REJECTED
    _transition(actor, complaint, "reject")
    _office_message(complaint, actor, _("您反映的问题不予受理。理由：") + complaint.decision_reason)
    return complaint


@transaction.atomic
def complaint_transfer(*, actor, complaint: Complaint, to: str, reason: str = "") -> Complaint:
    complaint = _lock(complaint)
    _require_lead(actor, complaint)
    _require_state(complaint, State.REGISTERED)
    complaint.transferred_to = _text(to, _("转办单位"), required=True, limit=120)
    complaint.decision_reason = _text(reason, _("转办说明"), limit=2000)
    late = _today() > deadlines.transfer_due(complaint)
    complaint.state = State.TRANSFERRED
    _transition(actor, complaint, "transfer", audit_data={"late": late}, late=late)
    _office_message(
        complaint,
        actor,
        _("您反映的问题已转 %(to)s 办理。") % {"to": complaint.transferred_to},
    )
    return complaint


@transaction.atomic
def complaint_handle(*, actor, complaint: Complaint, handling_type: str) -> Complaint:
    """Start (or change) the handling: 谈话函询, 初步核实, 暂存待查 or 予以了结."""
    complaint = _lock(complaint)
    _require_handler(actor, complaint)
    _require_state(complaint, State.ACCEPTED, State.HANDLING)
    if handling_type not in HandlingType.values:
        raise ValidationError({"handling_type": _("请选择处置方式。")})
    complaint.handling_type = handling_type
    complaint.state = State.HANDLING
    _transition(actor, complaint, "handle", audit_data={"handling_type": handling_type})
    return complaint


@transaction.atomic
def complaint_extend(*, actor, complaint: Complaint, reason: str) -> Complaint:
    """Extend a 信访 matter by 30 days, once, with a reason the reporter is told (the lead
    approves it by doing it)."""
    complaint = _lock(complaint)
    _require_lead(actor, complaint)
    _require_state(complaint, State.ACCEPTED, State.HANDLING)
    if not complaint.petition or complaint.extended:
        raise ValidationError(_("只有信访事项可以延期，且只能延期一次。"))
    reason = _text(reason, _("延期理由"), required=True, limit=1000)
    complaint.extended = True
    _transition(actor, complaint, "extend")
    _office_message(complaint, actor, _("办理期限延长 30 日。理由：") + reason)
    return complaint


@transaction.atomic
def complaint_conclude(*, actor, complaint: Complaint, finding: str, conclusion: str) -> Complaint:
    complaint = _lock(complaint)
    _require_handler(actor, complaint)
    _require_state(complaint, State.HANDLING)
    if finding not in Finding.values:
        raise ValidationError({"finding": _("请选择结论。")})
    complaint.finding = finding
    complaint.conclusion = _text(conclusion, _("办理结论"), required=True)
    complaint.state = State.CONCLUDED
    complaint.concluded_on = _today()
    _transition(actor, complaint, "conclude", audit_data={"finding": finding})
    return complaint


@transaction.atomic
def complaint_feedback(*, actor, complaint: Complaint, text: str) -> Complaint:
    """Tell the reporter the result (反馈): a message they read with the receipt."""
    complaint = _lock(complaint)
    _require_handler(actor, complaint)
    _require_state(complaint, State.CONCLUDED)
    text = _text(text, _("反馈内容"), required=True)
    complaint.state = State.FEEDBACK
    complaint.feedback_on = _today()
    _transition(actor, complaint, "feedback")
    _office_message(complaint, actor, text)
    return complaint


@transaction.atomic
def complaint_archive(*, actor, complaint: Complaint) -> Complaint:
    complaint = _lock(complaint)
    _require_lead(actor, complaint)
    _require_state(complaint, State.FEEDBACK, State.REJECTED, State.TRANSFERRED)
    complaint.state = State.ARCHIVED
    complaint.archived_on = _today()
    Assignment.objects.current().filter(complaint=complaint).update(ended_at=timezone.now())
    _transition(actor, complaint, "archive")
    return complaint


def _office_message(complaint: Complaint, actor, body: str) -> Message:
    return Message.objects.create(
        complaint=complaint, author=Message.Author.OFFICE, sender=actor, body=body
    )


@transaction.atomic
def message_send(*, actor, complaint: Complaint, body: str) -> Message:
    """A message (or a question) from the office to the reporter."""
    complaint = _lock(complaint)
    _require_handler(actor, complaint)
    if complaint.state == State.ARCHIVED:
        raise ValidationError(_("该事项已归档。"))
    message = _office_message(complaint, actor, _text(body, _("留言"), required=True))
    _event(complaint, "message", actor)
    _audit(actor, "complaint.message", complaint)
    return message


@transaction.atomic
def note_add(*, actor, complaint: Complaint, body: str) -> Note:
    complaint = _lock(complaint)
    _require_handler(actor, complaint)
    note = Note.objects.create(
        complaint=complaint, author=actor, body=_text(body, _("备注"), required=True)
    )
    _audit(actor, "complaint.note", complaint)
    return note


# The reporter's identity ------------------------------------------------------------------------


@transaction.atomic
def identity_request(*, actor, complaint: Complaint, reason: str) -> IdentityRequest:
    complaint = _lock(complaint)
    _require_handler(actor, complaint)
    if complaint.anonymous:
        raise ValidationError(_("匿名举报没有身份信息。"))
    if IdentityRequest.objects.filter(
        complaint=complaint,
        requester=actor,
        decision__in=(IdentityRequest.Decision.PENDING, IdentityRequest.Decision.APPROVED),
    ).exists():
        raise ValidationError(_("已有待审批或已批准的申请。"))
    request = IdentityRequest.objects.create(
        complaint=complaint,
        requester=actor,
        reason=_text(reason, _("申请理由"), required=True, limit=1000),
    )
    _audit(actor, "complaint.identity_request", complaint, request=request.pk)
    custodians = set(
        Officer.objects.filter(
            organisation_id=complaint.organisation_id, duty=Officer.Duty.CUSTODIAN
        ).values_list("user_id", flat=True)
    )
    _notify(complaint, custodians, kind="complaints.identity_requested")
    return request


@transaction.atomic
def identity_decide(*, actor, request: IdentityRequest, approve: bool) -> IdentityRequest:
    request = (
        IdentityRequest.objects.select_for_update().select_related("complaint").get(pk=request.pk)
    )
    complaint = request.complaint
    if complaint.organisation_id not in duty_org_ids(actor, Officer.Duty.CUSTODIAN):
        raise PermissionDenied
    if actor.pk in recused_user_ids(complaint) or actor.pk == request.requester_id:
        raise PermissionDenied
    if request.decision != IdentityRequest.Decision.PENDING:
        raise ValidationError(_("该申请已经审批。"))
    request.decision = (
        IdentityRequest.Decision.APPROVED if approve else IdentityRequest.Decision.REFUSED
    )
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.save(update_fields=["decision", "decided_by", "decided_at"])
    _audit(
        actor,
        "complaint.identity_decide",
        complaint,
        request=request.pk,
        decision=request.decision,
    )
    _notify(complaint, {request.requester_id}, kind="complaints.identity_decided")
    return request


@transaction.atomic
def identity_reveal(*, actor, complaint: Complaint) -> dict:
    """The reporter's identity for a handler whose request was approved; each reading is an
    audit event."""
    from .selectors import identity_visible

    if not identity_visible(actor, complaint) or actor.pk in recused_user_ids(complaint):
        raise PermissionDenied
    _audit(actor, "complaint.identity_read", complaint)
    return {
        "name": complaint.reporter_name,
        "phone": complaint.reporter_phone,
        "contact": complaint.reporter_contact,
    }


# Officers ----------------------------------------------------------------------------------------


@transaction.atomic
def officer_grant(*, actor, organisation, user, duty: str) -> Officer:
    """The security administrator designates an officer (三员分立: they grant, they never read)."""
    from lianfang.core.roles import Role

    if not any(
        g.role == Role.SECURITY and organisation.path.startswith(g.organisation.path)
        for g in actor.active_grants
    ):
        raise PermissionDenied
    if duty not in Officer.Duty.values:
        raise ValidationError({"duty": _("请选择职责。")})
    if user.has_any_role((Role.ADMIN, Role.SECURITY, Role.AUDITOR)):
        raise ValidationError({"user": _("系统管理员、安全管理员和安全审计员不能办理投诉举报。")})
    officer, created = Officer.objects.get_or_create(
        organisation=organisation, user=user, duty=duty
    )
    if created:
        audit.record(
            actor=actor,
            action="complaint.officer_grant",
            obj=officer,
            after={"user": user.get_username(), "duty": duty},
            organisation=organisation,
        )
    return officer


@transaction.atomic
def officer_revoke(*, actor, officer: Officer) -> None:
    from lianfang.core.roles import Role

    if not any(
        g.role == Role.SECURITY and officer.organisation.path.startswith(g.organisation.path)
        for g in actor.active_grants
    ):
        raise PermissionDenied
    audit.record(
        actor=actor,
        action="complaint.officer_revoke",
        obj=officer,
        before={"user": officer.user.get_username(), "duty": officer.duty},
        organisation=officer.organisation,
    )
    officer.delete()


# Notifications (never to anyone recused) ---------------------------------------------------------


def _notify(complaint: Complaint, user_ids, *, kind: str, key: str = "") -> None:
    from lianfang.core import notifications

    ids = set(user_ids) - recused_user_ids(complaint)
    if not ids:
        return
    from django.urls import reverse

    notifications.notify(
        kind,
        recipients=sorted(ids),
        context={"reference": complaint.reference},
        link=reverse("complaints:detail", args=[complaint.pk]),
        organisation=complaint.organisation,
        key=key,
    )
