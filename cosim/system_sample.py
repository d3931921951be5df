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

Sampled runs (`measure_system_sample`, the worker's side of `system_target.SystemTarget`)
start at the unit's correspondence point p when it lies within the warm-up (at or after q,
W host instructions before the unit: the functional model runs on to p). They do not warm
up from p when it lies further back (a program with few WAITs has one every few million
instructions): they start at q and *drain* the backlog instead. At q the functional model
has executed every command pushed so far, but the real accelerator may still be working
on those pushed since p. The sample injects the host's state at q and the
accelerator's state at p, and pushes the commands of (p, q] into the accelerator's queue
at once: it then has at least the backlog the full run has at q (the same commands, all
still to run, none started), and the warm-up runs both parts from there. The first time
the accelerator is idle at an event (an advance or a WAIT) before the unit starts, the
full run's accelerator, which had no more work, is idle there too (an in-order queue
machine finishes a subset of the same commands, pushed no later, no later); from that
event on both runs hold the same state, and the unit is measured exactly. A sample whose
accelerator never went idle before the unit (a long burst of commands) is measured again
from p itself. Either way the drain's cycles are warm-up, never measured, and the sample
ends checked against the functional model.

DRAM rows. A reset closes the NPU's DRAM rows and empties its ports' last-burst buffers,
where the full run has whatever the last commands left (timing state, not architectural:
no injection carries it). Every start therefore first replays the last HISTORY commands
before p on the RTL accelerator (from the registers they ran with), then injects the
state again: the rows and buffers are then the full run's (every bank and port the
program uses is touched within those commands in the kit's programs; a bank last used
earlier would start closed, a bias of one row miss). tests/test_system_target.py
checks that every unit of three programs measured so equals the full run's.
"""
from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np


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


# ------------------------------------------------------------------ sampled runs (system_target)
WATCHDOG = 1 << 34                # cycles without an event before the RTL counts as hung
HISTORY = 64                      # commands replayed before a sample's start to reopen the DRAM rows


@dataclass(frozen=True)
class SystemSampleTask:
    """A sampled unit of a system program: the state at its detailed start q (host and
    accelerator, 'host.*' / '<acc>.*' arrays as a delta against the worker's base) and the
    latest correspondence point p at or before the unit's start. When p >= q the worker runs
    the functional model on to p and starts the RTL there (exact, a shorter warm-up); else
    the task carries the state at p and the commands pushed in (p, q] ((n, limbs) uint64)."""
    machine_path: str             # the system file
    overrides: tuple              # the host's -D overrides
    unit: object                  # plan.SampleUnit
    state: object                 # delta.Delta at unit.detail_start
    retired: int                  # = unit.detail_start
    program: str
    backend: str
    sync: str
    point: int                    # the correspondence point p
    point_state: object           # delta.Delta at p, or None (p >= q)
    backlog: object               # commands pushed in (p, q]
    history: tuple = ()           # (the last HISTORY commands pushed up to p, the registers before the first)


def split_state(system, arrays: dict) -> tuple[dict, dict]:
    """('host.x' ... , 'npu.sp' ...) -> (host state, accelerator state)."""
    name = system.accelerators[0].name
    host = {k[5:]: v for k, v in arrays.items() if k.startswith("host.")}
    acc = {k[len(name) + 1:]: v for k, v in arrays.items() if k.startswith(name + ".")}
    return host, acc


def joined_state(system, sim, copy: bool = True) -> dict:
    """A functional system's state as one dict: 'host.<element>' and '<acc>.<element>' (the
    accelerator's without its shared memory, which is the host's)."""
    a = system.accelerators[0]
    out = {f"host.{k}": (v.copy() if copy else v) for k, v in sim.host.state.items()}
    out.update({f"{a.name}.{k}": (v.copy() if copy else v)
                for k, v in sim.accelerators[a.name].state.items() if k != a.memory})
    return out


@lru_cache(maxsize=2)
def worker_system(path: str, overrides: tuple):
    from spec.system import load_system
    return load_system(path, dict(overrides))


@lru_cache(maxsize=None)
def worker_system_models(path: str, overrides: tuple, backend: str, sync: str):
    """(SystemRtl, functional SystemSimulator) of a system in this process, built once."""
    from fastforward.system import SystemSimulator

    from .system_rtl import SystemRtl
    system = worker_system(path, overrides)
    return SystemRtl(system, sync=sync), SystemSimulator(system, backend)


_SCRATCH: dict = {}


def scratch(base: dict) -> dict:
    """Arrays shaped like `base`, allocated once per worker (a state at p is rebuilt in them)."""
    if _SCRATCH.keys() != base.keys() or any(_SCRATCH[k].shape != v.shape for k, v in base.items()):
        _SCRATCH.clear()
        _SCRATCH.update({k: np.empty_like(v) for k, v in base.items()})
    return _SCRATCH


def set_functional(sim, system, base: dict, delta, retired: int):
    """Put the functional system `sim` in the state base + delta, `retired` host instructions in."""
    from fastforward.snapshot import Snapshot

    from .delta import apply_delta
    host = sim.host
    host.restore(Snapshot("", host.machine.digest, {}, retired, np.zeros_like(host.counts), False, None, ()))
    apply_delta(joined_state(system, sim, copy=False), base, delta)
    sim.doorbell_at.clear()
    sim.wait_at.clear()


def measure_system_sample(task: SystemSampleTask, base: dict | None = None) -> dict:
    """Cycles of the unit (split into host-busy, NPU-busy and NPU-only), measured from q with
    the backlog drained (or from p), and whether both parts' RTL state after it matches the
    functional model's."""
    from fastforward.riscv import Host
    from spec.errors import MachineFault

    from .delta import apply_delta, installed_base
    from .system_rtl import compare
    t0 = time.perf_counter()
    unit = task.unit
    base = base if base is not None else installed_base(task.state.base_key)
    system = worker_system(task.machine_path, task.overrides)
    rtl, ref = worker_system_models(task.machine_path, task.overrides, task.backend, task.sync)
    set_functional(ref, system, base, task.state, task.retired)
    Host(ref.host, None, None)                       # ECALLs (the kit's programs print and exit by ECALL)
    if task.point_state is None:                     # the accelerator idle at p in (q, start]: begin there
        ref.run_until(task.point)
    host_q, acc_q = split_state(system, joined_state(system, ref, copy=False))   # (begin copies them)
    t_restore = time.perf_counter()
    end = unit.start + unit.length
    path, fault = "idle", None
    history = task.history or None
    c1 = c2 = t_warm = t_measured = None
    try:
        if task.point_state is None:
            rtl.begin_state(host_q, acc_q, retired=ref.retired, history=history)
            rtl.advance(unit.start, WATCHDOG)
        else:
            at_p = scratch(base)
            apply_delta(at_p, base, task.point_state)
            host_p, acc_p = split_state(system, at_p)
            rtl.begin_state(host_q, acc_p, retired=task.retired, history=history)
            rtl.replay(task.backlog)                 # the drain: at least the full run's backlog
            rtl.advance(unit.start, WATCHDOG)
            path = "drain"
            if not rtl.idle_seen and not rtl.done:   # never idle before the unit: from p itself
                rtl.begin_state(host_p, acc_p, retired=task.point, history=history)
                rtl.advance(unit.start, WATCHDOG)
                path = "point"
        c1 = rtl.counters()
        t_warm = time.perf_counter()
        rtl.advance(end, WATCHDOG)
        c2 = rtl.counters()
        t_measured = time.perf_counter()
        result = rtl.end(WATCHDOG, reuse=True)
    except MachineFault as exc:                      # a faulting or hung RTL is a divergence like any other
        fault = f"the RTL stopped: {exc}"
        result = None
    t_unit = time.perf_counter()
    t_warm, t_measured = t_warm or t_unit, t_measured or t_unit      # (a fault stopped the RTL early)
    ref.run_until(end)
    problems = [fault] if fault else []
    if result is not None:
        check = compare(system, ref, result)
        problems += [f"{d['part']}.{d['state']}{d['index']}: expected {d['reference']} got {d['rtl']} "
                     f"({d['differing_elements']} elements differ)" for d in check["differences"]]
        if result.instructions != ref.retired:
            problems.append(f"host instructions retired: expected {ref.retired} got {result.instructions}")
        if ref.halted and result.exit_code != ref.exit_code:
            problems.append(f"exit code: expected {ref.exit_code} got {result.exit_code}")
    zero = {"cycles": 0, "host_busy_cycles": 0, "npu_busy_cycles": 0, "npu_only_cycles": 0}
    c1, c2 = c1 or zero, c2 or c1 or zero
    drain = (result.stall_cycles - c2["npu_only_cycles"]) if result is not None else 0
    t_end = time.perf_counter()
    return {"index": unit.index, "start": unit.start, "length": unit.length, "warmup": unit.warmup,
            "stratum": unit.stratum, "lookahead": 0, "lookahead_exact": True, "lookahead_tries": 1,
            "warmup_cycles": c1["cycles"], "cycles": c2["cycles"] - c1["cycles"], "drain_cycles": drain,
            "host_busy_cycles": c2["host_busy_cycles"] - c1["host_busy_cycles"],
            "npu_busy_cycles": c2["npu_busy_cycles"] - c1["npu_busy_cycles"],
            "npu_only_cycles": c2["npu_only_cycles"] - c1["npu_only_cycles"],
            "path": path, "point": task.point, "backlog": len(task.backlog),
            "state_ok": not problems, "divergence": problems, "seconds": t_end - t0,
            "time": {"restore": t_restore - t0, "warmup": t_warm - t_restore, "unit": t_measured - t_warm,
                     "drain": t_unit - t_measured, "reference": t_end - t_unit}}


