"""One command variant's semantics -> an Exo `@instr` proc (signature, body, C template).

operands.Operands decides what each operand field and memory access becomes (window,
size, bool, stride, scalar); this module writes the text: the proc signature, the body as
Exo statements (data-dependent conditions predicated with `select`), and the C template
that calls the runtime (capi.py). Every name in the output is a validated identifier; no
user text reaches the code except through `repr`.
"""
from __future__ import annotations

import dataclasses

from spec import ir

from . import capi
from .operands import (COMPARE_TEXT, EXO_RESERVED, EXTERN_OPS, INFIX_TEXT, MachineFacts, Operands, Variant, Window,
                       config_type, conjuncts, construct_name, exact_type, exo_type, safe, strip_casts)
from .simplify import erase_locations, walk

__all__ = ["EXO_RESERVED", "Lowering", "MachineFacts", "Variant", "Window", "config_type", "exact_type",
           "exo_type", "safe"]


class Lowering(Operands):
    """Lowers one (instruction, variant) to an Exo instr definition (a list of source lines)."""

    # ------------------------------------------------------------------ emission
    def emit(self, proc_name: str, fusions: list) -> tuple[list, str]:
        """(source lines of the @instr proc, C template)."""
        self.name_windows()
        kinds = self.field_kinds()
        self.kinds = kinds
        args = []
        for fd in self.instr.operands:
            k = kinds[fd.name]
            if k in ("size", "index", "bool", "stride"):
                args.append(f"{safe(fd.name)}: {k}")
            elif k == "scalar":
                t = config_type(fd.type) or self.fail(fd.loc, f"Exo 1.0 has no type for {fd.type} field '{fd.name}'")
                args.append(f"{safe(fd.name)}: {t}")
        fused_regs = {r for _, writes in fusions for r, _ in writes}
        for w in self.windows.values():
            if not w.state.external:
                w.elem = exact_type(w.state.type) or self.fail(
                    w.loc or w.state.loc, f"Exo 1.0 has no element type for {w.state.type} memory '{w.state.name}'",
                    "Exo 1.0 has i8, ui8, ui16 and i32 integers")
            mem = "DRAM" if w.state.external else self.f.memory_class[w.state.name]
            args.append(f"{w.name}: [{w.elem}][{', '.join(self.ctl(s) for s in w.shape)}] @ {mem}")
        lines = [f"def {proc_name}({', '.join(args)}):"]
        body = self.window_asserts(fused_regs)
        self.declared: set = set()
        body += self.block(self.body, [])
        if all(b.startswith("assert ") for b in body):
            body.append("pass")                         # Exo lifts asserts out of the body: keep one statement
        lines += ["    " + b for b in body]
        return lines, self.template(fusions)

    def window_asserts(self, fused_regs) -> list:
        out = []
        for w in self.windows.values():
            if not w.state.external:
                row = 1
                for d in reversed(range(len(w.shape))):
                    out.append(f"assert stride({w.name}, {d}) == {row}")
                    row *= w.state.shape[d]
                continue
            for d, (_, coef) in enumerate(w.dims):
                if isinstance(coef, int):
                    out.append(f"assert stride({w.name}, {d}) == {coef // w.elem_bytes}")
                elif coef not in fused_regs:
                    if w.elem_bytes != 1:
                        self.fail(w.loc, f"register '{coef}' is a byte stride for {w.elem_bytes}-byte elements",
                                  "Exo can compare strides only in elements; give the command a config "
                                  "command that sets only this register, so it can be fused")
                    out.append(f"assert stride({w.name}, {d}) == {self.f.config_class}.{safe(coef)}")
        return out

    def template(self, fusions) -> str:
        calls = [self.c_call(name, [self.fused_arg(v) for _, v in args]) for name, args in fusions]
        fields = [self.c_arg(fd) for fd in self.instr.operands]
        calls.append(self.c_call(capi.command(self.m, self.instr), fields))
        return "\n".join(calls)

    def c_call(self, fn, args):
        return f"{fn}({', '.join(args)});"

    def fused_arg(self, value):
        if isinstance(value, int):
            return str(value)
        w, d = value                                    # a window dimension's stride, in bytes
        return "{" + w.name + "}.strides[" + str(d) + "] * " + str(w.elem_bytes)

    def c_arg(self, fd) -> str:
        k = self.kinds[fd.name]
        if k == "fixed":
            return str(self.v.fixed[fd.name])
        if k == "base":
            w = next(w for w in self.windows.values() if w.base == fd.name)
            fn = (capi.address if w.state.external else capi.row)(self.m, w.state.name)
            return fn + "(&{" + w.name + "_data})"
        if k == "scalar":
            return "*{" + safe(fd.name) + "}"
        return "{" + safe(fd.name) + "}"

    # ---------------------------------------------------------------- statements
    def block(self, stmts, pred) -> list:
        out = []
        for s in stmts:
            out += getattr(self, f"s_{type(s).__name__}")(s, pred)
        return out

    def s_For(self, s, pred):
        if pred:
            self.fail(s.loc, "a loop under a data-dependent condition", "Exo control flow depends only on indices")
        saved = set(self.declared)
        self.depth = getattr(self, "depth", 0) + 1
        head = f"for {safe(s.var.name)} in seq({self.ctl(s.start)}, {self.ctl(s.stop)}):"
        body = self.block(s.body, pred) or ["pass"]
        self.declared, self.depth = saved, self.depth - 1
        return [head] + ["    " + b for b in body]

    def s_If(self, s, pred):
        decls = self.declare_assigned(s)
        if self.is_control(s.cond) and not pred:
            out = decls + [f"if {self.ctl(s.cond)}:"] + ["    " + b for b in (self.block(s.then, pred) or ["pass"])]
            if s.orelse:
                out += ["else:"] + ["    " + b for b in self.block(s.orelse, pred)]
            return out
        if not self.is_control(s.cond) or pred:
            return decls + self.block(s.then, pred + [(s.cond, True)]) + self.block(s.orelse, pred + [(s.cond, False)])

    def s_Assert(self, s, pred):
        cond = s.cond
        if any(isinstance(n, ir.SlotRef) and self.kinds.get(n.name) == "base" and self.slots.get(n.slot) == "field"
               for n in walk(cond)):
            return []                                   # a window's shape already bounds its base
        if not self.is_control(cond):
            self.fail(s.loc, "an assertion on state or data", "Exo asserts constrain operands only")
        return [f"assert {self.ctl(c)}" for c in conjuncts(cond)]

    def s_Store(self, s, pred):
        target = self.access(s)
        return [f"{target} = {self.predicated(pred, self.dat(s.value), target)}"]

    def s_Assign(self, s, pred):
        value = s.value
        if isinstance(value, ir.Select) and self.is_control(value.cond) and not pred:
            then = ir.Assign(s.target, value.a, s.loc)
            orelse = ir.Assign(s.target, value.b, s.loc)
            return self.s_If(ir.If(value.cond, (then,), (orelse,), s.loc), pred)
        decls = self.declare_assigned(s)
        t = s.target
        if isinstance(t, ir.SlotTarget):
            if getattr(self, "depth", 0):                 # a register written from it would depend on the loop
                self.__dict__.setdefault("loop_locals", set()).add(t.slot)
            target = safe(t.name)
            same = lambda e: isinstance(e, ir.SlotRef) and e.slot == t.slot
        elif not t.indices:
            if getattr(self, "depth", 0):
                self.fail(s.loc, f"register '{t.state}' is written inside a loop",
                          "Exo configuration writes may not depend on loop iterations; use a local")
            if _reads_slots(value, self.__dict__.get("loop_locals", ())):
                self.fail(s.loc, f"register '{t.state}' is written from a value computed in a loop",
                          "Exo configuration writes may not depend on loop iterations")
            if t.state not in self.f.stride_regs and config_type(t.type) is None:
                self.fail(s.loc, f"register '{t.state}' ({t.type}) has no Exo config type",
                          "Exo configs hold i8 or i32")
            target = f"{self.f.config_class}.{safe(t.state)}"
            return decls + [f"{target} = {self.predicated(pred, self.reg_value(t, value), target)}"]
        else:
            target = self.access(t)
            same = lambda e: (isinstance(e, ir.StateRead) and e.state == t.state
                              and erase_locations(e.indices) == erase_locations(t.indices))
        v = strip_casts(value)
        if not pred and isinstance(v, ir.Binary) and v.op == "add" and same(strip_casts(v.a)):
            return decls + [f"{target} += {self.dat(v.b)}"]
        return decls + [f"{target} = {self.predicated(pred, self.dat(value), target)}"]

    def reg_value(self, t, value):
        v = strip_casts(value)
        if t.state in self.f.stride_regs:
            if isinstance(v, ir.SlotRef) and self.kinds.get(v.name) == "stride":
                return safe(v.name)
            self.fail(value.loc, f"stride register '{t.state}' must be set from an operand field",
                      "Exo strides are operands, not computed values")
        return self.dat(value)

    def declare_assigned(self, s) -> list:
        out = []
        for n in walk(s):
            if isinstance(n, ir.SlotTarget) and self.slots.get(n.slot) == "local" and n.slot not in self.declared:
                if isinstance(s, ir.For):
                    continue
                self.declared.add(n.slot)
                out.append(f"{safe(n.name)}: {exo_type(self.local_types[n.slot]) or 'R'}")
        return out

    # --------------------------------------------------------------- expressions
    def ctl(self, e) -> str:
        if isinstance(e, int):
            return str(e)
        e = strip_casts(e)
        if isinstance(e, ir.Const):
            return str(e.value) if e.value >= 0 else f"({e.value})"
        if isinstance(e, ir.SlotRef):
            if self.slots.get(e.slot) == "local":
                self.fail(e.loc, f"local '{e.name}' used as an index or condition", "Exo indices are not data")
            return safe(e.name)
        if isinstance(e, ir.Binary) and e.op in INFIX_TEXT:
            return f"({self.ctl(e.a)} {INFIX_TEXT[e.op]} {self.ctl(e.b)})"
        if isinstance(e, ir.Compare):
            return f"{self.ctl(e.a)} {COMPARE_TEXT[e.op]} {self.ctl(e.b)}"
        if isinstance(e, ir.Logic):
            return f"({self.ctl(e.a)} {e.op} {self.ctl(e.b)})"
        self.fail(e.loc, f"{construct_name(e)} in an index, loop bound or condition has no Exo equivalent",
                  "indices and conditions may use +, -, * and comparisons of fields, loop variables and constants")

    def dat(self, e) -> str:
        e = strip_casts(e)
        if isinstance(e, ir.Const):
            return str(e.value) if e.value >= 0 else f"({e.value})"
        if isinstance(e, ir.SlotRef):
            if self.slots.get(e.slot) == "loop":
                self.fail(e.loc, f"loop variable '{e.name}' used as a data value", "Exo keeps indices out of data")
            return safe(e.name)
        if isinstance(e, ir.StateRead) and not e.indices:
            if e.state in self.f.stride_regs:
                self.fail(e.loc, f"stride register '{e.state}' read as a data value", None)
            if config_type(e.type) is None:
                self.fail(e.loc, f"register '{e.state}' ({e.type}) has no Exo config type", "Exo configs hold i8 or i32")
            return f"{self.f.config_class}.{safe(e.state)}"
        if isinstance(e, (ir.StateRead, ir.Load)):
            return self.access(e)
        if isinstance(e, ir.Binary) and e.op in INFIX_TEXT:
            return f"({self.dat(e.a)} {INFIX_TEXT[e.op]} {self.dat(e.b)})"
        if isinstance(e, ir.Binary) and e.op in EXTERN_OPS:
            return f"{capi.extern(self.m, e.op)}({self.dat(e.a)}, {self.dat(e.b)})"
        if isinstance(e, ir.Unary) and e.op == "neg":
            return f"(-{self.dat(e.a)})"
        if isinstance(e, ir.Select):
            return self.predicated([(e.cond, True)], self.dat(e.a), self.dat(e.b))
        if isinstance(e, (ir.Compare, ir.Logic)):
            return self.pred(e, "1", "0")
        self.fail(e.loc, f"{construct_name(e)} has no Exo equivalent",
                  "Exo data expressions use +, -, *, and (here) shifts, min and max; "
                  "bit slices, concatenation and bitwise logic are not expressible")

    def access(self, node) -> str:
        key, indices = self.access_window[id(node)]
        w = self.windows[key]
        return f"{w.name}[{', '.join(self.ctl(i) for i in indices)}]"

    def predicated(self, pred, value, otherwise) -> str:
        for cond, polarity in reversed(pred):
            value = self.pred(cond, value, otherwise) if polarity else self.pred(cond, otherwise, value)
        return value

    def pred(self, c, y, z) -> str:
        """Text of `y if c else z` for a data condition c, through Exo's select(a, b, y, z) = y if a < b else z."""
        c = strip_casts(c)
        if isinstance(c, ir.Logic):
            return self.pred(c.a, self.pred(c.b, y, z), z) if c.op == "and" else self.pred(c.a, y, self.pred(c.b, y, z))
        if isinstance(c, ir.Unary) and c.op == "not":
            return self.pred(c.a, z, y)
        if not isinstance(c, ir.Compare):          # a truth value: nonzero (positive if unsigned)
            c = ir.Compare("ne" if c.type.signed else "gt", c, ir.Const(0, c.type, c.loc), c.type, c.loc)
        if self.is_control(c):
            self.fail(c.loc, "a condition on indices inside a data expression",
                      "move the condition to an if statement around the assignment")
        a, b = self.dat(c.a), self.dat(c.b)
        sel = lambda p, q, yy, zz: f"select({p}, {q}, {yy}, {zz})"
        return {"lt": lambda: sel(a, b, y, z), "gt": lambda: sel(b, a, y, z),
                "le": lambda: sel(b, a, z, y), "ge": lambda: sel(a, b, z, y),
                "eq": lambda: sel(a, b, z, sel(b, a, z, y)),
                "ne": lambda: sel(a, b, y, sel(b, a, y, z))}[c.op]()


def _reads_slots(e, slots) -> bool:
    """Whether expression `e` reads any local of `slots`."""
    if not slots:
        return False
    if isinstance(e, ir.SlotRef):
        return e.slot in slots
    return any(_reads_slots(v, slots) for f in dataclasses.fields(e) if dataclasses.is_dataclass(e)
               for v in (getattr(e, f.name) if isinstance(getattr(e, f.name), tuple) else (getattr(e, f.name),))
               if dataclasses.is_dataclass(v) and not isinstance(v, type))
