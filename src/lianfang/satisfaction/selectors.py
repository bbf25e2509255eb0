"""Reads of the satisfaction module. Each starts from `answers_visible_to(user)`.

Results are weighted means: an answer with a one-time code weighs 1, a poster answer the
organisation's `satisfaction.poster_weight` (default 30%), a flagged answer 0 (it stays stored
and listed for the integrity office, but does not move the score). Scores are shown on the
hundred-point scale hospitals report (5 points = 100). The 95% confidence interval uses the
weighted variance and Kish's effective sample size, with Student's t for small samples.
"""

import datetime as dt
import math
import re
from collections import Counter
from dataclasses import dataclass

from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from lianfang.core import orgsettings
from lianfang.core.roles import Role
from lianfang.core.scoping import register, scope_of
from lianfang.org.models import Department, Organisation, Person

from . import org_settings
from .models import Answer

HUNDRED = 20  # a mean on the 5-point scale times 20 is the hundred-point score
# Student's t (two-sided 95%) for small degrees of freedom; 1.96 beyond.
_T95 = {1: 12.71, 2: 4.30, 3: 3.18, 4: 2.78, 5: 2.57, 6: 2.45, 7: 2.36, 8: 2.31, 9: 2.26,
        10: 2.23, 12: 2.18, 15: 2.13, 20: 2.09, 25: 2.06, 30: 2.04, 60: 2.00}  # fmt: skip


def _t95(df: float) -> float:
    for limit in sorted(_T95):
        if df <= limit:
            return _T95[limit]
    return 1.96


def _grant_paths(user, roles) -> list[str]:
    return [g.organisation.path for g in getattr(user, "active_grants", ()) if g.role in roles]


def departments_in_reach(user) -> QuerySet[Department]:
    """The departments whose results `user` sees: all in the subtrees of the integrity office,
    the administrators and the leaders; a department head their own department."""
    scope = scope_of(user)
    if scope.is_empty:
        return Department.objects.none()
    q = scope.subtree_q("organisation__path") | Q(pk__in=scope.headed_department_ids)
    for path in _grant_paths(user, (Role.LEADER,)):
        q |= Q(organisation__path__startswith=path)
    return Department.objects.filter(q)


@register(Answer)
def answers_visible_to(user) -> QuerySet[Answer]:
    return Answer.objects.filter(department__in=departments_in_reach(user).values("pk"))


def flagged_visible_to(user, review: str | None = None) -> QuerySet[Answer]:
    """The answers marked as possible stuffing that the integrity office of their
    organisations may read: those waiting for its review (`review=""`, what counts as 存疑),
    those it cleared or confirmed, or all of them (None)."""
    scope = scope_of(user)
    if Role.INTEGRITY not in scope.roles:
        return Answer.objects.none()
    paths = _grant_paths(user, (Role.INTEGRITY,))
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(department__organisation__path__startswith=path)
    marked = Q(burst=True) | Q(identical=True) | Q(off_hours=True) | Q(flagged=True)
    qs = Answer.objects.filter(q).filter(marked)
    if review == "":
        return qs.filter(flagged=True, review="")
    if review is not None:
        return qs.filter(review=review)
    return qs


# Statistics -----------------------------------------------------------------------------------


@dataclass
class Stat:
    """The results of one unit (a department, a person, a month)."""

    key: object
    label: str
    count: int = 0  # answers counted (not flagged)
    tokened: int = 0
    flagged: int = 0
    weight: float = 0.0
    mean: float | None = None  # hundred-point
    low: float | None = None
    high: float | None = None
    care: float | None = None
    service: float | None = None
    ranked: bool = False
    rank: int | None = None
    obj: object = None

    @property
    def poster(self) -> int:
        return self.count - self.tokened


