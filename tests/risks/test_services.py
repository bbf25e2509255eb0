import datetime as dt
import sqlite3

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianfang.core.errors import RowsInvalid
from lianfang.core.models import AuditEvent
from lianfang.risks import grading, selectors, services
from lianfang.risks.models import GradingScheme, Measure, RiskPoint, RiskPointEvent
from lianfang.risks.services import RiskError
from lianfang.risks.vagueness import FilingProblem
from tests.factories import make_department, make_org, make_person
from tests.risks.factories import (
    CONCRETE_MANIFESTATION,
    make_measure,
    make_power,
    make_risk_point,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(world):
    return world.users["integrity"]


@pytest.fixture
def power(world):
    return make_power(
        world.hospital, "药品耗材采购", department=world.procurement, steps=["遴选", "验收"]
    )


def point_data(world, power, **overrides):
    data = {
        "subject": RiskPoint.Subject.DEPARTMENT,
        "department": world.procurement,
        "power": power,
        "step": power.steps.filter(key="s1").first(),
        "category": "business_process",
        "name": "供应商遴选中的利益输送",
        "manifestation": CONCRETE_MANIFESTATION,
        "likelihood": 2,
        "harm": 3,
        "source": RiskPoint.Source.SELF,
    }
    data.update(overrides)
    return data


def codes(exc: ValidationError) -> set[str]:
    return (
        {e.code for e in exc.error_list}
        if not hasattr(exc, "error_dict")
        else {e.code for errors in exc.error_dict.values() for e in errors}
    )


def events(point, type_=None):
    qs = RiskPointEvent.objects.filter(risk_point=point).order_by("at", "id")
    return list(qs.filter(type=type_) if type_ else qs)


# Create and update ------------------------------------------------------------------------


def test_create_grades_and_records(world, power, actor):
    point = services.risk_point_create(
        actor=actor, organisation=world.hospital, data=point_data(world, power)
    )
    assert point.status == RiskPoint.Status.DRAFT
    assert point.level == 1  # 2 × 3 = 6 on the default 3×3 matrix
    assert point.review_due == timezone.localdate() + dt.timedelta(days=90)
    (created,) = events(point)
    assert created.type == RiskPointEvent.Type.CREATED and created.actor == actor
    assert created.changes["name"] == [None, "供应商遴选中的利益输送"]
    assert created.changes["power"] == [None, "药品耗材采购"]
    assert created.changes["level"] == [None, 1]
    audit_event = AuditEvent.objects.get(action="risk_point.create", object_id=str(point.pk))
    assert audit_event.organisation_id == world.hospital.pk


def test_scores_given_as_text_are_read_as_numbers(world, power, actor):
    point = services.risk_point_create(
        actor=actor,
        organisation=world.hospital,
        data=point_data(world, power, likelihood="3", harm="3"),
    )
    assert (point.likelihood, point.harm, point.level) == (3, 3, 1)


def test_create_on_a_post_takes_the_post_department(world, power, actor):
    post = world.procurement_person.assignments.get().post
    point = services.risk_point_create(
        actor=actor,
        organisation=world.hospital,
        data=point_data(world, power, subject="post", department=None, post=post.pk),
    )
    assert point.post == post and point.department == world.procurement


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"subject": "post"}, "post", RiskError.SUBJECT_POST_REQUIRED),
        ({"likelihood": 4}, "likelihood", RiskError.SCORE_OUT_OF_RANGE),
        ({"harm": "4"}, "harm", RiskError.SCORE_OUT_OF_RANGE),
        ({"harm": "高"}, "harm", RiskError.SCORE_OUT_OF_RANGE),
        ({"matter_kind": "bribery"}, "matter_kind", RiskError.UNKNOWN_MATTER_KIND),
        ({"criteria": ["nonsense"]}, "criteria", RiskError.UNKNOWN_CRITERION),
        ({"name": "  "}, "name", RiskError.REQUIRED),
        ({"category": "odd"}, "category", RiskError.INVALID_CHOICE),
    ],
)
def test_create_validates(world, power, actor, overrides, field, code):
    with pytest.raises(ValidationError) as exc:
        services.risk_point_create(
            actor=actor, organisation=world.hospital, data=point_data(world, power, **overrides)
        )
    errors = exc.value.error_dict[field]
    assert errors[0].code == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in errors[0].message)
    assert not RiskPoint.objects.exists()


