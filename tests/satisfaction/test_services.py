import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from lianfang.core.errors import RowsInvalid
from lianfang.core.models import AuditEvent
from lianfang.satisfaction import services
from lianfang.satisfaction.models import Answer, Token

from .helpers import at, questionnaire, rows, scores

pytestmark = pytest.mark.django_db


def submit(world, q, **kwargs):
    kwargs.setdefault("scores", scores(4))
    kwargs.setdefault("now", at())
    return services.answer_submit(department=world.cardiology, questionnaire=q, **kwargs)


def test_an_answer_keeps_its_version_its_means_and_nothing_about_the_sender(world):
    q = questionnaire(world.hospital)
    answer = submit(
        world,
        q,
        scores=scores(5, explain=3, waiting=2),
        comment="  医生很耐心 ",
        person=world.staff_person,
    )
    assert answer.questionnaire == q and answer.comment == "医生很耐心"
    assert answer.care == pytest.approx((3 + 5 + 5 + 5 + 5) / 5)
    assert answer.service == pytest.approx((5 + 2 + 5) / 3)
    assert not answer.tokened and not answer.flagged
    names = {f.name for f in Answer._meta.get_fields()}
    assert not names & {"ip", "ip_address", "user_agent", "address", "remote_addr"}
    event = AuditEvent.objects.get(action="satisfaction.answer.submit")
    assert event.actor_id is None and event.organisation_id == world.hospital.pk


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"scores": {"explain": 6}}, "1 至 5"),
        ({"scores": {"nope": 3}}, "没有题目"),
        ({"scores": {}}, "至少"),
        ({"comment": "长" * 501}, "不能超过"),
    ],
)
def test_bad_answers_are_refused_with_a_chinese_message(world, kwargs, message):
    q = questionnaire(world.hospital)
    with pytest.raises(ValidationError, match=message):
        submit(world, q, **kwargs)
    assert not Answer.objects.exists()


def test_a_person_of_another_department_cannot_be_named(world):
    q = questionnaire(world.hospital)
    with pytest.raises(ValidationError, match="不在该科室"):
        submit(world, q, person=world.procurement_person)


def test_one_token_one_answer(world):
    q = questionnaire(world.hospital)
    code, token = services.token_issue(actor=None, department=world.cardiology, visit="ZY2026-1")
    answer = submit(world, q, code=services.format_code(code).lower())
    assert answer.tokened and answer.token == token
    with pytest.raises(services.TokenRefused, match="已使用过") as refused:
        submit(world, q, code=code)
    assert refused.value.code == "used"
    assert Answer.objects.count() == 1
    token.refresh_from_db()
    assert token.used_at is not None


def test_a_token_answers_only_for_its_department_and_a_wrong_one_is_unknown(world):
    q = questionnaire(world.hospital)
    code, _token = services.token_issue(actor=None, department=world.procurement)
    with pytest.raises(services.TokenRefused, match="不属于该科室"):
        submit(world, q, code=code)
    with pytest.raises(services.TokenRefused, match="无效"):
        submit(world, q, code="ABCD-EFGH-JKLM")
    assert not Answer.objects.exists()


def test_the_same_visit_gets_the_same_code_and_only_hashes_are_kept(world):
    first, token = services.token_issue(actor=None, department=world.cardiology, visit="V-77")
    again, same = services.token_issue(actor=None, department=world.cardiology, visit="V-77")
    other, _ = services.token_issue(actor=None, department=world.cardiology, visit="V-78")
    assert first == again and same == token and other != first
    assert Token.objects.count() == 2
    stored = Token.objects.values_list("digest", "visit_digest")
    assert all(first not in d and "V-77" not in v for d, v in stored)
    assert len(first) == services.TOKEN_LENGTH


def test_slips_are_distinct_one_time_codes(world):
    issued = services.tokens_issue(
        actor=world.users["admin"], department=world.cardiology, count=30
    )
    assert len({code for code, _token in issued}) == 30
    assert all(services.token_find(code) == token for code, token in issued[:3])
    assert Token.objects.filter(source=Token.Source.SLIP).count() == 30
    with pytest.raises(ValidationError):
        services.tokens_issue(actor=None, department=world.cardiology, count=501)


def test_a_burst_is_flagged_and_kept(world):
    q = questionnaire(world.hospital)
    start = at(hour=10)
    for i in range(14):
        submit(world, q, now=start + dt.timedelta(seconds=20 * i))
    assert not Answer.objects.filter(flagged=True).exists()
    submit(world, q, now=start + dt.timedelta(minutes=5))  # the 15th within 10 minutes
    assert Answer.objects.count() == 15
    assert Answer.objects.filter(flagged=True, burst=True).count() == 15
    later = submit(world, q, now=start + dt.timedelta(hours=2))
    assert not later.flagged


def test_identical_answers_with_a_comment_are_flagged_but_plain_all_fives_are_not(world):
    q = questionnaire(world.hospital)
    start = at(hour=9)
    for i in range(5):
        submit(world, q, scores=scores(5), now=start + dt.timedelta(minutes=i))
    assert not Answer.objects.filter(flagged=True).exists()
    for i in range(5):
        submit(
            world,
            q,
            scores=scores(5),
            comment="服务很好",
            now=start + dt.timedelta(minutes=6 + i // 2, seconds=i),
        )
    assert Answer.objects.filter(identical=True).count() == 5
    assert not Answer.objects.filter(identical=True, comment="").exists()


def test_answers_outside_opening_hours_are_flagged(world):
    q = questionnaire(world.hospital)
    night = submit(world, q, now=at(hour=3))
    day = submit(world, q, now=at(hour=11))
    late = submit(world, q, now=at(hour=22, minute=30))
    assert night.off_hours and night.flagged and late.off_hours and not day.flagged


def test_the_bulk_writer_applies_the_same_rules_as_the_single_service(world):
    q = questionnaire(world.hospital)
    burst = rows(world.cardiology, q, 16, start=at(hour=15), step=dt.timedelta(seconds=30))
    spread = rows(world.procurement, q, 5, start=at(hour=12))
    written = services.answers_write(actor=None, rows=burst + spread)
    assert len(written) == 21
    assert Answer.objects.filter(department=world.cardiology, burst=True).count() == 16
    flagged_elsewhere = Answer.objects.filter(department=world.procurement, flagged=True)
    assert [a.off_hours for a in flagged_elsewhere] == [True] * flagged_elsewhere.count()
    assert AuditEvent.objects.filter(action="satisfaction.answer.submit").count() == 21
    # The single service, fed the same answers one by one, flags the same ones.
    single = {}
    Answer.objects.all().delete()
    for row in burst + spread:
        a = services.answer_submit(
            department=row.department,
            questionnaire=q,
            scores=row.scores,
            now=row.submitted_at,
        )
        single[a.pk] = a
    bulk_flags = sorted((a.submitted_at, a.burst, a.off_hours) for a in written)
    one_flags = sorted(
        (a.submitted_at, a.burst, a.off_hours) for a in Answer.objects.order_by("pk")
    )
    assert bulk_flags == one_flags


def test_the_bulk_writer_writes_nothing_when_a_row_is_wrong(world):
    q = questionnaire(world.hospital)
    good = rows(world.cardiology, q, 3)
    bad = rows(world.cardiology, q, 1)
    bad[0].scores = {"explain": 9}
    with pytest.raises(RowsInvalid) as refused:
        services.answers_write(actor=None, rows=good + bad)
    assert [issue.row for issue in refused.value.issues] == [3]
    assert not Answer.objects.exists()
