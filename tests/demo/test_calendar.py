"""The demo enters next year's holidays, marked provisional, when chinesecalendar lacks them."""

import datetime as dt

import pytest

from lianfang.core import workdays
from lianfang.core.models import AuditEvent, WorkdayOverride, WorkdayYear
from lianfang.core.roles import Role
from lianfang.demo.calendar import PROVISIONAL, calendar_provide
from tests.factories import make_org, make_user

pytestmark = pytest.mark.django_db

DECEMBER = dt.date(2026, 12, 7)  # deadlines set now reach into 2027, which the package lacks


@pytest.fixture
def authority():
    return make_org("示例市卫生健康委员会", "WJW-CAL")


def test_a_missing_next_year_is_entered_for_the_demo_and_confirmed(authority):
    if 2027 in workdays.package_years():
        pytest.skip("the installed chinesecalendar holds 2027")
    hospital = make_org("示例市人民医院", "H-CAL", authority)
    with pytest.raises(workdays.UnknownWorkdayYear):
        workdays.add_working_days(DECEMBER, 30, organisation=hospital)
    assert calendar_provide(
        actor=make_user("admin", (Role.ADMIN, authority)), authority=authority, today=DECEMBER
    ) == [2027]
    # 18 working days from Monday 7 December 2026 end on the 31st; 1 January is off (元旦).
    assert workdays.add_working_days(DECEMBER, 19, organisation=hospital) == dt.date(2027, 1, 4)
    assert not workdays.is_working_day(dt.date(2027, 2, 8), organisation=hospital)  # 春节
    names = set(
        WorkdayOverride.objects.filter(organisation=authority).values_list("name", flat=True)
    )
    assert names == {f"元旦{PROVISIONAL}", f"春节{PROVISIONAL}"}
    assert WorkdayYear.objects.filter(organisation=authority, year=2027).exists()
    assert AuditEvent.objects.filter(action="workday_year.confirm").count() == 1
    # Only the demo's subtree: the platform and other units still do not know the year.
    with pytest.raises(workdays.UnknownWorkdayYear):
        workdays.add_working_days(DECEMBER, 30, organisation=make_org("他市医院", "H-OTHER"))
    # Run again: nothing more to enter.
    assert (
        calendar_provide(
            actor=make_user("admin2", (Role.ADMIN, authority)), authority=authority, today=DECEMBER
        )
        == []
    )


def test_nothing_is_entered_when_the_package_holds_the_years(authority):
    assert (
        calendar_provide(
            actor=make_user("admin", (Role.ADMIN, authority)),
            authority=authority,
            today=dt.date(2026, 6, 1),
        )
        == []
    )
    assert not WorkdayOverride.objects.exists()
