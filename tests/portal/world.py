"""A demo-like hospital for the portal's tests: leaders with photos, departments, public and
internal powers, filed risk points (published and not), a published result and an internal
record of a flow."""

import datetime as dt
import io

from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from lianfang.core import publications
from lianfang.core.attachments import attachment_save
from lianfang.core.models import Column, Module, Publication
from lianfang.core.roles import Role
from lianfang.org.attachments import PERSON_PHOTO
from lianfang.org.models import DepartmentFunction, LeaderDivision, Post
from lianfang.portal import services
from lianfang.risks.models import RiskPoint
from tests.factories import make_department, make_org, make_person, make_user
from tests.risks.factories import make_measure, make_power, make_risk_point

SECRET_PHONE = "13900001111"
SECRET_MANIFESTATION = "采购员私下向特定供应商泄露评分细则换取回扣"


def png(colour="red"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, "PNG")
    return SimpleUploadedFile("a.png", buffer.getvalue(), content_type="image/png")


def results_column():
    flows = Module.objects.get(code="flows")
    column, _ = Column.objects.get_or_create(
        module=flows, code="results", defaults={"title": "权力运行公开", "public": True}
    )
    return column


def build(open_site=True):
    hospital = make_org("市第一人民医院", "H001")
    other = make_org("市第二医院", "H002")
    admin = make_user("portal-admin", (Role.ADMIN, hospital))
    integrity = make_user("portal-integrity", (Role.INTEGRITY, hospital))
    office = make_department(hospital, "院办公室", "D01")
    purchase = make_department(hospital, "采购中心", "D02")
    DepartmentFunction.objects.create(department=purchase, title="负责全院物资集中采购")
    head_post = Post.objects.create(
        organisation=hospital,
        department=office,
        name="院长",
        code="P01",
        is_leadership=True,
        duties="主持医院全面工作",
    )
    vice_post = Post.objects.create(
        organisation=hospital,
        department=office,
        name="副院长",
        code="P02",
        is_leadership=True,
        duties="协助院长分管采购工作",
    )
    buyer_post = Post.objects.create(
        organisation=hospital, department=purchase, name="采购员", code="P03"
    )
    director = make_person(
        hospital, office, "L001", "王建国", post=head_post, start=dt.date(2021, 3, 1)
    )
    vice = make_person(
        hospital, office, "L002", "李红梅", post=vice_post, start=dt.date(2022, 7, 1)
    )
    buyer = make_person(hospital, purchase, "S001", "赵采购", post=buyer_post)
    for person in (director, vice):
        person.is_leader = True
        person.phone = SECRET_PHONE
        person.save()
    buyer.phone = "13700002222"
    buyer.save()
    purchase.head = vice
    purchase.save()
    hospital.principal_leader = director
    hospital.save()
    LeaderDivision.objects.create(
        leader=vice, department=purchase, since=dt.date(2022, 7, 1), duties="分管物资采购"
    )
    photo = attachment_save(actor=admin, use=PERSON_PHOTO, target=vice, upload=png())
    vice.photo = photo
    vice.save(update_fields=["photo"])
    inactive_leader = make_person(hospital, office, "L009", "退休领导")
    inactive_leader.is_leader, inactive_leader.active = True, False
    inactive_leader.photo = attachment_save(
        actor=admin, use=PERSON_PHOTO, target=inactive_leader, upload=png("blue")
    )
    inactive_leader.save()

    procurement = make_power(
        hospital,
        "物资设备采购",
        "QL-CG-01",
        department=purchase,
        steps=["采购申请", "供应商遴选", "合同签订"],
        is_public=True,
        basis="《中华人民共和国政府采购法》",
        time_limit_days=30,
        category="procurement",
    )
    internal = make_power(
        hospital,
        "内部干部考察",
        "QL-NB-01",
        department=office,
        steps=["考察"],
        is_public=False,
    )
    published = make_risk_point(
        power=procurement,
        post=buyer_post,
        step=procurement.steps.get(order=2),
        name="供应商遴选中的利益输送",
        manifestation=SECRET_MANIFESTATION,
        status=RiskPoint.Status.FILED,
        level=1,
    )
    make_measure(
        hospital, "评分细则由三人以上集体制定", owner_department=purchase, points=[published]
    )
    publications.publish_set(
        actor=integrity,
        organisation=hospital,
        column=publications.column_of("risks", "risk_points"),
        sources=[published],
    )
    unpublished = make_risk_point(
        power=procurement,
        post=buyer_post,
        name="未发布的草稿风险点",
        manifestation="草稿的表现形式不得公开",
        status=RiskPoint.Status.DRAFT,
    )
    internal_point = make_risk_point(
        power=internal,
        department=office,
        name="内部事项风险点",
        manifestation="内部事项",
        status=RiskPoint.Status.FILED,
    )
    # a flow's result, published, and an internal record that is not
    column = results_column()
    step_type = ContentType.objects.get_for_model(type(procurement.steps.first()))
    result = Publication.objects.create(
        organisation=hospital,
        column=column,
        content_type=step_type,
        object_id=procurement.steps.first().pk,
        title="2026年中层干部选拔任用结果公示",
        fields={"flow": "干部选拔任用", "result": "拟任用张三为采购中心副主任"},
        published_at=timezone.now(),
        published_by=integrity,
    )
    withdrawn = Publication.objects.create(
        organisation=hospital,
        column=column,
        content_type=step_type,
        object_id=procurement.steps.last().pk,
        title="已撤回的结果",
        fields={"flow": "干部选拔任用", "result": "撤回内容"},
        published_at=timezone.now(),
        published_by=integrity,
        withdrawn_at=timezone.now(),
        withdrawn_by=integrity,
        withdraw_reason="有误",
    )
    if open_site:
        services.site_update(
            actor=admin,
            organisation=hospital,
            data={"enabled": True, "title": "", "intro": "公开透明，接受监督"},
        )
    return {
        "hospital": hospital,
        "other": other,
        "admin": admin,
        "integrity": integrity,
        "director": director,
        "vice": vice,
        "buyer": buyer,
        "inactive_leader": inactive_leader,
        "procurement": procurement,
        "internal": internal,
        "published": published,
        "unpublished": unpublished,
        "internal_point": internal_point,
        "result": result,
        "withdrawn": withdrawn,
        "purchase": purchase,
        "office": office,
    }
