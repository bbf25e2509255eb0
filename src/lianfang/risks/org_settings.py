"""The register's settings per organisation (系统维护 › 单位参数, `core.orgsettings`)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import orgsettings
from lianfang.core.roles import Role

GROUP = _("风险防控")
MIN_EVIDENCE_CHARS = "risks.min_evidence_chars"

orgsettings.register(
    orgsettings.Setting(
        key=MIN_EVIDENCE_CHARS,
        label=_("落实情况说明最少字数"),
        kind=orgsettings.INT,
        default=6,
        minimum=1,
        maximum=200,
        unit=_("个字"),
        help=_("措施标记为已落实而未上传佐证材料时，落实情况说明至少应写的字数。"),
        group=GROUP,
        owners=(Role.ADMIN, Role.INTEGRITY),
        order=10,
    ),
)
