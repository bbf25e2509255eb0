from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from lianfang.org.selectors import (
    departments_visible_to,
    organisations_visible_to,
    people_visible_to,
    posts_visible_to,
)

from .access import role_required
from .roles import Role
from .selectors import dashboard_charts


@role_required(*Role.ALL)
def home(request):
    user = request.user
    stats = [
        {
            "label": pgettext("plural", "单位"),
            "value": organisations_visible_to(user).count(),
            "icon": "diagram-3",
        },
        {
            "label": pgettext("plural", "科室"),
            "value": departments_visible_to(user).count(),
            "icon": "building",
        },
        {
            "label": pgettext("plural", "岗位"),
            "value": posts_visible_to(user).count(),
            "icon": "briefcase",
        },
        {
            "label": pgettext("plural", "人员"),
            "value": people_visible_to(user).count(),
            "icon": "people",
        },
    ]
    charts = dashboard_charts(user=user)
    return render(request, "core/home.html", {"stats": stats, "charts": charts})


def not_found(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"code": 404, "message": _("页面不存在，或您无权查看。")},
        status=404,
    )


def forbidden(request, exception=None):
    return render(
        request,
        "core/error.html",
        {"code": 403, "message": _("您没有使用此功能的权限。")},
        status=403,
    )


def server_error(request):
    return render(
        request,
        "core/error.html",
        {"code": 500, "message": _("系统出错了，请稍后再试。")},
        status=500,
    )
