"""The assessments pages: the office's list (sorted, filtered, a fixed number of queries), a
new assessment through the evidence picker, the party's signing and rectification, the notice
as Word (converted by LibreOffice) and PDF, the statistics, and the timeline panels on the
person's and the department's pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from lianfang.assessments.models import Assessment, Evidence
from lianfang.core.models import WarningLevel
from tests.documents_text import pdf_text, soffice_pdf_text

from .helpers import assess, calendar_known, overdue_measure, rectify  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("calendar_known")]


def test_the_office_creates_an_assessment_citing_picked_records(world, login):
    point, measure = overdue_measure(world, person=world.staff_person)
    client = login(world.users["integrity"])
    step_one = client.get(reverse("assessments:create"))
    assert step_one.status_code == 200
    url = reverse("assessments:create") + f"?person={world.staff_person.pk}"
    page = client.get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "双人验收药品入库" in body and "药品采购中收受回扣" in body
    response = client.post(
        url,
        {
            "level": WarningLevel.WARNING,
            "cite": [f"measure:{measure.pk}"],
            "findings": "审计发现：验收记录缺签字\n",
            "risk_points": [point.pk],
            "grounds": "措施逾期未落实。",
            "measures": ["admonition_talk", "rectify"],
            "talk_on": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
            "requirements": "修订验收制度。",
        },
    )
    assessment = Assessment.objects.get()
    assert response.status_code == 302 and response.url == assessment.get_absolute_url()
    assert sorted(assessment.evidence.values_list("kind", flat=True)) == [
        Evidence.Kind.AUDIT_FINDING,
        Evidence.Kind.MEASURE_OVERDUE,
    ]
    assert list(assessment.risk_points.all()) == [point]
    # no evidence at all: refused on the form, nothing written
    again = client.post(
        url,
        {
            "level": WarningLevel.NOTICE,
            "grounds": "无依据",
            "measures": ["rectify"],
            "requirements": "x",
        },
    )
    assert again.status_code == 200 and "请至少引用一条依据" in again.content.decode()
    assert Assessment.objects.count() == 1


def test_the_list_sorts_filters_and_keeps_its_queries(world, login, django_assert_max_num_queries):
    client = login(world.users["integrity"])
    assess(world, level=WarningLevel.CARD)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("assessments:list"))
    for person in (world.colleague_person, world.head_person, world.procurement_person) * 4:
        assess(world, person=person)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("assessments:list") + "?sort=-level")
    rows = response.content.decode().count('data-testid="assessment-row"')
    assert rows == 13
    filtered = client.get(reverse("assessments:list") + f"?level={WarningLevel.CARD}")
    assert filtered.content.decode().count('data-testid="assessment-row"') == 1
    bad = client.get(reverse("assessments:list") + "?level=x&status=zzz&sort=nope")
    assert bad.status_code == 200


def test_a_leader_sees_only_the_cards(world, login):
    assess(world, level=WarningLevel.CARD)
    assess(world, level=WarningLevel.WARNING, person=world.colleague_person)
    response = login(world.users["leader"]).get(reverse("assessments:list"))
    assert response.content.decode().count('data-testid="assessment-row"') == 1


def test_the_party_signs_and_rectifies_on_its_page(world, login):
    assessment = assess(world)
    client = login(world.users["staff"])
    page = client.get(reverse("assessments:detail", args=[assessment.pk]))
    assert 'data-testid="notice-sign"' in page.content.decode()
    client.post(reverse("assessments:sign", args=[assessment.pk]))
    assert assessment.notices.get().signed_at is not None
    url = reverse("assessments:rectify", args=[assessment.pk])
    refused = client.post(url, {"cause": "原因", "m1_text": "措施无责任人", "m1_due": "2030-01-01"})
    assert refused.status_code == 200 and "责任人" in refused.content.decode()
    response = client.post(
        url,
        {
            "cause": "制度执行不严",
            "m1_text": "修订验收制度",
            "m1_person": world.staff_person.pk,
            "m1_due": "2030-01-01",
            "m2_text": "科室每月自查",
            "m2_department": world.cardiology.pk,
            "m2_due": "2030-02-01",
        },
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.rectifications.get().measures.count() == 2


def test_the_office_returns_and_the_page_shows_the_escalation(world, login):
    assessment = assess(world)
    office = login(world.users["integrity"])
    for reason in ("原因分析不深入", "措施仍未落实"):
        rectify(world, assessment)
        office.post(reverse("assessments:return", args=[assessment.pk]), {"reason": reason})
    assessment.refresh_from_db()
    assert assessment.level == WarningLevel.WARNING
    page = office.get(reverse("assessments:detail", args=[assessment.pk])).content.decode()
    assert "结论升级" in page and "措施仍未落实" in page
    table = page.split('data-testid="notice-table"')[1].split("</table>")[0]
    assert table.count("廉评〔") == 2


def test_the_notice_opens_in_libreoffice_with_its_chinese_text(world, login, tmp_path):
    assessment = assess(world, talk_on=timezone.localdate() + dt.timedelta(days=1))
    response = login(world.users["staff"]).get(
        reverse("assessments:notice_docx", args=[assessment.pk])
    )
    assert response.status_code == 200
    text = soffice_pdf_text(response.content, tmp_path)
    notice = assessment.notices.get()
    for words in ("廉政风险评估通知书", "示例市人民医院", "张医生", "提示", "提醒谈话", "谈话后"):
        assert words in text, words
    assert notice.number in text


def test_the_notice_as_pdf(world, login):
    assessment = assess(world)
    response = login(world.users["integrity"]).get(
        reverse("assessments:notice_pdf", args=[assessment.pk])
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "评估通知书" in pdf_text(response.content)


def test_statistics_and_the_timeline_panels(world, login):
    assessment = assess(world, level=WarningLevel.CARD)
    client = login(world.users["integrity"])
    response = client.get(reverse("assessments:stats"))
    assert (
        response.status_code == 200
        and 'data-testid="statistics-chart"' in response.content.decode()
    )
    person_page = client.get(reverse("org:person_detail", args=[world.staff_person.pk]))
    assert 'data-testid="assessment-panel"' in person_page.content.decode()
    assert reverse("assessments:detail", args=[assessment.pk]) in person_page.content.decode()
    dept = client.get(reverse("org:department_detail", args=[world.cardiology.pk]))
    assert (
        'data-testid="assessment-panel"' not in dept.content.decode()
    )  # a person's, not the department's


def test_the_mine_page_lists_ones_own(world, login):
    assess(world)
    assess(world, person=world.colleague_person)
    response = login(world.users["staff"]).get(reverse("assessments:mine"))
    assert response.content.decode().count('data-testid="mine-row"') == 1
