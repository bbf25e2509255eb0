from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One write, in a hash chain. Rows are never updated or deleted (a trigger on PostgreSQL).

    `hash` is the SHA-256 of this event's canonical content, which includes `prev_hash`, so
    altering, removing or reordering any event breaks the chain from that event on.
    """

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        # Keep the id when a user is deleted: rewriting it would break the event's hash.
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
    )
    actor_label = models.CharField(_("操作人"), max_length=150)
    action = models.CharField(_("操作"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=255)
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    organisation_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("原值"), null=True, blank=True)
    after = models.JSONField(_("新值"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("审计事件")
        verbose_name_plural = _("审计事件")

    def __str__(self):
        return f"#{self.seq} {self.action} {self.object_repr}"


class AuditChainHead(models.Model):
    """The single row that serialises appends and anchors the chain's last event."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("审计链头")

    def __str__(self):
        return f"#{self.seq} {self.hash[:12]}"


class Module(models.Model):
    """A module of the platform. `enabled` is the platform-wide switch, the platform
    administrator's: off, the module is off for every organisation. On, each organisation
    follows its own setting or its nearest ancestor's (`ModuleSetting`)."""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=60)
    name_en = models.CharField(_("英文名称"), max_length=60, blank=True)
    icon = models.CharField(_("图标"), max_length=40, blank=True)
    enabled = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("模块")
        verbose_name_plural = _("模块")

    def __str__(self):
        return self.name


class ModuleSetting(models.Model):
    """An organisation's own switch of a module, for itself and the organisations below it
    that have none. Without one an organisation follows its nearest ancestor's, and the
    platform switch where no ancestor has one (`selectors.module_states`). Set by the
    organisation's administrators and those above them; removing it follows the parent again.
    """

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    module = models.ForeignKey(
        Module, verbose_name=_("模块"), on_delete=models.CASCADE, related_name="settings"
    )
    enabled = models.BooleanField(_("启用"))

    class Meta:
        ordering = ["module__order", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "module"], name="core_modulesetting_unique"
            )
        ]
        verbose_name = _("单位模块设置")
        verbose_name_plural = _("单位模块设置")

    def __str__(self):
        return f"{self.organisation} · {self.module}"


class Column(models.Model):
    """A column (栏目) of the platform or its disclosure portal, shared by every organisation:
    the platform administrator's to edit."""

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="columns")
    code = models.SlugField(_("代码"), max_length=40)
    title = models.CharField(_("标题"), max_length=60)
    title_en = models.CharField(_("英文标题"), max_length=60, blank=True)
    visible = models.BooleanField(_("显示"), default=True)
    public = models.BooleanField(_("对外公开"), default=False)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["module__order", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["module", "code"], name="core_column_unique_code")
        ]
        verbose_name = _("栏目")
        verbose_name_plural = _("栏目")

    def __str__(self):
        return self.title


class Job(models.Model):
    """Work that leaves the request (`core.jobs`): a whole-register export, a commission's
    re-grade. The person who asked follows its progress on the job page and fetches the file.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=64)
    params = models.JSONField(_("参数"), default=dict, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.PROTECT,
        related_name="jobs",
    )
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    done = models.PositiveIntegerField(_("已处理"), default=0)
    total = models.PositiveIntegerField(_("总数"), null=True, blank=True)
    message = models.CharField(_("说明"), max_length=255, blank=True)
    result = models.JSONField(_("结果"), default=dict, blank=True)
    error = models.TextField(_("错误"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    # the framework's task that runs it now (django-tasks' result id; a new one when requeued)
    task_id = models.CharField(_("任务编号"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("后台任务")
        indexes = [models.Index(fields=["actor", "-created_at"])]

    def __str__(self):
        return f"{self.kind} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.done / self.total))


class ScheduledRun(models.Model):
    """The state of one periodic task of `core.schedule`: when it is next due. The scheduler
    moves `next_at` with a conditional UPDATE before it enqueues, so a slot is enqueued once
    even if two schedulers run by mistake."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    next_at = models.DateTimeField(_("下次执行"))
    last_at = models.DateTimeField(_("上次执行"), null=True, blank=True)
    last_task_id = models.CharField(_("上次任务编号"), max_length=64, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("定时任务")
        verbose_name_plural = _("定时任务")

    def __str__(self):
        return self.name


class Attachment(models.Model):
    """An uploaded file of some object, kept by `core.attachments` for one declared use."""

    use = models.CharField(_("用途"), max_length=40, db_index=True)
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    name = models.CharField(_("文件名"), max_length=200)
    mime_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveBigIntegerField(_("大小"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    encrypted = models.BooleanField(_("加密保存"), default=False)
    path = models.CharField(max_length=200, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    deleted_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "use"])]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self):
        return self.name


