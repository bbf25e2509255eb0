"""Typed settings per organisation (单位参数): declared once with a type and bounds, set by
their keepers on an organisation and inherited below it, audited; the page edits them; the
register and the home page read them.

The tree: 卫健委 (commission) → 人民医院 (hospital), 第二医院 (other)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianfang.core import audit, orgsettings
from lianfang.core.models import AuditEvent, OrgSetting
from lianfang.core.orgsetting_services import (
    INHERIT,
    org_setting_clear,
    org_setting_set,
    org_settings_save,
)
from lianfang.core.roles import Role
from lianfang.dashboard.org_settings import DUE_SOON_DAYS
from lianfang.risks.org_settings import MIN_EVIDENCE_CHARS
from tests.factories import make_user

pytestmark = pytest.mark.django_db

TEST_CHOICE = "core.test_channel"
TEST_MULTI = "core.test_public"
TEST_BOOL = "core.test_flag"


@pytest.fixture
def declared_for_the_test():
    """A choice, a multiple choice and a yes/no setting, declared for the test only."""
    settings = (
        orgsettings.Setting(
            key=TEST_CHOICE,
            label="渠道",
            kind=orgsettings.CHOICE,
            default="inbox",
            choices=(("inbox", "站内信"), ("sms", "短信")),
            group="测试",
        ),
        orgsettings.Setting(
            key=TEST_MULTI,
            label="公开字段",
            kind=orgsettings.MULTI,
            default=["name"],
            choices=(("name", "名称"), ("level", "等级"), ("owner", "责任人")),
            group="测试",
        ),
        orgsettings.Setting(
            key=TEST_BOOL, label="开关", kind=orgsettings.BOOL, default=False, group="测试"
        ),
    )
    orgsettings.register(*settings)
    yield
    for setting in settings:
        orgsettings._SETTINGS.pop(setting.key)


@pytest.fixture
def commission_admin(world):
    return make_user("wjw_admin", (Role.ADMIN, world.commission))


def value(org, key):
    return orgsettings.value(org, key)


# declarations


def test_a_declaration_checks_its_own_default():
    with pytest.raises(ValidationError):
        orgsettings.Setting(key="core.bad", label="坏", kind=orgsettings.INT, default=0, minimum=1)
    with pytest.raises(ValueError, match="unknown kind"):
        orgsettings.Setting(key="core.bad", label="坏", kind="text", default="")


def test_an_undeclared_key_is_refused_on_read_and_write(world):
    with pytest.raises(LookupError):
        value(world.hospital, "core.nothing")
    with pytest.raises(ValidationError) as exc:
        org_setting_set(
            actor=world.users["admin"], organisation=world.hospital, key="core.nothing", value=1
        )
    assert "没有这个参数" in str(exc.value)


# inheritance and the write path


def test_defaults_then_the_commissions_value_then_the_hospitals_own(world, commission_admin):
    assert value(world.hospital, DUE_SOON_DAYS) == 30
    org_setting_set(
        actor=commission_admin, organisation=world.commission, key=DUE_SOON_DAYS, value=45
    )
    assert value(world.hospital, DUE_SOON_DAYS) == 45
    assert value(world.other_hospital, DUE_SOON_DAYS) == 45
    org_setting_set(
        actor=world.users["admin"], organisation=world.hospital, key=DUE_SOON_DAYS, value="14"
    )
    assert value(world.hospital, DUE_SOON_DAYS) == 14  # typed: the text became a number
    assert value(world.other_hospital, DUE_SOON_DAYS) == 45
    state = orgsettings.resolve([world.other_hospital], [DUE_SOON_DAYS])[
        world.other_hospital.pk, DUE_SOON_DAYS
    ]
    assert state.origin == world.commission and not state.has_own
    org_setting_clear(actor=world.users["admin"], organisation=world.hospital, key=DUE_SOON_DAYS)
    assert value(world.hospital, DUE_SOON_DAYS) == 45
    actions = list(AuditEvent.objects.order_by("seq").values_list("action", "organisation_id"))
    assert actions == [
        ("org_setting.set", world.commission.pk),
        ("org_setting.set", world.hospital.pk),
        ("org_setting.inherit", world.hospital.pk),
    ]
    set_event = AuditEvent.objects.filter(organisation_id=world.hospital.pk).order_by("seq").first()
    assert set_event.after == {"key": DUE_SOON_DAYS, "value": 14} and set_event.before is None
    assert audit.verify().ok


def test_resolving_many_organisations_is_one_query(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        values = orgsettings.values_for(
            [world.commission, world.hospital, world.other_hospital],
            [DUE_SOON_DAYS, MIN_EVIDENCE_CHARS],
        )
    assert values[world.hospital.pk, MIN_EVIDENCE_CHARS] == 6


def test_an_unchanged_value_writes_nothing(world):
    admin = world.users["admin"]
    assert org_setting_set(actor=admin, organisation=world.hospital, key=DUE_SOON_DAYS, value=20)
    assert not org_setting_set(
        actor=admin, organisation=world.hospital, key=DUE_SOON_DAYS, value=20
    )
    assert org_setting_clear(actor=admin, organisation=world.hospital, key=DUE_SOON_DAYS)
    assert not org_setting_clear(actor=admin, organisation=world.hospital, key=DUE_SOON_DAYS)
    assert AuditEvent.objects.count() == 2


@pytest.mark.parametrize("bad", [0, 366, "三十", None, True, 2.5])
def test_values_outside_the_declared_type_or_bounds_are_refused(world, bad):
    with pytest.raises(ValidationError) as exc:
        org_setting_set(
            actor=world.users["admin"], organisation=world.hospital, key=DUE_SOON_DAYS, value=bad
        )
    assert DUE_SOON_DAYS in exc.value.message_dict
    assert not OrgSetting.objects.exists() and not AuditEvent.objects.exists()


def test_a_batch_is_all_or_nothing(world):
    with pytest.raises(ValidationError) as exc:
        org_settings_save(
            actor=world.users["admin"],
            organisation=world.hospital,
            changes={DUE_SOON_DAYS: 10, MIN_EVIDENCE_CHARS: 0},
        )
    assert set(exc.value.message_dict) == {MIN_EVIDENCE_CHARS}
    assert not OrgSetting.objects.exists()


@pytest.mark.parametrize("who", ["staff", "dept_head", "leader", "outsider"])
def test_only_keepers_of_the_organisation_or_above_write(world, who):
    with pytest.raises(PermissionDenied):
        org_setting_set(
            actor=world.users[who], organisation=world.hospital, key=DUE_SOON_DAYS, value=9
        )
    assert not OrgSetting.objects.exists() and not AuditEvent.objects.exists()


def test_a_hospital_admin_cannot_set_the_commissions_or_a_siblings(world):
    admin = world.users["admin"]
    for organisation in (world.commission, world.other_hospital):
        with pytest.raises(PermissionDenied):
            org_setting_set(actor=admin, organisation=organisation, key=DUE_SOON_DAYS, value=9)


def test_the_integrity_office_keeps_the_settings_its_role_owns(world):
    officer = world.users["integrity"]
    org_setting_set(actor=officer, organisation=world.hospital, key=MIN_EVIDENCE_CHARS, value=10)
    assert value(world.hospital, MIN_EVIDENCE_CHARS) == 10


def test_choice_multiple_and_yes_no_settings(world, declared_for_the_test):
    admin = world.users["admin"]
    org_settings_save(
        actor=admin,
        organisation=world.hospital,
        changes={TEST_CHOICE: "sms", TEST_MULTI: ["owner", "name", "owner"], TEST_BOOL: True},
    )
    assert value(world.hospital, TEST_CHOICE) == "sms"
    assert value(world.hospital, TEST_MULTI) == ["name", "owner"]  # declared order, once
    assert value(world.hospital, TEST_BOOL) is True
    for key, bad in ((TEST_CHOICE, "wechat"), (TEST_MULTI, ["salary"]), (TEST_BOOL, "yes")):
        with pytest.raises(ValidationError):
            org_setting_set(actor=admin, organisation=world.hospital, key=key, value=bad)
    org_settings_save(actor=admin, organisation=world.hospital, changes={TEST_MULTI: INHERIT})
    assert value(world.hospital, TEST_MULTI) == ["name"]


def test_a_stored_value_out_of_bounds_falls_back_and_is_flagged(world, commission_admin):
    org_setting_set(
        actor=commission_admin, organisation=world.commission, key=DUE_SOON_DAYS, value=60
    )
    OrgSetting.objects.create(organisation=world.hospital, key=DUE_SOON_DAYS, value=9999)
    state = orgsettings.resolve([world.hospital], [DUE_SOON_DAYS])[world.hospital.pk, DUE_SOON_DAYS]
    assert state.value == 60 and state.invalid and not state.has_own


# the page


def test_the_page_lists_the_keepers_organisations(world, login, commission_admin):
    client = login(commission_admin)
    response = client.get(reverse("core:org_settings"))
    assert response.status_code == 200
    body = response.content.decode()
    assert world.hospital.name in body and world.other_hospital.name in body
    client = login(world.users["admin"])
    body = client.get(reverse("core:org_settings")).content.decode()
    assert world.hospital.name in body and world.other_hospital.name not in body


def test_the_page_sets_and_clears_a_value(world, login):
    client = login(world.users["admin"])
    url = reverse("core:org_settings_edit", args=[world.hospital.pk])
    page = client.get(url).content.decode()
    assert "措施即将到期提前提醒天数" in page and "沿用：30 天（默认）" in page
    response = client.post(url, {"dashboard__due_soon_days": "21"})
    assert response.status_code == 302
    assert value(world.hospital, DUE_SOON_DAYS) == 21
    page = client.get(url).content.decode()
    assert "本单位设置" in page
    response = client.post(url, {"dashboard__due_soon_days": "", "risks__min_evidence_chars": ""})
    assert response.status_code == 302
    assert value(world.hospital, DUE_SOON_DAYS) == 30


def test_the_page_says_what_is_wrong(world, login):
    client = login(world.users["admin"])
    url = reverse("core:org_settings_edit", args=[world.hospital.pk])
    response = client.post(url, {"dashboard__due_soon_days": "400"})
    assert response.status_code == 200
    assert "365" in response.content.decode()
    assert not OrgSetting.objects.exists()


def test_what_another_role_keeps_is_shown_disabled(world, login, declared_for_the_test):
    client = login(world.users["integrity"])
    url = reverse("core:org_settings_edit", args=[world.hospital.pk])
    page = client.get(url).content.decode()
    assert "此参数由其他角色设置" in page  # the test settings are the administrators'
    client.post(url, {"risks__min_evidence_chars": "8", "core__test_flag": "1"})
    assert value(world.hospital, MIN_EVIDENCE_CHARS) == 8
    assert value(world.hospital, TEST_BOOL) is False  # disabled: its posted value is ignored


@pytest.mark.parametrize("who", ["staff", "dept_head", "leader", "nobody"])
def test_other_roles_get_403(world, login, who):
    client = login(world.users[who])
    assert client.get(reverse("core:org_settings")).status_code == 403


def test_an_organisation_outside_the_subtree_answers_404(world, login):
    client = login(world.users["admin"])
    url = reverse("core:org_settings_edit", args=[world.other_hospital.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"dashboard__due_soon_days": "3"}).status_code == 404


# the uses


def test_the_evidence_threshold_follows_the_organisation(world):
    from lianfang.risks import services
    from lianfang.risks.models import Measure

    measure = Measure.objects.create(
        organisation=world.hospital,
        text="每月抽查处方 20 张并登记",
        due=dt.date(2026, 12, 31),
        owner_department=world.cardiology,
    )
    org_setting_set(
        actor=world.users["integrity"], organisation=world.hospital, key=MIN_EVIDENCE_CHARS,
        value=20,
    )  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        services.measure_record_progress(
            actor=world.users["integrity"],
            measure=measure,
            done_on=dt.date(2026, 12, 1),
            evidence="已按月抽查处方并存档",  # 10 characters: enough by default, not here
        )
    assert "20" in str(exc.value)
