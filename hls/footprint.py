"""Hazard footprints: what state each instruction reads and writes, derived from its semantics.

A memory access's first index is evaluated with interval arithmetic over the command's
fields: a field is the point [f, f], a loop variable of `for v in range(start, stop)` is
[lo(start), hi(stop) - 1], constants are points, and `+` / `*` of non-negative intervals
combine bound-wise (both are monotone there). `load`/`store` of n bytes widen the upper
bound by n - 1. Anything else (locals, state registers, narrowing casts, other operators)
is not recognised: that bound falls back to the whole memory, which is always safe. So
`sp[row + r, j]` in `for r in range(rows)` gives rows [row, row + rows - 1], and
`dram[addr + r * ld_stride + j]` gives bytes [addr, end) (the stride is state).

Bounds are FSMD expressions over `CmdField` leaves, clamped to [-1, rows] and cast to
`bound_type(rows)`; registers are tracked whole. Reads guarded by `if`s count as reads
(conservative). Accesses to the same state with the same direction merge into their hull.
"""
from __future__ import annotations

from spec import ir
from spec.errors import Loc
from spec.types import IntType

from .exprutil import map_children
from .fsmd import Access, CmdField, bound_type


def _c(value: int, loc: Loc) -> ir.Const:
    t = IntType(False, max(1, value.bit_length())) if value >= 0 else IntType(True, (~value).bit_length() + 1)
    return ir.Const(value, t, loc)


def _signed_width(t: IntType) -> int:
    return t.width + (0 if t.signed else 1)


def _nonneg(e) -> bool:
    return (isinstance(e, ir.Const) and e.value >= 0) or (not isinstance(e, ir.Const) and not e.type.signed)


def _binary(op: str, a, b, loc: Loc):
    if isinstance(a, ir.Const) and isinstance(b, ir.Const):
        return _c({"add": a.value + b.value, "sub": a.value - b.value, "mul": a.value * b.value,
                   "min": min(a.value, b.value), "max": max(a.value, b.value)}[op], loc)
    signed = a.type.signed or b.type.signed or op == "sub"
    if op == "mul":
        t = IntType(signed, a.type.width + b.type.width + (1 if signed else 0))
    else:
        w = max(_signed_width(a.type), _signed_width(b.type)) if signed else max(a.type.width, b.type.width)
        t = IntType(signed, w + (0 if op in ("min", "max") else 1))
    return ir.Binary(op, a, b, t, loc)


class _Intervals:
    """Interval bounds (lo, hi) of Spec IR expressions; None is 'not recognised'."""

    def __init__(self, instr: ir.Instruction):
        self.fields = {i: f for i, f in enumerate(instr.operands)}
        self.loops: dict[int, tuple] = {}

    def of(self, e) -> tuple:
        if isinstance(e, ir.Const):
            return e, e
        if isinstance(e, ir.SlotRef):
            if e.slot in self.loops:
                return self.loops[e.slot]
            f = self.fields.get(e.slot)
            if f is not None:
                leaf = CmdField(f, f.type, e.loc)
                return leaf, leaf
            return None, None
        if isinstance(e, ir.StateRead) and not e.indices and not e.type.signed:
            return _c(0, e.loc), None             # an unsigned register: at least zero
        if isinstance(e, ir.Cast) and e.type.contains(e.a.type.min) and e.type.contains(e.a.type.max):
            return self.of(e.a)
        if isinstance(e, ir.Binary) and e.op in ("add", "mul"):
            (alo, ahi), (blo, bhi) = self.of(e.a), self.of(e.b)
            if e.op == "mul" and not (alo is not None and blo is not None and _nonneg(alo) and _nonneg(blo)):
                return None, None
            lo = None if alo is None or blo is None else _binary(e.op, alo, blo, e.loc)
            hi = None if ahi is None or bhi is None else _binary(e.op, ahi, bhi, e.loc)
            return lo, hi
        return None, None

    def loop(self, s: ir.For):
        lo, _ = self.of(s.start)
        _, stop = self.of(s.stop)
        hi = None if stop is None else _binary("sub", stop, _c(1, s.loc), s.loc)
        self.loops[s.var.slot] = (lo, hi)


