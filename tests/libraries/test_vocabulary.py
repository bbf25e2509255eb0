"""One vocabulary: the packs use the models' keys, the loader accepts exactly those, and the
domain page lists them as the models define them."""

import copy
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from lianfang.libraries import LIBRARY_DIR, load_pack, validate
from lianfang.org.models import Power, PowerStep
from lianfang.risks import grading
from lianfang.risks.models import Category, Level, Measure, MonitorRole, RiskPoint
from tests.libraries.test_loader import good_pack

SHIPPED = sorted(path.stem for path in LIBRARY_DIR.glob("*.yaml"))
DOMAIN_PAGE = Path(__file__).resolve().parents[2] / "docs" / "domain.md"


def field_problems(model, name, value) -> list[str]:
    """What the model field says of `value`: its choices and its length, as the database
    would hold it."""
    try:
        model._meta.get_field(name).clean(value, None)
    except ValidationError as exc:
        return [f"{model.__name__}.{name}={value!r}: {m}" for m in exc.messages]
    return []


def test_every_shipped_pack_is_checked():
    assert len(SHIPPED) >= 5 and "hospital" in SHIPPED


@pytest.mark.parametrize("key", SHIPPED)
def test_every_value_of_a_shipped_pack_is_one_the_models_hold(key):
    pack = load_pack(key)
    problems = []
    for power in pack.powers:
        problems += field_problems(Power, "category", power.category)
        problems += field_problems(Power, "code", power.code)
        problems += field_problems(Power, "name", power.name.zh)
        problems += field_problems(Power, "library_urn", power.urn)
        for step in power.steps:
            problems += field_problems(PowerStep, "key", step.key)
            problems += field_problems(PowerStep, "name", step.name.zh)
    for risk in pack.risk_points:
        problems += field_problems(RiskPoint, "category", risk.category)
        problems += field_problems(RiskPoint, "name", risk.name.zh)
        problems += field_problems(RiskPoint, "library_urn", risk.urn)
        if risk.matter_kind is not None:
            problems += field_problems(RiskPoint, "matter_kind", risk.matter_kind)
            if risk.matter_kind not in grading.MATTER_LABELS:
                problems.append(f"{risk.urn}: matter_kind {risk.matter_kind!r}")
        unknown = [c for c in risk.criteria if c not in grading.CRITERIA]
        problems += [f"{risk.urn}: criterion {c!r}" for c in unknown]
        # the database's check constraint risks_riskpoint_scores_in_range
        for score in (risk.likelihood, risk.harm):
            if score not in range(1, 6):
                problems.append(f"{risk.urn}: score {score!r}")
    for measure in pack.measures:
        problems += field_problems(Measure, "library_urn", measure.urn)
    assert problems == []


def _pack_with(path, value):
    data = copy.deepcopy(good_pack())
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


POWER_CATEGORY = ("powers", 0, "category")
RISK_CATEGORY = ("risk_points", 0, "category")
MATTER_KIND = ("risk_points", 0, "matter_kind")
CRITERIA = ("risk_points", 0, "criteria")


@pytest.mark.parametrize(
    "path, value",
    [(POWER_CATEGORY, v) for v in Power.Category.values]
    + [(RISK_CATEGORY, v) for v in Category.values]
    + [(MATTER_KIND, v) for v in grading.MATTER_LABELS]
    + [(CRITERIA, [v]) for v in grading.CRITERIA],
)
def test_the_loader_accepts_every_key_of_the_models(path, value):
    assert validate(_pack_with(path, value)) == []


@pytest.mark.parametrize(
    "path, value",
    [
        # labels are not keys, and the spellings the loader once kept itself are refused
        (POWER_CATEGORY, "行政执法/处罚"),
        (POWER_CATEGORY, str(Power.Category.ENFORCEMENT.label)),
        (RISK_CATEGORY, "业务流程风险"),
        (MATTER_KIND, "大额度资金使用"),
        (CRITERIA, ["须公开或集体决策"]),
        (CRITERIA, ["disclosure"]),
    ],
)
def test_the_loader_refuses_what_the_models_do_not_hold(path, value):
    errors = validate(_pack_with(path, value))
    assert len(errors) == 1 and "不在允许的取值中" in errors[0], errors


# -- the domain page ------------------------------------------------------------------------

ROW = re.compile(r"^\| `([^`]+)` \| ([^|]+?) \|")


def page_table(heading: str) -> dict[str, str]:
    """The `key` | label rows of the table under the heading that names `heading`."""
    rows, inside = {}, False
    for line in DOMAIN_PAGE.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            inside = f"`{heading}`" in line
        elif inside and (match := ROW.match(line)):
            rows[match[1]] = match[2]
    return rows


def labels(choices) -> dict[str, str]:
    with translation.override("zh-hans"):
        return {str(key): str(label) for key, label in choices}


@pytest.mark.parametrize(
    "heading, choices",
    [
        ("org.models.Power.Category", Power.Category.choices),
        ("risks.models.Category", Category.choices),
        ("risks.models.Level", Level.choices),
        ("risks.grading.MATTER_KINDS", grading.MATTER_LABELS.items()),
        ("risks.grading.CRITERIA", grading.CRITERIA.items()),
        ("risks.models.MonitorRole", MonitorRole.choices),
    ],
)
def test_the_domain_page_lists_the_models_keys_and_labels(heading, choices):
    assert page_table(heading) == labels(choices)


def test_the_domain_page_gives_the_default_level_of_each_kind_of_matter():
    text = DOMAIN_PAGE.read_text(encoding="utf-8")
    for level, kinds in grading.MATTER_KINDS.items():
        for key in kinds:
            assert re.search(rf"^\| `{key}` \| [^|]+ \| {level} \|$", text, re.M), key
