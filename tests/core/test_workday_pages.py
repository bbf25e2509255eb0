"""系统维护 › 工作日历: the services that keep the overrides and the confirmed years (who owns
which, what is refused, the audit events), the page, the administrators' banner and the
system check when a year is unknown.

The tree: 卫健委 (commission) → 人民医院 (hospital) → 分院 (branch), and 第二医院 (other).
"""

import datetime as dt

import pytest
from django.core import checks
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianfang.core import workdays
from lianfang.core.models import AuditEvent, WorkdayOverride, WorkdayYear
from lianfang.core.roles import Role
from lianfang.core.workday_services import (
    workday_override_delete,
    workday_override_update,
    workday_overrides_add,
    workday_year_confirm,
    workday_year_withdraw,
)
from tests.factories import make_org, make_user, writes_below

pytestmark = pytest.mark.django_db

D = dt.date
HOLIDAY, WORKDAY = WorkdayOverride.Kind.HOLIDAY, WorkdayOverride.Kind.WORKDAY
LAST = workdays.package_years()[-1]  # the last year the installed package holds
UNKNOWN = LAST + 1  # a year it does not


@pytest.fixture
def tree(world, platform_admin):
    branch = make_org("示例市人民医院分院", "H1-B", world.hospital)
    writes_below(world.users["admin"])  # the hospital's administrator keeps the branch's too
    users = {
        **world.users,
        "platform": platform_admin,
        "commission_admin": writes_below(make_user("wjw_admin", (Role.ADMIN, world.commission))),
    }
    orgs = {
        "commission": world.commission,
        "hospital": world.hospital,
        "branch": branch,
        "other": world.other_hospital,
    }
    return orgs, users


@pytest.fixture
def december(monkeypatch):
    """Stand on 6 December of the package's last year: the next year must be known."""
    monkeypatch.setattr(workdays, "today", lambda: D(LAST, 12, 6))


def add(actor, org, day, kind=HOLIDAY, name="院庆", end=None):
    return workday_overrides_add(
        actor=actor, organisation=org, date=day, end=end, kind=kind, name=name
    )


# Services --------------------------------------------------------------------------------------


def test_each_owner_keeps_their_own_calendar(tree):
    orgs, users = tree
    (platform_day,) = add(users["platform"], None, D(2025, 10, 12), WORKDAY, "全平台补班")
    (hospital_day,) = add(users["admin"], orgs["hospital"], D(2025, 10, 15))
    (branch_day,) = add(users["commission_admin"], orgs["branch"], D(2025, 10, 16), name="分院院庆")
    refusals = [
        (users["admin"], None),  # an organisation's administrator keeps no platform setting
        (users["admin"], orgs["other"]),  # nor a sibling's
        (users["admin"], orgs["commission"]),  # nor the one above
        (users["platform"], orgs["hospital"]),  # the platform administrator no organisation's
        (users["integrity"], orgs["hospital"]),
        (users["staff"], orgs["hospital"]),
    ]
    for actor, org in refusals:
        with pytest.raises(PermissionDenied):
            add(actor, org, D(2025, 10, 20))
    with pytest.raises(PermissionDenied):
        workday_override_delete(actor=users["admin"], override=platform_day)
    with pytest.raises(PermissionDenied):
        workday_override_update(
            actor=users["platform"],
            override=hospital_day,
            date=D(2025, 10, 15),
            kind=WORKDAY,
            name="x",
        )
    assert set(WorkdayOverride.objects.all()) == {platform_day, hospital_day, branch_day}
    events = {e.object_id: e for e in AuditEvent.objects.filter(action="workday_override.create")}
    assert events[str(platform_day.pk)].organisation_path == ""  # a platform event
    assert events[str(hospital_day.pk)].organisation_id == orgs["hospital"].pk
    assert events[str(branch_day.pk)].organisation_id == orgs["branch"].pk


