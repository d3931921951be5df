"""FSMD -> readable Verilog-2005: one top module, lint-clean under `verilator -Wall`.

Interface: `clk`, `rst` (synchronous, active high), a command port (`cmd_valid`,
`cmd_ready`, `cmd_data`) into a FIFO, `idle` (FIFO empty and FSM in IDLE: the correspondence
point), `busy`, `fault` (a spec assert failed or a command did not decode; sticky until
reset) and `retired` (commands completed since reset).

Fault sites: the first fault latches which site it was (`fault_site`: 1 a command that did not
decode, 3, 4, ... the checks of `rtlgen.faults.fault_sites`, 0 none recorded) and the
sequence number of its command since reset (`fault_seq`: the faulting unit's command, or
the undecodable FIFO head); `rtlgen.engine.RtlEngine` turns them into the spec's message.

Every datapath node is one named wire of exactly its IR type's width, holding the value's
two's-complement bits; width changes are explicit (part-selects, sign/zero extension), so
Verilog's context-dependent width rules never apply. State elements are `s_<name>`
registers and `reg` arrays marked `/*verilator public*/` for injection and extraction.
"""
from __future__ import annotations

from spec import ir
from hls import fsmd
from hls.fsmd import MemRead

from .faults import DECODE_SITE, fault_sites, site_bits
from .vcommon import (Datapath, bit_range, field_bits, literal, module_name, register_declarations, spec_loc, spec_name,
                      state_bits)

_FALSE, _TRUE = "1'b0", "1'b1"

# The model behind `hls.dram.outstanding` > 1, printed once above the DRAM ports.
STREAM_COMMENT = [
    "    // With hls.dram.outstanding = N > 1 each port is a stream prefetcher with N request slots:",
    "    // a FIFO of requests in flight (oldest at _head), each counting down to its data's return.",
    "    // * It learns the byte stride between successive demands it serves (a demand is a state",
    "    //   wanting bursts the port does not hold), as one entry of Chen & Baer's reference",
    "    //   prediction table (_rpt: 0 init, 1 transient, 2 steady, 3 no prediction). A correct",
    "    //   stride moves to steady (from no prediction to transient); a wrong one moves steady to",
    "    //   init keeping the stride (a new command's base), init to transient and the others to",
    "    //   no prediction, learning the new stride.",
    "    // * Unless in no prediction, with a slot free and the channel idle, it issues the predicted",
    "    //   next range: the newest slot's first byte + stride, with the last demand's length.",
    "    // * A demand whose bursts the oldest slot holds waits only for that slot's count, then",
    "    //   takes the slot. Any other demand drops every prefetch and issues itself, costing what",
    "    //   it costs with N = 1 (demands issue before prefetches) unless a wrong prefetch closed",
    "    //   its DRAM row or still holds the channel with a burst or two.",
    "    // * Every issue, demand or prefetch, opens its DRAM row in its bank (hit/miss as for N = 1)",
    "    //   and uses the shared channel: one issue per cycle, demands before prefetches, earlier",
    "    //   ports first, and a request of k bursts holds the channel k cycles (_chan), so the ports",
    "    //   together never move more than one burst per cycle.",
    "    // Timing only: the data is read from the memory array in the state's own cycle.",
]


