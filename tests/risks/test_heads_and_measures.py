"""Department heads act on their department (复核, alone or in a batch) and measures record
their progress (已落实 with date and evidence); overdue measures show everywhere and have
their own list; measures get the vagueness check of their own."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from lianfang.core.models import AuditEvent
from lianfang.risks import permissions, services, vagueness
from lianfang.risks.models import GenericPhrase, Measure, RiskPoint, RiskPointEvent
from tests.risks.factories import make_measure, make_risk_point
from tests.risks.register_data import TODAY, build_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(world):
    return build_register(world)


def text(response):
    return response.content.decode()


# 复核 by the department head ---------------------------------------------------------------


def test_head_reviews_filed_points_of_their_department_only(world, register):
    head = world.users["dept_head"]
    assert permissions.may(head, permissions.REVIEW, register.doctor)  # 心内科, filed
    assert not permissions.may(head, permissions.REVIEW, register.cardiology)  # a draft
    assert not permissions.may(head, permissions.REVIEW, register.buyer)  # 采购中心
    assert not permissions.may(world.users["staff"], permissions.REVIEW, register.doctor)
    assert not permissions.may(world.users["leader"], permissions.REVIEW, register.doctor)


def test_head_reviews_from_the_point_page(world, register, login):
    client = login(world.users["dept_head"])
    url = reverse("risks:point_review", args=[register.doctor.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "已核实处方点评记录"})
    assert response.status_code == 302
    register.doctor.refresh_from_db()
    assert register.doctor.last_reviewed == TODAY
    assert register.doctor.review_due > TODAY
    event = register.doctor.events.get(type=RiskPointEvent.Type.REVIEWED)
    assert event.actor == world.users["dept_head"] and event.reason == "已核实处方点评记录"
    # the buyer's point is another department's: 403
    url = reverse("risks:point_review", args=[register.doctor.pk + 999999])
    assert client.get(url).status_code == 404


def _overdue_point(world, name, post_code="P-ZZYS", days=5):
    from lianfang.org.models import Post

    return make_risk_point(
        power=None,
        post=Post.objects.get(code=post_code),
        name=name,
        status=RiskPoint.Status.FILED,
        review_due=TODAY - dt.timedelta(days=days),
        last_reviewed=TODAY - dt.timedelta(days=400),
    )


def test_head_batch_reviews_overdue_points(world, register, login):
    second = _overdue_point(world, "处方点评中包庇同事")
    client = login(world.users["dept_head"])
    page = text(client.get(reverse("risks:overdue")))
    assert 'data-testid="batch-review"' in page and "复核所选" in page
    assert f'name="points" value="{register.doctor.pk}"' in page
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("risks:overdue_review"),
        {
            "points": [register.doctor.pk, second.pk],
            "note": "风险未变化",
            "next_query": "sort=name",
        },
    )
    assert response.status_code == 302 and response.url.endswith("?sort=name")
    for point in (register.doctor, second):
        point.refresh_from_db()
        assert point.last_reviewed == TODAY and point.review_due > TODAY
        assert point.events.get(type=RiskPointEvent.Type.REVIEWED).reason == "风险未变化"
    assert AuditEvent.objects.count() == before + 2
    page = text(client.get(reverse("risks:overdue")))
    assert "没有复核逾期的风险点" in page


def test_batch_review_is_all_or_nothing(world, register, login):
    # a point the head does not see (another department's): 404, nothing reviewed
    other = _overdue_point(world, "采购员泄露报价", post_code="P-CGY")
    client = login(world.users["dept_head"])
    response = client.post(
        reverse("risks:overdue_review"), {"points": [register.doctor.pk, other.pk]}
    )
    assert response.status_code == 404
    register.doctor.refresh_from_db()
    assert register.doctor.last_reviewed != TODAY
    # a point the staff member sees but may not review: 403
    response = login(world.users["staff"]).post(
        reverse("risks:overdue_review"), {"points": [register.doctor.pk]}
    )
    assert response.status_code == 403
    register.doctor.refresh_from_db()
    assert register.doctor.last_reviewed != TODAY
    # nothing ticked, or ids that are not numbers: back to the list with a message
    response = client.post(reverse("risks:overdue_review"), {"points": ["x", ""]})
    assert response.status_code == 302
    assert client.get(reverse("risks:overdue_review")).status_code == 405


def test_staff_sees_overdue_points_without_batch_review(world, register, login):
    page = text(login(world.users["staff"]).get(reverse("risks:overdue")))
    assert "开大处方收取回扣" in page
    assert 'data-testid="batch-bar"' not in page


def test_overdue_filters_by_department(world, register, login):
    client = login(world.users["integrity"])
    buyer = _overdue_point(world, "采购员泄露报价", post_code="P-CGY")
    page = text(client.get(reverse("risks:overdue"), {"department": world.cardiology.pk}))
    assert "开大处方收取回扣" in page and buyer.name not in page
    page = text(client.get(reverse("risks:overdue"), {"department": "99999999999999999999"}))
    assert "开大处方收取回扣" in page and buyer.name in page  # a bad value is dropped


# Measure progress --------------------------------------------------------------------------


def test_progress_needs_a_date_and_evidence(world, register):
    measure = register.measure
    actor = world.users["staff"]
    with pytest.raises(ValidationError) as exc:
        services.measure_record_progress(actor=actor, measure=measure, done_on=None, evidence="")
    assert set(exc.value.error_dict) == {"done_on", "evidence"}
    with pytest.raises(ValidationError) as exc:
        services.measure_record_progress(
            actor=actor,
            measure=measure,
            done_on=TODAY + dt.timedelta(days=1),
            evidence="已按月抽查处方并存档",
        )
    assert "落实日期不能晚于今天" in str(exc.value)
    measure.refresh_from_db()
    assert measure.status == Measure.Status.PLANNED


def test_progress_marks_the_measure_in_place_with_events_and_audit(world, register):
    measure = register.measure
    services.measure_record_progress(
        actor=world.users["staff"],
        measure=measure,
        done_on=TODAY - dt.timedelta(days=3),
        evidence="3 月起每月抽查 20 张处方，记录见药剂科点评台账",
    )
    measure.refresh_from_db()
    assert measure.status == Measure.Status.IN_PLACE
    assert measure.done_on == TODAY - dt.timedelta(days=3)
    assert "药剂科点评台账" in measure.evidence
    event = AuditEvent.objects.filter(action="measure.progress").get()
    assert event.after["status"] == "in_place" and event.actor == world.users["staff"]
    for point in (register.doctor, register.head):
        changes = point.events.get(type=RiskPointEvent.Type.UPDATED).changes
        assert changes["measure.status"] == ["planned", "in_place"]


def test_who_may_record_progress(world, register):
    hospital = world.hospital
    owned_by_dept = make_measure(
        hospital,
        "科室每月抽查处方并公示结果",
        owner_department=world.cardiology,
        points=[register.cardiology],
    )
    procurement = make_measure(
        hospital, "采购中心每季度轮岗并登记", owner_department=world.procurement
    )
    may = permissions.may_record_progress
    assert may(world.users["staff"], register.measure)  # the owner
    assert not may(world.users["staff"], owned_by_dept)
    assert may(world.users["dept_head"], owned_by_dept)  # heads the owning department
    assert may(world.users["dept_head"], register.measure)  # covers 心内科 points
    assert not may(world.users["dept_head"], procurement)
    assert may(world.users["integrity"], procurement)
    assert not may(world.users["leader"], owned_by_dept)


def test_progress_page(world, register, login):
    client = login(world.users["staff"])
    detail = reverse("risks:measure_detail", args=[register.measure.pk])
    assert reverse("risks:measure_progress", args=[register.measure.pk]) in text(client.get(detail))
    url = reverse("risks:measure_progress", args=[register.measure.pk])
    page = text(client.get(url))
    assert "落实情况" in page and TODAY.isoformat() in page
    # an error goes back on the form, in Chinese; nothing is written
    page = text(client.post(url, {"done_on": TODAY.isoformat(), "evidence": "好"}))
    assert "请写明落实情况" in page
    register.measure.refresh_from_db()
    assert register.measure.status == Measure.Status.PLANNED
    response = client.post(url, {"done_on": TODAY.isoformat(), "evidence": "每月抽查记录已归档"})
    assert response.status_code == 302 and response.url == detail
    page = text(client.get(detail))
    assert "已落实" in page and "每月抽查记录已归档" in page and "更正落实情况" in page
    # someone who may not: 403; someone who cannot see it: 404
    assert login(world.users["leader"]).get(url).status_code == 404
    other = make_measure(world.hospital, "采购中心轮岗登记", owner_department=world.procurement)
    url = reverse("risks:measure_progress", args=[other.pk])
    assert login(world.users["staff"]).get(url).status_code == 404


# Overdue measures --------------------------------------------------------------------------


def test_overdue_measure_is_marked_and_listed(world, register, login):
    late = make_measure(
        world.hospital,
        "科室每月抽查处方并公示结果",
        owner_department=world.cardiology,
        points=[register.doctor],
        due=TODAY - dt.timedelta(days=7),
    )
    done = make_measure(
        world.hospital,
        "科室每季度轮岗并登记",
        owner_department=world.cardiology,
        points=[register.doctor],
        due=TODAY - dt.timedelta(days=7),
        status=Measure.Status.IN_PLACE,
    )
    assert late.is_overdue() and not done.is_overdue() and not register.measure.is_overdue()
    assert set(Measure.objects.overdue()) == {late}
    head = login(world.users["dept_head"])
    page = text(head.get(reverse("risks:point_detail", args=[register.doctor.pk])))
    assert page.count('data-testid="measure-overdue"') == 1
    page = text(head.get(reverse("risks:overdue_measures")))
    assert late.text in page and done.text not in page and register.measure.text not in page
    assert ">7<" in page  # days overdue
    assert reverse("risks:measure_progress", args=[late.pk]) in page
    # the office sees it, filtered by department; another department's filter hides it
    office = login(world.users["integrity"])
    assert late.text in text(office.get(reverse("risks:overdue_measures")))
    page = text(office.get(reverse("risks:overdue_measures"), {"department": world.finance.pk}))
    assert late.text not in page and "没有逾期的防控措施" in page
    page = text(office.get(reverse("risks:overdue_measures"), {"department": world.cardiology.pk}))
    assert late.text in page
    # the leader of other departments does not see it
    page = text(login(world.users["leader"]).get(reverse("risks:overdue_measures")))
    assert late.text not in page


@pytest.mark.parametrize("role", ["admin", "integrity", "leader", "dept_head", "staff"])
def test_overdue_pages_render_for_every_role(world, register, login, role):
    client = login(world.users[role])
    for name in ("risks:overdue", "risks:overdue_measures"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert 'data-testid="overdue-tabs"' in text(response)


# The measure vagueness check -----------------------------------------------------------------


def test_generic_verbs_without_when_and_how_are_vague():
    phrases = vagueness.default_phrases()
    vague = vagueness.measure_problems("加强廉洁教育，进一步规范处方行为", phrases, label="措施")
    assert [p.code for p in vague] == [vagueness.FilingProblem.VAGUE_MEASURE]
    assert "“加强”" in vague[0].message and "何时做" in vague[0].message
    assert "怎样检查" in vague[0].message
    # when without how, how without when: still vague, naming what is missing
    only_when = vagueness.measure_problems("每月加强管理", phrases, label="措施")
    assert only_when and "怎样检查" in only_when[0].message and "何时做" not in only_when[0].message
    concrete = "处方点评小组每月抽查 5% 门诊处方并在院周会通报，严格执行约谈制度"
    assert vagueness.measure_problems(concrete, phrases, label="措施") == []
    # no generic verb: nothing to check
    assert vagueness.measure_problems("药品验收两人在场", phrases, label="措施") == []


def test_filing_refuses_a_vague_measure(world, register):
    point = register.cardiology
    make_measure(
        world.hospital,
        "加强廉洁教育，进一步规范处方行为",
        owner_department=world.cardiology,
        points=[point],
    )
    problems = vagueness.check_filing(point)
    assert vagueness.FilingProblem.VAGUE_MEASURE in [p.code for p in problems]
    with pytest.raises(ValidationError) as exc:
        services.risk_point_file(actor=world.users["integrity"], risk_point=point)
    assert "笼统说法" in str(exc.value)


def test_measure_verbs_are_a_list_of_their_own_an_officer_can_switch_off(world, register):
    seeded = GenericPhrase.objects.filter(organisation=None, kind=GenericPhrase.Kind.MEASURE)
    assert set(seeded.values_list("phrase", flat=True)) == set(vagueness.DEFAULT_MEASURE_PHRASES)
    # the verbs do not apply to a risk point's own texts
    point = make_risk_point(
        post=register.doctor.post,
        power=register.prescribing,
        step=register.prescribing.steps.first(),
        name="加强处方权限管理中的漏洞",
        manifestation="医师借处方权为特定厂家加大用量并收取回扣",
    )
    make_measure(
        world.hospital,
        "药剂科每月抽查处方并公示",
        owner_department=world.cardiology,
        points=[point],
    )
    assert vagueness.check_filing(point) == []
    # switched off, a verb no longer fails a measure
    vague_point = register.cardiology
    make_measure(
        world.hospital, "加强管理", owner_department=world.cardiology, points=[vague_point]
    )
    assert any(
        p.code == vagueness.FilingProblem.VAGUE_MEASURE for p in vagueness.check_filing(vague_point)
    )
    GenericPhrase.objects.filter(kind=GenericPhrase.Kind.MEASURE, phrase="加强").update(
        active=False
    )
    assert not any(
        p.code == vagueness.FilingProblem.VAGUE_MEASURE for p in vagueness.check_filing(vague_point)
    )


def test_progress_with_a_file_as_evidence(world, register, login, tmp_path, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from lianfang.core import attachments

    settings.LIANFANG_ATTACHMENTS_DIR = tmp_path
    attachments.store.__dict__.pop("storage", None)
    pdf = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"
    client = login(world.users["staff"])
    url = reverse("risks:measure_progress", args=[register.measure.pk])
    # a file that is not what it says: refused on the form, nothing recorded
    fake = SimpleUploadedFile("记录.pdf", b"MZ\x90\x00 not a pdf")
    page = text(client.post(url, {"done_on": TODAY.isoformat(), "evidence": "", "files": fake}))
    assert "不支持该文件类型" in page
    register.measure.refresh_from_db()
    assert register.measure.status == Measure.Status.PLANNED
    # a real PDF alone is enough evidence
    scan = SimpleUploadedFile("抽查记录.pdf", pdf)
    response = client.post(url, {"done_on": TODAY.isoformat(), "evidence": "", "files": scan})
    assert response.status_code == 302
    register.measure.refresh_from_db()
    assert register.measure.status == Measure.Status.IN_PLACE
    page = text(client.get(reverse("risks:measure_detail", args=[register.measure.pk])))
    assert "抽查记录.pdf" in page
    link = re.search(r'href="(/attachments/\d+/)"', page).group(1)
    assert client.get(link).content == pdf
    # who cannot see the measure cannot fetch its file
    assert login(world.users["leader"]).get(link).status_code == 404
    attachments.store.__dict__.pop("storage", None)
