"""The demo's working-day calendar for a year chinesecalendar does not hold yet.

From 1 October the platform needs next year's holidays (deadlines set in December reach into
it), and the package learns them only once the State Council has published them. A real
installation enters them on 系统维护 › 工作日历 from the notice; the demo cannot know them, so
it enters, for the demo commission and its hospitals only, the statutory days that fall on
weekdays in January and February (元旦, 春节) **marked as provisional**, and confirms the year,
so the demo's time limits (flows, complaints) run. Written through `core.workday_services`,
as an administrator would on the page.
"""

import datetime as dt

from lianfang.core import workday_services, workdays

PROVISIONAL = "（演示数据，待国务院办公厅通知公布后核对）"

# Weekday holidays of the first two months, by the rules in force since 2025 (元旦 1 day;
# 春节 from 除夕 to 初三, plus the bridging weekdays): the lunar new year's eve per year.
NEW_YEARS_EVE = {2027: dt.date(2027, 2, 5), 2028: dt.date(2028, 1, 25), 2029: dt.date(2029, 2, 12)}


def provisional_holidays(year: int) -> list[tuple[dt.date, dt.date, str]]:
    """(first, last, name) runs of holidays for `year`, weekdays only."""
    runs = [(dt.date(year, 1, 1), dt.date(year, 1, 1), "元旦")]
    eve = NEW_YEARS_EVE.get(year)
    if eve is not None:
        runs.append((eve, eve + dt.timedelta(days=7), "春节"))
    return runs


def calendar_provide(*, actor, authority, today: dt.date | None = None) -> list[int]:
    """Enter and confirm, for `authority` and below, each year the calendar must know
    (`workdays.unknown_years`) and the package does not hold. Returns the years confirmed."""
    years = workdays.unknown_years([authority], on=today)
    for year in years:
        for first, last, name in provisional_holidays(year):
            workday_services.workday_overrides_add(
                actor=actor,
                organisation=authority,
                date=first,
                end=last,
                kind="holiday",
                name=f"{name}{PROVISIONAL}",
            )
        workday_services.workday_year_confirm(actor=actor, organisation=authority, year=year)
    return years
