import importlib

import pytest
from django.db import transaction

from lianfang.libraries import validate
from lianfang.risks import register_io
from lianfang.risks.models import GenericPhrase, RiskPoint
from lianfang.risks.vagueness import (
    DEFAULT_PHRASES,
    MIN_MANIFESTATION_CHARS,
    FilingProblem,
    check_filing,
    counted_chars,
    find_phrases,
)
from tests.libraries.test_loader import good_pack
from tests.risks.factories import make_measure, make_power, make_risk_point
from tests.risks.test_positioning import register  # noqa: F401 - the shared fixture
from tests.risks.test_register_io import export_bytes, save, sheet

pytestmark = pytest.mark.django_db


@pytest.fixture
def power(world):
    return make_power(
        world.hospital, "药品耗材采购", department=world.procurement, steps=["遴选", "验收"]
    )


@pytest.fixture
def concrete(world, power):
    """A risk point that passes every rule."""
    point = make_risk_point(
        power=power, department=world.procurement, step=power.steps.get(key="s1")
    )
    make_measure(world.hospital, owner_person=world.procurement_person, points=[point])
    return point


def codes(point):
    return [p.code for p in check_filing(point)]


def test_a_concrete_point_passes(concrete):
    assert check_filing(concrete) == []


def test_power_with_steps_needs_a_step(concrete):
    concrete.step = None
    problems = check_filing(concrete)
    assert [p.code for p in problems] == [FilingProblem.NO_STEP]
    assert "药品耗材采购" in problems[0].message and "环节" in problems[0].message


def test_power_without_steps_needs_no_step(world, concrete):
    concrete.power = make_power(world.hospital, "科室二级库管理")
    concrete.step = None
    assert check_filing(concrete) == []


def test_step_of_another_power_is_refused(world, concrete):
    other = make_power(world.hospital, "设备采购", steps=["论证"])
    concrete.step = other.steps.get()
    assert codes(concrete) == [FilingProblem.STEP_NOT_OF_POWER]


def test_short_manifestation_is_refused(concrete):
    concrete.manifestation = "收受回扣。"
    problems = check_filing(concrete)
    assert [p.code for p in problems] == [FilingProblem.MANIFESTATION_TOO_SHORT]
    assert "过于简短" in problems[0].message and "12" in problems[0].message


def test_punctuation_and_spaces_do_not_count():
    assert counted_chars("收受 回扣，，，。。。   ") == 4
    assert counted_chars("abc 123") == 6


@pytest.mark.parametrize(
    "text, count",
    [
        ("", 0),
        (None, 0),
        ("医生在 HIS 中修改 LIS 结果", 14),  # ASCII letters count like Chinese characters
        ("收受回扣（约 5,000 元）", 10),  # digits count; the comma and brackets do not
        ("“回扣”《处方》、——……！？", 4),  # Chinese punctuation
        ('"kick-back" (x2); ok?', 12),  # ASCII punctuation
        ("ＨＩＳ系统１２３", 8),  # full-width letters and digits
        ("HIS_LIS", 6),  # the underscore is punctuation here
        ("收受\n回扣\t红包　礼金", 8),  # line breaks, tabs and the ideographic space
        ("㐀𠀀收受", 4),  # characters outside the common block
        ("收受回扣 ✓ → 😀 ±5%", 5),  # symbols and emoji
    ],
)
def test_counting_mixed_chinese_ascii_and_punctuation(text, count):
    assert counted_chars(text) == count


def test_ungraded_point_is_refused(concrete):
    concrete.level = None
    assert codes(concrete) == [FilingProblem.NOT_GRADED]


def test_point_without_measure_is_refused(world, power):
    point = make_risk_point(power=power, step=power.steps.first())
    problems = check_filing(point)
    assert [p.code for p in problems] == [FilingProblem.NO_MEASURE]
    assert "防控措施" in problems[0].message


def test_generic_phrase_in_manifestation_is_named(concrete):
    concrete.manifestation = "采购人员廉洁意识淡薄，政治学习不够扎实，业务程序有待进一步规范"
    problems = check_filing(concrete)
    assert {p.code for p in problems} == {FilingProblem.GENERIC_PHRASE}
    found = {p.phrase for p in problems}
    # the longest matching phrase is named, not also the shorter ones inside it
    assert found == {"意识淡薄", "政治学习不够扎实", "业务程序有待进一步规范"}
    assert any("“政治学习不够扎实”" in p.message and "表现形式" in p.message for p in problems)


def test_generic_phrase_in_name_and_measure(world, concrete):
    concrete.name = "制度落实不到位"
    make_measure(
        world.hospital, "加强学习，还需加强教育", owner_department=world.finance, points=[concrete]
    )
    problems = check_filing(concrete)
    assert {(p.field, p.phrase) for p in problems} == {
        ("name", "落实不到位"),
        ("measures", "还需加强"),
        ("measures", "加强"),  # a generic verb, saying neither when nor how it is checked
    }
    assert any("风险点名称" in p.message for p in problems)


def test_disabled_phrase_is_not_flagged(concrete):
    GenericPhrase.objects.filter(organisation=None, phrase="有待加强").update(active=False)
    concrete.manifestation = "采购员在遴选环节与供应商串通，监督有待加强"
    assert check_filing(concrete) == []


