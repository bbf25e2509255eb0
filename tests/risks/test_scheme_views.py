import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from lianfang.core.models import AuditEvent
from lianfang.risks import grading, services
from lianfang.risks.models import GenericPhrase, GradingScheme, RiskPoint, RiskPointEvent
from tests.factories import writes_below
from tests.risks.factories import make_power, make_risk_point

pytestmark = pytest.mark.django_db


def text(response):
    return response.content.decode()


@pytest.fixture
def register(world):
    power = make_power(world.hospital, "药品耗材采购", department=world.procurement)
    return [
        make_risk_point(power=power, likelihood=a, harm=b, name=f"风险{a}{b}", status="filed")
        for a in (1, 2, 3)
        for b in (1, 2, 3)
    ]


@pytest.fixture
def scheme(world):
    return GradingScheme.objects.create(
        organisation=world.hospital,
        name="医院 4×4",
        **grading.default_scheme_values("matrix", 4),
    )


def test_index_lists_managed_organisations_with_their_scheme(world, login):
    writes_below(world.users["commission_integrity"])  # granted 下级单位可写
    page = text(login(world.users["commission_integrity"]).get(reverse("risks:scheme_index")))
    assert "示例市人民医院" in page and "示例市第二医院" in page and "默认 3×3 矩阵" in page
    page = text(login(world.users["integrity"]).get(reverse("risks:scheme_index")))
    assert "示例市人民医院" in page and "示例市第二医院" not in page


def test_organisation_page_shows_the_grid_levels_and_rules(world, login):
    url = reverse("risks:scheme_organisation", args=[world.hospital.pk])
    page = text(login(world.users["integrity"]).get(url))
    assert 'data-testid="scheme-matrix"' in page
    assert page.count('class="lf-level-1"') == 3  # 6, 6, 9 on the 3×3 grid
    assert page.count('class="lf-level-3"') == 3  # 1, 2, 2
    assert "单位主要负责人" in page and "90 天" in page and "重大事项决策" in page
    assert "尚未设置定级方案" in page
    assert "切换为 5×5 矩阵" in page


def test_inherited_scheme_is_named(world, login):
    GradingScheme.objects.create(
        organisation=world.commission,
        name="卫健委事项定级",
        active=True,
        **grading.default_scheme_values("matter"),
    )
    url = reverse("risks:scheme_organisation", args=[world.hospital.pk])
    page = text(login(world.users["integrity"]).get(url))
    assert "卫健委事项定级" in page and "沿用上级单位“示例市卫生健康委员会”的方案" in page
    # the hospital's officer does not manage the commission: no link to its page
    assert reverse("risks:scheme_organisation", args=[world.commission.pk]) not in page


@pytest.mark.parametrize(
    "name",
    ["scheme_organisation", "scheme_create"],
)
def test_organisation_outside_the_subtree_is_404(world, login, name):
    client = login(world.users["integrity"])
    assert client.get(reverse(f"risks:{name}", args=[world.other_hospital.pk])).status_code == 404
    assert client.get(reverse(f"risks:{name}", args=[world.commission.pk])).status_code == 404


def test_scheme_outside_the_subtree_is_404(world, login):
    foreign = GradingScheme.objects.create(
        organisation=world.other_hospital, name="外院", **grading.default_scheme_values()
    )
    client = login(world.users["integrity"])
    for name in ("scheme_detail", "scheme_edit", "scheme_activate"):
        assert client.get(reverse(f"risks:{name}", args=[foreign.pk])).status_code == 404
    assert client.post(reverse("risks:scheme_activate", args=[foreign.pk])).status_code == 404
    foreign.refresh_from_db()
    assert not foreign.active
    url = reverse("risks:scheme_switch", args=[world.other_hospital.pk, 5])
    assert client.post(url).status_code == 404


@pytest.mark.parametrize("role", ["staff", "leader", "dept_head"])
def test_other_roles_are_refused(world, login, role, scheme):
    client = login(world.users[role])
    assert client.get(reverse("risks:scheme_index")).status_code == 403
    url = reverse("risks:scheme_organisation", args=[world.hospital.pk])
    assert client.get(url).status_code == 403
    assert client.get(reverse("risks:phrase_list")).status_code == 403
    assert client.post(reverse("risks:scheme_activate", args=[scheme.pk])).status_code == 403


