"""The demo's assessments (廉政评估), written through the assessments services as the integrity
office and the assessed would: a 预警 on the demo staff member whose rectification was accepted
(its measures now in the register), a 提示 on the demo head's department escalated to 预警
after two failed rectifications, and a 亮牌 on a person with overdue measures, signed for and
waiting for the rectification (the leaders see it)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from lianfang.accounts.models import User
from lianfang.assessments import selectors, services
from lianfang.core.models import WarningLevel
from lianfang.org.models import Person
from lianfang.risks.models import Measure


@dataclass
class Assessed:
    issued: int = 0
    accepted: int = 0
    escalated: int = 0
    cards: int = 0


def _cite(person=None, department=None, limit=3):
    return list(selectors.evidence_candidates(person=person, department=department))[:limit]


def _points(person=None, department=None, limit=2):
    return list(selectors.party_risk_points(person=person, department=department)[:limit])


def _rectification(owner, text, days=30):
    return {
        "cause": "对防控措施的落实跟踪不够，科室自查流于形式。",
        "rule_changes": "修订科室廉政风险自查办法，明确每月自查和留痕要求。",
        "measures": [
            {"text": text, "owner": owner, "due": timezone.localdate() + dt.timedelta(days=days)}
        ],
    }


def load_assessments(hospital, *, office: User, staff: User, head: User) -> Assessed:
    done = Assessed()
    base = {
        "grounds": "经核查，所列防控措施逾期未落实，风险点未按期复核，防控责任落实不到位。",
        "requirements": "对照所列问题逐项整改，明确责任人和完成时限，完善相关制度。",
    }

    def create(level, measures, *, person=None, department=None, talk=None):
        cite = _cite(person, department)
        assessment = services.assessment_create(
            actor=office,
            organisation=hospital,
            person=person,
            department=department,
            data={
                **base,
                "level": level,
                "measures": measures,
                "talk_on": talk,
                "risk_points": _points(person, department),
            },
            cite=cite,
            findings=[] if cite else ["年度内部审计：防控措施落实记录不全"],
        )
        services.assessment_issue(actor=office, assessment=assessment)
        done.issued += 1
        return assessment

    # 1. 预警 on the staff member, rectified and accepted: its measure joins the register.
    person = Person.objects.get(user=staff)
    warned = create(
        WarningLevel.WARNING,
        ["admonition_talk", "rectify"],
        person=person,
        talk=timezone.localdate(),
    )
    services.notice_sign(actor=staff, notice=warned.notices.get())
    services.rectification_submit(
        actor=staff, assessment=warned, data=_rectification(person, "处方点评结果每月自查并留痕")
    )
    services.rectification_accept(actor=office, assessment=warned)
    done.accepted += 1

    # 2. 提示 on the head's department, failed twice: raised to 预警 with a new notice.
    department = Person.objects.get(user=head).department
    noticed = create(WarningLevel.NOTICE, ["reminder_talk", "rectify"], department=department)
    services.notice_sign(actor=head, notice=noticed.notices.get())
    for reason in (
        "原因分析停留在表面，未找到制度漏洞。",
        "整改措施仍无责任人和完成时限的落实记录。",
    ):
        services.rectification_submit(
            actor=head,
            assessment=noticed,
            data=_rectification(department, "科室每月开展廉政风险自查"),
        )
        services.rectification_return(actor=office, assessment=noticed, reason=reason)
    done.escalated += 1

    # 3. 亮牌 on a person with overdue measures (else any other person of the hospital).
    overdue = (
        Measure.objects.overdue()
        .filter(organisation=hospital, owner_person__isnull=False)
        .exclude(owner_person=person)
        .order_by("pk")
        .first()
    )
    carded = (
        overdue.owner_person
        if overdue
        else Person.objects.filter(organisation=hospital).exclude(pk=person.pk).first()
    )
    card = create(WarningLevel.CARD, ["admonition_talk", "criticism", "rectify"], person=carded)
    if carded.user_id:
        services.notice_sign(actor=carded.user, notice=card.notices.get())
    done.cards += 1
    return done
