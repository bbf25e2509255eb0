"""The demo's positioning tables (廉政风险定位表) print as real ones do: a department head's on
one to three A4 pages, a leader's about one page per department in charge and level.

The pages are counted in the PDF the page's download answers (WeasyPrint, read back with
pypdf). Every department head's table is built; the largest ones are printed."""

import io
from statistics import median

import pytest
from django.http import HttpRequest
from django.urls import reverse
from pypdf import PdfReader

from lianfang.accounts.models import User
from lianfang.demo.services import DEMO_PASSWORD
from lianfang.org.models import Department, LeaderDivision, Organisation
from lianfang.risks import positioning

pytestmark = pytest.mark.django_db
PRINTED = 6  # the heads' tables printed: the largest, by rows and then by text


@pytest.fixture
def hospital(demo_once, settings):
    settings.REQUIRE_OTP = False
    return Organisation.objects.get(name="示例市人民医院")


def pages(response) -> int:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "application/pdf"
    return len(PdfReader(io.BytesIO(response.content)).pages)


def text_size(table) -> int:
    return sum(
        len(row.point.name) + len(row.point.manifestation) + len(row.measures_text)
        for row in table.rows
    )


def test_every_department_heads_table_prints_on_one_to_three_pages(hospital, client):
    integrity = User.objects.get(username="integrity")
    client.force_login(integrity)
    tables = []
    for department in Department.objects.filter(organisation=hospital).select_related("head"):
        table = positioning.positioning_table(user=integrity, leader=department.head)
        tables.append((department, table))
    rows = [len(table.rows) for _department, table in tables]
    assert median(rows) >= 5  # the departments' tables say something
    assert max(rows) <= 18  # what three pages hold (checked below on the largest)

    largest = sorted(tables, key=lambda dt: (len(dt[1].rows), text_size(dt[1])), reverse=True)
    for department, table in largest[:PRINTED]:
        url = reverse("risks:positioning_pdf", args=[department.head_id])
        assert 1 <= pages(client.get(url)) <= 3, (department.name, len(table.rows))


def test_the_demo_department_head_prints_their_own_table(hospital, client):
    assert client.login(request=HttpRequest(), username="dept_head", password=DEMO_PASSWORD)
    head = User.objects.get(username="dept_head").person
    response = client.get(reverse("risks:positioning_pdf", args=[head.pk]))
    assert 1 <= pages(response) <= 3


def test_a_leaders_table_runs_about_a_page_per_department_and_level(hospital, client):
    """The demo leader is in charge of a dozen departments; the 一级 table (what a leader
    prints first) takes at most a page per department, and holds the leader's own points."""
    assert client.login(request=HttpRequest(), username="leader", password=DEMO_PASSWORD)
    leader = User.objects.get(username="leader").person
    departments = LeaderDivision.objects.in_force().filter(leader=leader).count()
    assert departments >= 10
    table = positioning.table_for(user=leader.user, person=leader, levels_param="1")
    assert any(row.point.post_id and row.point.post.is_leadership for row in table.rows)
    url = reverse("risks:positioning_pdf", args=[leader.pk]) + "?levels=1"
    assert len(table.rows) <= 100  # printed at once, not by a background job
    assert 1 < pages(client.get(url)) <= departments
