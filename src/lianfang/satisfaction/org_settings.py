"""Satisfaction settings per organisation (系统维护 › 单位参数, `core.orgsettings`)."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import orgsettings
from lianfang.core.roles import Role

GROUP = _("患者满意度")
MIN_RANKED = "satisfaction.min_ranked"
POSTER_WEIGHT = "satisfaction.poster_weight"
WARNING_BELOW = "satisfaction.warning_below"
BURST_WINDOW = "satisfaction.burst_window"
BURST_COUNT = "satisfaction.burst_count"
IDENTICAL_COUNT = "satisfaction.identical_count"
OPEN_FROM = "satisfaction.open_from"
OPEN_UNTIL = "satisfaction.open_until"
KEYS = (
    MIN_RANKED,
    POSTER_WEIGHT,
    WARNING_BELOW,
    BURST_WINDOW,
    BURST_COUNT,
    IDENTICAL_COUNT,
    OPEN_FROM,
    OPEN_UNTIL,
)
OWNERS = (Role.ADMIN, Role.INTEGRITY)


def _int(key, label, default, minimum, maximum, unit, help, order):
    return orgsettings.Setting(
        key=key,
        label=label,
        kind=orgsettings.INT,
        default=default,
        minimum=minimum,
        maximum=maximum,
        unit=unit,
        help=help,
        group=GROUP,
        owners=OWNERS,
        order=order,
    )


orgsettings.register(
    _int(
        MIN_RANKED,
        _("参与排名的最少评价数"),
        30,
        1,
        10000,
        _("份"),
        _("评价数少于此数的科室或个人只显示结果，不参与排名。"),
        10,
    ),
    _int(
        POSTER_WEIGHT,
        _("无评价码评价的权重"),
        30,
        0,
        100,
        _("%"),
        _("扫海报二维码、未凭评价码的评价在得分中按此计权；凭评价码的计 100%。"),
        20,
    ),
    _int(
        WARNING_BELOW,
        _("满意度预警线"),
        80,
        1,
        100,
        _("分"),
        _("科室连续两个月满意度（百分制）低于此分数时发出预警。"),
        30,
    ),
    _int(
        BURST_WINDOW,
        _("集中提交判定时长"),
        10,
        1,
        240,
        _("分钟"),
        _("在此时长内同一科室的评价数达到下项数目时，标记为短时集中提交。"),
        40,
    ),
    _int(
        BURST_COUNT,
        _("集中提交判定数目"),
        15,
        2,
        10000,
        _("份"),
        "",
        50,
    ),
    _int(
        IDENTICAL_COUNT,
        _("雷同答案判定数目"),
        5,
        2,
        10000,
        _("份"),
        _("同一科室在集中提交判定时长内出现此数目的完全相同答案（含意见）时，标记为答案雷同。"),
        60,
    ),
    _int(
        OPEN_FROM,
        _("服务时间开始"),
        7,
        0,
        23,
        _("时"),
        _("此时之前提交的评价标记为非服务时间提交。"),
        70,
    ),
    _int(
        OPEN_UNTIL,
        _("服务时间结束"),
        22,
        1,
        24,
        _("时"),
        _("此时及之后提交的评价标记为非服务时间提交。"),
        80,
    ),
)
