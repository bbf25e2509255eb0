"""The working-day calendar (core.workdays): the package's schedule with its 调休 weekends,
overrides that win, confirmed years, and an unknown year that is refused, never guessed.

The expected dates are written by hand from the State Council's notices (国务院办公厅关于
2025年/2026年部分节假日安排的通知), not computed with the package.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lianfang.core import workdays
from lianfang.core.models import WorkdayOverride, WorkdayYear
from lianfang.core.workdays import (
    UnknownWorkdayYear,
    WorkCalendar,
    add_working_days,
    calendar_for,
    due_at,
    is_working_day,
    working_days_between,
)
from tests.factories import make_org

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
D = dt.date


def the_package_year_after():
    """A year the installed package does not hold (the one after its last)."""
    return workdays.package_years()[-1] + 1


# 国庆 2025: 10月1日至8日放假调休，共8天；9月28日（周日）、10月11日（周六）上班.


def test_national_day_2025_with_its_working_weekends():
    assert is_working_day(D(2025, 9, 26))  # Friday
    assert not is_working_day(D(2025, 9, 27))  # an ordinary Saturday
    assert is_working_day(D(2025, 9, 28))  # Sunday, worked for the holiday
    for day in range(1, 9):
        assert not is_working_day(D(2025, 10, day)), f"10-{day} is a holiday"
    assert is_working_day(D(2025, 10, 9))
    assert is_working_day(D(2025, 10, 11))  # Saturday, worked
    assert not is_working_day(D(2025, 10, 12))  # Sunday


def test_fifteen_working_days_across_national_day_2025():
    # A request received on Friday 2025-09-26 at 10:00, to be answered within 15 working days.
    # The day it arrives is not counted (民法典 第二百零一条). Then, by the 2025 notice:
    #   9-27 Sat rest; 9-28 Sun worked → 1; 9-29 Mon → 2; 9-30 Tue → 3;
    #   10-01 … 10-08 holidays (国庆节、中秋节);
    #   10-09 Thu → 4; 10-10 Fri → 5; 10-11 Sat worked → 6; 10-12 Sun rest;
    #   10-13 … 10-17 Mon–Fri → 7 … 11; 10-18/19 weekend;
    #   10-20 Mon → 12; 10-21 → 13; 10-22 → 14; 10-23 Thu → 15.
    # Weekends alone would have given Friday 10-17: the holidays move it by four working days.
    received = dt.datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI)
    assert add_working_days(D(2025, 9, 26), 15) == D(2025, 10, 23)
    due = due_at(received, 15)
    assert due == dt.datetime(2025, 10, 23, 23, 59, 59, tzinfo=SHANGHAI)
    assert working_days_between(received, due) == 15
    # The 15th working day is the first that counts 15.
    assert working_days_between(received, D(2025, 10, 22)) == 14


def test_spring_festival_2026():
    # 2月15日（周日）至23日（周一）放假调休，共9天；2月14日（周六）、2月28日（周六）上班.
    assert is_working_day(D(2026, 2, 14))  # Saturday, worked
    assert all(not is_working_day(D(2026, 2, day)) for day in range(15, 24))
    assert is_working_day(D(2026, 2, 24))
    assert is_working_day(D(2026, 2, 28))  # Saturday, worked
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    # Back over the festival: the working day before Tuesday 2-24 is Saturday 2-14.
    assert add_working_days(D(2026, 2, 24), -1) == D(2026, 2, 14)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 27)) == 5  # 2-14, 24, 25, 26, 27


def test_a_year_boundary():
    # 2026: 1月1日（周四）至3日放假，1月4日（周日）上班.
    assert is_working_day(D(2025, 12, 31))
    assert add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)
    assert add_working_days(D(2026, 1, 4), -1) == D(2025, 12, 31)
    assert working_days_between(D(2025, 12, 30), D(2026, 1, 5)) == 3  # 12-31, 1-4, 1-5
    assert working_days_between(D(2026, 1, 5), D(2025, 12, 30)) == -3


def test_datetimes_count_by_their_local_date():
    # 2025-09-30 20:00 UTC is 10-01 04:00 in Shanghai: a holiday.
    utc = dt.datetime(2025, 9, 30, 20, 0, tzinfo=dt.UTC)
    assert not is_working_day(utc)
    later = add_working_days(utc, 1)
    assert later == dt.datetime(2025, 10, 9, 4, 0, tzinfo=SHANGHAI)
    # A naive datetime is taken as local time.
    assert add_working_days(dt.datetime(2025, 9, 30, 9, 0), 1) == dt.datetime(
        2025, 10, 9, 9, 0, tzinfo=SHANGHAI
    )
    assert add_working_days(D(2025, 10, 3), 0) == D(2025, 10, 3)


def test_the_end_of_the_working_day_is_a_setting(settings):
    settings.LIANFANG_WORKDAY_END = "17:30"
    due = due_at(dt.datetime(2025, 9, 26, 10, 0, tzinfo=SHANGHAI), 1)
    assert due == dt.datetime(2025, 9, 28, 17, 30, tzinfo=SHANGHAI)


def test_bad_counts_are_refused():
    with pytest.raises(ValueError):
        due_at(D(2025, 9, 26), 0)
    with pytest.raises(ValueError):
        add_working_days(D(2025, 9, 26), workdays.MAX_WORKING_DAYS + 1)
    with pytest.raises(TypeError):
        add_working_days(D(2025, 9, 26), 1.5)
    with pytest.raises(TypeError):
        is_working_day("2025-09-26")


@settings(max_examples=200, deadline=None)
@given(
    start=st.dates(min_value=D(2004, 7, 1), max_value=D(2024, 6, 30)),
    n=st.integers(min_value=-120, max_value=120),
)
def test_counting_undoes_adding(start, n):
    """Within the package's years: the Nth working day is a working day N working days on."""
    calendar = WorkCalendar()
    end = calendar.add_working_days(start, n)
    assert calendar.working_days_between(start, end) == n
    if n:
        assert calendar.is_working_day(end)
        assert (end > start) == (n > 0)


