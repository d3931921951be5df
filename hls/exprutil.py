"""Spec IR expression helpers for the scheduler: building, folding, substituting."""
from __future__ import annotations

import dataclasses

from spec import ir
from spec.errors import Loc
from spec.intdiv import DIVISION_OPS, divide
from spec.types import U1, IntType

from .fsmd import MemRead, RegRef

TRUE_U1 = ir.Const(1, U1, Loc("<hls>", 0, 0))     # the always-true guard; its loc marks HLS-made constants


def const_expr(value: int, like: IntType | None = None) -> ir.Const:
    """A constant of `value`: of type `like` when that holds it, else the narrowest type that does."""
    t = like if like is not None and like.contains(value) else _fit_type(value)
    return ir.Const(value, t, TRUE_U1.loc)


def _fit_type(value: int) -> IntType:
    if value >= 0:
        return IntType(False, max(1, value.bit_length()))
    return IntType(True, (~value).bit_length() + 1)


def add_expr(a, b, loc) -> ir.Binary:
    """`a + b`, one bit wider than the common type of `a` and `b` (never overflows)."""
    signed = a.type.signed or b.type.signed
    width = max(a.type.width + (signed and not a.type.signed), b.type.width + (signed and not b.type.signed)) + 1
    return ir.Binary("add", a, b, IntType(signed, width), loc)


def mul_expr(a, b, loc) -> ir.Binary:
    """`a * b`, as wide as both operands together (never overflows)."""
    return ir.Binary("mul", a, b, IntType(a.type.signed or b.type.signed, a.type.width + b.type.width), loc)


def cast_expr(e, t: IntType, loc):
    """`e` cast to `t` (`e` itself when it already has type `t`)."""
    return e if e.type == t else ir.Cast(e, t, loc)


def truth(e):
    """A u1 that is 1 when `e` is nonzero."""
    if e.type == U1:
        return e
    return ir.Compare("ne", e, const_expr(0, e.type), U1, e.loc)


def not_expr(e):
    """The u1 logical negation of the u1 `e`."""
    return ir.Unary("not", e, U1, e.loc)


def and_expr(a, b):
    """The u1 conjunction `a and b`; just `b` when `a` is None (no guard yet)."""
    if a is None:
        return b
    return ir.Logic("and", a, b, U1, b.loc)


def index_bits(n: int) -> int:
    """Bits of an unsigned index into `n` elements (at least 1)."""
    return max(1, (n - 1).bit_length())


# ------------------------------------------------------------ spec-level rewrites

def map_children(e, fn):
    """`e` with `fn` applied to each direct sub-expression (Spec IR or FSMD expressions)."""
    if isinstance(e, (ir.Const, ir.SlotRef, ir.PcRead, RegRef)):
        return e
    if isinstance(e, (ir.StateRead,)):
        return dataclasses.replace(e, indices=tuple(fn(i) for i in e.indices))
    if isinstance(e, MemRead):
        return dataclasses.replace(e, index=fn(e.index))
    if isinstance(e, ir.Load):
        return dataclasses.replace(e, addr=fn(e.addr))
    if isinstance(e, ir.Concat):
        return dataclasses.replace(e, parts=tuple(fn(p) for p in e.parts))
    if isinstance(e, ir.Select):
        return dataclasses.replace(e, cond=fn(e.cond), a=fn(e.a), b=fn(e.b))
    if isinstance(e, (ir.Binary, ir.Compare, ir.Logic)):
        return dataclasses.replace(e, a=fn(e.a), b=fn(e.b))
    return dataclasses.replace(e, a=fn(e.a))     # Unary, Cast, Reinterpret, Slice


def expand_loads(e):
    """load(mem, addr, n) -> cat of n single-element reads, most significant byte first."""
    e = map_children(e, expand_loads)
    if not isinstance(e, ir.Load):
        return e
    parts = tuple(ir.StateRead(e.mem, (add_expr(e.addr, const_expr(k), e.loc) if k else e.addr,), IntType(False, 8),
                               e.loc)
                  for k in reversed(range(e.nbytes)))
    return ir.Concat(parts, e.type, e.loc) if len(parts) > 1 else cast_expr(parts[0], e.type, e.loc)


def collect_mem_reads(e, mems: set, out: list):
    """Append the reads of memories `mems` in `e` to `out`, innermost first."""
    for child in spec_children(e):
        collect_mem_reads(child, mems, out)
    if isinstance(e, ir.StateRead) and e.state in mems:
        out.append(e)


def spec_children(e) -> list:
    """The direct sub-expressions of `e`."""
    found = []
    map_children(e, lambda c: found.append(c) or c)
    return found


def replace_expr(e, old, new):
    """`e` with every sub-expression equal to `old` replaced by `new`."""
    if e == old:
        return new
    return map_children(e, lambda c: replace_expr(c, old, new))


def replace_slot(node, slot: int, expr):
    """A statement or expression with every read of `slot` replaced by `expr` (an unrolled
    copy of a loop body, `expr` being the iteration's value of the loop variable)."""
    if isinstance(node, ir.SlotRef):
        return expr if node.slot == slot else node
    if isinstance(node, tuple):
        return tuple(replace_slot(x, slot, expr) for x in node)
    if not dataclasses.is_dataclass(node) or isinstance(node, (ir.Const, IntType, Loc, ir.SlotTarget, ir.FieldDef)):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        new = replace_slot(value, slot, expr)
        if new is not value:
            changes[f.name] = new
    return dataclasses.replace(node, **changes) if changes else node


def _wrap(value: int, t: IntType) -> int:
    value &= (1 << t.width) - 1
    return value - (1 << t.width) if t.signed and value >> (t.width - 1) else value


_FOLD_BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
                "min": min, "max": max, "and": lambda a, b: a & b, "or": lambda a, b: a | b,
                "xor": lambda a, b: a ^ b}
_FOLD_COMPARE = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
                 "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


def fold(e):
    """`e` with operators over constants evaluated (exact IR semantics; one level: the
    children are already folded). Unrolled loop variables are constants, so indices fold."""
    c = lambda x: isinstance(x, ir.Const)
    if isinstance(e, ir.Select) and c(e.cond):
        return e.a if e.cond.value else e.b
    if isinstance(e, ir.Binary) and c(e.a) and c(e.b) and e.op in _FOLD_BINARY:
        value = _FOLD_BINARY[e.op](e.a.value, e.b.value)
    elif isinstance(e, ir.Binary) and c(e.a) and c(e.b) and e.op in DIVISION_OPS:
        value = divide(e.op, e.a.value, e.b.value, e.type)
    elif isinstance(e, ir.Compare) and c(e.a) and c(e.b):
        value = int(_FOLD_COMPARE[e.op](e.a.value, e.b.value))
    elif isinstance(e, ir.Logic) and c(e.a) and c(e.b):
        a, b = bool(e.a.value), bool(e.b.value)
        value = int(a and b if e.op == "and" else a or b)
    elif isinstance(e, (ir.Cast, ir.Reinterpret)) and c(e.a):
        value = e.a.value
    elif isinstance(e, ir.Unary) and c(e.a):
        value = {"neg": -e.a.value, "invert": ~e.a.value, "not": int(not e.a.value)}[e.op]
    elif isinstance(e, ir.Slice) and c(e.a):
        value = e.a.value >> e.lo
    else:
        return e
    return ir.Const(_wrap(value, e.type), e.type, e.loc)


# ------------------------------------------------------------ the scheduler