def test_a_run_of_days_is_entered_at_once_with_an_event_per_day(tree):
    orgs, users = tree
    rows = add(users["platform"], None, D(UNKNOWN, 2, 5), name="春节", end=D(UNKNOWN, 2, 11))
    assert [r.date for r in rows] == [D(UNKNOWN, 2, 5) + dt.timedelta(days=i) for i in range(7)]
    assert AuditEvent.objects.filter(action="workday_override.create").count() == 7
    after = AuditEvent.objects.filter(action="workday_override.create").first().after
    assert after["name"] == "春节" and after["kind"] == "holiday"


def test_bad_entries_are_refused_in_chinese_and_write_nothing(tree):
    orgs, users = tree
    hospital, admin = orgs["hospital"], users["admin"]
    add(admin, hospital, D(2025, 10, 15))
    cases = [
        (dict(day=D(2025, 10, 14), end=D(2025, 10, 16)), "date", "2025-10-15 已有调整"),
        (dict(day=D(2025, 10, 20), end=D(2025, 10, 19)), "end", "结束日期不能早于开始日期"),
        (dict(day=D(2025, 1, 1), end=D(2025, 2, 1)), "end", "一次最多录入 31 天"),
        (dict(day=D(2025, 10, 20), name="  "), "name", "请填写名称"),
        (dict(day=D(2025, 10, 20), name="长" * 41), "name", "名称最多 40 个字"),
        (dict(day=D(2025, 10, 20), kind="weekend"), "kind", "请选择放假或上班"),
        (dict(day=D(1899, 12, 31)), "date", "日期应在 2000 年至 2100 年之间"),
    ]
    before = (WorkdayOverride.objects.count(), AuditEvent.objects.count())
    for kwargs, field, message in cases:
        with pytest.raises(ValidationError) as raised:
            add(admin, hospital, **kwargs)
        assert message in " ".join(raised.value.message_dict[field]), kwargs
    assert (WorkdayOverride.objects.count(), AuditEvent.objects.count()) == before
    # The same date of another owner is no conflict: the nearest wins.
    add(users["commission_admin"], orgs["branch"], D(2025, 10, 15), WORKDAY, "分院照常上班")


def test_an_override_is_changed_and_removed_with_its_events(tree):
    orgs, users = tree
    (row,) = add(users["admin"], orgs["hospital"], D(2025, 10, 15))
    same = workday_override_update(
        actor=users["admin"], override=row, date=row.date, kind=row.kind, name=row.name
    )
    assert same == row
    assert not AuditEvent.objects.filter(action="workday_override.update").exists()
    workday_override_update(
        actor=users["admin"], override=row, date=D(2025, 10, 16), kind=HOLIDAY, name="院庆日"
    )
    event = AuditEvent.objects.get(action="workday_override.update")
    assert event.before == {"date": "2025-10-15", "name": "院庆"}
    assert event.after == {"date": "2025-10-16", "name": "院庆日"}
    workday_override_delete(actor=users["commission_admin"], override=row)  # from above
    assert not WorkdayOverride.objects.exists()
    deleted = AuditEvent.objects.get(action="workday_override.delete")
    assert deleted.organisation_id == orgs["hospital"].pk