# Overrides -----------------------------------------------------------------------------------


@pytest.fixture
def tree(world):
    branch = make_org("示例市人民医院分院", "H1-B", world.hospital)
    return world.commission, world.hospital, branch, world.other_hospital


def override(org, day, kind, name):
    return WorkdayOverride.objects.create(organisation=org, date=day, kind=kind, name=name)


HOLIDAY, WORKDAY = WorkdayOverride.Kind.HOLIDAY, WorkdayOverride.Kind.WORKDAY


def test_a_local_holiday_applies_to_its_organisation_and_below(tree):
    commission, hospital, branch, other = tree
    override(hospital, D(2025, 10, 15), HOLIDAY, "院庆")  # a Wednesday
    assert not is_working_day(D(2025, 10, 15), hospital)
    assert not is_working_day(D(2025, 10, 15), branch)
    assert is_working_day(D(2025, 10, 15), other)
    assert is_working_day(D(2025, 10, 15), commission)
    assert is_working_day(D(2025, 10, 15))
    # The 15-working-day deadline of the hospital moves by the day: 10-24, not 10-23.
    assert add_working_days(D(2025, 9, 26), 15, hospital) == D(2025, 10, 24)
    assert add_working_days(D(2025, 9, 26), 15, other) == D(2025, 10, 23)


def test_a_platform_working_day_applies_everywhere_but_the_nearest_override_wins(tree):
    commission, hospital, branch, other = tree
    override(None, D(2025, 10, 12), WORKDAY, "全平台补班")  # Sunday
    assert is_working_day(D(2025, 10, 12))
    assert is_working_day(D(2025, 10, 12), branch)
    assert add_working_days(D(2025, 9, 26), 15, other) == D(2025, 10, 22)
    # The hospital keeps its Sunday: its own override wins over the platform's, for it and
    # the branch below it.
    override(hospital, D(2025, 10, 12), HOLIDAY, "本院不补班")
    assert not is_working_day(D(2025, 10, 12), hospital)
    assert not is_working_day(D(2025, 10, 12), branch)
    assert is_working_day(D(2025, 10, 12), other)
    # …and the branch's own wins over the hospital's.
    override(branch, D(2025, 10, 12), WORKDAY, "分院补班")
    assert is_working_day(D(2025, 10, 12), branch)
    assert not is_working_day(D(2025, 10, 12), hospital)


def test_an_override_can_take_a_holiday_of_the_package_back(tree):
    _commission, hospital, _branch, _other = tree
    override(hospital, D(2025, 10, 8), WORKDAY, "值班")
    assert is_working_day(D(2025, 10, 8), hospital)
    assert add_working_days(D(2025, 9, 30), 1, hospital) == D(2025, 10, 8)


