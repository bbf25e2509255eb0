"""The warning mechanism (core.warnings): raising idempotently, resolving, reopening, the
office's lifecycle, time limits on the working-day calendar, escalation and the hooks."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lianfang.core import warnings
from lianfang.core.models import AuditEvent, Warning, WarningLevel, WarningStatus
from lianfang.core.roles import Role
from tests.factories import make_user

S = WarningStatus
ZONE = ZoneInfo("Asia/Shanghai")
# Monday 8 June 2026: five working days later is Monday 15 June (no holiday between).
NOW = dt.datetime(2026, 6, 8, 10, 0, tzinfo=ZONE)

pytestmark = pytest.mark.django_db


def raise_one(world, key="k1", *, level=WarningLevel.NOTICE, subject="复核逾期", now=NOW, **extra):
    return warnings.raise_warning(
        source="test",
        rule="rule",
        key=key,
        organisation=extra.pop("organisation", world.hospital),
        subject=subject,
        level=level,
        evidence=extra.pop("evidence", {"due": dt.date(2026, 5, 1)}),
        owner=extra.pop("owner", world.head_person),
        now=now,
        **extra,
    )


def actions(warning):
    return list(
        AuditEvent.objects.filter(object_type="core.warning", object_id=str(warning.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )


def test_raising_the_same_condition_again_updates_it(world):
    first = raise_one(world)
    assert first.status == S.OPEN
    assert first.owner == world.head_person and first.owner_label == "李主任"
    assert first.evidence == {"due": "2026-05-01"}
    assert first.organisation == world.hospital

    again = raise_one(
        world, level=WarningLevel.WARNING, subject="复核逾期 40 天", now=NOW + dt.timedelta(days=1)
    )
    assert again.pk == first.pk
    assert Warning.objects.count() == 1
    assert (again.level, again.subject, again.occurrences) == (
        WarningLevel.WARNING,
        "复核逾期 40 天",
        1,
    )
    assert again.raised_at == first.raised_at  # still the same occurrence

    later = NOW + dt.timedelta(days=2)
    same = raise_one(world, level=WarningLevel.WARNING, subject="复核逾期 40 天", now=later)
    assert same.last_seen_at == later
    # raised, then changed once; found unchanged the third time: no event
    assert actions(same) == ["warning.raise", "warning.update"]
    event = AuditEvent.objects.get(action="warning.raise")
    assert event.organisation_id == world.hospital.pk


def test_the_checker_resolves_what_no_longer_holds(world):
    for key in ("a", "b", "c"):
        raise_one(world, key)
    closed = warnings.resolve_missing(source="test", rule="rule", keys_still_true=["a"])
    assert sorted(w.key for w in closed) == ["b", "c"]
    states = dict(Warning.objects.values_list("key", "status"))
    assert states == {"a": S.OPEN, "b": S.CLOSED, "c": S.CLOSED}
    b = Warning.objects.get(key="b")
    assert b.resolution == warnings.RESOLVED and b.closed_at is not None
    assert actions(b) == ["warning.raise", "warning.resolve"]
    # nothing left to resolve: no event, nothing written
    assert warnings.resolve_missing(source="test", rule="rule", keys_still_true=["a"]) == []


def test_a_condition_that_recurs_reopens_its_warning_counted(
    world, django_capture_on_commit_callbacks
):
    heard = []

    def listener(sender, warnings, **kwargs):
        heard.append([w.key for w in warnings])

    warnings.warning_raised.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            first = raise_one(world)
        with django_capture_on_commit_callbacks(execute=True):
            raise_one(world, now=NOW + dt.timedelta(hours=1))  # unchanged: no hook
        warnings.resolve_missing(source="test", rule="rule", keys_still_true=[])
        later = NOW + dt.timedelta(days=30)
        with django_capture_on_commit_callbacks(execute=True):
            again = raise_one(world, now=later)
    finally:
        warnings.warning_raised.disconnect(listener)
    assert again.pk == first.pk
    assert again.status == S.OPEN and again.occurrences == 2
    assert again.raised_at == later and again.closed_at is None and again.resolution == ""
    assert again.due_at > first.due_at  # a new time limit
    assert actions(again) == ["warning.raise", "warning.resolve", "warning.reopen"]
    assert heard == [["k1"], ["k1"]]


def test_a_dismissed_warning_stays_dismissed_while_its_condition_holds(world):
    officer = world.users["integrity"]
    warning = raise_one(world)
    warnings.warning_transition(actor=officer, warning=warning, to=S.CHECKING)
    warnings.warning_transition(
        actor=officer, warning=warning, to=S.DISMISSED, reason="已书面说明原因"
    )
    again = raise_one(world, level=WarningLevel.WARNING)
    assert again.status == S.DISMISSED and again.level == WarningLevel.WARNING


def test_the_office_moves_a_warning_through_its_lifecycle(world):
    officer = world.users["integrity"]
    warning = raise_one(world)
    assert warnings.moves_for(officer, warning) == [S.CHECKING]
    warning = warnings.warning_transition(actor=officer, warning=warning, to=S.CHECKING)
    assert warnings.moves_for(officer, warning) == [S.CONFIRMED, S.DISMISSED]
    warning = warnings.warning_transition(actor=officer, warning=warning, to=S.CONFIRMED)
    warning = warnings.warning_transition(
        actor=officer, warning=warning, to=S.CLOSED, reason="已约谈科主任，复核已完成"
    )
    assert warning.status == S.CLOSED and warning.resolution == "已约谈科主任，复核已完成"
    assert actions(warning) == [
        "warning.raise",
        "warning.check",
        "warning.confirm",
        "warning.close",
    ]
    close = AuditEvent.objects.get(action="warning.close")
    assert close.actor_id == officer.pk
    assert close.before["status"] == "confirmed"
    assert close.after == {"status": "closed", "reason": "已约谈科主任，复核已完成"}
    # the commission's office may move its hospitals' warnings too
    other = raise_one(world, "k2")
    commission = world.users["commission_integrity"]
    assert (
        warnings.warning_transition(actor=commission, warning=other, to=S.CHECKING).status
        == S.CHECKING
    )


@pytest.mark.parametrize(
    ("path", "to", "reason", "code"),
    [
        ((), S.CONFIRMED, "", "transition_refused"),  # open cannot be confirmed unchecked
        ((), S.CLOSED, "结束", "transition_refused"),
        ((S.CHECKING,), S.DISMISSED, "  ", "reason_required"),
        ((S.CHECKING,), S.OPEN, "", "transition_refused"),
        ((S.CHECKING, S.CONFIRMED), S.CLOSED, "", "reason_required"),
        ((S.CHECKING, S.CONFIRMED), S.DISMISSED, "不成立", "transition_refused"),
        ((S.CHECKING,), S.CONFIRMED, "长" * 501, "reason_too_long"),
        ((), "nonsense", "", "transition_refused"),
    ],
)
def test_moves_the_lifecycle_does_not_allow_are_refused(world, path, to, reason, code):
    officer = world.users["integrity"]
    warning = raise_one(world)
    for step in path:
        warning = warnings.warning_transition(
            actor=officer, warning=warning, to=step, reason="说明"
        )
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as refused:
        warnings.warning_transition(actor=officer, warning=warning, to=to, reason=reason)
    assert refused.value.code == code
    assert Warning.objects.get(pk=warning.pk).status == warning.status
    assert AuditEvent.objects.count() == before


def test_only_the_office_above_the_warning_moves_it(world):
    warning = raise_one(world)
    other_office = make_user("h2_integrity", (Role.INTEGRITY, world.other_hospital))
    for user in (world.users["admin"], world.users["dept_head"], other_office):
        with pytest.raises(PermissionDenied):
            warnings.warning_transition(actor=user, warning=warning, to=S.CHECKING)
        assert warnings.moves_for(user, warning) == []
    assert Warning.objects.get(pk=warning.pk).status == S.OPEN


def test_the_time_limit_counts_working_days(world):
    warning = raise_one(world)
    assert warning.due_at == dt.datetime(2026, 6, 15, 23, 59, 59, tzinfo=ZONE)
    assert warning.due_in_calendar_days is False


def test_a_year_the_calendar_does_not_know_falls_back_to_calendar_days(world):
    now = dt.datetime(2031, 6, 9, 10, 0, tzinfo=ZONE)  # 2031 is in no calendar here
    warning = raise_one(world, now=now)
    assert warning.due_at == dt.datetime(2031, 6, 16, 23, 59, 59, tzinfo=ZONE)
    assert warning.due_in_calendar_days is True


def test_a_warning_past_its_time_limit_is_escalated_once(world, django_capture_on_commit_callbacks):
    called, heard = [], []
    warnings.escalation("test", "rule")(lambda group: called.append(sorted(w.key for w in group)))

    def listener(sender, warnings, **kwargs):
        heard.append(sorted(w.key for w in warnings))

    warnings.warning_escalated.connect(listener)
    officer = world.users["integrity"]
    try:
        late = raise_one(world, "late")
        checking = raise_one(world, "checking", level=WarningLevel.WARNING)
        warnings.warning_transition(actor=officer, warning=checking, to=S.CHECKING)
        confirmed = raise_one(world, "confirmed")
        for to in (S.CHECKING, S.CONFIRMED):
            warnings.warning_transition(actor=officer, warning=confirmed, to=to)
        raise_one(world, "fresh", now=NOW + dt.timedelta(days=6))  # its limit is still ahead

        assert warnings.warnings_escalate(now=NOW + dt.timedelta(days=3)) == []
        after = NOW + dt.timedelta(days=8)
        with django_capture_on_commit_callbacks(execute=True):
            escalated = warnings.warnings_escalate(now=after)
        assert sorted(w.key for w in escalated) == ["checking", "late"]
        levels = dict(Warning.objects.values_list("key", "level"))
        assert levels == {
            "late": WarningLevel.WARNING,
            "checking": WarningLevel.CARD,
            "confirmed": WarningLevel.NOTICE,
            "fresh": WarningLevel.NOTICE,
        }
        assert Warning.objects.get(key="late").escalated_at == after
        assert actions(late)[-1] == "warning.escalate"
        assert called == [["checking", "late"]]
        assert heard == [["checking", "late"]]
        # once: a second run finds nothing new, and the checker does not lower the level
        assert warnings.warnings_escalate(now=after + dt.timedelta(days=1)) == []
        assert raise_one(world, "late", now=after).level == WarningLevel.WARNING
    finally:
        warnings.warning_escalated.disconnect(listener)
        warnings._ESCALATIONS.pop(("test", "rule"), None)


def _conditions(world, keys, level=WarningLevel.NOTICE):
    return [
        warnings.Condition(
            key=k,
            organisation=world.hospital if i % 2 else world.other_hospital,
            subject=f"事项 {k}",
            level=level,
            evidence={"n": i},
            evidence_object=world.staff_person,
            owner=world.cardiology if i % 3 else world.head_person,
        )
        for i, k in enumerate(keys)
    ]


def test_raising_in_bulk_takes_a_fixed_number_of_queries(world):
    for model in (type(world.staff_person), type(world.cardiology)):
        ContentType.objects.get_for_model(model)  # cached for the process, as in use
    raise_one(world, "warm-up")  # the audit chain's head row is made by the first event
    counts = []
    for size in (4, 40):
        keys = [f"{size}-{i}" for i in range(size)]
        with CaptureQueriesContext(connection) as created:
            result = warnings.raise_warnings(
                source="bulk", rule="r", conditions=_conditions(world, keys)
            )
        assert len(result.created) == size
        conditions = _conditions(world, keys, level=WarningLevel.WARNING)
        with CaptureQueriesContext(connection) as updated:
            result = warnings.raise_warnings(source="bulk", rule="r", conditions=conditions)
        assert len(result.updated) == size
        with CaptureQueriesContext(connection) as resolved:
            warnings.resolve_missing(source="bulk", rule="r", keys_still_true=keys[:1])
        counts.append((len(created), len(updated), len(resolved)))
    assert counts[0] == counts[1], counts
    assert Warning.objects.filter(source="bulk").count() == 44


def test_an_escalated_warning_tells_its_owner_in_the_inbox(
    world, django_capture_on_commit_callbacks
):
    from lianfang.core.models import Notification

    by_person = raise_one(world, "person")  # owned by the head of 心内科, who has an account
    raise_one(world, "department", owner=world.cardiology)  # reaches the department's heads
    with django_capture_on_commit_callbacks(execute=True):
        warnings.warnings_escalate(now=NOW + dt.timedelta(days=8))
        warnings.warnings_escalate(now=NOW + dt.timedelta(days=9))  # already escalated
    messages = Notification.objects.filter(kind="warning.escalated")
    assert [m.recipient for m in messages] == [world.users["dept_head"]] * 2
    assert {m.subject for m in messages} == {"预警已升级为“预警”：复核逾期"}
    assert by_person.pk in {int(m.key.split(":")[1]) for m in messages}
