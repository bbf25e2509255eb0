import datetime as dt
import math

import pytest
from django.utils import timezone

from lianfang.core import orgsettings
from lianfang.core.orgsetting_services import org_setting_set
from lianfang.satisfaction import org_settings, selectors, services
from lianfang.satisfaction.models import Answer

from .helpers import questionnaire, scores

pytestmark = pytest.mark.django_db


def write(world, dept, values, *, tokened=False, flagged=False, person=None, days_ago=3):
    q = questionnaire(world.hospital)
    start = timezone.now().replace(hour=10, minute=0) - dt.timedelta(days=days_ago)
    rows = [
        services.AnswerRow(
            department=dept,
            questionnaire=q,
            scores=scores(v),
            submitted_at=start + dt.timedelta(hours=i * 7 % 10, minutes=i),
            person=person,
        )
        for i, v in enumerate(values)
    ]
    answers = services.answers_write(actor=None, rows=rows)
    Answer.objects.filter(pk__in=[a.pk for a in answers]).update(tokened=tokened, flagged=flagged)


def test_mean_and_interval_of_tokened_answers(world):
    values = [5, 4, 4, 3, 5, 4, 2, 5]
    write(world, world.cardiology, values, tokened=True)
    stat = selectors.department_total(department=world.cardiology, since=selectors.month_start(1))
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = 2.36 * sd / math.sqrt(n)  # Student's t, 7 degrees of freedom
    assert stat.count == n and stat.tokened == n and stat.poster == 0
    assert stat.mean == pytest.approx(mean * 20)
    assert stat.low == pytest.approx((mean - half) * 20)
    assert stat.high == pytest.approx(min((mean + half) * 20, 100))


def test_poster_answers_weigh_less_and_flagged_ones_not_at_all(world):
    write(world, world.cardiology, [5, 5], tokened=True)
    write(world, world.cardiology, [1], tokened=False)
    write(world, world.cardiology, [1, 1, 1], tokened=True, flagged=True)
    stat = selectors.department_total(department=world.cardiology, since=selectors.month_start(1))
    assert stat.count == 3 and stat.flagged == 3
    assert stat.mean == pytest.approx((5 * 2 + 1 * 0.3) / 2.3 * 20)
    org_setting_set(
        actor=world.users["integrity"],
        organisation=world.hospital,
        key=org_settings.POSTER_WEIGHT,
        value=100,
    )
    stat = selectors.department_total(department=world.cardiology, since=selectors.month_start(1))
    assert stat.mean == pytest.approx(11 / 3 * 20)


def test_units_with_too_few_answers_are_not_ranked(world):
    assert orgsettings.get(org_settings.MIN_RANKED).default == 30
    org_setting_set(
        actor=world.users["integrity"],
        organisation=world.hospital,
        key=org_settings.MIN_RANKED,
        value=4,
    )
    write(world, world.cardiology, [4] * 5, tokened=True)
    write(world, world.finance, [5] * 5, tokened=True)
    write(world, world.procurement, [5] * 3, tokened=True)
    stats = {
        s.label: s
        for s in selectors.department_results(
            user=world.users["integrity"], since=selectors.month_start(1)
        )
    }
    assert stats["财务科"].rank == 1 and stats["心内科"].rank == 2
    assert stats["采购中心"].rank is None and not stats["采购中心"].ranked
    assert stats["采购中心"].mean == pytest.approx(100)


def test_people_are_ranked_within_their_department(world):
    write(world, world.cardiology, [5] * 3, tokened=True, person=world.staff_person)
    write(world, world.cardiology, [3] * 3, tokened=True, person=world.colleague_person)
    write(world, world.cardiology, [4] * 3, tokened=True)
    stats = selectors.person_results(department=world.cardiology, since=selectors.month_start(1))
    assert [s.label for s in stats] == sorted(["张医生", "赵医生"])
    assert all(s.rank is None for s in stats)  # fewer than 30 each
    assert {s.label: s.mean for s in stats} == {"张医生": 100, "赵医生": 60}


def test_month_on_month(world):
    write(world, world.cardiology, [5] * 2, tokened=True, days_ago=0)
    write(world, world.cardiology, [3] * 2, tokened=True, days_ago=40)
    trend = selectors.monthly(
        Answer.objects.all(),
        organisation_ids=[world.hospital.pk],
        since=selectors.month_start(11),
    )
    assert len(trend) in (2, 3) and trend[-1].mean == pytest.approx(100)
    chart = selectors.trend_chart(trend)
    assert chart["months"][-1] == f"{timezone.localdate():%Y-%m}"


def test_keywords_are_frequent_two_to_four_character_terms():
    comments = ["排队时间太长了", "挂号排队时间太长", "医生态度很好", "护士态度很好，排队时间长"]
    found = dict(selectors.keywords(comments))
    assert found["排队时间"] == 3
    assert found["态度很好"] == 2
    assert "排队" not in found  # inside 排队时间, found as often
    assert "医生" not in found  # a stop word