def test_create_refuses_objects_of_another_organisation(world, power, actor):
    foreign_power = make_power(world.other_hospital, "外院采购", steps=["遴选"])
    with pytest.raises(ValidationError) as exc:
        services.risk_point_create(
            actor=actor,
            organisation=world.hospital,
            data={
                **point_data(world, power),
                "department": world.surgery_b,
                "power": foreign_power,
            },
        )
    errors = exc.value.error_dict
    assert errors["department"][0].code == RiskError.OUTSIDE_ORGANISATION
    assert "普外科" in errors["department"][0].message
    assert errors["power"][0].code == RiskError.OUTSIDE_ORGANISATION
    assert errors["step"][0].code == RiskError.STEP_NOT_OF_POWER


def test_power_of_an_ancestor_is_allowed(world, actor):
    shared = make_power(world.commission, "委属统一采购")
    point = services.risk_point_create(
        actor=actor,
        organisation=world.hospital,
        data=point_data(world, shared, step=None),
    )
    assert point.power == shared


def test_update_records_old_and_new_values(world, power, actor):
    point = services.risk_point_create(
        actor=actor, organisation=world.hospital, data=point_data(world, power)
    )
    services.risk_point_update(
        actor=actor,
        risk_point=point,
        data={"name": "评分标准泄露", "step": power.steps.get(key="s2")},
    )
    (updated,) = events(point, RiskPointEvent.Type.UPDATED)
    assert updated.changes == {
        "name": ["供应商遴选中的利益输送", "评分标准泄露"],
        "step": ["遴选", "验收"],
    }
    assert not events(point, RiskPointEvent.Type.REGRADED)
    assert AuditEvent.objects.filter(action="risk_point.update").count() == 1


def test_update_without_change_records_nothing(world, power, actor):
    point = services.risk_point_create(
        actor=actor, organisation=world.hospital, data=point_data(world, power)
    )
    services.risk_point_update(actor=actor, risk_point=point, data={"name": point.name})
    assert len(events(point)) == 1


def test_score_change_regrades_with_a_reason(world, power, actor):
    point = services.risk_point_create(
        actor=actor, organisation=world.hospital, data=point_data(world, power)
    )
    point = services.risk_point_update(
        actor=actor, risk_point=point, data={"likelihood": 1, "harm": 1}
    )
    assert point.level == 3
    assert point.review_due == timezone.localdate() + dt.timedelta(days=365)
    (regraded,) = events(point, RiskPointEvent.Type.REGRADED)
    assert regraded.changes == {"level": [1, 3]}
    assert "可能性 2 → 1" in regraded.reason and "危害程度 3 → 1" in regraded.reason
    (updated,) = events(point, RiskPointEvent.Type.UPDATED)
    assert updated.changes["likelihood"] == [2, 1]


def test_manual_level_change_requires_a_reason(world, power, actor):
    point = services.risk_point_create(
        actor=actor, organisation=world.hospital, data=point_data(world, power, harm=1)
    )
    assert point.level == 3
    with pytest.raises(ValidationError) as exc:
        services.risk_point_update(actor=actor, risk_point=point, data={"level": 1})
    (err,) = exc.value.error_dict["reason"]
    assert err.code == RiskError.LEVEL_REASON_REQUIRED
    assert "三级 → 一级" in err.message and "原因" in err.message
    point.refresh_from_db()
    assert point.level == 3

    point = services.risk_point_update(
        actor=actor, risk_point=point, data={"level": 1}, reason="领导点：涉及大额资金"
    )
    assert point.level == 1 and point.level_manual
    (regraded,) = events(point, RiskPointEvent.Type.REGRADED)
    assert regraded.changes == {"level": [3, 1]} and regraded.reason == "领导点：涉及大额资金"
    assert regraded.actor == actor

    # an unrelated edit keeps the level set by hand
    point = services.risk_point_update(actor=actor, risk_point=point, data={"name": "新名称"})
    assert point.level == 1
    # a form that shows the current level asks for no change
    point = services.risk_point_update(actor=actor, risk_point=point, data={"level": "1"})
    assert point.level == 1 and len(events(point, RiskPointEvent.Type.REGRADED)) == 1
    # new scores give the level back to the scheme
    point = services.risk_point_update(
        actor=actor, risk_point=point, data={"likelihood": 1, "level": None}
    )
    assert point.level == 3 and not point.level_manual


def test_invalid_manual_level(world, power, actor):
    point = make_risk_point(power=power)
    with pytest.raises(ValidationError) as exc:
        services.risk_point_update(actor=actor, risk_point=point, data={"level": 7}, reason="x")
    assert exc.value.error_dict["level"][0].code == RiskError.INVALID_LEVEL


# Filing, retiring, reviewing ----------------------------------------------------------------


