"""Filing through the review chain (risks/services/filing.py on lianfang.reviews): every
transition, who may decide at each level, the skips and their reasons, changes applied only at
approval, batch approval of unchanged re-submissions only, and direct filing.

The test world (tests/factories.build_world): 张医生 (staff) holds 主治医师 in 心内科, whose
head 李主任 (dept_head) holds 科主任; 王副院长 (leader) is in charge of 采购中心 and 财务科;
the hospital's integrity office (integrity) and the commission's (commission_integrity).
"""

import importlib

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from lianfang.core.models import AuditEvent
from lianfang.org.models import Post
from lianfang.reviews import chain
from lianfang.reviews import services as review_services
from lianfang.reviews.errors import ReviewError
from lianfang.reviews.models import ChainSetting, Decision, Level, Submission
from lianfang.risks import services
from lianfang.risks.models import RiskPoint, RiskPointEvent
from lianfang.risks.services import RiskError
from lianfang.risks.vagueness import FilingProblem
from tests.factories import make_user
from tests.risks.factories import make_power

pytestmark = pytest.mark.django_db


def codes(exc: ValidationError) -> set[str]:
    if hasattr(exc, "error_dict"):
        return {e.code for errors in exc.error_dict.values() for e in errors}
    return {e.code for e in exc.error_list}


@pytest.fixture
def prescribing(world):
    return make_power(
        world.hospital, "处方开具", "QL-CF", department=world.cardiology, steps=["开具处方"]
    )


def draft(world, power, author, *, post="P-ZZYS", name="超剂量开具特定厂家药品", **extra):
    """A draft registered by `author` through the service (so they are its author), with a
    measure: ready to be filed."""
    data = {
        "subject": RiskPoint.Subject.POST,
        "post": Post.objects.get(code=post),
        "power": power,
        "step": power.steps.first(),
        "category": "post_duty",
        "name": name,
        "manifestation": "主治医师为获取药品回扣，超剂量、超疗程开具特定厂家的药品",
        "likelihood": 2,
        "harm": 3,
        **extra,
    }
    point = services.risk_point_create(actor=author, organisation=world.hospital, data=data)
    services.measure_create(
        actor=author,
        organisation=world.hospital,
        data={
            "text": "处方点评每月抽查超剂量处方，结果在科务会通报并约谈",
            "owner_person": world.staff_person,
            "risk_points": [point],
        },
    )
    return RiskPoint.objects.get(pk=point.pk)


@pytest.fixture
def point(world, prescribing):
    return draft(world, prescribing, world.users["staff"])


def fresh(point):
    return RiskPoint.objects.get(pk=point.pk)


def open_of(point):
    return Submission.objects.open().of(point).first()


def events(point, type_):
    return list(point.events.filter(type=type_).order_by("at", "id"))


