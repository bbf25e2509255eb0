"""Models of reporting upward (上报).

A `Report` is what a unit reported to the level above, frozen: its filed register, its
commitments' status and a campaign's summary (the payload, as the exchange file's JSON
members hold them), when, by whom and how it arrived. Reports of one unit, year and campaign
are numbered versions: the history of what was reported and when.

A unit signs its exchange files with its `ExchangeKey` (Ed25519, made on its first export);
the receiving side pins the public key of a unit on its first import (`PinnedKey`) and refuses
a file signed with another one.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExchangeKey(models.Model):
    """A unit's signing key for its exchange files. The private half is sealed under the
    platform's data key (LIANFANG_DATA_KEY), which the database does not hold."""

    organisation = models.OneToOneField(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    public_key = models.CharField(_("公钥"), max_length=64)  # raw Ed25519 key, hex
    fingerprint = models.CharField(_("公钥指纹"), max_length=64)  # SHA-256 of the raw key, hex
    sealed_private_key = models.TextField(_("私钥（加密）"))
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("上报签名密钥")
        verbose_name_plural = _("上报签名密钥")

    def __str__(self):
        return self.fingerprint[:16]


class PinnedKey(models.Model):
    """The public key the receiving side accepts for a unit's exchange files: pinned at the
    first import of the unit's file, refused when a later file is signed with another key."""

    organisation = models.OneToOneField(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    public_key = models.CharField(_("公钥"), max_length=64)
    fingerprint = models.CharField(_("公钥指纹"), max_length=64)
    pinned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    pinned_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("下级单位签名公钥")
        verbose_name_plural = _("下级单位签名公钥")

    def __str__(self):
        return self.fingerprint[:16]


class Report(models.Model):
    class Method(models.TextChoices):
        SUBMITTED = "submitted", _("在线提交")
        IMPORTED = "imported", _("文件导入")

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("上报单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiver = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("接收单位"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    # the campaign on this server (an on-server submission); its name as the payload says
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("风险排查"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    campaign_name = models.CharField(_("排查名称"), max_length=120, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    payload = models.JSONField(_("上报内容"), default=dict)
    # the few figures the receiving dashboard shows, read from the payload when it is kept
    figures = models.JSONField(_("主要数据"), default=dict)
    content_sha256 = models.CharField(_("内容摘要"), max_length=64)
    method = models.CharField(_("方式"), max_length=10, choices=Method.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("经办人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("上报时间"), default=timezone.now)
    # an imported file's own digest, its manifest's time and signer
    file_sha256 = models.CharField(_("文件摘要"), max_length=64, blank=True)
    exported_at = models.DateTimeField(_("文件生成时间"), null=True, blank=True)
    key_fingerprint = models.CharField(_("签名公钥指纹"), max_length=64, blank=True)

    class Meta:
        ordering = ["organisation_id", "year", "campaign_name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "campaign_name", "version"],
                name="exchange_report_version_once",
            ),
        ]
        indexes = [models.Index(fields=["receiver", "organisation", "at"])]
        verbose_name = _("上报")
        verbose_name_plural = _("上报")

    def __str__(self):
        return f"{self.organisation} · {self.year} · {self.campaign_name} v{self.version}"