def _weight(organisation_ids) -> Case:
    """The weight of an answer: 0 flagged, 1 with a code, else its organisation's poster weight."""
    weights = orgsettings.values_for(
        list(Organisation.objects.filter(pk__in=organisation_ids)), [org_settings.POSTER_WEIGHT]
    )
    whens = [When(flagged=True, then=Value(0.0)), When(tokened=True, then=Value(1.0))]
    whens += [
        When(organisation_id=pk, then=Value(value / 100)) for (pk, _key), value in weights.items()
    ]
    return Case(*whens, default=Value(0.3), output_field=FloatField())


def _aggregates(weight):
    w = weight
    return {
        "n": Count("pk", filter=Q(flagged=False)),
        "tok": Count("pk", filter=Q(flagged=False, tokened=True)),
        "flg": Count("pk", filter=Q(flagged=True)),
        "sw": Sum(w),
        "sw2": Sum(w * w),
        "sws": Sum(w * F("score")),
        "sws2": Sum(w * F("score") * F("score")),
        "swc": Sum(w * F("care"), filter=Q(care__isnull=False)),
        "swc0": Sum(w, filter=Q(care__isnull=False)),
        "swv": Sum(w * F("service"), filter=Q(service__isnull=False)),
        "swv0": Sum(w, filter=Q(service__isnull=False)),
    }


def _fill(stat: Stat, row: dict) -> Stat:
    stat.count, stat.tokened, stat.flagged = row["n"], row["tok"], row["flg"]
    sw = row["sw"] or 0.0
    stat.weight = sw
    if sw <= 0:
        return stat
    mean = row["sws"] / sw
    variance = max(row["sws2"] / sw - mean * mean, 0.0)
    n_eff = sw * sw / row["sw2"] if row["sw2"] else 0
    stat.mean = mean * HUNDRED
    if n_eff > 1:
        half = _t95(n_eff - 1) * math.sqrt(variance / (n_eff - 1)) * HUNDRED
        stat.low, stat.high = max(stat.mean - half, 20.0), min(stat.mean + half, 100.0)
    if row["swc0"]:
        stat.care = row["swc"] / row["swc0"] * HUNDRED
    if row["swv0"]:
        stat.service = row["swv"] / row["swv0"] * HUNDRED
    return stat


