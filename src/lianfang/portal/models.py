"""Models of the disclosure portal: the columns (栏目) of each organisation's public site."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PortalColumn(models.Model):
    """A column of an organisation's public site. Its `kind` names a registered
    `portal.columns.ColumnKind`, which renders it (news list, notices, power holders, …)."""

    organisation = models.ForeignKey(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="portal_columns",
    )
    code = models.SlugField(_("代码"), max_length=40)
    name = models.CharField(_("名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=30)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    enabled = models.BooleanField(_("启用"), default=True)
    # the roles (core.roles.Role codes) that may write the column's content
    editor_roles = models.JSONField(_("可编辑角色"), default=list, blank=True)

    class Meta:
        ordering = ["organisation_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code"], name="portal_column_unique_code"
            )
        ]
        verbose_name = _("门户栏目")
        verbose_name_plural = _("门户栏目")

    def __str__(self):
        return self.name


class PortalSite(models.Model):
    """An organisation's public site: on only once its administrators turn it on, with the
    title and introduction its home page shows. The module switch (core.ModuleSetting for
    `portal`) decides whether the module is there at all; this row decides whether the world
    sees a site, so installing the platform publishes nothing by itself."""

    organisation = models.OneToOneField(
        "org.Organisation",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        related_name="portal_site",
    )
    enabled = models.BooleanField(_("对外开放"), default=False)
    title = models.CharField(_("网站标题"), max_length=80, blank=True)
    intro = models.TextField(_("网站简介"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("公开门户")
        verbose_name_plural = _("公开门户")

    def __str__(self):
        return self.title or str(self.organisation)

    @property
    def display_title(self) -> str:
        return self.title or str(_("%(name)s院务公开") % {"name": self.organisation.name})
