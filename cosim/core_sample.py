"""One sample of a processor core (a fetch machine), and the core's full-RTL ground truth.

The correspondence point of a core is an instruction boundary: the generated core
(rtlgen/core.py) is one FSM that fetches, decodes and executes one instruction at a time
and returns to IDLE when it retires, so at every boundary the RTL holds exactly the
architectural state (x, pc, ram) plus control flags that are clear between instructions.
`measure_core_sample` injects the functional model's state at unit.detail_start, runs W
warm-up instructions and the U of the unit on the RTL, and counts the unit's cycles; then
it extracts the RTL's state and compares it with the reference simulator run over the same
instructions from the same state (every sample is an equivalence check).

Warm-up. Nothing the core keeps between instructions affects timing: there is no
pipeline, cache, predictor or queue, the operand/temporary registers are written by each
instruction before it reads them, and every instruction takes 1 fetch cycle plus a fixed
number of FSM states (hls: a Branch-free schedule; memory is single-cycle per port). So an
injected core runs each unit in exactly the cycles it takes in the full run: W = 0 is exact
(DEFAULT_WARMUP), and the estimate carries no measurement-bias allowance
(CORE_MEASUREMENT_BIAS). tests/test_sampling_core.py checks this by measuring every unit
of a program against the full run's per-unit cycles. A core with caches or a pipeline would
need a warm-up like the NPU's (`--warmup W` is honoured).

Environment calls. A program's ECALLs and HTIF `tohost` stores inside a sample are
serviced by a worker-local `fastforward.riscv.Host`, on the RTL exactly as
`cosim.rtl_program.run_program_rtl` does (the core stops at the boundary after the event;
the host reads the extracted state, its changes are injected back, the core resumes; no
cycle passes meanwhile, as in the full run) and on the reference by the same host code.
A program that exits inside a unit ends the unit there. Output written during the sample
is compared too.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from fastforward.sim import Snapshot
from spec import ir
from spec.errors import MachineFault

from .compare import diff_states, states_equal
from .delta import apply_delta, installed_base
from .rtl_program import CoreView
from .target import SampleTaskBase
from .worker import state_buffer, worker_engine, worker_machine, worker_models

WATCHDOG = 50_000_000             # cycles without an event before the RTL counts as hung
DEFAULT_WARMUP = 0                # exact for the generated multi-cycle core (see above)
CORE_MEASUREMENT_BIAS = 0.0       # ... so the interval needs no allowance for a measurement bias


@dataclass(frozen=True)
class CoreSampleTask(SampleTaskBase):
    host: tuple                   # (tohost, fromhost) addresses of the program, or None each
    backend: str                  # functional backend that computes the expected state


class CoreRun:
    """A core RTL engine with a host: run to an instruction count, servicing events."""

    def __init__(self, machine, engine, state: dict, host: tuple):
        from fastforward.riscv import Host
        self.eng = engine
        self.view = CoreView(machine, state)          # the host works on these arrays
        self.host = Host(self.view, *host)            # sets view.watch when the program has tohost
        self.env_calls = 0
        engine.watch_store(self.view.watch)

    @property
    def halted(self) -> bool:
        return self.view.halted or self.eng.halted

    @property
    def exit_code(self):
        return self.eng.exit_code if self.eng.halted else self.view.exit_code

    def run_to(self, target: int, watchdog: int = WATCHDOG) -> bool:
        """Run until `target` instructions have retired or the program halts (False then).
        An event of the instruction that reaches `target` is serviced too, so that the state
        at the boundary is the functional model's (whose host runs inside the instruction)."""
        eng, view = self.eng, self.view
        while not self.halted:
            if eng.retired >= target:
                return True
            eng.run_until_event(target, watchdog)
            kind, hit = eng.env_kind, eng.watch_hit
            if kind is None and not hit:
                continue                            # reached target, or halted (spec halt)
            eng.extract(out=view.state)
            if kind is not None:
                self.env_calls += 1
                self.host.env_call(kind)
            if hit:
                view.on_watch(view.watch)
            if view.halted:
                return False
            eng.inject(view.state)
            eng.resume()
        return False

    def state(self) -> dict:
        """The architectural state now (after a halt: as the host left it)."""
        if not self.view.halted:
            self.eng.extract(out=self.view.state)
        return self.view.state


