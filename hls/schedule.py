"""Spec IR -> FSMD IR: a simple, correct scheduler.

Each instruction goes to its `hls.unit` (or `main`), gets a hazard footprint
(`footprint.py`), and is scheduled into the states its unit's FSM walks through. Each instruction body is executed symbolically:
straight-line statements accumulate into the open state (an environment maps every
register to its new value in terms of start-of-state values) until a memory port runs
out, a memory is read after being written, or control flow needs a new state. Then:

* a memory port reads (writes) one element, one row, or one burst per state, as its
  `Memory.port` says (see `resources.port_plan`): a state reads at most `read_ports` distinct
  elements/rows/bursts of a memory and writes at most `write_ports`; a statement that needs
  more latches the extra reads into temporary registers in earlier states; a read after a
  write of the same memory in one state is allowed only when it provably names another
  element (same base, different constant offset), else the state splits;
* `for` loops with an `hls.unroll` factor F are unrolled: a loop with a static trip count
  <= F becomes F copies of its body with the loop variable a constant (a DIM-wide row
  datapath for the NPU's COMPUTE); otherwise each state runs F iterations, copy i guarded
  by `var + i < stop`;
* `for` loops become counters: the entry state sets the counter and tests it, the last
  body state increments it and branches back; one iteration per cycle when the body fits;
* `if` without loops inside is if-converted (muxes, guarded memory writes) when it fits in
  one state, otherwise it becomes a branch. A cell both branches write once becomes one
  write of a select (one write port, not two), so `if c: m[i] = x else: m[i] = y` costs what
  `m[i] = x if c else y` does;
* memory accesses are compared without their source positions (`fsmd.loc_free`): `a[o, j]`
  spelled twice in a statement, or once in each branch, is one port access, so how the spec
  writes a choice does not change the schedule. Registers an if-converted `if` assigns merge
  in program order (never set order: the generated text must not depend on the hash seed).

Where an unrolled loop still serializes (an `if` that must branch, a memory port that runs
out) the scheduler records a `fsmd.Note` with the spec line; `hls.report` lists them.

Processors (a `fetch` machine) get one unit whose FSM starts each instruction from a fetch
state (see `fsmd.FetchPort`): `pc` reads the pc register, a jump sets the next pc
(`fetch_npc`, pc + ilen by default), the retiring state commits it; `halt(...)` and
`env_call(...)` must end an instruction and become stops on its `Retire`; every memory access
gets a bounds check (an out-of-range index faults, as in the functional model, instead of
wrapping); register files get two read ports.

Memories get their `hls.banks` (blocks of `bank_rows` rows interleaved over banks; the
Verilog stalls a unit on a bank conflict) and external memories a DRAM timing model from
`hls.dram`.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from spec import ir
from spec.encoding import match_mask
from spec.errors import Loc, SpecError
from spec.types import U1, IntType

from . import fsmd
from .exprutil import (TRUE_U1, add_expr, and_expr, cast_expr, collect_mem_reads, const_expr, expand_loads, fold,
                       index_bits, map_children, mul_expr, not_expr, replace_expr, replace_slot, truth)
from .resources import (DEFAULT_FIFO_DEPTH, bank_count, build_units, ceil_pow2, dram_timing, place_schedule,
                        port_plan)
from .fsmd import MemRead, RegRef
from .ifconvert import IfConversion, NeedSplit, distinct_cells

REGFILE_READ_PORTS = 2      # a processor's register files: 2R1W, so rs1 and rs2 read in one cycle
NPC = "fetch_npc"           # a processor's next-pc register (pc + ilen unless a jump sets it)


@dataclass
class _Open:
    """The state being built."""
    id: int
    loc: Loc
    env: dict = field(default_factory=dict)          # register -> value (FSMD expr)
    reads: dict = field(default_factory=dict)        # memory -> set of port keys read
    writes: dict = field(default_factory=dict)       # memory -> set of port keys written
    cells: dict = field(default_factory=dict)        # memory -> list of affine indices written
    mem_writes: list = field(default_factory=list)
    checks: list = field(default_factory=list)

    def copy(self) -> "_Open":
        return _Open(self.id, self.loc, dict(self.env), {k: set(v) for k, v in self.reads.items()},
                     {k: set(v) for k, v in self.writes.items()}, {k: list(v) for k, v in self.cells.items()},
                     list(self.mem_writes), list(self.checks))

    def empty(self) -> bool:
        return not (self.env or self.reads or self.writes or self.checks)


# ------------------------------------------------------------ small IR builders


class _Machine:
    """What scheduling one machine shares across its instructions."""

    def __init__(self, machine: ir.Machine):
        self.machine = machine
        self.states: dict[int, fsmd.State] = {}
        self.next_id = 1
        self.registers: dict[str, fsmd.Register] = {}
        self.memories: dict[str, fsmd.Memory] = {}
        banks = dict(machine.hls.banks)
        ports = port_plan(machine)
        for s in machine.state:
            if s.kind == "reg":
                self.registers[f"s_{s.name}"] = fsmd.Register(f"s_{s.name}", s.type, "state", s.loc)
            else:
                port, read_ports = ports.get(s.name, ("element", 1))
                if machine.fetch is not None and s.kind == "regfile":
                    read_ports = REGFILE_READ_PORTS
                row = s.size // s.shape[0]
                wide_rows = port == "wide" and len(s.shape) > 1
                self.memories[s.name] = fsmd.Memory(
                    f"s_{s.name}", s.name, s.type, s.shape, s.size, index_bits(s.size),
                    bank_count(machine, s, banks.get(s.name, 1)), read_ports, 1, s.loc, port,
                    row if wide_rows else s.size if port == "full" else 1,
                    row if wide_rows else 1)
        self.by_rtl = {x.name: x for x in self.memories.values()}
        self.notes: dict = {}                  # (instruction, kind, message, loc) -> fsmd.Note, in order

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def register(self, name: str, t: IntType, kind: str, loc: Loc) -> str:
        if name not in self.registers:
            self.registers[name] = fsmd.Register(name, t, kind, loc)
        return name


class _InstrScheduler(IfConversion):
    def __init__(self, m: _Machine, instr: ir.Instruction):
        self.m, self.instr = m, instr
        self.prefix = instr.name.lower()
        self.slots: dict[int, tuple] = {}            # slot -> (name, type, kind)
        for i, f in enumerate(instr.operands):
            self.slots[i] = (f.name, f.type, "field")
        for s in instr.body:
            self._collect_slots(s)
        self.ntemps = 0
        self.open: _Open | None = None
        self.guard = None
        self.no_split = False
        self.misfit: str | None = None       # why the last statement did not fit the open state
        self.unrolled: list = []             # the unrolled loops (ir.For) around the statement being scheduled

    # ---------------------------------------------------------- bookkeeping
    def _collect_slots(self, node):
        if isinstance(node, (ir.SlotRef, ir.SlotTarget)):
            self.slots.setdefault(node.slot, (node.name, node.type, "local"))
        if isinstance(node, ir.For):
            self.slots[node.var.slot] = (node.var.name, node.var.type, "loop")
        if dataclasses.is_dataclass(node) and not isinstance(node, (ir.Const, IntType, Loc)):
            for f in dataclasses.fields(node):
                value = getattr(node, f.name)
                for v in (value if isinstance(value, tuple) else (value,)):
                    if dataclasses.is_dataclass(v):
                        self._collect_slots(v)

    def slot_reg(self, slot: int, loc: Loc) -> str:
        name, t, kind = self.slots[slot]
        return self.m.register(f"{self.prefix}_{name}", t, kind, loc)

    def temp(self, t: IntType, loc: Loc) -> ir.SlotRef:
        """A fresh temporary register: t0, t1, ... skipping names the spec's fields, locals and
        loop variables already use (they share the register namespace <instr>_<name>)."""
        slot = self.instr.nslots + self.ntemps
        self.ntemps += 1
        taken = {name for name, _, _ in self.slots.values()}
        k = self.ntemps - 1
        while f"t{k}" in taken:
            k += 1
        self.slots[slot] = (f"t{k}", t, "temp")
        return ir.SlotRef(f"t{k}", slot, t, loc)

    def env_get(self, reg: str):
        return self.open.env.get(reg) or RegRef(reg, self.m.registers[reg].type, self.m.registers[reg].loc)

    def note(self, kind: str, message: str, loc: Loc):
        """Record why an unrolled loop takes more cycles than one per iteration (only inside one)."""
        if self.unrolled and not self.no_split:
            loop = self.unrolled[-1]
            text = f"{message} (in the loop over '{loop.var.name}' unrolled at {Path(loop.loc.path).name}:{loop.loc.line})"
            self.m.notes.setdefault((self.instr.name, kind, text, loc), fsmd.Note(self.instr.name, kind, text, loc))

    # ---------------------------------------------------------- states
    def start(self, sid: int, loc: Loc):
        self.open = _Open(sid, loc)

    def close(self, nxt):
        o = self.open
        writes = tuple(fsmd.RegWrite(r, v, v.loc) for r, v in o.env.items()
                       if not (isinstance(v, RegRef) and v.name == r))
        self.m.states[o.id] = fsmd.State(o.id, self.instr.name, writes, tuple(o.mem_writes), tuple(o.checks),
                                         nxt, o.loc)
        self.open = None

    def split(self, loc: Loc):
        nid = self.m.new_id()
        self.close(fsmd.Goto(nid))
        self.start(nid, loc)

    def run(self) -> fsmd.Schedule:
        entry = self.m.new_id()
        self.start(entry, self.instr.loc)
        fetch = self.m.machine.fetch
        body, last = self.instr.body, None
        if fetch is not None:
            pc = self.m.registers[f"s_{fetch.pc}"]
            self.m.register(NPC, pc.type, "temp", fetch.loc)
            next_pc = add_expr(RegRef(pc.name, pc.type, pc.loc), const_expr(fetch.ilen), fetch.loc)
            self.open.env[NPC] = cast_expr(next_pc, pc.type, fetch.loc)
            if body and isinstance(body[-1], (ir.Halt, ir.EnvCall)):
                body, last = body[:-1], body[-1]
        self.block(body)
        self.close(self._retire(last))
        latches = tuple(fsmd.FieldLatch(f"{self.prefix}_{f.name}", f) for f in self.instr.operands
                        if f"{self.prefix}_{f.name}" in self.m.registers)
        return fsmd.Schedule(self.instr.name, self.instr.opcode_index, match_mask(self.instr), latches,
                             entry, self.instr.loc)

    def _retire(self, last) -> fsmd.Retire:
        """The final transition; a processor commits its next pc (and stops on halt/env_call)."""
        fetch = self.m.machine.fetch
        if fetch is None:
            return fsmd.Retire()
        halt = None
        if isinstance(last, ir.Halt):
            (halt,) = self.prepare([last.code], None, last.loc)
        self.open.env[f"s_{fetch.pc}"] = self.env_get(NPC)
        return fsmd.Retire(halt=halt, env_call=last.kind if isinstance(last, ir.EnvCall) else None)

    # ---------------------------------------------------------- expressions
    def subst(self, e):
        """Spec expression -> FSMD expression over start-of-state values (pure)."""
        if isinstance(e, ir.SlotRef):
            return self.env_get(self.slot_reg(e.slot, e.loc))
        if isinstance(e, ir.StateRead):
            element = self.m.machine.state_element(e.state)
            if element.kind == "reg":
                return self.env_get(f"s_{e.state}")
            mem = self.m.memories[e.state]
            return MemRead(mem.name, self.flat_index(element, [self.subst(i) for i in e.indices], e.loc),
                           e.type, e.loc)
        if isinstance(e, ir.PcRead) and self.m.machine.fetch is not None:
            pc = self.m.registers[f"s_{self.m.machine.fetch.pc}"]
            return RegRef(pc.name, pc.type, pc.loc)
        if isinstance(e, ir.PcRead):
            raise SpecError(e.loc, "the HLS does not support reading pc",
                            "the HLS builds queue machines (accelerators); processors are not supported yet")
        return fold(map_children(e, self.subst))

    def flat_index(self, element: ir.StateElement, indices: list, loc: Loc):
        """Row-major flat index, unsigned, `index_bits(size)` wide (in-range indices keep their value)."""
        flat = fold(cast_expr(indices[0], IntType(False, index_bits(element.shape[0])), loc))
        for i, d in zip(indices[1:], element.shape[1:]):
            flat = fold(add_expr(fold(mul_expr(flat, const_expr(d), loc)),
                                 fold(cast_expr(i, IntType(False, index_bits(d)), loc)), loc))
        return fold(cast_expr(flat, IntType(False, index_bits(element.size)), loc))

    def port_key(self, mem: fsmd.Memory, index):
        """What one port access of `mem` at `index` occupies: the element, or for a wide port
        the row/burst (the index without its constant offset); None for a full partition."""
        if mem.port == "full":
            return None
        index = fsmd.loc_free(index)             # one element however often the spec spells it
        return index if mem.port == "element" else fsmd.affine(index)[0]

    def prepare(self, exprs: list, write: ir.StateTarget | None, loc: Loc) -> list:
        """Substitute a statement's expressions, making room for its memory accesses. With
        `write` (a memory target), the first expressions are the indices it writes."""
        exprs = self.hoist([expand_loads(e) for e in exprs], loc)
        values = [self.subst(e) for e in exprs]
        if not self.fits(values, write):
            if self.no_split:
                raise NeedSplit
            self.note("port", self.misfit or "the statement does not fit the open cycle", loc)
            self.split(loc)
            values = [self.subst(e) for e in exprs]
        for v in values:
            for node in fsmd.walk(v):
                if isinstance(node, MemRead):
                    key = self.port_key(self.m.by_rtl[node.mem], node.index)
                    if key is not None:
                        self.open.reads.setdefault(node.mem, set()).add(key)
        return values

    def hoist(self, exprs: list, loc: Loc) -> list:
        """Latch extra reads of a memory into temporaries until each memory's reads fit its ports."""
        mems = {name for name in self.m.memories}
        while True:
            reads: list = []
            for e in exprs:
                collect_mem_reads(e, mems, reads)
            by_mem: dict[str, dict] = {}
            for r in reads:
                mem = self.m.memories[r.state]
                if mem.port == "full":
                    continue
                key = self.port_key(mem, self.subst(r).index)
                by_mem.setdefault(r.state, {}).setdefault(key, r)
            extra = next((next(iter(keys.values())) for name, keys in by_mem.items()
                          if len(keys) > self.m.memories[name].read_ports), None)
            if extra is None:
                return exprs
            t = self.temp(extra.type, extra.loc)
            mem = self.m.memories[extra.state]
            self.note("port", f"'{extra.state}' is read at more distinct {_unit(mem)}s than its {mem.read_ports} "
                      f"read port(s) give per cycle: a read is latched into a temporary a cycle earlier", extra.loc)
            self.stmt_Assign(ir.Assign(ir.SlotTarget(t.name, t.slot, t.type, extra.loc), extra, extra.loc))
            exprs = [replace_expr(e, extra, t) for e in exprs]

    def fits(self, values: list, write: ir.StateTarget | None) -> bool:
        """Whether a statement's values (and its write) fit the open state; if not, why in `misfit`."""
        self.misfit = None
        o = self.open
        reads = {k: set(v) for k, v in o.reads.items()}
        for v in values:
            for node in fsmd.walk(v):
                if not isinstance(node, MemRead):
                    continue
                mem = self.m.by_rtl[node.mem]
                cell = fsmd.affine(fsmd.loc_free(node.index))
                if any(not distinct_cells(cell, w, mem.size // mem.shape[0]) for w in o.cells.get(node.mem, ())):
                    self.misfit = f"'{mem.state}' may be read where this cycle writes it: the read waits a cycle"
                    return False                 # it may read what this state writes
                key = self.port_key(mem, node.index)
                if key is not None:
                    reads.setdefault(node.mem, set()).add(key)
                    if len(reads[node.mem]) > mem.read_ports:
                        self.misfit = (f"'{mem.state}' is read at more distinct {_unit(mem)}s than its "
                                       f"{mem.read_ports} read port(s) give per cycle")
                        return False
        if write is None:
            return True
        mem = self.m.memories[write.state]
        element = self.m.machine.state_element(write.state)
        key = self.port_key(mem, self.flat_index(element, values[:len(write.indices)], write.loc))
        if key is None or len(o.writes.get(mem.name, set()) | {key}) <= mem.write_ports:
            return True
        self.misfit = (f"'{mem.state}' is written at more distinct {_unit(mem)}s than its {mem.write_ports} "
                       f"write port(s) give per cycle")
        return False

    # ---------------------------------------------------------- statements
    def block(self, stmts: tuple):
        for s in stmts:
            self.stmt(s)

    def stmt(self, s):
        handler = getattr(self, f"stmt_{type(s).__name__}", None)
        processor = self.m.machine.fetch is not None
        if processor and isinstance(s, (ir.Halt, ir.EnvCall)):
            what = "halt(...)" if isinstance(s, ir.Halt) else "env_call(...)"
            raise SpecError(s.loc, f"the HLS supports '{what}' only as the last statement of an instruction",
                            "the core stops at the instruction boundary after it; move it to the end of the "
                            "semantics (outside any 'if' or 'for')")
        if processor and handler is not None:
            for check in self.bounds_checks(s):
                self.stmt_Assert(check)
        if handler is None:
            what = {"Halt": "halt(...)", "EnvCall": "env_call(...)", "Jump": "assignment to pc"}.get(
                type(s).__name__, type(s).__name__)
            raise SpecError(s.loc, f"the HLS does not support '{what}' statements",
                            "the HLS builds queue machines (accelerators); processors are not supported yet")
        handler(s)

    def stmt_Jump(self, s: ir.Jump):
        if self.m.machine.fetch is None:
            raise SpecError(s.loc, "the HLS does not support 'assignment to pc' statements",
                            "only fetch machines (processors) have a pc")
        (target,) = self.prepare([s.target], None, s.loc)
        npc = self.m.registers[NPC]
        target = cast_expr(target, npc.type, s.loc)
        if self.guard is not None:
            target = ir.Select(self.guard, target, self.env_get(NPC), npc.type, s.loc)
        self.open.env[NPC] = target

    def bounds_checks(self, s) -> list:
        """Processors: asserts that every memory access of statement `s` is inside its memory
        (the functional model faults on an out-of-range index; the RTL must not wrap). A
        statement's checks come before any of its writes."""
        roots = (s.cond,) if isinstance(s, ir.If) else (s.start, s.stop) if isinstance(s, ir.For) else s
        out = []                               # (the statements of a block are checked one by one)
        for mem, indices, nbytes in _indexed(roots):
            element = self.m.machine.state_element(mem)
            if nbytes:                         # load()/store(): nbytes elements from addr
                (addr,) = indices
                last = add_expr(addr, const_expr(nbytes - 1), s.loc)
                conds = [ir.Compare("ge", addr, const_expr(0), U1, s.loc),
                         ir.Compare("lt", last, const_expr(element.size), U1, s.loc)]
            else:
                conds = [c for i, d in zip(indices, element.shape) for c in
                         (ir.Compare("ge", i, const_expr(0), U1, s.loc), ir.Compare("lt", i, const_expr(d), U1, s.loc))
                         if not _always(c)]
            for cond in conds:
                if not _always(cond):
                    out.append(ir.Assert(cond, f"index of '{mem}' out of range", s.loc))
        return out

    def stmt_Assign(self, s: ir.Assign):
        t = s.target
        if isinstance(t, ir.SlotTarget):
            (value,) = self.prepare([s.value], None, s.loc)
            self.open.env[self.slot_reg(t.slot, t.loc)] = value
            return
        element = self.m.machine.state_element(t.state)
        if element.kind == "reg":
            (value,) = self.prepare([s.value], None, s.loc)
            self.open.env[f"s_{t.state}"] = value
            return
        *indices, value = self.prepare([*t.indices, s.value], t, s.loc)
        mem = self.m.memories[t.state]
        index = self.flat_index(element, indices, t.loc)
        guard = self.guard
        if element.zero_index is not None:
            guard = and_expr(guard, ir.Compare("ne", index, const_expr(element.zero_index, index.type), U1, t.loc))
        if isinstance(guard, ir.Const) and not guard.value:
            return                               # an unrolled copy that never writes
        self.open.mem_writes.append(fsmd.MemWrite(mem.name, index, value, guard or TRUE_U1, s.loc))
        key = self.port_key(mem, index)
        if key is not None:
            self.open.writes.setdefault(mem.name, set()).add(key)
        self.open.cells.setdefault(mem.name, []).append(fsmd.affine(fsmd.loc_free(index)))

    def stmt_Assert(self, s: ir.Assert):
        (cond,) = self.prepare([s.cond], None, s.loc)
        cond = truth(cond)
        if self.guard is not None:
            cond = ir.Logic("or", not_expr(self.guard), cond, U1, s.loc)
        self.open.checks.append(fsmd.Check(cond, s.message, s.loc))

    def stmt_Store(self, s: ir.Store):
        addr, value = s.addr, s.value
        if s.nbytes > 1:
            addr, value = self.temp(addr.type, s.loc), self.temp(value.type, s.loc)
            for t, e in ((addr, s.addr), (value, s.value)):
                self.stmt_Assign(ir.Assign(ir.SlotTarget(t.name, t.slot, t.type, s.loc), e, s.loc))
        bits = cast_expr(value, IntType(False, 8 * s.nbytes), s.loc)      # the low 8n bits, little-endian
        u8 = IntType(False, 8)
        for k in range(s.nbytes):
            index = add_expr(addr, const_expr(k), s.loc) if k else addr
            byte = ir.Slice(bits, 8 * k + 7, 8 * k, u8, s.loc)
            self.stmt_Assign(ir.Assign(ir.StateTarget(s.mem, (index,), u8, s.loc), byte, s.loc))

    def stmt_For(self, s: ir.For):
        if self.no_split:
            raise NeedSplit
        factor = dict(self.instr.unroll).get(s.var.name, 1)
        start, stop = self.prepare([s.start, s.stop], None, s.loc)
        if isinstance(start, ir.Const) and isinstance(stop, ir.Const) and stop.value <= start.value:
            return                        # never runs (range(3, 1)): no states, as the functional models skip it
        if factor > 1 and isinstance(start, ir.Const) and isinstance(stop, ir.Const) \
                and stop.value - start.value <= factor:
            self.unrolled.append(s)
            for k in range(start.value, stop.value):          # fully unrolled: no loop state
                self.block(replace_slot(s.body, s.var.slot, ir.Const(k, s.var.type, s.var.loc)))
            self.unrolled.pop()
            return
        var = self.slot_reg(s.var.slot, s.var.loc)
        if not isinstance(stop, ir.Const):
            t = self.temp(stop.type, s.loc)
            self.open.env[self.slot_reg(t.slot, s.loc)] = stop
            stop_ref = RegRef(self.slot_reg(t.slot, s.loc), stop.type, s.loc)
            stop_spec = t
        else:
            stop_ref = stop_spec = stop
        self.open.env[var] = cast_expr(start, s.var.type, s.loc)
        body, exit_ = self.m.new_id(), self.m.new_id()
        self.close(self._branch(ir.Compare("lt", start, stop, U1, s.loc), body, exit_))
        self.start(body, s.loc)
        outer_unrolled = self.unrolled
        self.unrolled = [] if factor == 1 else [*outer_unrolled, s]      # a rolled loop: one iteration per pass
        self.block(s.body)
        for k in range(1, factor):        # partly unrolled: copy k runs iteration var + k if it exists
            ref = ir.SlotRef(s.var.name, s.var.slot, s.var.type, s.var.loc)
            at = add_expr(ref, const_expr(k), s.loc)
            copy = replace_slot(s.body, s.var.slot, cast_expr(at, s.var.type, s.loc))
            self.stmt_If(ir.If(ir.Compare("lt", at, stop_spec, U1, s.loc), copy, (), s.loc))
        self.unrolled = outer_unrolled
        nxt = add_expr(self.env_get(var), const_expr(factor), s.loc)
        self.open.env[var] = cast_expr(nxt, s.var.type, s.loc)
        self.close(self._branch(ir.Compare("lt", nxt, stop_ref, U1, s.loc), body, exit_))
        self.start(exit_, s.loc)

    @staticmethod
    def _branch(cond, then: int, orelse: int):
        if isinstance(cond.a, ir.Const) and isinstance(cond.b, ir.Const) and cond.op == "lt":
            return fsmd.Goto(then if cond.a.value < cond.b.value else orelse)
        return fsmd.Branch(cond, then, orelse)

def _unit(mem: fsmd.Memory) -> str:
    """What one port access of `mem` covers."""
    if mem.port == "element":
        return "element"
    return "row" if len(mem.shape) > 1 else "burst"


def _indexed(node):
    """(memory, indices, nbytes) of the memory accesses of one statement (nbytes: 0 for an
    indexed read or write, n for load()/store() of n bytes), not looking into nested blocks."""
    if isinstance(node, tuple):
        for x in node:
            yield from _indexed(x)
        return
    if isinstance(node, (ir.If, ir.For)):
        return
    if isinstance(node, ir.Load):
        yield node.mem, (node.addr,), node.nbytes
    elif isinstance(node, ir.Store):
        yield node.mem, (node.addr,), node.nbytes
    elif isinstance(node, (ir.StateRead, ir.StateTarget)) and node.indices:
        yield node.state, node.indices, 0
    if dataclasses.is_dataclass(node) and not isinstance(node, (ir.Const, IntType, Loc, ir.FieldDef)):
        for f in dataclasses.fields(node):
            yield from _indexed(getattr(node, f.name))


def _always(c: ir.Compare) -> bool:
    """Whether `0 <= e` or `e < n` holds for every value of e's type."""
    t = c.a.type
    lo = -(1 << (t.width - 1)) if t.signed else 0
    hi = (1 << (t.width - 1)) - 1 if t.signed else (1 << t.width) - 1
    n = c.b.value
    return lo >= n if c.op == "ge" else hi < n


# ------------------------------------------------------------ machine level

def schedule_machine(machine: ir.Machine) -> fsmd.Fsmd:
    """Schedule every instruction of a machine into FSMD units (a processor: one unit, `main`,
    whose instructions start from the fetch state)."""
    m = _Machine(machine)
    schedules = [place_schedule(machine, _InstrScheduler(m, instr).run(), instr) for instr in machine.instructions]
    schedules.sort(key=lambda sch: -bin(sch.match[0]).count("1"))
    states = tuple(m.states[i] for i in range(1, m.next_id))
    registers = _live_registers(m.registers, states, schedules)
    states = tuple(dataclasses.replace(st, writes=tuple(w for w in st.writes if w.reg in registers))
                   for st in states)
    schedules = [dataclasses.replace(sch, fields=tuple(f for f in sch.fields if f.reg in registers))
                 for sch in schedules]
    depth = ceil_pow2(max((u.queue_depth for u in machine.hls.units), default=DEFAULT_FIFO_DEPTH))
    fetch = _fetch_port(machine, m, registers)
    width = machine.queue.width if fetch is None else 8 * fetch.ilen
    return fsmd.Fsmd(machine.name, machine.digest, machine.path, width, depth,
                     tuple(registers.values()), tuple(m.memories.values()), tuple(schedules), states, machine.loc,
                     build_units(machine, schedules), dram_timing(machine), fetch, tuple(m.notes.values()))


def _fetch_port(machine: ir.Machine, m: _Machine, registers: dict):
    f = machine.fetch
    if f is None:
        return None
    element = machine.state_element(f.memory)
    if element.type.width != 8 or element.type.signed or len(element.shape) != 1:
        raise SpecError(f.loc, f"the HLS fetches instructions from a 1-D u8 memory; '{f.memory}' is "
                        f"{element.type}{list(element.shape)}", "declare the fetch memory as {mem: u8, shape: [N]}")
    return fsmd.FetchPort(f"s_{f.pc}", NPC if NPC in registers else "", m.memories[f.memory].name,
                          f.base, f.ilen, f.loc)


def _live_registers(registers: dict, states: tuple, schedules: list) -> dict:
    """State registers, and every other register some state reads (dead locals are dropped)."""
    read = set()
    for st in states:
        for root in fsmd.state_exprs(st):
            read.update(n.name for n in fsmd.walk(root) if isinstance(n, RegRef))
    return {name: r for name, r in registers.items() if r.kind == "state" or name in read}
