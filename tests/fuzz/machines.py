"""Random queue machines as YAML text, and random command streams for them.

`generate_machine(seed, rtl=False)` builds a `MachineDesc` (a structure the minimizer can
edit: instructions, statement trees) whose `yaml()` is a machine file. The generator keeps
its own account of the width rules of `spec/semantics.py` (so that no expression needs
more than 64 bits and shift amounts stay unsigned) and only writes constructs the checker
accepts; a machine the checker still rejects is a generator bug (or a checker bug) and is
counted by the runner.

What a machine holds:
  state      1-3 regs of random width and sign (u1..u64, s1..s64, biased to 1, 7, 8, 9,
             15, 16, 17, 31, 32, 33, 63, 64), at most one regfile (sometimes with a zero
             entry), 1-2 mems of 1-2 dimensions (sizes often not powers of two, sometimes
             a param), sometimes a byte memory for load/store
  encodings  a 32/64/128-bit queue, one or two formats sharing a 4-bit opcode; fields of
             1..32 bits, plain, single bits, signed, split into pieces, with lsb zeros;
             sometimes a second fixed field in `match`
  semantics  2-6 instructions of 1-5 statements: assignments to regs, regfile entries and
             mem elements (wrapping), typed and inferred locals, augmented assignments,
             if/elif/else, bounded for loops (constant, param, field-typed, `assert n <= K`
             bounded, start/stop ranges with negative starts, bounded by an enclosing if),
             asserts, store/load on the byte memory, halt (not in machines meant for the
             RTL: the HLS builds no halt for queue machines; nor loops of static trip count
             0, a known HLS bug); expressions mix signedness
             and widths: + - * & | ^ << >> (amounts past the width), unary - ~, mixed
             sign comparisons, and/or/not, conditional values, uN/sN casts, sext/zext,
             constant and dynamic bit slices, cat, min/max, literals at type corners
  indices    in range by construction (constants, masks, clamps, loop variables bounded by
             the dimension), asserted (`assert f < D` before use) or, rarely, raw
             (out-of-range values fault on the functional models)
"""
from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field

import numpy as np

from spec import ir
from spec.encoding import encode
from spec.types import IntType, numpy_dtype_name, type_of_constant

CORNER_WIDTHS = (1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 63, 64)


# ------------------------------------------------------------------ the structure
@dataclass
class Node:
    """A statement: `text` is the line (a block's header, with its colon)."""
    kind: str                                   # 'stmt' | 'if' | 'for'
    text: str
    body: list = field(default_factory=list)
    orelse: list = field(default_factory=list)
    elif_: bool = False                         # orelse is one 'if' written as elif


@dataclass
class InstrDesc:
    name: str
    fmt: str
    match: dict
    body: list
    hls: dict = field(default_factory=dict)     # {unit: NAME, unroll: {loop var: factor}}


@dataclass
class MachineDesc:
    name: str
    params: dict
    state: dict                                 # name -> flow mapping text
    width: int
    formats: dict                               # name -> {field: spec text}
    instrs: list
    hls: dict = field(default_factory=dict)     # {units: {name: depth}, banks: {mem: count}}

    def yaml(self) -> str:
        out = [f"machine: {self.name}"]
        if self.params:
            out.append("params: {" + ", ".join(f"{k}: {v}" for k, v in self.params.items()) + "}")
        out.append("state:")
        out += [f"  {k}: {v}" for k, v in self.state.items()]
        out.append(f"queue: {{width: {self.width}}}")
        out.append("formats:")
        for name, fields in self.formats.items():
            out.append(f"  {name}: {{fields: {{" + ", ".join(f"{k}: {v}" for k, v in fields.items()) + "}}")
        out.append("instructions:")
        for ins in self.instrs:
            out.append(f"  {ins.name}:")
            out.append(f"    format: {ins.fmt}")
            out.append("    match: {" + ", ".join(f"{k}: {v}" for k, v in ins.match.items()) + "}")
            if ins.hls:
                parts = [f"unit: {ins.hls['unit']}"] if ins.hls.get("unit") else []
                if ins.hls.get("unroll"):
                    parts.append("unroll: {" + ", ".join(f"{k}: {v}" for k, v in ins.hls["unroll"].items()) + "}")
                out.append("    hls: {" + ", ".join(parts) + "}")
            out.append("    semantics: |")
            out += ["      " + line for line in render(ins.body)]
        if self.hls:
            out.append("hls:")
            if self.hls.get("units"):
                out.append("  units: {" + ", ".join(f"{k}: {{queue_depth: {d}}}" for k, d in self.hls["units"].items())
                           + "}")
            if self.hls.get("banks"):
                out.append("  banks: {" + ", ".join(f"{k}: {v}" for k, v in self.hls["banks"].items()) + "}")
        return "\n".join(out) + "\n"

    def copy(self) -> "MachineDesc":
        return copy.deepcopy(self)

    @property
    def uses_halt(self) -> bool:
        return any("halt(" in line for ins in self.instrs for line in render(ins.body))


