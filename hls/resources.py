"""Hardware resources the scheduler assigns: memory ports (from unroll directives), banks,
units and their queues, and the DRAM timing model."""
from __future__ import annotations

import dataclasses

from spec import ir
from spec.errors import Loc, SpecError
from spec.types import IntType

from . import fsmd
from .exprutil import spec_children
from .footprint import footprint

DEFAULT_FIFO_DEPTH = 4
MAIN_UNIT = "main"          # the unit of instructions without an `hls.unit` directive


_PORT_RANK = {"element": 0, "wide": 1, "full": 2}


def port_plan(machine: ir.Machine) -> dict:
    """Memory -> (port kind, read ports), from where unrolled loop variables index it.

    A memory indexed by an unrolled variable in a column (or a 1-D memory, in its only
    index) gets a wide port: a whole row per cycle, its lanes in separate SRAMs; one indexed
    by an unrolled variable in its row index is partitioned completely (registers, e.g. the
    NPU's stationary weights). External memories always move bursts (wide). A wide memory
    has as many read ports as an unrolled loop body reads distinct rows of it (vadd's two
    source rows); everything else has one read and one write port."""
    plan: dict[str, list] = {s.name: ["wide" if s.external else "element", 1]
                             for s in machine.state if s.kind != "reg"}
    for instr in machine.instructions:
        factors = dict(instr.unroll)
        for loop in _loops(instr.body):
            if factors.get(loop.var.name, 1) <= 1:
                continue
            rows: dict[str, set] = {}
            for mem, indices, write in _accesses(loop.body):
                if mem not in plan:
                    continue
                slots = [_slots(i) for i in indices]
                if len(indices) > 1 and loop.var.slot in slots[0]:
                    kind = "full"
                elif any(loop.var.slot in sl for sl in slots):
                    kind = "wide"
                else:
                    kind = "element"
                if _PORT_RANK[kind] > _PORT_RANK[plan[mem][0]]:
                    plan[mem][0] = kind
                if not write and len(indices) > 1:
                    rows.setdefault(mem, set()).add(_shape(indices[0]))
            for mem, distinct in rows.items():
                plan[mem][1] = max(plan[mem][1], len(distinct))
    return {mem: (kind, ports if kind == "wide" else 1) for mem, (kind, ports) in plan.items()}


def _loops(stmts):
    for s in stmts:
        if isinstance(s, ir.For):
            yield s
            yield from _loops(s.body)
        elif isinstance(s, ir.If):
            yield from _loops(s.then)
            yield from _loops(s.orelse)


def _accesses(node):
    """(memory, indices, is_write) of every memory access under a statement or expression."""
    if isinstance(node, tuple):
        for x in node:
            yield from _accesses(x)
        return
    if isinstance(node, ir.StateRead) and node.indices:
        yield node.state, node.indices, False
    elif isinstance(node, ir.StateTarget) and node.indices:
        yield node.state, node.indices, True
    elif isinstance(node, ir.Load):
        yield node.mem, (node.addr,), False
    elif isinstance(node, ir.Store):
        yield node.mem, (node.addr,), True
    if dataclasses.is_dataclass(node) and not isinstance(node, (ir.Const, IntType, Loc)):
        for f in dataclasses.fields(node):
            yield from _accesses(getattr(node, f.name))


def _slots(e) -> set:
    return {n.slot for n in _spec_nodes(e) if isinstance(n, ir.SlotRef)}


def _spec_nodes(e):
    yield e
    for child in spec_children(e):
        yield from _spec_nodes(child)


def _shape(e):
    """`e` without source locations, for comparing index expressions."""
    if isinstance(e, Loc):
        return None
    if isinstance(e, tuple):
        return tuple(_shape(x) for x in e)
    if dataclasses.is_dataclass(e) and not isinstance(e, IntType):
        return (type(e).__name__,) + tuple(_shape(getattr(e, f.name)) for f in dataclasses.fields(e))
    return e


