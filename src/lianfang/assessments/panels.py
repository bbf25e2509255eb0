"""What assessments add to org's pages through their slots (org names no assessments): the
assessment steps of a department (`DEPARTMENT_DETAIL`) and of a person (`PERSON_DETAIL`), as
far as the reader may see them."""

from django.template.loader import render_to_string

from lianfang.core import extensions
from lianfang.core.extensions import Panel
from lianfang.org.selectors import DEPARTMENT_DETAIL, PERSON_DETAIL

from . import selectors

LIMIT = 8


def _panel(request, events) -> Panel | None:
    events = list(events[:LIMIT])
    if not events:
        return None
    html = render_to_string(
        "assessments/party_panel.html", {"events": events, "limit": LIMIT}, request=request
    )
    return Panel(html=html)


def department_panel(request, *, department) -> Panel | None:
    return _panel(request, selectors.party_timeline(user=request.user, department=department))


def person_panel(request, *, person) -> Panel | None:
    return _panel(request, selectors.party_timeline(user=request.user, person=person))


extensions.contribute(DEPARTMENT_DETAIL, department_panel, order=40)
extensions.contribute(PERSON_DETAIL, person_panel, order=40)