def system_ground_truth(path: str, overrides: tuple, program: str, unit: int, sync: str,
                        limit: int | None = None, progress=None) -> dict:
    """The whole program on the system's RTL from reset: total cycles and their split, and
    per unit of `unit` host instructions the cycles and their split (the last unit with the
    final drain, as a sampled last unit)."""
    from .system_rtl import SystemRtl
    system = worker_system(path, overrides)
    rtl = SystemRtl(system, sync=sync)
    rtl.begin(program)
    per_unit, split, last = [], {"host_busy_cycles": [], "npu_busy_cycles": [], "npu_only_cycles": []}, rtl.counters()
    ended = False
    while not ended:
        target = (len(per_unit) + 1) * unit
        if limit is not None:
            target = min(target, limit)
        ended = rtl.advance(target, WATCHDOG) or (limit is not None and rtl.host.retired >= limit)
        now = rtl.counters()
        per_unit.append(now["cycles"] - last["cycles"])
        for k in split:
            split[k].append(now[k] - last[k])
        last = now
        if progress is not None and len(per_unit) % 64 == 0:
            progress(rtl.host.retired)
    r = rtl.end(WATCHDOG)
    drain = r.stall_cycles - last["npu_only_cycles"]
    per_unit[-1] += drain
    split["npu_only_cycles"][-1] += drain
    split["npu_busy_cycles"][-1] += drain
    return {"cycles": r.cycles, "per_unit": per_unit, "per_unit_split": split, "instructions": r.instructions,
            "exit_code": r.exit_code, "stdout": r.stdout.decode(errors="replace"), **r.split(),
            "races": r.races}
