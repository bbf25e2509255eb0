"""Models of the complaints module (投诉举报).

What a report says, who the reporter is, the messages, the notes, the reasons given for
access to the identity and the attachments' names and bytes are encrypted at rest
(`crypto.SealedTextField`, `crypto.seal`). What stays in the clear is what handling and
statistics need: the organisation, category, channel, state, dates, finding, and the person
or department concerned when one was picked (for recusal).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .crypto import SealedTextField


class Category(models.TextChoices):
    """The categories of the seed; each organisation chooses which it offers (orgsettings)."""

    KICKBACK = "kickback", _("违规收受红包回扣")
    ETHICS = "ethics", _("医德医风")
    CHARGES = "charges", _("收费问题")
    ATTITUDE = "attitude", _("服务态度")
    CONDUCT = "conduct", _("工作作风")
    MAJOR_DECISION = "major_decision", _("三重一大")
    OTHER = "other", _("其他")


class Channel(models.TextChoices):
    ONLINE = "online", _("网上举报")
    STAFF = "staff", _("内部网上举报")
    LETTER = "letter", _("来信")
    PHONE = "phone", _("来电")
    VISIT = "visit", _("来访")


class State(models.TextChoices):
    REGISTERED = "registered", _("登记")
    ACCEPTED = "accepted", _("受理")
    REJECTED = "rejected", _("不予受理")
    TRANSFERRED = "transferred", _("转办")
    HANDLING = "handling", _("办理")
    CONCLUDED = "concluded", _("办结")
    FEEDBACK = "feedback", _("反馈")
    ARCHIVED = "archived", _("归档")


State.OPEN = (State.REGISTERED, State.ACCEPTED, State.HANDLING, State.CONCLUDED)


class HandlingType(models.TextChoices):
    TALK = "talk", _("谈话函询")
    VERIFY = "verify", _("初步核实")
    SHELVE = "shelve", _("暂存待查")
    CLOSE = "close", _("予以了结")


class Finding(models.TextChoices):
    TRUE = "true", _("属实")
    PARTLY = "partly", _("部分属实")
    FALSE = "false", _("不属实")
    UNVERIFIABLE = "unverifiable", _("无法查实")


class Complaint(models.Model):
    """A complaint or report (投诉举报). `str()` is its reference: never its content."""

    organisation = models.ForeignKey(
        "org.Organisation", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    category = models.CharField(_("类别"), max_length=20, choices=Category.choices)
    anonymous = models.BooleanField(_("匿名"), default=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.REGISTERED
    )
    # The receipt: its first group is a public lookup key; the whole code is kept only as an
    # Argon2 hash (see receipts.py).
    receipt_prefix = models.CharField(max_length=8, db_index=True, editable=False)
    receipt_hash = models.CharField(max_length=200, editable=False)
    received_on = models.DateField(_("收到日期"))
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # Who it is about: free text (sealed) and, when picked, the person or department.
    subject_text = SealedTextField(_("被反映单位、科室或人员"), blank=True, default="")
    subject_person = models.ForeignKey(
        "org.Person",
        verbose_name=_("被反映人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("被反映科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    content = SealedTextField(_("反映的问题"))
    happened_when = SealedTextField(_("发生时间"), blank=True, default="")
    happened_where = SealedTextField(_("发生地点"), blank=True, default="")
    # The reporter (实名 only): sealed, and shown to a handler only through an approved request.
    reporter_name = SealedTextField(_("举报人姓名"), blank=True, default="")
    reporter_phone = SealedTextField(_("举报人电话"), blank=True, default="")
    reporter_contact = SealedTextField(_("其他联系方式"), blank=True, default="")
    sms_opt_in = models.BooleanField(_("状态变化时短信通知"), default=False)
    # Staff who typed in a letter, call or visit (never the reporter of an online report).
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Handling.
    handling_type = models.CharField(
        _("处置方式"), max_length=10, choices=HandlingType.choices, blank=True
    )
    decision_reason = SealedTextField(_("不予受理或转办说明"), blank=True, default="")
    transferred_to = models.CharField(_("转办单位"), max_length=120, blank=True)
    finding = models.CharField(_("结论"), max_length=14, choices=Finding.choices, blank=True)
    conclusion = SealedTextField(_("办理结论"), blank=True, default="")
    petition = models.BooleanField(_("信访事项"), default=False)
    extended = models.BooleanField(_("已延期"), default=False)
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    concluded_on = models.DateField(_("办结日期"), null=True, blank=True)
    feedback_on = models.DateField(_("反馈日期"), null=True, blank=True)
    archived_on = models.DateField(_("归档日期"), null=True, blank=True)
    # The deadline of the current step (None when the step has none).
    due_on = models.DateField(_("期限"), null=True, blank=True, db_index=True)
    escalated_on = models.DateField(_("逾期上报日期"), null=True, blank=True)
    # Content, identity, messages and files deleted at the end of retention (retention.py).
    purged_on = models.DateField(_("内容清除日期"), null=True, blank=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["organisation", "state"])]
        verbose_name = _("投诉举报")
        verbose_name_plural = _("投诉举报")

    def __str__(self):
        return self.reference

    @property
    def reference(self) -> str:
        return f"TS{self.received_on:%Y}-{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.state in State.OPEN


class Exclusion(models.Model):
    """A person the reporter asked not to handle the report (请勿由以下人员处理)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="exclusions")
    person = models.ForeignKey("org.Person", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "person"], name="complaints_exclusion_once"
            )
        ]

    def __str__(self):
        return f"{self.complaint} #{self.pk}"


