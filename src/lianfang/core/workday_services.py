"""Writes to the working-day calendar (`core.workdays`): overrides of single dates, and the
confirmation that a year's holidays have been entered by hand.

Who owns which (docs/architecture.md, "Who owns which setting"): an override or a
confirmation without an organisation is the platform's, the platform administrator's alone;
one of an organisation belongs to the administrators of that organisation and of those above
it. Each service checks it itself (PermissionDenied), whatever the page offered, and appends
one audit event per row written, carrying the organisation (none: a platform event).
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .models import WorkdayOverride, WorkdayYear
from .roles import is_platform_admin
from .selectors import administers, path_ids
from .workdays import package_years

# The years the calendar accepts overrides for, and the longest run entered at once (a
# holiday with its weekends: 春节 is 8 or 9 days).
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_RUN_DAYS = 31
NAME_MAX = WorkdayOverride._meta.get_field("name").max_length


def require_keeper(actor, organisation) -> None:
    """The platform's calendar is the platform administrator's; an organisation's, its
    administrators' and those above them (the platform administrator's role alone is not)."""
    if organisation is None:
        if not is_platform_admin(actor):
            raise PermissionDenied(_("只有平台管理员可以修改全平台的工作日历。"))
    elif not administers(actor, organisation):
        raise PermissionDenied(_("只能修改您管理的单位及其下级单位的工作日历。"))


def _date(value, field: str) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: _("请填写日期。")})
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        message = _("日期应在 %(first)s 年至 %(last)s 年之间。")
        raise ValidationError({field: message % {"first": FIRST_YEAR, "last": LAST_YEAR}})
    return value


def _clean(*, date, kind, name, end=None) -> tuple[dt.date, dt.date, str, str]:
    errors = {}
    try:
        date = _date(date, "date")
    except ValidationError as error:
        errors.update(error.error_dict)
    if end is not None:
        try:
            end = _date(end, "end")
        except ValidationError as error:
            errors.update(error.error_dict)
    if kind not in WorkdayOverride.Kind.values:
        errors["kind"] = [_("请选择放假或上班。")]
    name = " ".join((name or "").split())
    if not name:
        errors["name"] = [_("请填写名称，如“院庆”“国庆节调休”。")]
    elif len(name) > NAME_MAX:
        errors["name"] = [_("名称最多 %(max)s 个字。") % {"max": NAME_MAX}]
    if errors:
        raise ValidationError(errors)
    end = end or date
    if end < date:
        raise ValidationError({"end": _("结束日期不能早于开始日期。")})
    if (end - date).days >= MAX_RUN_DAYS:
        raise ValidationError({"end": _("一次最多录入 %(n)s 天。") % {"n": MAX_RUN_DAYS}})
    return date, end, kind, name


def _taken(organisation, dates, exclude=None) -> None:
    rows = WorkdayOverride.objects.filter(organisation=organisation, date__in=dates)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    taken = sorted(rows.values_list("date", flat=True))
    if taken:
        raise ValidationError(
            {
                "date": _("%(dates)s 已有调整，请编辑或删除原有调整。")
                % {"dates": "、".join(f"{d:%Y-%m-%d}" for d in taken)}
            }
        )


def _saved(write):
    """Run `write` in a savepoint: a concurrent save of the same date (the unique
    constraint) is a refusal like the one checked before, not a 500."""
    try:
        with transaction.atomic():
            return write()
    except IntegrityError:
        raise ValidationError({"date": _("该日期刚刚被其他人录入了调整，请刷新后再试。")}) from None


@transaction.atomic
def workday_overrides_add(
    *, actor, organisation, date: dt.date, kind: str, name: str, end: dt.date | None = None
) -> list[WorkdayOverride]:
    """Make `date` (through `end`, at most MAX_RUN_DAYS days) a holiday or a working day
    (`kind`) named `name`, for the platform (`organisation` None) or for `organisation` and
    those below it. A date that already has an override of the same owner is refused: edit
    it instead. One audit event per date."""
    require_keeper(actor, organisation)
    date, end, kind, name = _clean(date=date, kind=kind, name=name, end=end)
    dates = [date + dt.timedelta(days=i) for i in range((end - date).days + 1)]
    _taken(organisation, dates)
    rows = [
        WorkdayOverride(organisation=organisation, date=day, kind=kind, name=name) for day in dates
    ]
    rows = _saved(lambda: WorkdayOverride.objects.bulk_create(rows))
    audit.record_many(
        actor=actor,
        changes=[
            audit.Change(
                action="workday_override.create",
                obj=row,
                after=audit.snapshot(row),
                organisation=organisation,
            )
            for row in rows
        ],
    )
    return rows


@transaction.atomic
def workday_override_update(
    *, actor, override: WorkdayOverride, date: dt.date, kind: str, name: str
) -> WorkdayOverride:
    """Change an override's date, kind or name (its owner stays). Unchanged: nothing written."""
    override = WorkdayOverride.objects.select_for_update().get(pk=override.pk)
    organisation = override.organisation
    require_keeper(actor, organisation)
    date, _end, kind, name = _clean(date=date, kind=kind, name=name)
    before = audit.snapshot(override)
    override.date, override.kind, override.name = date, kind, name
    after = audit.snapshot(override)
    if after == before:
        return override
    _taken(organisation, [date], exclude=override)
    _saved(lambda: override.save(update_fields=["date", "kind", "name"]))
    audit.record(
        actor=actor,
        action="workday_override.update",
        obj=override,
        before=before,
        after=after,
        organisation=organisation,
    )
    return override


