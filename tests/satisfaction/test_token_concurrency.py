"""Submits of one code at once, each on its own connection: one answer, the others refused
with the "already used" message (PostgreSQL: the token's row lock and the unique token of
the answer; SQLite: writers queue on the write lock)."""

import threading

import pytest
from django.db import connection

from lianfang.org.models import Department
from lianfang.satisfaction import services
from lianfang.satisfaction.models import Answer
from tests.factories import make_department, make_org

from .helpers import at, questionnaire, scores

THREADS = 5


def submitter(department_pk, questionnaire, code, barrier, outcomes):
    try:
        department = Department.objects.select_related("organisation").get(pk=department_pk)
        barrier.wait()
        services.answer_submit(
            department=department,
            questionnaire=questionnaire,
            scores=scores(4),
            code=code,
            now=at(),
        )
        outcomes.append("ok")
    except services.TokenRefused as refused:
        outcomes.append(refused.code)
    except Exception as exc:  # noqa: BLE001 - reported by the test
        outcomes.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_submits_of_one_code_make_one_answer():
    org = make_org("并发医院", "RACE")
    department = make_department(org, "骨科", "GK")
    q = questionnaire(org)
    code, token = services.token_issue(actor=None, department=department, visit="RACE-1")
    barrier = threading.Barrier(THREADS)
    outcomes = []
    threads = [
        threading.Thread(target=submitter, args=(department.pk, q, code, barrier, outcomes))
        for _n in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes, key=str) == ["ok"] + ["used"] * (THREADS - 1)
    assert Answer.objects.filter(token=token).count() == 1
    assert Answer.objects.count() == 1