class Officer(models.Model):
    """Who may touch complaints in an organisation: the office lead (assigns, reads for
    assignment), the custodian (decides identity requests) and handlers (read what they are
    assigned). Designated by the security administrator (三员分立): no platform role, the
    system administrator's included, reads a report by virtue of its role."""

    class Duty(models.TextChoices):
        LEAD = "lead", _("办公室负责人")
        CUSTODIAN = "custodian", _("身份信息保管人")
        HANDLER = "handler", _("承办人")

    organisation = models.ForeignKey(
        "org.Organisation", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="complaint_duties",
    )
    duty = models.CharField(_("职责"), max_length=10, choices=Duty.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation_id", "duty", "user_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "user", "duty"], name="complaints_officer_once"
            )
        ]
        verbose_name = _("投诉举报办理人员")
        verbose_name_plural = _("投诉举报办理人员")

    def __str__(self):
        return f"{self.user} · {self.get_duty_display()}"


class AssignmentQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_at__isnull=True)


class Assignment(models.Model):
    """A handler assigned to a complaint by the office lead, until reassigned."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="assignments")
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["assigned_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "handler"],
                condition=Q(ended_at__isnull=True),
                name="complaints_assignment_open_once",
            )
        ]

    def __str__(self):
        return f"{self.complaint} #{self.pk}"


class Message(models.Model):
    """A message between the office and the reporter (the reporter reads these)."""

    class Author(models.TextChoices):
        REPORTER = "reporter", _("举报人")
        OFFICE = "office", _("办理人员")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="messages")
    author = models.CharField(_("发送方"), max_length=10, choices=Author.choices)
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = SealedTextField(_("内容"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.complaint} #{self.pk}"


class Note(models.Model):
    """An internal note: handlers only, never the reporter."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = SealedTextField(_("内容"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.complaint} #{self.pk}"


class IdentityRequest(models.Model):
    """A handler's request to see the reporter's identity, decided by a custodian."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REFUSED = "refused", _("已拒绝")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="identity_requests"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = SealedTextField(_("理由"))
    decision = models.CharField(
        _("审批"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.complaint} #{self.pk}"


EVENT_LABELS = {
    "filed": _("登记"),
    "assigned": _("指派承办人"),
    "accept": _("受理"),
    "reject": _("不予受理"),
    "transfer": _("转办"),
    "handle": _("确定处置方式"),
    "extend": _("延长期限"),
    "conclude": _("办结"),
    "feedback": _("反馈"),
    "archive": _("归档"),
    "message": _("向举报人留言"),
    "reporter_replied": _("举报人留言或补充材料"),
    "escalated": _("逾期上报"),
    "purged": _("保存期满，内容已清除"),
}


class Event(models.Model):
    """The complaint's history (state changes, assignments, deadlines): content-free."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.complaint} #{self.pk}"

    @property
    def label(self):
        return EVENT_LABELS.get(self.type, self.type)


class File(models.Model):
    """Material attached to a complaint. Bytes are sealed (crypto.seal) and kept in the
    platform's file store (core.attachments.store_content); the original is kept as
    evidence and, for an image, a copy without metadata is offered beside it."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="files")
    name = SealedTextField(_("文件名"))
    mime_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    original_path = models.CharField(max_length=200, editable=False)
    clean_path = models.CharField(max_length=200, blank=True, editable=False)
    from_reporter = models.BooleanField(default=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.complaint} #{self.pk}"


class ReporterSms(models.Model):
    """A text message to a named reporter who opted in, when their report changes state.

    Neither the number nor the text is stored here: the number stays sealed on the report
    (`reporter_phone`) and is unsealed only to hand it to the SMS backend (core.sms); the text
    is made from `state` when sent. No handler or administrator page lists these rows, and
    `last_error` keeps the error's type only (a gateway may echo the number back)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        RETRYING = "retrying", _("等待重试")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="sms")
    state = models.CharField(max_length=12, choices=State.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.complaint} #{self.pk}"