def test_switch_to_5x5_in_one_click(world, login, register):
    client = login(world.users["integrity"])
    url = reverse("risks:scheme_switch", args=[world.hospital.pk, 5])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    page = text(response)
    assert "已重新定级 8 个风险点" in page
    assert grading.active_scheme(world.hospital).matrix_size == 5
    assert 'data-testid="switch-5x5"' not in page  # already on 5×5
    assert page.count('class="lf-level-') == 25
    events = RiskPointEvent.objects.filter(type="regraded")
    assert events.count() == 8
    assert {e.reason for e in events} == {"定级方案变更：3×3 矩阵 → 5×5 矩阵"}


def test_create_form_starts_from_the_chosen_defaults(world, login):
    client = login(world.users["integrity"])
    url = reverse("risks:scheme_create", args=[world.hospital.pk])
    page = text(client.get(url + "?method=matrix&size=5"))
    assert page.count("data-level-select") == 25
    assert 'name="matrix_size" value="5"' in page
    assert "lianfang/risk-schemes.js" in page and "<script>" not in page


def _post_data(size=3, **overrides):
    data = {
        "name": "",
        "method": "matrix",
        "matrix_size": str(size),
        "review_1": "90",
        "review_2": "180",
        "review_3": "365",
        "criteria_1": "3",
        "criteria_2": "2",
        "criteria_3": "1",
        "monitors_1": ["principal_leader", "integrity_office"],
        "monitors_2": ["leader_in_charge", "integrity_office"],
        "monitors_3": ["department_head"],
    }
    grid = grading.default_grid(size)
    for row in range(size):
        for col in range(size):
            data[f"grid_{row + 1}_{col + 1}"] = str(grid[row][col])
    for key, level in grading.default_scheme_values()["matter_levels"].items():
        data[f"matter_{key}"] = str(level)
    data.update(overrides)
    return data


def test_create_saves_an_inactive_scheme(world, login):
    client = login(world.users["integrity"])
    url = reverse("risks:scheme_create", args=[world.hospital.pk])
    response = client.post(url, _post_data(4, name="四阶矩阵", grid_4_4="2", review_1="60"))
    assert response.status_code == 302
    scheme = GradingScheme.objects.get(organisation=world.hospital)
    assert scheme.name == "四阶矩阵" and scheme.matrix_size == 4 and not scheme.active
    assert scheme.grid[3][3] == 2
    assert scheme.review_days == {"1": 60, "2": 180, "3": 365}
    assert scheme.monitors["3"] == ["department_head"]
    assert scheme.criteria_levels == [[3, 1], [2, 2], [1, 3]]


def test_create_shows_service_errors_in_chinese(world, login):
    client = login(world.users["integrity"])
    url = reverse("risks:scheme_create", args=[world.hospital.pk])
    response = client.post(url, _post_data(monitors_2=[], criteria_1="1", criteria_3="3"))
    assert response.status_code == 200
    page = text(response)
    assert "二级须至少指定一类监控人" in page
    assert "符合条件越多，等级不能越低" in page
    assert not GradingScheme.objects.exists()


def test_edit_of_the_active_scheme_regrades(world, login, register):
    client = login(world.users["integrity"])
    client.post(reverse("risks:scheme_switch", args=[world.hospital.pk, 3]))
    scheme = GradingScheme.objects.get(organisation=world.hospital, active=True)
    grid_all_high = {f"grid_{r}_{c}": "1" for r in (1, 2, 3) for c in (1, 2, 3)}
    response = client.post(
        reverse("risks:scheme_edit", args=[scheme.pk]), _post_data(**grid_all_high), follow=True
    )
    assert "已重新定级 6 个风险点" in text(response)
    assert set(RiskPoint.objects.values_list("level", flat=True)) == {1}


def test_activate_confirms_then_regrades(world, login, register, scheme):
    client = login(world.users["integrity"])
    url = reverse("risks:scheme_activate", args=[scheme.pk])
    page = text(client.get(url))
    assert "3×3 矩阵" in page and "4×4 矩阵" in page and "9 个风险点" in page
    scheme.refresh_from_db()
    assert not scheme.active
    response = client.post(url, follow=True)
    assert "已重新定级" in text(response)
    scheme.refresh_from_db()
    assert scheme.active
    activated = AuditEvent.objects.get(action="grading_scheme.activate")
    assert (activated.before, activated.after) == ({"active": False}, {"active": True})
    assert RiskPointEvent.objects.filter(
        type="regraded", reason="定级方案变更：3×3 矩阵 → 4×4 矩阵"
    ).exists()