def render(nodes: list, indent: str = "") -> list[str]:
    if not nodes:
        return [indent + "pass"]
    lines: list[str] = []
    for n in nodes:
        if n.kind == "stmt":
            lines.append(indent + n.text)
            continue
        lines.append(indent + n.text)
        lines += render(n.body, indent + "    ")
        if n.kind == "if" and n.orelse:
            if n.elif_ and len(n.orelse) == 1 and n.orelse[0].kind == "if":
                sub = render([n.orelse[0]], indent)
                lines.append(indent + "el" + sub[0][len(indent):])
                lines += sub[1:]
            else:
                lines.append(indent + "else:")
                lines += render(n.orelse, indent + "    ")
    return lines


# ------------------------------------------------------------------ width rules
def common(a: IntType, b: IntType) -> IntType:
    if a.signed == b.signed:
        return IntType(a.signed, max(a.width, b.width))
    s, u = (a, b) if a.signed else (b, a)
    return IntType(True, max(s.width, u.width + 1))


def lit_type(value: int, like: IntType) -> IntType:
    return like if like.contains(value) else type_of_constant(value)


def binary_type(op: str, a: IntType, b: IntType) -> IntType:
    if op in ("<<", ">>"):
        return a
    t = common(a, b)
    if op in ("+", "-"):
        return IntType(t.signed or op == "-", t.width + 1)
    if op == "*":
        return IntType(a.signed or b.signed, a.width + b.width + (a.signed != b.signed))
    return t


def tname(t: IntType) -> str:
    return f"{'s' if t.signed else 'u'}{t.width}"


def lit_text(v: int) -> str:
    if v < 0:
        return f"({v})"
    return hex(v) if v > 255 and v & 1 == 0 else str(v)


@dataclass
class Env:
    fields: dict                                # operand name -> IntType
    locals: dict = field(default_factory=dict)  # name -> IntType
    loops: dict = field(default_factory=dict)   # name -> (IntType, lo, hi)

    def child(self) -> "Env":
        return Env(self.fields, dict(self.locals), dict(self.loops))