class WorkdayOverride(models.Model):
    """A local change to the working-day calendar (`core.workdays`): one date made a holiday
    (院庆, a year's 元旦 entered before the package knows it) or a working day (a 调休 Saturday).

    Without an organisation it is the platform's, kept by the platform administrator; with
    one it applies to that organisation and those below it, kept by their administrators.
    The nearest wins: an organisation's own, then its ancestors' (nearest first), then the
    platform's, then the `chinesecalendar` package's schedule.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("放假")
        WORKDAY = "workday", _("上班")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    date = models.DateField(_("日期"))
    kind = models.CharField(_("安排"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=40)

    class Meta:
        ordering = ["date", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "date"], name="core_workdayoverride_unique"
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=models.Q(organisation__isnull=True),
                name="core_workdayoverride_unique_platform",
            ),
        ]
        indexes = [models.Index(fields=["date"], name="core_workdayoverride_date")]
        verbose_name = _("工作日调整")
        verbose_name_plural = _("工作日调整")

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"

    @property
    def working(self) -> bool:
        return self.kind == self.Kind.WORKDAY


class WorkdayYear(models.Model):
    """A year whose holidays and 调休 working days have been entered by hand, as overrides,
    because the `chinesecalendar` package installed has no data for it yet. Confirmed, the
    year counts as known (weekends and overrides) for the platform, or for the organisation
    and those below it; without a confirmation an unknown year makes the calendar refuse.
    """

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("年份"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"))

    class Meta:
        ordering = ["year", "organisation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"], name="core_workdayyear_unique"
            ),
            models.UniqueConstraint(
                fields=["year"],
                condition=models.Q(organisation__isnull=True),
                name="core_workdayyear_unique_platform",
            ),
        ]
        verbose_name = _("工作日历年度确认")
        verbose_name_plural = _("工作日历年度确认")

    def __str__(self):
        return _("%(year)s 年节假日已录入") % {"year": self.year}


class OrgSetting(models.Model):
    """An organisation's own value of a declared setting (`core.orgsettings`), for itself and
    the organisations below it that have none. Only values that depart from what would be
    inherited are stored; removing one follows the parent again. Written by
    `services.org_setting_set` / `org_setting_clear`."""

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    key = models.CharField(_("参数"), max_length=100)
    value = models.JSONField(_("取值"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        ordering = ["organisation_id", "key"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "key"], name="core_orgsetting_unique")
        ]
        verbose_name = _("单位参数")
        verbose_name_plural = _("单位参数")

    def __str__(self):
        return f"{self.key}={self.value!r}"


class WarningLevel(models.IntegerChoices):
    """The grades of a warning, in the domain's words (docs/domain.md, 评估结论): 提示 (a
    notice), 预警 (a warning), 亮牌 (a card). The one place they are declared."""

    NOTICE = 1, _("提示")
    WARNING = 2, _("预警")
    CARD = 3, _("亮牌")


class WarningStatus(models.TextChoices):
    """A warning's lifecycle; `core.warnings.TRANSITIONS` says which moves are allowed."""

    OPEN = "open", _("待处理")
    CHECKING = "checking", _("核查中")
    CONFIRMED = "confirmed", _("已确认")
    DISMISSED = "dismissed", _("已排除")
    CLOSED = "closed", _("已关闭")


