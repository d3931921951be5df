"""Verilog vocabulary shared by the generated tops (the queue machine's, `verilog`, and the
processor core's, `core`): names, ranges and literals, the architectural-register block,
instruction fields, and `Datapath`, which turns IR expressions into named wires of exactly
their type's width."""
from __future__ import annotations

from pathlib import PurePath

from spec import ir
from spec.errors import Loc
from hls import fsmd
from hls.fsmd import MemRead, RegRef


def spec_name(path: str) -> str:
    """The machine file as generated text names it: its base name, so that the text (and the
    build caches keyed by it) does not depend on how the path was spelled."""
    return PurePath(str(path)).name


def spec_loc(loc: Loc) -> str:
    """A spec position in generated text: `file.yaml:line:col`, with the file's base name."""
    return f"{spec_name(loc.path)}:{loc.line}:{loc.col}"


def register_declarations(m: fsmd.Fsmd, exchanged_at: str, memory_note, kinds: str) -> list[str]:
    """Architectural state (public, for inject/extract through the manifest), then the
    instruction-private registers; `memory_note(memory)` ends each memory's comment."""
    out = ["", f"    // ---- architectural state (public: injected and extracted at {exchanged_at})"]
    for r in m.registers:
        if r.kind == "state":
            out.append(f"    reg {bit_range(r.type.width)} {r.name} /*verilator public*/;   // {r.type}")
    for x in m.memories:
        out.append(f"    reg {bit_range(x.type.width)} {x.name} [0:{x.size - 1}] /*verilator public*/;"
                   f"   // {x.type} {list(x.shape)}, row-major, {memory_note(x)}")
    out += ["", f"    // ---- instruction registers ({kinds})"]
    for r in m.registers:
        if r.kind != "state":
            out.append(f"    reg {bit_range(r.type.width)} {r.name};   // {r.kind} {r.type}")
    return out


def module_name(m: fsmd.Fsmd) -> str:
    return f"dcsim_{m.machine}"


def bit_range(width: int) -> str:
    return f"[{width - 1}:0]"


def literal(value: int, width: int) -> str:
    return f"{width}'h{value & ((1 << width) - 1):x}"