# ------------------------------------------------------------------ the generator
class Generator:
    def __init__(self, seed: int, rtl: bool = False, faults: bool = True):
        self.rng = random.Random(seed)
        self.seed, self.rtl, self.faults = seed, rtl, faults
        self.state: dict[str, tuple] = {}       # name -> (kind, IntType, shape)
        self.params: dict[str, int] = {}
        self.nlocal = self.nloop = 0
        # locals are v0, v1...: `t0`, `t1`... collide with the HLS's temporaries (a known bug,
        # tests/fuzz/regressions/hls_temp_name_collision.yaml), which would mask everything else
        self.local_prefix = "v"

    # --- helpers
    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def rtype(self, max_width: int = 64) -> IntType:
        w = self.rng.choice(CORNER_WIDTHS) if self.chance(0.7) else self.rng.randint(1, 64)
        return IntType(self.chance(0.5), min(w, max_width))

    def corner_literal(self, t: IntType) -> int:
        v = self.rng.choice([0, 1, t.max, t.min, t.max - 1 if t.max else 0, -1 if t.signed else 2,
                             self.rng.randint(t.min, t.max), self.rng.randint(0, 9)])
        return max(t.min, min(t.max, v))

    # --- machine
    def machine(self) -> MachineDesc:
        r = self.rng
        state: dict[str, str] = {}
        for i in range(r.randint(1, 3)):
            t = self.rtype()
            self.state[f"r{i}"] = ("reg", t, ())
            state[f"r{i}"] = f"{{reg: {tname(t)}}}"
        if self.chance(0.6):
            t, count = self.rtype(), r.choice([2, 4, 5, 8])
            zero = self.chance(0.4)
            self.state["rf"] = ("regfile", t, (count,), zero)
            state["rf"] = f"{{regfile: {tname(t)}, count: {count}" + (", zero: 0}" if zero else "}")
        for i in range(r.randint(1, 2)):
            t = self.rtype()
            dims = [r.choice([1, 2, 3, 4, 5, 6, 8])] if self.chance(0.5) else \
                [r.choice([2, 3, 4, 8]), r.choice([1, 2, 3, 4])]
            shape = list(dims)
            text = [str(d) for d in dims]
            if self.chance(0.3):
                pname = f"D{len(self.params)}"
                self.params[pname] = dims[-1]
                text[-1] = pname
            self.state[f"m{i}"] = ("mem", t, tuple(shape))
            state[f"m{i}"] = f"{{mem: {tname(t)}, shape: [{', '.join(text)}]}}"
        if self.chance(0.4):
            size = r.choice([16, 24, 32])
            self.state["bm"] = ("mem", IntType(False, 8), (size,))
            external = ", external: true" if self.chance(0.3) else ""
            state["bm"] = f"{{mem: u8, shape: [{size}]{external}}}"
        width = r.choice([32, 64, 64, 128])
        formats: dict[str, dict] = {}
        ftypes: dict[str, dict] = {}
        for k in range(r.randint(1, 2)):
            name = "AB"[k]
            fields, types = self.format(name.lower(), width)
            formats[name], ftypes[name] = fields, types
        instrs = []
        ops = r.sample(range(1, 16), r.randint(2, 6))
        for n, op in enumerate(ops):
            fmt = r.choice(list(formats))
            match = {"op": op}
            operands = dict(ftypes[fmt])
            if len(operands) > 1 and self.chance(0.2):
                fixed = r.choice(list(operands))
                t, lsb = operands.pop(fixed)
                match[fixed] = 0
            self.nlocal = self.nloop = 0
            env = Env({k: t for k, (t, _) in operands.items()})
            body = self.block(env, 0, r.randint(1, 4))
            instrs.append(InstrDesc(f"I{n}", fmt, match, body))
        return MachineDesc(f"fuzz{self.seed}", dict(self.params), state, width, formats, instrs,
                           self.hls_directives(instrs, state))

    def hls_directives(self, instrs: list, state: dict) -> dict:
        """Decoupled units (hazards between them), unrolled loops and banked memories: the
        functional models ignore them, the HLS schedules by them."""
        r, out = self.rng, {}
        units = [None]
        if self.chance(0.5):
            out["units"] = {f"u{k}": r.choice([1, 2, 4]) for k in range(r.randint(1, 2))}
            units += list(out["units"])
        for ins in instrs:
            unit = r.choice(units)
            loops = [line.split()[1] for line in render(ins.body) if line.lstrip().startswith("for ")]
            unroll = {v: r.choice([1, 2, 3, 4, 8]) for v in loops if self.chance(0.35)}
            if unit or unroll:
                ins.hls = {"unit": unit, "unroll": unroll}
        banks = {}
        for name, (kind, t, shape, *_) in self.state.items():
            row = 1
            for d in shape[1:]:
                row *= d
            if kind == "mem" and "external" not in state[name] and shape[0] % 2 == 0 and row & (row - 1) == 0 \
                    and self.chance(0.25):
                banks[name] = 2
        if banks:
            out["banks"] = banks
        return out

    def format(self, prefix: str, width: int) -> tuple[dict, dict]:
        r = self.rng
        fields, types = {"op": "[3, 0]"}, {}
        bit = 4
        for i in range(r.randint(2, 5)):
            room = min(width - bit, 64)
            if room < 1:
                break
            w = min(room, r.choice([1, 2, 3, 4, 5, 6, 8, 8, 12, 16, 16, 32]))
            name = f"{prefix}{i}"
            hi, lo = bit + w - 1, bit
            bit += w + (r.randint(0, 3) if self.chance(0.3) else 0)
            kind = r.random()
            if w == 1 and kind < 0.5:
                fields[name], t, lsb = f"[{lo}]", IntType(False, 1), 0
            elif kind < 0.5:
                fields[name], t, lsb = f"[{hi}, {lo}]", IntType(False, w), 0
            else:
                signed = self.chance(0.6)
                lsb = r.choice([0, 0, 1, 2]) if w + 2 <= 64 else 0
                if w >= 4 and self.chance(0.5):
                    mid = lo + w // 2
                    pieces = f"[[{mid - 1}, {lo}], [{hi}, {mid}]]"       # low half written first: msb first
                else:
                    pieces = f"[[{hi}, {lo}]]"
                extra = (", signed: true" if signed else "") + (f", lsb: {lsb}" if lsb else "")
                fields[name] = f"{{bits: {pieces}{extra}}}"
                t = IntType(signed, w + lsb)
            types[name] = (t, lsb)
        return fields, types

    # --- statements
    def block(self, env: Env, depth: int, n: int) -> list:
        out: list = []
        for _ in range(n):
            out += self.statement(env, depth)
        return out

    def statement(self, env: Env, depth: int) -> list:
        r = self.rng
        kinds = ["assign", "assign", "local", "aug", "mem", "mem"]
        if depth < 2:
            kinds += ["if", "for", "for"]
        if self.faults and self.chance(0.3):
            kinds.append("assert")
        if "bm" in self.state:
            kinds.append("store")
        if not self.rtl and self.chance(0.08):
            kinds.append("halt")
        kind = r.choice(kinds)
        return getattr(self, f"st_{kind}")(env, depth)

    def writable_regs(self):
        return [n for n, s in self.state.items() if s[0] == "reg"]

    def st_assign(self, env, depth):
        target = self.rng.choice(self.writable_regs() + list(env.locals))
        text, _, pre = self.expr(env, self.rng.randint(1, 2))
        return pre + [Node("stmt", f"{target} = {text}")]

    def st_local(self, env, depth):
        name = f"{self.local_prefix}{self.nlocal}"
        self.nlocal += 1
        if self.chance(0.5):
            t = self.rtype()
            if self.chance(0.2):
                v = self.corner_literal(t)
                env.locals[name] = t
                return [Node("stmt", f"{name}: {tname(t)} = {lit_text(v)}")]
            text, _, pre = self.expr(env, self.rng.randint(1, 2))
            env.locals[name] = t
            return pre + [Node("stmt", f"{name}: {tname(t)} = {text}")]
        text, t, pre = self.expr(env, self.rng.randint(1, 2))
        env.locals[name] = t
        return pre + [Node("stmt", f"{name} = {text}")]

    def st_aug(self, env, depth):
        targets = [(n, self.state[n][1]) for n in self.writable_regs()] + list(env.locals.items())
        name, t = self.rng.choice(targets)
        op = self.rng.choice(["+", "-", "*", "&", "|", "^", "<<", ">>"])
        if op in ("<<", ">>"):
            amount, pre = self.shift_amount(env)
            return pre + [Node("stmt", f"{name} {op}= {amount}")]
        text, rt, pre = self.expr(env, self.rng.randint(0, 2))
        if binary_type(op, t, rt).width > 64:
            rt = IntType(self.chance(0.5), self.rng.randint(1, 20))
            text = f"{tname(rt)}({text})"
            if binary_type(op, t, rt).width > 64:
                op = self.rng.choice(["&", "|", "^"])
                if binary_type(op, t, rt).width > 64:
                    return pre + [Node("stmt", f"{name} = {text}")]
        return pre + [Node("stmt", f"{name} {op}= {text}")]

    def st_mem(self, env, depth):
        names = [n for n, s in self.state.items() if s[0] in ("mem", "regfile")]
        if not names:
            return self.st_assign(env, depth)
        name = self.rng.choice(names)
        ref, pre = self.element(name, env)
        text, _, pre2 = self.expr(env, self.rng.randint(0, 3))
        return pre + pre2 + [Node("stmt", f"{ref} = {text}")]

    def st_store(self, env, depth):
        n = self.rng.choice([1, 2, 4, 8])
        addr, pre = self.byte_addr(env, n)
        text, _, pre2 = self.expr(env, self.rng.randint(0, 2))
        return pre + pre2 + [Node("stmt", f"store(bm, {addr}, {n}, {text})")]

    def st_halt(self, env, depth):
        text, _, pre = self.expr(env, 1)
        cond, _, pre2 = self.cond(env)
        return pre + pre2 + [Node("if", f"if {cond}:", [Node("stmt", f"halt({text})")])]

    def st_assert(self, env, depth):
        cond, _, pre = self.cond(env)
        return pre + [Node("stmt", f'assert {cond}, "fuzz assert"')]

    def st_if(self, env, depth):
        r = self.rng
        cond, _, pre = self.cond(env)
        node = Node("if", f"if {cond}:", self.block(env.child(), depth + 1, r.randint(1, 2)))
        tail = node
        for _ in range(r.choice([0, 0, 0, 1, 2])):
            cond2, _, pre2 = self.cond(env)
            if pre2:
                break
            nxt = Node("if", f"if {cond2}:", self.block(env.child(), depth + 1, r.randint(1, 2)))
            tail.orelse, tail.elif_ = [nxt], True
            tail = nxt
        if self.chance(0.5):
            tail.orelse = self.block(env.child(), depth + 1, r.randint(1, 2))
        return pre + [node]

    def st_for(self, env, depth):
        r = self.rng
        name = f"i{self.nloop}"
        self.nloop += 1
        pre: list = []
        narrow_u = [f for f, t in env.fields.items() if not t.signed and t.width <= 3]
        narrow_s = [f for f, t in env.fields.items() if t.signed and t.width <= 3]
        names = list(env.fields)
        form = r.choice(["const", "param", "type", "assert", "range2", "if", "if"])
        wrap = None
        if form == "param" and self.params:
            p = r.choice(list(self.params))
            header, lo, hi = f"range({p})", 0, self.params[p]
        elif form == "type" and narrow_u:
            f = r.choice(narrow_u)
            header, lo, hi = f"range({f})", 0, env.fields[f].max
        elif form in ("assert", "if") and names:
            f = r.choice(names)
            k = r.randint(0, 12)
            header, lo, hi = f"range({f})", 0, min(k, env.fields[f].max)
            if form == "assert":
                pre.append(Node("stmt", f"assert {f} <= {k}"))
            else:
                wrap = Node("if", f"if {f} < {k + 1}:")
        elif form == "range2":
            if narrow_s and self.chance(0.6):
                a = r.choice(narrow_s)
                lo = env.fields[a].min
            else:
                a = str(r.randint(0, 3))
                lo = int(a)
            if narrow_u and self.chance(0.5):
                b = r.choice(narrow_u)
                hi = env.fields[b].max
            else:
                hi = r.randint(0, 6)
                b = str(hi)
            header = f"range({a}, {b})"
        else:
            hi = r.randint(0, 6)
            header, lo = f"range({hi})", 0
        if self.rtl and hi <= lo:
            # a loop with a static trip count of 0 crashes the HLS (a known bug,
            # tests/fuzz/regressions/hls_empty_constant_loop.yaml): keep it out of RTL machines
            hi = lo + 1
            header = f"range({lo}, {hi})" if lo else f"range({hi})"
        top = max(lo, hi - 1, 0)
        vt = type_of_constant(top) if lo >= 0 else common(type_of_constant(lo), type_of_constant(hi))
        inner = env.child()
        inner.loops[name] = (vt, lo, hi - 1)
        body = self.block(inner, depth + 1, r.randint(1, 2))
        node = Node("for", f"for {name} in {header}:", body)
        if wrap is not None:
            wrap.body = [node]
            return pre + [wrap]
        return pre + [node]

    # --- indices
    def element(self, name: str, env: Env) -> tuple[str, list]:
        shape = self.state[name][2]
        pre, parts = [], []
        for d in shape:
            text, p = self.index(d, env)
            parts.append(text)
            pre += p
        return f"{name}[{', '.join(parts)}]", pre

    def index(self, dim: int, env: Env) -> tuple[str, list]:
        r = self.rng
        loops = [n for n, (t, lo, hi) in env.loops.items() if lo >= 0 and hi < dim]
        choice = r.random()
        if loops and choice < 0.3:
            return r.choice(loops), []
        if choice < 0.45:
            return str(r.randrange(dim)), []
        if choice < 0.975 or not env.fields:
            e, t, pre = self.expr(env, r.randint(0, 1))
            if dim & (dim - 1) == 0:
                return f"({e} & {dim - 1})", pre
            mask = (1 << (dim - 1).bit_length()) - 1
            return f"min(({e} & {mask}), {dim - 1})", pre
        f = r.choice(list(env.fields))
        if self.faults and choice < 0.995:
            return f, [Node("stmt", f"assert {f} < {dim}")]
        if self.faults:
            return f, []                         # raw: may be out of range (a fault)
        return "0", []

    def byte_addr(self, env: Env, n: int) -> tuple[str, list]:
        size = self.state["bm"][2][0]
        e, t, pre = self.expr(env, self.rng.randint(0, 1))
        if self.faults and self.chance(0.02):
            return e if not t.signed else f"u{t.width}({e})", pre
        return f"min(({e} & 31), {size - n})", pre

    # --- expressions: (text, type, pre statements)
    def cond(self, env: Env):
        r = self.rng
        a, at, pre = self.expr(env, r.randint(0, 1))
        c = r.random()
        if c < 0.55:
            op = r.choice(["<", "<=", ">", ">=", "==", "!="])
            if self.chance(0.4):
                b = lit_text(self.corner_literal(self.rtype()))
            else:
                b, _, pre2 = self.expr(env, r.randint(0, 1))
                pre += pre2
            return f"{a} {op} {b}", IntType(False, 1), pre
        if c < 0.75:
            b, _, pre2 = self.expr(env, r.randint(0, 1))
            return f"({a} {r.choice(['and', 'or'])} {b})", IntType(False, 1), pre + pre2
        if c < 0.85:
            return f"not {a}", IntType(False, 1), pre
        return a, at, pre

    def leaf(self, env: Env):
        r = self.rng
        options = ["field"] * (2 if env.fields else 0) + ["reg", "reg", "lit"]
        options += ["local"] * (2 if env.locals else 0) + ["loop"] * (2 if env.loops else 0)
        options += ["elem"] * 2 if any(s[0] != "reg" for s in self.state.values()) else []
        options += ["load"] if "bm" in self.state else []
        kind = r.choice(options)
        if kind == "field":
            f = r.choice(list(env.fields))
            return f, env.fields[f], []
        if kind == "reg":
            n = r.choice(self.writable_regs())
            return n, self.state[n][1], []
        if kind == "local":
            n = r.choice(list(env.locals))
            return n, env.locals[n], []
        if kind == "loop":
            n = r.choice(list(env.loops))          # cast: the checker's bound may be tighter than ours
            t = env.loops[n][0]
            return f"{tname(t)}({n})", t, []
        if kind == "elem":
            n = r.choice([k for k, s in self.state.items() if s[0] != "reg"])
            ref, pre = self.element(n, env)
            return ref, self.state[n][1], pre
        if kind == "load":
            nb = r.choice([1, 2, 4, 8])
            addr, pre = self.byte_addr(env, nb)
            return f"load(bm, {addr}, {nb})", IntType(False, 8 * nb), pre
        t = self.rtype()
        return f"{tname(t)}({lit_text(self.corner_literal(t))})", t, []

    def shift_amount(self, env: Env) -> tuple[str, list]:
        r = self.rng
        c = r.random()
        if c < 0.35:
            return str(r.choice([0, 1, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 100])), []
        e, t, pre = self.expr(env, r.randint(0, 1))
        if t.signed or t.width > 8 and self.chance(0.7):
            return f"u{r.choice([3, 5, 6, 7, 8])}({e})", pre
        return e, pre

    def fitting(self, text: str, t: IntType) -> tuple[str, IntType]:
        nt = IntType(self.chance(0.5), self.rng.randint(1, 31))
        return f"{tname(nt)}({text})", nt

    def expr(self, env: Env, depth: int):
        r = self.rng
        if depth <= 0:
            return self.leaf(env)
        kind = r.choice(["bin", "bin", "bin", "shift", "unary", "cmp", "logic", "select", "cast", "ext",
                         "slice", "bit", "cat", "minmax", "leaf"])
        if kind == "leaf":
            return self.leaf(env)
        a, at, pre = self.expr(env, depth - 1)
        if kind in ("bin", "minmax"):
            op = r.choice(["+", "-", "*", "&", "|", "^"]) if kind == "bin" else r.choice(["min", "max"])
            rule = "&" if op in ("min", "max") else op
            literal = self.chance(0.3)
            if literal:
                v = self.corner_literal(self.rtype())
                b, bt = lit_text(v), lit_type(v, at)
            else:
                b, bt, pre2 = self.expr(env, depth - 1)
                pre += pre2
                if self.chance(0.15):
                    a, at, b, bt = b, bt, a, at
            if binary_type(rule, at, bt).width > 64:
                a, at = self.fitting(a, at)
                if literal:
                    v = v if -(1 << 30) <= v < (1 << 30) else v & 0xFFFF
                    b, bt = lit_text(v), lit_type(v, at)
                else:
                    b, bt = self.fitting(b, bt)
            t = binary_type(rule, at, bt)
            if op in ("min", "max"):
                return f"{op}({a}, {b})", t, pre
            return f"({a} {op} {b})", t, pre
        if kind == "shift":
            amount, pre2 = self.shift_amount(env)
            return f"({a} {r.choice(['<<', '>>'])} {amount})", at, pre + pre2
        if kind == "unary":
            if at.width < 64 and self.chance(0.5):
                return f"(-{a})", IntType(True, at.width + 1), pre
            return f"(~{a})", at, pre
        if kind == "cmp":
            c, ct, pre2 = self.cond(env)
            return f"({c})", ct, pre + pre2
        if kind == "logic":
            b, _, pre2 = self.expr(env, depth - 1)
            if self.chance(0.3):
                return f"(not {a})", IntType(False, 1), pre
            return f"({a} {r.choice(['and', 'or'])} {b})", IntType(False, 1), pre + pre2
        if kind == "select":
            c, _, pre2 = self.cond(env)
            b, bt, pre3 = self.expr(env, depth - 1)
            t = common(at, bt)
            if t.width > 64:
                a, at = self.fitting(a, at)
                b, bt = self.fitting(b, bt)
                t = common(at, bt)
            return f"({a} if {c} else {b})", t, pre + pre2 + pre3
        if kind == "cast":
            t = self.rtype()
            return f"{tname(t)}({a})", t, pre
        if kind == "ext":
            w = r.randint(at.width, 64)
            signed = self.chance(0.5)
            return f"{'sext' if signed else 'zext'}({a}, {w})", IntType(signed, w), pre
        if kind == "slice":
            lo = r.randint(0, at.width - 1)
            hi = r.randint(lo, at.width - 1)
            return f"{a}[{hi}:{lo}]", IntType(False, hi - lo + 1), pre
        if kind == "bit":
            if self.chance(0.5):
                return f"{a}[{r.randint(0, at.width - 1)}]", IntType(False, 1), pre
            i, it, pre2 = self.leaf(env)
            if it.signed:
                i = f"u{min(it.width, 7)}({i})"
            if not self.is_name(a):
                return f"{a}[0]", IntType(False, 1), pre
            return f"{a}[{i}]", IntType(False, 1), pre + pre2
        # cat
        parts, total = [a], at.width
        for _ in range(r.randint(1, 2)):
            b, bt, pre2 = self.expr(env, depth - 1)
            if total + bt.width > 64:
                w = 64 - total
                if w < 1:
                    break
                b, bt = f"u{min(w, r.randint(1, 16))}({b})", IntType(False, min(w, 16))
                bt = IntType(False, int(b[1:b.index('(')]))
            parts.append(b)
            total += bt.width
            pre += pre2
        if total > 64:
            return f"u32({a})", IntType(False, 32), pre
        return f"cat({', '.join(parts)})", IntType(False, total), pre

    @staticmethod
    def is_name(text: str) -> bool:
        return text.replace("_", "").isalnum()


