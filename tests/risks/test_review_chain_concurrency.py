"""Concurrent decisions on one filing advance it once (issue 14: "Concurrent approvals of one
filing advance it once"): real parallel connections (threads, each with its own connection).
Run on PostgreSQL in CI (marked `postgres`); SQLite serialises the writers and must give the
same answer."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from lianfang.accounts.models import User
from lianfang.core.models import AuditEvent
from lianfang.reviews.models import Decision, Submission
from lianfang.risks import services
from lianfang.risks.models import RiskPoint, RiskPointEvent
from tests.campaigns.helpers import post_point

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(actions):
    """Run each `(username, point_pk, action)` at once in its own thread and connection
    (`approve` or `return`); returns the outcomes ("ok", "refused" or the exception)."""
    barrier = threading.Barrier(len(actions))
    outcomes = [None] * len(actions)

    def run(n, username, point_pk, action):
        try:
            actor = User.objects.get(username=username)
            point = RiskPoint.objects.get(pk=point_pk)
            barrier.wait(timeout=30)
            if action == "approve":
                services.risk_point_approve(actor=actor, risk_point=point, note="并发")
            else:
                services.risk_point_return(actor=actor, risk_point=point, reason="并发退回")
            outcomes[n] = "ok"
        except ValidationError:
            outcomes[n] = "refused"
        except Exception as exc:  # noqa: BLE001 - reported by the assertions
            outcomes[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, *a)) for n, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return outcomes


def waiting_at_office(world):
    """张医生's point, approved by his head: it waits for the integrity office."""
    point = post_point(world, world.users["staff"])
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    services.risk_point_approve(actor=world.users["dept_head"], risk_point=point)
    submission = Submission.objects.get(object_id=point.pk)
    assert submission.level == "integrity_office"
    return point, submission


def test_four_office_approvals_at_once_file_the_point_once(world):
    point, submission = waiting_at_office(world)
    outcomes = race([("integrity", point.pk, "approve")] * 4)
    assert sorted(map(str, outcomes)) == ["ok", "refused", "refused", "refused"]
    point.refresh_from_db()
    assert point.status == RiskPoint.Status.FILED
    submission.refresh_from_db()
    assert submission.state == Submission.State.APPROVED
    office = Decision.objects.filter(submission=submission, level="integrity_office")
    assert office.count() == 1
    assert point.events.filter(type=RiskPointEvent.Type.FILED).count() == 1
    assert AuditEvent.objects.filter(action="risk_point.file", object_id=str(point.pk)).count() == 1


def test_a_double_click_at_the_head_moves_the_filing_one_level(world):
    point = post_point(world, world.users["staff"])
    services.risk_point_submit(actor=world.users["staff"], risk_point=point)
    outcomes = race([("dept_head", point.pk, "approve")] * 3)
    assert sorted(map(str, outcomes)) == ["ok", "refused", "refused"]
    submission = Submission.objects.get(object_id=point.pk)
    assert submission.state == Submission.State.OPEN
    assert submission.level == "integrity_office"
    assert Decision.objects.filter(submission=submission, outcome="approved").count() == 1


def test_approve_and_return_at_once_one_wins(world):
    point, submission = waiting_at_office(world)
    outcomes = race([("integrity", point.pk, "approve"), ("integrity", point.pk, "return")])
    assert sorted(map(str, outcomes)) == ["ok", "refused"]
    point.refresh_from_db()
    submission.refresh_from_db()
    if outcomes[0] == "ok":
        assert point.status == RiskPoint.Status.FILED and point.return_count == 0
        assert submission.state == Submission.State.APPROVED
    else:
        assert point.status == RiskPoint.Status.DRAFT and point.return_count == 1
        assert submission.state == Submission.State.RETURNED
    assert Decision.objects.filter(submission=submission, level="integrity_office").count() == 1