def test_a_year_is_confirmed_once_its_holidays_are_entered(tree):
    orgs, users = tree
    hospital, admin = orgs["hospital"], users["admin"]
    with pytest.raises(ValidationError, match="已包含在 chinesecalendar 中"):
        workday_year_confirm(actor=admin, organisation=hospital, year=LAST)
    with pytest.raises(ValidationError, match=f"尚未录入 {UNKNOWN} 年的任何放假日期"):
        workday_year_confirm(actor=admin, organisation=hospital, year=UNKNOWN)
    with pytest.raises(PermissionDenied):
        workday_year_confirm(actor=admin, organisation=None, year=UNKNOWN)
    # The platform's holidays count for the hospital's confirmation.
    add(users["platform"], None, D(UNKNOWN, 1, 1), name="元旦")
    confirmation = workday_year_confirm(actor=admin, organisation=hospital, year=UNKNOWN)
    assert confirmation.confirmed_by == admin
    again = workday_year_confirm(actor=admin, organisation=hospital, year=UNKNOWN)
    assert again == confirmation
    event = AuditEvent.objects.get(action="workday_year.confirm")
    assert event.organisation_id == hospital.pk and event.after["year"] == UNKNOWN
    assert workdays.unknown_years([orgs["branch"]], on=D(LAST, 12, 6)) == []
    with pytest.raises(PermissionDenied):
        workday_year_withdraw(actor=users["platform"], confirmation=confirmation)
    workday_year_withdraw(actor=admin, confirmation=confirmation)
    assert not WorkdayYear.objects.exists()
    assert AuditEvent.objects.filter(action="workday_year.withdraw").count() == 1
    assert workdays.unknown_years([orgs["branch"]], on=D(LAST, 12, 6)) == [UNKNOWN]


# The system check ------------------------------------------------------------------------------


def test_the_check_warns_of_an_unknown_year_until_it_is_confirmed(tree, december):
    orgs, users = tree
    assert workdays.check_workday_years(databases=None) == []  # not a database run
    (warning,) = workdays.check_workday_years(databases=["default"])
    assert warning.id == "lianfang.W101" and warning.level == checks.WARNING
    assert f"does not know {UNKNOWN}" in warning.msg
    assert "系统维护 › 工作日历" in warning.hint
    # An organisation's confirmation is its own: the platform's calendar is still unknown.
    add(users["admin"], orgs["hospital"], D(UNKNOWN, 1, 1), name="元旦")
    workday_year_confirm(actor=users["admin"], organisation=orgs["hospital"], year=UNKNOWN)
    assert len(workdays.check_workday_years(databases=["default"])) == 1
    add(users["platform"], None, D(UNKNOWN, 1, 1), name="元旦")
    workday_year_confirm(actor=users["platform"], organisation=None, year=UNKNOWN)
    assert workdays.check_workday_years(databases=["default"]) == []


def test_the_check_is_quiet_before_october(monkeypatch, db):
    monkeypatch.setattr(workdays, "today", lambda: D(LAST, 9, 30))
    assert workdays.check_workday_years(databases=["default"]) == []


def test_a_bad_end_of_day_is_an_error(settings):
    settings.LIANFANG_WORKDAY_END = "half past five"
    (error,) = workdays.check_workday_end()
    assert error.id == "lianfang.E101"
    settings.LIANFANG_WORKDAY_END = "17:30"
    assert workdays.check_workday_end() == []


# The banner ------------------------------------------------------------------------------------


def banner(client):
    page = client.get(reverse("dashboard:home"), follow=True).content.decode()
    return 'data-testid="workday-banner"' in page, page


def test_administrators_see_the_unknown_year_on_every_page(tree, december, login):
    orgs, users = tree
    for role in ("admin", "platform", "commission_admin"):
        shown, page = banner(login(users[role]))
        assert shown, role
        assert f"工作日历缺少 {UNKNOWN} 年的法定节假日和调休安排" in page
        assert f'href="{reverse("core:workday_calendar")}?year={UNKNOWN}"' in page
    for role in ("integrity", "leader", "dept_head", "staff"):
        assert not banner(login(users[role]))[0], role
    # The hospital confirms its year: its administrator's banner goes, the commission's stays.
    add(users["admin"], orgs["hospital"], D(UNKNOWN, 1, 1), name="元旦")
    workday_year_confirm(actor=users["admin"], organisation=orgs["hospital"], year=UNKNOWN)
    assert not banner(login(users["admin"]))[0]
    assert banner(login(users["commission_admin"]))[0]
    assert banner(login(users["platform"]))[0]
    # The platform's confirmation makes the year known everywhere.
    add(users["platform"], None, D(UNKNOWN, 1, 1), name="元旦")
    workday_year_confirm(actor=users["platform"], organisation=None, year=UNKNOWN)
    for role in ("admin", "platform", "commission_admin"):
        assert not banner(login(users[role]))[0], role


