import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from lianfang.org.models import Department, LeaderDivision, Post, PowerStep
from lianfang.risks import positioning
from lianfang.risks.models import Measure, RiskPoint
from tests.core.test_documents import pdf_text
from tests.factories import make_department, make_person
from tests.risks.factories import make_measure, make_power, make_risk_point

FILED = RiskPoint.Status.FILED


@pytest.fixture
def register(world):
    """A small register: two powers of departments the leader is in charge of, one of the
    cardiology department (headed by 李主任) and one in the other hospital."""
    hospital = world.hospital
    office = make_department(hospital, "纪检监察室", "JJS", Department.Kind.ADMINISTRATIVE)
    office_head = make_person(hospital, office, "0301", "刘监察")
    office.head = office_head
    office.save(update_fields=["head"])
    president = make_person(hospital, None, "0002", "周院长")
    hospital.principal_leader = president
    hospital.integrity_department = office
    hospital.save(update_fields=["principal_leader", "integrity_department"])
    buyer_post = Post.objects.get(code="P-CGY")
    purchase = make_power(
        hospital,
        "药品耗材采购",
        "CG-01",
        department=world.procurement,
        steps=["需求提出", "供应商遴选"],
    )
    demand, selection = purchase.steps.order_by("order")
    selection.post = buyer_post
    selection.save(update_fields=["post"])
    payment = make_power(hospital, "资金支付审批", "CW-01", department=world.finance)
    prescribing = make_power(
        hospital, "处方开具", "YL-01", department=world.cardiology, steps=["开具处方"]
    )
    a = make_risk_point(
        power=purchase,
        step=selection,
        post=buyer_post,
        name="遴选中透露评分标准",
        likelihood=3,
        harm=3,
    )
    b = make_risk_point(
        power=purchase,
        step=demand,
        department=world.procurement,
        name="需求参数指向特定品牌",
        likelihood=1,
        harm=2,
    )
    c = make_risk_point(
        power=payment,
        department=world.finance,
        name="超权限审批付款",
        likelihood=2,
        harm=2,
    )
    d = make_risk_point(
        power=prescribing,
        step=prescribing.steps.get(),
        post=Post.objects.get(code="P-ZZYS"),
        name="开大处方",
    )
    retired = make_risk_point(
        power=payment, department=world.finance, name="已停用风险", status=RiskPoint.Status.RETIRED
    )
    other_power = make_power(world.other_hospital, "手术排期", "X-01", department=world.surgery_b)
    e = make_risk_point(
        power=other_power, department=world.surgery_b, name="外院风险", status=FILED
    )
    make_measure(
        hospital, "评分标准封存并随机抽取专家", owner_person=world.procurement_person, points=[a]
    )
    make_measure(hospital, "采购需求集体论证", owner_department=world.procurement, points=[a, b])
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "retired": retired, "office": office}


@pytest.fixture
def filed(register):
    """The register with its points filed: an official table shows filed points only."""
    RiskPoint.objects.filter(
        pk__in=[p.pk for k, p in register.items() if k != "retired" and isinstance(p, RiskPoint)]
    ).update(status=FILED)
    return register


def test_chain_for_a_leader(world, filed):
    table = positioning.positioning_table(user=world.users["integrity"], leader=world.leader_person)
    assert table.role_label == "分管领导"
    assert [d.name for d in table.departments] == ["采购中心", "财务科"]
    by_name = {row.point.name: row for row in table.rows}
    assert set(by_name) == {"遴选中透露评分标准", "需求参数指向特定品牌", "超权限审批付款"}

    a = by_name["遴选中透露评分标准"]
    assert (a.power.name, a.step.name, a.post_label, a.holders) == (
        "药品耗材采购",
        "供应商遴选",
        "采购员",
        ["陈采购"],
    )
    assert a.point.level == 1 and a.level_label == "一级（高）"
    assert [m.text for m in a.measures] == ["评分标准封存并随机抽取专家", "采购需求集体论证"]
    assert [str(m) for m in a.monitors] == [
        "单位主要负责人：周院长",
        "纪检监察部门：刘监察",
    ]

    b = by_name["需求参数指向特定品牌"]
    assert b.step.name == "需求提出" and b.post_label == "采购中心（科室）"
    assert b.point.level == 3
    assert [str(m) for m in b.monitors] == [
        "部门负责人：未指定",
        "纪检监察部门：刘监察",
    ]

    c = by_name["超权限审批付款"]
    assert c.point.level == 2 and c.step is None
    assert "分管领导：王副院长" in [str(m) for m in c.monitors]

    # The two points of the purchase power share its merged cell, each step its own.
    rows = table.rows
    assert rows[0].power.name == "药品耗材采购" and rows[0].power_span == 2
    assert rows[1].power_span == 0
    assert rows[0].step_span == rows[1].step_span == 1
    assert rows[2].power_span == 1


