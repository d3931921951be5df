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

_FALSE, _TRUE = "1'b0", "1'b1"


def register_declarations(m: fsmd.Fsmd, exchanged_at: str, memory_note, kinds: str) -> list[str]:
    """Architectural state (public, for inject/extract through the manifest), then the
    instruction-private registers; `memory_note(memory)` ends each memory's comment."""
    out = ["", f"    // ---- architectural state (public: injected and extracted at {exchanged_at})"]
    for r in m.registers:
        if r.kind == "state":
            out.append(f"    reg {_range(r.type.width)} {r.name} /*verilator public*/;   // {r.type}")
    for x in m.memories:
        out.append(f"    reg {_range(x.type.width)} {x.name} [0:{x.size - 1}] /*verilator public*/;"
                   f"   // {x.type} {list(x.shape)}, row-major, {memory_note(x)}")
    out += ["", f"    // ---- instruction registers ({kinds})"]
    for r in m.registers:
        if r.kind != "state":
            out.append(f"    reg {_range(r.type.width)} {r.name};   // {r.kind} {r.type}")
    return out


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

    def rhs_CmdField(self, e: fsmd.CmdField) -> str:
        return field_bits(e.field, "cmd")

    def rhs_Concat(self, e: ir.Concat) -> str:
        return "{" + ", ".join(self.emit(p) for p in e.parts) + "}"


def generate(m: fsmd.Fsmd) -> str:
    """The Verilog text of the machine's top module (a processor core for a fetch machine)."""
    if m.fetch is not None:
        from .core import generate_core
        return generate_core(m)
    return _Generator(m).text()


def field_bits(f: ir.FieldDef, word: str) -> str:
    parts = [f"{word}[{hi}:{lo}]" for hi, lo in f.pieces]
    if f.lsb_zeros:
        parts.append(f"{f.lsb_zeros}'b0")
    return parts[0] if len(parts) == 1 else "{" + ", ".join(parts) + "}"


def _bits(n: int) -> int:
    return max(1, (n - 1).bit_length())


def tracked_state(m: fsmd.Fsmd) -> dict:
    """State elements on which two units can conflict -> the directions ('r', 'w') some
    instruction accesses them in. Elements only one unit touches need no tracking."""
    touch: dict[str, dict] = {}
    for sch in m.schedules:
        for a in sch.footprint:
            touch.setdefault(a.state, {}).setdefault(sch.unit, set()).add("w" if a.write else "r")
    out = {}
    for state, by_unit in touch.items():
        writers = {u for u, d in by_unit.items() if "w" in d}
        if writers and len(by_unit) > 1:
            out[state] = set().union(*by_unit.values())
    return out


