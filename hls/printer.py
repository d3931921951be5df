"""FSMD IR as text: what each instruction becomes in hardware, for review and golden tests.

`dcsim hls --fsmd` prints `format_fsmd`; `dcsim explain` prints one instruction's
`schedule_lines`. The text is stable (tests compare it with golden files) and does not
depend on where the machine file is: positions print as `file:line:col` with the file's
base name.

Layout: the machine (command FIFO or fetch port, units, memories, DRAM timing, registers),
then every instruction in spec order: how it decodes, the fields it latches, its hazard
footprint and its states. A state is one clock cycle: everything listed in it happens in
parallel on the values registers and memories hold at the start of the cycle, then the
transition picks the next state. Each line ends with the spec position it came from.

Expressions use the Spec IR printer's spelling, every node typed. The FSMD's own leaves
print as `reg:type` (a register), `mem[index]:type` (a memory read port) and
`cmd.field:type` (an operand of the command being dispatched). A sub-expression that one
state uses in more than one place prints once, as a wire `wN = ...` named where it is used:
the Verilog datapath shares it the same way, and the unrolled datapaths (a row of MACs) stay
readable.
"""
from __future__ import annotations

from pathlib import Path

from spec import ir
from spec.printer import expr

from . import fsmd

_LEAVES = (ir.Const, fsmd.RegRef, fsmd.CmdField)     # never worth a wire: as short as a name
_LEGEND = ("# A state Sn is one clock cycle: its lines happen in parallel on start-of-cycle values, then it goes to the",
           "# next state. reg:type reads a register, mem[index]:type a memory port, cmd.field:type an operand of the",
           "# command being dispatched; wN is a wire: a value the state uses in more than one place.")


def format_fsmd(m: fsmd.Fsmd) -> str:
    """The whole FSMD: the machine, then every instruction's schedule in spec order."""
    lines = [*_LEGEND, *_render(_machine_lines(m))]
    for sch in sorted(m.schedules, key=lambda s: s.opcode_index):
        lines.append("")
        lines.extend(_render(_schedule_lines(m, sch)))
    return "\n".join(lines) + "\n"


def format_schedule(m: fsmd.Fsmd, instruction: str) -> str:
    """One instruction's schedule, as `format_fsmd` prints it."""
    return "\n".join(_render(schedule_lines(m, instruction))) + "\n"


def schedule_lines(m: fsmd.Fsmd, instruction: str) -> list[tuple]:
    """One instruction's schedule as (loc, text) pairs: each line's spec position (or None)
    kept apart from its text, for callers that show positions in their own column."""
    sch = next((s for s in m.schedules if s.instruction == instruction), None)
    if sch is None:
        raise KeyError(f"{m.machine} has no instruction '{instruction}' "
                       f"(it has {', '.join(s.instruction for s in m.schedules)})")
    return _schedule_lines(m, sch)


def _render(pairs: list) -> list[str]:
    """Text lines, each ending with its position: `file:line:col`, the file's base name only
    (no position for nodes the HLS made up)."""
    return [f"{text}  # {Path(loc.path).name}:{loc.line}:{loc.col}" if loc is not None and loc.line > 0 else text
            for loc, text in pairs]


# ------------------------------------------------------------------ machine


def _machine_lines(m: fsmd.Fsmd) -> list[tuple]:
    if m.fetch is not None:
        f = m.fetch
        npc = f", next pc in {f.npc}" if f.npc else ""
        out = [(m.loc, f"fsmd {m.machine}: a processor core, no command FIFO"),
               (f.loc, f"  fetch: {f.ilen}-byte instructions from {f.memory} at index {f.pc} - {f.base:#x}"
                       f"{npc}")]
    else:
        out = [(m.loc, f"fsmd {m.machine}: {m.command_width}-bit commands, command FIFO of {m.fifo_depth}")]
    for u in m.units:                        # a core runs one instruction at a time: no unit queue
        queue = "" if m.fetch is not None else f"queue of {u.queue_depth}, "
        out.append((u.loc, f"  unit {u.name}: {queue}instructions {', '.join(u.instructions)} (decode priority order)"))
    for x in m.memories:
        banks = "one bank" if x.banks == 1 else f"{x.banks} banks interleaving blocks of {x.bank_rows} row(s)"
        out.append((x.loc, f"  memory {x.name} holds {x.state}: {x.type}{list(x.shape)}, {x.size} elements, "
                           f"index u{x.index_width}; {_port(x)}; {x.read_ports} read(s) + {x.write_ports} "
                           f"write(s) per cycle; {banks}"))
    for d in m.dram:
        out.append((d.loc, f"  dram {d.mem}: {d.banks} banks, rows of {d.row_bytes} B, hit {d.t_hit} / miss "
                           f"{d.t_miss} cycles, {d.bytes_per_cycle} B per cycle"
                           + (f", {d.outstanding} requests in flight per port (stream prefetcher)"
                              if d.outstanding > 1 else "")))
    for r in m.registers:
        out.append((r.loc, f"  register {r.name}: {r.type} {r.kind}"))
    return out