@transaction.atomic
def workday_override_delete(*, actor, override: WorkdayOverride) -> None:
    """Remove an override: the date follows the owner above, or the package, again."""
    override = WorkdayOverride.objects.select_for_update().get(pk=override.pk)
    require_keeper(actor, override.organisation)
    audit.record(
        actor=actor,
        action="workday_override.delete",
        obj=override,
        before=audit.snapshot(override),
        organisation=override.organisation,
    )
    override.delete()


def _year(year) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationError(
            _("年份应在 %(first)s 至 %(last)s 之间。"),
            code="out_of_range",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
        )
    return year


@transaction.atomic
def workday_year_confirm(*, actor, organisation, year: int) -> WorkdayYear:
    """Declare that `year`'s holidays and 调休 working days have been entered as overrides,
    for the platform (`organisation` None) or for `organisation` and those below it: from
    now on the calendar answers for that year from weekends and overrides.

    Refused for a year the installed package holds (nothing to confirm), and for a year
    without a single holiday entered where it applies (every year has 元旦 and 春节: a
    confirmation without them would make the calendar silently wrong). Confirming a year
    already confirmed by the same owner writes nothing."""
    require_keeper(actor, organisation)
    year = _year(year)
    if year in package_years():
        raise ValidationError(
            _("%(year)s 年的安排已包含在 chinesecalendar 中，无需确认。"),
            code="known",
            params={"year": year},
        )
    owners = Q(organisation__isnull=True)
    if organisation is not None:
        owners |= Q(organisation_id__in=path_ids(organisation.path))
    holidays = WorkdayOverride.objects.filter(
        owners, date__year=year, kind=WorkdayOverride.Kind.HOLIDAY
    )
    if not holidays.exists():
        raise ValidationError(
            _(
                "尚未录入 %(year)s 年的任何放假日期。请先按国务院办公厅的通知"
                "录入元旦、春节等节假日和调休上班日，再确认。"
            ),
            code="empty",
            params={"year": year},
        )
    existing = WorkdayYear.objects.filter(organisation=organisation, year=year).first()
    if existing is not None:
        return existing
    confirmation = WorkdayYear(
        organisation=organisation, year=year, confirmed_by=actor, confirmed_at=timezone.now()
    )
    try:
        with transaction.atomic():
            confirmation.save()
    except IntegrityError:  # confirmed at the same moment by another administrator
        return WorkdayYear.objects.get(organisation=organisation, year=year)
    audit.record(
        actor=actor,
        action="workday_year.confirm",
        obj=confirmation,
        after=audit.snapshot(confirmation, ["year", "organisation", "confirmed_by"]),
        organisation=organisation,
    )
    return confirmation


@transaction.atomic
def workday_year_withdraw(*, actor, confirmation: WorkdayYear) -> None:
    """Take a confirmation back: the year is unknown again where nothing else confirms it."""
    confirmation = WorkdayYear.objects.select_for_update().get(pk=confirmation.pk)
    require_keeper(actor, confirmation.organisation)
    audit.record(
        actor=actor,
        action="workday_year.withdraw",
        obj=confirmation,
        before=audit.snapshot(confirmation, ["year", "organisation", "confirmed_by"]),
        organisation=confirmation.organisation,
    )
    confirmation.delete()
