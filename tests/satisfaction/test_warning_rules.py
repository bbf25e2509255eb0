import datetime as dt

import pytest
from django.utils import timezone

from lianfang.core import warnings
from lianfang.core.models import Warning
from lianfang.satisfaction import selectors, services, warning_rules

from .helpers import questionnaire, scores

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 15)


def month(world, dept, first_day, value, n=30):
    q = questionnaire(world.hospital)
    start = timezone.make_aware(dt.datetime(first_day.year, first_day.month, 3, 9))
    services.answers_write(
        actor=None,
        rows=[
            services.AnswerRow(
                department=dept,
                questionnaire=q,
                scores=scores(value, waiting=max(1, value - 1)),
                submitted_at=start + dt.timedelta(minutes=20 * i),
            )
            for i in range(n)
        ],
    )


def test_two_low_months_raise_one_warning_with_a_stable_key(world):
    month(world, world.cardiology, dt.date(2026, 9, 1), 3)
    month(world, world.cardiology, dt.date(2026, 10, 1), 3)
    month(world, world.finance, dt.date(2026, 9, 1), 3)
    month(world, world.finance, dt.date(2026, 10, 1), 5)  # recovered
    month(world, world.procurement, dt.date(2026, 9, 1), 2, n=5)  # too few to judge
    month(world, world.procurement, dt.date(2026, 10, 1), 2, n=5)
    conditions = warning_rules.low_score_conditions(TODAY)
    assert [c.key for c in conditions] == [f"{world.cardiology.pk}:2026-10"]
    condition = conditions[0]
    assert condition.owner == world.head_person
    assert condition.evidence["line"] == 80
    checked, _escalated = warnings.warnings_check(
        now=timezone.make_aware(dt.datetime(2026, 11, 15, 8)), only=[("satisfaction", "low_score")]
    )
    warnings.warnings_check(
        now=timezone.make_aware(dt.datetime(2026, 11, 16, 8)), only=[("satisfaction", "low_score")]
    )
    assert Warning.objects.filter(source="satisfaction").count() == 1


def test_the_rule_reads_in_a_constant_number_of_queries(world, django_assert_max_num_queries):
    for dept in (world.cardiology, world.finance):
        month(world, dept, dt.date(2026, 9, 1), 3, n=31)
        month(world, dept, dt.date(2026, 10, 1), 3, n=31)
    with django_assert_max_num_queries(6):
        assert len(warning_rules.low_score_conditions(TODAY)) == 2
    assert selectors.month_start(0, TODAY).date() == dt.date(2026, 11, 1)
