"""FSMD -> readable Verilog-2005: one top module, lint-clean under `verilator -Wall`.

Interface: `clk`, `rst` (synchronous, active high), a command port (`cmd_valid`,
`cmd_ready`, `cmd_data`) into a FIFO, `idle` (FIFO empty and FSM in IDLE: the correspondence
point), `busy`, `fault` (a spec assert failed or a command did not decode; sticky until
reset) and `retired` (commands completed since reset).

Every datapath node is one named wire of exactly its IR type's width, holding the value's
two's-complement bits; width changes are explicit (part-selects, sign/zero extension), so
Verilog's context-dependent width rules never apply. State elements are `s_<name>`
registers and `reg` arrays marked `/*verilator public*/` for injection and extraction.
"""
from __future__ import annotations

from spec import ir
from hls import fsmd
from hls.fsmd import MemRead, RegRef

def module_name(m: fsmd.Fsmd) -> str:
    return f"dcsim_{m.machine}"


def _range(width: int) -> str:
    return f"[{width - 1}:0]"


def _literal(value: int, width: int) -> str:
    return f"{width}'h{value & ((1 << width) - 1):x}"


class _Datapath:
    """Emits one wire per expression node, shared by structural equality."""

    def __init__(self):
        self.names: dict = {}
        self.lines: list[str] = []
        self.partial: set[str] = set()      # wires read only in part (fed to the unused sink)

    def wire(self, width: int, rhs: str) -> str:
        name = f"n{len(self.lines)}"
        self.lines.append(f"    wire {_range(width)} {name} = {rhs};")
        return name

    def ext(self, e, width: int) -> str:
        """`e`'s value as exactly `width` bits (sign- or zero-extended, or truncated)."""
        w = e.type.width
        if isinstance(e, ir.Const):
            return _literal(e.value, width)
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
            return _literal(e.value, e.type.width)
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
        a, b = self.ext(e.a, w), self.ext(e.b, w)
        symbol = {"add": "+", "sub": "-", "mul": "*", "and": "&", "or": "|", "xor": "^"}.get(op)
        if symbol:
            return f"{a} {symbol} {b}"
        less = f"$signed({a}) < $signed({b})" if e.type.signed else f"{a} < {b}"
        return f"({less}) ? {a} : {b}" if op == "min" else f"({less}) ? {b} : {a}"

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
            return _literal(e.a.value >> e.lo, width)
        if e.hi >= e.a.type.width:      # bits above the pattern are sign (or zero) bits
            x = self.wire(e.hi + 1, self.ext(e.a, e.hi + 1))
        else:
            x = self.emit(e.a)
        if (e.hi, e.lo) != (e.a.type.width - 1, 0):
            self.partial.add(x)
        return f"{x}[{e.hi}:{e.lo}]"

    def rhs_Concat(self, e: ir.Concat) -> str:
        return "{" + ", ".join(self.emit(p) for p in e.parts) + "}"


def generate(m: fsmd.Fsmd) -> str:
    """The Verilog text of the machine's top module."""
    return _Generator(m).text()


