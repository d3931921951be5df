"""Finding a fetch machine's basic blocks in memory, for the native translator.

Nothing here knows an instruction set: instructions are decoded with the spec's decoder,
and what ends a block is read from each instruction's IR (a `pc = ...` jump, a halt, an
env_call). A jump's target is *static* when it depends only on the instruction's fields
and pc (a branch, `jal`); it is then evaluated here, once, with the Python reference's
own expression semantics (`interp.InstructionCompiler`), so the C code can chain straight
to the target block. Other targets (`jalr`) are *indirect*: found at run time.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spec import ir
from spec.encoding import Decoder

from .cgen_ir import walk
from .interp import ExecContext, InstructionCompiler

MAX_BLOCK = 48            # instructions per block: bounds the C per block and the stop granularity


@dataclass(frozen=True)
class InstrInfo:
    """What the translator needs to know about one instruction kind, read from its IR."""
    jumps: bool               # may set pc
    ends: bool                # ends a block: may jump, halt or call the host
    host: bool                # may call the host (env_call, or a store to the watched fetch memory)
    stores_code: bool         # stores into the fetch memory (code may change: checked at run time)


def instr_info(machine: ir.Machine, instr: ir.Instruction) -> InstrInfo:
    nodes = [n for s in instr.body for n in walk(s)]
    jumps = any(isinstance(n, ir.Jump) for n in nodes)
    halts = any(isinstance(n, ir.Halt) for n in nodes)
    env = any(isinstance(n, ir.EnvCall) for n in nodes)
    stores = any(isinstance(n, ir.Store) and n.mem == machine.fetch.memory for n in nodes)
    return InstrInfo(jumps, jumps or halts or env, env or stores, stores)


@dataclass
class Block:
    start: int
    pcs: list = field(default_factory=list)           # pc of each instruction
    instrs: list = field(default_factory=list)        # (ir.Instruction, operands) per instruction
    successors: list = field(default_factory=list)    # pcs the last instruction may continue at, when static
    indirect: bool = False                            # the last instruction may jump to a computed pc


class StaticTargets:
    """Evaluates jump targets that depend only on fields and pc."""

    def __init__(self, machine: ir.Machine):
        self.machine = machine
        pc = machine.state_element(machine.fetch.pc)
        self.pc_array = np.zeros(1, dtype=np.uint64)
        self.pc_mask = pc.type.mask
        self.compiler = InstructionCompiler(machine, {machine.fetch.pc: self.pc_array}, ExecContext())
        self._plans: dict[str, list | None] = {}

    def plan(self, instr: ir.Instruction):
        """(slot assignments to evaluate first, jump target expressions), or None if a target
        reads state (an indirect jump)."""
        if instr.name in self._plans:
            return self._plans[instr.name]
        assigns: dict[int, list] = {}
        for s in instr.body:
            for n in walk(s):
                if isinstance(n, ir.Assign) and isinstance(n.target, ir.SlotTarget):
                    assigns.setdefault(n.target.slot, []).append(n.value)
        nops = len(instr.operands)
        order: list[tuple[int, object]] = []

        def pure(e, seen: frozenset) -> bool:
            for n in walk(e):
                if isinstance(n, (ir.StateRead, ir.Load)):
                    return False
                if isinstance(n, ir.SlotRef) and n.slot >= nops:
                    values = assigns.get(n.slot, [])
                    if len(values) != 1 or n.slot in seen or not pure(values[0], seen | {n.slot}):
                        return False
                    if all(slot != n.slot for slot, _ in order):
                        order.append((n.slot, self.compiler.expr(values[0])))
            return True

        targets = [n.target for s in instr.body for n in walk(s) if isinstance(n, ir.Jump)]
        plan = None
        if all(pure(t, frozenset()) for t in targets):
            plan = (order, [self.compiler.expr(t) for t in targets])
        self._plans[instr.name] = plan
        return plan

    def targets(self, instr: ir.Instruction, operands: tuple, pc: int) -> list[int] | None:
        plan = self.plan(instr)
        if plan is None:
            return None
        order, exprs = plan
        frame = [*operands, *([0] * (instr.nslots - len(operands)))]
        self.pc_array[0] = pc
        for slot, fn in order:
            frame[slot] = fn(frame)
        return [fn(frame) & self.pc_mask for fn in exprs]


class BlockFinder:
    """Basic blocks reachable from some leaders, decoded from a snapshot of the fetch memory."""

    def __init__(self, machine: ir.Machine, memory: np.ndarray):
        self.m, self.f = machine, machine.fetch
        self.mem = memory.reshape(-1)
        self.decoder = Decoder(machine)
        self.info = {i.name: instr_info(machine, i) for i in machine.instructions}
        self.static = StaticTargets(machine)
        self.pc_mask = machine.state_element(self.f.pc).type.mask

    def decode(self, pc: int):
        i = pc - self.f.base
        if i < 0 or i + self.f.ilen > self.mem.size:
            return None
        word = int.from_bytes(self.mem[i:i + self.f.ilen].tobytes(), "little")
        d = self.decoder.decode(word)
        return None if d is None else (d.instr, d.operands)

    def find(self, leaders) -> dict[int, Block]:
        blocks: dict[int, Block] = {}
        work = [pc & self.pc_mask for pc in leaders]
        starts = set(work)
        while work:
            start = work.pop()
            if start in blocks:
                continue
            block = self.block_at(start)
            if block is None:
                continue
            blocks[start] = block
            for pc in block.successors:
                if pc not in starts:
                    starts.add(pc)
                    work.append(pc)
        return blocks

    def block_at(self, start: int) -> Block | None:
        b, pc = Block(start), start
        while len(b.pcs) < MAX_BLOCK:
            # Straight-line code runs on past the start of another block (the blocks overlap, the
            # shared tail is translated twice): a jump into the middle of a straight run, e.g. a loop
            # head after its preheader, then pays one block's budget test and counter, not two.
            d = self.decode(pc)
            if d is None:                            # illegal or outside memory: the interpreter faults there
                b.successors = [pc] if b.pcs else []
                break
            instr, operands = d
            b.pcs.append(pc)
            b.instrs.append(d)
            nxt = (pc + self.f.ilen) & self.pc_mask
            if self.info[instr.name].ends:
                targets = self.static.targets(instr, operands, pc) if self.info[instr.name].jumps else []
                b.indirect = targets is None
                # the next instruction is a successor (a branch not taken) or a return address
                b.successors = list(dict.fromkeys([nxt, *(targets or [])]))
                break
            pc = nxt
        else:
            b.successors = [pc]
        return b if b.pcs else None
