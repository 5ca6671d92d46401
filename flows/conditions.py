"""Branch conditions: a tiny, safe expression language over slots.

``service_type == 'moving' and rooms >= 3``, ``date in ['2026-12-24', '2026-12-31']``,
``not phone``. Names are slots (missing ones are ``None``); no calls, no attributes.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from typing import Any

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


class ConditionError(ValueError):
    pass


def compile_condition(source: str) -> ast.Expression:
    """Parse and check a condition; raise ConditionError saying what is not allowed."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ConditionError(f"condition {source!r} is not valid: {exc.msg}") from exc
    for node in ast.walk(tree):
        if not isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not,
                                 ast.Compare, ast.Name, ast.Load, ast.Constant, ast.List,
                                 ast.Tuple, ast.USub, *_COMPARE)):
            raise ConditionError(
                f"condition {source!r} uses {type(node).__name__}, which is not allowed; "
                "use slot names, quoted strings, numbers, comparisons, and/or/not, and lists"
            )
    return tree


def names_in(tree: ast.Expression) -> set[str]:
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} - {"true", "false", "none"}


def evaluate(tree: ast.Expression, slots: Mapping[str, Any]) -> bool:
    try:
        return bool(_eval(tree.body, slots))
    except TypeError:
        return False  # e.g. comparing a missing slot (None) with a number: not satisfied


def _eval(node: ast.expr, slots: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        lowered = node.id.lower()
        if lowered in ("true", "false", "none"):
            return {"true": True, "false": False, "none": None}[lowered]
        return slots.get(node.id)
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_eval(e, slots) for e in node.elts]
    if isinstance(node, ast.UnaryOp):
        value = _eval(node.operand, slots)
        return (not value) if isinstance(node.op, ast.Not) else -value
    if isinstance(node, ast.BoolOp):
        values = (_eval(v, slots) for v in node.values)
        return all(values) if isinstance(node.op, ast.And) else any(values)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, slots)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _eval(comparator, slots)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    raise ConditionError(f"unsupported expression {ast.dump(node)}")
