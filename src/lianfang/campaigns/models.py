"""Models of the investigation campaigns module (风险排查).

A campaign is an organisation's yearly investigation: its scope (the whole unit or chosen
departments), its five phases with dates, and the bottom-up order (the leadership files after
the departments). Opening it gives every person (per post held) and every department in
scope a task; each task follows its filings through the register's review chain, and the
risk points it files or re-confirms are linked to it (`CampaignPoint`).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Phase(models.TextChoices):
    """The phases of a campaign, in order (篇一 to 篇六's method)."""

    MOBILISE = "mobilise", _("动员部署")
    FIND = "find", _("查找风险")
    FILE = "file", _("评估定级与备案")
    MEASURES = "measures", _("制定措施")
    INSPECT = "inspect", _("监督检查")


PHASE_ORDER = tuple(Phase.values)


class Campaign(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    class Scope(models.TextChoices):
        WHOLE = "whole", _("全单位")
        DEPARTMENTS = "departments", _("指定科室")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    name = models.CharField(_("名称"), max_length=120)
    year = models.PositiveSmallIntegerField(_("年度"))
    scope = models.CharField(_("范围"), max_length=12, choices=Scope.choices, default=Scope.WHOLE)
    departments = models.ManyToManyField(
        "org.Department", verbose_name=_("排查科室"), blank=True, related_name="+"
    )
    # The bottom-up order: a leader files after the departments they are in charge of.
    leaders_after_departments = models.BooleanField(
        _("领导班子在所分管科室备案后填报"), default=True
    )
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一轮排查"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    opened_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    task_count = models.PositiveIntegerField(_("任务数"), default=0)
    summary = models.JSONField(_("总结"), default=dict, blank=True)

    class Meta:
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "name"], name="campaigns_unique_name_per_year"
            ),
        ]
        verbose_name = _("风险排查")
        verbose_name_plural = _("风险排查")

    def __str__(self):
        return self.name


class CampaignPhase(models.Model):
    campaign = models.ForeignKey(
        Campaign, verbose_name=_("风险排查"), on_delete=models.CASCADE, related_name="phases"
    )
    phase = models.CharField(_("阶段"), max_length=12, choices=Phase.choices)
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    class Meta:
        ordering = ["campaign_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phase"], name="campaigns_one_phase"),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="campaigns_phase_dates"
            ),
        ]
        verbose_name = _("排查阶段")
        verbose_name_plural = _("排查阶段")

    def __str__(self):
        return f"{self.get_phase_display()} {self.start}–{self.end}"


class CampaignTask(models.Model):
    """One person's filing for one post they hold, or one department's own filing."""

    class Kind(models.TextChoices):
        PERSON = "person", _("个人")
        DEPARTMENT = "department", _("科室")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("未开始")
        DRAFTING = "drafting", _("填报中")
        IN_REVIEW = "in_review", _("审核中")
        RETURNED = "returned", _("已退回")
        FILED = "filed", _("已备案")

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("风险排查"), on_delete=models.CASCADE, related_name="tasks"
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("科室"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("人员"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="campaign_tasks",
    )
    post = models.ForeignKey(
        "org.Post",
        verbose_name=_("岗位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_leader = models.BooleanField(_("领导班子成员"), default=False)
    status = models.CharField(
        _("进度"), max_length=12, choices=Status.choices, default=Status.NOT_STARTED
    )
    return_count = models.PositiveIntegerField(_("退回次数"), default=0)
    filed_at = models.DateTimeField(_("备案时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        ordering = ["campaign_id", "department_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "person", "post"],
                condition=Q(kind="person"),
                name="campaigns_one_task_per_post",
            ),
            models.UniqueConstraint(
                fields=["campaign", "department"],
                condition=Q(kind="department"),
                name="campaigns_one_task_per_department",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "department", "status"])]
        verbose_name = _("排查任务")
        verbose_name_plural = _("排查任务")

    def __str__(self):
        who = self.person or self.department
        return f"{self.campaign} · {who}"


class CampaignPoint(models.Model):
    """A risk point of a task: carried over from the register, suggested by the standard
    library, or added in the campaign; `confirmed` once filed or re-confirmed in it."""

    class Origin(models.TextChoices):
        CARRIED = "carried", _("沿用上年")
        LIBRARY = "library", _("标准库")
        NEW = "new", _("新增")

    task = models.ForeignKey(
        CampaignTask, verbose_name=_("排查任务"), on_delete=models.CASCADE, related_name="points"
    )
    risk_point = models.ForeignKey(
        "risks.RiskPoint", verbose_name=_("风险点"), on_delete=models.CASCADE, related_name="+"
    )
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices)
    confirmed = models.BooleanField(_("已确认"), default=False)
    # a carried point its holder asked to remove in the campaign (删除): not re-confirmed, so
    # it stays in the register for the integrity office to retire, but the task is settled
    removed = models.BooleanField(_("申请删除"), default=False)
    # what the point was when the campaign began (a carried point), to mark the changes
    baseline = models.JSONField(_("上年内容"), default=dict, blank=True)

    class Meta:
        ordering = ["task_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["task", "risk_point"], name="campaigns_point_once"),
        ]
        verbose_name = _("排查风险点")
        verbose_name_plural = _("排查风险点")

    def __str__(self):
        return f"{self.task_id} · {self.risk_point_id}"