def test_vague_filing_is_refused_with_the_reasons(world, power, actor):
    point = services.risk_point_create(
        actor=actor,
        organisation=world.hospital,
        data=point_data(world, power, step=None, manifestation="政治学习不够扎实"),
    )
    with pytest.raises(ValidationError) as exc:
        services.risk_point_file(actor=actor, risk_point=point)
    found = {e.code: e.message for e in exc.value.error_list}
    assert set(found) == {
        FilingProblem.NO_STEP,
        FilingProblem.MANIFESTATION_TOO_SHORT,
        FilingProblem.NO_MEASURE,
        FilingProblem.GENERIC_PHRASE,
    }
    assert "“政治学习不够扎实”" in found[FilingProblem.GENERIC_PHRASE]
    point.refresh_from_db()
    assert point.status == RiskPoint.Status.DRAFT
    assert not events(point, RiskPointEvent.Type.FILED)


def test_concrete_point_is_filed(world, power, actor):
    point = services.risk_point_create(
        actor=actor, organisation=world.hospital, data=point_data(world, power)
    )
    services.measure_create(
        actor=actor,
        organisation=world.hospital,
        data={
            "text": "评分标准评审前封存，专家随机抽取",
            "owner_department": world.procurement,
            "risk_points": [point],
        },
    )
    point = services.risk_point_file(actor=actor, risk_point=point)
    assert point.status == RiskPoint.Status.FILED
    (filed,) = events(point, RiskPointEvent.Type.FILED)
    assert filed.changes == {"status": ["draft", "filed"]}
    with pytest.raises(ValidationError) as exc:
        services.risk_point_file(actor=actor, risk_point=point)
    assert exc.value.code == RiskError.NOT_DRAFT


def test_retire_requires_a_reason_and_freezes_the_point(world, power, actor):
    point = make_risk_point(power=power)
    with pytest.raises(ValidationError) as exc:
        services.risk_point_retire(actor=actor, risk_point=point, reason=" ")
    assert exc.value.error_dict["reason"][0].code == RiskError.RETIRE_REASON_REQUIRED
    services.risk_point_retire(actor=actor, risk_point=point, reason="岗位撤销")
    point.refresh_from_db()
    assert point.status == RiskPoint.Status.RETIRED
    assert events(point, RiskPointEvent.Type.RETIRED)[0].reason == "岗位撤销"
    with pytest.raises(ValidationError) as exc:
        services.risk_point_update(actor=actor, risk_point=point, data={"name": "x"})
    assert exc.value.code == RiskError.RETIRED


def test_review_sets_the_next_review(world, power, actor):
    point = make_risk_point(power=power, likelihood=3, harm=3, status="filed")
    today = dt.date(2026, 3, 1)
    point = services.risk_point_review(actor=actor, risk_point=point, note="已核查", today=today)
    assert point.last_reviewed == today
    assert point.review_due == dt.date(2026, 5, 30)  # 一级: 90 days
    (reviewed,) = events(point, RiskPointEvent.Type.REVIEWED)
    assert reviewed.reason == "已核查"
    assert reviewed.changes["last_reviewed"] == [None, "2026-03-01"]


def test_single_services_date_their_change(world, power, actor):
    """updated_at is the time of the last write, as its timeline event tells it."""
    point = services.risk_point_create(
        actor=actor, organisation=world.hospital, data=point_data(world, power)
    )
    services.measure_create(
        actor=actor,
        organisation=world.hospital,
        data={
            "text": "评分标准评审前封存，专家随机抽取",
            "owner_department": world.procurement,
            "risk_points": [point],
        },
    )
    writes = [
        (
            RiskPointEvent.Type.UPDATED,
            lambda: services.risk_point_update(actor=actor, risk_point=point, data={"harm": 1}),
        ),
        (
            RiskPointEvent.Type.FILED,
            lambda: services.risk_point_file(actor=actor, risk_point=point),
        ),
        (
            RiskPointEvent.Type.REVIEWED,
            lambda: services.risk_point_review(actor=actor, risk_point=point),
        ),
        (
            RiskPointEvent.Type.RETIRED,
            lambda: services.risk_point_retire(actor=actor, risk_point=point, reason="岗位撤销"),
        ),
    ]
    for type_, write in writes:
        write()
        point.refresh_from_db()
        assert point.updated_at == events(point, type_)[-1].at > point.created_at, type_


# Many at once: dated rows, reviews ----------------------------------------------------------


def moment(*args):
    return timezone.make_aware(dt.datetime(*args))


def audit_values(action) -> list[tuple]:
    """The audit entries of `action`: object and before/after without the write's time."""
    return [
        (
            e.object_repr,
            {k: v for k, v in (e.before or {}).items() if k != "updated_at"},
            {k: v for k, v in (e.after or {}).items() if k != "updated_at"},
        )
        for e in AuditEvent.objects.filter(action=action).order_by("seq")
    ]


