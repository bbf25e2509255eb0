"""The flows' settings per organisation (系统维护 › 单位参数, `core.orgsettings`)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import orgsettings
from lianfang.core.roles import Role

ESCALATE_AFTER_DAYS = "flows.escalate_after_days"
REMIND_AT_PERCENT = "flows.remind_at_percent"

orgsettings.register(
    orgsettings.Setting(
        key=ESCALATE_AFTER_DAYS,
        label=_("办件超时后升级前的工作日数"),
        kind=orgsettings.INT,
        default=2,
        minimum=0,
        maximum=30,
        unit=_("个工作日"),
        help=_(
            "环节超过办理时限后再过这么多个工作日仍未办理，即上报升级并产生预警；流程环节可自行设定。"
        ),
        group=_("权力运行"),
        owners=(Role.ADMIN, Role.INTEGRITY),
        order=10,
    ),
    orgsettings.Setting(
        key=REMIND_AT_PERCENT,
        label=_("办理时限提醒点"),
        kind=orgsettings.INT,
        default=80,
        minimum=10,
        maximum=99,
        unit=_("%"),
        help=_("环节用去办理时限的这一比例时，提醒办理人。"),
        group=_("权力运行"),
        owners=(Role.ADMIN, Role.INTEGRITY),
        order=20,
    ),
)
