"""The campaign pages: the form (errors in Chinese on the form), opening and closing, the
progress page whose every number opens its filtered list, and its query count at 5 and at 50
departments."""

import pytest
from django.urls import reverse
from django.utils import timezone

from lianfang.campaigns.models import Campaign, CampaignTask
from lianfang.org.models import Department, Post
from lianfang.risks import services as risk_services
from tests.campaigns.helpers import make_campaign, phases_around, post_point
from tests.documents_text import pdf_text, soffice_pdf_text
from tests.factories import make_department, make_person

pytestmark = pytest.mark.django_db


def form_data(world, **changes):
    data = {
        "organisation": world.hospital.pk,
        "name": "2026年度廉政风险排查",
        "year": timezone.localdate().year,
        "scope": "whole",
        "leaders_after_departments": "on",
    }
    for phase, (start, end) in phases_around().items():
        data[f"phase_{phase}_start"] = start.isoformat()
        data[f"phase_{phase}_end"] = end.isoformat()
    return {**data, **changes}


def test_the_office_creates_opens_and_closes_a_campaign(world, login):
    client = login(world.users["integrity"])
    bad = form_data(world, phase_file_end="2000-01-01")
    response = client.post(reverse("campaigns:new"), bad)
    assert response.status_code == 200
    assert "结束日期早于开始日期" in response.content.decode()
    assert not Campaign.objects.exists()
    response = client.post(reverse("campaigns:new"), form_data(world))
    campaign = Campaign.objects.get()
    assert response.url == reverse("campaigns:detail", args=[campaign.pk])
    assert "排查尚未发布" in client.get(response.url).content.decode()
    client.post(reverse("campaigns:open", args=[campaign.pk]))
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert 'data-testid="campaign-progress"' in page and "心内科" in page and "领导班子" in page
    client.post(reverse("campaigns:close", args=[campaign.pk]))
    campaign.refresh_from_db()
    assert campaign.state == "closed" and campaign.summary["tasks"] == 8
    assert (
        'data-testid="campaign-summary"'
        in client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    )


def test_each_number_opens_its_list(world, login):
    campaign = make_campaign(world)
    staff, head = world.users["staff"], world.users["dept_head"]
    point = post_point(world, staff)
    risk_services.risk_point_submit(actor=staff, risk_point=point)
    risk_services.risk_point_return(actor=head, risk_point=point, reason="不具体")
    client = login(world.users["integrity"])
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    tasks = reverse("campaigns:tasks", args=[campaign.pk])
    link = f"{tasks}?department={world.cardiology.pk}&amp;status=returned"
    assert link in page
    listed = client.get(link.replace("&amp;", "&")).content.decode()
    assert listed.count('data-testid="task-row"') == 1 and "张医生" in listed
    returned = client.get(f"{tasks}?returned=1").content.decode()
    assert returned.count('data-testid="task-row"') == 1
    not_started = client.get(
        f"{tasks}?department={world.cardiology.pk}&status=not_started"
    ).content.decode()
    assert "张医生" not in not_started and "赵医生" in not_started


def test_late_tasks_are_counted_once_the_filing_phase_ended(world, login):
    campaign = make_campaign(world, phases=phases_around(filing_open=False))
    client = login(world.users["integrity"])
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert 'data-testid="total-late"' in page
    late = client.get(reverse("campaigns:tasks", args=[campaign.pk]) + "?late=1").content.decode()
    assert late.count('data-testid="task-row"') == 8


def grow(world, departments):
    """`departments` more departments, each with a post and two people."""
    for i in range(departments):
        department = make_department(world.hospital, f"测试科{i}", f"CS{i}")
        post = Post.objects.create(
            organisation=world.hospital, department=department, name="医师", code=f"P-CS{i}"
        )
        for j in range(2):
            make_person(world.hospital, department, f"9{i:03d}{j}", f"人员{i}-{j}", post)


@pytest.mark.parametrize("departments", [5, 50])
def test_the_progress_page_reads_a_fixed_number_of_queries(
    world, login, departments, django_assert_max_num_queries
):
    grow(world, departments)
    campaign = make_campaign(world)
    assert Department.objects.count() > departments
    some = CampaignTask.objects.filter(campaign=campaign).order_by("pk")[:3]
    CampaignTask.objects.filter(pk__in=[t.pk for t in some]).update(
        status="returned", return_count=2
    )
    client = login(world.users["integrity"])
    url = reverse("campaigns:detail", args=[campaign.pk])
    client.get(url)
    with django_assert_max_num_queries(15):
        response = client.get(url)
    assert response.content.decode().count('data-testid="progress-row"') == departments + 4


