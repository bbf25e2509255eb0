"""Models of the commitments module (廉政承诺).

A commitment (承诺表) is generated from what the register holds: the signer's filed risk
points with their measures are copied into `content` when it is generated (and again while it
is a draft), with the organisation's template items (承诺事项) and 违诺责任. The signer adds
only what is personal (`personal`). Once signed, `content` and `personal` are frozen and
`content_hash` is the SHA-256 of their canonical JSON (`services.canonical_content`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class CommitmentTemplate(models.Model):
    """An organisation's commitment items (承诺事项) and 违诺责任; the units below inherit it.
    Without one anywhere up the tree, `templates.DEFAULT_ITEMS` apply."""

    organisation = models.OneToOneField(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="commitment_template",
    )
    items = models.JSONField(_("承诺事项"), default=list)  # [{"title": ..., "text": ...}]
    breach = models.TextField(_("违诺责任"))
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("承诺书模板")
        verbose_name_plural = _("承诺书模板")

    def __str__(self):
        return f"{self.organisation} · {_('承诺书模板')}"


class CommitmentQuerySet(models.QuerySet):
    def personal(self):
        return self.filter(kind=Commitment.Kind.PERSONAL)

    def departmental(self):
        return self.filter(kind=Commitment.Kind.DEPARTMENTAL)


class Commitment(models.Model):
    """A personal (个人岗位廉政风险点和自我防控承诺表) or departmental (部门廉政风险点和防控承诺表)
    commitment of a year. A personal one covers the posts its signer held when it was made
    (`assignment_ids`): once those change, it is stale and a new one is due."""

    class Kind(models.TextChoices):
        PERSONAL = "personal", _("个人承诺")
        DEPARTMENTAL = "departmental", _("部门承诺")

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待审核")
        RETURNED = "returned", _("已退回")
        REVIEWED = "reviewed", _("已审核待签署")
        SIGNED = "signed", _("已签署")

    class Fulfilment(models.TextChoices):
        NONE = "", _("未报告")
        REPORTED = "reported", _("已报告待核查")
        RETURNED = "returned", _("核查退回")
        CHECKED = "checked", _("已核查")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    # personal: the signer; departmental: the department's head when generated
    person = models.ForeignKey(
        "org.Person",
        verbose_name=_("承诺人"),
        on_delete=models.PROTECT,
        related_name="commitments",
        null=True,
        blank=True,
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("科室"),
        on_delete=models.PROTECT,
        related_name="commitments",
        null=True,
        blank=True,
    )
    posts = models.CharField(_("岗位/职务"), max_length=300, blank=True)
    assignment_ids = models.JSONField(_("所涉岗位经历"), default=list, blank=True)
    # unique per signer, year and the posts covered: "p:<person>:<year>:<ids>", "d:<dept>:<year>"
    key = models.CharField(max_length=200, unique=True)
    state = models.CharField(
        _("状态"), max_length=12, choices=State.choices, default=State.DRAFT, db_index=True
    )
    content = models.JSONField(_("承诺内容"), default=dict)
    personal = models.TextField(_("本人补充承诺"), blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    return_count = models.PositiveIntegerField(_("退回次数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签署账号"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    signed_at = models.DateTimeField(_("签署时间"), null=True, blank=True)
    content_hash = models.CharField(_("内容摘要(SHA-256)"), max_length=64, blank=True)
    published_at = models.DateTimeField(_("内部公示时间"), null=True, blank=True)
    fulfilment_state = models.CharField(
        _("履诺情况"), max_length=10, choices=Fulfilment.choices, default="", blank=True
    )
    fulfilment = models.JSONField(_("履诺报告"), default=list, blank=True)  # a text per item
    fulfilment_note = models.TextField(_("核查意见"), blank=True)
    fulfilment_reported_at = models.DateTimeField(_("履诺报告时间"), null=True, blank=True)
    fulfilment_checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "organisation_id", "pk"]
        indexes = [
            models.Index(fields=["organisation", "year", "kind"]),
            models.Index(fields=["person", "year"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="personal", person__isnull=False)
                | Q(kind="departmental", department__isnull=False),
                name="commitments_signer_of_kind",
            )
        ]
        verbose_name = _("廉政承诺")
        verbose_name_plural = _("廉政承诺")

    def __str__(self):
        who = self.person.name if self.kind == self.Kind.PERSONAL else self.department.name
        return f"{self.year} · {who} · {self.get_kind_display()}"

    @property
    def is_frozen(self) -> bool:
        return self.state == self.State.SIGNED

    @property
    def title(self) -> str:
        if self.kind == self.Kind.PERSONAL:
            return str(_("个人岗位廉政风险点和自我防控承诺表"))
        return str(_("部门廉政风险点和防控承诺表"))