def test_bulk_review_follows_the_single_review_rule(world, power, actor):
    single = make_risk_point(power=power, likelihood=3, harm=3, status="filed")
    many = make_risk_point(power=power, likelihood=3, harm=3, status="filed")
    today, at = dt.date(2026, 3, 1), moment(2026, 3, 1, 10)
    services.risk_point_review(actor=actor, risk_point=single, note=" 已核查 ", today=today)
    (reviewed,) = services.risk_points_review(
        actor=actor,
        organisation=world.hospital,
        reviews=[services.PointReview(many, on=today, note=" 已核查 ", at=at)],
        audit_prefix="demo.",
    )
    assert reviewed is many
    single.refresh_from_db()
    many.refresh_from_db()
    assert (many.last_reviewed, many.review_due) == (today, dt.date(2026, 5, 30))  # 一级: 90 days
    assert (single.last_reviewed, single.review_due) == (many.last_reviewed, many.review_due)
    assert many.updated_at == at
    (one,) = events(single, RiskPointEvent.Type.REVIEWED)
    (other,) = events(many, RiskPointEvent.Type.REVIEWED)
    assert (other.changes, other.reason, other.actor) == (one.changes, "已核查", actor)
    assert other.at == at
    assert audit_values("demo.risk_point.review") == audit_values("risk_point.review")
    assert audit_values("risk_point.review")[0][2] == {
        "last_reviewed": "2026-03-01",
        "review_due": "2026-05-30",
    }


def test_bulk_review_refuses_every_bad_row_and_writes_nothing(world, power, actor):
    filed = make_risk_point(power=power, status="filed")
    retired = make_risk_point(power=power, status="retired", name="岗位撤销的风险点")
    elsewhere = make_risk_point(power=make_power(world.other_hospital, "外院采购"))
    on = dt.date(2026, 3, 1)
    with pytest.raises(RowsInvalid) as exc:
        services.risk_points_review(
            actor=actor,
            organisation=world.hospital,
            reviews=[
                services.PointReview(filed, on=on, key=1),
                services.PointReview(retired, on=on, key=2),
                services.PointReview(elsewhere, on=on, key=3),
            ],
        )
    assert sorted({issue.row for issue in exc.value.issues}) == [2, 3]
    messages = {issue.row: issue.message for issue in exc.value.issues}
    assert "已停用" in messages[2]
    assert world.hospital.name in messages[3]
    filed.refresh_from_db()
    assert filed.last_reviewed is None and not events(filed)
    assert not AuditEvent.objects.filter(action="risk_point.review").exists()


def test_bulk_writers_date_each_row(world, power, actor):
    """A history loaded as of past dates: each row is written at its own time, and the first
    review falls due counted from the day the point was created."""
    created, filed, regraded = (
        moment(2025, 1, 6, 9, 30),
        moment(2025, 1, 13, 16),
        moment(2025, 6, 2),
    )
    (written,) = services.risk_points_write(
        actor=actor,
        organisation=world.hospital,
        rows=[services.PointRow(data=point_data(world, power), at=created)],
    )
    point = written.point
    measure = Measure(text="评分标准评审前封存，专家随机抽取", owner_department=world.procurement)
    services.measures_write(
        actor=actor,
        organisation=world.hospital,
        rows=[services.MeasureRow(measure, {}, at=created)],
        links=[(measure, point, created)],
    )
    rows = [
        services.PointRow(
            data={"status": RiskPoint.Status.FILED}, point=point, measures=[measure], at=filed
        ),
    ]
    services.risk_points_write(actor=actor, organisation=world.hospital, rows=rows)
    point.refresh_from_db()
    assert point.review_due == dt.date(2025, 4, 6)  # 一级 (2 × 3): 90 days after 6 January
    services.risk_points_write(
        actor=actor,
        organisation=world.hospital,
        rows=[
            services.PointRow(
                data={"likelihood": 1, "harm": 1},
                point=point,
                reason="整改到位，下调等级",
                at=regraded,
            )
        ],
    )
    point.refresh_from_db()
    measure.refresh_from_db()
    assert (point.created_at, point.updated_at, measure.created_at) == (created, regraded, created)
    assert (point.status, point.level) == (RiskPoint.Status.FILED, 3)
    assert point.review_due == dt.date(2026, 1, 6)  # 三级: 365 days after 6 January
    Type = RiskPointEvent.Type
    assert [(e.type, e.at) for e in events(point)] == [
        (Type.CREATED, created),
        (Type.MEASURE_LINKED, created),
        (Type.FILED, filed),
        (Type.UPDATED, regraded),
        (Type.REGRADED, regraded),
    ]
    updated, regrade = events(point)[3:]
    assert updated.changes == {
        "likelihood": [2, 1],
        "harm": [3, 1],
        "review_due": ["2025-04-06", "2026-01-06"],
    }
    assert regrade.changes == {"level": [1, 3]}
    assert updated.reason == regrade.reason == "整改到位，下调等级"


