import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from lianfang.exchange import services
from lianfang.exchange.models import Report
from lianfang.exchange.schema import COMMITMENTS
from tests.campaigns.helpers import make_campaign

from .helpers import filed_points, members, rezip

pytestmark = pytest.mark.django_db


def upload(content, name="上报.zip"):
    return SimpleUploadedFile(name, content, content_type="application/zip")


def test_the_unit_submits_and_the_commission_sees_it_on_its_dashboard(world, login):
    filed_points(world, 2)
    campaign = make_campaign(world)
    client = login(world.users["integrity"])
    page = client.get(reverse("exchange:unit"))
    assert page.status_code == 200
    assert "示例市卫生健康委员会" in page.content.decode()  # the level above
    response = client.post(
        reverse("exchange:submit", args=[world.hospital.pk]),
        {"campaign": campaign.pk, "year": "2026"},
        follow=True,
    )
    assert "已提交示例市卫生健康委员会（第 1 版）" in response.content.decode()
    report = Report.objects.get()
    assert (report.method, report.campaign, report.by) == (
        Report.Method.SUBMITTED,
        campaign,
        world.users["integrity"],
    )
    assert "history-row" in client.get(reverse("exchange:unit")).content.decode()

    commission = login(world.users["commission_integrity"])
    dashboard = commission.get(reverse("exchange:received")).content.decode()
    assert "示例市人民医院" in dashboard and campaign.name in dashboard
    assert "示例市第二医院" in dashboard and "未上报" in dashboard  # the other has not
    assert "1 / 2 个单位已上报" in dashboard
    detail = commission.get(reverse("exchange:report", args=[report.pk]))
    assert detail.status_code == 200 and "在线提交" in detail.content.decode()
    xlsx = commission.get(reverse("exchange:report_xlsx", args=[report.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_commission_imports_a_file_through_the_page(world, login):
    filed_points(world, 1)
    content, _name = services.exchange_export(
        actor=world.users["integrity"], unit=world.hospital, year=2026
    )
    client = login(world.users["commission_integrity"])
    assert client.get(reverse("exchange:import")).status_code == 200
    response = client.post(
        reverse("exchange:import"),
        {"unit": world.hospital.pk, "file": upload(content)},
        follow=True,
    )
    assert "已导入示例市人民医院的上报（第 1 版）" in response.content.decode()
    assert Report.objects.get().method == Report.Method.IMPORTED
    again = client.post(
        reverse("exchange:import"),
        {"unit": world.hospital.pk, "file": upload(content)},
        follow=True,
    )
    assert "未重复导入" in again.content.decode()
    assert Report.objects.count() == 1


def test_a_refused_file_shows_its_reason_and_imports_nothing(world, login):
    content, _name = services.exchange_export(
        actor=world.users["integrity"], unit=world.hospital, year=2026
    )
    parts = members(content)
    del parts[COMMITMENTS]
    client = login(world.users["commission_integrity"])
    response = client.post(
        reverse("exchange:import"), {"unit": world.hospital.pk, "file": upload(rezip(parts))}
    )
    assert response.status_code == 200
    assert "上报文件缺少 commitments.json" in response.content.decode()
    wrong_unit = client.post(
        reverse("exchange:import"),
        {"unit": world.other_hospital.pk, "file": upload(content)},
    )
    assert "不是所选的示例市第二医院（H2）" in wrong_unit.content.decode()
    assert not Report.objects.exists()


def test_the_export_is_a_zip_download(world, login):
    client = login(world.users["integrity"])
    response = client.post(reverse("exchange:export", args=[world.hospital.pk]), {"year": "2026"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "H1" in response["Content-Disposition"]


@pytest.mark.parametrize("role", ["staff", "dept_head", "leader", "outsider"])
def test_other_roles_are_refused(world, login, role):
    client = login(world.users[role])
    assert client.get(reverse("exchange:unit")).status_code == 403
    assert client.get(reverse("exchange:received")).status_code == 403


def test_a_report_outside_ones_reach_answers_404_and_the_hospital_cannot_import(world, login):
    filed_points(world, 1)
    report = services.report_submit(
        actor=world.users["integrity"], unit=world.hospital, year=2026
    ).report
    other_admin_grant = world.users["admin"]
    # the hospital's office reads its own report, the commission's too
    assert (
        login(world.users["integrity"])
        .get(reverse("exchange:report", args=[report.pk]))
        .status_code
        == 200
    )
    # another hospital's office sees nothing of it, nor submits for the hospital
    from lianfang.core.roles import Role
    from tests.factories import make_user

    other_office = make_user("other_office", (Role.INTEGRITY, world.other_hospital))
    client = login(other_office)
    assert client.get(reverse("exchange:report", args=[report.pk])).status_code == 404
    assert (
        client.post(
            reverse("exchange:submit", args=[world.hospital.pk]), {"year": "2026"}
        ).status_code
        == 404
    )
    # the hospital has no unit below it: nothing to import
    assert login(other_admin_grant).get(reverse("exchange:import")).status_code == 404
    assert Report.objects.count() == 1


def test_the_commission_has_no_level_above_to_report_to(world, login):
    page = login(world.users["commission_integrity"]).get(reverse("exchange:unit"))
    assert page.status_code == 200 and "没有上级单位" in page.content.decode()
