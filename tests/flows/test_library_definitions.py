"""The shipped flow definitions (libraries/flows/*.bpmn): each parses, names a handler on every
user task, maps to codes of the hospital pack, and publishes at every control point."""

from pathlib import Path

import pytest
import yaml
from defusedxml import ElementTree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser

import lianfang.libraries
from lianfang.flows import bpmn

LIBRARY = Path(lianfang.libraries.__file__).parent
FLOWS = sorted((LIBRARY / "flows").glob("*.bpmn"))
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
LF = "{http://lianfang.org/schema/bpmn/1}"

KEY_POWERS = {"goods_procurement", "construction_project", "cadre_selection"}
KEY_POWERS |= {"expense_reimbursement", "major_matter"}
OFFICE = {"document_handling", "seal_use", "statistics_release", "archive_access"}
OFFICE |= {"travel_abroad_official", "travel_abroad_private", "annual_appraisal", "award"}
OFFICE |= {"discipline"}


def hospital_codes():
    pack = yaml.safe_load((LIBRARY / "hospital.yaml").read_text(encoding="utf-8"))
    powers = {p["code"] for p in pack["powers"]}
    steps = {f"{p['code']}/{s['key']}" for p in pack["powers"] for s in p.get("steps", ())}
    return powers, steps


def process_of(path):
    root = ElementTree.parse(path).getroot()
    (process,) = root.findall(f"{BPMN}process")
    return root, process


def test_the_library_ships_the_five_key_powers_and_the_office_flows():
    assert {p.stem for p in FLOWS} >= KEY_POWERS | OFFICE


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.stem)
def test_each_definition_parses_and_carries_its_rules(path):
    parser = BpmnParser()
    parser.add_bpmn_file(str(path))
    assert parser.get_process_ids() == [path.stem]
    spec = parser.get_spec(path.stem)
    assert spec.task_specs

    powers, steps = hospital_codes()
    root, process = process_of(path)
    assert process.get("name")
    if process.get(f"{LF}power"):
        assert process.get(f"{LF}power") in powers
    fields = {f.get("name"): f for f in process.iter(f"{LF}field")}
    assert fields, "a flow without a form"
    tasks = process.findall(f"{BPMN}userTask")
    assert tasks
    for task in tasks:
        name = task.get("name")
        assert task.get(f"{LF}handler"), name
        if task.get(f"{LF}step"):
            assert task.get(f"{LF}step") in steps, name
        if task.get(f"{LF}controlPoint") == "true":
            published = [f for f in (task.get(f"{LF}publishes") or "").split(",") if f]
            assert published, f"{name} publishes nothing"
            for field in published:
                assert field in fields, f"{name} publishes the unknown field {field}"
                assert fields[field].get("public") == "true", f"{field} is not public"
        if task.get(f"{LF}subject"):
            assert fields[task.get(f"{LF}subject")].get("type") == "person"
    # the engine's own validation (every reason a definition would be refused) passes
    assert bpmn.parse(path.read_text(encoding="utf-8"))["process_id"] == path.stem
    # bpmn-js draws what has a shape: every flow node and sequence flow has one
    drawn = {
        e.get("bpmnElement") for e in root.iter() if e.tag in (f"{DI}BPMNShape", f"{DI}BPMNEdge")
    }
    elements = {e.get("id") for e in process if e.get("id")}
    assert elements <= drawn


def test_procurement_of_150000_routes_through_every_tier():
    """¥150,000 goes 部门负责人 → 分管院长 → 院长 → 三重一大, by the gateways' conditions."""
    _, process = process_of(LIBRARY / "flows" / "goods_procurement.bpmn")
    by_id = {e.get("id"): e for e in process}
    flows = process.findall(f"{BPMN}sequenceFlow")

    def route(amount):
        node, names = next(e for e in process if e.tag == f"{BPMN}startEvent"), []
        while node.tag != f"{BPMN}endEvent":
            if node.tag == f"{BPMN}userTask":
                names.append(node.get("name"))
            outgoing = [f for f in flows if f.get("sourceRef") == node.get("id")]
            chosen = None
            for flow in outgoing:
                condition = flow.find(f"{BPMN}conditionExpression")
                if condition is not None:
                    _field, op, limit = condition.text.split()
                    assert op == ">="
                    if amount >= int(limit):
                        chosen = flow
            if chosen is None:
                chosen = next(
                    f for f in outgoing if f.get("id") == node.get("default") or len(outgoing) == 1
                )
            node = by_id[chosen.get("targetRef")]
        return names

    assert route(150000)[:4] == ["部门负责人审核", "分管院长审批", "院长审批", "“三重一大”集体决策"]
    assert route(3000)[:2] == ["部门负责人审核", "采购实施与合同签订"]
    assert "院长审批" not in route(30000)
