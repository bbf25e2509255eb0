"""The register's warning rules: overdue reviews and overdue measures are raised, updated and
resolved by the check, in a fixed number of queries."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianfang.core import audit, warnings, workdays
from lianfang.core.models import Warning, WarningLevel, WarningStatus
from lianfang.risks import warning_rules
from lianfang.risks.models import Measure, RiskPoint
from tests.risks.factories import make_measure, make_power, make_risk_point

pytestmark = pytest.mark.django_db

REVIEW = {(warning_rules.SOURCE, warning_rules.REVIEW_OVERDUE)}
MEASURE = {(warning_rules.SOURCE, warning_rules.MEASURE_OVERDUE)}


def check(only, now=None):
    report, _escalated = warnings.warnings_check(now=now or timezone.now(), only=only)
    return report[0]


def today():
    return workdays.local_date(timezone.now())


def filed_point(world, name="药品遴选中的利益输送", *, late=10, power=None, department=None):
    return make_risk_point(
        world.hospital,
        power,
        name=name,
        department=department or world.cardiology,
        status=RiskPoint.Status.FILED,
        review_due=today() - dt.timedelta(days=late),
    )


def test_an_overdue_review_raises_updates_and_resolves_its_warning(world):
    point = filed_point(world, late=10)
    on_time = make_risk_point(
        world.hospital,
        name="设备采购中的围标串标",
        department=world.cardiology,
        status=RiskPoint.Status.FILED,
        review_due=today() + dt.timedelta(days=3),
    )
    draft = make_risk_point(
        world.hospital,
        name="草稿风险点",
        status=RiskPoint.Status.DRAFT,
        review_due=today() - dt.timedelta(days=3),
    )
    done = check(REVIEW)
    assert (done.holding, len(done.raised.created)) == (1, 1)
    warning = Warning.objects.get(source="risks", rule="review_overdue")
    assert warning.key == str(point.pk)
    assert warning.organisation == world.hospital
    assert warning.owner == world.head_person  # the head of the point's department
    assert warning.evidence_object == point
    assert warning.evidence["point"] == [point.pk, point.name]
    assert warning.level == WarningLevel.NOTICE
    assert point.name in warning.subject
    assert not Warning.objects.filter(key__in=[str(on_time.pk), str(draft.pk)]).exists()

    # more than 30 days late: a 预警; the same warning, updated
    RiskPoint.objects.filter(pk=point.pk).update(review_due=today() - dt.timedelta(days=45))
    done = check(REVIEW)
    assert (len(done.raised.created), len(done.raised.updated)) == (0, 1)
    warning.refresh_from_db()
    assert warning.level == WarningLevel.WARNING
    assert Warning.objects.filter(source="risks").count() == 1

    # reviewed: the condition is gone, the warning closed
    RiskPoint.objects.filter(pk=point.pk).update(review_due=today() + dt.timedelta(days=90))
    done = check(REVIEW)
    assert done.resolved == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED

    # overdue again later: the same warning, reopened
    RiskPoint.objects.filter(pk=point.pk).update(review_due=today() - dt.timedelta(days=1))
    done = check(REVIEW)
    assert len(done.raised.reopened) == 1
    warning.refresh_from_db()
    assert (warning.status, warning.occurrences) == (WarningStatus.OPEN, 2)


def test_an_overdue_measure_raises_and_resolves_its_warning(world):
    point = filed_point(world, late=-100)  # not overdue itself
    measure = make_measure(
        world.hospital,
        owner_person=world.staff_person,
        points=[point],
        due=today() - dt.timedelta(days=5),
    )
    make_measure(world.hospital, owner_department=world.finance, due=today() + dt.timedelta(days=5))
    make_measure(
        world.hospital,
        owner_department=world.finance,
        due=today() - dt.timedelta(days=5),
        status=Measure.Status.IN_PLACE,
    )
    done = check(MEASURE)
    assert done.holding == 1
    warning = Warning.objects.get(source="risks", rule="measure_overdue")
    assert warning.key == str(measure.pk)
    assert warning.owner == world.staff_person and warning.owner_label == "张医生"
    assert warning.evidence["points"] == [[point.pk, point.name]]
    assert warnings.rule_of(warning).links(warning) == [
        ("防控措施", f"/risks/measures/{measure.pk}/"),
        (point.name, f"/risks/points/{point.pk}/"),
    ]

    Measure.objects.filter(pk=measure.pk).update(status=Measure.Status.IN_PLACE)
    assert check(MEASURE).resolved == 1
    warning.refresh_from_db()
    assert warning.status == WarningStatus.CLOSED


@pytest.mark.parametrize("only", [REVIEW, MEASURE], ids=["review", "measure"])
def test_the_checkers_take_a_fixed_number_of_queries(world, only):
    power = make_power(world.hospital, steps=["审批"])
    for model in (RiskPoint, Measure, type(world.head_person), type(world.cardiology)):
        ContentType.objects.get_for_model(model)  # cached for the process, as in use
    audit.record(actor=None, action="warning.raise", obj=world.hospital)  # the chain's head
    counts = []
    for size in (3, 30):
        Warning.objects.all().delete()
        RiskPoint.objects.update(status=RiskPoint.Status.RETIRED)
        Measure.objects.update(status=Measure.Status.IN_PLACE)
        departments = (world.cardiology, world.procurement, world.finance)
        for i in range(size):
            point = filed_point(
                world, f"风险点{size}-{i}", power=power, department=departments[i % 3]
            )
            owner = (
                {"owner_person": world.staff_person}
                if i % 2
                else {"owner_department": departments[i % 3]}
            )
            make_measure(
                world.hospital, points=[point], due=today() - dt.timedelta(days=2), **owner
            )
        with CaptureQueriesContext(connection) as raised:
            done = check(only)
        assert len(done.raised.created) == size
        with CaptureQueriesContext(connection) as again:
            done = check(only)
        assert done.raised.unchanged == size
        counts.append((len(raised), len(again)))
    assert counts[0] == counts[1], counts
