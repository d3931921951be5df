"""Operand analysis for the Exo backend: which spec operands become which Exo arguments.

A field added to the first index of an internal memory is that memory's window base; a
field added to an external-memory address is that window's base, and the address's other
terms (loop variable x constant or x stride register) become the window's dimensions;
fields bounding loops are `size`, 1-bit fields used only as conditions are `bool`, fields
copied into a stride register are `stride`, fields used as data are scalars. Also the
Exo type mapping and identifier checks shared by the emitter (lower.py) and gen.py.
"""
from __future__ import annotations

import keyword
from dataclasses import dataclass, field

from spec import ir
from spec.errors import Loc, SpecError

from .simplify import erase_locations, simplify, walk

EXO_RESERVED = {"seq", "par", "stride", "size", "index", "bool", "R", "i8", "ui8", "ui16", "i32",
                "f16", "f32", "f64", "select", "DRAM", "instr", "proc", "config", "Memory", "Extern",
                "annotations", "MemGenError", "generate_offset", "dcsim_shl", "dcsim_shr", "dcsim_min",
                "dcsim_max", "True", "False", "None"}
INFIX_TEXT = {"add": "+", "sub": "-", "mul": "*"}           # IR operators Exo writes infix
EXTERN_OPS = ("shl", "shr", "min", "max")                   # IR operators that become dcsim_* externs
COMPARE_TEXT = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def exo_type(t) -> str | None:
    """The Exo 1.0 scalar type that holds every value of `t` exactly, or None."""
    if t.signed:
        return "i8" if t.width <= 8 else "i32" if t.width <= 32 else None
    return "ui8" if t.width <= 8 else "ui16" if t.width <= 16 else "i32" if t.width <= 31 else None


def exact_type(t) -> str | None:
    """Memory elements need Exo's exact width: the C side shares their layout."""
    return {(True, 8): "i8", (False, 8): "ui8", (False, 16): "ui16", (True, 32): "i32"}.get((t.signed, t.width))


def config_type(t) -> str | None:
    """Config fields and scalar operands: Exo 1.0 allows only i8 and i32 there."""
    if (t.signed and t.width <= 8) or (not t.signed and t.width <= 7):
        return "i8"
    return "i32" if (t.signed and t.width <= 32) or (not t.signed and t.width <= 31) else None


