"""A small register on the test world, for the register's selector and page tests.

Scope by design (see build_world): staff 张医生 holds 主治医师 in 心内科; the department head
李主任 heads 心内科 and holds 科主任; the leader 王副院长 is in charge of 采购中心 and 财务科;
the integrity office sees 示例市人民医院; the commission's integrity office sees both hospitals.
"""

import datetime as dt
from dataclasses import dataclass

from lianfang.org.models import Post
from lianfang.risks.models import Category, RiskPoint
from tests.risks.factories import make_measure, make_power, make_risk_point

TODAY = dt.date.today()


@dataclass
class Register:
    doctor: RiskPoint  # 主治医师 (staff's post), level 1 (3×3), filed, review overdue
    head: RiskPoint  # 科主任 (dept head's post), level 2
    cardiology: RiskPoint  # 心内科 as a department, level 3, draft
    buyer: RiskPoint  # 采购员 (leader's department), level 1
    finance: RiskPoint  # 财务科 as a department, ungraded
    retired: RiskPoint  # 心内科, retired
    other: RiskPoint  # the other hospital's 医师
    prescribing: object  # the power of the cardiology points
    procurement_power: object
    measure: object  # covers doctor + head, owned by 张医生


def build_register(world) -> Register:
    hospital = world.hospital
    doctor_post = Post.objects.get(code="P-ZZYS")
    head_post = Post.objects.get(code="P-KZR")
    buyer_post = Post.objects.get(code="P-CGY")
    other_post = Post.objects.get(code="P-YS")
    prescribing = make_power(
        hospital,
        "处方开具",
        "QL-CF",
        department=world.cardiology,
        steps=["开具处方", "审核处方"],
        basis="《处方管理办法》第十四条：医师应当根据医疗、预防、保健需要开具处方。",
        duties="按规定开具处方，不得为商业目的统方。",
    )
    procurement = make_power(
        hospital, "药品耗材采购", "QL-CG", department=world.procurement, steps=["遴选供应商"]
    )
    finance_power = make_power(hospital, "资金支付", "QL-ZJ", department=world.finance)
    other_power = make_power(world.other_hospital, "手术安排", "QL-SS")
    step = prescribing.steps.get(order=1)
    doctor = make_risk_point(
        power=prescribing,
        step=step,
        post=doctor_post,
        name="开大处方收取回扣",
        manifestation="主治医师为获取药品回扣，超剂量、超疗程开具特定厂家的药品",
        likelihood=3,
        harm=3,
        category=Category.POST_DUTY,
        status=RiskPoint.Status.FILED,
        review_due=TODAY - dt.timedelta(days=10),
        last_reviewed=TODAY - dt.timedelta(days=100),
    )
    head = make_risk_point(
        power=prescribing,
        step=prescribing.steps.get(order=2),
        post=head_post,
        name="科室用药目录调整中的利益输送",
        likelihood=2,
        harm=2,
        source=RiskPoint.Source.LEADER,
    )
    cardiology = make_risk_point(
        power=prescribing,
        department=world.cardiology,
        name="科室集体收受药企赞助",
        likelihood=1,
        harm=2,
        category=Category.SYSTEM_MECHANISM,
    )
    buyer = make_risk_point(
        power=procurement, post=buyer_post, name="供应商遴选中透露标底", likelihood=3, harm=2
    )
    finance = make_risk_point(
        power=finance_power,
        department=world.finance,
        name="违规支付工程款",
        likelihood=None,
        harm=None,
    )
    retired = make_risk_point(
        power=prescribing,
        department=world.cardiology,
        name="已停用的旧风险点",
        status=RiskPoint.Status.RETIRED,
    )
    other = make_risk_point(power=other_power, post=other_post, name="外院手术排台收红包")
    measure = make_measure(
        hospital,
        "处方点评每月抽查，超常处方公示并约谈",
        owner_person=world.staff_person,
        points=[doctor, head],
        due=TODAY + dt.timedelta(days=30),
    )
    return Register(
        doctor, head, cardiology, buyer, finance, retired, other, prescribing, procurement, measure
    )


# Who sees which points of the register (names), by role of the test world.
VISIBLE = {
    "staff": {"开大处方收取回扣"},
    "dept_head": {"开大处方收取回扣", "科室用药目录调整中的利益输送", "科室集体收受药企赞助"},
    "leader": {"供应商遴选中透露标底", "违规支付工程款"},
    "integrity": {
        "开大处方收取回扣",
        "科室用药目录调整中的利益输送",
        "科室集体收受药企赞助",
        "供应商遴选中透露标底",
        "违规支付工程款",
    },
    "commission_integrity": {
        "开大处方收取回扣",
        "科室用药目录调整中的利益输送",
        "科室集体收受药企赞助",
        "供应商遴选中透露标底",
        "违规支付工程款",
        "外院手术排台收红包",
    },
}
