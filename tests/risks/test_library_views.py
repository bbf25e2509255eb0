"""The 标准库 page: packs, import forms scoped to the user's subtree, and the report."""

import datetime as dt

import pytest
from django.urls import reverse

from lianfang.org.models import Power
from lianfang.risks import library_import
from lianfang.risks.models import RiskPoint
from tests.factories import writes_below
from tests.risks.library_packs import generated_pack, tiny_pack, write_pack

LIST = reverse("risks:library_list")


@pytest.fixture
def packs(tmp_path, monkeypatch):
    monkeypatch.setattr(library_import, "PACKS_DIRECTORY", tmp_path)
    write_pack(tmp_path, tiny_pack())
    return tmp_path


def import_url(key="tiny"):
    return reverse("risks:library_import", args=[key])


def test_the_page_lists_the_packs_with_an_import_form(world, packs, login):
    response = login(world.users["integrity"]).get(LIST)
    assert response.status_code == 200
    page = response.content.decode()
    assert "测试标准库" in page
    assert 'data-testid="library-import-tiny"' in page
    assert 'data-progress="progress-tiny"' in page
    options = [
        org.name for org in response.context["packs"][0]["form"].fields["organisation"].queryset
    ]
    assert options == ["示例市人民医院"]  # the integrity office's own subtree only


@pytest.mark.parametrize("role", ["staff", "dept_head", "leader", "nobody"])
def test_other_roles_are_refused(world, packs, login, role):
    client = login(world.users[role])
    assert client.get(LIST).status_code == 403
    response = client.post(import_url(), {"tiny-organisation": world.hospital.pk})
    assert response.status_code == 403
    assert not Power.objects.exists()


def test_anonymous_users_are_sent_to_sign_in(client, world, packs):
    response = client.get(LIST)
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_import_shows_the_report_and_a_second_import_changes_nothing(world, packs, login):
    client = login(world.users["integrity"])
    response = client.post(import_url(), {"tiny-organisation": world.hospital.pk})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="library-report"' in page
    assert "已将“测试标准库”导入“示例市人民医院”" in page
    report = response.context["report"]
    assert (report.powers.created, report.risk_points.created) == (4, 5)
    assert RiskPoint.objects.filter(organisation=world.hospital).count() == 5
    assert "示例市人民医院（当前版本）" in page  # now listed as imported
    assert "第 1 版" in page  # the tiny pack has no release date: named by its number

    again = client.post(import_url(), {"tiny-organisation": world.hospital.pk})
    assert again.status_code == 200
    assert 'data-testid="library-report-nothing"' in again.content.decode()
    assert RiskPoint.objects.filter(organisation=world.hospital).count() == 5


def test_an_organisation_outside_the_subtree_is_refused(world, packs, login):
    client = login(world.users["integrity"])
    response = client.post(import_url(), {"tiny-organisation": world.other_hospital.pk})
    assert response.status_code == 400
    assert "只能导入到您管理范围内的单位" in response.content.decode()
    assert not Power.objects.exists()


def test_the_commission_can_import_into_its_hospitals(world, packs, login):
    writes_below(world.users["commission_integrity"])  # granted 下级单位可写
    client = login(world.users["commission_integrity"])
    response = client.post(import_url(), {"tiny-organisation": world.other_hospital.pk})
    assert response.status_code == 200
    assert Power.objects.filter(organisation=world.other_hospital).count() == 4


def test_an_unknown_pack_answers_404(world, packs, login):
    client = login(world.users["integrity"])
    response = client.post(import_url("nope"), {"nope-organisation": world.hospital.pk})
    assert response.status_code == 404


def test_a_get_on_the_import_url_goes_back_to_the_list(world, packs, login):
    response = login(world.users["admin"]).get(import_url())
    assert response.status_code == 302
    assert response["Location"] == LIST