def audit_actions(point):
    return list(
        AuditEvent.objects.filter(object_type="risks.riskpoint", object_id=str(point.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


# The way up --------------------------------------------------------------------------------------


def test_a_staff_filing_climbs_to_the_head_then_the_office_and_is_filed(world, point):
    staff, head, office = (world.users[r] for r in ("staff", "dept_head", "integrity"))
    assert point.author == staff
    services.risk_point_submit(actor=staff, risk_point=point)
    submission = open_of(point)
    assert (submission.kind, submission.level) == ("file", Level.DEPARTMENT_HEAD)
    assert submission.submitter == staff and submission.author_id == staff.pk
    assert fresh(point).status == RiskPoint.Status.DRAFT  # not in force before approval
    (submitted,) = events(point, RiskPointEvent.Type.SUBMITTED)
    assert submitted.changes == {"waiting_level": "department_head"}

    services.risk_point_approve(actor=head, risk_point=point, note="内容属实")
    submission.refresh_from_db()
    assert submission.level == Level.INTEGRITY_OFFICE
    assert submission.office_id == world.hospital.pk
    (approved,) = events(point, RiskPointEvent.Type.APPROVED)
    assert approved.actor == head and approved.reason == "内容属实"
    # the default chain has no leader level: passed over with the reason, on the record
    (skipped,) = events(point, RiskPointEvent.Type.SKIPPED)
    assert skipped.changes == {
        "review_level": "leader_in_charge",
        "waiting_level": "integrity_office",
    }
    assert skipped.reason == str(Decision.Why.OFF.label)
    assert fresh(point).status == RiskPoint.Status.DRAFT

    services.risk_point_approve(actor=office, risk_point=point)
    point = fresh(point)
    assert point.status == RiskPoint.Status.FILED
    submission.refresh_from_db()
    assert submission.state == Submission.State.APPROVED and submission.decided_at
    (filed,) = events(point, RiskPointEvent.Type.FILED)
    assert filed.changes == {"status": ["draft", "filed"]} and filed.actor == office
    assert audit_actions(point)[-4:] == [
        "risk_point.submit",
        "risk_point.approve",
        "risk_point.approve",
        "risk_point.file",
    ]
    outcomes = list(submission.decisions.values_list("level", "outcome", "why"))
    assert outcomes == [
        ("department_head", "approved", ""),
        ("leader_in_charge", "skipped", "off"),
        ("integrity_office", "approved", ""),
    ]


def test_a_vague_draft_is_not_sent_up(world, prescribing):
    point = services.risk_point_create(
        actor=world.users["staff"],
        organisation=world.hospital,
        data={
            "subject": "post",
            "post": Post.objects.get(code="P-ZZYS"),
            "power": prescribing,
            "category": "post_duty",
            "name": "处方管理有待加强",
            "manifestation": "有待加强",
            "likelihood": 1,
            "harm": 1,
        },
    )
    with pytest.raises(ValidationError) as exc:
        services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    assert FilingProblem.NO_MEASURE in codes(exc.value)
    assert not Submission.objects.of(point).exists()
    assert not events(point, RiskPointEvent.Type.SUBMITTED)


def test_a_submission_is_not_submitted_twice_nor_a_filed_point_filed(world, point):
    staff = world.users["staff"]
    services.risk_point_submit(actor=staff, risk_point=point)
    with pytest.raises(ValidationError) as exc:
        services.risk_point_submit(actor=staff, risk_point=point)
    assert codes(exc.value) == {ReviewError.ALREADY_OPEN}
    RiskPoint.objects.filter(pk=point.pk).update(status=RiskPoint.Status.FILED)
    Submission.objects.of(point).update(state=Submission.State.APPROVED, level="")
    with pytest.raises(ValidationError) as exc:
        services.risk_point_submit(actor=staff, risk_point=point)
    assert codes(exc.value) == {RiskError.NOT_DRAFT}


# Who decides -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["staff", "leader", "integrity", "admin", "commission_integrity"])
def test_only_the_levels_reviewers_decide(world, point, role):
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    for decide in (
        lambda user: services.risk_point_approve(actor=user, risk_point=point),
        lambda user: services.risk_point_return(actor=user, risk_point=point, reason="不同意"),
    ):
        with pytest.raises(ValidationError) as exc:
            decide(world.users[role])
        expected = ReviewError.OWN_SUBMISSION if role == "staff" else ReviewError.NOT_REVIEWER
        assert codes(exc.value) == {expected}
    submission = open_of(point)
    assert submission.level == Level.DEPARTMENT_HEAD and not submission.decisions.exists()
    assert fresh(point).return_count == 0


def test_nobody_approves_their_own_filing_the_level_passes_on(world, prescribing):
    """The head's own draft skips the head's level (the only head is its author) and waits
    for the integrity office."""
    head = world.users["dept_head"]
    point = draft(world, prescribing, head, post="P-KZR", name="科室用药目录调整中收受好处")
    services.risk_point_submit(actor=head, risk_point=point)
    submission = open_of(point)
    assert submission.level == Level.INTEGRITY_OFFICE
    assert list(submission.decisions.values_list("level", "why")) == [
        ("department_head", "own"),
        ("leader_in_charge", "off"),
    ]
    with pytest.raises(ValidationError) as exc:
        services.risk_point_approve(actor=head, risk_point=point)
    assert codes(exc.value) == {ReviewError.OWN_SUBMISSION}
    services.risk_point_approve(actor=world.users["integrity"], risk_point=point)
    assert fresh(point).status == RiskPoint.Status.FILED


def test_an_officers_own_submission_goes_to_the_office_above(world):
    """The hospital's only officer submits a unit point they wrote: their office is left out,
    and the commission's integrity office decides."""
    officer = world.users["integrity"]
    power = make_power(world.hospital, "三重一大事项决策", steps=["集体讨论"])
    point = services.risk_point_create(
        actor=officer,
        organisation=world.hospital,
        data={
            "subject": "unit",
            "power": power,
            "step": power.steps.first(),
            "category": "system_mechanism",
            "name": "重大事项未经集体讨论即决定",
            "manifestation": "主要负责人以碰头会代替党委会，对大额资金使用个人拍板决定",
            "likelihood": 2,
            "harm": 3,
        },
    )
    services.measure_create(
        actor=officer,
        organisation=world.hospital,
        data={
            "text": "大额资金使用一律提交党委会集体讨论并形成会议纪要备查",
            "owner_department": world.finance,
            "risk_points": [point],
        },
    )
    services.risk_point_submit(actor=officer, risk_point=point)
    submission = open_of(point)
    assert (submission.level, submission.office_id) == (
        Level.INTEGRITY_OFFICE,
        world.commission.pk,
    )
    assert list(submission.decisions.values_list("level", "why")) == [
        ("department_head", "no_department"),
        ("leader_in_charge", "off"),
    ]
    with pytest.raises(ValidationError) as exc:
        services.risk_point_approve(actor=officer, risk_point=point)
    assert codes(exc.value) == {ReviewError.OWN_SUBMISSION}
    services.risk_point_approve(actor=world.users["commission_integrity"], risk_point=point)
    assert fresh(point).status == RiskPoint.Status.FILED


def test_without_any_other_officer_the_submission_is_refused(world):
    other = world.other_hospital
    officer = make_user("other_integrity", ("integrity", other))
    world.users["commission_integrity"].delete()
    power = make_power(other, "手术安排", steps=["排台"])
    point = services.risk_point_create(
        actor=officer,
        organisation=other,
        data={
            "subject": "unit",
            "power": power,
            "step": power.steps.first(),
            "category": "post_duty",
            "name": "手术排台收受红包",
            "manifestation": "手术医师在安排手术台次时收受患者或家属红包，为其提前排台",
            "likelihood": 2,
            "harm": 2,
        },
    )
    services.measure_create(
        actor=officer,
        organisation=other,
        data={
            "text": "手术排台由系统按病情等级自动生成，调整须科主任签字留痕",
            "owner_person": world.other_person,
            "risk_points": [point],
        },
    )
    with pytest.raises(ValidationError) as exc:
        services.risk_point_submit(actor=officer, risk_point=point)
    assert codes(exc.value) == {ReviewError.NO_OFFICE}
    assert not Submission.objects.of(point).exists()
    # the integrity office files its own point directly instead
    services.risk_point_file_directly(actor=officer, risk_point=point, reason="本院唯一纪检账号")
    assert fresh(point).status == RiskPoint.Status.FILED


# Skips -------------------------------------------------------------------------------------------


def test_the_leader_level_when_switched_on(world):
    """With the leader level on, a 采购中心 point (no head account) skips the head for
    nobody to act and waits for 王副院长, in charge of it; a 心内科 point, whose department
    has no leader in charge, skips the leader level."""
    ChainSetting.objects.create(
        organisation=world.hospital, department_head=True, leader_in_charge=True
    )
    buyer_user = make_user("buyer", ("staff", world.hospital), person=world.procurement_person)
    power = make_power(world.hospital, "药品耗材采购", department=world.procurement, steps=["遴选"])
    point = draft(world, power, buyer_user, post="P-CGY", name="遴选供应商时透露评分标准")
    services.risk_point_submit(actor=buyer_user, risk_point=point)
    submission = open_of(point)
    assert submission.level == Level.LEADER_IN_CHARGE
    assert list(submission.decisions.values_list("level", "why")) == [("department_head", "nobody")]
    assert chain.current_reviewers(submission) == {world.users["leader"].pk}
    services.risk_point_approve(actor=world.users["leader"], risk_point=point)
    assert open_of(point).level == Level.INTEGRITY_OFFICE

    cardiology = draft(
        world, make_power(world.hospital, "会诊", steps=["会诊"]), world.users["staff"]
    )
    services.risk_point_submit(actor=world.users["staff"], risk_point=cardiology)
    services.risk_point_approve(actor=world.users["dept_head"], risk_point=cardiology)
    submission = open_of(cardiology)
    assert submission.level == Level.INTEGRITY_OFFICE
    assert submission.decisions.get(level="leader_in_charge").why == "nobody"


def test_the_head_level_switched_off(world, point):
    ChainSetting.objects.create(
        organisation=world.hospital, department_head=False, leader_in_charge=False
    )
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    submission = open_of(point)
    assert submission.level == Level.INTEGRITY_OFFICE
    assert submission.levels == ["integrity_office"]
    assert set(submission.decisions.values_list("why", flat=True)) == {"off"}


def test_the_office_skips_a_reviewers_level_with_a_reason(world, point):
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    office = world.users["integrity"]
    with pytest.raises(ValidationError) as exc:
        services.risk_point_skip_level(actor=office, risk_point=point, reason="  ")
    assert codes(exc.value) == {ReviewError.SKIP_REASON_REQUIRED}
    for somebody in ("dept_head", "staff", "admin"):
        with pytest.raises(ValidationError) as exc:
            services.risk_point_skip_level(
                actor=world.users[somebody], risk_point=point, reason="休假"
            )
        assert codes(exc.value) == {ReviewError.NOT_OFFICE}
    services.risk_point_skip_level(actor=office, risk_point=point, reason="科主任外出进修三个月")
    submission = open_of(point)
    assert submission.level == Level.INTEGRITY_OFFICE
    skip = submission.decisions.get(level="department_head")
    assert (skip.outcome, skip.why, skip.actor, skip.reason) == (
        "skipped",
        "office",
        office,
        "科主任外出进修三个月",
    )
    shown = events(point, RiskPointEvent.Type.SKIPPED)
    assert [(e.actor, e.reason) for e in shown][0] == (office, "科主任外出进修三个月")
    with pytest.raises(ValidationError) as exc:
        services.risk_point_skip_level(actor=office, risk_point=point, reason="不必审核")
    assert codes(exc.value) == {ReviewError.CANNOT_SKIP_OFFICE}
    assert "risk_point.skip_level" in audit_actions(point)


# Returns -----------------------------------------------------------------------------------------


def test_a_return_needs_a_reason_goes_back_to_the_author_and_is_counted(world, point):
    staff, head = world.users["staff"], world.users["dept_head"]
    services.risk_point_submit(actor=staff, risk_point=point)
    with pytest.raises(ValidationError) as exc:
        services.risk_point_return(actor=head, risk_point=point, reason=" ")
    assert codes(exc.value) == {ReviewError.RETURN_REASON_REQUIRED}
    services.risk_point_return(actor=head, risk_point=point, reason="表现形式未写明在哪个环节")
    point = fresh(point)
    assert (point.status, point.return_count) == (RiskPoint.Status.DRAFT, 1)
    assert open_of(point) is None
    (returned,) = events(point, RiskPointEvent.Type.RETURNED)
    assert (returned.actor, returned.reason) == (head, "表现形式未写明在哪个环节")
    assert "risk_point.return" in audit_actions(point)
    from lianfang.risks import selectors

    assert list(selectors.points_returned_to(staff)) == [point]
    assert not selectors.points_returned_to(head).exists()

    # corrected and sent again: a new version, then returned again and resubmitted as it was
    services.risk_point_update(
        actor=staff, risk_point=point, data={"name": "开具处方环节超剂量开具特定厂家药品"}
    )
    services.risk_point_submit(actor=staff, risk_point=point)
    assert open_of(point).unchanged is False
    assert not selectors.points_returned_to(staff).exists()
    services.risk_point_return(actor=head, risk_point=point, reason="请补充防控措施的检查人")
    services.risk_point_submit(actor=staff, risk_point=point)
    assert open_of(point).unchanged is True
    assert fresh(point).return_count == 2


# Changes of a filed point ------------------------------------------------------------------------


def filed(world, point):
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    services.risk_point_approve(actor=world.users["dept_head"], risk_point=point)
    services.risk_point_approve(actor=world.users["integrity"], risk_point=point)
    return fresh(point)


def test_a_change_is_applied_only_when_the_office_approves_it(world, point):
    point = filed(world, point)
    staff = world.users["staff"]
    with pytest.raises(ValidationError) as exc:
        services.risk_point_request_change(
            actor=staff, risk_point=point, data={"harm": 1}, reason=""
        )
    assert codes(exc.value) == {RiskError.CHANGE_REASON_REQUIRED}
    with pytest.raises(ValidationError) as exc:
        services.risk_point_request_change(
            actor=staff, risk_point=point, data={"name": point.name}, reason="核对"
        )
    assert codes(exc.value) == {RiskError.NO_CHANGE}
    with pytest.raises(ValidationError) as exc:  # checked by the update's rules now
        services.risk_point_request_change(
            actor=staff, risk_point=point, data={"harm": 9}, reason="核对"
        )
    assert codes(exc.value) == {RiskError.SCORE_OUT_OF_RANGE}

    before_level = point.level
    services.risk_point_request_change(
        actor=staff,
        risk_point=point,
        data={"name": "超剂量开具特定厂家药品（含院外处方）", "likelihood": 1},
        reason="发现院外处方也有同类问题",
    )
    submission = open_of(point)
    assert submission.kind == Submission.Kind.CHANGE
    assert submission.proposed == {"name": "超剂量开具特定厂家药品（含院外处方）", "likelihood": 1}
    (asked,) = events(point, RiskPointEvent.Type.CHANGE_REQUESTED)
    assert asked.changes["name"] == [point.name, "超剂量开具特定厂家药品（含院外处方）"]
    assert asked.reason == "发现院外处方也有同类问题"
    unchanged = fresh(point)
    assert (unchanged.name, unchanged.likelihood, unchanged.level) == (
        point.name,
        2,
        before_level,
    )

    services.risk_point_approve(actor=world.users["dept_head"], risk_point=point)
    assert fresh(point).name == point.name  # still as filed after the head's approval
    updates = len(events(point, RiskPointEvent.Type.UPDATED))
    services.risk_point_approve(actor=world.users["integrity"], risk_point=point)
    changed = fresh(point)
    assert (changed.name, changed.likelihood, changed.status) == (
        "超剂量开具特定厂家药品（含院外处方）",
        1,
        RiskPoint.Status.FILED,
    )
    assert (before_level, changed.level) == (1, 2)  # 3×3: D 6 一级 → D 3 二级, re-graded
    update = events(point, RiskPointEvent.Type.UPDATED)[updates]
    assert update.actor == world.users["integrity"]
    assert "发现院外处方也有同类问题" in update.reason
    assert events(point, RiskPointEvent.Type.REGRADED)
    assert audit_actions(point)[-2:] == ["risk_point.approve", "risk_point.update"]


def test_a_returned_change_leaves_the_point_as_filed(world, point):
    point = filed(world, point)
    services.risk_point_request_change(
        actor=world.users["staff"], risk_point=point, data={"harm": 1}, reason="危害不大"
    )
    services.risk_point_return(
        actor=world.users["dept_head"], risk_point=point, reason="危害程度评估偏低"
    )
    point = fresh(point)
    assert (point.harm, point.status, point.return_count) == (3, RiskPoint.Status.FILED, 1)


def test_a_draft_asks_for_no_change(world, point):
    with pytest.raises(ValidationError) as exc:
        services.risk_point_request_change(
            actor=world.users["staff"], risk_point=point, data={"harm": 1}, reason="x"
        )
    assert codes(exc.value) == {RiskError.NOT_FILED}


# Direct filing, retiring, the bulk path ----------------------------------------------------------


def test_the_office_files_directly_with_a_reason(world, point):
    office = world.users["integrity"]
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    with pytest.raises(ValidationError) as exc:
        services.risk_point_file_directly(actor=office, risk_point=point, reason="")
    assert codes(exc.value) == {RiskError.DIRECT_FILING_REASON_REQUIRED}
    for somebody in ("admin", "dept_head", "staff"):
        with pytest.raises(ValidationError) as exc:
            services.risk_point_file_directly(
                actor=world.users[somebody], risk_point=point, reason="急需"
            )
        assert codes(exc.value) == {ReviewError.NOT_OFFICE}
    services.risk_point_file_directly(
        actor=office, risk_point=point, reason="专项检查发现，从速备案"
    )
    point = fresh(point)
    assert point.status == RiskPoint.Status.FILED
    (direct,) = events(point, RiskPointEvent.Type.FILED_DIRECTLY)
    assert (direct.actor, direct.reason) == (office, "专项检查发现，从速备案")
    assert direct.changes == {"status": ["draft", "filed"]}
    submission = Submission.objects.of(point).get()
    assert submission.state == Submission.State.CLOSED
    assert submission.decisions.get().why == Decision.Why.FILED_DIRECTLY
    assert audit_actions(point)[-1] == "risk_point.file_directly"


def test_retiring_a_point_closes_its_submission(world, point):
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    services.risk_point_retire(actor=world.users["integrity"], risk_point=point, reason="岗位撤销")
    assert Submission.objects.of(point).get().state == Submission.State.CLOSED


def test_the_bulk_writer_files_directly_and_closes_submissions(world, point):
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    services.risk_points_write(
        actor=world.users["integrity"],
        organisation=world.hospital,
        rows=[
            services.PointRow(
                data={"status": "filed"}, point=fresh(point), measures=list(point.measures.all())
            )
        ],
        label="导入风险点登记表",
    )
    assert fresh(point).status == RiskPoint.Status.FILED
    submission = Submission.objects.of(point).get()
    assert submission.state == Submission.State.CLOSED
    assert submission.decisions.get().why == Decision.Why.FILED_BY_IMPORT


def test_new_points_are_their_creators_drafts_library_ones_nobodys(world, prescribing):
    rows = [
        services.PointRow(
            data={
                "subject": "post",
                "post": Post.objects.get(code="P-ZZYS"),
                "power": prescribing,
                "category": "post_duty",
                "name": f"批量风险点{i}",
                "manifestation": "主治医师为获取药品回扣，超剂量开具特定厂家的药品",
                "source": source,
            }
        )
        for i, source in enumerate(["self", "library"])
    ]
    services.risk_points_write(
        actor=world.users["integrity"], organisation=world.hospital, rows=rows
    )
    authors = dict(RiskPoint.objects.filter(name__startswith="批量").values_list("name", "author"))
    assert authors == {"批量风险点0": world.users["integrity"].pk, "批量风险点1": None}


# Batch approval ----------------------------------------------------------------------------------


def test_batch_approval_takes_unchanged_resubmissions_only(world, prescribing):
    staff, head = world.users["staff"], world.users["dept_head"]
    same = draft(world, prescribing, staff, name="超剂量开具特定厂家药品甲")
    edited = draft(world, prescribing, staff, name="超剂量开具特定厂家药品乙")
    for point in (same, edited):
        services.risk_point_submit(actor=staff, risk_point=point)
        services.risk_point_return(actor=head, risk_point=point, reason="请补充检查人")
    services.risk_point_update(
        actor=staff, risk_point=edited, data={"name": "超剂量开具特定厂家药品乙（补充）"}
    )
    for point in (same, edited):
        services.risk_point_submit(actor=staff, risk_point=point)
    assert (open_of(same).unchanged, open_of(edited).unchanged) == (True, False)

    with pytest.raises(ValidationError) as exc:
        services.risk_points_approve(actor=head, risk_points=[fresh(same), fresh(edited)])
    assert codes(exc.value) == {RiskError.CHANGED_SINCE_LAST_REVIEW}
    assert open_of(same).level == Level.DEPARTMENT_HEAD  # nothing approved
    with pytest.raises(ValidationError) as exc:  # not theirs to decide: nothing either
        services.risk_points_approve(actor=world.users["integrity"], risk_points=[fresh(same)])
    assert codes(exc.value) == {ReviewError.NOT_REVIEWER}

    services.risk_points_approve(actor=head, risk_points=[fresh(same)])
    assert open_of(same).level == Level.INTEGRITY_OFFICE
    assert open_of(edited).level == Level.DEPARTMENT_HEAD


def test_batch_approval_refuses_a_point_edited_after_submitting(world, prescribing):
    """An unchanged re-submission the office corrected while it waited is no longer the
    version reviewed before: one by one."""
    staff, head = world.users["staff"], world.users["dept_head"]
    point = draft(world, prescribing, staff)
    services.risk_point_submit(actor=staff, risk_point=point)
    services.risk_point_return(actor=head, risk_point=point, reason="请补充")
    services.risk_point_submit(actor=staff, risk_point=point)
    services.risk_point_update(actor=world.users["integrity"], risk_point=point, data={"harm": 1})
    with pytest.raises(ValidationError) as exc:
        services.risk_points_approve(actor=head, risk_points=[fresh(point)])
    assert codes(exc.value) == {RiskError.CHANGED_SINCE_LAST_REVIEW}


# The chain setting -------------------------------------------------------------------------------


def test_the_chain_is_inherited_from_the_nearest_setting(world):
    assert chain.chain_of(world.hospital).levels == ("department_head", "integrity_office")
    review_services.chain_setting_save(
        actor=world.users["commission_integrity"],
        organisation=world.commission,
        department_head=True,
        leader_in_charge=True,
    )
    hospital_chain = chain.chain_of(world.hospital)
    assert hospital_chain.levels == ("department_head", "leader_in_charge", "integrity_office")
    assert hospital_chain.source == world.commission and hospital_chain.inherited
    review_services.chain_setting_save(
        actor=world.users["integrity"],
        organisation=world.hospital,
        department_head=False,
        leader_in_charge=False,
    )
    assert chain.chain_of(world.hospital).levels == ("integrity_office",)
    assert chain.chain_of(world.other_hospital).levels[1] == "leader_in_charge"
    review_services.chain_setting_inherit(actor=world.users["admin"], organisation=world.hospital)
    assert chain.chain_of(world.hospital).source == world.commission
    actions = set(
        AuditEvent.objects.filter(action__startswith="review_chain.").values_list(
            "action", flat=True
        )
    )
    assert actions == {"review_chain.update", "review_chain.inherit"}


def test_only_an_organisations_managers_set_its_chain(world):
    from django.core.exceptions import PermissionDenied

    for role in ("dept_head", "staff", "leader"):
        with pytest.raises(PermissionDenied):
            review_services.chain_setting_save(
                actor=world.users[role],
                organisation=world.hospital,
                department_head=False,
                leader_in_charge=False,
            )
    with pytest.raises(PermissionDenied):  # the hospital's officer and the commission
        review_services.chain_setting_save(
            actor=world.users["integrity"],
            organisation=world.commission,
            department_head=False,
            leader_in_charge=False,
        )
    assert not ChainSetting.objects.exists()


# Existing points' authors ------------------------------------------------------------------------


def test_the_migration_gives_points_the_author_of_their_created_event(world, prescribing):
    migration = importlib.import_module(
        "lianfang.risks.migrations.0008_riskpoint_author_return_count"
    )
    created = draft(world, prescribing, world.users["staff"])
    imported = draft(world, prescribing, world.users["dept_head"], name="库中风险点")
    RiskPoint.objects.update(author=None)
    RiskPointEvent.objects.filter(risk_point=imported, type="created").update(type="imported")
    migration.authors_from_created_events(apps, None)
    assert fresh(created).author == world.users["staff"]
    assert fresh(imported).author is None
