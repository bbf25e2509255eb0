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
