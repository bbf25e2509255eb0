"""What satisfaction adds to another app's page, through its slot (org names no satisfaction):
on a department's page, the department's satisfaction this quarter and a link to its results.

The slot is `org.views.structure.DEPARTMENT_DETAIL`, a panel function
`fn(request, *, department) -> Panel | None`; complaints adds its own section the same way
(its count of reports about the department), and the page shows the sections side by side.
"""

from django.template.loader import render_to_string

from lianfang.core import extensions
from lianfang.core.extensions import Panel
from lianfang.org.selectors import DEPARTMENT_DETAIL

from . import selectors


def department_panel(request, *, department) -> Panel | None:
    if not selectors.departments_in_reach(request.user).filter(pk=department.pk).exists():
        return None
    since = selectors.month_start(2)
    total = selectors.department_total(department=department, since=since)
    html = render_to_string(
        "satisfaction/department_panel.html", {"dept": department, "total": total}, request=request
    )
    return Panel(html=html)


extensions.contribute(DEPARTMENT_DETAIL, department_panel, order=20)
