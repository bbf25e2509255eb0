import importlib

import pytest

from lianfang.risks.models import GenericPhrase
from lianfang.risks.vagueness import FilingProblem, check_filing, counted_chars, find_phrases
from tests.risks.factories import make_measure, make_power, make_risk_point

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
    seeded = set(GenericPhrase.objects.filter(organisation=None).values_list("phrase", flat=True))
    assert {"政治学习不够扎实", "业务程序有待进一步规范"} <= seeded


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