def measure_core_sample(task: CoreSampleTask, base: dict | None = None) -> dict:
    """Cycles of the unit after warm-up, and whether the RTL's state matches the reference's.
    `base`: the campaign's base state (Dask passes it), else the one installed in this process."""
    from fastforward.riscv import Host
    t0 = time.perf_counter()
    unit = task.unit
    base = base if base is not None else installed_base(task.state.base_key)
    machine = worker_machine(task.machine_path, task.overrides)
    rtl, reference = worker_models(task.machine_path, task.overrides, task.backend)
    reference.restore(Snapshot("", reference.machine.digest, {}, task.retired,
                               np.zeros_like(reference.counts), False, None, ()))
    apply_delta(reference.state, base, task.state)
    t_restore = time.perf_counter()

    rtl.reset()                                  # also clears a previous sample's store watch
    rtl.inject(reference.state, retired=unit.detail_start)
    core = CoreRun(machine, rtl, state_buffer(rtl), task.host)
    t_inject = time.perf_counter()
    begin = measured_from = rtl.cycles
    t_warm, fault = t_inject, None
    try:
        core.run_to(unit.start)
        measured_from = rtl.cycles
        t_warm = time.perf_counter()
        core.run_to(unit.start + unit.length)    # a program that exits inside the unit ends it there
    except MachineFault as exc:                  # a faulting or hung RTL is a divergence like any other
        fault = f"the RTL stopped: {exc}"
    measured_to = rtl.cycles
    t_unit = time.perf_counter()
    got = core.state()
    t_extract = time.perf_counter()

    reference.watch_store(None, None)            # a previous campaign's program may have watched a word
    host = Host(reference, *task.host)           # the same environment on the reference
    reference.run(unit.warmup + unit.length)
    t_reference = time.perf_counter()
    problems = divergences(reference, host, got, rtl.retired, core, fault)
    t_end = time.perf_counter()
    return {"index": unit.index, "start": unit.start, "length": unit.length, "warmup": unit.warmup,
            "stratum": unit.stratum, "lookahead": 0, "lookahead_exact": True, "lookahead_tries": 1,
            "warmup_cycles": measured_from - begin, "cycles": measured_to - measured_from, "drain_cycles": 0,
            "env_calls": core.env_calls, "halted": core.halted,
            "state_ok": not problems, "divergence": problems, "seconds": t_end - t0,
            "time": {"restore": t_restore - t0, "inject": t_inject - t_restore, "warmup": t_warm - t_inject,
                     "unit": t_unit - t_warm, "drain": 0.0, "extract": t_extract - t_unit,
                     "reference": t_reference - t_extract, "compare": t_end - t_reference}}


# ------------------------------------------------------------------ ground truth
def program_state(machine: ir.Machine, program) -> dict:
    """The architectural state with `program` loaded, nothing run."""
    from fastforward.sim import new_state

    class _Holder:                # what `Program.load` needs of a simulator: state and pc
        def __init__(self):
            self.machine, self.state = machine, new_state(machine)

        @property
        def pc(self):
            return int(self.state[machine.fetch.pc].reshape(-1)[0])

        @pc.setter
        def pc(self, value):
            self.state[machine.fetch.pc].reshape(-1)[0] = value

    holder = _Holder()
    program.load(holder)
    return holder.state


def core_ground_truth(machine_path: str, overrides: tuple, initial: dict, host: tuple, unit: int,
                      limit: int | None = None, progress=None) -> dict:
    """The whole program on the RTL core from `initial` (the loaded program): total cycles,
    the true cycles of every unit of `unit` instructions, how it ended, and its output.
    `limit` stops a run that has not halted after that many instructions."""
    machine = worker_machine(machine_path, overrides)
    eng = worker_engine(machine_path, overrides)
    eng.reset()
    eng.inject(initial, retired=0)
    core = CoreRun(machine, eng, {k: v.copy() for k, v in initial.items()}, host)
    start = last = eng.cycles
    per_unit = []
    while True:
        target = (len(per_unit) + 1) * unit
        running = core.run_to(target if limit is None else min(target, limit))
        per_unit.append(eng.cycles - last)            # the last unit ends where the program halts
        last = eng.cycles
        if not running or (limit is not None and eng.retired >= limit):
            break
        if progress is not None and len(per_unit) % 64 == 0:
            progress(eng.retired)
    state = core.state()
    return {"cycles": eng.cycles - start, "per_unit": per_unit, "instructions": eng.retired,
            "halted": core.halted, "exit_code": core.exit_code if core.halted else None,
            "stdout": core.host.stdout, "stderr": core.host.stderr, "env_calls": core.env_calls,
            "final_state": state}


def divergences(reference, host, got: dict, retired: int, core, fault: str | None) -> list[str]:
    """What differs between the reference after a unit and the RTL core (`got`: its extracted
    state, `retired`: its instruction count): state elements, retirement, halt, exit code and
    host output; `fault` (the RTL's or the reference's stop) comes first."""
    problems = [fault] if fault else []
    if not states_equal(reference.state, got):
        problems += [d.describe() for d in diff_states(reference.state, got)]
    for what, ref, rtl_value in (("instructions retired", reference.retired, retired),
                                 ("halted", reference.halted, core.halted),
                                 ("exit code", reference.exit_code if reference.halted else None,
                                  core.exit_code if core.halted else None),
                                 ("stdout", host.stdout, core.host.stdout), ("stderr", host.stderr, core.host.stderr)):
        if ref != rtl_value:
            problems.append(f"{what}: expected {ref!r} got {rtl_value!r}")
    return problems
