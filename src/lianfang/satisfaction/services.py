"""Every write of the satisfaction module: one-time tokens, answers (one at a time from the
phone page, many at a time through `answers_write`), and the flags of suspected stuffing.

The rules of an answer (`_check_answer`) and of the flags (`detect`) are shared by the single
service and the bulk writer. Nothing here stores or reads an IP address or a user agent.
"""

import datetime as dt
import hashlib
import hmac
import secrets
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lianfang.core import audit, orgsettings
from lianfang.core.bulk import update_rows, write_checked
from lianfang.core.errors import RowIssue

from . import org_settings
from .models import SCALE, Answer, Dimension, Questionnaire, Review, Token

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # 32 symbols: no 0/O, no 1/I
TOKEN_LENGTH = 12  # 60 bits
MAX_COMMENT = 500
FLAGS = ("burst", "identical", "off_hours")


class TokenRefused(ValidationError):
    """A code that is unknown, or was used already (`code` says which)."""


# Tokens ---------------------------------------------------------------------------------------


def normalise_code(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def _digest(code: str) -> str:
    return hashlib.sha256(normalise_code(code).encode()).hexdigest()


def _keyed(purpose: str, organisation, text: str) -> bytes:
    message = f"satisfaction.{purpose}:{organisation.pk}:{text}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).digest()


def _code_of(raw: bytes) -> str:
    number = int.from_bytes(raw[:8], "big")
    return "".join(ALPHABET[(number >> (5 * i)) & 31] for i in range(TOKEN_LENGTH))


@transaction.atomic
def token_issue(
    *, actor, department, visit: str = "", source=Token.Source.HIS
) -> tuple[str, Token]:
    """A one-time code for one answer about `department`: (the code, its token). With a `visit`
    (the HIS's visit or discharge number) the code is derived from it, so asking again for the
    same visit gives the same code and no second token; only a keyed hash of the visit is kept."""
    organisation = department.organisation
    visit = (visit or "").strip()
    if len(visit) > 64 or "\x00" in visit:
        raise ValidationError(_("就诊号不能超过 64 个字符。"), code="visit")
    if visit:
        code = _code_of(_keyed("token", organisation, visit))
        visit_digest = _keyed("visit", organisation, visit).hex()
        existing = Token.objects.filter(
            organisation=organisation, visit_digest=visit_digest
        ).first()
        if existing is not None:
            return code, existing
    else:
        code = "".join(secrets.choice(ALPHABET) for _i in range(TOKEN_LENGTH))
        visit_digest = ""
    token = Token.objects.create(
        organisation=organisation,
        department=department,
        digest=_digest(code),
        visit_digest=visit_digest,
        source=source,
        issued_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="satisfaction.token.issue",
        obj=token,
        object_repr=department.name,
        after={"department": [department.pk, department.name], "source": source},
    )
    return code, token


@transaction.atomic
def tokens_issue(*, actor, department, count: int) -> list[tuple[str, Token]]:
    """`count` codes for printed slips (打印凭条): (code, token) each, one audit event for all."""
    if not 1 <= count <= 500:
        raise ValidationError(_("一次可打印 1 至 500 个评价码。"), code="count")
    now = timezone.now()
    codes = ["".join(secrets.choice(ALPHABET) for _i in range(TOKEN_LENGTH)) for _n in range(count)]
    tokens = Token.objects.bulk_create(
        Token(
            organisation=department.organisation,
            department=department,
            digest=_digest(code),
            source=Token.Source.SLIP,
            issued_at=now,
        )
        for code in codes
    )
    audit.record(
        actor=actor,
        action="satisfaction.token.print",
        obj=department,
        after={"department": [department.pk, department.name], "count": count},
    )
    return list(zip(codes, tokens, strict=True))


def token_find(code: str) -> Token | None:
    code = normalise_code(code)
    if len(code) != TOKEN_LENGTH:
        return None
    return (
        Token.objects.filter(digest=_digest(code))
        .select_related("department__organisation")
        .first()
    )


# Answers --------------------------------------------------------------------------------------


@dataclass
class AnswerRow:
    """One answer to write: the scores by item key (1–5; an item may be left out)."""

    department: object
    questionnaire: Questionnaire
    scores: dict
    submitted_at: dt.datetime
    comment: str = ""
    person: object = None
    token: Token | None = None


def _pattern(scores: dict, comment: str) -> str:
    text = ",".join(f"{k}={scores[k]}" for k in sorted(scores)) + "|" + " ".join(comment.split())
    return hashlib.sha256(text.encode()).hexdigest()


def _check_answer(row: AnswerRow, items) -> tuple[Answer | None, list[tuple[str | None, str]]]:
    """The answer `row` makes, or the problems (field, message). `items` are the
    questionnaire's, in order."""
    problems = []
    by_key = {item.key: item for item in items}
    scores = {}
    for key, value in (row.scores or {}).items():
        if key not in by_key:
            problems.append(("scores", _("问卷中没有题目“%(key)s”。") % {"key": key}))
        elif value not in SCALE:
            problems.append(("scores", _("每题请在 1 至 5 分之间选择。")))
        else:
            scores[key] = value
    if not scores and not problems:
        problems.append(("scores", _("请至少为一道题目打分。")))
    comment = (row.comment or "").strip()
    if len(comment) > MAX_COMMENT:
        problems.append(("comment", _("意见建议不能超过 %(n)s 个字。") % {"n": MAX_COMMENT}))
    if "\x00" in comment:
        problems.append(("comment", _("意见建议含有无法保存的字符。")))
    department = row.department
    if row.questionnaire.organisation_id != department.organisation_id:
        problems.append(("questionnaire", _("问卷不属于该科室所在单位。")))
    if row.person is not None and row.person.department_id != department.pk:
        problems.append(("person", _("所选医务人员不在该科室。")))
    if row.token is not None and row.token.department_id != department.pk:
        problems.append(("token", _("评价码不属于该科室。")))
    if problems:
        return None, problems

    def mean(dimension):
        values = [v for k, v in scores.items() if by_key[k].dimension == dimension]
        return sum(values) / len(values) if values else None

    answer = Answer(
        organisation=department.organisation,
        department=department,
        person=row.person,
        questionnaire=row.questionnaire,
        token=row.token,
        tokened=row.token is not None,
        submitted_at=row.submitted_at,
        scores=scores,
        care=mean(Dimension.CARE),
        service=mean(Dimension.SERVICE),
        score=sum(scores.values()) / len(scores),
        pattern=_pattern(scores, comment),
        comment=comment,
    )
    return answer, []


@dataclass(frozen=True)
class Rules:
    """The stuffing rules of one organisation, read from its settings."""

    window: dt.timedelta
    burst_count: int
    identical_count: int
    open_from: int
    open_until: int

    @classmethod
    def of(cls, organisation) -> "Rules":
        found = orgsettings.values_for([organisation], org_settings.KEYS)

        def values(key):
            return found[organisation.pk, key]

        return cls(
            window=dt.timedelta(minutes=values(org_settings.BURST_WINDOW)),
            burst_count=values(org_settings.BURST_COUNT),
            identical_count=values(org_settings.IDENTICAL_COUNT),
            open_from=values(org_settings.OPEN_FROM),
            open_until=values(org_settings.OPEN_UNTIL),
        )


def _uniform_without_comment(answer: Answer) -> bool:
    # "All 5, no comment" is what most honest patients send: alike is no evidence there.
    return not answer.comment and len(set(answer.scores.values())) <= 1


def detect(answers: list[Answer], rules: Rules) -> set[int]:
    """Set the flags of `answers` (of one department, any order) by `rules`; the indexes of
    those whose flags changed. A burst: `burst_count` answers within `window`, all of them
    flagged; identical: `identical_count` equal answers (scores and comment) within `window`;
    off hours: submitted before `open_from` or from `open_until` (local time)."""
    changed = set()
    order = sorted(range(len(answers)), key=lambda i: answers[i].submitted_at)
    new = {i: {name: getattr(answers[i], name) for name in FLAGS} for i in order}
    for i in order:
        hour = timezone.localtime(answers[i].submitted_at).hour
        if hour < rules.open_from or hour >= rules.open_until:
            new[i]["off_hours"] = True
    start = 0
    same: dict[str, list[int]] = defaultdict(list)
    for end, i in enumerate(order):
        now = answers[i].submitted_at
        while answers[order[start]].submitted_at <= now - rules.window:
            gone = order[start]
            same[answers[gone].pattern].remove(gone)
            start += 1
        if end - start + 1 >= rules.burst_count:
            for j in order[start : end + 1]:
                new[j]["burst"] = True
        alike = same[answers[i].pattern]
        alike.append(i)
        if not _uniform_without_comment(answers[i]) and len(alike) >= rules.identical_count:
            for j in alike:
                new[j]["identical"] = True
    for i, flags in new.items():
        answer = answers[i]
        if any(getattr(answer, name) != value for name, value in flags.items()):
            for name, value in flags.items():
                setattr(answer, name, value)
            # an answer the office cleared counts whatever else is found about it later
            answer.flagged = any(flags.values()) and answer.review != Review.CLEARED
            changed.add(i)
    return changed


def _audit_after(answer: Answer) -> dict:
    # What the audit keeps of an answer: where and how it came, never who sent it.
    return {
        "department": [answer.department_id, answer.department.name],
        "tokened": answer.tokened,
        "score": round(answer.score, 2),
        "flags": [name for name in FLAGS if getattr(answer, name)],
    }


def answer_submit(
    *,
    department,
    questionnaire: Questionnaire,
    scores: dict,
    comment: str = "",
    person=None,
    code: str = "",
    now: dt.datetime | None = None,
) -> Answer:
    """Record a patient's answer (no actor: the public). With a `code` it must be a known,
    unused code of `department`: one code, one answer, also when two submits race (the
    token's row is locked, and the answer's token is unique). Flags of stuffing are set on
    the new answer and on the department's answers of the last window."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            token = None
            if code:
                found = token_find(code)
                if found is None:
                    raise TokenRefused(_("评价码无效，请核对后重新输入。"), code="unknown")
                token = Token.objects.select_for_update().get(pk=found.pk)
                if token.used_at is not None:
                    raise TokenRefused(
                        _("该评价码已使用过，每个评价码只能评价一次。感谢您的参与！"), code="used"
                    )
                if token.department_id != department.pk:
                    raise TokenRefused(_("评价码不属于该科室。"), code="department")
            row = AnswerRow(department, questionnaire, scores, now, comment, person, token)
            answer, problems = _check_answer(row, list(questionnaire.items.all()))
            if problems:
                raise ValidationError({field or "__all__": [msg] for field, msg in problems})
            answer.save()
            if token is not None:
                token.used_at = now
                token.save(update_fields=["used_at"])
            _flag_around(department, answer, Rules.of(department.organisation))
            audit.record(
                actor=None,
                action="satisfaction.answer.submit",
                obj=answer,
                object_repr=department.name,
                after=_audit_after(answer),
            )
            return answer
    except IntegrityError:
        # A concurrent submit used the code first (the unique token of the answer).
        raise TokenRefused(
            _("该评价码已使用过，每个评价码只能评价一次。感谢您的参与！"), code="used"
        ) from None


def _flag_around(department, answer: Answer, rules: Rules) -> None:
    recent = list(
        Answer.objects.filter(
            department=department,
            submitted_at__gt=answer.submitted_at - rules.window,
            submitted_at__lte=answer.submitted_at + rules.window,
        ).exclude(pk=answer.pk)
    )
    answers = [*recent, answer]
    changed = detect(answers, rules)
    update_rows([answers[i] for i in changed if answers[i] is not answer], [*FLAGS, "flagged"])
    if answer.flagged:
        answer.save(update_fields=[*FLAGS, "flagged"])


def answers_check(rows: list[AnswerRow]) -> tuple[list[Answer], list[RowIssue]]:
    """The answers `rows` make, or every problem of every row (keyed by the row's index)."""
    items: dict[int, list] = {}
    answers, issues = [], []
    for index, row in enumerate(rows):
        q = row.questionnaire
        if q.pk not in items:
            items[q.pk] = list(q.items.all())
        answer, problems = _check_answer(row, items[q.pk])
        issues += [RowIssue(index, field, message) for field, message in problems]
        answers.append(answer)
    return answers, issues


def answers_write(*, actor, rows: list[AnswerRow], action_prefix: str = "") -> list[Answer]:
    """The bulk writer: every row checked by the rules of `answer_submit`, nothing written if
    one fails (`RowsInvalid`), then the answers inserted, flagged by department (with the
    answers already stored around them) and audited with the same action, one event each.
    Tokens are not taken here: bulk rows are the demo's and an import's, not the public's."""

    def write(answers):
        by_department = defaultdict(list)
        for answer in answers:
            by_department[answer.department_id].append(answer)
        rules = {}
        for department_id, group in by_department.items():
            organisation = group[0].department.organisation
            if organisation.pk not in rules:
                rules[organisation.pk] = Rules.of(organisation)
            rule = rules[organisation.pk]
            start = min(a.submitted_at for a in group) - rule.window
            end = max(a.submitted_at for a in group) + rule.window
            stored = list(
                Answer.objects.filter(
                    department_id=department_id, submitted_at__gt=start, submitted_at__lt=end
                )
            )
            changed = detect([*stored, *group], rule)
            update_rows([stored[i] for i in changed if i < len(stored)], [*FLAGS, "flagged"])
        Answer.objects.bulk_create(answers, batch_size=2000)
        tokens = [answer.token for answer in answers if answer.token is not None]
        for answer in answers:
            if answer.token is not None:
                answer.token.used_at = answer.submitted_at
        update_rows(tokens, ["used_at"])
        audit.record_many(
            actor=actor,
            changes=[
                audit.Change(
                    action=f"{action_prefix}satisfaction.answer.submit",
                    obj=answer,
                    organisation=answer.organisation,
                    object_repr=answer.department.name,
                    after=_audit_after(answer),
                )
                for answer in answers
            ],
        )
        return answers

    return write_checked(lambda: answers_check(rows), write)


# The office's review of flagged answers ----------------------------------------------------------

MAX_REVIEW = 500


@transaction.atomic
def answers_review(*, actor, answers, decision: str, reason: str) -> int:
    """The integrity office clears the flags of `answers` (they then count, with their
    weight) or confirms them (they stay out of the results), with a reason; one audit event
    per answer with the decision before and after. Every answer must carry a flag and be of an
    organisation the office writes (`core.scoping.write_reach`): a commission supervising
    its hospitals read-only reviews nothing. Returns how many changed."""
    from lianfang.core.roles import Role
    from lianfang.core.scoping import write_reach

    if decision not in (Review.CLEARED, Review.CONFIRMED):
        raise ValidationError({"decision": _("请选择解除存疑或确认存疑。")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写核查说明。")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("核查说明不能超过 500 字。")})
    ids = sorted({a.pk if hasattr(a, "pk") else int(a) for a in answers})
    if not ids:
        raise ValidationError(_("请选择要核查的评价。"))
    if len(ids) > MAX_REVIEW:
        raise ValidationError(_("一次最多核查 %(n)s 份评价。") % {"n": MAX_REVIEW})
    reach = write_reach(getattr(actor, "active_grants", ()), (Role.INTEGRITY,))
    rows = list(
        Answer.objects.select_for_update()
        .filter(pk__in=ids)
        .select_related("department", "organisation")
        .order_by("pk")
    )
    if len(rows) != len(ids) or not all(reach.covers(a.organisation.path) for a in rows):
        raise PermissionDenied
    if not all(any(getattr(a, name) for name in FLAGS) for a in rows):
        raise ValidationError(_("只能核查被标记为存疑的评价。"))
    now = timezone.now()
    changes = []
    action = "clear" if decision == Review.CLEARED else "confirm"
    for answer in rows:
        if answer.review == decision:
            continue
        before = {"review": answer.review, "flagged": answer.flagged}
        answer.review = decision
        answer.review_reason = reason
        answer.reviewed_by = actor
        answer.reviewed_at = now
        answer.flagged = decision == Review.CONFIRMED
        changes.append(
            audit.Change(
                action=f"satisfaction.answer.{action}",
                obj=answer,
                organisation=answer.organisation,
                object_repr=answer.department.name,
                before=before,
                after={
                    **_audit_after(answer),
                    "review": decision,
                    "flagged": answer.flagged,
                    "reason": reason,
                },
            )
        )
    changed = [a for a in rows if a.reviewed_at == now]
    update_rows(changed, ["review", "review_reason", "reviewed_by", "reviewed_at", "flagged"])
    if changes:
        audit.record_many(actor=actor, changes=changes)
    return len(changed)
