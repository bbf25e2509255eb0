"""Patient satisfaction (患者满意度): questionnaires as data, one-time tokens, answers.

A questionnaire is versioned: a new wording is a new row (same code, next version) and every
answer keeps the version it answered. Item scores live on the answer (a small JSON object
keyed by item key) beside the answer's means per dimension, so results aggregate in SQL
without a row per item. No IP address or user agent is ever stored with an answer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

SCALE = (1, 2, 3, 4, 5)


class Dimension(models.TextChoices):
    CARE = "care", _("诊疗满意度")
    SERVICE = "service", _("服务满意度")


class Questionnaire(models.Model):
    organisation = models.ForeignKey(
        "org.Organisation", on_delete=models.CASCADE, related_name="questionnaires"
    )
    code = models.SlugField(_("编码"), max_length=40)
    version = models.PositiveIntegerField(_("版本"))
    title = models.CharField(_("名称"), max_length=120)
    intro = models.TextField(_("说明"), blank=True)
    library_urn = models.CharField(_("标准库标识"), max_length=200, blank=True)
    active = models.BooleanField(_("在用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("满意度问卷")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code", "version"], name="sat_questionnaire_version"
            ),
            # One version of a code is in use at a time.
            models.UniqueConstraint(
                fields=["organisation", "code"],
                condition=Q(active=True),
                name="sat_questionnaire_one_active",
            ),
        ]
        ordering = ["organisation_id", "code", "-version"]

    def __str__(self):
        return f"{self.title} v{self.version}"


class Item(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    key = models.SlugField(_("条目代码"), max_length=40)
    dimension = models.CharField(_("维度"), max_length=10, choices=Dimension.choices)
    text = models.CharField(_("题目"), max_length=200)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("问卷条目")
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="sat_item_key")
        ]
        ordering = ["questionnaire_id", "order", "pk"]

    def __str__(self):
        return self.text


class Token(models.Model):
    """A one-time answer code (评价码). Only its SHA-256 is kept; `visit_digest` is a keyed
    hash of the HIS visit number, so a repeated request for one visit gives the same code."""

    class Source(models.TextChoices):
        HIS = "his", _("HIS 发放")
        SLIP = "slip", _("打印凭条")

    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey("org.Department", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=64, unique=True)
    visit_digest = models.CharField(max_length=64, blank=True)
    source = models.CharField(_("来源"), max_length=8, choices=Source.choices)
    issued_at = models.DateTimeField(_("发放时间"), db_index=True)
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("评价码")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "visit_digest"],
                condition=~Q(visit_digest=""),
                name="sat_token_one_per_visit",
            )
        ]

    def __str__(self):
        return f"{self.department_id}:{self.issued_at:%Y-%m-%d}"


class AnswerQuerySet(models.QuerySet):
    def counted(self):
        return self.filter(flagged=False)


class Review(models.TextChoices):
    """The integrity office's decision on a flagged answer (存疑评价核查)."""

    PENDING = "", _("待核查")
    CLEARED = "cleared", _("已解除存疑")
    CONFIRMED = "confirmed", _("确认存疑")


class Answer(models.Model):
    """One patient's answer. `tokened` answers came with a one-time code (the token is unique
    here, so a code answers once even under concurrent submits); the others came from the
    poster and are weighted as such in the results. Flags mark suspected stuffing; a flagged
    answer is kept and listed for the integrity office, never deleted."""

    organisation = models.ForeignKey("org.Organisation", on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, related_name="satisfaction_answers"
    )
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("医务人员"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="satisfaction_answers",
    )
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    # A token goes only with its department, and the department's answers with it.
    token = models.OneToOneField(
        Token, on_delete=models.CASCADE, null=True, blank=True, related_name="answer"
    )
    tokened = models.BooleanField(_("凭评价码"), default=False)
    submitted_at = models.DateTimeField(_("提交时间"), db_index=True)
    scores = models.JSONField(_("各题得分"), default=dict)
    care = models.FloatField(_("诊疗满意度"), null=True)
    service = models.FloatField(_("服务满意度"), null=True)
    score = models.FloatField(_("总体得分"))
    pattern = models.CharField(max_length=64, db_index=True)  # the scores and comment, hashed
    comment = models.TextField(_("意见建议"), blank=True)
    burst = models.BooleanField(_("短时集中提交"), default=False)
    identical = models.BooleanField(_("答案雷同"), default=False)
    off_hours = models.BooleanField(_("非服务时间提交"), default=False)
    flagged = models.BooleanField(_("存疑"), default=False, db_index=True)
    # The office's review of the flags: cleared, the answer counts with its weight (its flags
    # stay as the record of why it was looked at, and new ones do not flag it again);
    # confirmed, it stays out of the results.
    review = models.CharField(
        _("核查结论"), max_length=10, choices=Review.choices, blank=True, default=""
    )
    review_reason = models.CharField(_("核查说明"), max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("核查人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    objects = AnswerQuerySet.as_manager()

    class Meta:
        verbose_name = _("满意度评价")
        indexes = [
            models.Index(fields=["department", "submitted_at"], name="sat_answer_dept_time"),
            models.Index(fields=["organisation", "submitted_at"], name="sat_answer_org_time"),
        ]

    def __str__(self):
        return f"{self.department_id}:{self.submitted_at:%Y-%m-%d %H:%M}"

    @property
    def flag_labels(self) -> list[str]:
        return [
            str(Answer._meta.get_field(name).verbose_name)
            for name in ("burst", "identical", "off_hours")
            if getattr(self, name)
        ]
