"""A background export runs while other people use the site: on SQLite (a file database, WAL)
the export job and the other people's writes must both succeed.

The job used to read the register through one open statement (`QuerySet.iterator`) and
write its progress on the same connection: once anyone else had committed since the read
began, SQLite refused the progress write ("database is locked") and the job failed. Here a
second client, on its own connection in a thread of its own, signs in and files a risk point
at the worst moment: after the job has begun reading rows and just before its first progress
write. The order is fixed by the job's own queries, not by timing.
"""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from lianfang.core import jobs
from lianfang.core.models import Job
from lianfang.org.models import Post
from lianfang.risks import register_io, selectors
from lianfang.risks.models import RiskPoint
from tests.factories import build_world
from tests.risks.factories import make_measure, make_risk_point
from tests.risks.register_data import build_register

# A column only the export's row reads select (not its count): the job has begun reading rows.
ROW_READ = '"risks_riskpoint"."manifestation"'
PROGRESS_WRITE = 'UPDATE "core_job" SET "done"'  # `jobs.Progress` (the end of a job sets "status")


class SomeoneElseMidExport:
    """A query wrapper on the job's connection: before the job's first progress write that
    follows its first read of register rows, run `act` in another thread (its own database
    connection) to the end."""

    def __init__(self, act):
        self.act = act
        self.reading = False
        self.done = False

    def __call__(self, execute, sql, params, many, context):
        if not self.done:
            if sql.startswith("SELECT") and ROW_READ in sql:
                self.reading = True
            elif self.reading and sql.startswith(PROGRESS_WRITE):
                self.done = True
                other = threading.Thread(target=self.act, name="other-client")
                other.start()
                other.join(timeout=120)
                assert not other.is_alive(), "the other client did not finish"
        return execute(sql, params, many, context)


def bulk_points(world, power, post, count):
    """`count` filed risk points of the doctor's post, written at once (no services: this
    is the register to export, not what is tested)."""
    template = make_risk_point(power=power, post=post, name="批量风险点0", status="filed")
    fields = {
        f.attname: getattr(template, f.attname)
        for f in RiskPoint._meta.concrete_fields
        if not f.primary_key
    }
    RiskPoint.objects.bulk_create(
        [RiskPoint(**{**fields, "name": f"批量风险点{i}"}) for i in range(1, count)],
        batch_size=500,
    )


@pytest.mark.django_db(transaction=True)
def test_an_export_job_and_another_clients_sign_in_and_edit_both_succeed(
    settings, password, monkeypatch
):
    settings.LIANFANG_EXPORT_INLINE_ROWS = 1
    monkeypatch.setattr(jobs, "PROGRESS_INTERVAL", 0)  # every progress report is written
    world = build_world()
    register = build_register(world)
    doctor_post = Post.objects.get(code="P-ZZYS")
    # more rows than one chunk, so the export is still reading when it first reports progress
    bulk_points(world, register.prescribing, doctor_post, register_io.EXPORT_CHUNK + 10)
    draft = make_risk_point(
        power=register.prescribing,
        step=register.prescribing.steps.get(order=1),
        post=doctor_post,
        name="门诊处方夹带自费药品",
        manifestation="主治医师在门诊处方中夹带与病情无关的自费药品以获取提成",
        author=world.users["staff"],  # theirs to submit for filing
    )
    make_measure(  # what filing asks of a draft (the vagueness check)
        world.hospital,
        "门诊处方每周抽查自费药品比例并公示",
        owner_person=world.staff_person,
        points=[draft],
    )

    officer = world.users["integrity"]
    asked = Client()
    asked.force_login(officer)
    response = asked.get(reverse("risks:register_xlsx"))
    job = Job.objects.get()
    assert response.status_code == 302 and job.kind == "risks.export_register"
    expected_rows = selectors.risk_points_filtered(user=officer, filters={}).count()

    other = {}

    def sign_in_and_file():
        try:
            client = Client()
            other["sign_in"] = client.post(
                reverse("accounts:login"), {"username": "staff", "password": password}
            ).status_code
            other["file"] = client.post(reverse("risks:point_file", args=[draft.pk])).status_code
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            other["error"] = exc
        finally:
            connection.close()  # this thread's own connection

    someone_else = SomeoneElseMidExport(sign_in_and_file)
    with connection.execute_wrapper(someone_else):
        assert jobs.run_pending() == 1

    assert someone_else.done, "the job never wrote its progress while reading"
    assert "error" not in other, other
    assert (other["sign_in"], other["file"]) == (302, 302)
    draft.refresh_from_db()
    assert draft.status == RiskPoint.Status.DRAFT  # submitted: waits for its department head
    assert draft.submissions.get().level == "department_head"
    job.refresh_from_db()
    assert (job.status, job.error) == (Job.Status.DONE, "")
    assert job.result["rows"] == expected_rows > register_io.EXPORT_CHUNK
    assert jobs.result_file(job) is not None
