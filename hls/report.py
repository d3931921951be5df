"""An HLS report: what each instruction costs in cycles and hardware, and where it serializes.

`report(fsmd)` returns a JSON-serialisable dict; `format_report` prints it as a table
(`dcsim hls SPEC --report`). Per instruction:

* `latency`: clock cycles (FSMD states walked) from the first state to retire, as a
  polynomial in the trip counts of its rolled loops (`n1`, `n2`, ... each named by the spec
  line of its loop): `terms` maps a product of trip counts ("1" for the constant part) to its
  coefficient. Where branches differ the longest path is taken (compared with every trip
  count large). `min` is the shortest path (every loop skipped where it can be), `max` the
  latency when the instruction has no loop, else None (trip counts come from operands at run
  time; `latency(m, instruction, trips)` evaluates the formula). Nested loops multiply (`n1*n2`).
* `loops`: per rolled loop its trip-count symbol, spec line and initiation interval `ii`
  (cycles per iteration on the longest path through its body, inner loops counted once).
* `ii`: cycles between two commands of this instruction on its unit. A unit runs one command
  at a time, so it is the latency (`ii` = `latency`).
* `resources`: the most any one state uses at once: `multipliers`, `adders` and
  `comparators` (see `_operators`; equal sub-expressions counted once, as the Verilog
  datapath shares them), and per memory the read and write port accesses (elements, rows or
  bursts, as its port moves them; 0 for a memory partitioned into registers).

Cycles are FSMD states: stalls the RTL adds at run time (a command waiting for a
conflicting unit, SRAM bank conflicts, DRAM bursts) and the dispatch cycle are not counted.

Per unit: the instructions' maxima of those resources, and the banks of the memories it uses.
`warnings`: the scheduler's notes (`fsmd.Note`): wherever control flow serializes an
unrolled loop or a memory port limits it, with the spec line.
`dram`: per timed external memory its `hls.dram` model, with `outstanding` (requests in
flight per port; the table names it when above 1).
"""
from __future__ import annotations

from pathlib import Path

from spec import ir

from . import fsmd

_BIG = 1000                      # trip counts when comparing paths: the loop-heavy path wins


# ------------------------------------------------------------ polynomials over trip counts
# {monomial: coefficient}; a monomial is a sorted tuple of loop symbols, () the constant.