def test_phrases_of_the_organisation_and_its_ancestors_apply_not_of_others(world, concrete):
    concrete.manifestation = "采购员在遴选环节按惯例处理供应商的样品和报价单"
    GenericPhrase.objects.create(organisation=world.other_hospital, phrase="按惯例")
    assert check_filing(concrete) == []
    GenericPhrase.objects.create(organisation=world.commission, phrase="按惯例", reason="说不清")
    problems = check_filing(concrete)
    assert [p.phrase for p in problems] == ["按惯例"]
    assert "说不清" in problems[0].message


def test_find_phrases_is_case_insensitive():
    phrases = [GenericPhrase(phrase="To Be Improved")]
    assert find_phrases("process to be improved", phrases) == phrases


def test_phrase_list_is_seeded_globally(db):
    seeded = set(
        GenericPhrase.objects.filter(organisation=None, kind=GenericPhrase.Kind.POINT).values_list(
            "phrase", flat=True
        )
    )
    assert seeded == set(DEFAULT_PHRASES)
    assert {"政治学习不够扎实", "业务程序有待进一步规范", "有待进一步", "不够到位"} <= seeded


def test_seeding_again_adds_nothing_and_keeps_disabled_phrases(db):
    from django.apps import apps

    seed = importlib.import_module("lianfang.risks.migrations.0003_seed_generic_phrases").seed
    GenericPhrase.objects.filter(organisation=None, phrase="有待加强").update(active=False)
    GenericPhrase.objects.filter(organisation=None, phrase="意识不强").delete()
    count = GenericPhrase.objects.count()
    seed(apps, None)
    seed(apps, None)
    assert GenericPhrase.objects.count() == count + 1
    assert not GenericPhrase.objects.get(organisation=None, phrase="有待加强").active


def test_problems_are_listed_in_the_order_of_their_codes(world, power):
    point = make_risk_point(
        power=power, name="监管有待加强", manifestation="意识淡薄", level=None, grade=False
    )
    assert codes(point) == [
        FilingProblem.NO_STEP,
        FilingProblem.MANIFESTATION_TOO_SHORT,
        FilingProblem.NOT_GRADED,
        FilingProblem.NO_MEASURE,
        FilingProblem.GENERIC_PHRASE,
        FilingProblem.GENERIC_PHRASE,
    ]
    assert [p.field for p in check_filing(point)][-2:] == ["name", "manifestation"]


# -- one rule: the filing, the register import and the library loader agree ------------------

# (text, vague?) on the boundaries of the rule: length as counted, phrases, overlaps, scripts.
TEXTS = [
    ("采购员在遴选环节向特定供应商透露评分标准和其他投标人的报价", False),
    ("药剂科主任收受药企回扣款", False),  # exactly 12
    ("药剂科主任收受药企回扣", True),  # 11
    ("医生在 HIS 中修改 LIS 结果 3 次", False),  # 15 counted, only 8 of them Chinese
    ("ＨＩＳ系统管理员私自删改日志", False),
    ("收受 回扣，，，。。。   ", True),
    ("HIS：LIS，收红包！！！", True),
    ("政治学习不够扎实", True),
    ("采购环节业务程序有待进一步规范，监督管理工作还有欠缺", True),
    ("采购人员廉洁意识淡薄，政治学习不够扎实，业务程序有待进一步规范", True),
    ("检验科技师在LIS系统中改动检验结果，复核有待加强", True),
    ("验收时不认真", True),
]


def filing_verdict(point, text) -> list[str]:
    point.manifestation = text
    return [p.message for p in check_filing(point) if p.field == "manifestation"]


def loader_verdict(text) -> list[str]:
    data = good_pack()
    data["risk_points"][0]["manifestation"]["zh"] = text
    prefix = "风险点「" + data["risk_points"][0]["urn"] + "」："
    errors = validate(data)
    assert all(e.startswith(prefix) for e in errors), errors
    return [e.removeprefix(prefix) for e in errors]


def import_verdict(world, point, text) -> list[str]:
    wb, ws = sheet(export_bytes(RiskPoint.objects.filter(pk=point.pk)))
    header = register_io.HEADER_ROW  # under the title, unit and date rows
    col = {c.value: i + 1 for i, c in enumerate(ws[header])}
    ws.cell(row=header + 1, column=col["状态"]).value = "已备案"
    ws.cell(row=header + 1, column=col["风险描述/表现形式"]).value = text
    with transaction.atomic():
        result = register_io.register_import(
            actor=world.users["integrity"], organisation=world.hospital, file=save(wb)
        )
        transaction.set_rollback(True)
    assert {e.column for e in result.errors} <= {"风险描述/表现形式"}, result.errors
    return [e.reason for e in result.errors]


def test_filing_import_and_loader_give_the_same_verdict(world, register):  # noqa: F811
    point = register["a"]
    assert point.status == RiskPoint.Status.DRAFT and check_filing(point) == []
    for text, vague in TEXTS:
        filing = filing_verdict(point, text)
        assert bool(filing) == vague, (text, filing)
        assert loader_verdict(text) == filing, text
        assert import_verdict(world, point, text) == filing, text
    assert RiskPoint.objects.get(pk=point.pk).status == RiskPoint.Status.DRAFT


def test_the_verdicts_name_the_length_counted_and_every_phrase(world, register):  # noqa: F811
    text = "意识淡薄，有待加强"
    messages = filing_verdict(register["a"], text)
    assert len(messages) == 3
    assert f"少于 {MIN_MANIFESTATION_CHARS} 个字" in messages[0]
    assert "“意识淡薄”" in messages[1] and "“有待加强”" in messages[2]
    assert loader_verdict(text) == messages
