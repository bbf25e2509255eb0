"""The risk register: risk points, their measures, grading schemes and history."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    ONE = 1, _("一级")
    TWO = 2, _("二级")
    THREE = 3, _("三级")


# 一级/二级/三级 shown as 高/中/低 in red, orange and blue.
LEVEL_SHORT = {1: _("高"), 2: _("中"), 3: _("低")}
LEVEL_COLOURS = {1: "#c0392b", 2: "#e67e22", 3: "#2e86de"}


def level_label(level):
    """一级（高）, 二级（中）, 三级（低）; "Level 1 (high)" in English. Lazy, so it can sit in
    choices built at import time."""
    return format_lazy(_("{level}（{short}）"), level=Level(level).label, short=LEVEL_SHORT[level])


class Category(models.TextChoices):
    IDEOLOGICAL_MORAL = "ideological_moral", _("思想道德风险")
    POST_DUTY = "post_duty", _("岗位职责风险")
    SYSTEM_MECHANISM = "system_mechanism", _("制度机制风险")
    BUSINESS_PROCESS = "business_process", _("业务流程风险")
    EXTERNAL = "external", _("外部环境风险")


class MonitorRole(models.TextChoices):
    PRINCIPAL_LEADER = "principal_leader", _("单位主要负责人")
    LEADER_IN_CHARGE = "leader_in_charge", _("分管领导")
    INTEGRITY_OFFICE = "integrity_office", _("纪检监察部门")
    DEPARTMENT_HEAD = "department_head", _("部门负责人")


class GradingSchemeQuerySet(models.QuerySet):
    def active(self):
        """The schemes in force, at most one per organisation (a constraint)."""
        return self.filter(active=True)


class GradingScheme(models.Model):
    """How an organisation grades its risk points, stored as data.

    - matrix: `grid[likelihood-1][harm-1]` is the level, on a `matrix_size`² grid;
    - matter: `matter_levels[matter_kind]` is the level;
    - criteria: `criteria_levels` is a list of [minimum criteria met, level], highest first.
    `monitors` and `review_days` map a level ("1", "2", "3") to monitor roles and a review interval.
    """

    class Method(models.TextChoices):
        MATRIX = "matrix", _("可能性×危害程度矩阵")
        MATTER = "matter", _("按事项性质")
        CRITERIA = "criteria", _("按符合条件数")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="grading_schemes",
    )
    name = models.CharField(_("名称"), max_length=80)
    method = models.CharField(_("定级方法"), max_length=10, choices=Method.choices)
    matrix_size = models.PositiveSmallIntegerField(_("矩阵阶数"), default=3)
    grid = models.JSONField(_("矩阵"), default=list, blank=True)
    matter_levels = models.JSONField(_("事项等级"), default=dict, blank=True)
    criteria_levels = models.JSONField(_("条件数等级"), default=list, blank=True)
    monitors = models.JSONField(_("各级监控人"), default=dict)
    review_days = models.JSONField(_("复核周期(天)"), default=dict)
    active = models.BooleanField(_("启用"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = GradingSchemeQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id", "-active", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation"],
                condition=Q(active=True),
                name="risks_one_active_scheme_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(matrix_size__in=[3, 4, 5]), name="risks_scheme_matrix_size"
            ),
        ]
        verbose_name = _("定级方案")
        verbose_name_plural = _("定级方案")

    def __str__(self):
        return self.name


class RiskPointQuerySet(models.QuerySet):
    def in_use(self):
        """Risk points in use (在用): drafts and filed ones, not the retired."""
        return self.exclude(status=RiskPoint.Status.RETIRED)


class RiskPoint(models.Model):
    """An integrity risk point (廉政风险点) of a post, a department or a unit, on a power."""

    class Subject(models.TextChoices):
        POST = "post", _("岗位")
        DEPARTMENT = "department", _("科室")
        UNIT = "unit", _("单位")

    class Source(models.TextChoices):
        SELF = "self", _("自己找")
        PEERS = "peers", _("大家提")
        LEADER = "leader", _("领导点")
        ORGANISATION = "organisation", _("组织审")
        LIBRARY = "library", _("标准库")
        INCIDENT = "incident", _("案件反馈")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        FILED = "filed", _("已备案")
        RETIRED = "retired", _("已停用")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="risk_points",
    )
    subject = models.CharField(_("对象"), max_length=12, choices=Subject.choices)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_points",
    )
    post = models.ForeignKey(
        "org.Post",
        verbose_name=_("岗位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_points",
    )
    power = models.ForeignKey(
        "org.Power",
        verbose_name=_("权力事项"),
        on_delete=models.PROTECT,
        related_name="risk_points",
    )
    step = models.ForeignKey(
        "org.PowerStep",
        verbose_name=_("流程环节"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="risk_points",
    )
    category = models.CharField(_("风险类别"), max_length=20, choices=Category.choices)
    name = models.CharField(_("风险点"), max_length=200)
    manifestation = models.TextField(_("表现形式"))
    likelihood = models.PositiveSmallIntegerField(_("可能性"), null=True, blank=True)
    harm = models.PositiveSmallIntegerField(_("危害程度"), null=True, blank=True)
    matter_kind = models.CharField(_("事项性质"), max_length=30, blank=True)
    criteria = models.JSONField(_("符合条件"), default=list, blank=True)
    level = models.PositiveSmallIntegerField(
        _("风险等级"), choices=Level.choices, null=True, blank=True, db_index=True
    )
    # Set by hand (with a reason) rather than by the scheme: kept until the scores change.
    level_manual = models.BooleanField(_("人工定级"), default=False)
    source = models.CharField(_("来源"), max_length=12, choices=Source.choices, default=Source.SELF)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    last_reviewed = models.DateField(_("最近复核"), null=True, blank=True)
    review_due = models.DateField(_("下次复核"), null=True, blank=True, db_index=True)
    library_urn = models.CharField(_("标准库标识"), max_length=200, blank=True, db_index=True)
    library_version = models.PositiveIntegerField(_("标准库版本"), null=True, blank=True)
    # Whose draft it is: who registered it (the actor of its CREATED event). Empty for a point
    # of the department or the organisation (imported from a library, or from before authors
    # were kept): its department's head files it, or the integrity office for a unit's point.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("编写人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="authored_risk_points",
    )
    # How many times a reviewer returned its filing or its change (退回次数).
    return_count = models.PositiveIntegerField(_("退回次数"), default=0)
    # Set by the services (not auto_now), so a history loaded as of past dates keeps its times.
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now, editable=False)
    # Its filings and change requests through the review chain (reviews.Submission).
    submissions = GenericRelation("reviews.Submission", related_query_name="risk_point")

    objects = RiskPointQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id", "level", "id"]
        indexes = [
            # covers the register's aggregates, each an index-only scan: the summary by level
            # with the overdue reviews (selectors.level_counts, grouped in index order), the
            # counts by department and the likelihood × harm heat map of the charts page
            models.Index(
                fields=[
                    "organisation",
                    "status",
                    "level",
                    "review_due",
                    "department",
                    "likelihood",
                    "harm",
                ],
                name="risks_point_summary_idx",
            ),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["post", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(subject="post") | Q(post__isnull=False),
                name="risks_riskpoint_post_subject_has_post",
            ),
            models.CheckConstraint(
                condition=~Q(subject="department") | Q(department__isnull=False),
                name="risks_riskpoint_department_subject_has_department",
            ),
            models.CheckConstraint(
                condition=(Q(likelihood__isnull=True) | Q(likelihood__gte=1, likelihood__lte=5))
                & (Q(harm__isnull=True) | Q(harm__gte=1, harm__lte=5)),
                name="risks_riskpoint_scores_in_range",
            ),
        ]
        verbose_name = _("廉政风险点")
        verbose_name_plural = _("廉政风险点")

    def __str__(self):
        return self.name

    @property
    def score(self) -> int | None:
        """风险值 D = L × C."""
        if self.likelihood and self.harm:
            return self.likelihood * self.harm
        return None


class MeasureQuerySet(models.QuerySet):
    def overdue(self, today=None):
        """Measures still planned after their due date."""
        today = today or timezone.localdate()
        return self.filter(status=Measure.Status.PLANNED, due__lt=today)


class Measure(models.Model):
    """A prevention and control measure (防控措施); one measure can cover several risk points.

    Its owner is a person or a department: exactly one of the two (a database constraint).
    """

    class Status(models.TextChoices):
        PLANNED = "planned", _("计划中")
        IN_PLACE = "in_place", _("已落实")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="measures",
    )
    text = models.TextField(_("防控措施"))
    owner_person = models.ForeignKey(
        "org.Person",
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    owner_department = models.ForeignKey(
        "org.Department",
        verbose_name=_("责任部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="measures",
    )
    due = models.DateField(_("完成时限"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    # Progress: when the measure was put in place and the evidence of it (what was done,
    # where the record is), recorded by its owner or the department head.
    done_on = models.DateField(_("落实日期"), null=True, blank=True)
    evidence = models.TextField(_("落实情况"), blank=True)
    risk_points = models.ManyToManyField(
        RiskPoint, verbose_name=_("风险点"), related_name="measures", blank=True
    )
    library_urn = models.CharField(_("标准库标识"), max_length=200, blank=True, db_index=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["organisation_id", "id"]
        indexes = [models.Index(fields=["organisation", "status", "due"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_person__isnull=False) & Q(owner_department__isnull=True))
                | (Q(owner_person__isnull=True) & Q(owner_department__isnull=False)),
                name="risks_measure_one_owner",
            ),
        ]
        verbose_name = _("防控措施")
        verbose_name_plural = _("防控措施")

    def __str__(self):
        return self.text[:40]

    @property
    def owner(self):
        return self.owner_person or self.owner_department

    def is_overdue(self, today=None) -> bool:
        """Planned and past its due date (a measure without one is never overdue)."""
        today = today or timezone.localdate()
        return self.status == self.Status.PLANNED and self.due is not None and self.due < today


class RiskPointEvent(models.Model):
    """One entry of a risk point's timeline: who changed what, from what to what, and why."""

    class Type(models.TextChoices):
        CREATED = "created", _("创建")
        UPDATED = "updated", _("修改")
        FILED = "filed", _("备案")
        REGRADED = "regraded", _("调整等级")
        REVIEWED = "reviewed", _("复核")
        RETIRED = "retired", _("停用")
        IMPORTED = "imported", _("导入")
        MEASURE_LINKED = "measure_linked", _("关联措施")
        MEASURE_UNLINKED = "measure_unlinked", _("解除措施")
        # The review chain (reviews): filing and changes go through it.
        SUBMITTED = "submitted", _("提交备案审核")
        APPROVED = "approved", _("审核通过")
        RETURNED = "returned", _("退回")
        SKIPPED = "review_skipped", _("跳过审核环节")
        CHANGE_REQUESTED = "change_requested", _("请求变更")
        FILED_DIRECTLY = "filed_directly", _("直接备案")

    risk_point = models.ForeignKey(
        RiskPoint, verbose_name=_("风险点"), on_delete=models.CASCADE, related_name="events"
    )
    type = models.CharField(_("类型"), max_length=20, choices=Type.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True)  # {field: [old, new]}
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        ordering = ["risk_point_id", "-at", "-id"]
        verbose_name = _("风险点记录")
        verbose_name_plural = _("风险点记录")

    def __str__(self):
        return f"{self.risk_point_id} {self.type}"


class GenericPhrase(models.Model):
    """A phrase marking a filing as vague (查不准的不能过关); global when organisation is empty.

    Two lists: phrases of risk points (a point's texts and its measures' texts must not
    contain them) and generic verbs of measures (a measure using one must say when and how
    it is checked, `vagueness.measure_problems`)."""

    class Kind(models.TextChoices):
        POINT = "point", _("风险点")
        MEASURE = "measure", _("防控措施")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="generic_phrases",
    )
    kind = models.CharField(_("适用于"), max_length=10, choices=Kind.choices, default=Kind.POINT)
    phrase = models.CharField(_("空泛表述"), max_length=60)
    reason = models.CharField(_("说明"), max_length=200, blank=True)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "phrase"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "phrase"], name="risks_generic_phrase_unique"
            )
        ]
        verbose_name = _("空泛表述")
        verbose_name_plural = _("空泛表述")

    def __str__(self):
        return self.phrase