def test_no_banner_while_the_package_knows_the_years(tree, monkeypatch, login):
    _orgs, users = tree
    monkeypatch.setattr(workdays, "today", lambda: D(LAST, 6, 1))
    assert not banner(login(users["platform"]))[0]


# The page --------------------------------------------------------------------------------------


def test_the_page_lists_a_year_for_each_keeper(tree, login):
    orgs, users = tree
    add(users["platform"], None, D(2025, 10, 12), WORKDAY, "全平台补班")
    add(users["commission_admin"], orgs["commission"], D(2025, 10, 13), name="委机关活动")
    add(users["admin"], orgs["hospital"], D(2025, 10, 15), name="人民医院院庆")
    add(users["commission_admin"], orgs["other"], D(2025, 10, 16), name="二院院庆")
    add(users["admin"], orgs["hospital"], D(2024, 10, 15), name="去年院庆")
    url = reverse("core:workday_calendar")

    page = login(users["admin"]).get(url, {"year": 2025}).content.decode()
    assert "全平台补班" in page and "委机关活动" in page and "人民医院院庆" in page
    assert "二院院庆" not in page and "去年院庆" not in page
    hospital_row = WorkdayOverride.objects.get(name="人民医院院庆")
    platform_row = WorkdayOverride.objects.get(name="全平台补班")
    assert reverse("core:workday_override_edit", args=[hospital_row.pk]) in page
    assert reverse("core:workday_override_edit", args=[platform_row.pk]) not in page
    assert "国庆节、中秋" in page  # the package's schedule of the year
    assert "9月28日星期日、10月11日星期六上班" in page

    page = login(users["platform"]).get(url, {"year": 2025}).content.decode()
    assert "全平台补班" in page and "人民医院院庆" not in page and "委机关活动" not in page
    assert reverse("core:workday_override_edit", args=[platform_row.pk]) in page

    # Filters and sorting.
    client = login(users["commission_admin"])
    page = client.get(url, {"year": 2025, "organisation": "platform"}).content.decode()
    assert "全平台补班" in page and "二院院庆" not in page
    page = client.get(url, {"year": 2025, "kind": "workday"}).content.decode()
    assert "全平台补班" in page and "委机关活动" not in page
    page = client.get(url, {"year": 2025, "q": "二院"}).content.decode()
    assert "二院院庆" in page and "委机关活动" not in page
    page = client.get(url, {"year": 2025, "sort": "-date"}).content.decode()
    assert page.index("二院院庆") < page.index("委机关活动") < page.index("全平台补班")
    # Nonsense in the query string is ignored, never a 500.
    for query in ({"year": "x"}, {"year": "99999"}, {"organisation": "abc"}, {"sort": "pk"}):
        assert client.get(url, query).status_code == 200


def test_the_page_says_which_years_are_known(tree, login):
    orgs, users = tree
    client = login(users["admin"])
    page = client.get(reverse("core:workday_calendar"), {"year": UNKNOWN}).content.decode()
    assert 'data-testid="workday-year-unknown"' in page
    assert f'data-testid="workday-year-{UNKNOWN}"' in page
    assert "未知" in page
    page = client.get(reverse("core:workday_calendar"), {"year": LAST}).content.decode()
    assert 'data-testid="workday-year-unknown"' not in page
    assert "已内置" in page and "（chinesecalendar" in page