class Datapath:
    """Emits one wire per expression node, shared by structural equality."""

    def __init__(self):
        self.names: dict = {}
        self.lines: list[str] = []
        self.partial: set[str] = set()      # wires read only in part (fed to the unused sink)

    def wire(self, width: int, rhs: str) -> str:
        name = f"n{len(self.lines)}"
        self.lines.append(f"    wire {bit_range(width)} {name} = {rhs};")
        return name

    def ext(self, e, width: int) -> str:
        """`e`'s value as exactly `width` bits (sign- or zero-extended, or truncated)."""
        w = e.type.width
        if isinstance(e, ir.Const):
            return literal(e.value, width)
        x = self.emit(e)
        if width == w:
            return x
        if width < w:
            self.partial.add(x)
            return f"{x}[{width - 1}:0]"
        fill = f"{x}[{w - 1}]" if e.type.signed else "1'b0"
        if e.type.signed:
            self.partial.add(x)
        return f"{{{{{width - w}{{{fill}}}}}, {x}}}"

    def emit(self, e) -> str:
        """A name (or literal) carrying exactly e.type.width bits."""
        if isinstance(e, ir.Const):
            return literal(e.value, e.type.width)
        if isinstance(e, RegRef):
            return e.name
        if isinstance(e, ir.Reinterpret):
            return self.emit(e.a)
        name = self.names.get(e)
        if name is None:
            name = self.wire(e.type.width, getattr(self, f"rhs_{type(e).__name__}")(e))
            self.names[e] = name
        return name

    def any(self, e) -> str:
        x = self.emit(e)
        return x if e.type.width == 1 else f"(|{x})"

    # one method per node kind: the right-hand side of its wire
    def rhs_MemRead(self, e: MemRead) -> str:
        return f"{e.mem}[{self.emit(e.index)}]"

    def rhs_Unary(self, e: ir.Unary) -> str:
        w = e.type.width
        if e.op == "neg":
            return f"-{self.ext(e.a, w)}"
        if e.op == "invert":
            return f"~{self.emit(e.a)}"
        return f"~{self.any(e.a)}"

    def rhs_Binary(self, e: ir.Binary) -> str:
        w, op = e.type.width, e.op
        if op in ("shl", "shr"):
            a, b = self.emit(e.a), self.emit(e.b)
            if op == "shl":
                return f"{a} << {b}"
            return f"$signed({a}) >>> {b}" if e.type.signed else f"{a} >> {b}"
        if op in ("div", "rem"):
            return self.division(e)
        a, b = self.ext(e.a, w), self.ext(e.b, w)
        symbol = {"add": "+", "sub": "-", "mul": "*", "and": "&", "or": "|", "xor": "^"}.get(op)
        if symbol:
            return f"{a} {symbol} {b}"
        less = f"$signed({a}) < $signed({b})" if e.type.signed else f"{a} < {b}"
        return f"({less}) ? {a} : {b}" if op == "min" else f"({less}) ? {b} : {a}"

    def division(self, e: ir.Binary) -> str:
        """div/rem (spec/intdiv.py) as a combinational divider: Verilog's `/` and `%` truncate
        like the language's, but a zero divisor gives x, so it is tested first. Both operands
        are extended to a width that holds them (and, signed, one more bit, so that
        -2^(n-1) / -1 cannot overflow); the result is the low bits."""
        w, ta, tb = e.type.width, e.a.type, e.b.type
        signed = ta.signed or tb.signed
        cw = max(ta.width + (signed and not ta.signed), tb.width + (signed and not tb.signed)) + signed
        a, b = self.wire(cw, self.ext(e.a, cw)), self.wire(cw, self.ext(e.b, cw))
        symbol = "/" if e.op == "div" else "%"
        # its own wire: inside ?: with an unsigned arm, the division would be evaluated unsigned
        quotient = self.wire(cw, f"$signed({a}) {symbol} $signed({b})" if signed else f"{a} {symbol} {b}")
        by_zero = literal(-1, cw) if e.op == "div" else a
        full = self.wire(cw, f"({b} == {literal(0, cw)}) ? {by_zero} : {quotient}")
        if cw == w:
            return full
        self.partial.add(full)
        return f"{full}[{w - 1}:0]"

    def rhs_Compare(self, e: ir.Compare) -> str:
        ta, tb = e.a.type, e.b.type
        signed = ta.signed or tb.signed
        w = max(ta.width + (signed and not ta.signed), tb.width + (signed and not tb.signed))
        a, b = self.ext(e.a, w), self.ext(e.b, w)
        if signed:
            a, b = f"$signed({a})", f"$signed({b})"
        symbol = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[e.op]
        return f"{a} {symbol} {b}"

    def rhs_Logic(self, e: ir.Logic) -> str:
        return f"{self.any(e.a)} {'&' if e.op == 'and' else '|'} {self.any(e.b)}"

    def rhs_Select(self, e: ir.Select) -> str:
        w = e.type.width
        return f"{self.any(e.cond)} ? {self.ext(e.a, w)} : {self.ext(e.b, w)}"

    def rhs_Cast(self, e: ir.Cast) -> str:
        return self.ext(e.a, e.type.width)

    def rhs_Slice(self, e: ir.Slice) -> str:
        width = e.hi - e.lo + 1
        if isinstance(e.a, ir.Const):
            return literal(e.a.value >> e.lo, width)
        if e.hi >= e.a.type.width:      # bits above the pattern are sign (or zero) bits
            x = self.wire(e.hi + 1, self.ext(e.a, e.hi + 1))
        else:
            x = self.emit(e.a)
        if (e.hi, e.lo) != (e.a.type.width - 1, 0):
            self.partial.add(x)
        return f"{x}[{e.hi}:{e.lo}]"

    def rhs_CmdField(self, e: fsmd.CmdField) -> str:
        return field_bits(e.field, "cmd")

    def rhs_Concat(self, e: ir.Concat) -> str:
        return "{" + ", ".join(self.emit(p) for p in e.parts) + "}"


def field_bits(f: ir.FieldDef, word: str) -> str:
    parts = [f"{word}[{hi}:{lo}]" for hi, lo in f.pieces]
    if f.lsb_zeros:
        parts.append(f"{f.lsb_zeros}'b0")
    return parts[0] if len(parts) == 1 else "{" + ", ".join(parts) + "}"


def state_bits(n: int) -> int:
    return max(1, (n - 1).bit_length())
