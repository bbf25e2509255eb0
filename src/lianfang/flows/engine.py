"""SpiffWorkflow 3.2 behind a small surface: build a workflow from a version's BPMN, run it to
its next user tasks, complete one, go back to an earlier one, and (de)serialise it as JSON.

Gateway conditions go through `FlowScriptEngine`, which evaluates with `conditions` (simpleeval)
and refuses scripts: nothing here ever calls Python's eval or exec.
"""

import functools
import uuid

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from . import conditions

USER_TASK = "UserTask"


class EngineError(Exception):
    """The workflow could not go on (message in Chinese)."""


class FlowScriptEngine(PythonScriptEngine):
    """Evaluates gateway conditions with `conditions.evaluate` over the typed form values
    (`names`, amounts as Decimal) and the task's data (e.g. `decision`). Scripts are refused."""

    def __init__(self, names: dict | None = None):
        super().__init__()
        self.names = dict(names or {})

    def validate(self, expression):
        conditions.check(expression)

    def evaluate(self, task, expression, external_context=None):
        context = {k: v for k, v in (task.data or {}).items() if not k.startswith("_")}
        context.update(self.names)
        if "decision" in (task.data or {}):
            context["decision"] = task.data["decision"]
        try:
            return conditions.evaluate(expression, context)
        except conditions.ConditionError as exc:
            raise EngineError(str(exc)) from None

    def execute(self, task, script, external_context=None):
        raise EngineError("流程中不允许脚本任务。")

    def call_service(self, task, **kwargs):
        raise EngineError("流程中不允许服务任务。")


_serializer = BpmnWorkflowSerializer()


def parse_process(tree, process_id: str):
    """The SpiffWorkflow spec of `process_id` from a parsed (hardened) lxml tree."""
    parser = BpmnParser()
    parser.add_bpmn_xml(tree)
    return parser.get_spec(process_id)


@functools.lru_cache(maxsize=64)
def _spec_of(bpmn_text: str, process_id: str):
    from .bpmn import parse_xml

    return parse_process(parse_xml(bpmn_text), process_id)


def new_workflow(bpmn_text: str, process_id: str, names: dict) -> BpmnWorkflow:
    """A fresh workflow of the process, run up to its first user tasks."""
    workflow = BpmnWorkflow(_spec_of(bpmn_text, process_id), script_engine=FlowScriptEngine(names))
    workflow.do_engine_steps()
    return workflow


def load(state: dict, names: dict) -> BpmnWorkflow:
    """Restore a serialised workflow, evaluating its conditions over `names`."""
    workflow = _serializer.from_dict(_copy(state))
    workflow.script_engine = FlowScriptEngine(names)
    return workflow


def dump(workflow: BpmnWorkflow) -> dict:
    """The workflow as a JSON-able dict (stored on the instance)."""
    import json

    return json.loads(_serializer.serialize_json(workflow))


def _copy(state: dict) -> dict:
    import copy

    dct = copy.deepcopy(state)
    _serializer.migrate(dct)
    return dct


def ready_user_tasks(workflow: BpmnWorkflow) -> list:
    """The user tasks waiting for a person, in a stable order."""
    tasks = workflow.get_tasks(state=TaskState.READY, manual=True)
    return sorted(tasks, key=lambda t: (t.task_spec.name, str(t.id)))


def complete(workflow: BpmnWorkflow, task_id, data: dict | None = None) -> None:
    """Complete the ready user task `task_id` with `data` and run on to the next user tasks."""
    task = workflow.get_task_from_id(_uuid(task_id))
    if task is None or task.state != TaskState.READY:
        raise EngineError("该环节不是待办状态。")
    if data:
        task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def completed_user_tasks(workflow: BpmnWorkflow) -> list:
    """The completed user tasks, oldest first."""
    tasks = workflow.get_tasks(state=TaskState.COMPLETED, manual=True)
    return sorted(tasks, key=lambda t: t.last_state_change)


def reset_to(workflow: BpmnWorkflow, bpmn_id: str) -> None:
    """Go back to the latest completed run of user task `bpmn_id`: it becomes ready again and
    everything after it is dropped."""
    done = [t for t in completed_user_tasks(workflow) if t.task_spec.name == bpmn_id]
    if not done:
        raise EngineError("只能退回到已经办理过的环节。")
    workflow.reset_from_task_id(done[-1].id)
    workflow.do_engine_steps()


def cancel(workflow: BpmnWorkflow) -> None:
    workflow.cancel()


def is_completed(workflow: BpmnWorkflow) -> bool:
    return workflow.is_completed()


def _uuid(value):
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
