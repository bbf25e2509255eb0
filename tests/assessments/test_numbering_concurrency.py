"""Notice numbers: issuers at once, each on its own connection, take numbers 1..N of their
organisation's year with no gap and no repeat; a rolled-back issue gives its number back
(PostgreSQL: the counter row's lock; SQLite: writers queue on the write lock)."""

import threading

import pytest
from django.db import connection, transaction
from django.utils import timezone

from lianfang.assessments import services
from lianfang.assessments.models import Notice
from lianfang.core.models import WarningLevel, WorkdayYear
from lianfang.core.roles import Role
from tests.factories import make_department, make_org, make_person, make_user

THREADS = 6


def issuer(office, assessment, barrier, errors):
    try:
        barrier.wait()
        services.assessment_issue(actor=office, assessment=assessment)
    except Exception as exc:  # noqa: BLE001 - reported by the test below
        errors.append(exc)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_issues_number_without_gaps():
    WorkdayYear.objects.get_or_create(
        organisation=None,
        year=timezone.localdate().year + 1,
        defaults={"confirmed_at": timezone.now()},
    )
    hospital = make_org("并发医院", "RACE")
    department = make_department(hospital, "心内科", "XNK")
    office = make_user("race_office", (Role.INTEGRITY, hospital))
    drafts = [
        services.assessment_create(
            actor=office,
            organisation=hospital,
            person=make_person(hospital, department, f"R{n:03d}", f"医生{n}"),
            data={
                "level": WarningLevel.NOTICE,
                "grounds": "依据",
                "measures": ["rectify"],
                "requirements": "要求",
            },
            findings=["审计发现"],
        )
        for n in range(THREADS + 1)
    ]
    # an issue rolled back with its caller's transaction takes no number
    with pytest.raises(RuntimeError), transaction.atomic():
        services.assessment_issue(actor=office, assessment=drafts[-1])
        raise RuntimeError("rolled back")
    barrier = threading.Barrier(THREADS)
    errors = []
    threads = [
        threading.Thread(target=issuer, args=(office, draft, barrier, errors))
        for draft in drafts[:THREADS]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    seqs = sorted(Notice.objects.filter(organisation=hospital).values_list("seq", flat=True))
    assert seqs == list(range(1, THREADS + 1))