def generate(m: fsmd.Fsmd) -> str:
    """The Verilog text of the machine's top module (a processor core for a fetch machine)."""
    if m.fetch is not None:
        from .core import generate_core
        return generate_core(m)
    return _Generator(m).text()


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
        self.dp = Datapath()
        self.sw = state_bits(len(m.states) + 1)               # IDLE and the instruction states
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
        faults = self.fault_wires()
        dispatcher = self.dispatcher()
        units = [line for u in m.units for line in self.unit_wires(u)]
        dram = self.dram_wires()
        out = [f"// Generated by dcsim from {spec_name(m.path)} (machine '{m.machine}', {m.digest[:12]}). Do not edit.",
               f"// Units {', '.join(u.name for u in m.units)} run concurrently, each from its own queue; a dispatcher",
               "// moves commands in program order and holds one back while it conflicts with another unit's.",
               "// See the correspondence manifest for where the architectural state lives.",
               f"module {module_name(m)} (",
               "    input  wire clk,",
               "    input  wire rst,",
               "    input  wire cmd_valid,",
               "    output wire cmd_ready,",
               f"    input  wire {bit_range(m.command_width)} cmd_data,",
               "    output wire idle,",
               "    output wire busy,",
               "    output wire fault,",
               "    output wire [63:0] retired,",
               "    output wire [63:0] committed,",
               f"    output wire {bit_range(site_bits(m))} fault_site,   // the first fault's site (rtlgen.faults)",
               "    output wire [63:0] fault_seq   // ... and its command's sequence number since reset",
               ");"]
        out += self.declarations()
        out += self.fifo_wires()
        out += ["", "    // ---- datapath"] + self.dp.lines
        out += dispatcher + dram + units + self.status_wires() + faults
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
        out.append(f"    localparam {bit_range(sw)} S_IDLE = {literal(0, sw)};")
        for s in m.states:
            out.append(f"    localparam {bit_range(sw)} {self.code(s.id)} = {literal(s.id, sw)};"
                       f"   // {s.instruction} @ {s.loc.line}:{s.loc.col}")
        out += ["    reg fault_q;", f"    reg {bit_range(site_bits(m))} fault_site_q;   // which site faulted first",
                "    reg [63:0] fault_seq_q;   // ... and its command's sequence number",
                "    reg [63:0] retired_q;   // commands completed",
                "    reg [63:0] seq_q;       // commands dispatched (the next command's sequence number)"]
        for u in m.units:
            out += self.unit_declarations(u)
        out += self.dram_declarations()
        return out

    def unit_declarations(self, u: fsmd.Unit) -> list[str]:
        d, pw, n = u.queue_depth, state_bits(u.queue_depth), u.name
        cw, ow = self.m.command_width, state_bits(len(u.instructions))
        out = ["", f"    // unit '{n}': {', '.join(u.instructions)}; queue of {d}",
               f"    reg {bit_range(self.sw)} fsm_{n};",
               f"    reg {bit_range(cw)} q_{n}_cmd [0:{d - 1}];",
               f"    reg {bit_range(ow)} q_{n}_op [0:{d - 1}];",
               f"    reg [63:0] q_{n}_seq [0:{d - 1}];",
               f"    reg [63:0] x_{n}_seq;",
               f"    reg {bit_range(pw)} q_{n}_head;", f"    reg {bit_range(pw)} q_{n}_tail;",
               f"    reg {bit_range(pw + 1)} q_{n}_count;"]
        for state, dirs in sorted(self.unit_dirs(u).items()):
            for dr in sorted(dirs):
                out += [f"    reg q_{n}_{dr}_{state} [0:{d - 1}];", f"    reg x_{n}_{dr}_{state};"]
                if state in self.rows:
                    bw = fsmd.bound_type(self.rows[state]).width
                    for b in ("lo", "hi"):
                        out += [f"    reg {bit_range(bw)} q_{n}_{dr}{b}_{state} [0:{d - 1}];",
                                f"    reg {bit_range(bw)} x_{n}_{dr}{b}_{state};"]
        return out

    # ------------------------------------------------------------ command FIFO
    def fifo_wires(self) -> list[str]:
        m = self.m
        depth, pw = m.fifo_depth, (m.fifo_depth - 1).bit_length()
        return ["", f"    // ---- command FIFO ({depth} entries)",
                f"    reg {bit_range(m.command_width)} fifo [0:{depth - 1}];",
                f"    reg {bit_range(pw)} fifo_head;", f"    reg {bit_range(pw)} fifo_tail;",
                f"    reg {bit_range(pw + 1)} fifo_count;",
                f"    wire fifo_empty = fifo_count == {literal(0, pw + 1)};",
                f"    wire fifo_full = fifo_count == {literal(depth, pw + 1)};",
                f"    wire {bit_range(m.command_width)} cmd = fifo[fifo_head];   // the command being dispatched",
                "    wire accept = cmd_valid && cmd_ready;",
                "    assign cmd_ready = !fifo_full && !fault_q;"]

    def fifo_block(self) -> list[str]:
        pw = (self.m.fifo_depth - 1).bit_length()
        return ["", "    always @(posedge clk) begin",
                "        if (rst) begin",
                f"            fifo_head <= {literal(0, pw)};",
                f"            fifo_tail <= {literal(0, pw)};",
                f"            fifo_count <= {literal(0, pw + 1)};",
                "        end else begin",
                "            if (accept) begin",
                "                fifo[fifo_tail] <= cmd_data;",
                f"                fifo_tail <= fifo_tail + {literal(1, pw)};",
                "            end",
                "            if (dispatch)",
                f"                fifo_head <= fifo_head + {literal(1, pw)};",
                "            if (accept && !dispatch)",
                f"                fifo_count <= fifo_count + {literal(1, pw + 1)};",
                "            else if (dispatch && !accept)",
                f"                fifo_count <= fifo_count - {literal(1, pw + 1)};",
                "        end",
                "    end"]

    # ------------------------------------------------------------ dispatcher
    def dispatcher(self) -> list[str]:
        m, dp, cw = self.m, self.dp, self.m.command_width
        out = ["", "    // ---- dispatch: decode the FIFO head, its unit and its hazard footprint"]
        earlier = []
        for sch in m.schedules:
            mask, value = sch.match
            cond = f"(cmd & {literal(mask, cw)}) == {literal(value, cw)}"
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
            ow = state_bits(len(u.instructions))
            chain = literal(0, ow)
            for k in reversed(range(1, len(u.instructions))):
                chain = f"hd_{u.instructions[k]} ? {literal(k, ow)} : {chain}"
            out.append(f"    wire {bit_range(ow)} hd_op_{u.name} = {chain};")
        for state, dirs in sorted(self.tracked.items()):
            for dr in sorted(dirs):
                users = [(s, a) for s in m.schedules for a in s.footprint
                         if a.state == state and a.write == (dr == "w")]
                out.append(f"    wire hd_{dr}_{state} = {' || '.join(f'hd_{s.instruction}' for s, _ in users)};")
                if state in self.rows:
                    bt = fsmd.bound_type(self.rows[state])
                    for b in ("lo", "hi"):
                        chain = literal(0, bt.width)
                        for s, a in reversed(users):
                            chain = f"hd_{s.instruction} ? {dp.emit(getattr(a, b))} : {chain}"
                        out.append(f"    wire {bit_range(bt.width)} hd_{dr}{b}_{state} = {chain};")
        out += ["", "    // a command waits while an in-flight command of another unit conflicts (RAW, WAR, WAW)"]
        blocked = []
        for u in m.units:
            entries = [(f"q_{u.name}_v{k}", f"[{k}]") for k in range(u.queue_depth)]
            pw = state_bits(u.queue_depth)
            if self.unit_dirs(u):
                for k in range(u.queue_depth):
                    out.append(f"    wire q_{u.name}_v{k} = {{1'b0, {literal(k, pw)} - q_{u.name}_head}} "
                               f"< q_{u.name}_count;")
            terms = []
            for valid, idx in entries + [(f"fsm_{u.name} != S_IDLE", "")]:
                prefix = "q" if idx else "x"
                hazard = self.hazard(u, f"{prefix}_{u.name}", idx)
                if hazard:
                    terms.append(f"({valid} && ({hazard}))")
            out.append(f"    wire cf_{u.name} = {' || '.join(terms) if terms else _FALSE};")
            blocked.append(f"(cf_{u.name} && !hd_unit_{u.name})")
        drained = " && ".join(f"q_{u.name}_count == {literal(0, state_bits(u.queue_depth) + 1)} && fsm_{u.name} == S_IDLE"
                              for u in m.units)
        room = " || ".join(f"(hd_unit_{u.name} && q_{u.name}_count != {literal(u.queue_depth, state_bits(u.queue_depth) + 1)})"
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
                f"    wire {bit_range(self.m.command_width)} qh_{n} = q_{n}_cmd[q_{n}_head];",
                f"    wire adv_{n} = !fault_q && !stall_{n};",
                f"    wire ret_{n} = adv_{n} && ({ret});",
                f"    wire pop_{n} = q_{n}_count != {literal(0, state_bits(u.queue_depth) + 1)} && !fault_q"
                f" && (fsm_{n} == S_IDLE || ret_{n});",
                f"    wire enq_{n} = dispatch && hd_unit_{n};",
                f"    wire [63:0] old_{n} = fsm_{n} != S_IDLE ? x_{n}_seq : "
                f"q_{n}_count != {literal(0, state_bits(u.queue_depth) + 1)} ? q_{n}_seq[q_{n}_head] : seq_q;"]

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
        if any(d.outstanding > 1 for d in self.m.dram):
            out += STREAM_COMMENT
        stalls: dict[str, list] = {u.name: [] for u in self.m.units}
        issued: dict[str, list] = {}
        for u, d, states in self.dram_ports():
            n, p = u.name, f"d_{u.name}"
            earlier = issued.setdefault(d.mem, [])
            out += self.port_address(u, d, states)
            if d.outstanding > 1:
                out += self.stream_demand_wires(u, d, earlier)
                stalls[n].append(f"({p}_new && !{p}_hd_done)")
                continue
            out += [f"    wire {p}_done = {p}_pend && {p}_cnt == 16'd0;",
                    f"    wire {p}_issue = {p}_new && !{p}_pend && !fault_q"
                    + "".join(f" && !{e}" for e in earlier) + ";   // one burst per cycle: bandwidth",
                    *self.port_bank(d, p, "bank", "row", "hit")]
            earlier.append(f"{p}_issue")
            stalls[n].append(f"({p}_new && !{p}_done)")
        out += self.stream_prefetch_wires()
        out += self.bank_wires(stalls)
        return out

    def port_address(self, u: fsmd.Unit, d: fsmd.DramTiming, states: list) -> list[str]:
        """The burst range the state of unit `u` asks for, and whether the port holds it."""
        n, p = u.name, f"d_{u.name}"
        rb, cb = d.row_bytes.bit_length() - 1, d.bytes_per_cycle.bit_length() - 1
        aw = self.m.memory(f"s_{d.mem}").index_width
        lo, hi = literal(0, aw), literal(0, aw)
        for sid, first, last in reversed(states):
            lo = f"fsm_{n} == {self.code(sid)} ? {self.dp.emit(first)} : {lo}"
            hi = f"fsm_{n} == {self.code(sid)} ? {self.dp.emit(last)} : {hi}"
        req = " || ".join(f"fsm_{n} == {self.code(sid)}" for sid, _, _ in states)
        ext = (lambda x: f"{{{64 - aw}'d0, {x}}}") if aw < 64 else (lambda x: x)
        self.dp.partial.update({f"{p}_a64", f"{p}_e64", f"{p}_span"})
        if d.banks > 1:
            self.dp.partial.add(f"{p}_row")
        return [f"    wire {p}_req = {req};",
                f"    wire [{aw - 1}:0] {p}_addr = {lo};   // the burst's first and last byte",
                f"    wire [{aw - 1}:0] {p}_end = {hi};",
                f"    wire [63:0] {p}_a64 = {ext(f'{p}_addr')};",
                f"    wire [63:0] {p}_e64 = {ext(f'{p}_end')};",
                f"    wire [{63 - rb}:0] {p}_row = {p}_a64[63:{rb}];",
                f"    wire [{63 - cb}:0] {p}_chunk = {p}_a64[63:{cb}];",
                f"    wire [{63 - cb}:0] {p}_chunk_end = {p}_e64[63:{cb}] < {p}_chunk ? {p}_chunk : {p}_e64[63:{cb}];",
                f"    wire [{63 - cb}:0] {p}_span = {p}_chunk_end - {p}_chunk;   // extra bursts after the first",
                f"    wire {p}_new = {p}_req && !({p}_have && {p}_last <= {p}_chunk && {p}_chunk_end <= {p}_last_end);"
                "   // bursts it does not hold"]

    def port_bank(self, d: fsmd.DramTiming, p: str, bank: str, row: str, hit: str) -> list[str]:
        """The DRAM bank of row `{p}_{row}` and whether that row is open there."""
        sel = f"{p}_{row}[{d.banks.bit_length() - 2}:0]" if d.banks > 1 else "1'b0"
        return [f"    wire {bit_range(max(1, d.banks.bit_length() - 1))} {p}_{bank} = {sel};",
                f"    wire {p}_{hit} = {d.mem}_open[{p}_{bank}] && {d.mem}_row[{p}_{bank}] == {p}_{row};"]

    # ------------------------------------------------------------ DRAM ports with N requests in flight
    def stream_demand_wires(self, u: fsmd.Unit, d: fsmd.DramTiming, earlier: list) -> list[str]:
        """The demand side of a port with `d.outstanding` slots: does the oldest slot hold the
        demand, is its data back, or must the demand issue itself (`earlier` ports first)."""
        p, aw = f"d_{u.name}", self.m.memory(f"s_{d.mem}").index_width
        sb = (d.outstanding - 1).bit_length()
        out = [f"    wire {p}_hd_ok = {p}_count != {literal(0, sb + 1)} && {p}_sa[{p}_head] <= {p}_chunk"
               f" && {p}_chunk_end <= {p}_se[{p}_head];   // the oldest request holds the demand's bursts",
               f"    wire {p}_hd_done = {p}_hd_ok && {p}_sc[{p}_head] == 16'd0;   // ... and its data is back",
               f"    wire {p}_miss = {p}_new && !{p}_hd_ok;   // no or a wrong prediction: drop the prefetches",
               f"    wire {p}_dissue = {p}_miss && !fault_q && {d.mem}_chan == 8'd0"
               + "".join(f" && !{e}" for e in earlier) + ";   // one issue per cycle, demands first",
               *self.port_bank(d, p, "bank", "row", "hit"),
               f"    wire [{aw - 1}:0] {p}_step = {p}_addr - {p}_prev;   // bytes since the last demand taken",
               f"    wire [{aw - 1}:0] {p}_len = {p}_end - {p}_addr;"]
        earlier.append(f"{p}_dissue")
        return out

    def stream_prefetch_wires(self) -> list[str]:
        """The prefetch side of every port with slots: the predicted next range, and whether
        it issues (after every demand issue of its memory and the earlier ports' prefetches)."""
        out, earlier = [], {}
        ports = [(u, d) for u, d, _ in self.dram_ports() if d.outstanding > 1]
        for u, d in ports:
            p, aw, n = f"d_{u.name}", self.m.memory(f"s_{d.mem}").index_width, d.outstanding
            rb, cb, sb = d.row_bytes.bit_length() - 1, d.bytes_per_cycle.bit_length() - 1, (n - 1).bit_length()
            ext = (lambda x: f"{{{64 - aw}'d0, {x}}}") if aw < 64 else (lambda x: x)
            demands = [f"d_{v.name}_dissue" for v, e in ports if e.mem == d.mem]
            mine = earlier.setdefault(d.mem, [])
            out += [f"    wire [{aw - 1}:0] {p}_pa = ({p}_count == {literal(0, sb + 1)} ? {p}_prev : "
                    f"{p}_sad[{p}_tail - {literal(1, sb)}]) + {p}_stride;   // the predicted next demand",
                    f"    wire [{aw - 1}:0] {p}_pe = {p}_pa + {p}_plen;",
                    f"    wire [63:0] {p}_pa64 = {ext(f'{p}_pa')};",
                    f"    wire [63:0] {p}_pe64 = {ext(f'{p}_pe')};",
                    f"    wire [{63 - rb}:0] {p}_prow = {p}_pa64[63:{rb}];",
                    f"    wire [{63 - cb}:0] {p}_pchunk = {p}_pa64[63:{cb}];",
                    f"    wire [{63 - cb}:0] {p}_pchunk_end = {p}_pe64[63:{cb}] < {p}_pchunk ? {p}_pchunk"
                    f" : {p}_pe64[63:{cb}];",
                    f"    wire [{63 - cb}:0] {p}_pspan = {p}_pchunk_end - {p}_pchunk;",
                    *self.port_bank(d, p, "pbank", "prow", "phit"),
                    f"    wire {p}_pissue = {p}_rpt != 2'd3 && {p}_stride != {literal(0, aw)} && !{p}_miss"
                    f" && {p}_count != {literal(n, sb + 1)} && !fault_q"
                    f" && {d.mem}_chan == 8'd0" + "".join(f" && !{e}" for e in demands + mine) + ";   // a prefetch"]
            mine.append(f"{p}_pissue")
            self.dp.partial.update({f"{p}_pa64", f"{p}_pe64", f"{p}_pspan"})
            if d.banks > 1:
                self.dp.partial.add(f"{p}_prow")
        return out

    def stream_declarations(self) -> list[str]:
        out = [f"    reg [7:0] {d.mem}_chan;   // cycles the channel still streams the last request's bursts"
               for d in self.m.dram if d.outstanding > 1]
        for u, d, _ in self.dram_ports():
            if d.outstanding == 1:
                continue
            p, n, aw = f"d_{u.name}", d.outstanding, self.m.memory(f"s_{d.mem}").index_width
            cb, sb = d.bytes_per_cycle.bit_length() - 1, (n - 1).bit_length()
            out += [f"    // port {p}: {n} request slots, a FIFO from {p}_head (oldest) to {p}_tail (next free)",
                    f"    reg {p}_have;   // the port holds bursts {p}_last .. {p}_last_end",
                    f"    reg [{63 - cb}:0] {p}_last;", f"    reg [{63 - cb}:0] {p}_last_end;",
                    f"    reg [{aw - 1}:0] {p}_sad [0:{n - 1}];   // a slot's first byte,",
                    f"    reg [{63 - cb}:0] {p}_sa [0:{n - 1}];   // ... its bursts",
                    f"    reg [{63 - cb}:0] {p}_se [0:{n - 1}];",
                    f"    reg [15:0] {p}_sc [0:{n - 1}];   // ... and the cycles until its data is back",
                    f"    reg {bit_range(sb)} {p}_head;", f"    reg {bit_range(sb)} {p}_tail;",
                    f"    reg {bit_range(sb + 1)} {p}_count;",
                    f"    reg {p}_seen;   // a demand was taken: {p}_prev is its first byte",
                    f"    reg [{aw - 1}:0] {p}_prev;",
                    f"    reg [{aw - 1}:0] {p}_stride;   // bytes between successive demands",
                    f"    reg [1:0] {p}_rpt;   // 0 init, 1 transient, 2 steady, 3 no prediction",
                    f"    reg [{aw - 1}:0] {p}_plen;   // the last demand's bytes after its first"]
        return out

    def stream_reset(self) -> list[str]:
        ind = " " * 12
        out = [f"{ind}{d.mem}_chan <= 8'd0;" for d in self.m.dram if d.outstanding > 1]
        for u, d, _ in self.dram_ports():
            p, sb = f"d_{u.name}", (d.outstanding - 1).bit_length()
            if d.outstanding > 1:
                out += [f"{ind}{p}_have <= 1'b0;", f"{ind}{p}_head <= {literal(0, sb)};",
                        f"{ind}{p}_tail <= {literal(0, sb)};", f"{ind}{p}_count <= {literal(0, sb + 1)};",
                        f"{ind}{p}_seen <= 1'b0;", f"{ind}{p}_rpt <= 2'd0;",
                        f"{ind}{p}_stride <= {literal(0, self.aw(d))};"]
                out += [f"{ind}{p}_sc[{k}] <= 16'd0;" for k in range(d.outstanding)]
        return out

    def stream_port_control(self, u: fsmd.Unit, d: fsmd.DramTiming) -> list[str]:
        """Slots count down; a demand issue flushes and refills slot 0 of a new FIFO; a
        prefetch appends; a demand served by the oldest slot pops it and trains the stride."""
        p, n, ind = f"d_{u.name}", d.outstanding, " " * 12
        sb = (n - 1).bit_length()
        one, cone = literal(1, sb), literal(1, sb + 1)
        pop = f"{p}_new && {p}_hd_done && adv_{u.name}"
        out = [f"{ind}// DRAM port of unit '{u.name}': {n} requests in flight"]
        out += [f"{ind}if ({p}_sc[{k}] != 16'd0) {p}_sc[{k}] <= {p}_sc[{k}] - 16'd1;" for k in range(n)]
        out += [f"{ind}if ({p}_dissue) begin   // the demand issues itself into an emptied FIFO",
                *self.stream_issue(d, p, "addr", "chunk", "chunk_end", "span", "hit", "bank", "row"),
                f"{ind}    {p}_head <= {p}_tail;",
                f"{ind}    {p}_tail <= {p}_tail + {one};",
                f"{ind}    {p}_count <= {cone};",
                f"{ind}end else begin",
                f"{ind}    if ({p}_pissue) begin",
                *("    " + x for x in self.stream_issue(d, p, "pa", "pchunk", "pchunk_end", "pspan", "phit",
                                                          "pbank", "prow")),
                f"{ind}        {p}_tail <= {p}_tail + {one};",
                f"{ind}    end",
                f"{ind}    if ({pop}) {p}_head <= {p}_head + {one};",
                f"{ind}    if ({p}_pissue && !({pop})) {p}_count <= {p}_count + {cone};",
                f"{ind}    else if (!{p}_pissue && ({pop})) {p}_count <= {p}_count - {cone};",
                f"{ind}end",
                f"{ind}if ({pop}) begin   // the demand takes the oldest slot's bursts and trains the stride",
                f"{ind}    {p}_have <= 1'b1;",
                f"{ind}    {p}_last <= {p}_sa[{p}_head];",
                f"{ind}    {p}_last_end <= {p}_se[{p}_head];",
                f"{ind}    {p}_seen <= 1'b1;",
                f"{ind}    {p}_prev <= {p}_addr;",
                f"{ind}    {p}_plen <= {p}_len;",
                f"{ind}    if ({p}_seen && {p}_step == {p}_stride) {p}_rpt <= {p}_rpt == 2'd3 ? 2'd1 : 2'd2;",
                f"{ind}    else if ({p}_seen) begin   // steady -> init keeps the stride (a new base, same stream)",
                f"{ind}        {p}_rpt <= {p}_rpt == 2'd2 ? 2'd0 : {p}_rpt == 2'd0 ? 2'd1 : 2'd3;",
                f"{ind}        if ({p}_rpt != 2'd2) {p}_stride <= {p}_step;",
                f"{ind}    end",
                f"{ind}end"]
        return out

    def stream_issue(self, d: fsmd.DramTiming, p: str, addr, first, last, span, hit, bank, row) -> list[str]:
        """Fill the free slot at the FIFO's tail with a request, and open its DRAM row."""
        ind, sw = " " * 16, 63 - (d.bytes_per_cycle.bit_length() - 1) + 1
        return [f"{ind}{p}_sad[{p}_tail] <= {p}_{addr};",
                f"{ind}{p}_sa[{p}_tail] <= {p}_{first};",
                f"{ind}{p}_se[{p}_tail] <= {p}_{last};",
                f"{ind}{p}_sc[{p}_tail] <= ({p}_{hit} ? 16'd{d.t_hit - 1} : 16'd{d.t_miss - 1})"
                f" + ({p}_{span} > {sw}'d255 ? 16'd255 : {p}_{span}[15:0]);   // one more cycle per burst",
                f"{ind}{d.mem}_row[{p}_{bank}] <= {p}_{row};",
                f"{ind}{d.mem}_open[{p}_{bank}] <= 1'b1;"]

    def stream_channel(self) -> list[str]:
        """Each memory's channel after an issue of k bursts: busy k - 1 more cycles."""
        ind, out = " " * 12, []
        for d in self.m.dram:
            if d.outstanding == 1:
                continue
            sw = 63 - (d.bytes_per_cycle.bit_length() - 1) + 1
            ports = [f"d_{u.name}" for u, e, _ in self.dram_ports() if e.mem == d.mem]
            issues = [(f"{p}_dissue", f"{p}_span") for p in ports] + [(f"{p}_pissue", f"{p}_pspan") for p in ports]
            out.append(f"{ind}// DRAM '{d.mem}' channel: one burst per cycle")
            for k, (issue, span) in enumerate(issues):
                out.append(f"{ind}{'else ' if k else ''}if ({issue}) {d.mem}_chan <= {span} > {sw}'d255 ? 8'd255"
                           f" : {span}[7:0];")
            out.append(f"{ind}{'else ' if issues else ''}if ({d.mem}_chan != 8'd0)"
                       f" {d.mem}_chan <= {d.mem}_chan - 8'd1;")
        return out

    def aw(self, d: fsmd.DramTiming) -> int:
        return self.m.memory(f"s_{d.mem}").index_width

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
                chain = literal(0, bb)
                for sid, index, _ in reversed(states):
                    if isinstance(index, ir.Const):        # a literal cannot be part-selected: its bank bits now
                        bank = literal((index.value >> lo) & ((1 << bb) - 1), bb) if x.banks > 1 else literal(0, 1)
                        chain = f"fsm_{u.name} == {self.code(sid)} ? {bank} : {chain}"
                        continue
                    idx = self.dp.emit(index)
                    bank = f"{idx}[{lo + bb - 1}:{lo}]" if x.banks > 1 else literal(0, 1)
                    if x.banks > 1:
                        self.dp.partial.add(idx)
                    chain = f"fsm_{u.name} == {self.code(sid)} ? {bank} : {chain}"
                out += [f"    wire {p}_req = {' || '.join(f'fsm_{u.name} == {self.code(sid)}' for sid, _, _ in states)};",
                        f"    wire {bit_range(bb)} {p}_bank = {chain};"]
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
                    f" hit {d.t_hit} / miss {d.t_miss} cycles, {d.bytes_per_cycle} B per burst"
                    + (f", {d.outstanding} requests in flight per port" if d.outstanding > 1 else ""),
                    f"    reg [{63 - rb}:0] {d.mem}_row [0:{d.banks - 1}];",
                    f"    reg {d.mem}_open [0:{d.banks - 1}];"]
        for u, d, _ in self.dram_ports():
            if d.outstanding > 1:
                continue
            p, cb = f"d_{u.name}", d.bytes_per_cycle.bit_length() - 1
            out += [f"    reg {p}_pend;   // a burst request in flight", f"    reg [15:0] {p}_cnt;",
                    f"    reg {p}_have;   // the port holds bursts {p}_last .. {p}_last_end",
                    f"    reg [{63 - cb}:0] {p}_last;", f"    reg [{63 - cb}:0] {p}_last_end;"]
        return out + self.stream_declarations()

    def dram_control(self, reset: bool) -> list[str]:
        ind = " " * 12
        if reset:
            out = [f"{ind}{d.mem}_open[{k}] <= 1'b0;" for d in self.m.dram for k in range(d.banks)]
            for u, d, _ in self.dram_ports():
                if d.outstanding == 1:
                    out += [f"{ind}d_{u.name}_pend <= 1'b0;", f"{ind}d_{u.name}_have <= 1'b0;"]
            return out + self.stream_reset()
        out = []
        for u, d, _ in self.dram_ports():
            if d.outstanding > 1:
                out += self.stream_port_control(u, d)
                continue
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
        return out + self.stream_channel()

    def status_wires(self) -> list[str]:
        m = self.m
        out = ["", "    // ---- status: the correspondence point is 'idle' (FIFO empty, units drained)",
               "    assign idle = fifo_empty && drained;",
               "    assign busy = !idle;",
               "    assign fault = fault_q;",
               "    assign fault_site = fault_site_q;",
               "    assign fault_seq = fault_seq_q;",
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
               f"            fault_site_q <= {literal(0, site_bits(m))};",
               "            fault_seq_q <= 64'd0;",
               "            retired_q <= 64'd0;",
               "            seq_q <= 64'd0;"]
        for u in m.units:
            pw = state_bits(u.queue_depth)
            out += [f"            fsm_{u.name} <= S_IDLE;",
                    f"            q_{u.name}_head <= {literal(0, pw)};",
                    f"            q_{u.name}_tail <= {literal(0, pw)};",
                    f"            q_{u.name}_count <= {literal(0, pw + 1)};"]
        out += self.dram_control(reset=True)
        out += ["        end else begin",
                "            if (dispatch) seq_q <= seq_q + 64'd1;",
                "            if (decode_fault) fault_q <= 1'b1;   // no instruction matches",
                "            if (!fault_q && f_any) begin   // the first fault: its site and command",
                "                fault_site_q <= f_site;",
                "                fault_seq_q <= f_seq;",
                "            end",
                f"            retired_q <= retired_q + {ret};"]
        for u in m.units:
            out += self.unit_block(u)
        out += self.dram_control(reset=False)
        out += ["        end", "    end"]
        return out

    def unit_block(self, u: fsmd.Unit) -> list[str]:
        n, pw = u.name, state_bits(u.queue_depth)
        one = literal(1, pw + 1)
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
        out += [f"                q_{n}_tail <= q_{n}_tail + {literal(1, pw)};", "            end",
                f"            if (pop_{n}) q_{n}_head <= q_{n}_head + {literal(1, pw)};",
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
            out.append(f"                {literal(k, state_bits(len(u.instructions)))}: begin   // {name}")
            for latch in sch.fields:
                out.append(f"                    {latch.reg} <= {field_bits(latch.field, f'qh_{n}')};")
            out += [f"                    fsm_{n} <= {self.code(sch.entry)};", "                end"]
        out += ["                default: fault_q <= 1'b1;", "                endcase", "            end"]
        return out

    def state_block(self, s: fsmd.State, n: str) -> list[str]:
        dp, ind = self.dp, " " * 20
        out = [f"                {self.code(s.id)}: begin   // {s.instruction}, {spec_loc(s.loc)}"]
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

    def fault_wires(self) -> list[str]:
        """Which fault site fires this cycle (`f_any`, `f_site`) and its command's sequence
        number (`f_seq`): a unit's failing check (units in `hls.units` order, checks in state
        order) before an undecodable FIFO head, which is younger than every command in flight."""
        m, sb = self.m, site_bits(self.m)
        units = {i: u.name for u in m.units for i in u.instructions}
        out = ["", "    // ---- fault sites (rtlgen.faults): the first fault latches its site and command"]
        fires = []
        for k, site in enumerate(fault_sites(m)):
            n = units[site.instruction]
            out.append(f"    wire f_{k} = adv_{n} && fsm_{n} == {self.code(site.state)} && !{self.dp.emit(site.cond)};"
                       f"   // {site.instruction}: {site.message}")
            fires.append((f"f_{k}", literal(site.id, sb), f"x_{n}_seq"))
        site, seq = literal(DECODE_SITE, sb), "seq_q"
        for wire, code, s in reversed(fires):
            site, seq = f"{wire} ? {code} : {site}", f"{wire} ? {s} : {seq}"
        out += [f"    wire f_any = {' || '.join([w for w, _, _ in fires] + ['decode_fault'])};",
                f"    wire {bit_range(sb)} f_site = {site};",
                f"    wire [63:0] f_seq = {seq};"]
        return out

    def sink(self) -> list[str]:
        """Bits read only in part, OR-reduced into one wire so lint sees every bit used."""
        names = ["cmd", *(f"qh_{u.name}" for u in self.m.units), *sorted(self.dp.partial, key=lambda n: (len(n), n))]
        return ["", "    // bits no logic needs (e.g. opcode bits, high bits of wide sums); kept for lint",
                f"    wire unused_bits = ^{{{', '.join(names)}}};"]
