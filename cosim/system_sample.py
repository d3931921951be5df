"""Measuring one unit of a system program (host core + accelerator) on the system's RTL,
from a correspondence point: the first piece of sampled simulation of a system.

A unit is a range [start, end) of host instructions. The system is at a correspondence
point when the accelerator is idle with an empty queue, so that the functional model's
state of both parts is the whole truth: right after a WAIT store, and anywhere in the
host-only phase that follows until the next doorbell (the functional model records both,
`SystemSimulator.doorbell_at` / `wait_at`, in host instructions after the store). A unit's
detailed run starts at the latest such point at or before the unit (the warm-up runs from
there), injects both parts' state (the core's, and the accelerator's with its shared memory
taken from the host's), runs the unit, drains the accelerator and checks both parts against
the functional model at the unit's end.

The core has no state beyond its architectural state at an instruction boundary, and the
accelerator is idle at the point, so a unit's cycles measured so are exactly those of the
same instructions in a run from reset (tests/test_system_sampling.py checks it).
"""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass


def correspondence_point(doorbell_at: list[int], wait_at: list[int], index: int) -> int:
    """The latest host instruction count p <= index at which the accelerator is idle in every
    timing model: after the last WAIT at or before `index` (or the start) and before the
    first doorbell after it."""
    k = bisect.bisect_right(wait_at, index)
    last_wait = wait_at[k - 1] if k else 0
    d = bisect.bisect_right(doorbell_at, last_wait)
    if d == len(doorbell_at) or doorbell_at[d] > index:
        return index                            # host-only since the last WAIT
    return doorbell_at[d] - 1                   # just before that doorbell's store retires


@dataclass
class UnitRecord:
    start: int
    end: int
    point: int                     # where the detailed run started (a correspondence point)
    cycles: int                    # system cycles of the unit (host cycles + WAIT stalls)
    host_busy_cycles: int
    npu_busy_cycles: int
    npu_only_cycles: int           # the host stalled at WAIT
    warmup_cycles: int
    drain_cycles: int              # the accelerator finishing after the unit (not counted)
    state_ok: bool
    differences: list
    seconds: float

    @property
    def overlapped_cycles(self) -> int:
        return self.npu_busy_cycles - self.npu_only_cycles


def functional_at(system, program, index: int, backend: str = "c"):
    """The functional system after `index` host instructions (run from the program's start)."""
    from pathlib import Path

    from fastforward.session import prepare_program
    from fastforward.system import SystemSimulator
    sim = SystemSimulator(system, backend)
    prepare_program(system.host, sim.host, Path(program))
    sim.run(index)
    return sim


def parts_state(system, sim) -> tuple[dict, dict]:
    """(host state, accelerator state without its shared memory) of a functional system."""
    a = system.accelerators[0]
    acc = {k: v.copy() for k, v in sim.accelerators[a.name].state.items() if k != a.memory}
    return {k: v.copy() for k, v in sim.host.state.items()}, acc


def measure_unit(rtl, system, program, start: int, end: int, events: tuple[list, list],
                 backend: str = "c") -> UnitRecord:
    """Host instructions [start, end) of `program` on the RTL system `rtl` (a SystemRtl), from
    the correspondence point at or before `start` found in `events` = (doorbell_at, wait_at)
    of a functional run."""
    from .system_rtl import compare
    t0 = time.perf_counter()
    point = correspondence_point(*events, start)
    sim = functional_at(system, program, point, backend)
    rtl.begin(program, parts_state(system, sim), retired=point)
    rtl.advance(start)
    c1 = rtl.counters()
    ended = rtl.advance(end)
    c2 = rtl.counters()
    result = rtl.end()
    drain = result.stall_cycles - c2["npu_only_cycles"]
    sim.run_until(end) if not ended else sim.run()
    check = compare(system, sim, result)
    return UnitRecord(start, end, point, c2["cycles"] - c1["cycles"],
                      c2["host_busy_cycles"] - c1["host_busy_cycles"], c2["npu_busy_cycles"] - c1["npu_busy_cycles"],
                      c2["npu_only_cycles"] - c1["npu_only_cycles"], c1["cycles"], drain, check["state_match"],
                      check["differences"], time.perf_counter() - t0)
