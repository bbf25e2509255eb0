"""The complaints module's settings per organisation (系统维护 › 单位参数)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import orgsettings
from lianfang.core.roles import Role

from .models import Category

GROUP = _("投诉举报")
CATEGORIES = "complaints.categories"
ACCEPT_DAYS = "complaints.accept_days"
FEEDBACK_DAYS = "complaints.feedback_days"
TRANSFER_DAYS = "complaints.transfer_days"
PETITION_DAYS = "complaints.petition_days"
PETITION_CATEGORIES = "complaints.petition_categories"
REMIND_DAYS = "complaints.remind_days"
RETENTION_YEARS = "complaints.retention_years"
RETENTION_TRUE_YEARS = "complaints.retention_true_years"

_OWNERS = (Role.ADMIN, Role.INTEGRITY)

orgsettings.register(
    orgsettings.Setting(
        key=CATEGORIES,
        label=_("受理的类别"),
        kind=orgsettings.MULTI,
        default=tuple(Category.values),
        choices=tuple(Category.choices),
        help=_("举报人可选择的投诉举报类别。"),
        group=GROUP,
        owners=_OWNERS,
        order=10,
    ),
    orgsettings.Setting(
        key=ACCEPT_DAYS,
        label=_("受理告知期限"),
        kind=orgsettings.INT,
        default=15,
        minimum=1,
        maximum=60,
        unit=_("个工作日"),
        help=_("自收到之日起，作出受理、不予受理或转办决定并告知实名举报人的期限。"),
        group=GROUP,
        owners=_OWNERS,
        order=20,
    ),
    orgsettings.Setting(
        key=TRANSFER_DAYS,
        label=_("转办期限"),
        kind=orgsettings.INT,
        default=5,
        minimum=1,
        maximum=30,
        unit=_("个工作日"),
        help=_("不属于本单位管辖的，自收到之日起转办的期限。"),
        group=GROUP,
        owners=_OWNERS,
        order=30,
    ),
    orgsettings.Setting(
        key=FEEDBACK_DAYS,
        label=_("结果反馈期限"),
        kind=orgsettings.INT,
        default=15,
        minimum=1,
        maximum=60,
        unit=_("个工作日"),
        help=_("自办结之日起，向实名举报人反馈办理结果的期限。"),
        group=GROUP,
        owners=_OWNERS,
        order=40,
    ),
    orgsettings.Setting(
        key=PETITION_DAYS,
        label=_("信访事项办结期限"),
        kind=orgsettings.INT,
        default=60,
        minimum=10,
        maximum=90,
        unit=_("天"),
        help=_("信访事项自受理之日起办结的期限，经批准可延长 30 天。"),
        group=GROUP,
        owners=_OWNERS,
        order=50,
    ),
    orgsettings.Setting(
        key=PETITION_CATEGORIES,
        label=_("按信访事项办理的类别"),
        kind=orgsettings.MULTI,
        default=(Category.CHARGES.value, Category.ATTITUDE.value),
        choices=tuple(Category.choices),
        help=_("这些类别的事项按信访期限（60 天，可延长 30 天）办结。"),
        group=GROUP,
        owners=_OWNERS,
        order=60,
    ),
    orgsettings.Setting(
        key=REMIND_DAYS,
        label=_("到期提醒提前"),
        kind=orgsettings.INT,
        default=3,
        minimum=1,
        maximum=15,
        unit=_("个工作日"),
        group=GROUP,
        owners=_OWNERS,
        order=70,
    ),
    orgsettings.Setting(
        key=RETENTION_YEARS,
        label=_("保存期限"),
        kind=orgsettings.INT,
        default=5,
        minimum=1,
        maximum=30,
        unit=_("年"),
        help=_("归档后满此年限，清除举报内容、身份信息、留言和材料，只保留不含内容的统计信息。"),
        group=GROUP,
        owners=_OWNERS,
        order=80,
    ),
    orgsettings.Setting(
        key=RETENTION_TRUE_YEARS,
        label=_("属实事项保存期限"),
        kind=orgsettings.INT,
        default=10,
        minimum=1,
        maximum=30,
        unit=_("年"),
        help=_("结论为属实或部分属实的事项的保存期限。"),
        group=GROUP,
        owners=_OWNERS,
        order=90,
    ),
)