def test_a_regrade_through_the_bulk_writer_is_recorded_as_a_single_edit(world, power, actor):
    single, many = (
        services.risk_point_create(
            actor=actor, organisation=world.hospital, data=point_data(world, power, name=name)
        )
        for name in ("单个修改的风险点", "批量修改的风险点")
    )
    change = {"likelihood": 1, "harm": 1}  # 一级 → 三级
    services.risk_point_update(
        actor=actor, risk_point=single, data=change, reason="整改到位，下调等级"
    )
    services.risk_points_write(
        actor=actor,
        organisation=world.hospital,
        rows=[services.PointRow(data=change, point=many, reason="整改到位，下调等级")],
    )
    timeline = [
        [(e.type, e.changes, e.reason) for e in events(point)[1:]] for point in (single, many)
    ]
    assert timeline[0] == timeline[1]
    assert [t for t, _c, _r in timeline[0]] == [
        RiskPointEvent.Type.UPDATED,
        RiskPointEvent.Type.REGRADED,
    ]


def test_reviews_overdue_lists_visible_filed_points_past_due(world, power):
    today = dt.date(2026, 6, 1)
    late = make_risk_point(power=power, status="filed", review_due=dt.date(2026, 5, 1))
    make_risk_point(power=power, status="filed", review_due=dt.date(2026, 7, 1))
    make_risk_point(power=power, status="draft", review_due=dt.date(2026, 5, 1))
    other_power = make_power(world.other_hospital, "外院")
    make_risk_point(power=other_power, status="filed", review_due=dt.date(2026, 5, 1))
    assert list(selectors.reviews_overdue(world.users["integrity"], today=today)) == [late]
    assert len(selectors.reviews_overdue(world.users["commission_integrity"], today=today)) == 2
    assert not selectors.reviews_overdue(world.users["staff"], today=today).exists()


# Measures ---------------------------------------------------------------------------------


@pytest.mark.parametrize("owners", [{}, {"both": True}])
def test_measure_needs_exactly_one_owner(world, actor, owners):
    data = {"text": "评审专家随机抽取并全程录像"}
    if owners:
        data.update(owner_person=world.procurement_person, owner_department=world.procurement)
    with pytest.raises(ValidationError) as exc:
        services.measure_create(actor=actor, organisation=world.hospital, data=data)
    (err,) = exc.value.error_dict["owner_person"]
    assert err.code == RiskError.MEASURE_OWNER
    assert err.message == "防控措施须指定责任人或责任部门，且只能指定其中之一。"
    assert not Measure.objects.exists()


def test_measure_owner_of_another_organisation_is_refused(world, actor):
    with pytest.raises(ValidationError) as exc:
        services.measure_create(
            actor=actor,
            organisation=world.hospital,
            data={"text": "随机抽取", "owner_person": world.other_person.pk},
        )
    assert exc.value.error_dict["owner_person"][0].code == RiskError.OUTSIDE_ORGANISATION


def test_measure_link_unlink_and_update_are_on_each_timeline(world, power, actor):
    a = make_risk_point(power=power, name="甲")
    b = make_risk_point(power=power, name="乙")
    measure = services.measure_create(
        actor=actor,
        organisation=world.hospital,
        data={"text": "专家随机抽取", "owner_department": world.procurement, "due": ""},
    )
    assert services.measure_link(actor=actor, measure=measure, risk_points=[a, b.pk]) == [a, b]
    assert services.measure_link(actor=actor, measure=measure, risk_points=[a]) == []
    for point in (a, b):
        (linked,) = events(point, RiskPointEvent.Type.MEASURE_LINKED)
        assert linked.changes == {"measures": [None, "专家随机抽取"]}
    services.measure_update(
        actor=actor,
        measure=measure,
        data={
            "owner_department": None,
            "owner_person": world.procurement_person,
            "status": "in_place",
        },
    )
    (updated,) = events(a, RiskPointEvent.Type.UPDATED)
    assert updated.changes == {
        "measure.owner": ["采购中心", "陈采购"],
        "measure.status": ["planned", "in_place"],
    }
    assert services.measure_unlink(actor=actor, measure=measure, risk_points=[b]) == [b]
    assert list(measure.risk_points.all()) == [a]
    (unlinked,) = events(b, RiskPointEvent.Type.MEASURE_UNLINKED)
    assert unlinked.changes == {"measures": ["专家随机抽取", None]}
    assert AuditEvent.objects.filter(action="measure.link").count() == 2


