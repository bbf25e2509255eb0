"""Models of the flows module: BPMN definitions and their versions, running instances (办件),
their tasks (indexed rows the to-do lists read, so no list ever deserialises a workflow) and
the timeline of each instance."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FlowDefinition(models.Model):
    """A flow of an organisation (e.g. 物资采购), identified by its code; its content lives in
    numbered versions."""

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="flow_definitions",
    )
    code = models.CharField(_("编码"), max_length=60)
    name = models.CharField(_("名称"), max_length=200)
    power = models.ForeignKey(
        "org.Power",
        verbose_name=_("职权"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flow_definitions",
    )
    active = models.BooleanField(_("在用"), default=True)
    current_version = models.ForeignKey(
        "FlowVersion",
        verbose_name=_("当前版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["organisation_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="flows_definition_code_per_organisation"
            )
        ]
        verbose_name = _("流程")
        verbose_name_plural = _("流程")

    def __str__(self):
        return self.name


class FlowVersion(models.Model):
    """One published version of a definition. Running instances keep the version they started on;
    publishing a new one never touches them."""

    definition = models.ForeignKey(
        FlowDefinition, verbose_name=_("流程"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("版本号"))
    bpmn = models.TextField(_("BPMN"))
    sha256 = models.CharField(_("内容摘要"), max_length=64)
    spec = models.JSONField(_("解析结果"), default=dict)
    published_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["definition_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["definition", "number"], name="flows_version_number_per_definition"
            )
        ]
        verbose_name = _("流程版本")
        verbose_name_plural = _("流程版本")

    def __str__(self):
        return f"{self.definition} v{self.number}"


class Instance(models.Model):
    """A running matter (办件) of a flow version."""

    class State(models.TextChoices):
        RUNNING = "running", _("办理中")
        COMPLETED = "completed", _("已办结")
        REJECTED = "rejected", _("已驳回")
        WITHDRAWN = "withdrawn", _("已撤回")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="flow_instances",
    )
    version = models.ForeignKey(
        FlowVersion, verbose_name=_("流程版本"), on_delete=models.PROTECT, related_name="instances"
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        on_delete=models.PROTECT,
        related_name="flow_instances",
    )
    applicant_person = models.ForeignKey(
        "org.Person",
        verbose_name=_("申请人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flow_instances",
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("申请科室"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flow_instances",
    )
    subject = models.ForeignKey(
        "org.Person",
        verbose_name=_("当事人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flow_instances_about",
    )
    title = models.CharField(_("标题"), max_length=200)
    number = models.CharField(_("编号"), max_length=40, blank=True, db_index=True)
    data = models.JSONField(_("表单内容"), default=dict, blank=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.RUNNING, db_index=True
    )
    workflow = models.JSONField(_("流程状态"), default=dict, blank=True)
    lock_version = models.PositiveIntegerField(_("版本锁"), default=0)
    # The steps (BPMN ids) of the matter approved so far, each once however often it was
    # approved (a committee's members, a step approved again after a return): kept by
    # `services._approve`, summed by 防控运行监控 for the progress of the running matters.
    steps_approved = models.PositiveIntegerField(_("已同意环节数"), default=0)
    started_at = models.DateTimeField(_("发起时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("办结时间"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]
        indexes = [
            # 防控运行监控 counts the running matters of the user's organisations per version
            # and per department, and sums their approved steps, from this index alone
            # (flows/monitoring.py); the state first,
            # so that several organisations' running matters are read without the others
            models.Index(
                fields=["state", "organisation", "version", "department", "steps_approved"],
                name="flows_inst_monitor",
            ),
            models.Index(fields=["organisation", "state"], name="flows_inst_org_state"),
            models.Index(fields=["applicant", "-started_at"], name="flows_inst_applicant"),
        ]
        verbose_name = _("办件")
        verbose_name_plural = _("办件")

    def __str__(self):
        return self.title


class Task(models.Model):
    """A user task of an instance, as an indexed row (the to-do lists read these, never the
    serialised workflow)."""

    class State(models.TextChoices):
        READY = "ready", _("待办")
        COMPLETED = "completed", _("已办")
        CANCELLED = "cancelled", _("已取消")

    class Decision(models.TextChoices):
        APPROVE = "approve", _("同意")
        RETURN = "return", _("退回")
        REJECT = "reject", _("不同意")
        WITHDRAW = "withdraw", _("撤回")
        TRANSFER = "transfer", _("转办")

    instance = models.ForeignKey(
        Instance, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="tasks"
    )
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="flow_tasks",
    )
    bpmn_id = models.CharField(_("环节标识"), max_length=120)
    spiff_id = models.UUIDField(_("引擎任务标识"), null=True, blank=True)
    name = models.CharField(_("环节"), max_length=200)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("办理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flow_tasks",
    )
    assignee_person = models.ForeignKey(
        "org.Person",
        verbose_name=_("办理人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flow_tasks",
    )
    candidate_rule = models.CharField(_("办理人规则"), max_length=300, blank=True)
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.READY)
    decision = models.CharField(_("办理结果"), max_length=12, choices=Decision.choices, blank=True)
    comment = models.TextField(_("办理意见"), blank=True)
    is_control_point = models.BooleanField(_("内控点"), default=False)
    step = models.ForeignKey(
        "org.PowerStep",
        verbose_name=_("权力环节"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="flow_tasks",
    )
    committee_key = models.CharField(_("会签组"), max_length=120, blank=True)
    # Reserved for the deadline rules (工作日 limits, reminders, escalation, 中止计时).
    due_at = models.DateTimeField(_("办理时限"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    overdue_at = models.DateTimeField(_("超时时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    suspended_at = models.DateTimeField(_("中止计时时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("到达时间"), auto_now_add=True)
    completed_at = models.DateTimeField(_("办理时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("实际办理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            # 待办 and 已办: the user's ready, or completed, tasks in the page's order (newest
            # first, then the newest row), so the database reads the first twenty entries of
            # the index and counts the rows from the index alone: it neither sorts the rows
            # that share a time (joining each first) nor reads the table to check the state.
            # The state is a column rather than a partial index's condition: for the count,
            # SQLite's planner took the plain foreign-key index over a partial one and read
            # the table for each row (bench/README.md, "已办").
            models.Index(
                fields=["assignee", "state", "-created_at", "-id"], name="flows_task_my_ready"
            ),
            models.Index(
                fields=["completed_by", "state", "-completed_at", "-id"],
                name="flows_task_my_done",
            ),
            # 防控运行监控 (flows/monitoring.py): an organisation's latest completed tasks
            # (the handling times' sample, the 已办环节 list) as the first entries of the
            # index, and its ready ones by the first two columns
            models.Index(
                fields=["organisation", "state", "-completed_at", "-id"],
                name="flows_task_org_done",
            ),
            # the matters outside the user's subtree that they handled (monitoring.reach),
            # read without the rows they handled inside it
            models.Index(fields=["assignee", "organisation"], name="flows_task_assignee_org"),
            models.Index(fields=["completed_by", "organisation"], name="flows_task_done_by_org"),
            # a month's completed control points (publications.completed_control_points):
            # partial, as Django writes `is_control_point = True` as the bare column, which
            # SQLite cannot use as an index column's equality but matches to this condition
            models.Index(
                fields=["organisation", "completed_at"],
                condition=models.Q(is_control_point=True),
                name="flows_task_control_points",
            ),
            # 防控运行监控's escalated count: an organisation's ready tasks escalated, without
            # reading the others (monitoring._due_counts; its due soon / overdue count reads
            # flows_task_org_due below)
            models.Index(
                fields=["organisation", "state", "escalated_at"], name="flows_task_org_escalated"
            ),
            models.Index(fields=["instance", "state"], name="flows_task_instance_state"),
            # the list behind 防控运行监控's numbers (monitoring.monitored_tasks): an
            # organisation's ready tasks by due date (时限最近, either way) and newest first (the
            # default), read in the index's order under the page's LIMIT, with the id as the
            # last column so that rows sharing a time need no sort (PostgreSQL's indexes do not
            # end with the row id as SQLite's do); the state-first index serves a subtree of
            # several organisations by due date, and the deadline rules' scans
            models.Index(
                fields=["organisation", "state", "due_at", "id"], name="flows_task_org_due"
            ),
            models.Index(
                fields=["organisation", "state", "-created_at", "-id"], name="flows_task_org_new"
            ),
            models.Index(fields=["state", "due_at", "id"], name="flows_task_state_due_id"),
        ]
        verbose_name = _("环节任务")
        verbose_name_plural = _("环节任务")

    def __str__(self):
        return f"{self.instance} · {self.name}"


class InstanceEvent(models.Model):
    """One entry of an instance's timeline."""

    class Kind(models.TextChoices):
        STARTED = "started", _("发起")
        ARRIVED = "arrived", _("到达")
        APPROVED = "approved", _("同意")
        RETURNED = "returned", _("退回")
        REJECTED = "rejected", _("不同意")
        WITHDRAWN = "withdrawn", _("撤回")
        COMMENTED = "commented", _("意见")
        TRANSFERRED = "transferred", _("转办")
        COMPLETED = "completed", _("办结")
        OTHER = "other", _("其他")

    instance = models.ForeignKey(
        Instance, verbose_name=_("办件"), on_delete=models.CASCADE, related_name="events"
    )
    task = models.ForeignKey(
        Task,
        verbose_name=_("环节任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("类型"), max_length=20)
    data = models.JSONField(_("内容"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [
            models.Index(fields=["instance", "at"], name="flows_event_instance_at"),
            # the returns per step of 防控运行监控: only the returned entries
            models.Index(fields=["kind", "instance"], name="flows_event_kind"),
        ]
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")

    def __str__(self):
        return f"{self.instance} · {self.kind}"


from .delegations import Delegation  # noqa: E402,F401