class _Generator:
    def __init__(self, m: fsmd.Fsmd):
        self.m = m
        self.dp = _Datapath()
        self.sw = _bits(len(m.states) + 1)               # IDLE and the instruction states
        self.tracked = tracked_state(m)
        self.rows = {x.state: x.shape[0] for x in m.memories}
        self.timing = {d.mem: d for d in m.dram}

    def code(self, sid: int) -> str:
        return f"S{sid}"

    def unit_dirs(self, u: fsmd.Unit) -> dict:
        """Tracked state -> directions unit `u`'s instructions access it in."""
        out: dict[str, set] = {}
        for i in u.instructions:
            for a in self.m.schedule(i).footprint:
                if a.state in self.tracked:
                    out.setdefault(a.state, set()).add("w" if a.write else "r")
        return out

    def text(self) -> str:
        m = self.m
        control = self.control()                         # emits datapath wires as a side effect
        dispatcher = self.dispatcher()
        units = [line for u in m.units for line in self.unit_wires(u)]
        dram = self.dram_wires()
        out = [f"// Generated by dcsim from {m.path} (machine '{m.machine}', {m.digest[:12]}). Do not edit.",
               f"// Units {', '.join(u.name for u in m.units)} run concurrently, each from its own queue; a dispatcher",
               "// moves commands in program order and holds one back while it conflicts with another unit's.",
               "// See the correspondence manifest for where the architectural state lives.",
               f"module {module_name(m)} (",
               "    input  wire clk,",
               "    input  wire rst,",
               "    input  wire cmd_valid,",
               "    output wire cmd_ready,",
               f"    input  wire {_range(m.command_width)} cmd_data,",
               "    output wire idle,",
               "    output wire busy,",
               "    output wire fault,",
               "    output wire [63:0] retired,",
               "    output wire [63:0] committed",
               ");"]
        out += self.declarations()
        out += self.fifo_wires()
        out += ["", "    // ---- datapath"] + self.dp.lines
        out += dispatcher + dram + units + self.status_wires()
        out += self.fifo_block()
        out += ["", "    // ---- control: dispatch, unit queues, unit FSMs"] + control
        out += self.sink()
        out += ["endmodule", ""]
        return "\n".join(out)

    # ------------------------------------------------------------ declarations
    def declarations(self) -> list[str]:
        m, sw = self.m, self.sw
        out = register_declarations(m, "correspondence points", lambda x: f"{x.banks} bank(s)",
                                    "fields, locals, loop counters, temporaries")
        out += ["", "    // ---- unit FSM states (one code space; each unit visits its own instructions' states)"]
        out.append(f"    localparam {_range(sw)} S_IDLE = {_literal(0, sw)};")
        for s in m.states:
            out.append(f"    localparam {_range(sw)} {self.code(s.id)} = {_literal(s.id, sw)};"
                       f"   // {s.instruction} @ {s.loc.line}:{s.loc.col}")
        out += ["    reg fault_q;", "    reg [63:0] retired_q;   // commands completed",
                "    reg [63:0] seq_q;       // commands dispatched (the next command's sequence number)"]
        for u in m.units:
            out += self.unit_declarations(u)
        out += self.dram_declarations()
        return out

    def unit_declarations(self, u: fsmd.Unit) -> list[str]:
        d, pw, n = u.queue_depth, _bits(u.queue_depth), u.name
        cw, ow = self.m.command_width, _bits(len(u.instructions))
        out = ["", f"    // unit '{n}': {', '.join(u.instructions)}; queue of {d}",
               f"    reg {_range(self.sw)} fsm_{n};",
               f"    reg {_range(cw)} q_{n}_cmd [0:{d - 1}];",
               f"    reg {_range(ow)} q_{n}_op [0:{d - 1}];",
               f"    reg [63:0] q_{n}_seq [0:{d - 1}];",
               f"    reg [63:0] x_{n}_seq;",
               f"    reg {_range(pw)} q_{n}_head;", f"    reg {_range(pw)} q_{n}_tail;",
               f"    reg {_range(pw + 1)} q_{n}_count;"]
        for state, dirs in sorted(self.unit_dirs(u).items()):
            for dr in sorted(dirs):
                out += [f"    reg q_{n}_{dr}_{state} [0:{d - 1}];", f"    reg x_{n}_{dr}_{state};"]
                if state in self.rows:
                    bw = fsmd.bound_type(self.rows[state]).width
                    for b in ("lo", "hi"):
                        out += [f"    reg {_range(bw)} q_{n}_{dr}{b}_{state} [0:{d - 1}];",
                                f"    reg {_range(bw)} x_{n}_{dr}{b}_{state};"]
        return out

    # ------------------------------------------------------------ command FIFO
    def fifo_wires(self) -> list[str]:
        m = self.m
        depth, pw = m.fifo_depth, (m.fifo_depth - 1).bit_length()
        return ["", f"    // ---- command FIFO ({depth} entries)",
                f"    reg {_range(m.command_width)} fifo [0:{depth - 1}];",
                f"    reg {_range(pw)} fifo_head;", f"    reg {_range(pw)} fifo_tail;",
                f"    reg {_range(pw + 1)} fifo_count;",
                f"    wire fifo_empty = fifo_count == {_literal(0, pw + 1)};",
                f"    wire fifo_full = fifo_count == {_literal(depth, pw + 1)};",
                f"    wire {_range(m.command_width)} cmd = fifo[fifo_head];   // the command being dispatched",
                "    wire accept = cmd_valid && cmd_ready;",
                "    assign cmd_ready = !fifo_full && !fault_q;"]

    def fifo_block(self) -> list[str]:
        pw = (self.m.fifo_depth - 1).bit_length()
        return ["", "    always @(posedge clk) begin",
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

    # ------------------------------------------------------------ dispatcher
    def dispatcher(self) -> list[str]:
        m, dp, cw = self.m, self.dp, self.m.command_width
        out = ["", "    // ---- dispatch: decode the FIFO head, its unit and its hazard footprint"]
        earlier = []
        for sch in m.schedules:
            mask, value = sch.match
            cond = f"(cmd & {_literal(mask, cw)}) == {_literal(value, cw)}"
            if earlier:
                cond = f"({cond}) && !({' || '.join(earlier)})"
            out.append(f"    wire hd_{sch.instruction} = {cond};")
            earlier.append(f"hd_{sch.instruction}")
        known = " || ".join(earlier) if earlier else "1'b0"
        out.append(f"    wire hd_known = {known};")
        barriers = [f"hd_{s.instruction}" for s in m.schedules if s.barrier]
        out.append(f"    wire hd_barrier = {' || '.join(barriers) if barriers else _FALSE};")
        for u in m.units:
            out.append(f"    wire hd_unit_{u.name} = {' || '.join(f'hd_{i}' for i in u.instructions)};")
            ow = _bits(len(u.instructions))
            chain = _literal(0, ow)
            for k in reversed(range(1, len(u.instructions))):
                chain = f"hd_{u.instructions[k]} ? {_literal(k, ow)} : {chain}"
            out.append(f"    wire {_range(ow)} hd_op_{u.name} = {chain};")
        for state, dirs in sorted(self.tracked.items()):
            for dr in sorted(dirs):
                users = [(s, a) for s in m.schedules for a in s.footprint
                         if a.state == state and a.write == (dr == "w")]
                out.append(f"    wire hd_{dr}_{state} = {' || '.join(f'hd_{s.instruction}' for s, _ in users)};")
                if state in self.rows:
                    bt = fsmd.bound_type(self.rows[state])
                    for b in ("lo", "hi"):
                        chain = _literal(0, bt.width)
                        for s, a in reversed(users):
                            chain = f"hd_{s.instruction} ? {dp.emit(getattr(a, b))} : {chain}"
                        out.append(f"    wire {_range(bt.width)} hd_{dr}{b}_{state} = {chain};")
        out += ["", "    // a command waits while an in-flight command of another unit conflicts (RAW, WAR, WAW)"]
        blocked = []
        for u in m.units:
            entries = [(f"q_{u.name}_v{k}", f"[{k}]") for k in range(u.queue_depth)]
            pw = _bits(u.queue_depth)
            if self.unit_dirs(u):
                for k in range(u.queue_depth):
                    out.append(f"    wire q_{u.name}_v{k} = {{1'b0, {_literal(k, pw)} - q_{u.name}_head}} "
                               f"< q_{u.name}_count;")
            terms = []
            for valid, idx in entries + [(f"fsm_{u.name} != S_IDLE", "")]:
                prefix = "q" if idx else "x"
                hazard = self.hazard(u, f"{prefix}_{u.name}", idx)
                if hazard:
                    terms.append(f"({valid} && ({hazard}))")
            out.append(f"    wire cf_{u.name} = {' || '.join(terms) if terms else _FALSE};")
            blocked.append(f"(cf_{u.name} && !hd_unit_{u.name})")
        drained = " && ".join(f"q_{u.name}_count == {_literal(0, _bits(u.queue_depth) + 1)} && fsm_{u.name} == S_IDLE"
                              for u in m.units)
        room = " || ".join(f"(hd_unit_{u.name} && q_{u.name}_count != {_literal(u.queue_depth, _bits(u.queue_depth) + 1)})"
                           for u in m.units)
        out += [f"    wire drained = {drained or _TRUE};",
                f"    wire blocked = {' || '.join(blocked) or _FALSE};",
                "    wire decode_fault = !fifo_empty && !fault_q && !hd_known;",
                f"    wire dispatch = !fifo_empty && !fault_q && hd_known && ({room or _FALSE}) && !blocked"
                " && (!hd_barrier || drained);"]
        return out

    def hazard(self, u: fsmd.Unit, entry: str, idx: str) -> str:
        """The head conflicts with one entry of unit `u`: its terms, OR-ed."""
        terms = []
        for state, dirs in sorted(self.unit_dirs(u).items()):
            for hd, ed in (("w", "r"), ("r", "w"), ("w", "w")):
                if ed not in dirs or hd not in self.tracked[state]:
                    continue
                term = f"hd_{hd}_{state} && {entry}_{ed}_{state}{idx}"
                if state in self.rows:
                    term += (f" && $signed(hd_{hd}lo_{state}) <= $signed({entry}_{ed}hi_{state}{idx})"
                             f" && $signed({entry}_{ed}lo_{state}{idx}) <= $signed(hd_{hd}hi_{state})")
                terms.append(f"({term})")
        return " || ".join(terms)

    # ------------------------------------------------------------ units
    def retire_states(self, u: fsmd.Unit) -> list[int]:
        return [s.id for s in self.m.states if s.instruction in u.instructions and isinstance(s.next, fsmd.Retire)]

    def unit_wires(self, u: fsmd.Unit) -> list[str]:
        n = u.name
        ret = " || ".join(f"fsm_{n} == {self.code(i)}" for i in self.retire_states(u))
        return ["", f"    // ---- unit '{n}'",
                f"    wire {_range(self.m.command_width)} qh_{n} = q_{n}_cmd[q_{n}_head];",
                f"    wire adv_{n} = !fault_q && !stall_{n};",
                f"    wire ret_{n} = adv_{n} && ({ret});",
                f"    wire pop_{n} = q_{n}_count != {_literal(0, _bits(u.queue_depth) + 1)} && !fault_q"
                f" && (fsm_{n} == S_IDLE || ret_{n});",
                f"    wire enq_{n} = dispatch && hd_unit_{n};",
                f"    wire [63:0] old_{n} = fsm_{n} != S_IDLE ? x_{n}_seq : "
                f"q_{n}_count != {_literal(0, _bits(u.queue_depth) + 1)} ? q_{n}_seq[q_{n}_head] : seq_q;"]

    # ------------------------------------------------------------ DRAM ports
    def dram_states(self, u: fsmd.Unit, mem: str) -> list[tuple]:
        """(state id, lowest, highest index) of `u`'s states that access memory `mem`: a wide
        port's burst spans the constant offsets around one base (reads, else writes)."""
        out = []
        for s in self.m.states:
            if s.instruction not in u.instructions:
                continue
            reads = [n.index for root in fsmd.state_exprs(s) for n in fsmd.walk(root)
                     if isinstance(n, MemRead) and n.mem == mem]
            writes = [w.index for w in s.mem_writes if w.mem == mem]
            indices = reads or writes
            if indices:
                base = fsmd.affine(indices[0])[0]
                same = sorted((fsmd.affine(i)[1], k, i) for k, i in enumerate(indices) if fsmd.affine(i)[0] == base)
                out.append((s.id, same[0][2], same[-1][2]))
        return out

    def dram_ports(self) -> list[tuple]:
        """(unit, timing, states) for every unit that accesses a timed external memory."""
        out = []
        for d in self.m.dram:
            name = self.m.memory(f"s_{d.mem}").name
            for u in self.m.units:
                states = self.dram_states(u, name)
                if states:
                    out.append((u, d, states))
        return out

    def dram_wires(self) -> list[str]:
        out = ["", "    // ---- DRAM ports: a state that touches DRAM waits for its burst (row hit or miss)"]
        stalls: dict[str, list] = {u.name: [] for u in self.m.units}
        issued: dict[str, list] = {}
        for u, d, states in self.dram_ports():
            n, p = u.name, f"d_{u.name}"
            rb, cb = d.row_bytes.bit_length() - 1, d.bytes_per_cycle.bit_length() - 1
            aw = self.m.memory(f"s_{d.mem}").index_width
            lo, hi = _literal(0, aw), _literal(0, aw)
            for sid, first, last in reversed(states):
                lo = f"fsm_{n} == {self.code(sid)} ? {self.dp.emit(first)} : {lo}"
                hi = f"fsm_{n} == {self.code(sid)} ? {self.dp.emit(last)} : {hi}"
            req = " || ".join(f"fsm_{n} == {self.code(sid)}" for sid, _, _ in states)
            bank = f"{p}_row[{d.banks.bit_length() - 2}:0]" if d.banks > 1 else "1'b0"
            earlier = issued.setdefault(d.mem, [])
            ext = (lambda x: f"{{{64 - aw}'d0, {x}}}") if aw < 64 else (lambda x: x)
            out += [f"    wire {p}_req = {req};",
                    f"    wire [{aw - 1}:0] {p}_addr = {lo};   // the burst's first and last byte",
                    f"    wire [{aw - 1}:0] {p}_end = {hi};",
                    f"    wire [63:0] {p}_a64 = {ext(f'{p}_addr')};",
                    f"    wire [63:0] {p}_e64 = {ext(f'{p}_end')};",
                    f"    wire [{63 - rb}:0] {p}_row = {p}_a64[63:{rb}];",
                    f"    wire [{63 - cb}:0] {p}_chunk = {p}_a64[63:{cb}];",
                    f"    wire [{63 - cb}:0] {p}_chunk_end = {p}_e64[63:{cb}] < {p}_chunk ? {p}_chunk : {p}_e64[63:{cb}];",
                    f"    wire [{63 - cb}:0] {p}_span = {p}_chunk_end - {p}_chunk;   // extra bursts after the first",
                    f"    wire {p}_new = {p}_req && !({p}_have && {p}_last <= {p}_chunk && {p}_chunk_end <= {p}_last_end);"
                    "   // bursts it does not hold",
                    f"    wire {p}_done = {p}_pend && {p}_cnt == 16'd0;",
                    f"    wire {p}_issue = {p}_new && !{p}_pend && !fault_q"
                    + "".join(f" && !{e}" for e in earlier) + ";   // one burst per cycle: bandwidth",
                    f"    wire {_range(max(1, d.banks.bit_length() - 1))} {p}_bank = {bank};",
                    f"    wire {p}_hit = {d.mem}_open[{p}_bank] && {d.mem}_row[{p}_bank] == {p}_row;"]
            earlier.append(f"{p}_issue")
            self.dp.partial.update({f"{p}_a64", f"{p}_e64", f"{p}_span"})
            if d.banks > 1:
                self.dp.partial.add(f"{p}_row")
            stalls[n].append(f"({p}_new && !{p}_done)")
        out += self.bank_wires(stalls)
        return out

    def priority(self) -> list:
        """Units in SRAM arbitration order: units without a DRAM port (the datapath, which
        streams a row every cycle) before the DMA units (whose transfers wait on DRAM anyway),
        then in `hls.units` order."""
        dma = {u.name for u, _, _ in self.dram_ports()}
        return sorted(self.m.units, key=lambda u: u.name in dma)

    def bank_wires(self, stalls: dict) -> list[str]:
        """Banked SRAMs: units that touch the same bank of a memory in one cycle conflict;
        the unit later in `priority()` stalls. Bank = (row / bank_rows) mod banks."""
        out = ["", "    // ---- SRAM bank conflicts (blocks of rows interleaved over banks; datapath before DMA)"]
        users: dict[str, list] = {}
        for x in self.m.memories:
            touching = [(u, self.dram_states(u, x.name)) for u in self.priority()]
            touching = [(u, st) for u, st in touching if st]
            rowlen = x.size // x.shape[0]
            lo, bb = (rowlen * x.bank_rows).bit_length() - 1, max(1, x.banks.bit_length() - 1)
            if x.state in self.timing or len(touching) < 2 or lo + bb > x.index_width:
                continue
            for u, states in touching:
                p = f"b_{u.name}_{x.state}"
                chain = _literal(0, bb)
                for sid, index, _ in reversed(states):
                    idx = self.dp.emit(index)
                    bank = f"{idx}[{lo + bb - 1}:{lo}]" if x.banks > 1 else _literal(0, 1)
                    if x.banks > 1:
                        self.dp.partial.add(idx)
                    chain = f"fsm_{u.name} == {self.code(sid)} ? {bank} : {chain}"
                out += [f"    wire {p}_req = {' || '.join(f'fsm_{u.name} == {self.code(sid)}' for sid, _, _ in states)};",
                        f"    wire {_range(bb)} {p}_bank = {chain};"]
                users.setdefault(x.state, []).append(u)
        for u in self.priority():           # a unit's stall depends on those that win over it
            for state, us in users.items():
                if u not in us:
                    continue
                for v in us[:us.index(u)]:
                    stalls[u.name].append(f"(b_{u.name}_{state}_req && b_{v.name}_{state}_req && !stall_{v.name}"
                                          f" && b_{u.name}_{state}_bank == b_{v.name}_{state}_bank)")
            out.append(f"    wire stall_{u.name} = {' || '.join(stalls[u.name]) or _FALSE};")
        return out

    def dram_declarations(self) -> list[str]:
        out = []
        for d in self.m.dram:
            rb = d.row_bytes.bit_length() - 1
            out += [f"    // DRAM '{d.mem}' timing: {d.banks} banks, open row per bank, rows of {d.row_bytes} B,"
                    f" hit {d.t_hit} / miss {d.t_miss} cycles, {d.bytes_per_cycle} B per burst",
                    f"    reg [{63 - rb}:0] {d.mem}_row [0:{d.banks - 1}];",
                    f"    reg {d.mem}_open [0:{d.banks - 1}];"]
        for u, d, _ in self.dram_ports():
            p, cb = f"d_{u.name}", d.bytes_per_cycle.bit_length() - 1
            out += [f"    reg {p}_pend;   // a burst request in flight", f"    reg [15:0] {p}_cnt;",
                    f"    reg {p}_have;   // the port holds bursts {p}_last .. {p}_last_end",
                    f"    reg [{63 - cb}:0] {p}_last;", f"    reg [{63 - cb}:0] {p}_last_end;"]
        return out

    def dram_control(self, reset: bool) -> list[str]:
        ind = " " * 12
        if reset:
            out = [f"{ind}{d.mem}_open[{k}] <= 1'b0;" for d in self.m.dram for k in range(d.banks)]
            for u, _, _ in self.dram_ports():
                out += [f"{ind}d_{u.name}_pend <= 1'b0;", f"{ind}d_{u.name}_have <= 1'b0;"]
            return out
        out = []
        for u, d, _ in self.dram_ports():
            p, cb = f"d_{u.name}", d.bytes_per_cycle.bit_length() - 1
            out += [f"{ind}// DRAM port of unit '{u.name}'",
                    f"{ind}if ({p}_issue) begin",
                    f"{ind}    {p}_pend <= 1'b1;",
                    f"{ind}    {p}_cnt <= ({p}_hit ? 16'd{d.t_hit - 1} : 16'd{d.t_miss - 1})"
                    f" + ({p}_span > {63 - cb + 1}'d255 ? 16'd255 : {p}_span[15:0]);   // one more cycle per burst",
                    f"{ind}    {d.mem}_row[{p}_bank] <= {p}_row;",
                    f"{ind}    {d.mem}_open[{p}_bank] <= 1'b1;",
                    f"{ind}end else if ({p}_pend && !{p}_done) begin",
                    f"{ind}    {p}_cnt <= {p}_cnt - 16'd1;",
                    f"{ind}end else if ({p}_done && adv_{u.name}) begin",
                    f"{ind}    {p}_pend <= 1'b0;",
                    f"{ind}    {p}_have <= 1'b1;",
                    f"{ind}    {p}_last <= {p}_chunk;",
                    f"{ind}    {p}_last_end <= {p}_chunk_end;",
                    f"{ind}end"]
        return out

    def status_wires(self) -> list[str]:
        m = self.m
        out = ["", "    // ---- status: the correspondence point is 'idle' (FIFO empty, units drained)",
               "    assign idle = fifo_empty && drained;",
               "    assign busy = !idle;",
               "    assign fault = fault_q;",
               "    assign retired = retired_q;"]
        prev = "seq_q"
        for k, u in enumerate(m.units):
            out.append(f"    wire [63:0] cm{k} = old_{u.name} < {prev} ? old_{u.name} : {prev};")
            prev = f"cm{k}"
        out.append(f"    assign committed = {prev};   // commands before the oldest in flight (in-order completion)")
        return out

    def control(self) -> list[str]:
        m = self.m
        ret = " + ".join(f"{{63'd0, ret_{u.name}}}" for u in m.units) or "64'd0"
        out = ["    always @(posedge clk) begin",
               "        if (rst) begin",
               "            fault_q <= 1'b0;",
               "            retired_q <= 64'd0;",
               "            seq_q <= 64'd0;"]
        for u in m.units:
            pw = _bits(u.queue_depth)
            out += [f"            fsm_{u.name} <= S_IDLE;",
                    f"            q_{u.name}_head <= {_literal(0, pw)};",
                    f"            q_{u.name}_tail <= {_literal(0, pw)};",
                    f"            q_{u.name}_count <= {_literal(0, pw + 1)};"]
        out += self.dram_control(reset=True)
        out += ["        end else begin",
                "            if (dispatch) seq_q <= seq_q + 64'd1;",
                "            if (decode_fault) fault_q <= 1'b1;   // no instruction matches",
                f"            retired_q <= retired_q + {ret};"]
        for u in m.units:
            out += self.unit_block(u)
        out += self.dram_control(reset=False)
        out += ["        end", "    end"]
        return out

    def unit_block(self, u: fsmd.Unit) -> list[str]:
        n, pw = u.name, _bits(u.queue_depth)
        one = _literal(1, pw + 1)
        out = [f"            // unit '{n}': queue",
               f"            if (enq_{n}) begin",
               f"                q_{n}_cmd[q_{n}_tail] <= cmd;",
               f"                q_{n}_op[q_{n}_tail] <= hd_op_{n};",
               f"                q_{n}_seq[q_{n}_tail] <= seq_q;"]
        copies = ["seq"]
        for state, dirs in sorted(self.unit_dirs(u).items()):
            for dr in sorted(dirs):
                names = [f"{dr}_{state}"] + ([f"{dr}lo_{state}", f"{dr}hi_{state}"] if state in self.rows else [])
                for x in names:
                    out.append(f"                q_{n}_{x}[q_{n}_tail] <= hd_{x};")
                copies += names
        out += [f"                q_{n}_tail <= q_{n}_tail + {_literal(1, pw)};", "            end",
                f"            if (pop_{n}) q_{n}_head <= q_{n}_head + {_literal(1, pw)};",
                f"            if (enq_{n} && !pop_{n}) q_{n}_count <= q_{n}_count + {one};",
                f"            else if (pop_{n} && !enq_{n}) q_{n}_count <= q_{n}_count - {one};",
                f"            // unit '{n}': FSM",
                f"            if (adv_{n}) begin",
                f"                case (fsm_{n})",
                "                S_IDLE: ;"]
        for s in self.m.states:
            if s.instruction in u.instructions:
                out += self.state_block(s, n)
        out += ["                default: fault_q <= 1'b1;", "                endcase", "            end",
                f"            if (pop_{n}) begin   // start the next command"]
        out += [f"                x_{n}_{x} <= q_{n}_{x}[q_{n}_head];" for x in copies]
        out.append(f"                case (q_{n}_op[q_{n}_head])")
        for k, name in enumerate(u.instructions):
            sch = self.m.schedule(name)
            out.append(f"                {_literal(k, _bits(len(u.instructions)))}: begin   // {name}")
            for latch in sch.fields:
                out.append(f"                    {latch.reg} <= {field_bits(latch.field, f'qh_{n}')};")
            out += [f"                    fsm_{n} <= {self.code(sch.entry)};", "                end"]
        out += ["                default: fault_q <= 1'b1;", "                endcase", "            end"]
        return out

    def state_block(self, s: fsmd.State, n: str) -> list[str]:
        dp, ind = self.dp, " " * 20
        out = [f"                {self.code(s.id)}: begin   // {s.instruction}, {s.loc}"]
        for w in s.writes:
            out.append(f"{ind}{w.reg} <= {dp.emit(w.value)};")
        for w in s.mem_writes:
            assign = f"{w.mem}[{dp.emit(w.index)}] <= {dp.emit(w.value)};"
            if isinstance(w.guard, ir.Const):
                if w.guard.value:
                    out.append(f"{ind}{assign}")
            else:
                out.append(f"{ind}if ({dp.emit(w.guard)}) {assign}")
        nxt = s.next
        if isinstance(nxt, fsmd.Goto):
            out.append(f"{ind}fsm_{n} <= {self.code(nxt.target)};")
        elif isinstance(nxt, fsmd.Branch):
            out.append(f"{ind}fsm_{n} <= {dp.emit(nxt.cond)} ? {self.code(nxt.then)} : {self.code(nxt.orelse)};")
        else:
            out.append(f"{ind}fsm_{n} <= S_IDLE;   // retire")
        for c in s.checks:
            if not (isinstance(c.cond, ir.Const) and c.cond.value):
                out.append(f"{ind}if (!{dp.emit(c.cond)}) fault_q <= 1'b1;   // assert: {c.message}")
        out.append("                end")
        return out

    def sink(self) -> list[str]:
        """Bits read only in part, OR-reduced into one wire so lint sees every bit used."""
        names = ["cmd", *(f"qh_{u.name}" for u in self.m.units), *sorted(self.dp.partial, key=lambda n: (len(n), n))]
        return ["", "    // bits no logic needs (e.g. opcode bits, high bits of wide sums); kept for lint",
                f"    wire unused_bits = ^{{{', '.join(names)}}};"]