def month_start(months_back: int, today: dt.date | None = None) -> dt.datetime:
    """The start (local midnight) of the month `months_back` before this one."""
    today = today or timezone.localdate()
    index = today.year * 12 + today.month - 1 - months_back
    return timezone.make_aware(dt.datetime(index // 12, index % 12 + 1, 1))


def _rank(stats: list[Stat], minimum: dict[int, int], org_of) -> None:
    """Rank the units with at least their organisation's minimum count, best first."""
    for stat in stats:
        stat.ranked = stat.mean is not None and stat.count >= minimum.get(org_of(stat), 30)
    ranked = sorted((s for s in stats if s.ranked), key=lambda s: -s.mean)
    for position, stat in enumerate(ranked, start=1):
        stat.rank = position


def _minimums(organisation_ids) -> dict[int, int]:
    orgs = list(Organisation.objects.filter(pk__in=organisation_ids))
    values = orgsettings.values_for(orgs, [org_settings.MIN_RANKED])
    return {pk: value for (pk, _key), value in values.items()}


def department_results(*, user, since: dt.datetime, organisation=None) -> list[Stat]:
    """Every department in the user's reach with its results since `since`, ranked. Four
    queries, whatever the number of departments and answers."""
    departments = departments_in_reach(user).filter(active=True).select_related("organisation")
    if organisation is not None:
        departments = departments.filter(organisation=organisation)
    departments = list(departments.order_by("organisation__path", "order", "name"))
    org_ids = {d.organisation_id for d in departments}
    rows = (
        Answer.objects.filter(department__in=[d.pk for d in departments], submitted_at__gte=since)
        .values("department_id")
        .annotate(**_aggregates(_weight(org_ids)))
    )
    by_department = {row["department_id"]: row for row in rows}
    stats = []
    for department in departments:
        stat = Stat(key=department.pk, label=department.name, obj=department)
        if department.pk in by_department:
            _fill(stat, by_department[department.pk])
        stats.append(stat)
    _rank(stats, _minimums(org_ids), lambda s: s.obj.organisation_id)
    return stats


def person_results(*, department, since: dt.datetime) -> list[Stat]:
    """The people of `department` named in answers since `since`, ranked. Three queries."""
    rows = (
        Answer.objects.filter(department=department, person__isnull=False, submitted_at__gte=since)
        .values("person_id")
        .annotate(**_aggregates(_weight([department.organisation_id])))
    )
    rows = {row["person_id"]: row for row in rows}
    people = Person.objects.filter(pk__in=list(rows)).only("pk", "name", "title")
    stats = [
        _fill(Stat(key=p.pk, label=p.name, obj=p), rows[p.pk])
        for p in sorted(people, key=lambda p: p.name)
    ]
    _rank(stats, _minimums([department.organisation_id]), lambda s: department.organisation_id)
    return stats


def department_total(*, department, since: dt.datetime) -> Stat:
    row = Answer.objects.filter(department=department, submitted_at__gte=since).aggregate(
        **_aggregates(_weight([department.organisation_id]))
    )
    return _fill(Stat(key=department.pk, label=department.name, obj=department), row)


def monthly(answers: QuerySet[Answer], *, organisation_ids, since: dt.datetime) -> list[Stat]:
    """Results by month of `answers` since `since` (month-on-month trend). One query."""
    rows = (
        answers.filter(submitted_at__gte=since)
        .annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(**_aggregates(_weight(organisation_ids)))
        .order_by("month")
    )
    return [_fill(Stat(key=row["month"], label=f"{row['month']:%Y-%m}"), row) for row in rows]


def trend_chart(stats: list[Stat]) -> dict:
    """The trend's ECharts data: months, and the overall, care and service series."""

    def r(value):
        return None if value is None else round(value, 1)

    return {
        "months": [s.label for s in stats],
        "mean": [r(s.mean) for s in stats],
        "care": [r(s.care) for s in stats],
        "service": [r(s.service) for s in stats],
        "count": [s.count for s in stats],
    }


# Comments -------------------------------------------------------------------------------------

_CJK_RUN = re.compile(r"[\u4e00-\u9fff]{2,}")
# Words that say nothing about the care: fillers, pronouns, the questionnaire's own words.
STOP = frozenset(
    "我们 你们 他们 医院 就是 但是 因为 所以 非常 比较 希望 还是 没有 一个 这个 那个 可以 "
    "感觉 觉得 有点 一些 时候 什么 然后 已经 医生 护士 谢谢 感谢".split()
)


def keywords(comments: list[str], *, top: int = 20) -> list[tuple[str, int]]:
    """The most frequent 2–4-character terms of `comments` (counted once per comment); a term
    inside a longer one found as often is left out."""
    counts: Counter = Counter()
    for comment in comments:
        seen = set()
        for run in _CJK_RUN.findall(comment):
            for size in (2, 3, 4):
                for i in range(len(run) - size + 1):
                    seen.add(run[i : i + size])
        counts.update(term for term in seen if term not in STOP)
    frequent = [(t, n) for t, n in counts.most_common(top * 5) if n >= 2]
    kept = [
        (t, n)
        for t, n in frequent
        if not any(t != longer and t in longer and m >= n for longer, m in frequent)
    ]
    return kept[:top]


def comments_of(*, department, since: dt.datetime) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(department=department, submitted_at__gte=since)
        .exclude(comment="")
        .select_related("person")
    )


# The public page ------------------------------------------------------------------------------


def staff_choices(department) -> list[tuple[int, str]]:
    """Who a patient may name: the department's people in post, by name and title only."""
    people = (
        Person.objects.filter(department=department, active=True)
        .order_by("name")
        .values_list("pk", "name", "title")
    )
    return [(pk, f"{name}（{title}）" if title else name) for pk, name, title in people]