def generate_machine(seed: int, rtl: bool = False, faults: bool = True) -> MachineDesc:
    """A random machine; `rtl`: only constructs the HLS builds for queue machines (no halt)."""
    return Generator(seed, rtl=rtl, faults=faults).machine()


# ------------------------------------------------------------------ stimulus
def operand_value(t: IntType, lsb: int, rng: np.random.Generator) -> int:
    step = 1 << lsb
    pick = rng.random()
    if pick < 0.25:
        v = int(rng.choice([t.min, t.max, 0, 1, t.max - 1, t.min + 1, -1 if t.signed else t.max // 2,
                            1 << (t.width - 1) if not t.signed else 0]))
    elif pick < 0.8:
        v = int(rng.integers(0, 9)) * step
    else:
        v = int(rng.integers(t.min, t.max, endpoint=True))
    v = max(t.min, min(t.max, v))
    return v - (v % step) if step > 1 else v


def random_commands(machine: ir.Machine, rng: np.random.Generator, count: int) -> list:
    """`count` commands as (instruction name, {operand: value}), boundary values included."""
    out = []
    for _ in range(count):
        instr = machine.instructions[int(rng.integers(len(machine.instructions)))]
        out.append((instr.name, {f.name: operand_value(f.type, f.lsb_zeros, rng) for f in instr.operands}))
    return out


def encode_commands(machine: ir.Machine, commands: list) -> list[int]:
    return [encode(machine.instruction(name), ops) for name, ops in commands]


def initial_state(machine: ir.Machine, seed: int) -> dict:
    """A random start state (corner values mixed in); a regfile's zero entry is 0."""
    rng = np.random.default_rng(seed)
    out = {}
    for s in machine.state:
        t = s.type
        corners = [t.min, t.max, 0, 1, -1 if t.signed else 2, t.min + 1, t.max - 1]
        values = []
        for _ in range(s.size):
            if rng.random() < 0.3:
                v = int(rng.choice(corners))
            else:
                v = int(rng.integers(0, 1 << 32)) << 32 | int(rng.integers(0, 1 << 32))
            values.append(t.wrap(v))
        arr = np.array(values, dtype=numpy_dtype_name(t)).reshape(s.shape)
        if s.zero_index is not None:
            arr.reshape(-1)[s.zero_index] = 0
        out[s.name] = arr
    return out
