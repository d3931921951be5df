"""The reference functional simulator: architectural state as numpy arrays, step/run,
snapshot/restore, and retired-instruction counters."""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from spec import ir
from spec.encoding import Decoder
from spec.errors import MachineFault

from .interp import ExecContext, Halted, InstructionCompiler
from .signature import Recorder, Signatures
from .simbase import SimulatorBase, watches_after
from .snapshot import Snapshot, new_state

MASK64 = (1 << 64) - 1


class Simulator(SimulatorBase):
    """Executes a machine's instructions (fetch machines) or commands (queue machines)."""

    backend = "py"

    def __init__(self, machine: ir.Machine, shared: dict[str, np.ndarray] | None = None):
        self.machine = machine
        self.state = new_state(machine, shared)
        self.ctx = ExecContext()
        compiler = InstructionCompiler(machine, self.state, self.ctx)
        self.execute = tuple(compiler.compile(i) for i in machine.instructions)
        self.decoder = Decoder(machine)
        self._decoded: dict[int, tuple] = {}
        self.counts = np.zeros(len(machine.instructions), dtype=np.int64)
        self.retired = 0
        self.halted = False
        self.exit_code: int | None = None
        self._pushed: list[int] = []          # queue machines: every command pushed so far
        self._pending_pos = 0                 # ... of which the first _pending_pos have run
        self._sig: Recorder | None = None

    # ------------------------------------------------------------ host side
    def push(self, commands: Iterable[int]):
        """Queue machines: append commands for the accelerator to execute."""
        if self.machine.queue is None:
            raise MachineFault(f"{self.machine.name} fetches its instructions; it has no command queue")
        self._pushed.extend(commands)

    @property
    def pending(self) -> list[int]:
        """Queue machines: commands pushed but not yet executed."""
        return self._pushed[self._pending_pos:]

    def pending_count(self) -> int:
        return len(self._pushed) - self._pending_pos

    def set_env(self, env_call: Callable[[int], None]):
        self.ctx.env_call = env_call

    def watch_store(self, index: int | None, callback: Callable[[int], None] | None):
        """Call `callback(index)` when a store touches byte `index` of the fetch memory (HTIF
        tohost, a system's doorbell), after the store; a callback None removes that watch and
        index None removes every watch."""
        self.ctx.watches = watches_after(self.ctx.watches, index, callback)

    def halt(self, code: int):
        self.halted, self.exit_code = True, code

    # -------------------------------------------------------------- running
    def next_word(self) -> int | None:
        if self.machine.fetch is None:
            if self._pending_pos >= len(self._pushed):
                return None
            return self._pushed[self._pending_pos]
        return self._fetch_word()

    def decode(self, word: int) -> tuple:
        entry = self._decoded.get(word)
        if entry is None:
            d = self.decoder.decode(word)
            if d is None:
                where = f" at pc {self.pc:#x}" if self.machine.fetch else f" (command {self.retired})"
                raise MachineFault(f"illegal instruction {word:#x}{where}")
            entry = (d.instr.opcode_index, d.operands, d.instr.nslots - len(d.operands))
            self._decoded[word] = entry
        return entry

    def step(self) -> bool:
        """Execute one instruction; False if halted or (queue machines) no command is pending."""
        if self.halted:
            return False
        word = self.next_word()
        if word is None:
            return False
        index, operands, nlocals = self.decode(word)
        frame = [*operands, *([0] * nlocals)]
        fetch = self.machine.fetch
        if fetch:
            pc = self.pc
            self.ctx.next_pc = (pc + fetch.ilen) & 0xFFFFFFFFFFFFFFFF
        try:
            self.execute[index](frame)
        except Halted as h:
            self.halt(h.code)
        if fetch:
            self.pc = self.ctx.next_pc
        else:
            self._pending_pos += 1
        self.counts[index] += 1
        self.retired += 1
        return True

    def run(self, n: int | None = None) -> int:
        """Execute up to `n` instructions (all, if None); returns how many retired."""
        if self._sig is None:
            return self._run(n, self.step)
        start, sig = self.retired, self._sig
        step = self._step_bbv if sig.bits else self.step
        while n is None or self.retired - start < n:
            room = sig.next - self.retired
            m = room if n is None else min(room, n - (self.retired - start))
            done = self._run(m, step)
            if self.retired == sig.next:
                sig.record(self.retired, self.counts)
            if done < m:
                break
        return self.retired - start

    def _run(self, n: int | None, step) -> int:
        start = self.retired
        if n is None:
            while step():
                pass
        else:
            for _ in range(n):
                if not step():
                    break
        return self.retired - start

    def _step_bbv(self) -> bool:
        pc = self.pc
        if not self.step():
            return False
        if self.ctx.next_pc != (pc + self.machine.fetch.ilen) & MASK64:
            self._sig.branch(self.retired, self.pc)
        return True

    # ---------------------------------------------------------- signatures
    def enable_signatures(self, interval: int, bbv_buckets: int = 0):
        """Record a signature row every `interval` instructions (see fastforward/signature.py)."""
        self._sig = Recorder(len(self.counts), interval, bbv_buckets, self.machine.fetch is not None)
        self._sig.begin(self.retired, self.counts, self.pc if self.machine.fetch else None)

    def signatures(self) -> Signatures | None:
        return None if self._sig is None else self._signature_result(self._sig)

    # ------------------------------------------------------ snapshot/restore
    def _restore_control(self, snap: Snapshot):
        self.retired, self.halted, self.exit_code = snap.retired, snap.halted, snap.exit_code
        self._pushed, self._pending_pos = list(snap.queue), 0
        if self._sig is not None:
            self._sig.begin(self.retired, self.counts, self.pc if self.machine.fetch else None)
