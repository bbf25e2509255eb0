"""What assessments add to other apps' pages: through org's slots (org names no assessments),
the assessment steps of a department (`DEPARTMENT_DETAIL`) and of a person (`PERSON_DETAIL`),
as far as the reader may see them; and the home page's board of current 亮牌 and 预警 for the
leaders and the integrity office (`home_panel`, called by the dashboard, which sits above)."""

from django.template.loader import render_to_string

from lianfang.commitments.selectors import MY_COMMITMENTS
from lianfang.core import extensions
from lianfang.core.extensions import Panel
from lianfang.org.selectors import DEPARTMENT_DETAIL, PERSON_DETAIL

from . import accountability, selectors

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


def accountability_panel(request, *, person) -> Panel | None:
    """The links to the person's 述责述廉 report of the last years, for whoever may read it
    (the person, the leaders in charge, the integrity office): on the person's page and on
    我的承诺, whose fulfilment reports it gathers."""
    if person is None or not accountability.may_read(request.user, person):
        return None
    html = render_to_string(
        "assessments/accountability_panel.html",
        {"person": person, "years": accountability.years_of()},
        request=request,
    )
    return Panel(html=html)


def home_panel(request) -> Panel | None:
    """The current 亮牌 of the reader's units, each a link to its assessment, and the count of
    current 预警; for leaders and the integrity office only (None for anyone else)."""
    board = selectors.leadership_board(request.user)
    if board is None:
        return None
    html = render_to_string("assessments/home_panel.html", {"board": board}, request=request)
    return Panel(html=html)


extensions.contribute(DEPARTMENT_DETAIL, department_panel, order=40)
extensions.contribute(PERSON_DETAIL, person_panel, order=40)
extensions.contribute(PERSON_DETAIL, accountability_panel, order=45)
extensions.contribute(MY_COMMITMENTS, accountability_panel, order=10)
