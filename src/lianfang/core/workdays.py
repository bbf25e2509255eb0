"""The working-day calendar: Chinese public holidays and 调休 working weekends, for time limits
counted in working days (工作日).

Where a day's answer comes from, first found wins:

1. an override (`WorkdayOverride`) of the organisation, then of its ancestors (nearest first),
   then of the platform: a local holiday (院庆), a year's schedule entered by hand;
2. the `chinesecalendar` package's schedule, for the years it holds (the State Council's
   notice for each year, published late in the year before: upgrade the package every year);
3. weekends only, for a year an administrator has **confirmed** as entered by hand
   (`WorkdayYear`, of the platform or of the organisation or an ancestor);
4. otherwise the year is unknown and the calendar raises `UnknownWorkdayYear`, a
   `ValidationError` with a Chinese message that names the year: it never guesses from
   weekends alone. A system check (`lianfang check --database default`, and every `migrate`)
   and a banner for administrators say so before anyone meets the error.

Counting follows 《民法典》第二百零一条: the day a period starts is not counted, so N working
days after a moment end on the Nth working day after its date; `due_at` puts the deadline
at the end of that day (`settings.LIANFANG_WORKDAY_END`, 23:59:59 unless set). Dates are
local dates in `settings.TIME_ZONE` (Asia/Shanghai), whatever time zone a request activated.

For one answer call the functions (`is_working_day`, `add_working_days`,
`working_days_between`, `due_at`): each reads the organisation's overrides and confirmations
(two queries). For many answers take `calendar_for(organisation)` once and ask it.
"""

import datetime as dt
import functools
from dataclasses import dataclass, field
from importlib import metadata
from zoneinfo import ZoneInfo

import chinese_calendar
from chinese_calendar.constants import Holiday
from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import WorkdayOverride, WorkdayYear
from .selectors import path_ids

# A count of working days beyond this (about ten years) is a mistake, not a time limit.
MAX_WORKING_DAYS = 2500