def bank_count(machine: ir.Machine, s: ir.StateElement, n: int) -> int:
    """The bank count of memory `s`: rows are interleaved over banks (bank = row mod n)."""
    row = s.size // s.shape[0]
    if n > 1 and (n & (n - 1) or row & (row - 1) or s.external):
        raise SpecError(machine.hls.loc, f"hls.banks of '{s.name}': the HLS interleaves rows over banks and needs "
                        f"a power-of-two bank count and row length (got {n} banks of {row}-element rows)"
                        + (" on an external memory" if s.external else ""),
                        "use 1, 2, 4, 8, ... banks")
    return n


def ceil_pow2(n: int) -> int:
    """The smallest power of two >= `n`, at least 2 (queue depths)."""
    return 1 << max(1, (n - 1).bit_length())


def place_schedule(machine: ir.Machine, sch: fsmd.Schedule, instr: ir.Instruction) -> fsmd.Schedule:
    """The schedule with its unit, barrier flag and hazard footprint."""
    barrier = instr.unit is None and bool(machine.hls.units)
    return dataclasses.replace(sch, unit=instr.unit or MAIN_UNIT, barrier=barrier,
                               footprint=() if machine.fetch else footprint(machine, instr))


def build_units(machine: ir.Machine, schedules: list) -> tuple:
    """The fsmd.Units: declared ones in order, then `main` if used; each with its instructions and queue depth."""
    declared = {u.name: u for u in machine.hls.units}
    names = [u.name for u in machine.hls.units]
    if any(sch.unit == MAIN_UNIT for sch in schedules) and MAIN_UNIT not in declared:
        names.append(MAIN_UNIT)
    units = []
    for name in names:
        members = tuple(sch.instruction for sch in schedules if sch.unit == name)
        if not members:
            continue
        decl = declared.get(name)
        depth = decl.queue_depth if decl else DEFAULT_FIFO_DEPTH
        units.append(fsmd.Unit(name, ceil_pow2(depth), members, decl.loc if decl else machine.loc))
    return tuple(units)


DRAM_DEFAULTS = {"row_bytes": 2048, "t_hit": 14, "t_miss": 40, "bytes_per_cycle": 16, "banks": 8, "outstanding": 1}
MAX_OUTSTANDING = 16        # request slots per DRAM port: a FIFO of countdowns, kept small


def dram_timing(machine: ir.Machine) -> tuple:
    """A timing model for each external memory, from `hls.dram` (defaults for missing keys)."""
    given = dict(machine.hls.dram)
    unknown = sorted(set(given) - set(DRAM_DEFAULTS))
    if unknown:
        raise SpecError(machine.hls.loc, f"unknown hls.dram parameter '{unknown[0]}'",
                        f"allowed: {', '.join(DRAM_DEFAULTS)}")
    p = {**DRAM_DEFAULTS, **given}
    for key in ("row_bytes", "bytes_per_cycle", "banks"):
        if p[key] < 1 or p[key] & (p[key] - 1):
            raise SpecError(machine.hls.loc, f"hls.dram {key} must be a power of two (got {p[key]})")
    if p["t_hit"] < 1 or p["t_miss"] < p["t_hit"]:
        raise SpecError(machine.hls.loc, "hls.dram needs 1 <= t_hit <= t_miss")
    n = p["outstanding"]
    if not 1 <= n <= MAX_OUTSTANDING or n & (n - 1):
        raise SpecError(machine.hls.loc, f"hls.dram outstanding must be a power of two from 1 to {MAX_OUTSTANDING} "
                        f"(got {n})", "requests in flight per DRAM port: 1, 2, 4, 8 or 16")
    return tuple(fsmd.DramTiming(s.name, p["row_bytes"], p["t_hit"], p["t_miss"], p["bytes_per_cycle"],
                                 p["banks"], s.loc, n)
                 for s in machine.state if s.kind == "mem" and s.external and len(s.shape) == 1)
