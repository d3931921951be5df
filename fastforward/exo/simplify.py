"""Partial evaluation of a command's semantics for one Exo variant (pure IR -> IR).

A variant fixes some operand fields to constants (`rows = DIM` for a full tile) and
assumes some registers hold known values (`st_shift = 0`). Folding then removes the
branches those facts decide, so the Exo body of a full-tile instr is the plain loop nest
that a scheduled kernel can be `replace`d with. Two rewrites make bodies look the way
Exo users write them: an accumulator local that is loaded from a memory element, updated
in a loop and stored back becomes an in-place `+=` on that element, and a local written
once and read once is forwarded into its use.
"""
from __future__ import annotations

from dataclasses import replace

from spec import ir
from spec.errors import SpecError
from spec.types import U1

_ARITH = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "min": min, "max": max}
_CMP = {"eq": lambda a, b: a == b, "ne": lambda a, b: a != b, "lt": lambda a, b: a < b,
        "le": lambda a, b: a <= b, "gt": lambda a, b: a > b, "ge": lambda a, b: a >= b}


class Folder:
    def __init__(self, fixed: dict, assumed: dict):
        self.fixed, self.assumed = fixed, assumed      # field name -> int, register -> int
        self.ranges: dict = {}                          # loop slot -> (lo, hi) inclusive

    # ---------------------------------------------------------------- expressions
    def expr(self, e):
        handler = getattr(self, f"e_{type(e).__name__}", None)
        return handler(e) if handler else e

    def e_SlotRef(self, e):
        if e.name in self.fixed:
            return ir.Const(self.fixed[e.name], e.type, e.loc)
        return e

    def e_StateRead(self, e):
        if not e.indices and e.state in self.assumed:
            return ir.Const(self.assumed[e.state], e.type, e.loc)
        return replace(e, indices=tuple(self.expr(i) for i in e.indices))

    def e_Load(self, e):
        return replace(e, addr=self.expr(e.addr))

    def e_Unary(self, e):
        a = self.expr(e.a)
        if isinstance(a, ir.Const) and e.op == "not":
            return ir.Const(int(not a.value), U1, e.loc)
        return replace(e, a=a)

    def e_Binary(self, e):
        a, b = self.expr(e.a), self.expr(e.b)
        if isinstance(a, ir.Const) and isinstance(b, ir.Const) and e.op in _ARITH:
            return ir.Const(e.type.wrap(_ARITH[e.op](a.value, b.value)), e.type, e.loc)
        return replace(e, a=a, b=b)

    def e_Compare(self, e):
        a, b = self.expr(e.a), self.expr(e.b)
        ra, rb = self.bounds(a), self.bounds(b)
        decided = _decide(e.op, ra, rb) if ra and rb else None
        if decided is not None:
            return ir.Const(int(decided), U1, e.loc)
        return replace(e, a=a, b=b)

    def e_Logic(self, e):
        a = self.expr(e.a)
        if isinstance(a, ir.Const):
            if (e.op == "and") != bool(a.value):
                return ir.Const(a.value != 0, U1, e.loc)
            return _truth(self.expr(e.b))
        b = self.expr(e.b)
        if isinstance(b, ir.Const) and (e.op == "and") == bool(b.value):
            return _truth(a)
        return replace(e, a=a, b=b)

    def e_Select(self, e):
        cond = self.expr(e.cond)
        if isinstance(cond, ir.Const):
            return self.expr(e.a if cond.value else e.b)
        return replace(e, cond=cond, a=self.expr(e.a), b=self.expr(e.b))

    def e_Cast(self, e):
        a = self.expr(e.a)
        if isinstance(a, ir.Const):
            return ir.Const(e.type.wrap(a.value), e.type, e.loc)
        return replace(e, a=a)

    def e_Reinterpret(self, e):
        return self.e_Cast(e)

    def e_Slice(self, e):
        return replace(e, a=self.expr(e.a))

    def e_Concat(self, e):
        return replace(e, parts=tuple(self.expr(p) for p in e.parts))

    def bounds(self, e):
        """The (lo, hi) a control value can take, or None if unknown."""
        if isinstance(e, ir.Const):
            return (e.value, e.value)
        if isinstance(e, ir.SlotRef) and e.slot in self.ranges:
            return self.ranges[e.slot]
        return None

    # ----------------------------------------------------------------- statements
    def block(self, stmts) -> tuple:
        out = []
        for s in stmts:
            out.extend(getattr(self, f"s_{type(s).__name__}", self.s_other)(s))
        return tuple(out)

    def s_other(self, s):
        return [s]

    def s_Assign(self, s):
        target = s.target
        if isinstance(target, ir.StateTarget):
            target = replace(target, indices=tuple(self.expr(i) for i in target.indices))
        return [replace(s, target=target, value=self.expr(s.value))]

    def s_Store(self, s):
        return [replace(s, addr=self.expr(s.addr), value=self.expr(s.value))]

    def s_If(self, s):
        cond = self.expr(s.cond)
        if isinstance(cond, ir.Const):
            return list(self.block(s.then if cond.value else s.orelse))
        return [replace(s, cond=cond, then=self.block(s.then), orelse=self.block(s.orelse))]

    def s_For(self, s):
        start, stop = self.expr(s.start), self.expr(s.stop)
        if isinstance(start, ir.Const) and isinstance(stop, ir.Const):
            if stop.value <= start.value:
                return []
            self.ranges[s.var.slot] = (start.value, stop.value - 1)
        body = self.block(s.body)
        self.ranges.pop(s.var.slot, None)
        return [replace(s, start=start, stop=stop, body=body)]

    def s_Assert(self, s):
        conds = [self.expr(c) for c in _conjuncts(s.cond)]
        if any(isinstance(c, ir.Const) and not c.value for c in conds):
            raise SpecError(s.loc, "this assertion always fails for the Exo variant being generated",
                            "the variant fixes fields to their asserted maximum; check the assert")
        kept = [c for c in conds if not isinstance(c, ir.Const)]
        return [replace(s, cond=c) for c in kept]


