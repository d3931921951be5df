"""One sample: inject a snapshot into the RTL, run warm-up and the measured unit, check.

`measure_sample` is a pure function of its task so that samples can run anywhere — in
this process, in a process pool, or on a Dask worker. Each worker process keeps its
machine and its RTL engine (a cached Verilator build) between tasks.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

from fastforward.backends import make_simulator
from fastforward.sim import Snapshot
from spec import load_machine

from .compare import diff_states
from .plan import SampleUnit

WATCHDOG = 50_000_000


@dataclass(frozen=True)
class SampleTask:
    machine_path: str
    overrides: tuple              # ((param, value), ...)
    unit: SampleUnit
    snapshot: Snapshot            # functional state at unit.detail_start (no pending queue)
    commands: tuple               # the warm-up's and the unit's commands
    backend: str                  # functional backend that computes the expected state


@lru_cache(maxsize=4)
def _machine(path: str, overrides: tuple):
    return load_machine(path, dict(overrides))


@lru_cache(maxsize=4)
def _engine(path: str, overrides: tuple):
    from rtlgen.engine import RtlEngine
    return RtlEngine(_machine(path, overrides))


def measure_sample(task: SampleTask) -> dict:
    """Cycles of the unit after warm-up, and whether the RTL's state matches the reference."""
    t0 = time.perf_counter()
    machine = _machine(task.machine_path, task.overrides)
    unit = task.unit
    reference = make_simulator(machine, task.backend)
    reference.restore(task.snapshot)
    reference.push(task.commands)
    reference.run()

    rtl = _engine(task.machine_path, task.overrides)
    rtl.reset()
    rtl.inject(task.snapshot.arrays, retired=unit.detail_start)
    rtl.push(task.commands)
    begin = rtl.cycles
    rtl.run_until_retired(unit.start, WATCHDOG)
    measured_from = rtl.cycles
    rtl.run_until_retired(unit.start + unit.length, WATCHDOG)
    measured_to = rtl.cycles
    rtl.run_until_quiescent(WATCHDOG)                       # reach a correspondence point
    diverged = diff_states(reference.state, rtl.extract())
    return {"index": unit.index, "start": unit.start, "length": unit.length, "warmup": unit.warmup,
            "stratum": unit.stratum, "warmup_cycles": measured_from - begin,
            "cycles": measured_to - measured_from, "drain_cycles": rtl.cycles - measured_to,
            "state_ok": not diverged, "divergence": [d.describe() for d in diverged],
            "seconds": time.perf_counter() - t0}


def ground_truth(machine_path: str, overrides: tuple, initial: Snapshot, commands: tuple, unit: int,
                 progress=None) -> dict:
    """The whole workload in RTL: total cycles and the true cycles of every unit."""
    rtl = _engine(machine_path, overrides)
    rtl.reset()
    rtl.inject(initial.arrays, retired=0)
    rtl.push(commands)
    start = last = rtl.cycles
    per_unit = []
    for boundary in range(unit, len(commands) + unit, unit):
        rtl.run_until_retired(min(boundary, len(commands)), WATCHDOG)
        per_unit.append(rtl.cycles - last)
        last = rtl.cycles
        if progress is not None:
            progress(min(boundary, len(commands)))
    rtl.run_until_quiescent(WATCHDOG)
    per_unit[-1] += rtl.cycles - last                    # the final drain belongs to the last unit
    return {"cycles": rtl.cycles - start, "per_unit": per_unit, "final_state": rtl.extract()}
