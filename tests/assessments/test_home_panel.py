"""亮牌 visible to the leaders: the home page's board of current 亮牌 (each a link to its
assessment) and 预警 counted, for the leaders and the integrity office of the unit; not for
staff or heads, not another unit's cards; a fixed number of queries."""

import pytest
from django.urls import reverse

from lianfang.assessments import services
from lianfang.core.models import WarningLevel
from tests.factories import make_person

from .helpers import DATA, assess, calendar_known, rectify  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_known")]


def card_elsewhere(world):
    """A 亮牌 on a person of the other hospital, issued by the commission's office."""
    office = world.users["commission_integrity"]
    assessment = services.assessment_create(
        actor=office,
        organisation=world.other_hospital,
        person=world.other_person,
        data={**DATA, "level": WarningLevel.CARD},
        cite=[],
        findings=["巡察发现：违规收受礼金"],
    )
    services.assessment_issue(actor=office, assessment=assessment)
    return assessment


def board(client):
    html = client.get(reverse("dashboard:home")).content.decode()
    return html if 'data-testid="leader-cards"' in html else None


def test_a_leader_sees_the_units_current_cards_and_counts_its_warnings(world, login):
    card = assess(world, level=WarningLevel.CARD)
    assess(world, level=WarningLevel.WARNING, person=world.colleague_person)
    assess(world, level=WarningLevel.CARD, person=world.procurement_person, issue=False)  # a draft
    elsewhere = card_elsewhere(world)
    client = login(world.users["leader"])
    html = board(client)
    assert html is not None
    detail = reverse("assessments:detail", args=[card.pk])
    assert f'href="{detail}"' in html and world.staff_person.name in html
    assert html.count('data-testid="card-row"') == 1  # not the draft, not the other unit's
    assert reverse("assessments:detail", args=[elsewhere.pk]) not in html
    assert 'data-testid="card-count">1<' in html and 'data-testid="warning-count">1<' in html
    assert 'data-testid="warning-link"' not in html  # a leader does not open 预警
    assert client.get(detail).status_code == 200  # the link opens the card


def test_the_office_links_its_warnings_and_the_commission_sees_every_unit(world, login):
    assess(world, level=WarningLevel.WARNING)
    elsewhere = card_elsewhere(world)
    html = board(login(world.users["integrity"]))
    assert 'data-testid="warning-link"' in html and "当前没有亮牌" in html
    html = board(login(world.users["commission_integrity"]))
    assert reverse("assessments:detail", args=[elsewhere.pk]) in html
    assert world.other_hospital.name in html or world.other_hospital.short_name in html


def test_a_rectified_card_leaves_the_board(world, login):
    card = assess(world, level=WarningLevel.CARD)
    client = login(world.users["leader"])
    assert 'data-testid="card-count">1<' in board(client)
    rectify(world, card)
    services.rectification_accept(actor=world.users["integrity"], assessment=card)
    assert 'data-testid="card-count">0<' in board(client)


@pytest.mark.parametrize("user", ["staff", "dept_head", "outsider"])
def test_staff_and_heads_have_no_board(world, login, user):
    assess(world, level=WarningLevel.CARD)
    assert board(login(world.users[user])) is None


def test_the_board_reads_a_fixed_number_of_queries(world, login, django_assert_max_num_queries):
    assess(world, level=WarningLevel.CARD)
    client = login(world.users["leader"])
    client.get(reverse("dashboard:home"))
    with django_assert_max_num_queries(60) as one:
        client.get(reverse("dashboard:home"))
    for i in range(5):
        person = make_person(
            world.hospital,
            world.cardiology,
            f"C{i}",
            f"亮牌{i}",
            world.staff_person.assignments.get().post,
        )
        assess(world, level=WarningLevel.CARD, person=person)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = board(client)
    assert html.count('data-testid="card-row"') == 6
