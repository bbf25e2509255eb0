"""The review chain's nouns: an organisation's chain setting, a submission of a subject (any
model: a risk point, later a campaign's return) and the decisions taken on it, level by level.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    """The levels of a chain, in the order a submission climbs them."""

    DEPARTMENT_HEAD = "department_head", _("部门负责人")
    LEADER_IN_CHARGE = "leader_in_charge", _("分管领导")
    INTEGRITY_OFFICE = "integrity_office", _("纪检监察部门")


# The order of the levels; the integrity office is always the last (it files), the others
# are switched on or off per organisation.
ORDER = (Level.DEPARTMENT_HEAD, Level.LEADER_IN_CHARGE, Level.INTEGRITY_OFFICE)
OPTIONAL = (Level.DEPARTMENT_HEAD, Level.LEADER_IN_CHARGE)
# The chain of an organisation that has none of its own nor an ancestor with one.
DEFAULT_LEVELS = (Level.DEPARTMENT_HEAD, Level.INTEGRITY_OFFICE)


class ChainSetting(models.Model):
    """Which optional levels an organisation's chain has. Organisations below it without a
    setting of their own follow it (the nearest ancestor's setting applies)."""

    organisation = models.OneToOneField(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="review_chain",
    )
    department_head = models.BooleanField(_("部门负责人审核"), default=True)
    leader_in_charge = models.BooleanField(_("分管领导审核"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审核流程设置")
        verbose_name_plural = _("审核流程设置")

    def __str__(self):
        return str(self.organisation)

    @property
    def levels(self) -> tuple[str, ...]:
        on = {
            Level.DEPARTMENT_HEAD: self.department_head,
            Level.LEADER_IN_CHARGE: self.leader_in_charge,
        }
        return tuple(level for level in ORDER if on.get(level, True))


class SubmissionQuerySet(models.QuerySet):
    def open(self):
        """Submissions waiting for a decision (at most one per subject: a constraint)."""
        return self.filter(state=Submission.State.OPEN)

    def of(self, subject):
        """The submissions of `subject` (a saved model instance)."""
        return self.filter(
            content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
        )


class Submission(models.Model):
    """A subject submitted for review: to be filed (备案) or changed (变更).

    `level` is the level it waits at while open. `content` is what was submitted, as the
    subject's module shows it (for a change, the subject as it would be once changed); two
    equal contents are the same version (`unchanged`: equal to the last decided one).
    `proposed` holds a change's new values, applied by the subject's module at approval.
    """

    class Kind(models.TextChoices):
        FILE = "file", _("备案")
        CHANGE = "change", _("变更")

    class State(models.TextChoices):
        OPEN = "open", _("审核中")
        APPROVED = "approved", _("已通过")
        RETURNED = "returned", _("已退回")
        CLOSED = "closed", _("已关闭")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    level = models.CharField(_("审核环节"), max_length=20, choices=Level.choices, blank=True)
    # The levels the organisation's chain had when submitted (the integrity office always).
    levels = models.JSONField(_("审核流程"), default=list)
    # Whose integrity office reviews, once the submission reaches that level.
    office = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("审核的纪检监察部门所属单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编写人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    content = models.JSONField(_("提交内容"), default=dict)
    proposed = models.JSONField(_("变更内容"), default=dict, blank=True)
    reason = models.TextField(_("理由"), blank=True)
    unchanged = models.BooleanField(_("与上次审核的版本相同"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(state="open"),
                name="reviews_one_open_submission_per_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id", "state"]),
            models.Index(fields=["state", "level", "department"]),
            models.Index(fields=["state", "level", "office"]),
        ]
        verbose_name = _("审核申请")
        verbose_name_plural = _("审核申请")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"


class Decision(models.Model):
    """What happened to a submission at one level: approved, returned, skipped (by the chain,
    `actor` empty, or by the integrity office) or closed without a decision."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", _("通过")
        RETURNED = "returned", _("退回")
        SKIPPED = "skipped", _("跳过")
        CLOSED = "closed", _("关闭")

    class Why(models.TextChoices):
        """Why a level was skipped or a submission closed."""

        OFF = "off", _("本单位审核流程不含此级")
        NO_DEPARTMENT = "no_department", _("不属于科室，无此级审核")
        NOBODY = "nobody", _("此级无人可审核")
        OWN = "own", _("此级审核人即提交人或编写人，不得审核本人的提交，转下一级")
        OFFICE = "office", _("纪检监察部门决定跳过")
        FILED_DIRECTLY = "filed_directly", _("纪检监察部门直接备案")
        FILED_BY_IMPORT = "filed_by_import", _("已通过导入备案")
        RETIRED = "retired", _("风险点已停用")

    submission = models.ForeignKey(
        Submission, verbose_name=_("审核申请"), on_delete=models.CASCADE, related_name="decisions"
    )
    level = models.CharField(_("审核环节"), max_length=20, choices=Level.choices, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices)
    why = models.CharField(_("原因代码"), max_length=20, choices=Why.choices, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("意见或原因"), blank=True)
    at = models.DateTimeField(_("时间"))

    class Meta:
        ordering = ["submission_id", "at", "id"]
        verbose_name = _("审核记录")
        verbose_name_plural = _("审核记录")

    def __str__(self):
        return f"{self.submission_id} {self.level} {self.outcome}"