class UnknownWorkdayYear(ValidationError):
    """The calendar has no schedule for `year`: the package holds no data for it and nobody
    confirmed it as entered by hand. A ValidationError, so a service that computes a
    deadline refuses with this message on the form rather than answering 500."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            _(
                "%(year)s 年的法定节假日和调休安排尚未录入，无法按工作日计算。"
                "请平台管理员升级 chinesecalendar，或在“系统维护 › 工作日历”"
                "录入该年的节假日和调休上班日并确认。"
            ),
            code="workday_year_unknown",
            params={"year": year},
        )


# The package -----------------------------------------------------------------------------

_HOLIDAY_NAMES = {h.value: h.chinese for h in Holiday}


@functools.cache
def package_years() -> range:
    """The years the installed `chinesecalendar` holds (the range its own functions accept)."""
    years = [day.year for day in chinese_calendar.holidays]
    return range(min(years), max(years) + 1)


@functools.cache
def package_version() -> str:
    try:
        return metadata.version("chinesecalendar")
    except metadata.PackageNotFoundError:  # pragma: no cover - installed as a dependency
        return ""


def package_is_working(day: dt.date) -> bool:
    """The package's answer for a day of a year it holds (the dictionaries directly: its
    `is_workday` re-reads the range of its data on every call)."""
    if day in chinese_calendar.workdays:
        return True
    return day.weekday() < 5 and day not in chinese_calendar.holidays


@dataclass(frozen=True)
class HolidayRun:
    """A run of the package's holidays (weekends inside it included) and the weekends worked
    for it (调休)."""

    names: tuple[str, ...]  # the holidays' Chinese names (国庆节, 中秋, …)
    first: dt.date
    last: dt.date
    workdays: tuple[dt.date, ...]

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def package_holidays(year: int) -> list[HolidayRun]:
    """The package's schedule of `year` (empty for a year it does not hold): each run of
    consecutive holidays, with the working weekends given for its holidays."""
    if year not in package_years():
        return []
    runs: list[list] = []
    for day in sorted(d for d in chinese_calendar.holidays if d.year == year):
        name = _HOLIDAY_NAMES.get(chinese_calendar.holidays[day], chinese_calendar.holidays[day])
        if runs and (day - runs[-1][2]).days == 1:
            runs[-1][2] = day
            if name not in runs[-1][0]:
                runs[-1][0].append(name)
        else:
            runs.append([[name], day, day])
    worked: dict[str, list[dt.date]] = {}
    for day, name in sorted(chinese_calendar.workdays.items()):
        if day.year == year:
            worked.setdefault(_HOLIDAY_NAMES.get(name, name), []).append(day)
    result = []
    for names, first, last in runs:
        days = [d for name in names for d in worked.pop(name, [])]
        result.append(HolidayRun(tuple(names), first, last, tuple(sorted(days))))
    return result


# Time --------------------------------------------------------------------------------------


def calendar_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def workday_end() -> dt.time:
    """When a working day ends for a deadline (`settings.LIANFANG_WORKDAY_END`)."""
    return dt.time.fromisoformat(settings.LIANFANG_WORKDAY_END)


def local_date(value: dt.date | dt.datetime) -> dt.date:
    """The local date of a date or a datetime (a naive datetime is taken as local time)."""
    return _local(value)[0]


def _local(value) -> tuple[dt.date, dt.datetime | None]:
    if isinstance(value, dt.datetime):
        zone = calendar_zone()
        value = value.replace(tzinfo=zone) if timezone.is_naive(value) else value.astimezone(zone)
        return value.date(), value
    if isinstance(value, dt.date):
        return value, None
    raise TypeError(f"a date or a datetime is needed, not {type(value).__name__}")


def _count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"a whole number of working days is needed, not {n!r}")
    if abs(n) > MAX_WORKING_DAYS:
        raise ValueError(f"{n} working days is beyond the calendar's {MAX_WORKING_DAYS}")
    return n


# The calendar ------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkCalendar:
    """The calendar as one organisation (or, with none, the platform) sees it."""

    overrides: dict[dt.date, WorkdayOverride] = field(default_factory=dict)
    confirmed_years: frozenset[int] = frozenset()

    def knows(self, year: int) -> bool:
        return year in package_years() or year in self.confirmed_years

    def override(self, day: dt.date) -> WorkdayOverride | None:
        return self.overrides.get(day)

    def is_working_day(self, day: dt.date | dt.datetime) -> bool:
        day = local_date(day)
        override = self.overrides.get(day)
        if override is not None:
            return override.working
        if day.year in package_years():
            return package_is_working(day)
        if day.year in self.confirmed_years:
            return day.weekday() < 5
        raise UnknownWorkdayYear(day.year)

    def add_working_days(self, start, n: int):
        """The Nth working day after `start` (before it for a negative N), not counting
        `start`'s own day; N = 0 gives `start` back. A date for a date; for a datetime, the
        same local time on that day (an aware datetime in the calendar's time zone)."""
        n = _count(n)
        day, moment = _local(start)
        if n == 0:
            return start if moment is None else moment
        step = dt.timedelta(days=1 if n > 0 else -1)
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        if moment is None:
            return day
        return dt.datetime.combine(day, moment.timetz())

    def working_days_between(self, start, end) -> int:
        """The working days after `start`'s date up to and including `end`'s date; when `end`
        is earlier, minus those from `end`'s date up to but not including `start`'s. So
        `working_days_between(a, add_working_days(a, n))` is `n`, either way. Two moments of
        one day are 0 apart."""
        first, last = local_date(start), local_date(end)
        if (abs(last - first)).days > MAX_WORKING_DAYS * 2:
            raise ValueError("the dates are too far apart for a count of working days")
        if last >= first:
            days = (first + dt.timedelta(days=i) for i in range(1, (last - first).days + 1))
            return sum(map(self.is_working_day, days))
        days = (last + dt.timedelta(days=i) for i in range((first - last).days))
        return -sum(map(self.is_working_day, days))

    def due_at(self, start, n: int) -> dt.datetime:
        """The deadline of N working days (N ≥ 1) from the moment `start`: the end of the Nth
        working day after its date (`settings.LIANFANG_WORKDAY_END`, local time), as an aware
        datetime."""
        if _count(n) < 1:
            raise ValueError("a deadline is at least one working day away")
        day = self.add_working_days(local_date(start), n)
        return dt.datetime.combine(day, workday_end(), tzinfo=calendar_zone())


def _path_q(organisation) -> Q:
    q = Q(organisation__isnull=True)
    if organisation is not None:
        q |= Q(organisation_id__in=path_ids(organisation.path))
    return q


def calendar_for(organisation=None) -> WorkCalendar:
    """The calendar of `organisation` (None: the platform's alone). Two queries."""
    rank = {None: 0}
    if organisation is not None:
        rank.update({pk: depth for depth, pk in enumerate(path_ids(organisation.path), 1)})
    overrides: dict[dt.date, WorkdayOverride] = {}
    for override in WorkdayOverride.objects.filter(_path_q(organisation)):
        held = overrides.get(override.date)
        if held is None or rank[override.organisation_id] > rank[held.organisation_id]:
            overrides[override.date] = override
    confirmed = WorkdayYear.objects.filter(_path_q(organisation)).values_list("year", flat=True)
    return WorkCalendar(overrides=overrides, confirmed_years=frozenset(confirmed))


def calendars_for(organisations) -> dict[int, WorkCalendar]:
    """The calendar of each organisation, by primary key: `calendar_for` for many at once, in
    two queries whatever their number (a checker raising warnings across a commission)."""
    organisations = {org.pk: org for org in organisations}
    ids = {i for org in organisations.values() for i in path_ids(org.path)}
    q = Q(organisation__isnull=True) | Q(organisation_id__in=ids)
    overrides = list(WorkdayOverride.objects.filter(q))
    years = list(WorkdayYear.objects.filter(q).values_list("organisation_id", "year"))
    calendars = {}
    for pk, org in organisations.items():
        rank = {None: 0, **{i: depth for depth, i in enumerate(path_ids(org.path), 1)}}
        held: dict[dt.date, WorkdayOverride] = {}
        for override in overrides:
            if override.organisation_id not in rank:
                continue
            other = held.get(override.date)
            if other is None or rank[override.organisation_id] > rank[other.organisation_id]:
                held[override.date] = override
        confirmed = frozenset(year for owner, year in years if owner in rank)
        calendars[pk] = WorkCalendar(overrides=held, confirmed_years=confirmed)
    return calendars


def is_working_day(day, organisation=None) -> bool:
    """Whether `day` (a date, or a datetime's local date) is a working day."""
    return calendar_for(organisation).is_working_day(day)


def add_working_days(start, n: int, organisation=None):
    """The Nth working day after `start` (see `WorkCalendar.add_working_days`)."""
    return calendar_for(organisation).add_working_days(start, n)


def working_days_between(start, end, organisation=None) -> int:
    """The working days after `start` up to and including `end`."""
    return calendar_for(organisation).working_days_between(start, end)


def due_at(start, n: int, organisation=None) -> dt.datetime:
    """The end of the Nth working day after the moment `start`."""
    return calendar_for(organisation).due_at(start, n)


# Which years must be known --------------------------------------------------------------------


def today() -> dt.date:
    """Today's local date (tests replace it to stand at a chosen date)."""
    return timezone.now().astimezone(calendar_zone()).date()


def years_to_know(today: dt.date) -> list[int]:
    """The current year, and the next one from 1 October on (the State Council publishes the
    next year's schedule in the autumn; deadlines set in December already reach into it)."""
    years = [today.year]
    if (today.month, today.day) >= (10, 1):
        years.append(today.year + 1)
    return years


def unknown_years(organisations=(None,), *, on: dt.date | None = None, using=None) -> list[int]:
    """The years of `years_to_know` (on the date `on`, default today) that the calendar of at
    least one of `organisations` (None: the platform) does not know. No query while the
    package holds them all."""
    missing = [y for y in years_to_know(on or today()) if y not in package_years()]
    if not missing:
        return []
    organisations = list(organisations)
    q = Q(organisation__isnull=True)
    ids = {pk for org in organisations if org is not None for pk in path_ids(org.path)}
    if ids:
        q |= Q(organisation_id__in=ids)
    rows = WorkdayYear.objects.using(using).filter(q, year__in=missing)
    confirmed = set(rows.values_list("organisation_id", "year"))
    unknown = set()
    for org in organisations:
        owners = {None} if org is None else {None, *path_ids(org.path)}
        for year in missing:
            if not any((owner, year) in confirmed for owner in owners):
                unknown.add(year)
    return sorted(unknown)


# System checks ---------------------------------------------------------------------------------


@checks.register()
def check_workday_end(app_configs=None, **kwargs):
    """LIANFANG_WORKDAY_END must be a time of day."""
    try:
        workday_end()
    except (TypeError, ValueError):
        return [
            checks.Error(
                f"LIANFANG_WORKDAY_END is {settings.LIANFANG_WORKDAY_END!r}, not a time of day.",
                hint='Set it to HH:MM or HH:MM:SS, e.g. "17:30", or leave it unset for 23:59:59.',
                id="lianfang.E101",
            )
        ]
    return []


@checks.register(checks.Tags.database)
def check_workday_years(app_configs=None, databases=None, **kwargs):
    """The current year (and the next from 1 October on) must be known to the calendar.

    A database check, like Django's own: it reads the platform's confirmations, so it runs
    with `migrate` and `check --database default`, not with every management command.
    """
    if not databases:
        return []
    alias = "default" if "default" in databases else databases[0]
    try:
        years = unknown_years(using=alias)
    except DatabaseError:  # before the calendar's tables exist: nothing is confirmed yet
        years = [y for y in years_to_know(today()) if y not in package_years()]
    if not years:
        return []
    first, last = package_years()[0], package_years()[-1]
    return [
        checks.Warning(
            f"The working-day calendar does not know {', '.join(map(str, years))}: "
            f"chinesecalendar {package_version()} holds {first}–{last} only and the platform "
            "administrator has not confirmed the year's holidays as entered. Deadlines in "
            "working days that reach into it are refused until then.",
            hint="Upgrade chinesecalendar (pip install -U chinesecalendar) once the State "
            "Council's schedule is in it, or enter the year's holidays and 调休 working days "
            "on 系统维护 › 工作日历 and confirm the year. See docs/architecture.md, "
            '"Working days".',
            id="lianfang.W101",
        )
    ]
