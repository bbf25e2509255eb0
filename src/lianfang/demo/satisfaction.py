"""The demo hospital's patient satisfaction: the standard questionnaire, 20,000 answers over
the last twelve months through the module's bulk writer (about 60% with a one-time code from
printed slips, the rest from the posters), one department whose service slipped for the last
two months (its warning is raised by the demo's warning check), and one department whose
answers were stuffed one night: sixty identical five-star answers in twenty minutes, which the
writer flags (burst, identical, outside opening hours) and the integrity office lists.
"""

import datetime as dt
import random
from dataclasses import dataclass

from django.utils import timezone

from lianfang.org.models import Department, Person
from lianfang.satisfaction import services
from lianfang.satisfaction.questionnaires import questionnaire_import

ANSWERS = 20_000
STUFFED = 60
TOKENED = 0.6
NAMED = 0.35
COMMENTED = 0.15
COMMENTS_GOOD = [
    "医生解释病情很耐心，谢谢",
    "护士态度很好，打针技术好",
    "病房环境干净整洁",
    "就诊流程清楚，指引明确",
    "医生医术高明，服务热情",
]
COMMENTS_BAD = [
    "排队等待时间太长",
    "检查预约等待时间太长",
    "收费清单看不懂，希望解释清楚",
    "护士态度一般，呼叫响应慢",
    "病房卫生间不够干净",
    "挂号排队时间太长，流程繁琐",
]
STUFFED_COMMENT = "医生非常好服务非常好"


@dataclass
class SatisfactionResult:
    answers: int
    tokened: int
    flagged: int
    low_department: str
    stuffed_department: str


def _departments(hospital) -> list[Department]:
    kinds = (Department.Kind.CLINICAL, Department.Kind.MEDICAL_TECH)
    return list(
        Department.objects.filter(organisation=hospital, kind__in=kinds, active=True)
        .select_related("organisation")
        .order_by("order", "pk")
    )


def load_satisfaction(hospital, *, seed: int, actor, today: dt.date | None = None):
    rng = random.Random(seed * 7919 + hospital.pk)
    today = today or timezone.localdate()
    questionnaire, _created = questionnaire_import(actor=actor, organisation=hospital)
    items = list(questionnaire.items.all())
    departments = _departments(hospital)
    if not departments:
        return SatisfactionResult(0, 0, 0, "", "")
    people: dict[int, list[Person]] = {}
    for person in Person.objects.filter(department__in=departments, active=True).only(
        "pk", "department_id"
    ):
        people.setdefault(person.department_id, []).append(person)
    quality = {d.pk: rng.uniform(3.9, 4.7) for d in departments}
    low, stuffed = departments[0], departments[min(1, len(departments) - 1)]
    first_low = today.replace(day=1) - dt.timedelta(days=1)
    first_low = (first_low.replace(day=1) - dt.timedelta(days=1)).replace(day=1)

    # Who answers where: departments weighted, the low one busy enough to be judged each month.
    weights = [3.0 if d == low else rng.uniform(0.5, 2.0) for d in departments]
    chosen = rng.choices(departments, weights=weights, k=ANSWERS - STUFFED)
    tokened_count = {}
    plans = []
    for department in chosen:
        day = today - dt.timedelta(days=rng.randint(1, 365))
        moment = dt.datetime.combine(day, dt.time(rng.randint(8, 19), rng.randint(0, 59)))
        tokened = rng.random() < TOKENED
        tokened_count[department.pk] = tokened_count.get(department.pk, 0) + tokened
        plans.append((department, timezone.make_aware(moment), tokened))
    tokens: dict[int, list] = {}
    for department in departments:
        need = tokened_count.get(department.pk, 0)
        while need > 0:
            issued = services.tokens_issue(actor=actor, department=department, count=min(need, 500))
            tokens.setdefault(department.pk, []).extend(t for _code, t in issued)
            need -= len(issued)

    rows = []
    for department, moment, tokened in plans:
        base = quality[department.pk]
        if department == low and moment.date() >= first_low:
            base = 3.2  # the service slipped these two months
        staff = people.get(department.pk) or []
        person = rng.choice(staff) if staff and rng.random() < NAMED else None
        scores = {item.key: max(1, min(5, round(rng.gauss(base, 0.75)))) for item in items}
        comment = ""
        if rng.random() < COMMENTED:
            mean = sum(scores.values()) / len(scores)
            comment = rng.choice(COMMENTS_GOOD if mean >= 4 else COMMENTS_BAD)
        rows.append(
            services.AnswerRow(
                department=department,
                questionnaire=questionnaire,
                scores=scores,
                submitted_at=moment,
                comment=comment,
                person=person,
                token=tokens[department.pk].pop() if tokened else None,
            )
        )
    night = timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=9), dt.time(23, 5)))
    rows += [
        services.AnswerRow(
            department=stuffed,
            questionnaire=questionnaire,
            scores=dict.fromkeys((item.key for item in items), 5),
            submitted_at=night + dt.timedelta(seconds=20 * i),
            comment=STUFFED_COMMENT,
        )
        for i in range(STUFFED)
    ]
    written = services.answers_write(actor=actor, rows=rows, action_prefix="demo.")
    return SatisfactionResult(
        answers=len(written),
        tokened=sum(1 for a in written if a.tokened),
        flagged=sum(1 for a in written if a.flagged),
        low_department=low.name,
        stuffed_department=stuffed.name,
    )