def test_an_unused_scheme_can_be_deleted_and_the_one_in_force_cannot(world, login, scheme):
    client = login(world.users["integrity"])
    page = text(client.get(reverse("risks:scheme_organisation", args=[world.hospital.pk])))
    assert f'data-testid="scheme-delete-{scheme.pk}"' in page
    response = client.post(reverse("risks:scheme_delete", args=[scheme.pk]), follow=True)
    assert "已删除定级方案“医院 4×4”" in text(response)
    assert not GradingScheme.objects.filter(pk=scheme.pk).exists()
    event = AuditEvent.objects.get(action="grading_scheme.delete")
    assert event.before["name"] == "医院 4×4" and event.organisation_id == world.hospital.pk
    # the scheme in force stays, with the reason
    client.post(reverse("risks:scheme_switch", args=[world.hospital.pk, 5]))
    active = grading.active_scheme(world.hospital)
    response = client.post(reverse("risks:scheme_delete", args=[active.pk]), follow=True)
    assert "启用中的定级方案不能删除" in text(response)
    assert GradingScheme.objects.filter(pk=active.pk, active=True).exists()
    assert client.get(reverse("risks:scheme_delete", args=[active.pk])).status_code == 405


def test_schemes_of_others_cannot_be_deleted(world, login, scheme):
    assert (
        login(world.users["staff"])
        .post(reverse("risks:scheme_delete", args=[scheme.pk]))
        .status_code
        == 403
    )
    foreign = GradingScheme.objects.create(
        organisation=world.other_hospital, name="外院", **grading.default_scheme_values()
    )
    outsider = login(world.users["integrity"])
    assert outsider.post(reverse("risks:scheme_delete", args=[foreign.pk])).status_code == 404
    assert GradingScheme.objects.filter(pk=foreign.pk).exists()


def test_scheme_pages_render(world, login, scheme):
    client = login(world.users["admin"])
    for name in ("scheme_detail", "scheme_edit", "scheme_activate"):
        response = client.get(reverse(f"risks:{name}", args=[scheme.pk]))
        assert response.status_code == 200 and "医院 4×4" in text(response)


# Generic phrases ------------------------------------------------------------------------------


def test_phrase_list_shows_global_and_own_phrases(world, login):
    GenericPhrase.objects.create(organisation=world.hospital, phrase="本院自定")
    GenericPhrase.objects.create(organisation=world.other_hospital, phrase="外院自定")
    client = login(world.users["integrity"])
    page = text(client.get(reverse("risks:phrase_list"), {"kind": "point"}))
    assert "政治学习不够扎实" in page and "本院自定" in page and "外院自定" not in page
    assert "上级设定" in page  # global phrases are read-only for a hospital officer


def test_officer_adds_disables_and_deletes_a_phrase(world, login):
    client = login(world.users["integrity"])
    response = client.post(
        reverse("risks:phrase_list"),
        {"organisation": str(world.hospital.pk), "phrase": " 有关 规定 ", "reason": "太笼统"},
    )
    assert response.status_code == 302
    phrase = GenericPhrase.objects.get(organisation=world.hospital)
    assert phrase.phrase == "有关 规定" and phrase.reason == "太笼统"
    client.post(reverse("risks:phrase_toggle", args=[phrase.pk]))
    phrase.refresh_from_db()
    assert not phrase.active
    client.post(reverse("risks:phrase_delete", args=[phrase.pk]))
    assert not GenericPhrase.objects.filter(pk=phrase.pk).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"generic_phrase.create", "generic_phrase.disable", "generic_phrase.delete"} <= actions


def test_duplicate_phrase_is_refused(world, login, platform_admin):
    client = login(platform_admin)
    response = client.post(
        reverse("risks:phrase_list"), {"organisation": "global", "phrase": "有待加强"}
    )
    assert response.status_code == 200
    assert "空泛表述“有待加强”已在列表中" in text(response)


