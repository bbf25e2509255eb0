"""Reading a BPMN 2.0 definition: a hardened XML parse, our `lianfang:` extension, and the
validation that lists EVERY reason a definition is refused (in Chinese).

`parse(text, organisation=None) -> dict` returns the parsed spec stored on the version:

    {"process_id", "name", "power", "starters": [...],
     "fields": [{"name", "label", "type", "required", "public", "options"}],
     "tasks": {bpmn_id: {"name", "handler", "completion", "limit", "escalate_after",
                         "escalate_to", "control_point", "publishes", "publish_handler_name",
                         "attachments", "step", "subject", "order"}},
     "control_points": [bpmn_id, …]}
"""

import functools
import keyword
import re
from collections import deque

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from django.utils.translation import gettext as _
from lxml import etree

from . import conditions

MAX_BYTES = 2 * 1024 * 1024

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "lianfang": "http://lianfang.org/schema/bpmn/1",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
LF = "{" + NS["lianfang"] + "}"
BPMN = "{" + NS["bpmn"] + "}"

FIELD_TYPES = (
    "text",
    "textarea",
    "amount",
    "integer",
    "date",
    "choice",
    "person",
    "department",
    "supplier",
    "attachment",
    "boolean",
)
# A field whose name or label says one of these holds private data: never published.
PRIVATE_WORDS = (
    "身份证",
    "证件号",
    "电话",
    "手机",
    "住址",
    "地址",
    "id_card",
    "idcard",
    "phone",
    "mobile",
    "address",
)

_SIMPLE_RULES = {
    "dept_head",
    "leader_in_charge",
    "principal_leader",
    "integrity_office",
    "applicant",
}
_PREFIXED = re.compile(r"^(role|post|person):([\w.\-]+)$")

# Flow nodes SpiffWorkflow would run without a person; scripts and services we refuse.
_REFUSED_NODES = {"scriptTask": "脚本任务", "serviceTask": "服务任务", "callActivity": "调用活动"}
_FLOW_NODE_TAGS = (
    "startEvent",
    "endEvent",
    "userTask",
    "task",
    "manualTask",
    "exclusiveGateway",
    "parallelGateway",
    "inclusiveGateway",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "subProcess",
    "scriptTask",
    "serviceTask",
    "callActivity",
    "sendTask",
    "receiveTask",
    "eventBasedGateway",
)


class BpmnInvalid(ValueError):
    """A refused definition: `reasons` lists every reason, in Chinese."""

    def __init__(self, reasons: list[str]):
        super().__init__("；".join(reasons))
        self.reasons = list(reasons)


_PARSER_OPTIONS = dict(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    dtd_validation=False,
    huge_tree=False,
    remove_comments=True,
    remove_pis=True,
)


# Task names SpiffWorkflow gives its own tasks (and `<process>.EndJoin`): a BPMN node with one
# of these ids breaks the workflow inside SpiffWorkflow.
RESERVED_IDS = frozenset({"Start", "End", "Root"})


