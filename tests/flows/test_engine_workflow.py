"""SpiffWorkflow behind engine.py: routing by amount, serialising, going back, no scripts."""

from decimal import Decimal

import pytest

from lianfang.flows import engine

from .flowkit import bpmn_text


def names(workflow):
    return [t.task_spec.name for t in engine.ready_user_tasks(workflow)]


def approve(workflow):
    [task] = engine.ready_user_tasks(workflow)
    engine.complete(workflow, task.id, {"decision": "approve"})


@pytest.mark.parametrize("amount,route", [("150000", ["head", "leader"]), ("5000", ["head"])])
def test_routes_by_amount_and_survives_serialising(amount, route):
    values = {"amount": Decimal(amount)}
    workflow = engine.new_workflow(bpmn_text("test_purchase"), "test_purchase", values)
    seen = []
    while not engine.is_completed(workflow):
        seen += names(workflow)
        state = engine.dump(workflow)
        workflow = engine.load(state, values)  # every step goes through JSON, as in the database
        approve(workflow)
    assert seen == route


def test_return_to_an_earlier_task():
    values = {"amount": Decimal("150000")}
    workflow = engine.new_workflow(bpmn_text("test_purchase"), "test_purchase", values)
    approve(workflow)
    assert names(workflow) == ["leader"]
    engine.reset_to(workflow, "head")
    assert names(workflow) == ["head"]
    workflow = engine.load(engine.dump(workflow), values)
    approve(workflow)
    assert names(workflow) == ["leader"]
    approve(workflow)
    assert engine.is_completed(workflow)


def test_return_only_to_a_task_already_done():
    workflow = engine.new_workflow(bpmn_text("test_purchase"), "test_purchase", {})
    with pytest.raises(engine.EngineError):
        engine.reset_to(workflow, "leader")


def test_completing_a_task_not_ready_is_refused():
    values = {"amount": Decimal("150000")}
    workflow = engine.new_workflow(bpmn_text("test_purchase"), "test_purchase", values)
    [task] = engine.ready_user_tasks(workflow)
    approve(workflow)
    with pytest.raises(engine.EngineError):
        engine.complete(workflow, task.id)


def test_the_script_engine_runs_no_scripts():
    script_engine = engine.FlowScriptEngine({})
    with pytest.raises(engine.EngineError):
        script_engine.execute(None, "import os")
    with pytest.raises(engine.EngineError):
        script_engine.call_service(None)


def test_conditions_go_through_simpleeval_not_eval(monkeypatch):
    import builtins

    def forbidden(*args, **kwargs):
        raise AssertionError("eval called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    values = {"amount": Decimal("150000")}
    workflow = engine.new_workflow(bpmn_text("test_purchase"), "test_purchase", values)
    approve(workflow)
    assert names(workflow) == ["leader"]