def test_an_administrator_enters_and_confirms_a_year_through_the_page(tree, login):
    orgs, users = tree
    hospital = orgs["hospital"]
    client = login(users["admin"])
    url = reverse("core:workday_calendar")
    response = client.post(
        url,
        {
            "organisation": hospital.pk,
            "date": f"{UNKNOWN}-02-05",
            "end": f"{UNKNOWN}-02-11",
            "kind": "holiday",
            "name": "春节",
        },
    )
    assert response.status_code == 302 and response["Location"] == f"{url}?year={UNKNOWN}"
    assert WorkdayOverride.objects.filter(organisation=hospital, name="春节").count() == 7
    # A refused entry stays on the form with its reason.
    response = client.post(
        url,
        {"organisation": hospital.pk, "date": f"{UNKNOWN}-02-06", "kind": "holiday", "name": "x"},
    )
    assert response.status_code == 200
    assert f"{UNKNOWN}-02-06 已有调整" in response.content.decode()
    # Another hospital is not among the choices.
    response = client.post(
        url,
        {
            "organisation": orgs["other"].pk,
            "date": f"{UNKNOWN}-03-01",
            "kind": "holiday",
            "name": "x",
        },
    )
    assert response.status_code == 200
    assert not WorkdayOverride.objects.filter(organisation=orgs["other"]).exists()

    response = client.post(
        reverse("core:workday_year_confirm"), {"organisation": hospital.pk, "year": UNKNOWN}
    )
    assert response.status_code == 302
    assert WorkdayYear.objects.filter(organisation=hospital, year=UNKNOWN).exists()
    assert workdays.is_working_day(D(UNKNOWN, 2, 12), hospital) is (D(UNKNOWN, 2, 12).weekday() < 5)
    confirmation = WorkdayYear.objects.get()
    page = client.get(url, {"year": UNKNOWN}).content.decode()
    assert reverse("core:workday_year_withdraw", args=[confirmation.pk]) in page
    assert "已录入并确认" in page

    row = WorkdayOverride.objects.filter(name="春节").first()
    response = client.post(
        reverse("core:workday_override_edit", args=[row.pk]),
        {"date": row.date.isoformat(), "kind": "workday", "name": "春节调休"},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.kind, row.name) == ("workday", "春节调休")
    response = client.post(reverse("core:workday_override_delete", args=[row.pk]))
    assert response.status_code == 302
    assert not WorkdayOverride.objects.filter(pk=row.pk).exists()
    response = client.post(reverse("core:workday_year_withdraw", args=[confirmation.pk]))
    assert response.status_code == 302
    assert not WorkdayYear.objects.exists()


def test_a_confirmation_the_page_refuses_is_a_message(tree, login):
    orgs, users = tree
    client = login(users["admin"])
    response = client.post(
        reverse("core:workday_year_confirm"),
        {"organisation": orgs["hospital"].pk, "year": UNKNOWN},
        follow=True,
    )
    assert f"尚未录入 {UNKNOWN} 年的任何放假日期" in response.content.decode()
    response = client.post(
        reverse("core:workday_year_confirm"),
        {"organisation": orgs["other"].pk, "year": UNKNOWN},
        follow=True,
    )
    assert "请选择您管理的范围和有效的年份" in response.content.decode()
    assert not WorkdayYear.objects.exists()


def test_the_page_reads_a_fixed_number_of_queries(tree, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    orgs, users = tree
    client = login(users["commission_admin"])
    url = reverse("core:workday_calendar") + "?year=2025"

    def count():
        client.get(url)  # warm the session's caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), response.content.decode().count('data-testid="workday-override"')

    add(users["commission_admin"], orgs["hospital"], D(2025, 3, 2), name="少", end=D(2025, 3, 3))
    small, rows = count()
    assert rows == 2
    for org in ("commission", "hospital", "branch", "other"):
        add(users["commission_admin"], orgs[org], D(2025, 7, 1), name="多", end=D(2025, 7, 10))
    add(users["commission_admin"], orgs["branch"], D(2024, 7, 1), name="去年", end=D(2024, 7, 10))
    large, rows = count()
    assert rows == 42
    assert small == large
