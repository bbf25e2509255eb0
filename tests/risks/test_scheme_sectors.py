"""Grading schemes that suit the organisation: a hospital's default kinds of matter are a
hospital's, and a unit that switched to 5×5 can go back to 3×3."""

import pytest
from django.urls import reverse

from lianfang.libraries import list_packs, load_pack
from lianfang.org.models import Organisation
from lianfang.risks import grading, sectors, services
from lianfang.risks.models import GradingScheme, RiskPoint, RiskPointEvent
from lianfang.risks.register_forms import RiskPointForm
from tests.factories import make_org
from tests.risks.factories import make_power, make_risk_point

pytestmark = pytest.mark.django_db

GOVERNMENT_WORDS = (
    "行政许可审批",
    "罚没物品入库及处理",
    "行政处罚审批",
    "重大行政执法行为",
    "年检验照",
)


def labels(keys) -> set[str]:
    return {str(grading.MATTER_LABELS[key]) for key in keys}


def test_a_hospitals_default_kinds_of_matter_are_a_hospitals(world):
    hospital = labels(grading.default_scheme_values(organisation=world.hospital)["matter_levels"])
    assert not hospital & set(GOVERNMENT_WORDS)
    assert {"药品耗材和设备采购", "医疗收费和医保结算", "重大事项决策", "公务接待"} <= hospital
    # the commission (主管部门) and a bureau keep the government list
    commission = labels(
        grading.default_scheme_values(organisation=world.commission)["matter_levels"]
    )
    assert set(GOVERNMENT_WORDS) <= commission and "药品耗材和设备采购" not in commission
    # an organisation of kind 其他, and no organisation at all, get every kind
    other = make_org("某单位", "QT", kind=Organisation.Kind.OTHER)
    assert set(grading.default_scheme_values(organisation=other)["matter_levels"]) == set(
        grading.MATTER_LABELS
    )
    assert set(grading.default_scheme_values()["matter_levels"]) == set(grading.MATTER_LABELS)


def test_a_hospitals_default_scheme_and_its_page_say_nothing_of_penalties(world, login):
    assert not labels(grading.active_scheme(world.hospital).matter_levels) & set(GOVERNMENT_WORDS)
    client = login(world.users["integrity"])
    page = client.get(reverse("risks:scheme_organisation", args=[world.hospital.pk])).content
    page = page.decode()
    assert "药品耗材和设备采购" in page
    for word in GOVERNMENT_WORDS:
        assert word not in page, word
    form = client.get(reverse("risks:scheme_create", args=[world.hospital.pk]) + "?method=matter")
    page = form.content.decode()
    assert 'name="matter_medical_billing"' in page and 'name="matter_penalty_approval"' not in page
    for word in GOVERNMENT_WORDS:
        assert word not in page, word


def test_a_saved_matter_scheme_of_a_hospital_grades_hospital_matters(world):
    actor = world.users["integrity"]
    scheme = services.scheme_save(
        actor=actor, organisation=world.hospital, values={"method": "matter"}
    )
    assert scheme.matter_levels["medical_procurement"] == 2
    assert "penalty_approval" not in scheme.matter_levels
    # the filing form offers the kinds the scheme grades, by level
    services.scheme_activate(actor=actor, scheme=scheme)
    form = RiskPointForm(user=actor, organisation=world.hospital)
    offered = {
        str(label)
        for _group, options in form.fields["matter_kind"].choices[1:]
        for _key, label in options
    }
    assert offered == labels(scheme.matter_levels)


def test_editing_keeps_a_kind_the_scheme_grades_outside_the_sector(world, login):
    actor = world.users["integrity"]
    scheme = services.scheme_save(
        actor=actor,
        organisation=world.hospital,
        values={"method": "matter", "matter_levels": {"penalty_approval": 2, "finance": 2}},
    )
    page = login(actor).get(reverse("risks:scheme_edit", args=[scheme.pk])).content.decode()
    assert 'name="matter_penalty_approval"' in page  # kept, so saving does not drop it
    assert 'name="matter_medical_billing"' in page  # the hospital's kinds are offered
    assert 'name="matter_confiscated_goods"' not in page


@pytest.mark.parametrize("info", list_packs(), ids=lambda info: info.key)
def test_every_pack_point_is_graded_by_the_default_list_of_the_kinds_it_suits(info):
    """A unit grading by kind of matter with its default list grades every point it imports
    from a pack made for it."""
    used = {r.matter_kind for r in load_pack(info.key).risk_points if r.matter_kind}
    assert used
    for kind in sectors.pack_kinds(info.sector):
        missing = used - set(grading.matter_kinds_for(Organisation(kind=kind)))
        assert not missing, (kind, missing)


# Back to 3×3 -----------------------------------------------------------------------------------


@pytest.fixture
def register(world):
    power = make_power(world.hospital, "药品耗材采购", department=world.procurement)
    return [
        make_risk_point(power=power, likelihood=a, harm=b, name=f"风险{a}{b}", status="filed")
        for a in (1, 2, 3)
        for b in (1, 2, 3)
    ]


def test_after_5x5_the_page_offers_the_way_back_to_3x3(world, login, register):
    client = login(world.users["integrity"])
    page_url = reverse("risks:scheme_organisation", args=[world.hospital.pk])
    assert 'data-testid="switch-3x3"' not in client.get(page_url).content.decode()  # default
    client.post(reverse("risks:scheme_switch", args=[world.hospital.pk, 5]))
    page = client.get(page_url).content.decode()
    assert 'data-testid="switch-3x3"' in page and 'data-testid="switch-5x5"' not in page
    response = client.post(reverse("risks:scheme_switch", args=[world.hospital.pk, 3]), follow=True)
    page = response.content.decode()
    assert "已切换为 3×3 矩阵，已重新定级 8 个风险点" in page
    assert 'data-testid="switch-3x3"' not in page and 'data-testid="switch-5x5"' in page
    scheme = grading.active_scheme(world.hospital)
    assert (scheme.method, scheme.matrix_size) == ("matrix", 3)
    # the scores are back where they were, and each change is in the points' history
    scores = sorted(RiskPoint.objects.values_list("likelihood", "harm"))
    assert scores == [(a, b) for a in (1, 2, 3) for b in (1, 2, 3)]
    assert (
        RiskPointEvent.objects.filter(
            type="regraded", reason="定级方案变更：5×5 矩阵 → 3×3 矩阵"
        ).count()
        == 8
    )


def test_switching_back_and_forth_reuses_the_earlier_schemes(world, register):
    actor = world.users["integrity"]
    five = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    three = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=3)
    again = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=5)
    back = services.scheme_switch_to_matrix(actor=actor, organisation=world.hospital, size=3)
    assert again.scheme.pk == five.scheme.pk and back.scheme.pk == three.scheme.pk
    assert GradingScheme.objects.filter(organisation=world.hospital).count() == 2
    assert again.points == 8  # each switch still re-grades
