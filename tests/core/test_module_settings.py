"""Each organisation's modules (单位模块): set by its administrators and those above it,
inherited down the tree, overridden below, and always under the platform switch.

The tree: 卫健委 (commission) → 人民医院 (hospital) → 分院 (branch), and 第二医院 (other,
the hospital's sibling); 邻市卫健委 (elsewhere) is an unrelated top-level organisation.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from lianfang.core import audit
from lianfang.core.models import AuditEvent, Column, Module, ModuleSetting
from lianfang.core.roles import Role
from lianfang.core.selectors import module_states, modules_open_to, switchable_modules
from lianfang.core.services import module_set_enabled, module_settings_set
from tests.factories import make_org, make_user, writes_below

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(world, platform_admin):
    branch = make_org("示例市人民医院分院", "H1-B", world.hospital)
    elsewhere = make_org("邻市卫生健康委员会", "WJW2", kind="authority")
    writes_below(world.users["admin"])  # the hospital's administrator keeps the branch's too
    users = {
        **world.users,
        "platform": platform_admin,
        "commission_admin": writes_below(make_user("wjw_admin", (Role.ADMIN, world.commission))),
        "sibling_admin": make_user("other_admin", (Role.ADMIN, world.other_hospital)),
        "elsewhere_admin": make_user("elsewhere_admin", (Role.ADMIN, elsewhere)),
        "branch_staff": make_user("branch_staff", (Role.STAFF, branch)),
    }
    orgs = {
        "commission": world.commission,
        "hospital": world.hospital,
        "branch": branch,
        "other": world.other_hospital,
        "elsewhere": elsewhere,
    }
    return orgs, users


def module(code):
    return Module.objects.get(code=code)


def state(org, code):
    m = module(code)
    return module_states([org], [m])[org.pk, m.pk]


def nothing_written():
    return not ModuleSetting.objects.exists() and not AuditEvent.objects.exists()


# services


def test_an_administrator_switches_a_module_off_for_their_organisation(tree):
    orgs, users = tree
    changed = module_settings_set(
        actor=users["admin"], organisation=orgs["hospital"], choices={module("risks"): False}
    )
    assert changed == 1
    setting = ModuleSetting.objects.get()
    assert (setting.organisation, setting.module.code, setting.enabled) == (
        orgs["hospital"],
        "risks",
        False,
    )
    event = AuditEvent.objects.get()
    assert event.action == "module_setting.disable"
    assert event.actor_label == "admin"
    assert (event.organisation_id, event.organisation_path) == (
        orgs["hospital"].pk,
        orgs["hospital"].path,
    )
    assert event.after["enabled"] is False and event.before is None
    assert audit.verify().ok


def test_settings_are_inherited_down_the_tree_and_overridden_below(tree):
    orgs, users = tree
    module_settings_set(
        actor=users["commission_admin"],
        organisation=orgs["commission"],
        choices={module("risks"): False},
    )
    for name in ("commission", "hospital", "branch", "other"):
        assert state(orgs[name], "risks").enabled is False, name
    inherited = state(orgs["branch"], "risks")
    assert (inherited.own, inherited.origin) == (None, orgs["commission"])
    # The hospital switches it back on for itself and the branch below it.
    module_settings_set(
        actor=users["admin"], organisation=orgs["hospital"], choices={module("risks"): True}
    )
    assert state(orgs["hospital"], "risks").enabled is True
    assert state(orgs["hospital"], "risks").inherited is False  # its parent's is off
    assert state(orgs["branch"], "risks").enabled is True
    assert state(orgs["branch"], "risks").origin == orgs["hospital"]
    assert state(orgs["other"], "risks").enabled is False
    # An unrelated organisation follows the platform.
    assert state(orgs["elsewhere"], "risks").enabled is True
    assert state(orgs["elsewhere"], "risks").origin is None


def test_off_platform_wide_is_off_everywhere(tree):
    orgs, users = tree
    module_settings_set(
        actor=users["admin"], organisation=orgs["hospital"], choices={module("risks"): True}
    )
    module_set_enabled(actor=users["platform"], module=module("risks"), enabled=False)
    hospital = state(orgs["hospital"], "risks")
    assert (hospital.enabled, hospital.platform, hospital.own) == (False, False, True)
    assert state(orgs["branch"], "risks").enabled is False
    assert "risks" not in modules_open_to(users["staff"])
    assert "risks" not in modules_open_to(users["platform"])


def test_following_the_parent_again_removes_the_setting_and_is_audited(tree):
    orgs, users = tree
    admin, hospital, risks = users["admin"], orgs["hospital"], module("risks")
    module_settings_set(actor=admin, organisation=hospital, choices={risks: False})
    assert module_settings_set(actor=admin, organisation=hospital, choices={risks: False}) == 0
    assert module_settings_set(actor=admin, organisation=hospital, choices={risks: None}) == 1
    assert not ModuleSetting.objects.exists()
    event = AuditEvent.objects.get(action="module_setting.inherit")
    assert event.organisation_id == hospital.pk
    assert event.before["enabled"] is False and event.after is None
    assert event.object_id != "None"
    # Nothing to remove: nothing written.
    assert module_settings_set(actor=admin, organisation=hospital, choices={risks: None}) == 0
    assert AuditEvent.objects.count() == 2


def test_an_administrator_above_sets_the_organisations_below(tree):
    orgs, users = tree
    module_settings_set(
        actor=users["admin"], organisation=orgs["branch"], choices={module("org"): False}
    )
    module_settings_set(
        actor=users["commission_admin"],
        organisation=orgs["branch"],
        choices={module("org"): True},
    )
    assert ModuleSetting.objects.get().enabled is True
    assert AuditEvent.objects.filter(organisation_id=orgs["branch"].pk).count() == 2


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("sibling_admin", "hospital"),  # the hospital's sibling
        ("elsewhere_admin", "hospital"),  # an unrelated top-level organisation
        ("elsewhere_admin", "commission"),
        ("admin", "commission"),  # not upward
        ("admin", "other"),  # nor sideways
        ("platform", "hospital"),  # an organisation's settings are its own
        ("integrity", "hospital"),  # administrators only
        ("staff", "hospital"),
    ],
)
def test_nobody_else_sets_an_organisations_modules(tree, actor, target):
    orgs, users = tree
    with pytest.raises(PermissionDenied):
        module_settings_set(
            actor=users[actor], organisation=orgs[target], choices={module("risks"): False}
        )
    assert nothing_written()


@pytest.mark.parametrize("code", ["dashboard", "maintenance"])
def test_an_always_on_module_has_no_organisation_setting(tree, code):
    orgs, users = tree
    with pytest.raises(ValidationError):
        module_settings_set(
            actor=users["admin"], organisation=orgs["hospital"], choices={module(code): False}
        )
    assert nothing_written()


# who gets a module


def test_a_module_off_for_a_hospital_is_404_there_and_open_elsewhere(tree, login):
    orgs, users = tree
    module_settings_set(
        actor=users["admin"], organisation=orgs["hospital"], choices={module("risks"): False}
    )
    for role in ("staff", "branch_staff", "integrity"):
        client = login(users[role])
        assert client.get(reverse("risks:register")).status_code == 404, role
        labels = [i["label"] for g in client.get("/").context["nav_groups"] for i in g["items"]]
        assert "风险点台账" not in labels and "职权目录" in labels, role
    # The sibling hospital and the commission's officer, whose subtree still uses it.
    for role in ("outsider", "commission_integrity"):
        assert login(users[role]).get(reverse("risks:register")).status_code == 200, role
    # The switch itself stays reachable to the hospital's administrator.
    assert login(users["admin"]).get(reverse("core:organisation_modules")).status_code == 200


def test_a_module_on_below_keeps_it_open_to_the_officers_above(tree):
    orgs, users = tree
    risks = module("risks")
    module_settings_set(
        actor=users["commission_admin"], organisation=orgs["commission"], choices={risks: False}
    )
    assert "risks" not in modules_open_to(users["commission_integrity"])
    assert "risks" not in modules_open_to(users["outsider"])
    module_settings_set(actor=users["admin"], organisation=orgs["hospital"], choices={risks: True})
    assert "risks" in modules_open_to(users["commission_integrity"])
    assert "risks" in modules_open_to(users["staff"])
    assert "risks" in modules_open_to(users["branch_staff"])
    assert "risks" not in modules_open_to(users["outsider"])


def test_a_role_in_one_organisation_where_it_is_on_is_enough(tree):
    orgs, users = tree
    module_settings_set(
        actor=users["admin"], organisation=orgs["hospital"], choices={module("risks"): False}
    )
    both = make_user("both", (Role.STAFF, orgs["hospital"]), (Role.STAFF, orgs["other"]))
    assert "risks" in modules_open_to(both)
    assert "risks" not in modules_open_to(users["staff"])


# pages


def test_the_page_lists_the_administrators_subtree_with_each_state(tree, login):
    orgs, users = tree
    module_settings_set(
        actor=users["commission_admin"],
        organisation=orgs["commission"],
        choices={module("org"): False},
    )
    module_settings_set(
        actor=users["admin"], organisation=orgs["branch"], choices={module("org"): True}
    )
    page = login(users["admin"]).get(reverse("core:organisation_modules"))
    html = page.content.decode()
    edit = "core:organisation_module_edit"
    for name in ("hospital", "branch"):
        assert reverse(edit, args=[orgs[name].pk]) in html
    for name in ("commission", "other", "elsewhere"):
        assert reverse(edit, args=[orgs[name].pk]) not in html
    rows = {row["organisation"].pk: row for row in page.context["rows"]}
    states = {m.code: s for m, s in rows[orgs["hospital"].pk]["states"]}
    assert states["org"].enabled is False and states["org"].origin == orgs["commission"]
    assert "沿用示例市卫生健康委员会" in html
    assert "本单位设置" in html  # the branch's own
    assert rows[orgs["branch"].pk]["indent"] == 1
    # The commission's administrator sees the whole commission.
    page = login(users["commission_admin"]).get(reverse("core:organisation_modules"))
    html = page.content.decode()
    for name in ("commission", "hospital", "branch", "other"):
        assert reverse(edit, args=[orgs[name].pk]) in html
    assert reverse(edit, args=[orgs["elsewhere"].pk]) not in html


def test_the_page_shows_a_module_off_platform_wide(tree, login):
    orgs, users = tree
    module_set_enabled(actor=users["platform"], module=module("org"), enabled=False)
    html = login(users["admin"]).get(reverse("core:organisation_modules")).content.decode()
    assert "全平台停用" in html


def test_the_administrator_saves_an_organisations_modules(tree, login):
    orgs, users = tree
    client = login(users["admin"])
    url = reverse("core:organisation_module_edit", args=[orgs["branch"].pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "沿用上级（启用）" in page.content.decode()
    data = {m.code: "inherit" for m in switchable_modules()} | {"risks": "off"}
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("core:organisation_modules")
    assert "已保存“示例市人民医院分院”的模块设置。" in response.content.decode()
    setting = ModuleSetting.objects.get()
    assert (setting.organisation, setting.module.code, setting.enabled) == (
        orgs["branch"],
        "risks",
        False,
    )
    assert AuditEvent.objects.get().organisation_id == orgs["branch"].pk
    # The same again: nothing changes.
    response = client.post(url, data, follow=True)
    assert "模块设置没有变化。" in response.content.decode()
    assert AuditEvent.objects.count() == 1


def test_a_bad_form_answers_in_chinese_and_writes_nothing(tree, login):
    orgs, users = tree
    client = login(users["admin"])
    url = reverse("core:organisation_module_edit", args=[orgs["hospital"].pk])
    response = client.post(url, {"risks": "maybe"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "选择一个有效的选项" in html  # Django's Chinese message for a bad choice
    assert "请选择“组织与人员”的设置。" in html
    assert nothing_written()


@pytest.mark.parametrize(
    ("actor", "target", "status"),
    [
        ("sibling_admin", "hospital", 404),
        ("elsewhere_admin", "hospital", 404),
        ("admin", "commission", 404),
        ("admin", "other", 404),
        ("platform", "hospital", 403),
        ("integrity", "hospital", 403),
        ("commission_integrity", "hospital", 403),
    ],
)
def test_others_are_refused_the_page_and_write_nothing(tree, login, actor, target, status):
    orgs, users = tree
    client = login(users[actor])
    url = reverse("core:organisation_module_edit", args=[orgs[target].pk])
    assert client.get(url).status_code == status
    data = {m.code: "off" for m in switchable_modules()}
    assert client.post(url, data).status_code == status
    assert nothing_written()


@pytest.mark.parametrize("actor", ["sibling_admin", "elsewhere_admin", "admin", "integrity"])
def test_platform_settings_refuse_every_organisations_administrator(tree, login, actor):
    _orgs, users = tree
    client = login(users[actor])
    toggle = reverse("core:module_toggle", args=[module("risks").pk])
    assert client.post(toggle, {"enabled": "0"}).status_code == 403
    assert client.get(reverse("core:module_list")).status_code == 403
    column = Column.objects.create(module=module("risks"), code="notices", title="通知公告")
    edit = reverse("core:column_edit", args=[column.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"title": "改名", "order": "1"}).status_code == 403
    assert module("risks").enabled is True
    assert Column.objects.get(pk=column.pk).title == "通知公告"
    assert nothing_written()


def test_the_platform_page_counts_the_organisations_with_a_setting(tree, login):
    orgs, users = tree
    for name in ("hospital", "other"):
        module_settings_set(
            actor=users["commission_admin"],
            organisation=orgs[name],
            choices={module("risks"): False},
        )
    page = login(users["platform"]).get(reverse("core:module_list"))
    counts = {m.code: m.setting_count for m in page.context["modules"]}
    assert counts["risks"] == 2 and counts["org"] == 0


def test_the_page_reads_a_constant_number_of_queries(tree, login, django_assert_max_num_queries):
    orgs, users = tree
    client = login(users["commission_admin"])
    url = reverse("core:organisation_modules")
    client.get(url)  # warm the session
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    parent = orgs["hospital"]
    for i in range(15):
        parent = make_org(f"下级单位{i}", f"SUB{i}", parent)
        ModuleSetting.objects.create(organisation=parent, module=module("risks"), enabled=i % 2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert "下级单位14" in response.content.decode()
