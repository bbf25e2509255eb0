from django.shortcuts import render
from django.utils.translation import gettext as _


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
