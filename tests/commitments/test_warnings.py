import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianfang.commitments import services, warning_rules
from lianfang.commitments.models import Commitment
from lianfang.core import warnings
from lianfang.core.models import Warning, WarningStatus
from lianfang.org.models import Post
from tests.factories import PASSWORD, make_person

from .conftest import change_post

RULE = {(warning_rules.SOURCE, warning_rules.DUE)}


def _check(day: dt.date):
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    warnings.warnings_check(now=moment, only=RULE)
    return {w.key: w for w in Warning.objects.filter(source=warning_rules.SOURCE)}


def test_missing_and_stale_commitments_raise_warnings_with_stable_keys(filed):
    year = timezone.localdate().year
    early = dt.date(year, 1, 20)  # within the 30 days a commitment is due in
    assert _check(early) == {}
    later = dt.date(year, 3, 1)
    raised = _check(later)
    staff_key = services.person_key(
        filed.staff_person.pk, year, [a.pk for a in filed.staff_person.assignments.all()]
    )
    assert staff_key in raised and f"d:{filed.cardiology.pk}:{year}" in raised
    assert "张医生" in raised[staff_key].subject
    # again: the same warnings, nothing new
    assert set(_check(later)) == set(raised)
    # one in progress is not missing: the colleague's draft closes their warning
    services.commitment_generate(
        actor=filed.users["integrity"], person=filed.colleague_person, year=year
    )
    colleague_key = Commitment.objects.get(person=filed.colleague_person).key
    assert _check(later)[colleague_key].status == WarningStatus.CLOSED
    # the staff member signs: their warning closes
    c = services.commitment_generate(
        actor=filed.users["staff"], person=filed.staff_person, year=year
    )
    services.commitment_submit(actor=filed.users["staff"], commitment=c)
    services.commitment_approve(actor=filed.users["leader"], commitment=c)
    services.commitment_sign(actor=filed.users["staff"], commitment=c, password=PASSWORD)
    after = _check(later)
    assert after[staff_key].status == WarningStatus.CLOSED
    # a post change makes it stale: a new warning once the new post's 30 days are over
    new_post = Post.objects.create(
        organisation=filed.hospital, department=filed.cardiology, name="医疗组长", code="P-ZZ"
    )
    change_post(filed.staff_person, new_post, dt.date(year, 3, 2))
    stale = _check(dt.date(year, 4, 15))
    new_keys = {k for k, w in stale.items() if w.status == WarningStatus.OPEN} - set(raised)
    assert len(new_keys) == 1
    assert "岗位变动后未重新签署" in stale[new_keys.pop()].subject


def test_the_checker_reads_a_constant_number_of_queries(filed):
    later = dt.date(timezone.localdate().year, 3, 1)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            warning_rules.due_conditions(later)
        return len(ctx.captured_queries)

    few = queries()
    post = Post.objects.get(code="P-ZZYS")
    for i in range(25):
        make_person(filed.hospital, filed.cardiology, f"7{i:03d}", f"医生{i}", post)
    assert queries() == few
