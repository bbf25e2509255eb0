"""Importing a standard library pack into an organisation (risks/library_import.py)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lianfang.core import audit
from lianfang.core.models import AuditEvent
from lianfang.org.models import Organisation, Post, Power, PowerStep
from lianfang.risks import library_import
from lianfang.risks.grading import default_scheme_values
from lianfang.risks.library_import import LibraryImportError
from lianfang.risks.models import GradingScheme, Measure, RiskPoint, RiskPointEvent
from tests.factories import make_department, make_org
from tests.risks.library_packs import generated_pack, tiny_pack, write_pack

TODAY = dt.date(2026, 3, 1)


@pytest.fixture
def packs(tmp_path, monkeypatch):
    monkeypatch.setattr(library_import, "PACKS_DIRECTORY", tmp_path)
    return tmp_path


def run(world, key="tiny", org=None, user="integrity"):
    return library_import.library_import(
        actor=world.users[user] if user else None,
        organisation=org or world.hospital,
        pack_key=key,
        today=TODAY,
    )


def urn(kind, slug):
    return f"urn:lianfang:tiny:{kind}:{slug}"


def points(world, slug):
    return RiskPoint.objects.filter(organisation=world.hospital, library_urn=urn("risk", slug))


def test_import_creates_powers_steps_risk_points_and_measures(world, packs):
    write_pack(packs, tiny_pack())
    report = run(world)

    assert (report.powers.created, report.steps.created) == (4, 6)
    assert report.risk_points.created == 5  # r4 lands on two posts
    assert report.measures.created == 4  # m1 serves two departments
    assert report.unmatched_departments == ["后勤保障科"]

    buy = Power.objects.get(organisation=world.hospital, library_urn=urn("power", "buy"))
    assert (buy.code, buy.department, buy.library_version) == ("TY-01", world.procurement, 1)
    assert [p.name for p in buy.posts.all()] == ["采购员"]
    assert list(buy.steps.values_list("key", "name", "order", "is_control_point")) == [
        ("plan", "编制计划", 1, False),
        ("order", "下单采购", 2, True),
    ]
    treat = Power.objects.get(library_urn=urn("power", "treat"))
    assert treat.department == world.cardiology  # "心内" found by a contains-match

    # r1: on the matched post, graded with the default 3×3 matrix after rescaling 5/4 → 3/3.
    r1 = points(world, "r1").get()
    assert (r1.subject, r1.post.name, r1.department) == ("post", "采购员", world.procurement)
    assert (r1.step.key, r1.likelihood, r1.harm, r1.level) == ("order", 3, 3, 1)
    assert (r1.source, r1.status) == (RiskPoint.Source.LIBRARY, RiskPoint.Status.DRAFT)
    assert r1.review_due == TODAY + dt.timedelta(days=90)
    assert r1.criteria == ["controls_money_goods", "discretion"]
    assert r1.matter_kind == "large_funds"
    # r2: department matched, its post not → the department; r3: nothing matched → the unit.
    r2 = points(world, "r2").get()
    assert (r2.subject, r2.department, r2.post) == ("department", world.finance, None)
    r3 = points(world, "r3").get()
    assert (r3.subject, r3.department, r3.step, r3.level) == ("unit", None, None, 3)
    assert sorted(points(world, "r4").values_list("post__name", flat=True)) == [
        "主治医师",
        "科主任",
    ]

    # Measures: one per (urn, owner department), each linked to all its risk points.
    m1 = Measure.objects.filter(library_urn=urn("measure", "m1"))
    owners = {m.owner_department: sorted(p.name for p in m.risk_points.all()) for m in m1}
    assert owners == {
        world.procurement: ["风险点r1"],
        world.cardiology: ["风险点r4", "风险点r4"],
    }
    m3 = Measure.objects.get(library_urn=urn("measure", "m3"))
    # No department matched and no integrity department: the first department owns it.
    assert m3.owner_department == world.procurement
    assert m3.status == Measure.Status.PLANNED

    # Every point has its IMPORTED timeline event, and a MEASURE_LINKED one per measure as
    # a single link writes it; every row its audit event; chain intact.
    events = RiskPointEvent.objects.filter(risk_point=r1).order_by("id")
    assert [e.type for e in events] == [
        RiskPointEvent.Type.IMPORTED,
        *[RiskPointEvent.Type.MEASURE_LINKED] * r1.measures.count(),
    ]
    assert events[0].changes["name"] == [None, "风险点r1"]
    assert events[0].changes["step"] == [None, "下单采购"]  # as the timeline shows it
    assert events[0].actor == world.users["integrity"]
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("library.import.risk_point.create") == 5
    assert actions.count("library.import.power.create") == 4
    assert actions.count("library.import.measure.create") == 4
    assert actions.count("library.import") == 1
    assert audit.verify().ok


def test_measures_of_unmatched_powers_go_to_the_integrity_department(world, packs):
    world.hospital.integrity_department = world.finance
    world.hospital.save()
    write_pack(packs, tiny_pack())
    run(world)
    assert Measure.objects.get(library_urn=urn("measure", "m3")).owner_department == world.finance


def test_scores_are_rescaled_to_the_active_matrix(world, packs):
    GradingScheme.objects.create(
        organisation=world.hospital,
        name="5×5",
        active=True,
        **default_scheme_values(size=5),
    )
    write_pack(packs, tiny_pack())
    run(world)
    r1 = points(world, "r1").get()
    assert (r1.likelihood, r1.harm, r1.level) == (5, 4, 1)  # 20 ≥ 15 → 一级
    r3 = points(world, "r3").get()
    assert (r3.likelihood, r3.harm, r3.level) == (1, 1, 3)
    assert r3.review_due == TODAY + dt.timedelta(days=365)


def test_taken_code_gets_a_suffix_and_is_reported(world, packs):
    Power.objects.create(organisation=world.hospital, code="TY-01", name="本院自建事项")
    write_pack(packs, tiny_pack())
    report = run(world)
    buy = Power.objects.get(library_urn=urn("power", "buy"))
    assert buy.code == "TY-01-2"
    assert report.renamed_codes == [(buy.name, "TY-01", "TY-01-2")]
    assert any("TY-01-2" in line for line in report.lines())


def counts(world):
    org = world.hospital
    return (
        Power.objects.filter(organisation=org).count(),
        PowerStep.objects.filter(power__organisation=org).count(),
        RiskPoint.objects.filter(organisation=org).count(),
        Measure.objects.filter(organisation=org).count(),
        Measure.risk_points.through.objects.count(),
        RiskPointEvent.objects.count(),
        AuditEvent.objects.count(),
    )


def test_importing_the_same_version_again_changes_nothing(world, packs):
    write_pack(packs, tiny_pack())
    run(world)
    before = counts(world)
    report = run(world)
    assert counts(world) == before
    assert not report.changed
    for kind in (report.powers, report.steps, report.risk_points, report.measures):
        assert (kind.created, kind.updated, kind.kept_local) == (0, 0, 0)
    assert (report.powers.unchanged, report.risk_points.unchanged) == (4, 5)
    assert "风险点：新增 0，更新 0，保留本地修改 0，未变 5" in report.lines()


def edit_point_locally(point, user, **values):
    changes = {}
    for field, value in values.items():
        changes[field] = [getattr(point, field), value]
        setattr(point, field, value)
    point.save()
    RiskPointEvent.objects.create(
        risk_point=point,
        type=RiskPointEvent.Type.UPDATED,
        actor=user,
        at=point.updated_at,
        changes=changes,
    )


def edit_locally(obj, user, action, **values):
    before = audit.snapshot(obj)
    for field, value in values.items():
        setattr(obj, field, value)
    obj.save()
    audit.record(actor=user, action=action, obj=obj, before=before, after=audit.snapshot(obj))


def test_newer_version_updates_unedited_fields_and_keeps_local_edits(world, packs):
    user = world.users["integrity"]
    write_pack(packs, tiny_pack(1))
    run(world)
    r1 = points(world, "r1").get()
    edit_point_locally(r1, user, name="本院改写的风险点名称")
    buy = Power.objects.get(library_urn=urn("power", "buy"))
    edit_locally(buy, user, "power.update", name="本院改写的权力名称")
    m2 = Measure.objects.get(library_urn=urn("measure", "m2"))
    edit_locally(m2, user, "measure.update", text="本院改写的措施内容，由财务科每月抽查")

    v2 = tiny_pack(2)
    r1_spec = v2["risk_points"][0]
    r1_spec["name"]["zh"] = "标准库新名称"
    r1_spec["manifestation"]["zh"] = "采购员把急需药品的订单拆分成小额订单绕开平台并收取回扣"
    r1_spec["harm"] = 1  # 3×3: 5/1 → 3/1, score 3 → 二级
    v2["powers"][0]["name"]["zh"] = "标准库新权力名称"
    v2["powers"][0]["basis"]["zh"] = "《中华人民共和国招标投标法》"
    for m in v2["measures"]:
        m["text"]["zh"] = m["text"]["zh"].replace("五万元", "十万元")
    v2["risk_points"] = [r for r in v2["risk_points"] if not r["urn"].endswith(":r3")]
    v2["measures"] = [m for m in v2["measures"] if not m["urn"].endswith(":m3")]
    new = dict(v2["risk_points"][1], urn=urn("risk", "r5"))
    new["manifestation"] = {
        "zh": "出纳在付款环节把款项转入与其有关联的个人账户并事后补单",
        "en": "x",
    }
    v2["risk_points"].append(new)
    write_pack(packs, v2)

    report = run(world)

    r1.refresh_from_db()
    assert r1.name == "本院改写的风险点名称"  # kept
    assert r1.manifestation.startswith("采购员把急需药品的订单拆分")  # updated
    assert (r1.harm, r1.level, r1.library_version) == (1, 2, 2)
    event = r1.events.filter(type=RiskPointEvent.Type.IMPORTED).order_by("-id").first()
    assert set(event.changes) == {"manifestation", "harm", "level", "review_due"}
    assert event.changes["level"] == [1, 2]
    assert r1.review_due == timezone.localdate(r1.created_at) + dt.timedelta(days=180)
    buy.refresh_from_db()
    assert buy.name == "本院改写的权力名称"
    assert buy.basis == "《中华人民共和国招标投标法》"
    m2.refresh_from_db()
    assert m2.text == "本院改写的措施内容，由财务科每月抽查"
    for m1 in Measure.objects.filter(library_urn=urn("measure", "m1")):
        assert "十万元" in m1.text
    assert "五万元" in Measure.objects.get(library_urn=urn("measure", "m3")).text

    assert points(world, "r3").exists()  # never deleted
    assert report.not_in_library == ["风险点r3"]
    r5 = points(world, "r5").get()
    assert r5.measures.get().library_urn == urn("measure", "m2")
    assert report.risk_points.created == 1
    assert report.risk_points.updated == 1
    assert report.risk_points.kept_local == 1
    assert report.risk_points.unchanged == 3
    assert (report.powers.updated, report.powers.kept_local) == (1, 1)
    assert report.measures.kept_local == 1
    assert report.previous_version == 1
    assert "保留本地修改：风险点「本院改写的风险点名称」：名称" in report.lines()
    assert any("已不在标准库中的风险点 1 个" in line for line in report.lines())

    # A third version still respects the edit made before the second import.
    v3 = tiny_pack(3)
    v3["risk_points"][0]["name"]["zh"] = "标准库第三版名称"
    write_pack(packs, v3)
    run(world)
    r1.refresh_from_db()
    assert r1.name == "本院改写的风险点名称"
    buy.refresh_from_db()
    assert buy.name == "本院改写的权力名称"


def test_a_level_set_by_hand_survives_a_new_version(world, packs):
    write_pack(packs, tiny_pack(1))
    run(world)
    r1 = points(world, "r1").get()
    r1.level, r1.level_manual = 3, True
    r1.save()
    RiskPointEvent.objects.create(
        risk_point=r1,
        type=RiskPointEvent.Type.REGRADED,
        at=r1.updated_at,
        changes={"level": [1, 3]},
        reason="本院采购量很小",
    )
    v2 = tiny_pack(2)
    v2["risk_points"][0]["harm"] = 5
    v2["risk_points"][0]["likelihood"] = 4
    write_pack(packs, v2)
    run(world)
    r1.refresh_from_db()
    assert r1.level == 3


def test_nothing_is_written_when_the_pack_does_not_validate(world, packs):
    broken = tiny_pack()
    broken["risk_points"][0]["manifestation"]["zh"] = "落实不到位"
    broken["risk_points"][1]["power"] = urn("power", "nowhere")
    write_pack(packs, broken)
    before = counts(world)
    with pytest.raises(LibraryImportError) as caught:
        run(world)
    assert "未导入任何数据" in str(caught.value)
    assert any("空泛表述“落实不到位”" in e for e in caught.value.errors)
    assert any("nowhere" in e and "不存在" in e for e in caught.value.errors)
    assert counts(world) == before


def test_an_organisation_without_departments_is_refused(world, packs):
    empty = make_org("示例市第三医院", "H3", world.commission)
    write_pack(packs, tiny_pack())
    before = counts(world)
    with pytest.raises(LibraryImportError) as caught:
        run(world, org=empty)
    assert "还没有任何科室" in str(caught.value)
    assert counts(world) == before
    assert not Power.objects.filter(organisation=empty).exists()


def test_an_unknown_pack_is_refused(world, packs):
    with pytest.raises(library_import.LibraryError) as caught:
        run(world, key="nope")
    assert "找不到标准库「nope」" in str(caught.value)


def test_import_without_an_actor_records_the_system(world, packs):
    write_pack(packs, tiny_pack())
    run(world, user=None)
    assert set(AuditEvent.objects.values_list("actor_label", flat=True)) == {"system"}
    assert not RiskPointEvent.objects.filter(actor__isnull=False).exists()


def small_org(code):
    org = make_org(f"测试医院{code}", code)
    procurement = make_department(org, "采购中心", "CGZX")
    Post.objects.create(organisation=org, department=procurement, name="采购员", code="CGY")
    return org


def queries_for(world, packs, n):
    """(SQL of the first import, SQL of the re-import) of a generated pack of n risk points."""
    key = write_pack(packs, generated_pack(n, sector=f"bulk{n}"))
    org = small_org(f"Q{n}")
    with CaptureQueriesContext(connection) as first:
        report = run(world, key=key, org=org)
    assert report.risk_points.created == n
    assert Measure.risk_points.through.objects.filter(measure__organisation=org).count() == n
    with CaptureQueriesContext(connection) as again:
        run(world, key=key, org=org)
    return [q["sql"] for q in first.captured_queries], [q["sql"] for q in again.captured_queries]


def test_query_count_does_not_grow_with_the_number_of_risk_points(world, packs):
    audit.record(actor=None, action="test.start")  # the chain head exists in both runs
    small_first, small_again = queries_for(world, packs, 5)
    mid_first, mid_again = queries_for(world, packs, 25)
    large_first, large_again = queries_for(world, packs, 300)
    assert len(small_first) == len(mid_first)
    assert len(small_again) == len(mid_again) == len(large_again)

    # Beyond one batch of rows only the inserts grow, one statement per batch.
    def reads(sqls):
        return [s.split(" WHERE ")[0] for s in sqls if s.startswith("SELECT")]

    assert reads(large_first) == reads(small_first)
    # (SQLite binds at most 999 parameters a statement: a batch is 40 to 500 rows.)
    assert len(large_first) - len(small_first) <= 300 // 10


def test_the_hospital_pack_imports_into_a_small_world(world):
    report = library_import.library_import(
        actor=world.users["integrity"], organisation=world.hospital, pack_key="hospital"
    )
    assert report.powers.created == 41
    assert report.risk_points.created >= 120
    hospital = world.hospital
    # 财务科 exists in the world: its powers and risk points sit on it.
    finance_points = RiskPoint.objects.filter(organisation=hospital, department=world.finance)
    assert finance_points.exists()
    assert not Measure.objects.filter(organisation=hospital, owner_department=None).exists()
    assert not RiskPoint.objects.filter(organisation=hospital, level=None).exists()
    assert not RiskPoint.objects.exclude(organisation=hospital).exists()
    assert Organisation.objects.get(pk=hospital.pk).name == hospital.name
    before = counts(world)
    again = library_import.library_import(
        actor=world.users["integrity"], organisation=hospital, pack_key="hospital"
    )
    assert counts(world) == before
    assert (again.risk_points.created, again.risk_points.updated) == (0, 0)
    assert audit.verify().ok


def test_a_score_changed_by_a_regrade_is_kept(world, packs):
    write_pack(packs, tiny_pack(1))
    run(world)
    r2 = points(world, "r2").get()  # 3/3 on the pack → 2/2 on the 3×3 matrix, 二级
    r2.likelihood, r2.level = 1, 3
    r2.save()
    RiskPointEvent.objects.create(
        risk_point=r2,
        type=RiskPointEvent.Type.REGRADED,
        at=r2.updated_at,
        changes={"likelihood": [2, 1], "level": [2, 3]},
        reason="连续两次复核未发现问题，下调等级",
    )
    v2 = tiny_pack(2)
    v2["risk_points"][1]["likelihood"] = 5
    v2["risk_points"][1]["harm"] = 5
    write_pack(packs, v2)
    report = run(world)
    r2.refresh_from_db()
    assert (r2.likelihood, r2.harm, r2.level) == (1, 3, 2)  # harm follows the library
    assert report.risk_points.kept_local == 1
    assert "保留本地修改：风险点「风险点r2」：可能性" in report.lines()
    # The same version again: the kept edit is reported again, nothing is written.
    events = RiskPointEvent.objects.count()
    again = run(world)
    assert RiskPointEvent.objects.count() == events
    assert (again.risk_points.updated, again.risk_points.kept_local) == (0, 1)