def parse_xml(text):
    """The lxml tree of a BPMN document, refusing oversize, malformed or hostile XML (DTDs,
    entities, external references) with a Chinese message."""
    raw = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    if len(raw) > MAX_BYTES:
        raise BpmnInvalid(
            [
                _("BPMN 文件过大（%(size)s KB），不能超过 %(max)s KB。")
                % {"size": len(raw) // 1024, "max": MAX_BYTES // 1024}
            ]
        )
    if not raw.strip():
        raise BpmnInvalid([_("BPMN 文件为空。")])
    try:
        # defusedxml refuses DTDs, entity declarations and external references outright
        safe_et.fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise BpmnInvalid(
            [_("BPMN 文件含文档类型声明或实体定义（可能是 XXE 或“十亿笑”攻击），已拒绝。")]
        ) from None
    except safe_et.ParseError as exc:
        raise BpmnInvalid([_("BPMN 文件不是格式正确的 XML：%(why)s") % {"why": exc}]) from None
    try:
        return etree.fromstring(raw, etree.XMLParser(**_PARSER_OPTIONS))
    except etree.XMLSyntaxError as exc:
        raise BpmnInvalid([_("BPMN 文件不是格式正确的 XML：%(why)s") % {"why": exc}]) from None


@functools.cache
def _validator():
    from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator

    return BpmnValidator()


def _schema_error(root) -> str:
    """The first BPMN 2.0 schema (XSD) violation of the document, or ""."""
    import copy

    try:
        _validator().validate(copy.deepcopy(root))
    except Exception as exc:  # the validator's ValidationException or lxml's error
        return str(exc)[:300]
    return ""


def check_handler_rule(rule: str) -> str | None:
    """None when `rule` is a handler rule we know, else the Chinese reason."""
    rule = (rule or "").strip()
    if not rule:
        return _("办理人规则为空")
    if rule.startswith("committee:"):
        members = [m.strip() for m in rule[len("committee:") :].split(",")]
        if not any(members):
            return _("会签须列出成员规则")
        for member in members:
            if member.startswith("committee:") or check_handler_rule(member):
                return _("会签成员规则“%(rule)s”无法识别") % {"rule": member}
        return None
    if rule in _SIMPLE_RULES or _PREFIXED.match(rule):
        return None
    return _("办理人规则“%(rule)s”无法识别") % {"rule": rule}


def _is_private(name: str, label: str) -> bool:
    text = f"{name} {label}".lower()
    return any(word in text for word in PRIVATE_WORDS)


def _bool(value) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes")


def _list(value) -> list[str]:
    return [v.strip() for v in re.split(r"[,，]", value or "") if v.strip()]


def _int(value, reasons, what):
    if value in (None, ""):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = -1
    if number < 0 or number > 365:
        reasons.append(
            _("%(what)s“%(value)s”须为 0 至 365 的整数") % {"what": what, "value": value}
        )
        return None
    return number


def _label(node) -> str:
    return node.get("name") or node.get("id") or "?"


def _fields(process, reasons) -> list[dict]:
    fields, seen = [], set()
    for node in process.findall(f"{BPMN}extensionElements/{LF}field"):
        name = (node.get("name") or "").strip()
        label = (node.get("label") or name).strip()
        kind = (node.get("type") or "text").strip()
        if not name or not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            reasons.append(
                _("表单字段名“%(name)s”无效（须为字母、数字或下划线，且不以数字或下划线开头）")
                % {"name": name}
            )
            continue
        if name in seen:
            reasons.append(_("表单字段“%(name)s”重复定义") % {"name": name})
            continue
        if name == "decision":
            reasons.append(_("表单字段名“decision”为保留名称"))
            continue
        seen.add(name)
        if kind not in FIELD_TYPES:
            reasons.append(
                _("表单字段“%(label)s”的类型“%(type)s”无法识别") % {"label": label, "type": kind}
            )
        options = [o.strip() for o in (node.get("options") or "").split("|") if o.strip()]
        if kind == "choice" and not options:
            reasons.append(_("选择字段“%(label)s”未列出选项") % {"label": label})
        public = _bool(node.get("public"))
        if public and _is_private(name, label):
            reasons.append(
                _("字段“%(label)s”含个人隐私信息（证件号、电话、住址），不能设为公开")
                % {"label": label}
            )
            public = False
        fields.append(
            {
                "name": name,
                "label": label,
                "type": kind,
                "required": _bool(node.get("required")),
                "public": public,
                "options": options,
            }
        )
    return fields


def parse(text, organisation=None) -> dict:
    """Parse and validate a definition; raise BpmnInvalid listing every reason it is refused.
    With `organisation`, the power and step codes must exist there."""
    root = parse_xml(text)
    if root.tag != f"{BPMN}definitions":
        raise BpmnInvalid([_("不是 BPMN 2.0 文件（根元素须为 bpmn:definitions）。")])
    processes = root.findall(f"{BPMN}process")
    executable = [p for p in processes if p.get("isExecutable", "true") != "false"] or processes
    if not executable:
        raise BpmnInvalid([_("BPMN 文件中没有流程（bpmn:process）。")])
    reasons: list[str] = []
    schema_error = _schema_error(root)
    if schema_error:
        reasons.append(_("不符合 BPMN 2.0 规范：%(why)s") % {"why": schema_error})
    if len(executable) > 1:
        reasons.append(_("一个文件只能包含一个可执行流程"))
    process = executable[0]
    process_id = process.get("id") or ""
    if not re.fullmatch(r"[A-Za-z][\w.\-]{0,59}", process_id):
        reasons.append(_("流程标识“%(id)s”无效（字母开头，不超过 60 个字符）") % {"id": process_id})

    fields = _fields(process, reasons)
    by_name = {f["name"]: f for f in fields}

    nodes, flows = {}, {}
    for child in process.iter():
        if not isinstance(child.tag, str) or not child.tag.startswith(BPMN):
            continue
        tag = child.tag[len(BPMN) :]
        if tag in _FLOW_NODE_TAGS and child.get("id"):
            if child.getparent() is not process:
                reasons.append(_("暂不支持子流程内的环节“%(name)s”") % {"name": _label(child)})
            nodes[child.get("id")] = (tag, child)
        elif tag == "sequenceFlow" and child.get("id"):
            flows[child.get("id")] = child
    for nid, (_tag, node) in nodes.items():
        if nid in RESERVED_IDS or nid.endswith(".EndJoin"):
            reasons.append(
                _("节点标识“%(id)s”（%(name)s）是流程引擎的保留名称，请改用其他标识")
                % {"id": nid, "name": _label(node)}
            )
    for tag, node in nodes.values():
        if tag in _REFUSED_NODES:
            reasons.append(
                _("不允许使用%(kind)s“%(name)s”")
                % {"kind": _REFUSED_NODES[tag], "name": _label(node)}
            )

    # graph
    outgoing: dict[str, list] = {nid: [] for nid in nodes}
    for flow in flows.values():
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source not in nodes or target not in nodes:
            reasons.append(_("连线“%(id)s”连接了不存在的节点") % {"id": flow.get("id")})
            continue
        outgoing[source].append(flow)
    starts = [nid for nid, (tag, _n) in nodes.items() if tag == "startEvent"]
    if len(starts) != 1:
        reasons.append(_("流程须有且仅有一个开始事件（现有 %(n)s 个）") % {"n": len(starts)})
    if not any(tag == "endEvent" for tag, _n in nodes.values()):
        reasons.append(_("流程没有结束事件"))
    attached: dict[str, list] = {}
    for nid, (tag, node) in nodes.items():
        if tag == "boundaryEvent":
            attached.setdefault(node.get("attachedToRef"), []).append(nid)
    reached, queue = set(starts), deque(starts)
    while queue:
        current = queue.popleft()
        nexts = [f.get("targetRef") for f in outgoing.get(current, [])] + attached.get(current, [])
        for nxt in nexts:
            if nxt not in reached:
                reached.add(nxt)
                queue.append(nxt)
    for nid, (tag, node) in nodes.items():
        if nid not in reached and tag != "startEvent":
            reasons.append(_("环节“%(name)s”从开始事件无法到达") % {"name": _label(node)})

    # gateways and conditions
    known_names = set(by_name) | {"decision"}
    for nid, (tag, node) in nodes.items():
        if tag not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        outs = outgoing.get(nid, [])
        default = node.get("default")
        if len(outs) < 2:
            continue
        for flow in outs:
            expr_node = flow.find(f"{BPMN}conditionExpression")
            expr = (expr_node.text or "").strip() if expr_node is not None else ""
            if not expr:
                if flow.get("id") != default:
                    reasons.append(
                        _("网关“%(gw)s”的出口连线“%(flow)s”既没有条件，也不是默认连线")
                        % {"gw": _label(node), "flow": _label(flow)}
                    )
                continue
            try:
                unknown = conditions.names_in(expr) - known_names - {"True", "False", "None"}
            except conditions.ConditionError as exc:
                reasons.append(str(exc))
                continue
            if unknown:
                reasons.append(
                    _("条件“%(e)s”引用了未定义的表单字段：%(names)s")
                    % {"e": expr, "names": "、".join(sorted(unknown))}
                )

    # user tasks
    tasks, control_points = {}, []
    for order, (nid, (tag, node)) in enumerate(nodes.items()):
        if tag != "userTask":
            continue
        name = _label(node)
        handler = (node.get(f"{LF}handler") or "").strip()
        if not handler:
            reasons.append(_("用户任务“%(name)s”没有设置办理人规则") % {"name": name})
        else:
            why = check_handler_rule(handler)
            if why:
                reasons.append(_("用户任务“%(name)s”：%(why)s") % {"name": name, "why": why})
        completion = (node.get(f"{LF}completion") or "all").strip()
        if completion not in ("all", "majority"):
            reasons.append(_("用户任务“%(name)s”的会签方式须为 all 或 majority") % {"name": name})
        control_point = _bool(node.get(f"{LF}controlPoint"))
        publishes = _list(node.get(f"{LF}publishes"))
        if control_point:
            control_points.append(nid)
            if not publishes:
                reasons.append(_("内控点“%(name)s”没有设置公开内容（publishes）") % {"name": name})
            for field_name in publishes:
                field = by_name.get(field_name)
                if field is None:
                    reasons.append(
                        _("内控点“%(name)s”公开的字段“%(field)s”未在表单中定义")
                        % {"name": name, "field": field_name}
                    )
                elif _is_private(field["name"], field["label"]):
                    reasons.append(
                        _("内控点“%(name)s”不能公开个人隐私字段“%(field)s”")
                        % {"name": name, "field": field["label"]}
                    )
                elif not field["public"]:
                    reasons.append(
                        _("内控点“%(name)s”公开的字段“%(field)s”未声明为可公开（public）")
                        % {"name": name, "field": field["label"]}
                    )
        elif publishes:
            reasons.append(_("“%(name)s”不是内控点，不能设置公开内容") % {"name": name})
        subject = (node.get(f"{LF}subject") or "").strip()
        if subject and (subject not in by_name or by_name[subject]["type"] != "person"):
            reasons.append(
                _("用户任务“%(name)s”的当事人字段“%(field)s”须为人员类型的表单字段")
                % {"name": name, "field": subject}
            )
        escalate_to = _list(node.get(f"{LF}escalateTo"))
        for rule in escalate_to:
            why = check_handler_rule(rule)
            if why:
                reasons.append(
                    _("用户任务“%(name)s”的升级对象：%(why)s") % {"name": name, "why": why}
                )
        step = (node.get(f"{LF}step") or "").strip()
        if step and "/" not in step:
            reasons.append(
                _("用户任务“%(name)s”的权力环节“%(step)s”须写作“职权编码/环节代码”")
                % {"name": name, "step": step}
            )
        tasks[nid] = {
            "name": name,
            "handler": handler,
            "completion": completion,
            "limit": _int(
                node.get(f"{LF}limit"), reasons, _("“%(name)s”的办理时限") % {"name": name}
            ),
            "escalate_after": _int(
                node.get(f"{LF}escalateAfter"), reasons, _("“%(name)s”的升级天数") % {"name": name}
            ),
            "escalate_to": escalate_to,
            "control_point": control_point,
            "publishes": publishes,
            "publish_handler_name": _bool(node.get(f"{LF}publishHandlerName")),
            "attachments": _list(node.get(f"{LF}attachments")),
            "step": step,
            "subject": subject,
            "order": order,
        }
    if not tasks:
        reasons.append(_("流程中没有用户任务"))

    power = (process.get(f"{LF}power") or "").strip()
    starters = _list(process.get(f"{LF}starters"))
    from lianfang.core.roles import Role

    for role in starters:
        if role not in Role.values:
            reasons.append(_("发起人角色“%(role)s”无法识别") % {"role": role})
    if organisation is not None:
        reasons.extend(_codes_unknown(organisation, power, tasks))

    if not reasons:
        from .engine import parse_process

        try:
            parse_process(root, process_id)
        except Exception as exc:  # SpiffWorkflow's own checks: any failure refuses the file
            reasons.append(_("BPMN 校验未通过：%(why)s") % {"why": str(exc)[:300]})
    if reasons:
        raise BpmnInvalid(reasons)
    return {
        "process_id": process_id,
        "name": process.get("name") or process_id,
        "power": power,
        "starters": starters,
        "fields": fields,
        "tasks": tasks,
        "control_points": control_points,
    }


def _codes_unknown(organisation, power: str, tasks: dict) -> list[str]:
    from lianfang.org.models import Power, PowerStep

    reasons = []
    if power and not Power.objects.filter(organisation=organisation, code=power).exists():
        reasons.append(_("职权编码“%(code)s”在本单位的职权目录中不存在") % {"code": power})
    wanted = {t["step"] for t in tasks.values() if t["step"] and "/" in t["step"]}
    if wanted:
        known = {
            f"{code}/{key}"
            for code, key in PowerStep.objects.filter(
                power__organisation=organisation,
                power__code__in={s.split("/", 1)[0] for s in wanted},
            ).values_list("power__code", "key")
        }
        for step in sorted(wanted - known):
            reasons.append(_("权力环节“%(step)s”在本单位的职权目录中不存在") % {"step": step})
    return reasons