def test_a_calendar_is_read_with_two_queries(tree, django_assert_num_queries):
    _commission, hospital, branch, _other = tree
    override(hospital, D(2025, 10, 15), HOLIDAY, "院庆")
    with django_assert_num_queries(2):
        calendar = calendar_for(branch)
    with django_assert_num_queries(0):
        assert calendar.add_working_days(D(2025, 9, 26), 15) == D(2025, 10, 24)


# Unknown years ---------------------------------------------------------------------------------


def test_an_unknown_year_is_refused_not_guessed(tree):
    _commission, hospital, _branch, _other = tree
    year = the_package_year_after()
    last_day = D(year - 1, 12, 31)
    with pytest.raises(UnknownWorkdayYear) as raised:
        is_working_day(D(year, 1, 4))
    assert raised.value.year == year
    assert f"{year} 年的法定节假日和调休安排尚未录入" in raised.value.messages[0]
    # A deadline that reaches into it is refused too, not cut short.
    with pytest.raises(UnknownWorkdayYear):
        add_working_days(last_day - dt.timedelta(days=10), 15, hospital)
    with pytest.raises(UnknownWorkdayYear):
        due_at(last_day, 1)
    with pytest.raises(UnknownWorkdayYear):
        working_days_between(last_day, D(year, 1, 10))
    # Overrides entered for it without a confirmation do not make the year known...
    override(None, D(year, 1, 1), HOLIDAY, "元旦")
    with pytest.raises(UnknownWorkdayYear):
        is_working_day(D(year, 1, 4))
    # ...though the date an override names is answered.
    assert not is_working_day(D(year, 1, 1))


def test_a_confirmed_year_counts_weekends_and_overrides(tree):
    _commission, hospital, branch, other = tree
    year = the_package_year_after()
    jan1 = D(year, 1, 1)
    override(None, jan1, HOLIDAY, "元旦")
    WorkdayYear.objects.create(
        organisation=hospital, year=year, confirmed_at=dt.datetime.now(dt.UTC)
    )
    # Known for the hospital and the branch below it; still unknown for its sibling.
    first = next(D(year, 1, d) for d in range(2, 9) if D(year, 1, d).weekday() < 5)
    assert not is_working_day(jan1, branch)
    assert add_working_days(D(year, 1, 1), 1, branch) == first
    with pytest.raises(UnknownWorkdayYear):
        add_working_days(D(year, 1, 1), 1, other)
    # Confirmed for the platform: known everywhere.
    WorkdayYear.objects.create(organisation=None, year=year, confirmed_at=dt.datetime.now(dt.UTC))
    assert add_working_days(D(year, 1, 1), 1, other) == first
    saturday = next(D(year, 1, d) for d in range(1, 8) if D(year, 1, d).weekday() == 5)
    assert not is_working_day(saturday)


def test_years_to_know_from_october_on(tree):
    _commission, hospital, branch, other = tree
    last = workdays.package_years()[-1]
    assert workdays.unknown_years(on=D(last, 9, 30)) == []
    assert workdays.unknown_years(on=D(last, 10, 1)) == [last + 1]
    assert workdays.unknown_years([hospital], on=D(last, 12, 6)) == [last + 1]
    WorkdayYear.objects.create(
        organisation=hospital, year=last + 1, confirmed_at=dt.datetime.now(dt.UTC)
    )
    assert workdays.unknown_years([branch], on=D(last, 12, 6)) == []
    assert workdays.unknown_years([branch, other], on=D(last, 12, 6)) == [last + 1]
    assert workdays.unknown_years(on=D(last, 12, 6)) == [last + 1]  # the platform's own
    assert workdays.unknown_years(on=D(last + 1, 3, 1)) == [last + 1]


def test_the_package_schedule_is_listed_per_holiday():
    runs = {run.names: run for run in workdays.package_holidays(2025)}
    national = runs[("国庆节", "中秋")]
    assert (national.first, national.last, national.days) == (D(2025, 10, 1), D(2025, 10, 8), 8)
    assert national.workdays == (D(2025, 9, 28), D(2025, 10, 11))
    assert workdays.package_holidays(the_package_year_after()) == []