def _decide(op, ra, rb):
    """The comparison's outcome over two intervals of values, or None if it depends on them."""
    if op in ("eq", "ne"):
        if ra[0] == ra[1] == rb[0] == rb[1]:
            return op == "eq"
        if ra[1] < rb[0] or rb[1] < ra[0]:
            return op == "ne"
        return None
    outcomes = {_CMP[op](x, y) for x in ra for y in rb}      # <, <=, >, >= are monotone
    return outcomes.pop() if len(outcomes) == 1 else None


def _truth(e):
    if isinstance(e, ir.Const):
        return ir.Const(int(e.value != 0), U1, e.loc)
    return e


def _conjuncts(cond) -> list:
    if isinstance(cond, ir.Logic) and cond.op == "and":
        return _conjuncts(cond.a) + _conjuncts(cond.b)
    return [cond]


def simplify(body: tuple, fixed: dict, assumed: dict) -> tuple:
    return forward_locals(fuse_accumulators(Folder(fixed, assumed).block(body)))


# -------------------------------------------------------------- accumulator rewrite


def fuse_accumulators(stmts: tuple) -> tuple:
    """`s = X (or 0); for ..: s += e; X = s`  ->  `X = 0 (if 0); for ..: X += e`."""
    stmts = tuple(_recurse(s, fuse_accumulators) for s in stmts)
    out, i = [], 0
    while i < len(stmts):
        fused = _try_fuse(stmts, i)
        if fused is not None:
            out.extend(fused)
            i += 3
        else:
            out.append(stmts[i])
            i += 1
    return tuple(out)


def _try_fuse(stmts, i):
    if i + 2 >= len(stmts):
        return None
    init, loop, store = stmts[i], stmts[i + 1], stmts[i + 2]
    if not (isinstance(init, ir.Assign) and isinstance(init.target, ir.SlotTarget)
            and isinstance(loop, ir.For) and isinstance(store, ir.Assign)
            and isinstance(store.target, ir.StateTarget)):
        return None
    slot = init.target.slot
    if not (isinstance(store.value, ir.SlotRef) and store.value.slot == slot):
        return None
    if any(_reads_slot(s, slot) for s in stmts[i + 3:]):
        return None
    element = ir.StateRead(store.target.state, store.target.indices, store.target.type, store.target.loc)
    start = _strip_casts(init.value)
    if not (start == _strip_loc_free(element, start) or (isinstance(start, ir.Const) and start.value == 0)):
        return None
    body = _retarget(loop.body, slot, store.target)
    if body is None:
        return None
    prefix = [] if not isinstance(start, ir.Const) else [ir.Assign(store.target, ir.Const(0, store.target.type, init.loc), init.loc)]
    return prefix + [replace(loop, body=body)]


def _strip_casts(e):
    while isinstance(e, (ir.Cast, ir.Reinterpret)):
        e = e.a
    return e


