"""Spec IR queries the C generator needs: walking a node's subtree, whether an expression
can fault, whether one integer type holds every value of another."""
from __future__ import annotations

from spec import ir
from spec.errors import Loc
from spec.types import IntType


def children(node):
    for name in node.__dataclass_fields__:
        value = getattr(node, name)
        if isinstance(value, tuple):
            yield from (v for v in value if hasattr(v, "__dataclass_fields__"))
        elif hasattr(value, "__dataclass_fields__") and not isinstance(value, (Loc, IntType)):
            yield value


def walk(node):
    """`node` and every IR node under it, parents before children."""
    yield node
    for child in children(node):
        yield from walk(child)


def may_fault(e) -> bool:
    """True if evaluating `e` can fault (indexed state reads and loads are bounds-checked)."""
    return any(isinstance(n, ir.Load) or (isinstance(n, ir.StateRead) and n.indices) for n in walk(e))


def fits(inner: IntType, outer: IntType) -> bool:
    return outer.contains(inner.min) and outer.contains(inner.max)
