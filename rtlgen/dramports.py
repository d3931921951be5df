"""The generated accelerator's DRAM ports and SRAM bank conflicts (a mixin of
`rtlgen.verilog`'s generator): per unit that touches a timed external memory, one port
with the open-row/burst timing of `hls.dram` — one request in flight, or with
`outstanding` > 1 a stream prefetcher — and the stalls of units that touch the same SRAM
bank in one cycle. Timing only: data moves in the states' own cycles."""
from __future__ import annotations

from spec import ir
from hls import fsmd
from hls.fsmd import MemRead

from .vcommon import bit_range, literal

_FALSE = "1'b0"

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


class DramPorts:
    """Expects of the generator: `m` (the FSMD), `dp` (its Datapath), `code(sid)`, `timing`."""

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