def _strip_loc_free(element, candidate):
    """`candidate` if it reads the same state element at the same indices (locations aside)."""
    if (isinstance(candidate, ir.StateRead) and candidate.state == element.state
            and _same(candidate.indices, element.indices)):
        return candidate
    return None


def _same(a, b) -> bool:
    return erase_locations(a) == erase_locations(b)


def erase_locations(x):
    """A location-free copy of an IR value, for structural comparison."""
    if isinstance(x, tuple):
        return tuple(erase_locations(i) for i in x)
    if hasattr(x, "__dataclass_fields__"):
        return (type(x).__name__,) + tuple(erase_locations(getattr(x, f)) for f in x.__dataclass_fields__ if f != "loc")
    return x


def _retarget(stmts, slot, target):
    """Loop body where every `s = s + e` becomes `target = target + e`; None if s is used otherwise."""
    out = []
    for s in stmts:
        if isinstance(s, ir.For):
            inner = _retarget(s.body, slot, target)
            if inner is None:
                return None
            out.append(replace(s, body=inner))
        elif isinstance(s, ir.Assign) and isinstance(s.target, ir.SlotTarget) and s.target.slot == slot:
            v = _strip_casts(s.value)
            if not (isinstance(v, ir.Binary) and v.op == "add" and isinstance(v.a, ir.SlotRef)
                    and v.a.slot == slot and not _reads_slot(v.b, slot)):
                return None
            read = ir.StateRead(target.state, target.indices, target.type, v.a.loc)
            out.append(ir.Assign(target, replace(v, a=read), s.loc))
        elif _reads_slot(s, slot):
            return None
        else:
            out.append(s)
    return tuple(out)


def _reads_slot(node, slot) -> bool:
    return any(isinstance(n, ir.SlotRef) and n.slot == slot for n in walk(node))


def walk(node):
    """Every IR node under `node` (pre-order)."""
    yield node
    if isinstance(node, tuple):
        for x in node:
            yield from walk(x)
        return
    if not hasattr(node, "__dataclass_fields__"):
        return
    for f in node.__dataclass_fields__:
        v = getattr(node, f)
        if isinstance(v, tuple) or hasattr(v, "__dataclass_fields__"):
            yield from walk(v)


def _recurse(s, fn):
    if isinstance(s, ir.For):
        return replace(s, body=fn(s.body))
    if isinstance(s, ir.If):
        return replace(s, then=fn(s.then), orelse=fn(s.orelse))
    return s


# ------------------------------------------------------------------ forwarding


def forward_locals(stmts: tuple) -> tuple:
    """Inline `v = e` into the next statement when that is v's only read and nothing between changes e."""
    stmts = tuple(_recurse(s, forward_locals) for s in stmts)
    out = list(stmts)
    i = 0
    while i + 1 < len(out):
        s, nxt = out[i], out[i + 1]
        if (isinstance(s, ir.Assign) and isinstance(s.target, ir.SlotTarget)
                and isinstance(nxt, (ir.Assign, ir.Store))
                and _count_reads(out, s.target.slot) == 1 and _reads_slot(nxt, s.target.slot)
                and _count_writes(out, s.target.slot) == 1
                and not (isinstance(nxt, ir.Assign) and isinstance(nxt.target, ir.SlotTarget)
                         and nxt.target.slot == s.target.slot)):
            out[i + 1] = _substitute(nxt, s.target.slot, s.value)
            del out[i]
            continue
        i += 1
    return tuple(out)


def _count_reads(stmts, slot) -> int:
    return sum(1 for n in walk(tuple(stmts)) if isinstance(n, ir.SlotRef) and n.slot == slot)


def _count_writes(stmts, slot) -> int:
    return sum(1 for n in walk(tuple(stmts)) if isinstance(n, ir.SlotTarget) and n.slot == slot)


def _substitute(node, slot, value):
    if isinstance(node, ir.SlotRef) and node.slot == slot:
        return value
    if isinstance(node, tuple):
        return tuple(_substitute(x, slot, value) for x in node)
    if hasattr(node, "__dataclass_fields__") and not isinstance(node, ir.SlotTarget):
        changes = {f: _substitute(getattr(node, f), slot, value) for f in node.__dataclass_fields__
                   if f != "loc" and (isinstance(getattr(node, f), tuple)
                                      or hasattr(getattr(node, f), "__dataclass_fields__"))}
        return replace(node, **changes) if changes else node
    return node
