"""Programs on a generated processor core: load an ELF (or flat binary), run it on the RTL
and service its environment calls in Python with the functional model's host
(`fastforward.riscv.Host`: exit, write), one round trip per env_call.

The core stops at the boundary after an env_call instruction; the host reads the extracted
registers and memory, its changes (a0, ...) are injected back and the core resumes. HTIF
`tohost` stores are not watched on the RTL (a program that exits through tohost runs on).
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from spec import ir
from spec.errors import MachineFault


@dataclass
class RtlProgramResult:
    exit_code: int | None          # None if the run stopped at max_instructions
    stdout: bytes
    stderr: bytes
    instructions: int
    cycles: int
    halted: bool
    env_calls: int
    seconds: float                 # RTL time, host round trips included
    state: dict                    # the final architectural state (extracted)

    @property
    def cpi(self) -> float:
        return self.cycles / self.instructions if self.instructions else float("nan")


class _CoreView:
    """What `fastforward.riscv.Host` needs of a simulator, over state extracted from the RTL."""

    def __init__(self, machine: ir.Machine, state: dict):
        self.machine, self.state = machine, state
        self.halted, self.exit_code, self.env = False, None, None

    def set_env(self, env_call):
        self.env = env_call

    def watch_store(self, index, callback):
        raise MachineFault("the RTL core does not watch stores (HTIF tohost)")

    def halt(self, code: int):
        self.halted, self.exit_code = True, code


def initial_state(machine: ir.Machine, program: str | Path | bytes) -> dict:
    """The architectural state with `program` loaded (ram image, pc at its entry)."""
    from fastforward.riscv import load_program
    from fastforward.sim import Simulator
    sim = Simulator(machine)
    load_program(sim, program)
    return {k: v.copy() for k, v in sim.state.items()}


def run_program_rtl(machine: ir.Machine, program: str | Path | bytes, engine=None,
                    max_instructions: int | None = None, echo: BinaryIO | None = None,
                    watchdog: int = 1 << 40) -> RtlProgramResult:
    """Run `program` on the machine's RTL core (a new `RtlEngine` unless one is given)."""
    from fastforward.riscv import Host
    from rtlgen.engine import RtlEngine
    eng = engine or RtlEngine(machine)
    eng.reset()
    view = _CoreView(machine, initial_state(machine, program))
    eng.inject(view.state, retired=0)
    host = Host(view, echo=echo)
    start, calls = eng.cycles, 0
    t0 = time.perf_counter()
    while True:
        event = eng.run_until_event(max_instructions, watchdog)
        if event != "env_call":
            break
        calls += 1
        eng.extract(out=view.state)
        host.env_call(eng.env_kind)
        if view.halted:
            break
        eng.inject(view.state)
        eng.resume()
    seconds = time.perf_counter() - t0
    halted = view.halted or event == "halted"
    code = view.exit_code if view.halted else eng.exit_code
    return RtlProgramResult(code if halted else None, host.stdout, host.stderr, eng.retired, eng.cycles - start,
                            halted, calls, seconds, eng.extract())
