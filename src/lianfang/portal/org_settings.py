"""What the public site shows, per organisation (系统维护 › 单位参数, `core.orgsettings`).

The power holders' page reads the organisation model; which of its fields reach the public is
the organisation's choice, declared here. Phone numbers are off by default."""

from django.utils.translation import gettext_lazy as _

from lianfang.core import orgsettings
from lianfang.core.roles import Role

GROUP = _("公开门户")
LEADER_FIELDS = "portal.leader_fields"
DEPARTMENT_FIELDS = "portal.department_fields"
MAX_AGE = "portal.max_age"

LEADER_CHOICES = (
    ("photo", _("照片")),
    ("post", _("职务")),
    ("since", _("任职时间")),
    ("duties", _("工作职责")),
    ("divisions", _("分管科室")),
    ("phone", _("联系电话")),
)
DEPARTMENT_CHOICES = (
    ("head", _("负责人")),
    ("staff_count", _("人数")),
    ("functions", _("职能")),
    ("powers", _("职权事项")),
    ("processes", _("关键流程")),
    ("phone", _("办公电话")),
)

orgsettings.register(
    orgsettings.Setting(
        key=LEADER_FIELDS,
        label=_("权力主体：公开的领导信息"),
        kind=orgsettings.MULTI,
        choices=LEADER_CHOICES,
        default=["photo", "post", "since", "duties", "divisions"],
        help=_("公开门户“权力主体”栏目中领导班子成员显示的信息，默认不公开联系电话。"),
        group=GROUP,
        owners=(Role.ADMIN,),
        order=10,
    )
)
orgsettings.register(
    orgsettings.Setting(
        key=DEPARTMENT_FIELDS,
        label=_("权力主体：公开的科室信息"),
        kind=orgsettings.MULTI,
        choices=DEPARTMENT_CHOICES,
        default=["head", "staff_count", "functions", "powers", "processes"],
        help=_("公开门户“权力主体”栏目中各科室显示的信息，默认不公开电话。"),
        group=GROUP,
        owners=(Role.ADMIN,),
        order=20,
    )
)
orgsettings.register(
    orgsettings.Setting(
        key=MAX_AGE,
        label=_("公开页面缓存时间"),
        kind=orgsettings.INT,
        default=300,
        minimum=0,
        maximum=3600,
        unit=_("秒"),
        help=_("浏览器与代理服务器可缓存公开门户页面的时间；0 表示每次都向服务器确认。"),
        group=GROUP,
        owners=(Role.ADMIN,),
        order=30,
    )
)