def safe(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(f"not an identifier: {name!r}")      # the spec front end guarantees this
    return name + "_" if keyword.iskeyword(name) or name in EXO_RESERVED else name


@dataclass
class Window:
    """An Exo tensor argument standing for (part of) a memory."""
    name: str
    state: ir.StateElement
    base: str | None                # field that addresses it (row / byte address)
    elem: str = ""                  # Exo element type
    elem_bytes: int = 1
    shape: list = field(default_factory=list)      # extents as IR expressions (or ints)
    dims: list = field(default_factory=list)       # external: [(loop slot, coef)] outermost first
    loc: Loc | None = None


@dataclass
class Variant:
    suffix: str
    fixed: dict                      # operand field -> constant
    assumed: dict                    # register -> value its fused config command sets


@dataclass
class MachineFacts:
    """What lowering needs to know about the whole machine."""
    machine: ir.Machine
    config_class: str
    memory_class: dict               # state name -> Exo memory class name
    stride_regs: set                 # registers used as external-address row strides
    config_cmds: dict                # instruction name -> ((register, field name | const), ...)

    def reg_writer(self, reg: str):
        return next((n for n, writes in self.config_cmds.items() if any(r == reg for r, _ in writes)), None)


class Operands:
    """What one (instruction, variant)'s operands are to Exo: windows, field kinds (the analysis half of
    lowering; lower.Lowering emits the Exo text from it)."""

    def __init__(self, facts: MachineFacts, instr: ir.Instruction, variant: Variant):
        self.f, self.m, self.instr, self.v = facts, facts.machine, instr, variant
        self.body = simplify(instr.body, variant.fixed, variant.assumed)
        self.operands = {fd.name: fd for fd in instr.operands}
        self.slots: dict[int, str] = {}           # slot -> kind: 'field' | 'loop' | 'local'
        self.loops: dict[int, ir.For] = {}
        self.windows: dict[tuple, Window] = {}    # (state, base) -> window
        self.access_window: dict[int, tuple] = {} # id(access node) -> (window key, index exprs)
        self.field_use: dict[str, set] = {}
        self.field_use_loc: dict[tuple, Loc] = {}  # (field, how) -> first use
        self.local_types: dict[int, object] = {}
        self.names: dict[int, str] = {}
        self._classify_slots()
        self._collect(self.body, [])

    # ------------------------------------------------------------------ analysis
    def fail(self, loc, message, hint=None):
        raise SpecError(loc, f"{message} (Exo backend, command {self.instr.name})", hint)

    def _classify_slots(self):
        for i, fd in enumerate(self.instr.operands):
            self.slots[i] = "field"
            self.names[i] = fd.name
        for n in walk(self.instr.body):
            if isinstance(n, ir.For):
                self.slots[n.var.slot] = "loop"
                self.names[n.var.slot] = n.var.name
            elif isinstance(n, ir.SlotTarget) and self.slots.get(n.slot) != "loop":
                self.slots.setdefault(n.slot, "local")
                self.names[n.slot] = n.name
                self.local_types[n.slot] = n.type

    def _use(self, name, how, loc=None):
        self.field_use.setdefault(name, set()).add(how)
        self.field_use_loc.setdefault((name, how), loc)

    def _collect(self, stmts, guards):
        for s in stmts:
            if isinstance(s, ir.For):
                self.loops[s.var.slot] = s
                for e in (s.start, s.stop):
                    self._collect_expr(e, guards, "size")
                self._collect(s.body, guards)
            elif isinstance(s, ir.If):
                self._collect_expr(s.cond, guards, "cond")
                self._collect(s.then, guards + [s.cond])
                self._collect(s.orelse, guards)
            elif isinstance(s, ir.Assign):
                if isinstance(s.target, ir.StateTarget):
                    self._access(s.target, s.target.indices, guards, None, value=s.value)
                    if s.target.state in self.f.stride_regs:
                        self._collect_expr(s.value, guards, "stride")
                        continue
                self._collect_expr(s.value, guards, "data")
            elif isinstance(s, ir.Store):
                self._access(s, (s.addr,), guards, s.nbytes, value=s.value)
                self._collect_expr(s.value, guards, "data")
            elif isinstance(s, ir.Assert):
                self._collect_expr(s.cond, guards, "assert")
            else:
                self.fail(s.loc, f"'{type(s).__name__.lower()}' has no Exo equivalent",
                          "Exo instrs describe accelerator commands: no jumps, halts or environment calls")

    def _collect_expr(self, e, guards, how):
        if isinstance(e, ir.SlotRef) and self.slots.get(e.slot) == "field":
            self._use(e.name, "bool" if how == "cond" and e.type.width == 1 else how, e.loc)
            return
        if isinstance(e, ir.Select):
            self._collect_expr(e.cond, guards, "cond" if self.is_control(e.cond) else "data")
            self._collect_expr(e.a, guards + [e.cond], how)
            self._collect_expr(e.b, guards, how)
            return
        if isinstance(e, (ir.StateRead, ir.Load)):
            if isinstance(e, ir.StateRead) and not e.indices:
                return
            self._access(e, e.indices if isinstance(e, ir.StateRead) else (e.addr,), guards,
                         e.nbytes if isinstance(e, ir.Load) else None)
            return
        inner = "data" if how == "data" else ("cond" if how in ("cond", "assert") else how)
        if isinstance(e, (ir.Compare, ir.Logic)) and how in ("cond", "assert"):
            inner = "ctl"
        for child in _children(e):
            self._collect_expr(child, guards, inner)

    def _access(self, node, indices, guards, nbytes, value=None):
        state = self.m.state_element(node.state if hasattr(node, "state") else node.mem)
        if state.kind == "regfile":
            self.fail(node.loc, f"register file '{state.name}' has no Exo equivalent",
                      "Exo configs hold scalar registers, not indexed register files")
        if state.kind != "mem":
            return
        if state.external:
            self._external(node, state, indices[0], guards, nbytes or 1, value)
        else:
            self._internal(node, state, indices, guards)

    def _base_split(self, e, state):
        """An index/address as (base field name | None, other additive terms)."""
        terms = _terms(e)
        bases = [t for t in terms if isinstance(t, ir.SlotRef) and self.slots.get(t.slot) == "field"]
        if len(bases) > 1:
            self.fail(e.loc, f"the index of '{state.name}' adds two operand fields",
                      "address a memory with one base field plus loop variables")
        rest = [t for t in terms if not (bases and t is bases[0])]
        return (bases[0].name if bases else None), rest

    def _internal(self, node, state, indices, guards):
        base, rest = self._base_split(indices[0], state)
        for i in indices[1:]:
            if any(isinstance(n, ir.SlotRef) and self.slots.get(n.slot) == "field" for n in walk(i)):
                self.fail(i.loc, f"an operand field in an inner index of '{state.name}'",
                          "only the first index may add a base field")
        self._check_index(indices)
        key = (state.name, base)
        w = self.windows.setdefault(key, Window("", state, base, loc=node.loc))
        if base is None:
            w.shape = list(state.shape)
            self.access_window[id(node)] = (key, indices)
            return
        offset = _sum(rest, indices[0])
        extent = self._extent(offset, guards, node.loc)
        w.shape = [self._merge(w.shape[0] if w.shape else None, extent, node.loc)] + list(state.shape[1:])
        self.access_window[id(node)] = (key, (offset,) + tuple(indices[1:]))

    def _check_index(self, indices):
        for i in indices:
            if not self.is_control(i):
                self.fail(i.loc, "this index is not an affine function of operands and loop variables",
                          "Exo indexes with +, - and * of loop variables, sizes and constants")

    def _external(self, node, state, addr, guards, nbytes, value):
        base, rest = self._base_split(addr, state)
        dims = []
        for t in rest:
            slot, coef = self._term_dim(t, state)
            if any(d[0] == slot for d in dims):
                self.fail(t.loc, "a loop variable appears twice in an address", "write each term once")
            dims.append((slot, coef))
        dims.sort(key=lambda d: (0, 0) if isinstance(d[1], str) else (1, -d[1]))
        if not dims or dims[-1][1] != nbytes:
            self.fail(addr.loc, f"the address into '{state.name}' has no innermost term 'j * {nbytes}'",
                      "external memory operands must be row-major tiles with contiguous rows")
        for slot, coef in dims:
            if isinstance(coef, int) and coef % nbytes:
                self.fail(addr.loc, f"a row stride of {coef} bytes is not a multiple of the {nbytes}-byte element", None)
        elem = self._external_type(node, state, nbytes, value)
        key = (state.name, base)
        w = self.windows.setdefault(key, Window("", state, base, elem=elem, elem_bytes=nbytes, loc=node.loc))
        if w.elem != elem or w.elem_bytes != nbytes:
            self.fail(node.loc, f"'{state.name}' is accessed here as {elem} and elsewhere as {w.elem}",
                      "one command may use one element type per external operand")
        shape = [self._extent(ir.SlotRef(self.names[s], s, ir.IntType(False, 32), addr.loc), guards, node.loc)
                 for s, _ in dims]
        if w.dims and [c for _, c in w.dims] != [c for _, c in dims]:
            self.fail(node.loc, f"'{state.name}' is addressed with different strides in one command", None)
        w.dims = dims
        w.shape = [self._merge(old, new, node.loc) for old, new in zip(w.shape, shape)] if w.shape else shape
        self.access_window[id(node)] = (key, tuple(ir.SlotRef(self.names[s], s, ir.IntType(False, 32), addr.loc)
                                                   for s, _ in dims))

    def _external_type(self, node, state, nbytes, value):
        if value is not None:                   # a store: the value's signedness, the access's width
            signed = strip_casts(value).type.signed
        else:
            signed = getattr(self._parent_cast.get(id(node)), "signed", state.type.signed if nbytes == 1 else True)
        t = exo_type(ir.IntType(signed, 8 * nbytes))
        if t is None or (t == "i32" and nbytes != 4):
            self.fail(node.loc, f"Exo 1.0 has no {'signed' if signed else 'unsigned'} {8 * nbytes}-bit type",
                      "use 8-bit or signed 32-bit elements")
        return t

    @property
    def _parent_cast(self):
        """id(read of an external memory) -> the type a cast directly around it gives the value."""
        if not hasattr(self, "_casts"):
            self._casts = {}
            for n in walk(self.body):
                if isinstance(n, (ir.Cast, ir.Reinterpret)) and isinstance(n.a, (ir.StateRead, ir.Load)):
                    self._casts[id(n.a)] = n.type
        return self._casts

    def _term_dim(self, t, state):
        t = strip_casts(t)
        if isinstance(t, ir.SlotRef) and self.slots.get(t.slot) == "loop":
            return t.slot, 1
        if isinstance(t, ir.Binary) and t.op == "mul":
            a, b = strip_casts(t.a), strip_casts(t.b)
            if isinstance(b, ir.SlotRef) and self.slots.get(b.slot) == "loop":
                a, b = b, a
            if isinstance(a, ir.SlotRef) and self.slots.get(a.slot) == "loop":
                if isinstance(b, ir.Const):
                    return a.slot, b.value
                if isinstance(b, ir.StateRead) and not b.indices and b.state in self.f.stride_regs:
                    return a.slot, b.state
        self.fail(t.loc, f"this term of an address into '{state.name}' is not 'loop variable x stride'",
                  "address external memory as base field + i * (constant or stride register) + j * element size")

    def _extent(self, offset, guards, loc):
        """The number of values an index offset takes: a loop's trip count, tightened by guards."""
        offset = strip_casts(offset)
        if isinstance(offset, ir.Const):
            return offset.value + 1
        if not (isinstance(offset, ir.SlotRef) and self.slots.get(offset.slot) == "loop"):
            self.fail(offset.loc, "a memory operand index must be a loop variable or a constant",
                      "index tiles as base + loop variable")
        loop = self.loops[offset.slot]
        if not (isinstance(loop.start, ir.Const) and loop.start.value == 0):
            self.fail(loop.loc, "a loop over an operand tile must start at 0", "write range(n), not range(a, b)")
        bound = loop.stop
        for g in guards:
            for c in conjuncts(g):
                if (isinstance(c, ir.Compare) and c.op == "lt" and isinstance(strip_casts(c.a), ir.SlotRef)
                        and strip_casts(c.a).slot == offset.slot and self.is_control(c.b)):
                    bound = c.b
        return bound.value if isinstance(bound, ir.Const) else bound

    def _merge(self, old, new, loc):
        if old is None or erase_locations(old) == erase_locations(new):
            return new
        if isinstance(old, int) and isinstance(new, int):
            return max(old, new)
        self.fail(loc, "this access covers a different extent of the operand than another access",
                  "use one tile shape per operand in a command")

    def is_control(self, e) -> bool:
        for n in walk(e):
            if isinstance(n, ir.SlotRef) and self.slots.get(n.slot) == "local":
                return False
            if isinstance(n, (ir.StateRead, ir.Load, ir.PcRead, ir.Select)):
                return False
            if isinstance(n, ir.Binary) and n.op not in INFIX_TEXT:
                return False
            if isinstance(n, (ir.Slice, ir.Concat)):
                return False
        return True

    # ---------------------------------------------------------------- arguments
    def field_kinds(self) -> dict:
        """Operand field -> 'base' | 'fixed' | 'size' | 'index' | 'bool' | 'stride' | 'scalar'."""
        bases = {w.base for w in self.windows.values() if w.base}
        kinds = {}
        for fd in self.instr.operands:
            uses = self.field_use.get(fd.name, set())
            if fd.name in self.v.fixed:
                kinds[fd.name] = "fixed"
            elif fd.name in bases:
                if uses - {"assert"}:
                    self.fail(fd.loc, f"field '{fd.name}' addresses a memory operand and is also used as a value",
                              "use a base field only to address its memory")
                kinds[fd.name] = "base"
            elif "data" in uses:
                if uses - {"data"}:
                    control = [h for h in ("size", "cond", "bool", "ctl", "stride", "assert", *sorted(uses))
                               if h in uses - {"data"}]
                    other = self.field_use_loc.get((fd.name, control[0]))
                    self.fail(self.field_use_loc.get((fd.name, "data")) or fd.loc,
                              f"field '{fd.name}' is used both as data (here) and to control loops/conditions"
                              + (f" (line {other.line}, col {other.col})" if other else ""),
                              "Exo keeps data values and index values apart")
                kinds[fd.name] = "scalar"
            elif "stride" in uses:
                kinds[fd.name] = "stride"
            elif uses == {"bool"}:
                kinds[fd.name] = "bool"
            elif self._in_shapes(fd.name) or "size" in uses:
                kinds[fd.name] = "size"
            else:
                kinds[fd.name] = "index"
        return kinds

    def _in_shapes(self, name) -> bool:
        return any(isinstance(x, ir.SlotRef) and x.name == name
                   for w in self.windows.values() for e in w.shape if not isinstance(e, int) for x in walk(e))

    def name_windows(self):
        by_state: dict[str, list] = {}
        for key, w in self.windows.items():
            by_state.setdefault(key[0], []).append(w)
        taken = {safe(fd.name) for fd in self.instr.operands}
        for state, ws in by_state.items():
            for w in ws:
                name = safe(state if len(ws) == 1 else f"{state}_{w.base or 'all'}")
                while name in taken:
                    name += "_"
                w.name = name
                taken.add(name)


def _children(e):
    if isinstance(e, ir.Concat):
        return e.parts
    return tuple(getattr(e, f) for f in ("a", "b", "cond", "addr") if hasattr(e, f))


def strip_casts(e):
    """`e` without its outer casts and reinterprets."""
    while isinstance(e, (ir.Cast, ir.Reinterpret)):
        e = e.a
    return e


def _terms(e) -> list:
    e = strip_casts(e)
    if isinstance(e, ir.Binary) and e.op == "add":
        return _terms(e.a) + _terms(e.b)
    return [e]


def _sum(terms, like):
    if not terms:
        return ir.Const(0, like.type, like.loc)
    out = terms[0]
    for t in terms[1:]:
        out = ir.Binary("add", out, t, like.type, like.loc)
    return out


def conjuncts(c) -> list:
    """The terms of a chain of `and`s (casts stripped), left to right."""
    c = strip_casts(c)
    if isinstance(c, ir.Logic) and c.op == "and":
        return conjuncts(c.a) + conjuncts(c.b)
    return [c]


def construct_name(e) -> str:
    """How error messages name the IR construct `e` ('a bit slice', 'load(...)', ...)."""
    names = {"Slice": "a bit slice", "Concat": "cat(...)", "PcRead": "pc", "Unary": f"'{getattr(e, 'op', '')}'",
             "Binary": f"the '{getattr(e, 'op', '')}' operation", "Load": "load(...)", "StateRead": "a state read"}
    return names.get(type(e).__name__, type(e).__name__)