def _port(x: fsmd.Memory) -> str:
    if x.port == "wide" and len(x.shape) > 1:
        return f"wide port: a row of {x.lanes} elements per access"
    if x.port == "wide":
        return "wide port: a burst of consecutive elements per access"
    if x.port == "full":
        return "fully partitioned into registers: any elements every cycle"
    return "element port: one element per access"


# ------------------------------------------------------------------ schedules


def _schedule_lines(m: fsmd.Fsmd, sch: fsmd.Schedule) -> list[tuple]:
    mask, value = sch.match
    out = [(sch.loc, f"instruction {sch.instruction}: unit {sch.unit}, decode (word & {mask:#x}) == {value:#x}, "
                     f"entry S{sch.entry}")]
    if sch.barrier:
        out.append((None, "  barrier: dispatches only when every unit is drained"))
    for latch in sch.fields:
        out.append((latch.field.loc, f"  latch {latch.reg} <= {_field(latch.field)}"))
    for a in sch.footprint:
        out.append((a.loc, f"  footprint: {_access(a)}"))
    wires = 0                                        # numbered on through the schedule, so no name repeats
    for s in m.states:
        if s.instruction == sch.instruction:
            lines, wires = _state_lines(s, wires)
            out.extend(lines)
    return out


def _field(f: ir.FieldDef) -> str:
    bits = ", ".join(f"{hi}:{lo}" if hi != lo else f"{hi}" for hi, lo in f.pieces)
    zeros = f" << {f.lsb_zeros}" if f.lsb_zeros else ""
    return f"{f.name}: {f.type} = word[{bits}]{zeros}"


def _access(a: fsmd.Access) -> str:
    verb = "writes" if a.write else "reads"
    if a.lo is None:
        return f"{verb} {a.state} (a register: whole)"
    rows = f"rows {_text(a.lo, {})} .. {_text(a.hi, {})}"
    return f"{verb} {a.state} {rows}" + ("" if a.exact else " (inexact: an index it cannot bound is the memory's edge)")


def _state_lines(s: fsmd.State, wires: int) -> tuple[list, int]:
    """A state's lines, its wires numbered after the `wires` earlier ones; and the new count.
    A wire belongs to its state: the same expression in another state is another cycle's value."""
    out = [(s.loc, f"  S{s.id}:")]
    names: dict = {}                                 # shared sub-expression -> wire name
    for e in _shared(list(fsmd.state_exprs(s))):
        names[e] = f"w{wires + len(names) + 1}"
        out.append((e.loc, f"    {names[e]} = {_text(e, names, top=e)}"))
    for c in s.checks:
        out.append((c.loc, f"    assert {_text(c.cond, names)}, {c.message!r}"))
    for w in s.writes:
        out.append((w.loc, f"    {w.reg} <= {_text(w.value, names)}"))
    for w in s.mem_writes:
        guard = "" if isinstance(w.guard, ir.Const) and w.guard.value else f" if {_text(w.guard, names)}"
        out.append((w.loc, f"    {w.mem}[{_text(w.index, names)}] <= {_text(w.value, names)}{guard}"))
    out.append(_transition(s.next, names))
    return out, wires + len(names)


def _transition(nxt, names: dict) -> tuple:
    if isinstance(nxt, fsmd.Goto):
        return None, f"    goto S{nxt.target}"
    if isinstance(nxt, fsmd.Branch):
        return nxt.cond.loc, f"    goto S{nxt.then} if {_text(nxt.cond, names)} else S{nxt.orelse}"
    text = "    retire"
    if nxt.halt is not None:
        return nxt.halt.loc, f"{text}, then halt with code {_text(nxt.halt, names)}"
    if nxt.env_call is not None:
        return None, f"{text}, then env_call {nxt.env_call}"
    return None, text


def _shared(roots: list) -> list:
    """The sub-expressions of `roots` that two or more different parents use (each root
    counts as a user of its own), children before parents: the ones to print as wires. A
    dict, not a set, keeps the order independent of hashing."""
    users: dict = {}
    order: list = []

    def visit(e, user):
        seen = e in users
        users.setdefault(e, {})[user] = None
        if seen:
            return
        for c in fsmd.children(e):
            visit(c, e)
        order.append(e)

    for k, root in enumerate(roots):
        visit(root, ("root", k))
    return [e for e in order if len(users[e]) > 1 and not isinstance(e, _LEAVES)]


def _text(e, names: dict, top=None) -> str:
    """`e` in the Spec IR's spelling; wires in `names` by name (except `top`, the wire
    being defined)."""
    def custom(x):
        if x is not top and x in names:
            return names[x]
        t = str(x.type)
        if isinstance(x, fsmd.RegRef):
            return f"{x.name}:{t}"
        if isinstance(x, fsmd.MemRead):
            return f"{x.mem}[{expr(x.index, custom)}]:{t}"
        if isinstance(x, fsmd.CmdField):
            return f"cmd.{x.field.name}:{t}"
        return None
    return expr(e, custom)
