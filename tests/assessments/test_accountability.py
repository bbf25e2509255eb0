"""述责述廉: a person's yearly report — their filed risk points and measures, their commitment
and its fulfilment item by item with the reviewer's check, the assessments they received and
their rectifications — as a page and as Word; read by the person, the leaders in charge and
the integrity office, 404 for anyone else; linked from the person's page and 我的承诺."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from lianfang.commitments import services as commitment_services
from lianfang.core.models import AuditEvent, WarningLevel
from tests.commitments.conftest import filed  # noqa: F401 - the commitments' fixture
from tests.factories import PASSWORD

from .helpers import assess, calendar_known, rectify  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_known")]

YEAR = timezone.localdate().year


@pytest.fixture
def year_of_work(filed):  # noqa: F811
    """The staff member's year: a signed commitment whose fulfilment the leader in charge
    checked, a 提示 with a rectification submitted."""
    staff, leader = filed.users["staff"], filed.users["leader"]
    c = commitment_services.commitment_generate(actor=staff, person=filed.staff_person, year=YEAR)
    commitment_services.commitment_submit(actor=staff, commitment=c)
    commitment_services.commitment_approve(actor=leader, commitment=c)
    commitment_services.commitment_sign(actor=staff, commitment=c, password=PASSWORD)
    reports = ["全年拒收红包两次并上交", "科室例会讲廉政", "公开诊疗收费", "依规开具处方"]
    commitment_services.fulfilment_report(actor=staff, commitment=c, reports=reports)
    commitment_services.fulfilment_check(
        actor=leader, commitment=c, accept=True, note="事例具体，予以认可"
    )
    assessment = assess(filed, level=WarningLevel.NOTICE)
    rectify(filed, assessment, text="每月自查处方")
    filed.commitment, filed.assessment = c, assessment
    return filed


def report_url(world, person=None, **query):
    url = reverse("assessments:accountability", args=[(person or world.staff_person).pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_report_gathers_the_persons_year(year_of_work, login):
    w = year_of_work
    html = login(w.users["staff"]).get(report_url(w)).content.decode()
    assert f"{YEAR} 年度述责述廉报告" in html
    # the register: the post's filed point with its measure and status, not the draft
    assert "收受医药代表回扣" in html and "处方点评每月一次" in html and "计划中" in html
    assert "草稿中的风险点" not in html
    # the commitment, each item's report and the reviewer's check
    assert html.count('data-testid="fulfilment-item"') == 4
    assert "廉洁自律" in html and "全年拒收红包两次并上交" in html
    assert "已核查" in html and "事例具体，予以认可" in html
    # the assessment received, its notice and the rectification
    assert w.assessment.notices.get().number in html
    assert "对验收制度执行不严。" in html and "每月自查处方" in html
    assert f'href="{reverse("assessments:detail", args=[w.assessment.pk])}"' in html


def test_the_report_as_word(year_of_work, login):
    w = year_of_work
    url = reverse("assessments:accountability_docx", args=[w.staff_person.pk])
    response = login(w.users["integrity"]).get(f"{url}?year={YEAR}")
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"{YEAR} 年度述责述廉报告" in text and w.staff_person.name in text
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert {"收受医药代表回扣", "廉洁自律", "全年拒收红包两次并上交", "提示"} <= cells
    assert any("事例具体，予以认可" in c for c in cells)
    assert any("每月自查处方" in c for c in cells)
    event = AuditEvent.objects.get(action="assessments.accountability.docx")
    assert event.organisation_id == w.hospital.pk


@pytest.mark.parametrize(
    "user, status",
    [
        ("staff", 200),  # the person
        ("leader", 200),  # in charge of cardiology
        ("integrity", 200),
        ("commission_integrity", 200),  # the office above
        ("dept_head", 404),  # a head is not in the list
        ("admin", 404),
        ("outsider", 404),
    ],
)
def test_who_reads_it(year_of_work, login, user, status):
    w = year_of_work
    client = login(w.users[user])
    assert client.get(report_url(w)).status_code == status
    url = reverse("assessments:accountability_docx", args=[w.staff_person.pk])
    assert client.get(url).status_code == status


def test_a_colleagues_report_is_not_found(year_of_work, login):
    w = year_of_work
    client = login(w.users["staff"])
    assert client.get(report_url(w, w.colleague_person)).status_code == 404
    assert client.get(reverse("assessments:accountability", args=[2**40])).status_code == 404


def test_a_leader_reads_the_assessment_but_opens_only_a_card(year_of_work, login):
    w = year_of_work
    html = login(w.users["leader"]).get(report_url(w)).content.decode()
    assert w.assessment.notices.get().number in html  # the 提示 is reported
    assert reverse("assessments:detail", args=[w.assessment.pk]) not in html  # not linked


def test_another_year_and_a_bad_year(year_of_work, login):
    w = year_of_work
    client = login(w.users["staff"])
    html = client.get(report_url(w, year=YEAR - 1)).content.decode()
    assert "本年度没有个人廉政承诺书" in html and "本年度没有接受廉政评估" in html
    html = client.get(report_url(w, year="abc")).content.decode()
    assert f"{YEAR} 年度述责述廉报告" in html  # not a year: this year, not an error


def test_linked_from_the_persons_page_and_my_commitments(year_of_work, login):
    w = year_of_work
    link = report_url(w, year=YEAR)
    page = reverse("org:person_detail", args=[w.staff_person.pk])
    assert link in login(w.users["integrity"]).get(page).content.decode()
    staff = login(w.users["staff"])
    assert link in staff.get(reverse("commitments:mine")).content.decode()
    # a head opens the person's page but not the report: no link
    assert (
        'data-testid="accountability-panel"'
        not in login(w.users["dept_head"]).get(page).content.decode()
    )


def test_the_report_reads_a_fixed_number_of_queries(
    year_of_work, login, django_assert_max_num_queries
):
    w = year_of_work
    client = login(w.users["staff"])
    client.get(report_url(w))
    with django_assert_max_num_queries(60) as one:
        client.get(report_url(w))
    for i in range(3):
        rectify(w, assess(w, level=WarningLevel.NOTICE), text=f"措施{i}")
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(report_url(w)).content.decode()
    assert html.count('data-testid="accountability-assessment"') == 4
