"""The home pages' settings per organisation (系统维护 › 单位参数, `core.orgsettings`)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import orgsettings
from lianfang.core.roles import Role

DUE_SOON_DAYS = "dashboard.due_soon_days"

orgsettings.register(
    orgsettings.Setting(
        key=DUE_SOON_DAYS,
        label=_("措施即将到期提前提醒天数"),
        kind=orgsettings.INT,
        default=30,
        minimum=1,
        maximum=365,
        unit=_("天"),
        help=_("职工首页“我的措施”列出到期日在这么多天之内的未落实措施。"),
        group=_("首页"),
        owners=(Role.ADMIN, Role.INTEGRITY),
        order=10,
    ),
)
