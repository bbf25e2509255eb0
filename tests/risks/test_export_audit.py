"""Every export of the register's data is an audit event: who, what, how many rows and with
which filters, never the rows (core.exports)."""

import pytest
from django.urls import reverse

from lianfang.core import jobs
from lianfang.core.models import AuditEvent
from tests.risks.test_positioning import register  # noqa: F401 - the shared fixture


def _event(action):
    return AuditEvent.objects.get(action=action)


def test_register_excel_is_recorded_with_its_filters(world, register, login):  # noqa: F811
    officer = world.users["integrity"]
    response = login(officer).get(reverse("risks:register_xlsx"), {"level": 1})
    assert response.status_code == 200
    event = _event("risks.register.export")
    assert event.actor_id == officer.pk
    assert event.after == {"rows": 1, "query": "level=1"}
    assert event.organisation_id == world.hospital.pk
    assert "遴选中透露评分标准" not in str(event.after) + event.object_repr


def test_register_pdf_is_recorded(world, register, login):  # noqa: F811
    response = login(world.users["integrity"]).get(reverse("risks:register_pdf"))
    assert response.status_code == 200
    assert _event("risks.register.print").after["rows"] >= 1


@pytest.mark.parametrize(
    "name, action",
    [
        ("risks:positioning_xlsx", "risks.positioning.export"),
        ("risks:positioning_pdf", "risks.positioning.print"),
    ],
)
def test_a_positioning_table_is_recorded_on_its_persons_organisation(
    world,
    register,  # noqa: F811
    login,
    name,
    action,  # noqa: F811
):
    person = world.leader_person
    response = login(world.users["integrity"]).get(reverse(name, args=[person.pk]))
    assert response.status_code == 200
    event = _event(action)
    assert event.organisation_id == person.organisation_id
    assert event.after["person"] == person.pk
    assert person.name in event.object_repr


def test_a_background_files_download_is_recorded(world, register, login):  # noqa: F811
    officer = world.users["integrity"]
    job = jobs.enqueue(
        "risks.export_register",
        actor=officer,
        organisation=world.hospital,
        params={"query": "", "filename": "登记表.xlsx"},
    )
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == job.Status.DONE, job.error
    client = login(officer)
    response = client.get(reverse("core:job_download", args=[job.pk]))
    assert response.status_code == 200
    event = _event("core.job.download")
    assert event.after["job"] == job.pk
    assert event.after["rows"] == job.result["rows"]
    assert event.organisation_id == world.hospital.pk
