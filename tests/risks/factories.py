"""Builders for risk register tests: powers with steps, risk points and measures.

They write straight to the database (no services, no events), so other tests can set up a
register quickly. Levels are graded with the organisation's active scheme unless given.
"""

import datetime as dt
import itertools

from lianfang.org.models import Power, PowerStep
from lianfang.risks import grading
from lianfang.risks.models import Category, Measure, RiskPoint

_counter = itertools.count(1)

CONCRETE_MANIFESTATION = "采购员在供应商遴选环节向特定供应商透露评分标准并收受回扣"


def make_power(org, name="药品耗材采购", code=None, *, department=None, steps=(), **extra):
    """A power with steps; `steps` are names (keys are made up) or (key, name) pairs."""
    power = Power.objects.create(
        organisation=org,
        code=code or f"QL-{next(_counter):04d}",
        name=name,
        department=department,
        **extra,
    )
    for order, step in enumerate(steps, start=1):
        key, step_name = step if isinstance(step, tuple) else (f"s{order}", step)
        PowerStep.objects.create(power=power, key=key, name=step_name, order=order)
    return power


def make_risk_point(
    org=None,
    power=None,
    *,
    name="供应商遴选中的利益输送",
    manifestation=CONCRETE_MANIFESTATION,
    subject=None,
    department=None,
    post=None,
    step=None,
    likelihood=2,
    harm=2,
    level=None,
    category=Category.BUSINESS_PROCESS,
    status=RiskPoint.Status.DRAFT,
    last_reviewed=None,
    review_due=None,
    grade=True,
    **extra,
):
    """A risk point; `org` defaults to the power's (or the post's / department's)."""
    if org is None:
        org = (power or post or department).organisation
    if power is None:
        power = make_power(org, steps=["审批"])
    if subject is None:
        subject = (
            RiskPoint.Subject.POST
            if post
            else RiskPoint.Subject.DEPARTMENT
            if department
            else RiskPoint.Subject.UNIT
        )
    if post is not None and department is None:
        department = post.department
    point = RiskPoint(
        organisation=org,
        power=power,
        step=step,
        subject=subject,
        department=department,
        post=post,
        name=name,
        manifestation=manifestation,
        likelihood=likelihood,
        harm=harm,
        category=category,
        status=status,
        last_reviewed=last_reviewed,
        review_due=review_due,
        **extra,
    )
    if level is None and grade:
        scheme = grading.active_scheme(org)
        level = grading.grade_point(scheme, point)
        if review_due is None and level:
            days = grading.review_interval_days(scheme, level)
            point.review_due = (last_reviewed or dt.date.today()) + dt.timedelta(days=days)
    point.level = level
    point.save()
    return point


def make_measure(
    org,
    text="采购评分标准在评审前封存，评审专家现场随机抽取并全程录像",
    *,
    owner_person=None,
    owner_department=None,
    points=(),
    status=Measure.Status.PLANNED,
    due=None,
):
    """A measure owned by a person or (by default, when neither is given) no one is invalid:
    pass one owner."""
    measure = Measure.objects.create(
        organisation=org,
        text=text,
        owner_person=owner_person,
        owner_department=owner_department,
        status=status,
        due=due,
    )
    if points:
        measure.risk_points.add(*points)
    return measure
