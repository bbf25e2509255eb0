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
