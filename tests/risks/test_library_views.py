"""The 标准库 page: packs, import forms scoped to the user's subtree, and the report."""

import pytest
from django.urls import reverse

from lianfang.org.models import Power
from lianfang.risks import library_import
from lianfang.risks.models import RiskPoint
from tests.risks.library_packs import tiny_pack, write_pack

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
    assert "示例市人民医院（第 1 版）" in page  # now listed as imported

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