class _Collector:
    def __init__(self, machine: ir.Machine, instr: ir.Instruction):
        self.machine, self.iv = machine, _Intervals(instr)
        self.raw: list[tuple] = []      # (state, write, lo, hi, exact, loc)

    def access(self, state: str, write: bool, index, extra: int, loc: Loc):
        element = self.machine.state_element(state)
        if element.kind == "reg":
            self.raw.append((state, write, None, None, True, loc))
            return
        lo, hi = self.iv.of(index)
        if hi is not None and extra:
            hi = _binary("add", hi, _c(extra, loc), loc)
        self.raw.append((state, write, lo, hi, lo is not None and hi is not None, loc))

    def expr(self, e):
        if isinstance(e, ir.StateRead):
            self.access(e.state, False, e.indices[0] if e.indices else None, 0, e.loc)
        if isinstance(e, ir.Load):
            self.access(e.mem, False, e.addr, e.nbytes - 1, e.loc)
        for child in _children(e):
            self.expr(child)

    def block(self, stmts: tuple):
        for s in stmts:
            self.stmt(s)

    def stmt(self, s):
        if isinstance(s, ir.Assign):
            self.expr(s.value)
            t = s.target
            if isinstance(t, ir.StateTarget):
                for i in t.indices:
                    self.expr(i)
                self.access(t.state, True, t.indices[0] if t.indices else None, 0, t.loc)
        elif isinstance(s, ir.Store):
            self.expr(s.addr)
            self.expr(s.value)
            self.access(s.mem, True, s.addr, s.nbytes - 1, s.loc)
        elif isinstance(s, ir.If):
            self.expr(s.cond)
            self.block(s.then)
            self.block(s.orelse)
        elif isinstance(s, ir.For):
            self.expr(s.start)
            self.expr(s.stop)
            self.iv.loop(s)
            self.block(s.body)
        elif isinstance(s, ir.Assert):
            self.expr(s.cond)
        # Halt / EnvCall / Jump are rejected by the scheduler; Pass-like nodes touch nothing


def _children(e) -> list:
    found: list = []
    map_children(e, lambda c: found.append(c) or c)
    return found


def footprint(machine: ir.Machine, instr: ir.Instruction) -> tuple:
    """The instruction's hazard footprint: one `Access` per (state, direction), hull-merged."""
    c = _Collector(machine, instr)
    c.block(instr.body)
    merged: dict[tuple, tuple] = {}
    for state, write, lo, hi, exact, loc in c.raw:
        key = (state, write)
        if key in merged:
            mlo, mhi, mexact, mloc = merged[key]
            lo = None if lo is None or mlo is None else _binary("min", lo, mlo, loc)
            hi = None if hi is None or mhi is None else _binary("max", hi, mhi, loc)
            exact, loc = exact and mexact, mloc
        merged[key] = (lo, hi, exact, loc)
    out = []
    for s in machine.state:
        for write in (False, True):
            if (s.name, write) not in merged:
                continue
            lo, hi, exact, loc = merged[(s.name, write)]
            if s.kind != "reg":
                rows = s.shape[0]
                lo = _clamp(lo if lo is not None else _c(0, loc), rows, loc)
                hi = _clamp(hi if hi is not None else _c(rows - 1, loc), rows, loc)
            out.append(Access(s.name, write, lo, hi, exact, loc))
    return tuple(out)


def _clamp(e, rows: int, loc: Loc):
    """`e` limited to [-1, rows] (value-preserving inside), as `bound_type(rows)`."""
    t = bound_type(rows)
    if isinstance(e, ir.Const):
        return ir.Const(min(max(e.value, -1), rows), t, loc)
    e = _binary("min", _binary("max", e, _c(-1, loc), loc), _c(rows, loc), loc)
    return e if e.type == t else ir.Cast(e, t, loc)


def conflicts(a: tuple, b: tuple) -> bool:
    """Whether two footprints may conflict (RAW, WAR or WAW on a common state element),
    judged on states alone (the hardware compares the row ranges)."""
    return any(x.state == y.state and (x.write or y.write) for x in a for y in b)
