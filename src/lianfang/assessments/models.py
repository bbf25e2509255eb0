"""Models of the assessments module (廉政评估): an assessment of a person or a department by the
integrity office, the evidence it cites, its numbered notices (评估通知书), the rectifications
(整改) the assessed party submits and the assessment's timeline."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lianfang.core.models import WarningLevel


class Measure(models.TextChoices):
    """The measures a notice orders (评估通知书的处置措施)."""

    REMINDER_TALK = "reminder_talk", _("提醒谈话")
    ADMONITION_TALK = "admonition_talk", _("诫勉谈话")
    CRITICISM = "criticism", _("通报批评")
    RECTIFY = "rectify", _("责令限期整改")


TALKS = (Measure.REMINDER_TALK, Measure.ADMONITION_TALK)


class Assessment(models.Model):
    """The integrity office's conclusion on a person or a department (exactly one of the two):
    提示, 预警 or 亮牌, with its grounds and the records it cites."""

    class Subject(models.TextChoices):
        PERSON = "person", _("个人")
        DEPARTMENT = "department", _("部门")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        ISSUED = "issued", _("待整改")
        SUBMITTED = "submitted", _("整改待审")
        RETURNED = "returned", _("整改退回")
        ACCEPTED = "accepted", _("整改通过")

    organisation = models.ForeignKey(
        "org.Organisation", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("评估对象"), max_length=12, choices=Subject.choices)
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("被评估人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("被评估部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessments",
    )
    level = models.PositiveSmallIntegerField(_("评估结论"), choices=WarningLevel.choices)
    initial_level = models.PositiveSmallIntegerField(_("初始结论"), choices=WarningLevel.choices)
    grounds = models.TextField(_("结论依据"))
    measures = models.JSONField(_("处置措施"), default=list)
    requirements = models.TextField(_("整改要求"))
    talk_on = models.DateField(_("谈话日期"), null=True, blank=True)
    reply_days = models.PositiveSmallIntegerField(_("回复期限(工作日)"), default=5)
    # when the party's (next) rectification is due: the notice's reply deadline, or after a
    # return the redo's
    due_on = models.DateField(_("整改期限"), null=True, blank=True, db_index=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    # failed rectifications at the current level: the second raises the level (and resets it)
    failures = models.PositiveSmallIntegerField(_("整改未通过次数"), default=0)
    risk_points = models.ManyToManyField(
        "risks.RiskPoint", verbose_name=_("风险点"), related_name="assessments", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("廉政评估")
        verbose_name_plural = _("廉政评估")
        constraints = [
            models.CheckConstraint(
                name="assessment_one_party",
                condition=(
                    Q(subject="person", person__isnull=False, department__isnull=True)
                    | Q(subject="department", person__isnull=True, department__isnull=False)
                ),
            )
        ]
        indexes = [models.Index(fields=["organisation", "level", "status"])]

    def __str__(self):
        return f"{self.party} · {self.get_level_display()}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("assessments:detail", args=[self.pk])

    @property
    def party(self):
        return self.person if self.subject == self.Subject.PERSON else self.department

    @property
    def is_open(self) -> bool:
        return self.status in (self.Status.ISSUED, self.Status.SUBMITTED, self.Status.RETURNED)

    def measure_labels(self) -> list[str]:
        return [str(Measure(code).label) for code in self.measures if code in Measure.values]


class Evidence(models.Model):
    """A record an assessment cites (its 依据): an overdue measure, an overdue review of a risk
    point, a complaint found true, a warning, or an audit finding the office typed. `text` is
    the record as it was when cited; a complaint is cited by its number and conclusion only."""

    class Kind(models.TextChoices):
        MEASURE_OVERDUE = "measure_overdue", _("防控措施逾期未落实")
        REVIEW_OVERDUE = "review_overdue", _("风险点复核逾期")
        COMPLAINT = "complaint", _("投诉举报属实")
        WARNING = "warning", _("预警")
        AUDIT_FINDING = "audit_finding", _("审计发现")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    measure = models.ForeignKey(
        "risks.Measure", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    risk_point = models.ForeignKey(
        "risks.RiskPoint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    warning = models.ForeignKey(
        "core.Warning", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.CharField(_("依据"), max_length=500)

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("评估依据")
        verbose_name_plural = _("评估依据")

    def __str__(self):
        return self.text


class NoticeCounter(models.Model):
    """The last notice number of an organisation in a year; locked while a number is taken so
    the numbers run without gaps."""

    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="notice_counter_once")
        ]

    def __str__(self):
        return f"{self.year}: {self.last}"


class Notice(models.Model):
    """An 评估通知书: numbered per organisation and year; an escalation issues a new one."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="notices")
    organisation = models.ForeignKey("org.Organisation", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    seq = models.PositiveIntegerField(_("序号"))
    level = models.PositiveSmallIntegerField(_("评估结论"), choices=WarningLevel.choices)
    issued_at = models.DateTimeField(_("下达时间"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reply_due = models.DateField(_("回复期限"))
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("评估通知书")
        verbose_name_plural = _("评估通知书")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "seq"], name="notice_number_once"
            )
        ]

    def __str__(self):
        return self.number

    @property
    def number(self) -> str:
        return f"廉评〔{self.year}〕{self.seq}号"


class Rectification(models.Model):
    """A rectification (整改) the assessed party submits against a notice."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("待审")
        ACCEPTED = "accepted", _("通过")
        RETURNED = "returned", _("退回")

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="rectifications"
    )
    # RESTRICT, not PROTECT: a notice answered by a rectification is never deleted alone, but
    # deleting the assessment (the demo reset) takes both
    notice = models.ForeignKey(Notice, on_delete=models.RESTRICT, related_name="rectifications")
    cause = models.TextField(_("原因分析"))
    rule_changes = models.TextField(_("制度修订"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    reason = models.TextField(_("退回理由"), blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("整改")
        verbose_name_plural = _("整改")

    def __str__(self):
        return f"{self.assessment_id} · {self.get_status_display()}"


class RectificationMeasure(models.Model):
    """A measure of a rectification, owned by a person XOR a department, with its date; once the
    rectification is accepted it becomes a measure of the register (`register_measure`)."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="measures"
    )
    text = models.TextField(_("整改措施"))
    owner_person = models.ForeignKey(
        "org.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    owner_department = models.ForeignKey(
        "org.Department", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField(_("完成时限"))
    register_measure = models.ForeignKey(
        "risks.Measure", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                name="rectification_measure_one_owner",
                condition=(
                    Q(owner_person__isnull=False, owner_department__isnull=True)
                    | Q(owner_person__isnull=True, owner_department__isnull=False)
                ),
            )
        ]

    def __str__(self):
        return self.text[:40]

    @property
    def owner(self):
        return self.owner_person or self.owner_department


class AssessmentEvent(models.Model):
    """A step of an assessment, for its timeline and the person's and department's."""

    class Type(models.TextChoices):
        CREATED = "created", _("立项评估")
        ISSUED = "issued", _("下达通知书")
        SIGNED = "signed", _("签收通知书")
        SUBMITTED = "submitted", _("提交整改")
        ACCEPTED = "accepted", _("整改通过")
        RETURNED = "returned", _("整改退回")
        ESCALATED = "escalated", _("结论升级")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(_("类型"), max_length=12, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("评估记录")
        verbose_name_plural = _("评估记录")

    def __str__(self):
        return self.get_type_display()