def test_measure_cannot_cover_another_organisations_point(world, actor):
    foreign = make_risk_point(power=make_power(world.other_hospital, "外院"))
    measure = make_measure(world.hospital, owner_department=world.procurement)
    with pytest.raises(ValidationError) as exc:
        services.measure_link(actor=actor, measure=measure, risk_points=[foreign])
    assert exc.value.error_dict["risk_points"][0].code == RiskError.MEASURE_OTHER_ORGANISATION


# Schemes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "field", "code", "text"),
    [
        ({"method": "dice"}, "method", RiskError.SCHEME_METHOD, "定级方法"),
        ({"matrix_size": 6}, "matrix_size", RiskError.SCHEME_SIZE, "3、4 或 5"),
        ({"grid": [[1, 2, 3]] * 2}, "grid", RiskError.SCHEME_GRID, "应有 3 行"),
        ({"grid": [[1, 2, 3], [1, 2], [1, 2, 3]]}, "grid", RiskError.SCHEME_GRID, "第 2 行"),
        ({"grid": [[1, 2, 3], [1, 4, 3], [1, 2, 3]]}, "grid", RiskError.SCHEME_GRID, "第 2 列"),
        (
            {"monitors": {"1": ["mayor"], "2": ["integrity_office"], "3": ["department_head"]}},
            "monitors",
            RiskError.SCHEME_MONITORS,
            "mayor",
        ),
        (
            {"monitors": {"1": [], "2": ["integrity_office"], "3": ["department_head"]}},
            "monitors",
            RiskError.SCHEME_MONITORS,
            "一级须至少指定",
        ),
        (
            {"review_days": {"1": 0, "2": 180, "3": 365}},
            "review_days",
            RiskError.SCHEME_REVIEW_DAYS,
            "一级",
        ),
        (
            {"review_days": {"1": "abc", "2": 180, "3": 365}},
            "review_days",
            RiskError.SCHEME_REVIEW_DAYS,
            "整数",
        ),
        (
            {"criteria_levels": [[3, 3], [1, 1]]},
            "criteria_levels",
            RiskError.SCHEME_CRITERIA_LEVELS,
            "等级不能越低",
        ),
        (
            {"criteria_levels": [[9, 1]]},
            "criteria_levels",
            RiskError.SCHEME_CRITERIA_LEVELS,
            "1 至 6",
        ),
        (
            {"matter_levels": {"reception": 5}},
            "matter_levels",
            RiskError.SCHEME_MATTER_LEVELS,
            "公务接待",
        ),
        (
            {"method": "matter", "matter_levels": {}},
            "matter_levels",
            RiskError.SCHEME_MATTER_LEVELS,
            "至少",
        ),
    ],
)
def test_scheme_save_validates(world, actor, values, field, code, text):
    with pytest.raises(ValidationError) as exc:
        services.scheme_save(actor=actor, organisation=world.hospital, values=values)
    (err,) = exc.value.error_dict[field]
    assert err.code == code and text in err.message
    assert not GradingScheme.objects.exists()


def test_scheme_save_creates_an_inactive_scheme_with_defaults(world, actor):
    scheme = services.scheme_save(
        actor=actor, organisation=world.hospital, values={"matrix_size": "4"}
    )
    assert not scheme.active and scheme.name == "4×4 矩阵"
    assert scheme.grid == grading.default_grid(4)
    assert scheme.review_days == {"1": 90, "2": 180, "3": 365}
    assert AuditEvent.objects.filter(action="grading_scheme.create").count() == 1


@pytest.fixture
def register(world, power):
    """Nine points on every cell of the 3×3 matrix, plus a retired one."""
    points = [
        make_risk_point(power=power, likelihood=a, harm=b, name=f"{a}{b}", status="filed")
        for a in (1, 2, 3)
        for b in (1, 2, 3)
    ]
    retired = make_risk_point(power=power, likelihood=1, harm=1, status="retired")
    return points, retired


def test_switch_to_5x5_regrades_the_register_with_history(world, actor, register):
    points, retired = register
    result = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    scheme = grading.active_scheme(world.hospital)
    assert scheme.pk and scheme.matrix_size == 5 and scheme.name == "5×5 矩阵"
    by_name = {p.name: p for p in RiskPoint.objects.exclude(status="retired")}
    # scores rescaled 1, 2, 3 → 1, 3, 5 and levels from the 5×5 grid
    assert (by_name["23"].likelihood, by_name["23"].harm) == (3, 5)
    assert by_name["23"].level == 1  # 15
    assert by_name["22"].level == 2  # 3 × 3 = 9
    assert by_name["12"].level == 3  # 1 × 3 = 3
    assert by_name["11"].level == 3
    changed = [p for p in points if p.name != "11"]  # 1, 1 stays 1, 1 and 三级
    assert result.points == len(changed)
    for point in changed:
        (event,) = events(point, RiskPointEvent.Type.REGRADED)
        assert event.reason == "定级方案变更：3×3 矩阵 → 5×5 矩阵"
        assert event.actor == actor
    ev = events(by_name["23"], RiskPointEvent.Type.REGRADED)[0]
    assert ev.changes["likelihood"] == [2, 3] and ev.changes["harm"] == [3, 5]
    assert "level" not in ev.changes  # 一级 before (6 of 9) and after (15 of 25)
    assert AuditEvent.objects.filter(action="risk_point.regrade").count() == len(changed)
    assert not events(by_name["11"], RiskPointEvent.Type.REGRADED)
    retired.refresh_from_db()
    assert (retired.likelihood, retired.harm) == (1, 1)
    assert not events(retired)


