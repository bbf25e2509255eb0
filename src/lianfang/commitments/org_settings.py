"""The commitments module's settings per organisation (系统维护 › 单位参数)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import orgsettings
from lianfang.core.roles import Role

DUE_DAYS = "commitments.due_days"

orgsettings.register(
    orgsettings.Setting(
        key=DUE_DAYS,
        label=_("廉政承诺签署期限（天）"),
        kind=orgsettings.INT,
        default=30,
        minimum=1,
        maximum=365,
        unit=_("天"),
        help=_("每年 1 月 1 日或岗位变动之日起，这么多天内未签署承诺书的，列入预警。"),
        group=_("廉政承诺"),
        owners=(Role.ADMIN, Role.INTEGRITY),
        order=10,
    ),
)