def _add(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return {k: v for k, v in out.items() if v}


def _times(sym: str, a: dict) -> dict:
    return {tuple(sorted((*k, sym))): v for k, v in a.items()}


def _value(a: dict, trips) -> int:
    total = 0
    for mono, coef in a.items():
        term = coef
        for s in mono:
            term *= trips(s)
        total += term
    return total


def _key(a: dict) -> tuple:
    return (_value(a, lambda s: _BIG), sum(a.values()))


def _text(a: dict) -> str:
    if not a:
        return "0"
    parts = []
    for mono in sorted(a, key=lambda m: (len(m), m)):
        coef = a[mono]
        if not mono:
            parts.append(str(coef))
        else:
            parts.append(("" if coef == 1 else f"{coef}*") + "*".join(mono))
    return " + ".join(parts)


# ------------------------------------------------------------ the state graph of one instruction

def _successors(s: fsmd.State) -> tuple:
    n = s.next
    if isinstance(n, fsmd.Goto):
        return (n.target,)
    if isinstance(n, fsmd.Branch):
        return (n.then, n.orelse) if n.then != n.orelse else (n.then,)
    return ()


class _Graph:
    def __init__(self, m: fsmd.Fsmd, sch: fsmd.Schedule):
        self.m = m
        self.succ: dict[int, tuple] = {}
        stack = [sch.entry]
        while stack:
            sid = stack.pop()
            if sid in self.succ:
                continue
            self.succ[sid] = _successors(m.state(sid))
            stack.extend(self.succ[sid])
        self.entry = sch.entry
        self.loops = self._find_loops()                 # header -> (body set, latch states)
        order = sorted(self.loops, key=lambda h: (min(self.loops[h][0]), h))
        self.symbol = {h: f"n{k + 1}" for k, h in enumerate(order)}

    def _find_loops(self) -> dict:
        back: list[tuple] = []
        seen, on_stack = set(), set()

        def dfs(v):                                     # the graphs are small (one instruction)
            seen.add(v)
            on_stack.add(v)
            for w in self.succ[v]:
                if w in on_stack:
                    back.append((v, w))
                elif w not in seen:
                    dfs(w)
            on_stack.discard(v)

        dfs(self.entry)
        pred: dict[int, list] = {v: [] for v in self.succ}
        for v, ws in self.succ.items():
            for w in ws:
                pred[w].append(v)
        loops: dict[int, tuple] = {}
        for latch, header in back:
            body, stack = {header}, [latch]
            while stack:
                v = stack.pop()
                if v not in body:
                    body.add(v)
                    stack.extend(pred[v])
            old_body, latches = loops.get(header, (set(), ()))
            loops[header] = (old_body | body, (*latches, latch))
        return loops

    def _inner(self, header: int | None, region: set | None) -> dict:
        """The loops directly usable inside `region` (every loop except the region's own)."""
        return {h: lp for h, lp in self.loops.items() if h != header and (region is None or lp[0] <= region)}

    def longest(self, start: int, region: set | None, header: int | None) -> dict:
        """The longest path's cost from `start` until it leaves `region`, retires, or (inside a
        loop body) returns to `header`; loops met on the way count trips x their iteration."""
        inner = self._inner(header, region)
        memo: dict[int, dict] = {}
        active: set = set()                             # guards against a cycle no loop explains

        def best(v) -> dict:
            if v in memo:
                return memo[v]
            active.add(v)
            if v in inner:                              # a whole inner loop: trips x its iteration
                body, _ = inner[v]
                cost = _times(self.symbol[v], self.longest(v, body, v))
                exits = {w for b in body for w in self.succ[b] if w not in body}
            else:
                cost, exits = {(): 1}, set(self.succ[v])
            tails = [best(w) for w in sorted(exits)
                     if w != header and w not in active and (region is None or w in region)]
            active.discard(v)
            memo[v] = _add(cost, max(tails, key=_key, default={}))
            return memo[v]

        return best(start)

    def shortest(self) -> int:
        """States on the shortest path from entry to retire (every loop skipped if it can be)."""
        dist, frontier = {self.entry: 1}, [self.entry]
        while frontier:
            nxt = []
            for v in frontier:
                for w in self.succ[v]:
                    if w not in dist:
                        dist[w] = dist[v] + 1
                        nxt.append(w)
            frontier = nxt
        ends = [d for v, d in dist.items() if not self.succ[v]]
        return min(ends) if ends else 0


# ------------------------------------------------------------ resources

def _operators(s: fsmd.State) -> dict:
    """Operators one state uses, equal sub-expressions shared: multipliers (both operands
    variable; a constant factor is shifts and adds), adders (add, sub, neg) and comparators
    (compare, min, max) with a variable operand."""
    seen, counts = set(), {"multipliers": 0, "adders": 0, "comparators": 0}
    for root in fsmd.state_exprs(s):
        for node in fsmd.walk(root):
            key = fsmd.loc_free(node)
            if key in seen:
                continue
            seen.add(key)
            variable = [c for c in fsmd.children(node) if not isinstance(c, ir.Const)]
            if not variable:
                continue
            if isinstance(node, ir.Binary) and node.op == "mul":
                counts["multipliers" if len(variable) == 2 else "adders"] += 1
            elif isinstance(node, ir.Binary) and node.op in ("add", "sub") or \
                    isinstance(node, ir.Unary) and node.op == "neg":
                counts["adders"] += 1
            elif isinstance(node, ir.Compare) or isinstance(node, ir.Binary) and node.op in ("min", "max"):
                counts["comparators"] += 1
    return counts


def _ports(m: fsmd.Fsmd, s: fsmd.State) -> dict:
    reads: dict[str, set] = {}
    writes: dict[str, set] = {}
    for root in fsmd.state_exprs(s):
        for node in fsmd.walk(root):
            if isinstance(node, fsmd.MemRead):
                reads.setdefault(node.mem, set()).add(fsmd.loc_free(node.index))
    for w in s.mem_writes:
        writes.setdefault(w.mem, set()).add(fsmd.loc_free(w.index))
    out = {}
    for name in sorted(reads.keys() | writes.keys()):
        mem = m.memory(name)
        out[mem.state] = {"reads": _accesses(mem, reads.get(name, set())),
                          "writes": _accesses(mem, writes.get(name, set()))}
    return out


def _accesses(mem: fsmd.Memory, indices: set) -> int:
    if mem.port == "full":
        return 0
    if mem.port == "element":
        return len(indices)
    return len({fsmd.affine(i)[0] for i in indices})


def _max_resources(items: list) -> dict:
    out = {"multipliers": 0, "adders": 0, "comparators": 0, "memories": {}}
    for r in items:
        for k in ("multipliers", "adders", "comparators"):
            out[k] = max(out[k], r[k])
        for mem, p in r["memories"].items():
            have = out["memories"].setdefault(mem, {"reads": 0, "writes": 0})
            have["reads"] = max(have["reads"], p["reads"])
            have["writes"] = max(have["writes"], p["writes"])
    out["memories"] = dict(sorted(out["memories"].items()))
    return out


# ------------------------------------------------------------ the report

def _where(loc) -> str:
    return f"{Path(loc.path).name}:{loc.line}:{loc.col}"


def instruction_report(m: fsmd.Fsmd, sch: fsmd.Schedule) -> dict:
    g = _Graph(m, sch)
    latency = g.longest(g.entry, None, None)
    loops = []
    for h in sorted(g.loops, key=lambda h: g.symbol[h]):
        body, _ = g.loops[h]
        loops.append({"symbol": g.symbol[h], "at": _where(m.state(h).loc), "states": len(body),
                      "ii": _text(g.longest(h, body, h))})
    per_state = []
    for sid in sorted(g.succ):
        s = m.state(sid)
        per_state.append({**_operators(s), "memories": _ports(m, s)})
    return {"unit": sch.unit, "at": _where(sch.loc), "states": len(g.succ),
            "latency": {"formula": _text(latency), "terms": {"*".join(k) or "1": v for k, v in sorted(latency.items())},
                        "min": g.shortest(), "max": None if g.loops else _value(latency, lambda s: 0)},
            "ii": _text(latency), "loops": loops, "resources": _max_resources(per_state)}


def latency(m: fsmd.Fsmd, instruction: str, trips: int | dict = 1) -> int:
    """Cycles of one command of `instruction` on the longest path, every rolled loop running
    `trips` iterations (or `trips[symbol]`, symbols as `report` names them)."""
    r = instruction_report(m, m.schedule(instruction))
    poly = {tuple(k.split("*")) if k != "1" else (): v for k, v in r["latency"]["terms"].items()}
    return _value(poly, (lambda s: trips[s]) if isinstance(trips, dict) else (lambda s: trips))


def report(m: fsmd.Fsmd) -> dict:
    """The HLS report of a scheduled machine (JSON-serialisable); see the module docstring."""
    instructions = {sch.instruction: instruction_report(m, sch)
                    for sch in sorted(m.schedules, key=lambda s: s.opcode_index)}
    units = {}
    for u in m.units:
        mine = [instructions[i] for i in u.instructions]
        res = _max_resources([r["resources"] for r in mine])
        used = {mem for r in mine for mem in r["resources"]["memories"]}
        res["banks"] = {x.state: x.banks for x in m.memories if x.state in used}
        units[u.name] = {"instructions": list(u.instructions), "resources": res}
    warnings = [{"instruction": n.instruction, "kind": n.kind, "at": _where(n.loc), "message": n.message}
                for n in m.notes]
    dram = [{"memory": d.mem, "row_bytes": d.row_bytes, "t_hit": d.t_hit, "t_miss": d.t_miss,
             "bytes_per_cycle": d.bytes_per_cycle, "banks": d.banks, "outstanding": d.outstanding} for d in m.dram]
    return {"machine": m.machine, "instructions": instructions, "units": units, "dram": dram, "warnings": warnings}


def format_report(r: dict) -> str:
    """The report as a table: one row per instruction, then units, then warnings."""
    rows = [("instruction", "unit", "states", "latency (cycles)", "min", "mul", "add", "cmp", "memory ports (r/w)")]
    for name, x in r["instructions"].items():
        ports = ", ".join(f"{mem} {p['reads']}/{p['writes']}" for mem, p in x["resources"]["memories"].items())
        rows.append((name, x["unit"], str(x["states"]), x["latency"]["formula"], str(x["latency"]["min"]),
                     str(x["resources"]["multipliers"]), str(x["resources"]["adders"]),
                     str(x["resources"]["comparators"]), ports or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = [f"HLS report: {r['machine']} (latency: FSMD states per command, stalls not counted; nK = trips "
           f"of loop K; a unit runs one command at a time, so its initiation interval is the latency)"]
    out += ["  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    loops = [(name, lp) for name, x in r["instructions"].items() for lp in x["loops"]]
    if loops:
        out.append("loops:")
        out += [f"  {name} {lp['symbol']}: loop at {lp['at']}, {lp['states']} state(s), ii {lp['ii']} cycle(s) "
                f"per iteration" for name, lp in loops]
    out.append("units:")
    for name, u in r["units"].items():
        res = u["resources"]
        banks = ", ".join(f"{mem} {b}" for mem, b in res["banks"].items()) or "-"
        out.append(f"  {name}: {', '.join(u['instructions'])}; at most {res['multipliers']} multiplier(s), "
                   f"{res['adders']} adder(s), {res['comparators']} comparator(s) per cycle; banks: {banks}")
    for d in r.get("dram", []):           # shown when not the default: N = 1 reports read as before
        if d["outstanding"] > 1:
            out.append(f"dram {d['memory']}: {d['outstanding']} requests in flight per port (stream prefetcher; "
                       f"hit {d['t_hit']} / miss {d['t_miss']} cycles, stalls not counted above)")
    out.append("warnings:" if r["warnings"] else "warnings: none")
    out += [f"  {w['at']}: {w['instruction']}: {w['message']}" for w in r["warnings"]]
    return "\n".join(out) + "\n"