def test_regrade_changes_level_and_records_it(world, actor, power):
    point = make_risk_point(power=power, likelihood=1, harm=3)  # 3 → 二级 on 3×3
    assert point.level == 2
    services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    point.refresh_from_db()
    assert (point.likelihood, point.harm, point.level) == (1, 5, 3)  # 5 → 三级 on 5×5
    assert point.review_due == timezone.localdate(point.created_at) + dt.timedelta(days=365)
    (event,) = events(point, RiskPointEvent.Type.REGRADED)
    assert event.changes["level"] == [2, 3]
    assert event.changes["harm"] == [3, 5]
    assert (
        event.changes["review_due"][1]
        == (timezone.localdate(point.created_at) + dt.timedelta(days=365)).isoformat()
    )


def test_manual_level_survives_a_scheme_change(world, actor, power):
    point = make_risk_point(power=power, likelihood=1, harm=1, level=1, level_manual=True)
    services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    point.refresh_from_db()
    assert point.level == 1 and point.level_manual


def test_scheme_of_an_ancestor_governs_descendants_without_their_own(world, actor):
    hospital_power = make_power(world.hospital, "采购")
    other_power = make_power(world.other_hospital, "采购")
    here = make_risk_point(power=hospital_power, matter_kind="reception", likelihood=1, harm=1)
    there = make_risk_point(power=other_power, matter_kind="reception", likelihood=1, harm=1)
    own = services.scheme_save(
        actor=actor,
        organisation=world.other_hospital,
        values=grading.default_scheme_values("matrix", 3),
    )
    services.scheme_activate(actor=actor, scheme=own)
    matter = services.scheme_save(
        actor=actor, organisation=world.commission, values={"method": "matter"}
    )
    result = services.scheme_activate(actor=actor, scheme=matter)
    here.refresh_from_db()
    there.refresh_from_db()
    assert here.level == 2  # 公务接待 → 二级 by the commission's scheme
    assert there.level == 3  # the other hospital keeps its own 3×3 matrix
    assert result.points == 1
    assert events(here, RiskPointEvent.Type.REGRADED)[0].reason == (
        "定级方案变更：3×3 矩阵 → 按事项性质"
    )
    assert grading.active_scheme(world.hospital) == matter
    # a new point of the hospital is graded by the inherited scheme
    created = services.risk_point_create(
        actor=actor,
        organisation=world.hospital,
        data=point_data(world, hospital_power, step=None, matter_kind="major_decision"),
    )
    assert created.level == 1


def test_activating_replaces_the_previous_active_scheme(world, actor, register):
    five = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    three = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=3)
    five.scheme.refresh_from_db()
    assert not five.scheme.active and three.scheme.active
    deactivated = AuditEvent.objects.get(action="grading_scheme.deactivate")
    assert deactivated.object_id == str(five.scheme.pk)
    assert (deactivated.before, deactivated.after) == ({"active": True}, {"active": False})
    # back on 3×3: the scores return to where they were
    scores = RiskPoint.objects.exclude(status="retired").values_list("likelihood", "harm")
    assert sorted(scores) == [(a, b) for a in (1, 2, 3) for b in (1, 2, 3)]
    again = services.scheme_activate(actor=actor, scheme=three.scheme)
    assert again.points == 0


def test_editing_the_active_scheme_regrades(world, actor, register):
    result = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=3)
    assert result.points == 0  # same grid, same scores
    scheme = services.scheme_save(
        actor=actor,
        organisation=world.hospital,
        scheme=result.scheme,
        values={**grading.default_scheme_values(), "grid": [[1] * 3] * 3},
    )
    assert scheme.regrade.points == 6  # all but the three already 一级 (2×3, 3×2, 3×3)
    assert set(RiskPoint.objects.exclude(status="retired").values_list("level", flat=True)) == {1}


