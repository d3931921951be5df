"""Programs on a generated processor core: load an ELF (or flat binary), run it on the RTL
and service its environment calls in Python with the functional model's host
(`fastforward.riscv.Host`: exit, write, HTIF tohost), one round trip per event.

The core stops at the boundary after an env_call instruction, or after a store that wrote
the program's HTIF `tohost` word (the core's store watch, set to the byte the host watches on
the functional model); the host reads the extracted registers and memory, its changes (a0,
tohost, ...) are injected back and the core resumes, or the run ends if the host halted.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from spec import ir


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


class CoreView:
    """What `fastforward.riscv.Host` needs of a simulator, over state extracted from the RTL."""

    def __init__(self, machine: ir.Machine, state: dict):
        self.machine, self.state = machine, state
        self.halted, self.exit_code, self.env = False, None, None
        self.watch, self.on_watch = None, None

    def set_env(self, env_call):
        self.env = env_call

    def watch_store(self, index, callback):
        self.watch, self.on_watch = index, callback

    def halt(self, code: int):
        self.halted, self.exit_code = True, code


def initial_state(machine: ir.Machine, program: str | Path | bytes) -> dict:
    """The architectural state with `program` loaded (ram image, pc at its entry)."""
    return loaded_state(machine, program)[0]


def loaded_state(machine: ir.Machine, program: str | Path | bytes):
    """(state with `program` loaded, the loader's result: entry, tohost, fromhost)."""
    from fastforward.riscv import load_program
    from fastforward.sim import Simulator
    sim = Simulator(machine)
    loaded = load_program(sim, program)
    return {k: v.copy() for k, v in sim.state.items()}, loaded


def run_program_rtl(machine: ir.Machine, program: str | Path | bytes, engine=None,
                    max_instructions: int | None = None, echo: BinaryIO | None = None,
                    watchdog: int = 1 << 40) -> RtlProgramResult:
    """Run `program` on the machine's RTL core (a new `RtlEngine` unless one is given)."""
    from fastforward.riscv import Host
    from rtlgen.engine import RtlEngine
    eng = engine or RtlEngine(machine)
    eng.reset()                                          # also clears a previous run's store watch
    state, loaded = loaded_state(machine, program)
    view = CoreView(machine, state)
    eng.inject(view.state, retired=0)
    host = Host(view, loaded.tohost, loaded.fromhost, echo=echo)   # watches tohost if the program has it
    eng.watch_store(view.watch)
    start, calls = eng.cycles, 0
    t0 = time.perf_counter()
    while True:
        event = eng.run_until_event(max_instructions, watchdog)
        # at max_instructions, an event of the last instruction is still serviced (as the model does)
        kind, hit = eng.env_kind, eng.watch_hit
        if kind is None and not hit:
            break
        eng.extract(out=view.state)
        if kind is not None:
            calls += 1
            host.env_call(kind)
        if hit:
            view.on_watch(view.watch)
        if view.halted:
            break
        eng.inject(view.state)
        eng.resume()
        if event == "retired":
            break
    seconds = time.perf_counter() - t0
    halted = view.halted or eng.halted
    code = eng.exit_code if eng.halted else view.exit_code      # a halt instruction's code wins, as in the model
    return RtlProgramResult(code if halted else None, host.stdout, host.stderr, eng.retired, eng.cycles - start,
                            halted, calls, seconds, eng.extract())