def test_chain_for_a_department_head(world, filed):
    table = positioning.positioning_table(user=world.users["dept_head"], leader=world.head_person)
    assert table.role_label == "部门负责人"
    assert [row.point.name for row in table.rows] == ["开大处方"]
    row = table.rows[0]
    assert row.holders == ["张医生", "赵医生"]
    assert row.post_label == "主治医师"


def test_index_lists_leaders_and_key_department_heads(world, filed, login):
    response = login(world.users["integrity"]).get(reverse("risks:positioning_index"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "王副院长" in text and "李主任" in text
    assert "采购中心、财务科" in text
    assert reverse("risks:positioning_pdf", args=[world.leader_person.pk]) in text
    # A staff member sees no one's table.
    response = login(world.users["staff"]).get(reverse("risks:positioning_index"))
    assert "王副院长" not in response.content.decode()


@pytest.mark.parametrize(
    ("user", "person", "status"),
    [
        ("integrity", "leader_person", 200),
        ("integrity", "head_person", 200),
        ("commission_integrity", "leader_person", 200),
        ("admin", "head_person", 200),
        ("leader", "leader_person", 200),
        ("leader", "head_person", 404),
        ("dept_head", "head_person", 200),
        ("dept_head", "leader_person", 404),
        ("staff", "leader_person", 404),
        ("staff", "staff_person", 404),
        ("outsider", "leader_person", 404),
    ],
)
def test_scope(world, filed, login, user, person, status):
    client = login(world.users[user])
    pk = getattr(world, person).pk
    for name in ("risks:positioning", "risks:positioning_xlsx"):
        assert client.get(reverse(name, args=[pk])).status_code == status


def test_page_shows_the_chain_with_merged_cells(world, filed, login):
    response = login(world.users["leader"]).get(
        reverse("risks:positioning", args=[world.leader_person.pk])
    )
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('data-testid="positioning-row"') == 3
    assert 'rowspan="2"' in text  # the purchase power over its two risk points
    assert "lf-level-1" in text and "周院长" in text
    assert "外院风险" not in text and "已停用风险" not in text and "开大处方" not in text


def test_pdf_names_the_leader_in_chinese(world, filed, login):
    response = login(world.users["integrity"]).get(
        reverse("risks:positioning_pdf", args=[world.leader_person.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    text = pdf_text(response.content)
    compact = "".join(text.split())
    for word in ("廉政风险定位表", "王副院长", "药品耗材采购", "遴选中透露评分标准", "周院长"):
        assert word in compact, word


def test_excel_has_the_rows_and_merged_groups(world, filed, login):
    response = login(world.users["integrity"]).get(
        reverse("risks:positioning_xlsx", args=[world.leader_person.pk])
    )
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A1"].value == "廉政风险定位表"
    assert "王副院长" in ws["A2"].value
    header = [c.value for c in ws[3]]
    assert header[:6] == ["序号", "权力事项", "流程环节", "岗位", "责任人", "风险点"]
    names = [ws.cell(row=r, column=6).value for r in range(4, 7)]
    # by power, then by step: 需求提出 before 供应商遴选
    assert names == ["需求参数指向特定品牌", "遴选中透露评分标准", "超权限审批付款"]
    assert "B4:B5" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(row=5, column=5).value == "陈采购"
    assert ws.cell(row=5, column=8).value == "一级（高）"
    assert ws.cell(row=4, column=8).value == "三级（低）"


def _leader_in_charge_of(world, n):
    leader = make_person(world.hospital, None, f"L{n}", f"分管领导{n}")
    for i in range(n):
        dept = make_department(world.hospital, f"科室{n}-{i}", f"D{n}-{i}")
        head = make_person(world.hospital, dept, f"H{n}-{i}", f"主任{n}-{i}")
        dept.head = head
        dept.save(update_fields=["head"])
        post = Post.objects.create(
            organisation=world.hospital, department=dept, name=f"岗位{i}", code=f"P{n}-{i}"
        )
        make_person(world.hospital, dept, f"S{n}-{i}", f"职工{n}-{i}", post)
        LeaderDivision.objects.create(leader=leader, department=dept, since=dt.date(2020, 1, 1))
        power = make_power(world.hospital, f"权力{n}-{i}", department=dept, steps=["受理", "审批"])
        step = PowerStep.objects.filter(power=power).first()
        for level_scores in ((3, 3), (2, 2)):
            point = make_risk_point(
                power=power,
                step=step,
                post=post,
                name=f"风险{n}-{i}-{level_scores[0]}",
                likelihood=level_scores[0],
                harm=level_scores[1],
                status=FILED,
            )
            make_measure(world.hospital, f"措施{point.pk}", owner_department=dept, points=[point])
    return leader


def test_query_count_does_not_grow_with_departments(world):
    counts = []
    for n in (2, 10):
        leader = _leader_in_charge_of(world, n)
        with CaptureQueriesContext(connection) as queries:
            table = positioning.positioning_table(user=world.users["integrity"], leader=leader)
        assert len(table.rows) == 2 * n
        assert all(row.measures and row.holders for row in table.rows)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert Measure.objects.count() == 24


def test_the_same_risk_on_several_posts_is_one_row(world, filed, login):
    # The library files one copy per post: the table shows it once, with both posts.
    clerk_post = Post.objects.create(
        organisation=world.hospital, department=world.procurement, name="招标专员", code="P-ZB"
    )
    a = filed["a"]
    make_risk_point(
        power=a.power,
        step=a.step,
        post=clerk_post,
        name=a.name,
        likelihood=1,
        harm=1,
        status=FILED,
    )
    RiskPoint.objects.filter(post=clerk_post).update(manifestation=a.manifestation)
    table = positioning.positioning_table(user=world.users["integrity"], leader=world.leader_person)
    rows = [row for row in table.rows if row.point.name == a.name]
    assert len(rows) == 1
    assert rows[0].post_label == "采购员、招标专员"
    assert rows[0].point.level == a.level  # the more serious copy


def test_levels_filter_and_pdf_cap(world, filed, login, monkeypatch):
    client = login(world.users["integrity"])
    url = reverse("risks:positioning", args=[world.leader_person.pk])
    everything = client.get(url).content.decode()
    level_one = client.get(url + "?levels=1").content.decode()
    assert everything.count('data-testid="positioning-row"') == 3
    assert level_one.count('data-testid="positioning-row"') == 1
    assert "遴选中透露评分标准" in level_one
    monkeypatch.setattr(positioning, "PDF_MAX_ROWS", 2)
    response = client.get(
        reverse("risks:positioning_pdf", args=[world.leader_person.pk]), follow=True
    )
    assert response.redirect_chain[-1][0].endswith(url)
    assert "超过 PDF 上限 2 行" in response.content.decode()
    response = client.get(
        reverse("risks:positioning_pdf", args=[world.leader_person.pk]) + "?levels=1"
    )
    assert response["Content-Type"] == "application/pdf"


def test_official_copies_leave_drafts_out_unless_asked_and_then_mark_them(world, filed, login):
    draft = make_risk_point(
        power=filed["a"].power,
        step=filed["a"].step,
        department=world.procurement,
        name="草稿中的遴选风险",
    )
    client = login(world.users["integrity"])
    page = reverse("risks:positioning", args=[world.leader_person.pk])
    assert draft.name not in client.get(page).content.decode()
    text = client.get(page, {"drafts": "1"}).content.decode()
    assert draft.name in text and "?drafts=1" in text  # downloads keep the choice
    xlsx = reverse("risks:positioning_xlsx", args=[world.leader_person.pk])
    ws = load_workbook(io.BytesIO(client.get(xlsx).content)).active
    names = [ws.cell(row=r, column=6).value for r in range(4, ws.max_row + 1)]
    assert draft.name not in "".join(n or "" for n in names)
    ws = load_workbook(io.BytesIO(client.get(xlsx, {"drafts": "1"}).content)).active
    names = [ws.cell(row=r, column=6).value for r in range(4, ws.max_row + 1)]
    assert f"{draft.name}（草稿）" in names
    pdf = reverse("risks:positioning_pdf", args=[world.leader_person.pk])
    assert draft.name not in "".join(pdf_text(client.get(pdf).content).split())
    compact = "".join(pdf_text(client.get(pdf, {"drafts": "1"}).content).split())
    assert draft.name in compact and "草稿" in compact


def test_excel_prints_one_page_wide_with_numbers_and_a_signature_line(world, filed, login):
    client = login(world.users["integrity"])
    xlsx = reverse("risks:positioning_xlsx", args=[world.leader_person.pk])
    ws = load_workbook(io.BytesIO(client.get(xlsx).content)).active
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    # one page wide (1 is the attribute's default, so it may be left out), any number tall
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows == "$3:$3"  # the header row on every page
    assert [ws.cell(row=r, column=1).value for r in (4, 5, 6)] == [1, 2, 3]  # numbers
    assert ws.cell(row=4, column=1).data_type == "n"
    last = ws.max_row
    assert "本人签字" in ws.cell(row=last, column=1).value
    assert "纪检监察部门" in ws.cell(row=last, column=1).value


def test_pdf_repeats_the_groups_text_on_every_row(world, filed, login, monkeypatch):
    # 40 risk points on one power and step: the table runs over several pages, and each page
    # must still say which power and step its rows belong to.
    power = filed["a"].power
    for i in range(40):
        make_risk_point(
            power=power,
            step=filed["a"].step,
            post=filed["a"].post,
            name=f"遴选风险{i:02d}",
            manifestation="采购员在供应商遴选环节向特定供应商透露评分标准并收取好处" * 3,
            status=FILED,
        )
    client = login(world.users["integrity"])
    response = client.get(reverse("risks:positioning_pdf", args=[world.leader_person.pk]))
    assert response.status_code == 200
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 3
    # every continuation page of the purchase power's rows names the power and the step
    continued = [p for p in reader.pages[1:] if "遴选风险" in p.extract_text()]
    assert len(continued) >= 2
    for page in continued:
        text = "".join(page.extract_text().split())
        assert "药品耗材采购" in text and "供应商遴选" in text