def test_tasks_not_started_after_the_phase_of_finding_risks_are_late(world, login):
    campaign = make_campaign(world)  # 查找风险 ended; the filing phase runs
    staff = world.users["staff"]
    risk_services.risk_point_submit(actor=staff, risk_point=post_point(world, staff))
    client = login(world.users["integrity"])
    late = client.get(reverse("campaigns:tasks", args=[campaign.pk]) + "?late=1").content.decode()
    assert late.count('data-testid="task-row"') == 7 and "张医生" not in late


def test_the_summary_downloads_as_word_with_its_figures(world, login, tmp_path):
    import io

    from docx import Document

    from lianfang.campaigns import services
    from lianfang.core.models import AuditEvent

    campaign = make_campaign(world)
    services.campaign_close(actor=world.users["integrity"], campaign=campaign)
    client = login(world.users["integrity"])
    response = client.get(reverse("campaigns:summary_docx", args=[campaign.pk]))
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"{campaign.name}工作总结" in text and "共下达排查任务 8 项" in text
    cells = {c.text for t in document.tables for r in t.rows for c in r.cells}
    assert {"心内科", "采购中心", "领导班子", "评估定级与备案"} <= cells
    assert AuditEvent.objects.filter(action="campaigns.summary.docx").exists()
    # what the office's Word makes of it: LibreOffice opens it, the Chinese text intact
    text = soffice_pdf_text(response.content, tmp_path)
    assert f"{campaign.name}工作总结" in text and "共下达排查任务8项" in text


def test_the_summary_downloads_as_pdf_beside_the_word_one(world, login):
    from lianfang.campaigns import services
    from lianfang.core.models import AuditEvent

    campaign = make_campaign(world)
    client = login(world.users["integrity"])
    page = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    url = reverse("campaigns:summary_pdf", args=[campaign.pk])
    assert f'href="{url}"' in page  # the button beside the Word one, while it runs
    services.campaign_close(actor=world.users["integrity"], campaign=campaign)
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert ".pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert f"{campaign.name}工作总结" in text and "共下达排查任务8项" in text
    for words in ("心内科", "采购中心", "领导班子", "评估定级与备案", "已结束"):
        assert words in text, words
    assert AuditEvent.objects.filter(action="campaigns.summary.pdf").exists()


def test_staff_see_their_task_keep_a_carried_point_and_see_changes(world, login):
    office = world.users["integrity"]
    kept = post_point(world, world.users["staff"], name="超剂量开具特定厂家药品")
    changed = post_point(world, world.users["staff"], name="接受医药代表宴请")
    for point in (kept, changed):
        risk_services.risk_point_file_directly(actor=office, risk_point=point, reason="上年备案")
    campaign = make_campaign(world)
    # changed since the campaign began (as an approved change would)
    from lianfang.risks.models import RiskPoint

    RiskPoint.objects.filter(pk=changed.pk).update(name="接受医药代表宴请及礼品")
    client = login(world.users["staff"])
    page = client.get(reverse("campaigns:mine")).content.decode()
    assert page.count('data-testid="my-point"') == 2
    assert page.count('data-testid="point-changed"') == 1
    mine = CampaignTask.objects.get(campaign=campaign, person=world.staff_person)
    cp = mine.points.get(risk_point=kept)
    theirs = CampaignTask.objects.get(campaign=campaign, person=world.colleague_person)
    other = theirs.points.get(risk_point=kept)
    assert client.post(reverse("campaigns:point_confirm", args=[other.pk])).status_code == 404
    other.refresh_from_db()
    assert not other.confirmed
    response = client.post(reverse("campaigns:point_confirm", args=[cp.pk]))
    assert response.status_code == 302
    cp.refresh_from_db()
    assert cp.confirmed


def test_my_tasks_mark_the_point_returned_until_it_is_sent_again(world, login):
    campaign = make_campaign(world)
    point = post_point(world, world.users["staff"])
    risk_services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    risk_services.risk_point_return(
        actor=world.users["dept_head"], risk_point=point, reason="表现形式不具体"
    )
    client = login(world.users["staff"])
    page = client.get(reverse("campaigns:mine")).content.decode()
    task = CampaignTask.objects.get(campaign=campaign, person=world.staff_person)
    assert task.status == CampaignTask.Status.RETURNED
    # the task says 已退回; the point to correct says so too
    assert page.count('data-testid="point-returned"') == 1
    assert 'data-testid="point-waiting"' not in page
    risk_services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    page = client.get(reverse("campaigns:mine")).content.decode()
    assert 'data-testid="point-returned"' not in page
    assert page.count('data-testid="point-waiting"') == 1