class Warning(models.Model):
    """A condition a checker found (预警), kept once per (source, rule, key).

    `source` is the app that raises it, `rule` its condition, `key` the thing it is about
    (a risk point's id): raising the same condition again updates this row
    (`core.warnings.raise_warning`). The owner is whoever must act (a person or a
    department), the evidence what shows the condition: an object (content type and id) and
    a JSON dict of the facts as the checker saw them.
    """

    source = models.CharField(_("来源"), max_length=40)
    rule = models.CharField(_("规则"), max_length=60)
    key = models.CharField(_("对象键"), max_length=100)
    # Derived data: a deleted organisation takes its warnings along (their history stays in
    # the audit chain); the checker would raise them again if their conditions held.
    organisation = models.ForeignKey(
        "org.Organisation", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(_("事项"), max_length=255)
    level = models.PositiveSmallIntegerField(_("等级"), choices=WarningLevel.choices)
    status = models.CharField(
        _("状态"), max_length=12, choices=WarningStatus.choices, default=WarningStatus.OPEN
    )
    owner_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_id = models.PositiveBigIntegerField(null=True, blank=True)
    owner = GenericForeignKey("owner_type", "owner_id")
    owner_label = models.CharField(_("责任人"), max_length=150, blank=True)
    evidence_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    evidence_id = models.PositiveBigIntegerField(null=True, blank=True)
    evidence_object = GenericForeignKey("evidence_type", "evidence_id")
    evidence = models.JSONField(_("依据"), default=dict, blank=True)
    raised_at = models.DateTimeField(_("发出时间"))
    last_seen_at = models.DateTimeField(_("最近核到"))
    occurrences = models.PositiveIntegerField(_("发生次数"), default=1)
    due_at = models.DateTimeField(_("处理期限"))
    due_in_calendar_days = models.BooleanField(default=False)  # the year was unknown
    escalated_at = models.DateTimeField(_("升级时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    resolution = models.CharField(_("关闭原因"), max_length=500, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "rule", "key"], name="core_warning_unique_condition"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "level"]),
            models.Index(fields=["status", "due_at"]),
        ]
        verbose_name = _("预警")
        verbose_name_plural = _("预警")

    def __str__(self):
        return self.subject


class Notification(models.Model):
    """A message to one account (`core.notifications.notify`): always in their inbox, and by
    e-mail or SMS as they chose for its kind. Kinds are declared by the apps that send them."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=64)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    # the values the subject was filled with, to show it again in the reader's language
    context = models.JSONField(default=dict, blank=True)
    # What it is about: shown as a link only to a reader who may see it (`visible_to`).
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # A reminder sent again by a daily run carries the same key and is not repeated.
    key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="core_notification_unread",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "key"],
                condition=~models.Q(key=""),
                name="core_notification_key_unique",
            )
        ]

    def __str__(self):
        return self.subject


class NotificationSettings(models.Model):
    """A person's own choices: the mobile number for SMS and the daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
    )
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    digest = models.BooleanField(_("每日摘要邮件"), default=False)

    class Meta:
        verbose_name = _("通知设置")

    def __str__(self):
        return f"{self.user_id}"


class NotificationChoice(models.Model):
    """The channels a person chose for one kind of message, beside the inbox (always on).
    Without a row, the kind's declared defaults apply."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_choices"
    )
    kind = models.CharField(_("类型"), max_length=64)
    email = models.BooleanField(_("邮件"), default=False)
    sms = models.BooleanField(_("短信"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="core_notificationchoice_unique")
        ]
        verbose_name = _("通知渠道")

    def __str__(self):
        return f"{self.user_id} {self.kind}"


class Delivery(models.Model):
    """One message sent outside the platform (e-mail, SMS, a digest), retried with backoff
    until it is sent or its attempts run out; administrators see them on 系统维护."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("邮件")
        SMS = "sms", _("短信")
        DIGEST = "digest", _("每日摘要")

    class Status(models.TextChoices):
        PENDING = "pending", _("待发送")
        SENT = "sent", _("已发送")
        RETRYING = "retrying", _("等待重试")
        FAILED = "failed", _("失败")

    notification = models.ForeignKey(
        Notification,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=254)
    subject = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True, db_index=True)
    last_error = models.TextField(_("最近错误"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("外发记录")
        verbose_name_plural = _("外发记录")

    def __str__(self):
        return f"{self.channel} → {self.address}"


class Publication(models.Model):
    """A record published to a public column (栏目) of an organisation (`core.publications`):
    the snapshot of its source's public fields as they were when published. Withdrawn, it
    leaves the public pages and stays as a record."""

    # not a hidden relation ("+"): what deletes an organisation (the demo's reset) sees it
    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="publications",
    )
    column = models.ForeignKey(
        Column, verbose_name=_("栏目"), on_delete=models.PROTECT, related_name="publications"
    )
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+"
    )
    object_id = models.PositiveBigIntegerField()
    source = GenericForeignKey("content_type", "object_id")
    title = models.CharField(_("标题"), max_length=255)
    fields = models.JSONField(_("公开内容"), default=dict)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdraw_reason = models.CharField(_("撤回原因"), max_length=200, blank=True)

    class Meta:
        ordering = ["-published_at", "id"]
        indexes = [models.Index(fields=["organisation", "column", "withdrawn_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["column", "content_type", "object_id"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="core_publication_one_in_force",
            ),
        ]
        verbose_name = _("公开发布")
        verbose_name_plural = _("公开发布")

    def __str__(self):
        return self.title
