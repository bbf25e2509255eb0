"""The department page's complaint counts (org's DEPARTMENT_DETAIL slot): only the integrity
office and the leaders see them, counts only, and never what a viewer is recused from."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.accounts.models import RoleGrant
from lianfang.complaints import services
from lianfang.core.roles import Role
from lianfang.org.models import Department

pytestmark = pytest.mark.django_db

CONTENT = "哨兵内容ZX81他收了红包"


def _page(client, user, department):
    client.force_login(user)
    response = client.get(reverse("org:department_detail", args=[department.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _panel(html):
    start = html.find('data-testid="department-complaints"')
    if start == -1:
        return None
    return html[start : html.index("</section>", start)]


@pytest.fixture
def orthopaedics(world):
    return Department.objects.create(organisation=world.hospital, name="骨科", code="GK")


def test_the_integrity_office_sees_counts_by_state_and_month_and_nothing_else(
    office, client, world
):
    first, _code = office.file(content=CONTENT)
    office.file(content=CONTENT, subject_person=None, subject_department=world.cardiology)
    services.complaint_accept(actor=office.lead, complaint=first)
    for user in (world.users["integrity"], world.users["commission_integrity"]):
        html = _page(client, user, world.cardiology)
        panel = _panel(html)
        assert panel is not None, user
        assert 'data-testid="department-complaints-total">2<' in panel
        assert "受理</span> 1" in panel and "登记</span> 1" in panel
        assert 'data-testid="department-complaints-months"' in panel
        assert 'data-testid="department-satisfaction"' in html  # side by side
        # no content, no reference, no person concerned
        for secret in (CONTENT, first.reference, "回执"):
            assert secret not in html
        assert world.staff_person.name not in panel


def test_nobody_else_sees_the_panel(office, client, world):
    office.file()
    for key in ("admin", "dept_head", "staff"):
        html = _page(client, world.users[key], world.cardiology)
        assert _panel(html) is None, key


def test_the_leader_in_charge_is_told_of_recusal_not_shown_a_count(office, client, world):
    office.file()  # the Office makes the leader 分管 cardiology
    panel = _panel(_page(client, world.users["leader"], world.cardiology))
    assert 'data-testid="department-complaints-recused"' in panel
    assert "department-complaints-total" not in panel


def test_a_viewer_the_reporter_excluded_does_not_count_that_report(
    office, client, world, orthopaedics
):
    office.file(subject_person=None, subject_department=orthopaedics)
    office.file(
        subject_person=None, subject_department=orthopaedics, excluded=[office.handler_person]
    )
    handler = _panel(_page(client, office.handler, orthopaedics))
    assert 'data-testid="department-complaints-total">1<' in handler
    integrity = _panel(_page(client, world.users["integrity"], orthopaedics))
    assert 'data-testid="department-complaints-total">2<' in integrity


def test_a_department_head_never_learns_of_a_report_about_themselves(
    office, client, world, orthopaedics
):
    # the head also sits in the integrity office (兼职纪检委员), so sees the counts
    head = world.users["dept_head"]
    RoleGrant.objects.create(user=head, role=Role.INTEGRITY, organisation=world.hospital)
    head = type(head).objects.get(pk=head.pk)
    # a report about the head themself, filed under cardiology, which they head
    office.file(subject_person=world.head_person)
    panel = _panel(_page(client, head, world.cardiology))
    assert 'data-testid="department-complaints-recused"' in panel
    assert "department-complaints-total" not in panel
    # and one about them picked under another department is not counted for them
    office.file(subject_person=world.head_person, subject_department=orthopaedics)
    office.file(subject_person=None, subject_department=orthopaedics)
    panel = _panel(_page(client, head, orthopaedics))
    assert 'data-testid="department-complaints-total">1<' in panel
    integrity = _panel(_page(client, world.users["integrity"], orthopaedics))
    assert 'data-testid="department-complaints-total">2<' in integrity


def test_the_panels_queries_do_not_grow_with_the_reports(office, client, world):
    office.file()
    client.force_login(world.users["integrity"])
    url = reverse("org:department_detail", args=[world.cardiology.pk])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _i in range(6):
        office.file()
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
