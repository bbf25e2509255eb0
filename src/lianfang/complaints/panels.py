"""What complaints adds to the department page (org's DEPARTMENT_DETAIL slot, beside
satisfaction's panel): how many reports concern the department, by state and by month.

Only the integrity office and the leaders see it (selectors.may_count_department); counts
only, never a reference, a word of content or a person; reports the viewer is recused from
are not counted, and a viewer recused from the whole department (its head, its leader in
charge) is told so instead of shown counts.
"""

from django.template.loader import render_to_string

from lianfang.core import extensions
from lianfang.core.extensions import Panel
from lianfang.org.selectors import DEPARTMENT_DETAIL

from . import selectors


def department_panel(request, *, department) -> Panel | None:
    user = request.user
    if not selectors.may_count_department(user, department):
        return None
    recused = selectors.recused_from_department(user, department)
    counts = None if recused else selectors.department_counts(user=user, department=department)
    html = render_to_string(
        "complaints/department_panel.html",
        {"dept": department, "counts": counts, "recused": recused},
        request=request,
    )
    return Panel(html=html)


extensions.contribute(DEPARTMENT_DETAIL, department_panel, order=30)
