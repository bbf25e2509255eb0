"""Register work that leaves the request: large Excel exports and large re-grades run as
background jobs (core.jobs) with the same outcome as in the request."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from lianfang.core import jobs
from lianfang.core.models import Job
from lianfang.risks import grading, register_io, selectors, services
from lianfang.risks.models import RiskPoint, RiskPointEvent
from tests.risks.factories import make_power, make_risk_point
from tests.risks.register_data import build_register
from tests.risks.test_positioning import filed, register  # noqa: F401 - shared fixtures


@pytest.fixture
def power(world):
    return make_power(world.hospital, "药品耗材采购", department=world.procurement)


@pytest.fixture
def points(world, power):
    return [
        make_risk_point(power=power, likelihood=a, harm=b, name=f"{a}{b}", status="filed")
        for a in (1, 2, 3)
        for b in (1, 2, 3)
    ]


def test_a_large_export_becomes_a_job_whose_file_holds_the_filtered_register(
    world, login, settings
):
    build_register(world)
    settings.LIANFANG_EXPORT_INLINE_ROWS = 1
    user = world.users["integrity"]
    client = login(user)
    response = client.get(reverse("risks:register_xlsx") + "?level=1")
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert (job.kind, job.actor, job.params["query"]) == ("risks.export_register", user, "level=1")
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    expected = selectors.risk_points_filtered(user=user, filters={"level": 1})
    assert job.status == "done" and job.result["rows"] == expected.count() > 1
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    with open(jobs.result_file(job), "rb") as file:
        sheet = load_workbook(file, read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
    header = register_io.HEADER_ROW  # under the title, unit and date
    assert rows[0][0] == "风险点登记表" and rows[header - 1][0] == register_io.COLUMNS[0].header
    name = [c.key for c in register_io.COLUMNS].index("name")
    names = {row[name] for row in rows[header:]} - {None}  # not the blank and signature rows
    assert names == set(expected.values_list("name", flat=True))


def test_a_small_export_is_still_streamed_at_once(world, login):
    build_register(world)
    response = login(world.users["integrity"]).get(reverse("risks:register_xlsx"))
    assert response.status_code == 200 and not Job.objects.exists()


def test_a_large_regrade_runs_as_a_job_with_the_same_outcome(world, points, settings):
    settings.LIANFANG_REGRADE_INLINE_POINTS = 1
    actor = world.users["integrity"]
    result = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    assert result.job is not None and result.pending == len(points)
    assert grading.active_scheme(world.hospital).matrix_size == 5  # in force at once
    assert not RiskPointEvent.objects.filter(type=RiskPointEvent.Type.REGRADED).exists()
    assert jobs.run_pending() == 1
    job = Job.objects.get()
    assert job.status == "done" and (job.done, job.total) == (9, 9)
    by_name = {p.name: p for p in RiskPoint.objects.all()}
    assert (by_name["23"].likelihood, by_name["23"].harm, by_name["23"].level) == (3, 5, 1)
    assert (by_name["22"].level, by_name["12"].level) == (2, 3)
    regraded = RiskPointEvent.objects.filter(type=RiskPointEvent.Type.REGRADED)
    assert regraded.count() == job.result["points"] == 8  # 1×1 stays 1×1
    assert regraded.first().reason == "定级方案变更：3×3 矩阵 → 5×5 矩阵"

    # Run again (as after a crash: the worker died mid-job, and recovery gave the job a new
    # task): nothing is rescaled twice.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING,
        heartbeat_at=timezone.now() - dt.timedelta(seconds=jobs.STALE_AFTER + 5),
    )
    assert jobs.requeue_stale() == 1
    assert jobs.run_pending() == 1
    assert RiskPointEvent.objects.filter(type=RiskPointEvent.Type.REGRADED).count() == 8
    by_name["23"].refresh_from_db()
    assert (by_name["23"].likelihood, by_name["23"].harm) == (3, 5)


def test_a_point_edited_under_the_new_scheme_is_left_to_its_editor(world, points, settings):
    settings.LIANFANG_REGRADE_INLINE_POINTS = 1
    actor = world.users["integrity"]
    services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    point = next(p for p in points if p.name == "33")
    services.risk_point_update(
        actor=actor, risk_point=point, data={"likelihood": 4, "harm": 4}, reason="按5级复核"
    )
    jobs.run_pending()
    point.refresh_from_db()
    assert (point.likelihood, point.harm) == (4, 4)  # not rescaled as if it were on 3 levels


def test_no_second_scheme_change_while_a_regrade_runs(world, points, settings):
    settings.LIANFANG_REGRADE_INLINE_POINTS = 1
    actor = world.users["integrity"]
    services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    with pytest.raises(ValidationError) as caught:
        services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=4)
    assert "重新定级仍在后台进行" in caught.value.messages[0]
    assert grading.active_scheme(world.hospital).matrix_size == 5
    jobs.run_pending()
    services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=4)
    assert grading.active_scheme(world.hospital).matrix_size == 4


def test_the_switch_page_sends_a_large_regrade_to_its_job(world, points, login, settings):
    settings.LIANFANG_REGRADE_INLINE_POINTS = 1
    client = login(world.users["integrity"])
    response = client.post(reverse("risks:scheme_switch", args=[world.hospital.pk, 5]))
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "正在后台重新定级" in page and "按新定级方案重新定级" in page
    again = client.post(reverse("risks:scheme_switch", args=[world.hospital.pk, 4]))
    assert again.status_code == 302
    page = client.get(again["Location"]).content.decode()
    assert "重新定级仍在后台进行" in page
    jobs.run_pending()
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert "已重新定级 8 个风险点" in page and "返回定级方案" in page


def test_a_long_print_becomes_a_job_whose_pdf_has_the_chinese_rows(world, login, settings):
    build_register(world)
    settings.LIANFANG_PDF_INLINE_ROWS = 1
    user = world.users["integrity"]
    client = login(user)
    response = client.get(reverse("risks:register_pdf"))
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert job.kind == "risks.register_pdf"
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == "done", job.error
    download = client.get(reverse("core:job_download", args=[job.pk]))
    assert download["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(str(jobs.result_file(job))).pages)
    assert "风险点登记表" in text
    names = selectors.risk_points_filtered(user=user).values_list("name", flat=True)
    assert all(name in text.replace("\n", "") for name in names)


def test_a_job_speaks_the_language_of_the_page_that_asked(world, client, settings):
    build_register(world)
    settings.LIANFANG_EXPORT_INLINE_ROWS = 1
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(world.users["integrity"])
    client.get(reverse("risks:register_xlsx"))
    job = Job.objects.get()
    assert job.params["language"] == "en"
    jobs.run_pending()  # the test itself runs in Chinese
    job.refresh_from_db()
    assert job.result["summary"].startswith("Exported ")


def test_a_long_positioning_table_is_printed_by_a_job(
    world,
    filed,  # noqa: F811 - the positioning tests' filed
    login,
    settings,
):
    settings.LIANFANG_PDF_INLINE_ROWS = 1
    user = world.users["integrity"]
    client = login(user)
    url = reverse("risks:positioning_pdf", args=[world.leader_person.pk])
    response = client.get(url + "?levels=12")
    job = Job.objects.get()
    assert response["Location"] == reverse("core:job_detail", args=[job.pk])
    assert (job.params["person"], job.params["levels"]) == (world.leader_person.pk, "12")
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == "done", job.error
    text = "".join(p.extract_text() for p in PdfReader(str(jobs.result_file(job))).pages)
    assert "廉政风险定位表" in text and "王副院长" in text
    assert job.result["filename"].startswith("廉政风险定位表-王副院长")
    # the job sees what its actor may see when it runs
    other = jobs.enqueue(
        "risks.positioning_pdf",
        actor=world.users["staff"],
        params={"person": world.leader_person.pk, "levels": ""},
    )
    jobs.run_pending()
    other.refresh_from_db()
    assert other.status == "failed" and "无权" in other.error
