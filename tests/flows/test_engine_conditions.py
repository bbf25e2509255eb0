"""Gateway conditions: simpleeval over the form's values, never Python's eval."""

from decimal import Decimal

import pytest

from lianfang.flows import conditions
from lianfang.flows.conditions import ConditionError


@pytest.mark.parametrize(
    "expression,names,expected",
    [
        ("amount >= 100000", {"amount": Decimal("150000.00")}, True),
        ("amount >= 100000", {"amount": Decimal("99999.99")}, False),
        ("amount >= 100000.5", {"amount": Decimal("100000.50")}, True),
        ("amount > 30000 and amount < 100000", {"amount": Decimal("50000")}, True),
        ('method in ("询价", "竞争性谈判")', {"method": "询价"}, True),
        ('method not in ["询价"]', {"method": "公开招标"}, True),
        ("not urgent", {"urgent": False}, True),
        ('decision == "approve" or days > 3', {"decision": "reject", "days": 5}, True),
        ("(days - 1) * 2 >= 4", {"days": 3}, True),
        ("amount >= 100000", {}, False),  # a field left blank takes no branch
        ('amount >= "abc"', {"amount": Decimal(1)}, None),  # text vs number: an error
    ],
)
def test_evaluates(expression, names, expected):
    if expected is None:
        with pytest.raises(ConditionError):
            conditions.evaluate(expression, names)
        return
    assert conditions.evaluate(expression, names) is expected


@pytest.mark.parametrize(
    "expression",
    [
        '__import__("os").system("true")',
        "amount.__class__",
        "amount.__class__.__mro__",
        "(lambda: 1)()",
        "__builtins__",
        "_private > 1",
        "[x for x in (1, 2)]",
        "open('/etc/passwd')",
        "amount[0]",
        "f'{amount}'",
        "(a := 1)",
        "9 ** 9 ** 9",
        "",
        "amount >",
        "x" * 600,
    ],
)
def test_refuses_what_is_not_the_language(expression):
    with pytest.raises(ConditionError) as caught:
        conditions.evaluate(expression, {"amount": Decimal(1)})
    assert caught.value.args[0]  # a Chinese sentence
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.args[0])


def test_eval_and_exec_are_never_called(monkeypatch):
    import builtins

    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert conditions.evaluate("amount >= 1", {"amount": Decimal(2)}) is True


def test_names_in():
    assert conditions.names_in('amount > 1 and method == "x"') == {"amount", "method"}
