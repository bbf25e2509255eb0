"""Campaigns (campaigns/services.py): the draft and its checks, opening with a task per person
and department (inline and as a job), the gates on the register's filing (phase dates, the
bottom-up order), the tasks following their filings through the review chain, carried-over
points, closing with the summary."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from lianfang.campaigns import services
from lianfang.campaigns.models import Campaign, CampaignPoint, CampaignTask
from lianfang.campaigns.warning_rules import late_conditions, not_reconfirmed_conditions
from lianfang.core import jobs
from lianfang.core.models import AuditEvent, Job
from lianfang.reviews.models import Submission
from lianfang.risks import services as risk_services
from lianfang.risks.models import RiskPointEvent
from tests.campaigns.helpers import department_point, make_campaign, phases_around, post_point

pytestmark = pytest.mark.django_db


def task_of(campaign, person):
    return CampaignTask.objects.get(campaign=campaign, person=person)


def test_a_draft_refuses_phases_out_of_order_and_an_empty_scope(world):
    phases = phases_around()
    phases["find"], phases["mobilise"] = phases["mobilise"], phases["find"]
    with pytest.raises(ValidationError) as caught:
        make_campaign(world, open_=False, phases=phases)
    assert "不能早于上一阶段开始" in str(caught.value.message_dict["phase_find"])
    with pytest.raises(ValidationError) as caught:
        services.campaign_create(
            actor=world.users["integrity"],
            organisation=world.hospital,
            data={"name": "排查", "year": 2026, "scope": "departments", "phases": phases_around()},
        )
    assert "请至少选择一个科室" in caught.value.message_dict["departments"][0]
    assert not Campaign.objects.exists()


def test_opening_gives_every_department_and_person_a_task_and_is_audited(world):
    campaign = make_campaign(world)
    tasks = CampaignTask.objects.filter(campaign=campaign)
    departments = tasks.filter(kind=CampaignTask.Kind.DEPARTMENT)
    assert {t.department for t in departments} == {
        world.cardiology,
        world.procurement,
        world.finance,
    }
    people = tasks.filter(kind=CampaignTask.Kind.PERSON)
    assert {t.person.name for t in people} == {"王副院长", "李主任", "张医生", "赵医生", "陈采购"}
    assert people.get(person=world.leader_person).is_leader
    assert not people.get(person=world.staff_person).is_leader
    assert set(tasks.values_list("status", flat=True)) == {"not_started"}
    campaign.refresh_from_db()
    assert campaign.state == Campaign.State.OPEN and campaign.task_count == 8
    event = AuditEvent.objects.get(action="campaign.open")
    assert event.after["tasks"] == 8
    with pytest.raises(ValidationError, match="只有草稿状态"):
        services.campaign_open(actor=world.users["integrity"], campaign=campaign)


def test_chosen_departments_take_their_staff_and_the_leaders_in_charge(world):
    campaign = make_campaign(world, departments=[world.procurement])
    names = set(
        CampaignTask.objects.filter(campaign=campaign, kind="person").values_list(
            "person__name", flat=True
        )
    )
    assert names == {"陈采购", "王副院长"}


def test_a_large_scope_opens_through_a_job_with_progress(world, monkeypatch):
    monkeypatch.setattr(services, "INLINE_TASKS", 3)
    campaign = make_campaign(world)
    assert not CampaignTask.objects.filter(campaign=campaign).exists()
    job = Job.objects.get(kind="campaigns.open")
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == "done", job.error
    assert job.result == {"tasks": 8}
    assert job.done == job.total == 8
    assert CampaignTask.objects.filter(campaign=campaign).count() == 8


@pytest.mark.django_db(transaction=True)
def test_the_job_commits_each_batch_before_telling_its_progress(world, monkeypatch):
    """The job page reads progress from another connection: it sees a count only once the
    batch it counts is committed (no transaction held round the whole job)."""
    from django.db import connection

    from lianfang.campaigns import jobs as campaign_jobs

    monkeypatch.setattr(services, "INLINE_TASKS", 3)
    monkeypatch.setattr(services, "BATCH", 3)
    campaign = make_campaign(world)
    job = Job.objects.get(kind="campaigns.open")
    told = []

    def progress(done, total=None, message=None, *, force=False):
        made = CampaignTask.objects.filter(campaign=campaign).count()
        told.append((done, total, made, connection.in_atomic_block))

    assert campaign_jobs.open_tasks(job, progress) == {"tasks": 8}
    assert [(done, made) for done, _total, made, _ in told][:4] == [(0, 0), (3, 3), (6, 6), (8, 8)]
    assert not any(in_transaction for *_, in_transaction in told)


def test_a_filing_outside_the_filing_phase_is_refused_in_chinese(world):
    make_campaign(world, phases=phases_around(timezone.localdate() + dt.timedelta(days=30)))
    point = post_point(world, world.users["staff"])
    with pytest.raises(ValidationError) as caught:
        risk_services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    assert "评估定级与备案阶段为" in caught.value.messages[0]
    assert "不在此期间不能提交备案" in caught.value.messages[0]
    assert not Submission.objects.exists()


def test_a_filing_outside_every_campaign_is_not_gated(world):
    make_campaign(world, departments=[world.procurement])
    point = post_point(world, world.users["staff"])  # 心内科: not in scope
    risk_services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    assert Submission.objects.open().count() == 1
    assert not CampaignPoint.objects.exists()


def file_through_chain(world, point, submitter):
    risk_services.risk_point_submit(actor=submitter, risk_point=point)
    return risk_services.risk_point_approve(actor=world.users["integrity"], risk_point=point)


def test_a_leader_files_after_the_departments_in_charge(world):
    campaign = make_campaign(world, departments=[world.procurement, world.cardiology])
    leader_point = post_point(world, world.users["leader"], post="P-FYZ", name="分管采购干预招标")
    with pytest.raises(ValidationError) as caught:
        risk_services.risk_point_submit(actor=world.users["leader"], risk_point=leader_point)
    message = caught.value.messages[0]
    assert "领导班子成员须在所分管科室全部备案后提交" in message
    assert "采购中心" in message and "心内科" not in message  # in charge of 采购中心 only
    # 采购中心 files: its buyer's post point and its own department point
    buyer = post_point(world, world.users["admin"], post="P-CGY", name="采购验收不严")
    file_through_chain(world, buyer, world.users["admin"])
    # filed by the administrator for the post: the task of the post's holder
    assert task_of(campaign, world.procurement_person).status == "filed"
    file_through_chain(world, department_point(world, world.procurement), world.users["admin"])
    statuses = set(
        CampaignTask.objects.filter(campaign=campaign, department=world.procurement).values_list(
            "status", flat=True
        )
    )
    assert statuses == {"filed"}
    risk_services.risk_point_submit(actor=world.users["leader"], risk_point=leader_point)
    assert task_of(campaign, world.leader_person).status == "in_review"


def test_the_task_follows_its_filing_through_returns_to_the_register(world):
    campaign = make_campaign(world)
    staff, head, office = world.users["staff"], world.users["dept_head"], world.users["integrity"]
    point = post_point(world, staff)
    risk_services.risk_point_submit(actor=staff, risk_point=point)
    task = task_of(campaign, world.staff_person)
    assert task.status == "in_review"
    assert CampaignPoint.objects.get(task=task).origin == "new"
    for round_ in range(1, 4):
        risk_services.risk_point_return(actor=head, risk_point=point, reason="表现形式不具体")
        task.refresh_from_db()
        assert (task.status, task.return_count) == ("returned", round_)
        risk_services.risk_point_submit(actor=staff, risk_point=point)
    risk_services.risk_point_approve(actor=head, risk_point=point)
    assert task_of(campaign, world.staff_person).status == "in_review"
    risk_services.risk_point_approve(actor=office, risk_point=point)
    task.refresh_from_db()
    assert task.status == "filed" and task.filed_at is not None
    filed = RiskPointEvent.objects.get(risk_point=point, type=RiskPointEvent.Type.FILED)
    assert f"来自{campaign.name}" in filed.reason  # the register's history names the campaign


def test_carried_points_wait_for_confirmation_and_unconfirmed_ones_are_flagged(world):
    office = world.users["integrity"]
    kept = post_point(world, world.users["staff"], name="超剂量开具特定厂家药品")
    dropped = post_point(world, world.users["staff"], name="接受医药代表宴请")
    for point in (kept, dropped):
        risk_services.risk_point_file_directly(actor=office, risk_point=point, reason="上年备案")
    campaign = make_campaign(world)
    task = task_of(campaign, world.staff_person)
    carried = CampaignPoint.objects.filter(task=task)
    assert {cp.origin for cp in carried} == {"carried"}
    assert carried.get(risk_point=kept).baseline["name"] == "超剂量开具特定厂家药品"
    assert task.status == "drafting"
    services.campaign_point_confirm(
        actor=world.users["staff"], campaign_point=carried.get(risk_point=kept)
    )
    assert RiskPointEvent.objects.filter(risk_point=kept, type="reviewed").exists()
    closed = services.campaign_close(actor=office, campaign=campaign)
    # the post's point is re-confirmed for the post: for 赵医生 on the same post too
    assert CampaignPoint.objects.get(
        task=task_of(campaign, world.colleague_person), risk_point=kept
    ).confirmed
    assert closed.summary["not_reconfirmed"] == 1
    assert closed.summary["origins"]["carried"] == 1
    flagged = {c.evidence["point"][1] for c in not_reconfirmed_conditions(timezone.localdate())}
    assert flagged == {"接受医药代表宴请"}
    assert AuditEvent.objects.filter(action="campaign.close").exists()


def test_late_departments_are_warned_after_the_filing_phase(world):
    make_campaign(world, phases=phases_around(filing_open=False))
    conditions = late_conditions(timezone.localdate())
    assert {c.evidence["department"][1] for c in conditions} == {"心内科", "采购中心", "财务科"}
    owner = next(c.owner for c in conditions if c.evidence["department"][1] == "心内科")
    assert owner == world.head_person
