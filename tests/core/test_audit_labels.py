"""Every action the code records has a Chinese label, and actors show as people.

The collector reads the source (no migrations): the strings passed as `action=`, the
positional string arguments of calls in modules that write audit events (the writers'
helpers take the action positionally: `_saved(actor, obj, "post.create")`), the values
assigned to a name holding "action", the defaults of `action` parameters, and the
`audit_prefix=` values bulk callers put in front of the writers' actions. A string counts as
an action when it reads like one: lowercase words joined by dots.
"""

import ast
import re
from pathlib import Path

import pytest
from django.db import transaction
from django.urls import reverse

import lianfang
from lianfang.core import audit, audit_labels
from lianfang.org.models import Department

SRC = Path(lianfang.__file__).parent
# calls whose dotted string arguments are job kinds (`jobs.enqueue`) or the names of periodic
# tasks (`schedule.register`), not actions
NOT_ACTIONS = {"enqueue", "register"}


CODE = re.compile(r"[a-z][a-z_]*(?:\.[a-z_]+)+")
PREFIX = re.compile(r"[a-z][a-z_]*(?:\.[a-z_]+)*\.")


def _strings(node, consts):
    """The strings an expression can take: constants, both branches of a conditional, an
    f-string's constant text (its variable parts, a prefix, left out), a module constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body, consts) + _strings(node.orelse, consts)
    if isinstance(node, ast.BoolOp):
        return [s for v in node.values for s in _strings(v, consts)]
    if isinstance(node, ast.Name) and node.id in consts:
        return [consts[node.id]]
    if isinstance(node, ast.JoinedStr):
        text = ""
        for part in node.values:
            if isinstance(part, ast.Constant):
                text += part.value
            elif isinstance(part.value, ast.Name) and part.value.id in consts:
                text += consts[part.value.id]
            else:
                text = ""  # a variable prefix: keep what follows it
        return [text]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _strings(node.right, consts)
    return []


def _module_constants(tree) -> dict[str, str]:
    return {
        target.id: node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def _action_defaults(args: ast.arguments):
    """The defaults of a function's parameters named like an action."""
    positional = args.posonlyargs + args.args
    pairs = [
        *zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True),
        *zip(args.kwonlyargs, args.kw_defaults, strict=True),
    ]
    return [default for arg, default in pairs if default is not None and "action" in arg.arg]


def _candidates(tree, audited: bool):
    """(expression, node) pairs that may hold an action, and the `audit_prefix=` values."""
    actions, prefixes = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in NOT_ACTIONS:
                continue
            for kw in node.keywords:
                if kw.arg == "action":
                    actions.append((kw.value, node))
                elif kw.arg == "audit_prefix":
                    prefixes.append((kw.value, node))
            if audited:
                actions += [(arg, node) for arg in node.args]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and audited and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and "action" in t.id.lower() for t in targets):
                actions.append((node.value, node))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            actions += [(default, node) for default in _action_defaults(node.args)]
    return actions, prefixes


def collect(root: Path) -> tuple[dict[str, str], dict[str, str]]:
    """Every action code and audit prefix in the source under `root`, with where it is."""
    codes, prefixes = {}, {}
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        consts = _module_constants(tree)
        audited = any(word in source for word in ("audit", "set_fields", "record_export"))
        actions, prefix_values = _candidates(tree, audited)
        for expression, node in actions:
            for text in _strings(expression, consts):
                if CODE.fullmatch(text):
                    codes.setdefault(text, f"{path.relative_to(root)}:{node.lineno}")
        for expression, node in prefix_values:
            for text in _strings(expression, consts):
                if PREFIX.fullmatch(text):
                    prefixes.setdefault(text, f"{path.relative_to(root)}:{node.lineno}")
    return codes, prefixes


CODES, PREFIXES = collect(SRC)


def test_the_collector_finds_the_actions_it_must():
    """Direct, conditional, positional and prefixed actions: the collector sees each shape."""
    for code in (
        "risk_point.file",  # action=
        "measure.link",  # a conditional in a helper
        "grading_scheme.activate",  # set_fields(action=...)
        "measure.progress",
        "post.create",  # positional, to a helper
        "generic_phrase.enable",  # assigned to `action`
        "library.import",  # a module constant
        "demo.load",
        "risks.register.export",  # an export
        "accounts.user.deactivate",
    ):
        assert code in CODES, code
    assert set(PREFIXES) >= {"demo.", "library.import."}
    assert "risks.regrade" not in CODES  # a job kind


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_action_has_a_chinese_label(code):
    label = audit_labels.label_of(code)
    assert label is not None, f"{code} ({CODES[code]}) has no label in an audit_labels module"
    assert re.search(r"[\u4e00-\u9fff]", label), label
    assert code not in label


@pytest.mark.parametrize("prefix", sorted(PREFIXES))
def test_every_prefix_has_a_label_and_prefixed_actions_read(prefix):
    assert prefix in audit_labels.prefixes(), f"{prefix} ({PREFIXES[prefix]}) has no label"
    for code in ("person.create", "risk_point.create", "measure.link"):
        label = audit_labels.label_of(prefix + code)
        assert label is not None and label.startswith(audit_labels.label_of(code)), label


def test_labels_are_explicit_and_an_unknown_code_is_still_shown():
    assert audit_labels.action_label("risk_point.file") == "备案风险点"
    assert audit_labels.action_label("demo.person.create") == "新建人员（演示数据）"
    assert (
        audit_labels.action_label("library.import.measure.link")
        == "防控措施关联风险点（标准库导入）"
    )
    assert audit_labels.action_label("thing.update") == "修改（thing.update）"
    assert audit_labels.action_label("thing.frobnicate") == "thing.frobnicate"


def test_labels_follow_the_language():
    from django.utils import translation

    with translation.override("en"):
        label = audit_labels.action_label("risk_point.file")
    assert isinstance(label, str) and label


@pytest.mark.django_db
def test_the_audit_page_names_actions_and_people(world, login):
    with transaction.atomic():
        dept = Department.objects.create(organisation=world.hospital, name="体检中心", code="TJ")
        audit.record(actor=world.users["dept_head"], action="department.create", obj=dept)
        audit.record(actor=world.users["integrity"], action="risk_point.file", obj=dept)
        audit.record(actor=None, action="grading_scheme.activate", obj=dept)
    client = login(world.users["integrity"])
    html = client.get(reverse("core:audit_list")).content.decode()
    assert "新建科室" in html and "备案风险点" in html and "启用定级方案" in html
    assert "（department.create）" not in html
    # the person's name, with the login in small text
    assert (
        '李主任 <span class="text-muted small" data-testid="audit-actor-login">dept_head</span>'
        in html
    )
    # an account without a person: its display name, once
    assert ">integrity<" in html or "integrity</td>" in html
    assert "系统" in html
    # the actor filter finds a person by name as well as by login
    rows = client.get(reverse("core:audit_list"), {"actor": "李主任"}).context["table"].rows
    assert [e.action for e in rows] == ["department.create"]
    rows = client.get(reverse("core:audit_list"), {"actor": "dept_h"}).context["table"].rows
    assert [e.action for e in rows] == ["department.create"]
    event = rows[0]
    detail = client.get(reverse("core:audit_detail", args=[event.pk])).content.decode()
    assert "李主任" in detail and "新建科室" in detail and "department.create" in detail
