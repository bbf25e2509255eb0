"""系统维护: the platform-wide module switches and column settings (the platform
administrator's), and the 404 of a disabled module. Each organisation's own module settings:
tests/core/test_module_settings.py."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianfang.core import audit
from lianfang.core.models import AuditEvent, Column, Module, ModuleSetting
from lianfang.core.navigation import (
    ColumnSpec,
    ModuleSpec,
    always_on_codes,
    declarations,
    module_of,
)
from lianfang.core.services import (
    column_update,
    module_set_enabled,
    module_settings_set,
    modules_sync,
)

pytestmark = pytest.mark.django_db

# No installed app brings columns yet (the disclosure portal will): a module of the tests'.
BULLETIN = ModuleSpec(
    "bulletin",
    "公告栏",
    "Bulletin board",
    "megaphone",
    85,
    columns=(
        ColumnSpec("leadership", "领导机构", "Leadership", 10, public=True),
        ColumnSpec("notices", "通知公告", "Notices", 50, public=True),
        ColumnSpec("news", "防控工作动态", "Work news", 60, public=True),
    ),
)


@pytest.fixture(autouse=True)
def bulletin(db):
    modules_sync(specs=(BULLETIN,))
    return Module.objects.get(code="bulletin")


def module(code):
    return Module.objects.get(code=code)


def nav_labels(response):
    return [item["label"] for group in response.context["nav_groups"] for item in group["items"]]


# services


def test_disabling_a_module_records_an_audit_event_of_no_organisation(world, platform_admin):
    module_set_enabled(actor=platform_admin, module=module("org"), enabled=False)
    assert module("org").enabled is False
    event = AuditEvent.objects.get(action="module.disable")
    assert event.actor_label == "platform"
    assert event.before == {"enabled": True} and event.after == {"enabled": False}
    assert (event.organisation_id, event.organisation_path) == (None, "")
    assert audit.verify().ok


def test_setting_the_current_state_writes_nothing(world, platform_admin):
    module_set_enabled(actor=platform_admin, module=module("org"), enabled=True)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["admin", "commission_integrity", "staff"])
def test_only_the_platform_administrator_switches_a_module_for_the_platform(world, role):
    with pytest.raises(PermissionDenied):
        module_set_enabled(actor=world.users[role], module=module("org"), enabled=False)
    with pytest.raises(PermissionDenied):
        column_update(
            actor=world.users[role],
            column=Column.objects.get(code="notices"),
            data={"title": "改名"},
        )
    assert module("org").enabled is True
    assert Column.objects.get(code="notices").title == "通知公告"
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("code", ["dashboard", "maintenance"])
def test_dashboard_and_maintenance_cannot_be_disabled(world, platform_admin, code):
    with pytest.raises(ValidationError) as error:
        module_set_enabled(actor=platform_admin, module=module(code), enabled=False)
    assert "不能停用" in error.value.messages[0]
    assert module(code).enabled is True
    assert not AuditEvent.objects.exists()


def test_column_update_changes_fields_and_records_before_and_after(world, platform_admin):
    column = Column.objects.get(code="notices")
    column_update(
        actor=platform_admin,
        column=column,
        data={"title": "  通知与公告 ", "public": False, "order": 5},
    )
    column.refresh_from_db()
    assert (column.title, column.public, column.order) == ("通知与公告", False, 5)
    event = AuditEvent.objects.get(action="column.update")
    assert event.before == {"title": "通知公告", "public": True, "order": 50}
    assert event.after == {"title": "通知与公告", "public": False, "order": 5}
    assert event.organisation_id is None


def test_column_update_refuses_a_blank_title(world, platform_admin):
    column = Column.objects.get(code="notices")
    with pytest.raises(ValidationError) as error:
        column_update(actor=platform_admin, column=column, data={"title": "   "})
    assert error.value.message_dict["title"] == ["标题不能为空。"]
    column.refresh_from_db()
    assert column.title == "通知公告"
    assert not AuditEvent.objects.exists()


# pages


def test_module_list_shows_modules_and_columns_to_the_platform_administrator(
    world, login, platform_admin
):
    response = login(platform_admin).get(reverse("core:module_list"))
    assert response.status_code == 200
    html = response.content.decode()
    for name in (
        "工作台",
        "组织与人员",
        "审计日志",
        "风险防控",
        "公告栏",
        "系统维护",
        "领导机构",
        "防控工作动态",
    ):
        assert name in html
    # No switch for the two modules that must stay on.
    assert 'data-testid="toggle-org"' in html
    assert 'data-testid="toggle-dashboard"' not in html
    assert 'data-testid="toggle-maintenance"' not in html


@pytest.mark.parametrize(
    "role", ["admin", "commission_integrity", "integrity", "leader", "dept_head", "staff"]
)
def test_platform_settings_are_for_the_platform_administrator_only(world, login, role):
    client = login(world.users[role])
    assert client.get(reverse("core:module_list")).status_code == 403
    pk = module("org").pk
    response = client.post(reverse("core:module_toggle", args=[pk]), {"enabled": "0"})
    assert response.status_code == 403
    assert module("org").enabled is True
    column = Column.objects.get(code="notices")
    response = client.post(reverse("core:column_edit", args=[column.pk]), {"title": "x"})
    assert response.status_code == 403
    assert Column.objects.get(code="notices").title == "通知公告"
    assert not AuditEvent.objects.exists()


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("core:module_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_toggle_answers_only_post(world, login, platform_admin):
    response = login(platform_admin).get(reverse("core:module_toggle", args=[1]))
    assert response.status_code == 405


def test_platform_admin_disables_org_and_its_menu_and_pages_go(world, login, platform_admin):
    client = login(platform_admin)
    response = client.post(
        reverse("core:module_toggle", args=[module("org").pk]), {"enabled": "0"}, follow=True
    )
    assert "已停用“组织与人员”模块。" in response.content.decode()
    assert "单位" not in nav_labels(response)
    assert "模块与栏目" in nav_labels(response)
    # Every role loses the menu entries and the pages answer 404.
    staff = login(world.users["staff"])
    home = staff.get("/")
    assert home.status_code == 200
    labels = nav_labels(home)
    assert labels[0] == "首页"
    assert not {"单位", "科室", "岗位", "人员", "领导分管", "职权目录"} & set(labels)
    assert staff.get(reverse("org:organisation_list")).status_code == 404
    assert staff.get(reverse("org:person_list")).status_code == 404
    # An organisation's own setting cannot bring it back: off platform-wide is off everywhere.
    admin = world.users["admin"]
    module_settings_set(actor=admin, organisation=world.hospital, choices={module("org"): True})
    assert staff.get(reverse("org:person_list")).status_code == 404
    # Back on.
    client = login(platform_admin)
    client.post(reverse("core:module_toggle", args=[module("org").pk]), {"enabled": "1"})
    assert login(world.users["staff"]).get(reverse("org:organisation_list")).status_code == 200


def test_disabled_risks_module_hides_its_entries_but_not_the_power_catalogue(
    world, login, platform_admin
):
    module_set_enabled(actor=platform_admin, module=module("risks"), enabled=False)
    client = login(world.users["integrity"])
    labels = nav_labels(client.get("/"))
    assert not {"我的风险点", "风险点台账", "廉政风险定位表", "定级方案"} & set(labels)
    # 职权目录 sits in the 风险防控 group but belongs to the org module.
    assert "职权目录" in labels
    assert client.get(reverse("risks:register")).status_code == 404
    assert client.get(reverse("org:power_list")).status_code == 200


def test_the_audit_log_cannot_be_switched_off(world, login, platform_admin):
    """三员分立: nobody hides the audit log from the integrity office and the reviewer."""
    with pytest.raises(ValidationError, match="不能停用"):
        module_set_enabled(actor=platform_admin, module=module("audit"), enabled=False)
    assert module("audit").enabled is True
    client = login(world.users["integrity"])
    assert client.get(reverse("core:audit_list")).status_code == 200
    response = client.get("/")
    assert response.status_code == 200
    assert "审计日志" in nav_labels(response)


def test_trying_to_disable_the_dashboard_shows_a_chinese_message(world, login, platform_admin):
    client = login(platform_admin)
    response = client.post(
        reverse("core:module_toggle", args=[module("dashboard").pk]),
        {"enabled": "0"},
        follow=True,
    )
    assert "“工作台”模块是平台运行所必需的，不能停用。" in response.content.decode()
    assert module("dashboard").enabled is True


def test_disabled_module_state_in_database_does_not_lock_out_maintenance(
    world, login, platform_admin
):
    # Even if the rows say otherwise (edited by hand), the switches themselves stay reachable.
    Module.objects.filter(code__in=["maintenance", "dashboard"]).update(enabled=False)
    for setting in ("maintenance", "dashboard"):
        ModuleSetting.objects.create(
            organisation=world.hospital, module=module(setting), enabled=False
        )
    client = login(platform_admin)
    assert client.get(reverse("core:module_list")).status_code == 200
    client = login(world.users["admin"])
    assert client.get(reverse("core:organisation_modules")).status_code == 200
    assert client.get("/").status_code == 200


def test_unknown_module_answers_404(world, login, platform_admin):
    response = login(platform_admin).post(
        reverse("core:module_toggle", args=[999999]), {"enabled": "0"}
    )
    assert response.status_code == 404


def test_column_edit_saves_and_validates_in_chinese(world, login, platform_admin):
    client = login(platform_admin)
    column = Column.objects.get(code="news")
    url = reverse("core:column_edit", args=[column.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "防控工作动态" in page.content.decode()

    bad = client.post(url, {"title": "", "title_en": "News", "order": "abc"})
    assert bad.status_code == 200
    html = bad.content.decode()
    assert "标题不能为空。" in html
    assert "输入整数" in html  # Django's own Chinese message for a non-number
    column.refresh_from_db()
    assert column.title == "防控工作动态"

    done = client.post(
        url, {"title": "廉洁动态", "title_en": "Integrity news", "visible": "on", "order": "7"}
    )
    assert done.status_code == 302
    column.refresh_from_db()
    assert (column.title, column.title_en, column.visible, column.public, column.order) == (
        "廉洁动态",
        "Integrity news",
        True,
        False,
        7,
    )
    assert AuditEvent.objects.filter(action="column.update", object_id=str(column.pk)).exists()


def test_module_list_query_count_does_not_grow_with_columns(
    world, login, platform_admin, django_assert_max_num_queries
):
    client = login(platform_admin)
    client.get(reverse("core:module_list"))  # warm the session
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("core:module_list"))
    Column.objects.bulk_create(
        Column(module=module("bulletin"), code=f"extra-{i}", title=f"栏目{i}", order=100 + i)
        for i in range(30)
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("core:module_list"))
    assert "栏目29" in response.content.decode()


# the URL → module mapping


@pytest.mark.parametrize(
    ("view_name", "code"),
    [
        ("org:person_list", "org"),
        ("core:audit_list", "audit"),
        ("dashboard:home", "dashboard"),
        ("risks:register", "risks"),
        ("core:module_list", None),
        ("core:organisation_modules", None),
        ("core:organisation_module_edit", None),
        ("core:job_list", None),
        ("accounts:login", None),
        ("accounts:user_list", None),
    ],
)
def test_module_of_view_names(view_name, code):
    assert module_of(view_name) == code


def test_every_menu_entry_of_a_switchable_module_is_mapped_to_it():
    # Otherwise disabling the module would hide the entry but leave its page reachable.
    for _group, items in declarations().menu:
        for item in items:
            if item.module not in always_on_codes():
                assert module_of(item.url_name) == item.module, item.url_name
