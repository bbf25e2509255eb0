from django.shortcuts import redirect, render
from django.utils.translation import pgettext

from lianfang.assessments.panels import home_panel as assessments_panel
from lianfang.core.access import role_required
from lianfang.core.navigation import enabled_module_codes, module_of
from lianfang.core.roles import Role
from lianfang.org.selectors import (
    departments_visible_to,
    organisations_visible_to,
    people_visible_to,
    posts_visible_to,
)
from lianfang.portal.views import anonymous_root

from .selectors import dashboard_charts, review_todo
from .work import home_work


# an anonymous visitor gets the public site when exactly one is open (portal.views)
@anonymous_root
@role_required(*Role.EVERYONE)
def home(request):
    user = request.user
    if not user.has_any_role(Role.ALL):
        # The platform administrator of no organisation: nothing to count, their page instead.
        return redirect("core:module_list")
    risks_on = module_of("risks:register") in enabled_module_codes(request)
    work = home_work(user) if risks_on else None
    todo = review_todo(user) if risks_on else []
    # the leaders' and the integrity office's board of current 亮牌 and 预警 (assessments)
    board = None
    if module_of("assessments:list") in enabled_module_codes(request):
        board = assessments_panel(request)
    if not user.has_any_role(Role.PRIVILEGED):
        # The people figures are for administrators and the integrity office; everyone sees
        # what needs them (the review chain's to-do, home_work).
        return render(request, "dashboard/home.html", {"work": work, "todo": todo, "board": board})
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
    return render(
        request,
        "dashboard/home.html",
        {"work": work, "stats": stats, "charts": charts, "todo": todo, "board": board},
    )
