"""The packs shipped with the platform load, validate and have real depth."""

import pytest

from lianfang.libraries import LIBRARY_DIR, list_packs, load_pack, validate, validate_packs

# key -> minimum (powers, risk points, measures)
MINIMUMS = {
    "hospital": (25, 80, 80),
    "market_regulation": (10, 30, 25),
    "office": (10, 30, 25),
    "land_resources": (8, 25, 20),
    "transport": (8, 25, 20),
}


@pytest.fixture(scope="module")
def packs():
    return {key: load_pack(key) for key in MINIMUMS}


def test_every_expected_pack_is_shipped_and_listed():
    infos = {info.key: info for info in list_packs()}
    assert set(MINIMUMS) <= set(infos)
    assert {p.stem for p in LIBRARY_DIR.glob("*.yaml")} == set(infos)
    for info in infos.values():
        assert info.urn == f"urn:lianfang:library:{info.sector}"
        assert info.version >= 1
        assert info.name.zh and info.name.en


@pytest.mark.parametrize("key", sorted(MINIMUMS))
def test_pack_validates_without_errors(packs, key):
    assert validate(packs[key]) == []


@pytest.mark.parametrize("key", sorted(MINIMUMS))
def test_pack_meets_the_minimum_counts(packs, key):
    powers, risk_points, measures = MINIMUMS[key]
    counts = packs[key].counts
    assert counts["powers"] >= powers
    assert counts["risk_points"] >= risk_points
    assert counts["measures"] >= measures


@pytest.mark.parametrize("key", sorted(MINIMUMS))
def test_every_power_has_risk_points_and_every_point_names_a_step(packs, key):
    # Filing asks for the power and its step (查不准的不能过关): a pack point without a step
    # could never be filed as imported.
    pack = packs[key]
    covered = {risk.power for risk in pack.risk_points}
    assert [p.urn for p in pack.powers if p.urn not in covered] == []
    assert [risk.urn for risk in pack.risk_points if not risk.step] == []
    assert all(p.steps and any(s.control_point for s in p.steps) for p in pack.powers)


def test_urns_and_codes_are_unique_across_packs(packs):
    assert validate_packs(list(packs.values())) == []


def test_hospital_covers_the_key_powers_and_professional_powers(packs):
    pack = packs["hospital"]
    categories = {p.category for p in pack.powers}
    assert {
        "procurement",
        "construction",
        "personnel",
        "finance",
        "decision",
        "prescribing",
        "treatment",
        "examination",
    } <= categories
    posts = {post for p in pack.powers for post in p.posts}
    assert "系统管理员" in posts


def test_hospital_cadre_competition_has_the_four_control_points(packs):
    power = packs["hospital"].power("urn:lianfang:hospital:power:cadre-competition")
    control = [s.name.zh for s in power.steps if s.control_point]
    assert len(control) == 4
    for word in ("方案", "资格审查", "拟任", "任职文件"):
        assert any(word in name for name in control), (word, control)


def test_grading_data_is_filled_in(packs):
    for pack in packs.values():
        kinds = {risk.matter_kind for risk in pack.risk_points}
        assert len(kinds - {None}) >= 4, pack.key
        assert sum(1 for risk in pack.risk_points if risk.criteria) >= 0.8 * len(pack.risk_points)
        # the matrix must not be flat: points spread over several L x C values
        assert len({risk.likelihood * risk.harm for risk in pack.risk_points}) >= 5, pack.key