def test_a_broken_pack_shows_its_errors_and_writes_nothing(world, packs, login):
    broken = tiny_pack()
    broken["risk_points"][0]["manifestation"]["zh"] = "有待加强"
    write_pack(packs, broken)
    response = login(world.users["admin"]).post(
        import_url(), {"tiny-organisation": world.hospital.pk}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "未导入任何数据" in page
    assert "空泛表述“有待加强”" in page
    assert not Power.objects.exists()


# Packs by sector, and what users read of them -------------------------------------------------


@pytest.fixture
def sector_packs(tmp_path, monkeypatch):
    """The tiny pack written as a hospital pack, a transport pack and an office pack."""
    monkeypatch.setattr(library_import, "PACKS_DIRECTORY", tmp_path)
    for key, sector, name in (
        ("hospital", "hospital", "医院库"),
        ("transport", "transport", "交通库"),
        ("office", "office", "机关办公室库"),
    ):
        write_pack(tmp_path, named(generated_pack(2, sector=sector), name), key=key)
    return tmp_path


def named(pack: dict, name: str) -> dict:
    pack["name"] = {"zh": name, "en": "A test library"}
    return pack


def pack_keys(response) -> list[str]:
    return [pack["info"].key for pack in response.context["packs"]]


def test_a_hospital_sees_only_packs_for_hospitals_and_may_ask_for_all(world, sector_packs, login):
    client = login(world.users["integrity"])
    response = client.get(LIST)
    assert pack_keys(response) == ["hospital"]
    page = response.content.decode()
    assert "另有 2 个其他行业的标准库，显示全部" in page
    everything = client.get(LIST, {"all": "1"})
    assert pack_keys(everything) == ["hospital", "office", "transport"]
    assert "只显示适用于本单位类型的标准库" in everything.content.decode()


def test_a_commission_sees_its_own_sector_and_its_hospitals(world, sector_packs, login):
    """The commission (主管部门) manages itself and two hospitals: the office pack suits it,
    the hospital pack its hospitals; the hospital pack's form offers only the hospitals."""
    writes_below(world.users["commission_integrity"])  # granted 下级单位可写
    response = login(world.users["commission_integrity"]).get(LIST)
    assert pack_keys(response) == ["hospital", "office"]
    forms = {pack["info"].key: pack["form"] for pack in response.context["packs"]}
    hospital_choices = {o.name for o in forms["hospital"].fields["organisation"].queryset}
    assert hospital_choices == {"示例市人民医院", "示例市第二医院"}
    office_choices = {o.name for o in forms["office"].fields["organisation"].queryset}
    assert office_choices == {"示例市卫生健康委员会"}


def test_the_platform_administrator_reads_every_pack_without_importing(
    world, sector_packs, login, platform_admin
):
    response = login(platform_admin).get(LIST)
    assert response.status_code == 200
    assert pack_keys(response) == ["hospital", "office", "transport"]
    page = response.content.decode()
    assert "library-import-" not in page and "library-register-link" not in page
    assert (
        login(platform_admin)
        .post(import_url("hospital"), {"hospital-organisation": world.hospital.pk})
        .status_code
        == 403
    )


def test_users_read_no_identifiers_and_a_year_for_the_version(world, sector_packs, login):
    pack = generated_pack(2, sector="hospital", version=3)
    pack["released"] = dt.date(2026, 12, 4)
    write_pack(sector_packs, named(pack, "医院库"), key="hospital")
    client = login(world.users["integrity"])
    page = client.get(LIST).content.decode()
    assert "urn:" not in page and "<code>hospital</code>" not in page
    assert "2026 版" in page and "第 3 版" not in page
    assert "适用于医院<" in page  # not "医院、其他": 其他 takes every pack
    response = client.post(import_url("hospital"), {"hospital-organisation": world.hospital.pk})
    page = response.content.decode()
    assert "“医院库”（2026 版）已导入“示例市人民医院”" in page
    assert "urn:" not in page


def test_the_shipped_packs_have_a_release_date_and_suit_some_kind():
    from lianfang.libraries import list_packs
    from lianfang.risks import sectors

    for info in list_packs():
        assert info.released is not None, info.key
        assert info.sector in sectors.PACK_KINDS, info.key