def _points(power, n):
    RiskPoint.objects.bulk_create(
        RiskPoint(
            organisation=power.organisation,
            power=power,
            subject="unit",
            category="business_process",
            name=f"风险{i}",
            manifestation=CONCRETE_MANIFESTATION,
            likelihood=1 + i % 3,
            harm=1 + (i // 3) % 3,
            level=2,
            status="filed",
        )
        for i in range(n)
    )


def _activate_queries(world, actor, n):
    organisation = make_org(f"医院{n}", f"Q{n}", world.commission)
    _points(make_power(organisation, "采购"), n)
    scheme = services.scheme_save(actor=actor, organisation=organisation, values={"matrix_size": 5})
    with CaptureQueriesContext(connection) as ctx:
        result = services.scheme_activate(actor=actor, scheme=scheme)
    assert result.points == n
    return len(ctx.captured_queries)


def test_scheme_activate_query_count_does_not_grow_with_the_register(world, actor, monkeypatch):
    if connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 32):
        # Django splits bulk statements by SQLite's old 999-parameter limit (71 audit rows);
        # count our queries, not that splitting: this SQLite accepts 32766 parameters.
        monkeypatch.setattr(connection.features, "max_query_params", 32766)
    small = _activate_queries(world, actor, 10)
    large = _activate_queries(world, actor, 100)
    assert small == large
    assert RiskPointEvent.objects.filter(type="regraded").count() == 110


# Monitors ---------------------------------------------------------------------------------


@pytest.fixture
def monitored(world):
    office = make_department(world.hospital, "纪检监察室", "JJJC", "administrative")
    secretary = make_person(world.hospital, office, "0301", "孙书记")
    office.head = secretary
    office.save()
    president = make_person(world.hospital, None, "0002", "周院长")
    world.hospital.principal_leader = president
    world.hospital.integrity_department = office
    world.hospital.save()
    world.procurement.head = world.procurement_person
    world.procurement.save()
    return office, secretary, president


def names(monitors):
    return [(m.role, m.name) for m in monitors]


def test_monitors_follow_the_level_rule(world, monitored):
    office, secretary, president = monitored
    power = make_power(world.hospital, "采购")
    one = make_risk_point(power=power, department=world.procurement, likelihood=3, harm=3)
    two = make_risk_point(power=power, department=world.procurement, likelihood=2, harm=2)
    three = make_risk_point(power=power, department=world.cardiology, likelihood=1, harm=1)
    unit = make_risk_point(power=power, likelihood=1, harm=1)
    ungraded = make_risk_point(power=power, likelihood=None, harm=None)
    result = selectors.monitors_for([one, two, three, unit, ungraded])
    assert names(result[one.pk]) == [
        ("principal_leader", "周院长"),
        ("integrity_office", "孙书记"),
    ]
    assert names(result[two.pk]) == [
        ("leader_in_charge", "王副院长"),
        ("integrity_office", "孙书记"),
        ("department_head", "陈采购"),
    ]
    assert names(result[three.pk]) == [
        ("department_head", "李主任"),
        ("integrity_office", "孙书记"),
    ]
    assert names(result[unit.pk]) == [("department_head", ""), ("integrity_office", "孙书记")]
    assert ungraded.pk not in result
    assert result[one.pk][0].role_label == "单位主要负责人"
    # an integrity office without a head is named by the department
    office.head = None
    office.save()
    assert names(selectors.monitors_for([one])[one.pk])[1] == ("integrity_office", "纪检监察室")


def test_monitors_use_the_schemes_edited_rule(world, monitored, actor):
    power = make_power(world.hospital, "采购")
    point = make_risk_point(power=power, department=world.procurement, likelihood=3, harm=3)
    values = grading.default_scheme_values()
    values["monitors"]["1"] = ["department_head"]
    scheme = services.scheme_save(actor=actor, organisation=world.commission, values=values)
    services.scheme_activate(actor=actor, scheme=scheme)
    assert names(selectors.monitors_for([point])[point.pk]) == [("department_head", "陈采购")]


def test_monitors_for_query_count_is_constant(world, monitored, django_assert_max_num_queries):
    power = make_power(world.hospital, "采购")
    few = [make_risk_point(power=power, department=world.procurement) for _ in range(2)]
    many = [
        make_risk_point(power=power, department=dept, likelihood=score, harm=3)
        for dept in (world.procurement, world.cardiology, world.finance)
        for score in (1, 2, 3)
    ] + [make_risk_point(power=make_power(world.other_hospital, "外"), likelihood=3, harm=3)]
    with django_assert_max_num_queries(4):
        selectors.monitors_for(few)
    with CaptureQueriesContext(connection) as small:
        selectors.monitors_for(few)
    with CaptureQueriesContext(connection) as large:
        selectors.monitors_for(many)
    assert len(small.captured_queries) == len(large.captured_queries) == 4