@pytest.mark.parametrize("role", ["integrity", "admin", "commission_integrity"])
def test_global_phrases_are_refused_to_every_organisations_officers(world, login, role):
    """Global phrases apply to every organisation: not even a root's officers change them."""
    global_phrase = GenericPhrase.objects.get(organisation=None, phrase="有待加强")
    client = login(world.users[role])
    assert client.post(reverse("risks:phrase_toggle", args=[global_phrase.pk])).status_code == 404
    assert client.post(reverse("risks:phrase_delete", args=[global_phrase.pk])).status_code == 404
    response = client.post(reverse("risks:phrase_list"), {"organisation": "global", "phrase": "x"})
    assert response.status_code == 200
    assert not GenericPhrase.objects.filter(phrase="x").exists()
    global_phrase.refresh_from_db()
    assert global_phrase.active
    assert not AuditEvent.objects.exists()
    # The page offers them no global scope, and shows the global phrases as set above.
    page = text(client.get(reverse("risks:phrase_list")))
    assert "全局（所有单位）" not in page and "上级设定" in page


def test_the_services_refuse_a_global_phrase_to_anyone_but_the_platform_admin(world):
    global_phrase = GenericPhrase.objects.get(organisation=None, phrase="有待加强")
    actor = world.users["commission_integrity"]
    with pytest.raises(PermissionDenied):
        services.phrase_create(actor=actor, organisation=None, phrase="另一个空话")
    with pytest.raises(PermissionDenied):
        services.phrase_set_active(actor=actor, phrase=global_phrase, active=False)
    with pytest.raises(PermissionDenied):
        services.phrase_delete(actor=actor, phrase=global_phrase)
    assert GenericPhrase.objects.filter(pk=global_phrase.pk, active=True).exists()
    assert not AuditEvent.objects.exists()


def test_the_platform_admin_keeps_the_global_phrases(world, login, platform_admin):
    global_phrase = GenericPhrase.objects.get(organisation=None, phrase="有待加强")
    client = login(platform_admin)
    page = text(client.get(reverse("risks:phrase_list")))
    assert "有待加强" in page and "全局（所有单位）" in page
    # No organisation's phrases, and no organisation to add one to.
    GenericPhrase.objects.create(organisation=world.hospital, phrase="本院自定")
    page = text(client.get(reverse("risks:phrase_list")))
    assert "本院自定" not in page
    response = client.post(
        reverse("risks:phrase_list"),
        {"organisation": str(world.hospital.pk), "phrase": "代医院添加"},
    )
    assert response.status_code == 200
    assert not GenericPhrase.objects.filter(phrase="代医院添加").exists()
    assert client.post(reverse("risks:phrase_toggle", args=[global_phrase.pk])).status_code == 302
    global_phrase.refresh_from_db()
    assert not global_phrase.active
    response = client.post(
        reverse("risks:phrase_list"), {"organisation": "global", "phrase": "全平台新增空话"}
    )
    assert response.status_code == 302
    assert GenericPhrase.objects.filter(organisation=None, phrase="全平台新增空话").exists()
    events = AuditEvent.objects.filter(action__startswith="generic_phrase.")
    assert {e.action for e in events} == {"generic_phrase.disable", "generic_phrase.create"}
    assert {e.organisation_id for e in events} == {None}


def test_phrase_of_another_organisation_is_404(world, login):
    foreign = GenericPhrase.objects.create(organisation=world.other_hospital, phrase="外院自定")
    client = login(world.users["integrity"])
    assert client.post(reverse("risks:phrase_delete", args=[foreign.pk])).status_code == 404
    assert GenericPhrase.objects.filter(pk=foreign.pk).exists()


def test_phrase_filters(world, login):
    GenericPhrase.objects.create(organisation=world.hospital, phrase="本院自定", active=False)
    client = login(world.users["integrity"])
    url = reverse("risks:phrase_list")
    page = text(client.get(url, {"organisation": str(world.hospital.pk)}))
    assert "本院自定" in page and "政治学习不够扎实" not in page
    page = text(client.get(url, {"active": "0"}))
    assert "本院自定" in page and "政治学习不够扎实" not in page
    page = text(client.get(url, {"q": "政治"}))
    assert "政治学习不够扎实" in page and "本院自定" not in page