class _Generator:
    def __init__(self, m: fsmd.Fsmd):
        self.m = m
        self.dp = _Datapath()
        self.nstates = len(m.states) + 2                 # IDLE, instruction states, FAULT
        self.sw = max(1, (self.nstates - 1).bit_length())
        self.fault_code = self.nstates - 1

    def code(self, sid: int) -> str:
        return f"S{sid}"

    def text(self) -> str:
        m = self.m
        body = self.fsm_block()                          # emits datapath wires as a side effect
        out = [f"// Generated by dcsim from {m.path} (machine '{m.machine}', {m.digest[:12]}). Do not edit.",
               "// One FSM executes commands from the FIFO; see the correspondence manifest for state.",
               f"module {module_name(m)} (",
               "    input  wire clk,",
               "    input  wire rst,",
               "    input  wire cmd_valid,",
               "    output wire cmd_ready,",
               f"    input  wire {_range(m.command_width)} cmd_data,",
               "    output wire idle,",
               "    output wire busy,",
               "    output wire fault,",
               "    output wire [63:0] retired",
               ");"]
        out += self.declarations()
        out += self.fifo()
        out += ["", "    // ---- datapath"] + self.dp.lines
        out += ["", "    // ---- control"] + body
        out += self.sink()
        out += ["endmodule", ""]
        return "\n".join(out)

    def declarations(self) -> list[str]:
        m, sw = self.m, self.sw
        out = ["", "    // ---- architectural state (public: injected and extracted at correspondence points)"]
        for r in m.registers:
            if r.kind == "state":
                out.append(f"    reg {_range(r.type.width)} {r.name} /*verilator public*/;   // {r.type}")
        for x in m.memories:
            out.append(f"    reg {_range(x.type.width)} {x.name} [0:{x.size - 1}] /*verilator public*/;"
                       f"   // {x.type} {list(x.shape)}, row-major, {x.banks} bank(s)")
        out += ["", "    // ---- instruction registers (fields, locals, loop counters, temporaries)"]
        for r in m.registers:
            if r.kind != "state":
                out.append(f"    reg {_range(r.type.width)} {r.name};   // {r.kind} {r.type}")
        out += ["", "    // ---- FSM"]
        out.append(f"    localparam {_range(sw)} S_IDLE = {_literal(0, sw)};")
        for s in m.states:
            out.append(f"    localparam {_range(sw)} {self.code(s.id)} = {_literal(s.id, sw)};"
                       f"   // {s.instruction} @ {s.loc.line}:{s.loc.col}")
        out.append(f"    localparam {_range(sw)} S_FAULT = {_literal(self.fault_code, sw)};")
        out.append(f"    reg {_range(sw)} fsm;")
        out.append("    reg [63:0] retired_q;")
        return out

    def fifo(self) -> list[str]:
        m = self.m
        depth, pw = m.fifo_depth, (m.fifo_depth - 1).bit_length()
        return ["", f"    // ---- command FIFO ({depth} entries)",
                f"    reg {_range(m.command_width)} fifo [0:{depth - 1}];",
                f"    reg {_range(pw)} fifo_head;", f"    reg {_range(pw)} fifo_tail;",
                f"    reg {_range(pw + 1)} fifo_count;",
                f"    wire fifo_empty = fifo_count == {_literal(0, pw + 1)};",
                f"    wire fifo_full = fifo_count == {_literal(depth, pw + 1)};",
                f"    wire {_range(m.command_width)} cmd = fifo[fifo_head];",
                "    wire dispatch = fsm == S_IDLE && !fifo_empty;",
                "    wire accept = cmd_valid && cmd_ready;",
                "    assign cmd_ready = !fifo_full && fsm != S_FAULT;",
                "    assign idle = fifo_empty && fsm == S_IDLE;",
                "    assign busy = !idle;",
                "    assign fault = fsm == S_FAULT;",
                "    assign retired = retired_q;",
                "",
                "    always @(posedge clk) begin",
                "        if (rst) begin",
                f"            fifo_head <= {_literal(0, pw)};",
                f"            fifo_tail <= {_literal(0, pw)};",
                f"            fifo_count <= {_literal(0, pw + 1)};",
                "        end else begin",
                "            if (accept) begin",
                "                fifo[fifo_tail] <= cmd_data;",
                f"                fifo_tail <= fifo_tail + {_literal(1, pw)};",
                "            end",
                "            if (dispatch)",
                f"                fifo_head <= fifo_head + {_literal(1, pw)};",
                "            if (accept && !dispatch)",
                f"                fifo_count <= fifo_count + {_literal(1, pw + 1)};",
                "            else if (dispatch && !accept)",
                f"                fifo_count <= fifo_count - {_literal(1, pw + 1)};",
                "        end",
                "    end"]

    def fsm_block(self) -> list[str]:
        out = ["    always @(posedge clk) begin",
               "        if (rst) begin",
               "            fsm <= S_IDLE;",
               "            retired_q <= 64'd0;",
               "        end else begin",
               "            case (fsm)",
               "            S_IDLE: if (!fifo_empty) begin"]
        first = True
        for sch in self.m.schedules:
            mask, value = sch.match
            cond = f"(cmd & {_literal(mask, self.m.command_width)}) == {_literal(value, self.m.command_width)}"
            out.append(f"                {'if' if first else 'end else if'} ({cond}) begin   // {sch.instruction}")
            first = False
            for latch in sch.fields:
                out.append(f"                    {latch.reg} <= {self.field_bits(latch.field)};")
            out.append(f"                    fsm <= {self.code(sch.entry)};")
        out += ["                end else begin", "                    fsm <= S_FAULT;   // no instruction matches",
                "                end" if self.m.schedules else "", "            end"]
        for s in self.m.states:
            out += self.state_block(s)
        out += ["            default: fsm <= S_FAULT;", "            endcase", "        end", "    end"]
        return [line for line in out if line]

    def field_bits(self, f: ir.FieldDef) -> str:
        parts = [f"cmd[{hi}:{lo}]" for hi, lo in f.pieces]
        if f.lsb_zeros:
            parts.append(f"{f.lsb_zeros}'b0")
        return parts[0] if len(parts) == 1 else "{" + ", ".join(parts) + "}"

    def state_block(self, s: fsmd.State) -> list[str]:
        dp = self.dp
        out = [f"            {self.code(s.id)}: begin   // {s.instruction}, {s.loc}"]
        for w in s.writes:
            out.append(f"                {w.reg} <= {dp.emit(w.value)};")
        for w in s.mem_writes:
            assign = f"{w.mem}[{dp.emit(w.index)}] <= {dp.emit(w.value)};"
            if isinstance(w.guard, ir.Const):
                out.append(f"                {assign}" if w.guard.value else "")
            else:
                out.append(f"                if ({dp.emit(w.guard)}) {assign}")
        nxt = s.next
        if isinstance(nxt, fsmd.Goto):
            out.append(f"                fsm <= {self.code(nxt.target)};")
        elif isinstance(nxt, fsmd.Branch):
            out.append(f"                fsm <= {dp.emit(nxt.cond)} ? {self.code(nxt.then)} : {self.code(nxt.orelse)};")
        else:
            out.append("                fsm <= S_IDLE;")
            out.append("                retired_q <= retired_q + 64'd1;")
        for c in s.checks:
            if not (isinstance(c.cond, ir.Const) and c.cond.value):
                out.append(f"                if (!{dp.emit(c.cond)}) fsm <= S_FAULT;   // assert: {c.message}")
        out.append("            end")
        return out

    def sink(self) -> list[str]:
        """Bits read only in part, OR-reduced into one wire so lint sees every bit used."""
        names = ["cmd", *sorted(self.dp.partial, key=lambda n: (len(n), n))]
        return ["", "    // bits no logic needs (e.g. opcode bits, high bits of wide sums); kept for lint",
                f"    wire unused_bits = ^{{{', '.join(names)}}};"]
