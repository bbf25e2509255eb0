"""Gateway conditions: a small expression language evaluated by simpleeval, never `eval`.

Names are the form's fields (amounts as Decimal yuan) and `decision` (the previous task's
decision). Allowed: numbers, strings, `and or not`, comparisons, `in`, parentheses. No
function calls, no attribute access, no lambdas, no comprehensions.
"""

import ast
import decimal
import operator

from django.utils.translation import gettext as _
from simpleeval import EvalWithCompoundTypes, InvalidExpression

MAX_LENGTH = 500


class ConditionError(ValueError):
    """A condition that cannot be evaluated (message in Chinese)."""


def _ordered(op):
    """An ordering comparison that is false when a side is blank (None): `amount >= 100000`
    with no amount takes no branch (the gateway's default does)."""

    def compare(a, b):
        if a is None or b is None:
            return False
        return op(a, b)

    return compare


_OPERATORS = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Gt: _ordered(operator.gt),
    ast.GtE: _ordered(operator.ge),
    ast.Lt: _ordered(operator.lt),
    ast.LtE: _ordered(operator.le),
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
}

# The syntax a condition may use; anything else (calls, attributes, subscripts, lambdas,
# comprehensions, f-strings, walrus …) is refused before evaluation.
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Gt,
    ast.GtE,
    ast.Lt,
    ast.LtE,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.List,
)


def check(expression: str) -> ast.Expression:
    """Parse `expression` and refuse any syntax outside the language (ConditionError)."""
    if not isinstance(expression, str) or not expression.strip():
        raise ConditionError(_("条件表达式为空。"))
    if len(expression) > MAX_LENGTH:
        raise ConditionError(_("条件表达式过长（不超过 %(n)s 个字符）。") % {"n": MAX_LENGTH})
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        raise ConditionError(_("条件表达式“%(e)s”语法有误。") % {"e": expression}) from None
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            raise ConditionError(
                _("条件表达式“%(e)s”使用了不允许的写法（%(what)s）。")
                % {"e": expression, "what": type(node).__name__}
            )
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise ConditionError(
                _("条件表达式“%(e)s”引用了不允许的名称“%(name)s”。")
                % {"e": expression, "name": node.id}
            )
        if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, complex)):
            raise ConditionError(_("条件表达式“%(e)s”含不允许的常量。") % {"e": expression})
    return tree


def names_in(expression: str) -> set[str]:
    """The names a (checked) expression reads."""
    return {n.id for n in ast.walk(check(expression)) if isinstance(n, ast.Name)}


def _number(value):
    if isinstance(value, float):
        return decimal.Decimal(str(value))
    return value


def evaluate(expression: str, names: dict) -> bool:
    """Evaluate a condition over `names` with simpleeval. Names not given count as blank
    (None): an ordering comparison with a blank field is false; comparing a number with text
    is a ConditionError."""
    tree = check(expression)
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    context = {name: _number(names.get(name)) for name in used}
    evaluator = EvalWithCompoundTypes(operators=_OPERATORS, functions={}, names=context)
    try:
        result = evaluator.eval(expression.strip())
    except (InvalidExpression, TypeError, ArithmeticError, ValueError) as exc:
        raise ConditionError(
            _("条件表达式“%(e)s”无法计算：%(why)s") % {"e": expression, "why": exc}
        ) from None
    return bool(result)
