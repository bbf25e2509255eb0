import datetime as dt

import pytest

from lianfang.org.models import LeaderDivision, Post, PostAssignment
from lianfang.risks.models import RiskPoint
from tests.risks.factories import make_measure, make_risk_point


@pytest.fixture
def filed(world):
    """The world with filed points on the doctor's post and on cardiology, each with a
    measure, a draft point (not copied), and the leader in charge of cardiology."""
    doctor_post = Post.objects.get(code="P-ZZYS")
    filed_point = make_risk_point(
        post=doctor_post, name="收受医药代表回扣", status=RiskPoint.Status.FILED
    )
    make_measure(
        world.hospital,
        "处方点评每月一次，异常处方约谈",
        owner_department=world.cardiology,
        points=[filed_point],
    )
    make_risk_point(post=doctor_post, name="草稿中的风险点", status=RiskPoint.Status.DRAFT)
    dept_point = make_risk_point(
        department=world.cardiology,
        subject=RiskPoint.Subject.DEPARTMENT,
        name="科室耗材申领把关不严",
        status=RiskPoint.Status.FILED,
    )
    make_measure(
        world.hospital,
        "耗材申领双人核对，每季度公示用量",
        owner_department=world.cardiology,
        points=[dept_point],
    )
    LeaderDivision.objects.create(
        leader=world.leader_person, department=world.cardiology, since=dt.date(2022, 1, 1)
    )
    world.doctor_post = doctor_post
    return world


def change_post(person, post, start):
    """The roster's post change: the current assignment ends, a new one begins."""
    PostAssignment.objects.filter(person=person, end__isnull=True).update(
        end=start - dt.timedelta(days=1)
    )
    return PostAssignment.objects.create(person=person, post=post, start=start)
