"""One sample of an accelerator (a queue machine): inject a functional state into the RTL,
run warm-up and the measured unit, check; and the accelerator's full-RTL ground truth.

`measure_sample` is a pure function of its task so that samples can run anywhere — in
this process, in a process pool, or on a Dask worker. Each worker process keeps, per
machine, one RTL engine (a cached Verilator build, loaded once) and one reference
simulator between tasks (`worker.worker_models`).

State transport (`cosim.delta`). A task carries the state as a `Delta` against the
campaign's base state, which every worker holds; the worker's `Resident` rewrites only the
pages that differ from what its reference model and RTL hold, and large arrays are compared
inside the RTL engine, only on the pages either model wrote since they last agreed (the RTL's
written-page maps, `rtlgen.written`), so no sample copies or scans a whole 16 MiB DRAM
(a worker's first sample compares it all once).

Warm-up and the injected machine. Injection happens at a correspondence point, where the
RTL is quiescent: command FIFO and the load/execute/store queues empty, hazard scoreboards
clear, no DRAM transfer in flight. The real machine at the same command is usually *not*
idle: the decoupled units overlap, commands wait behind hazards, and the DRAM model's open
rows reflect recent traffic. The detailed warm-up of W commands before the measured unit
refills that microarchitectural context: after W commands the queues hold what they would
hold in a full run (they are only a few commands deep), the units overlap again, and the
open DRAM rows are those the warm-up's own transfers opened (the same rows the real run
had opened, as long as W covers the recent working set). Cycles of the warm-up are not
counted. The remaining bias is from the first commands of the unit still seeing less
backlog than in the full run; it shrinks as W grows (benchmarks/bench_sampling_warmup.py
prints it against W). The measured unit ends when its last command retires; the pipeline
is then drained to the next correspondence point to extract and check the state; those
drain cycles count only for the workload's last unit (as in the ground truth).

Look-ahead (the end of the unit). The RTL is decoupled: while the unit's last commands
are still in flight, younger commands have already entered the command FIFO and the unit
queues, or even completed, and they compete with the unit's own commands for the DRAM
channel, the SRAM banks and the hazard scoreboard. A sample therefore pushes, after the
measured unit, commands of *look-ahead* (not measured: the unit ends when its own last
command commits, as in the full run), so that the unit's last commands see the same
younger traffic as in the full run. No fixed look-ahead is enough: a command that has
completed but is not committed (an older one is still running) holds no queue slot, so
younger commands can run arbitrarily far ahead of the oldest uncommitted one (146
commands measured on the suite; a look-ahead of one in-flight window, 40, left every-unit
sums of gemm:64,64,64 0.6% low, 80 still 0.06% low). The look-ahead is instead made exact
by construction: a command the RTL has not accepted from the host cannot have influenced
anything, so if at the unit's end some pushed command is still waiting to be accepted
(`RtlEngine.pending` > 0), the host presented the same command stream on every cycle as
in the full run, and the unit's cycles are those of the full run (given the same state at
injection). Rather than pushing a guessed look-ahead and rerunning the whole sample with
twice as much when it was not enough (the old rule: 51 ms of RTL per sample on `long`,
against 12 ms now), a sample keeps the host queue topped up while the unit runs
(`RtlEngine.run_until_retired_fed`, a loop in the C++ shim): it pushes TOPUP_HIGH commands
of look-ahead, and before every cycle, whenever fewer than TOPUP_LOW wait, it pushes more.
The queue therefore never runs dry: cycle for cycle the RTL sees the stream it would see
with the whole look-ahead pushed at once, the look-ahead is exact in one try, and only the
one or two never-accepted commands lengthen the drain (a look-ahead reaching the
workload's end is exact too). (Topping up from Python, running at most `pending - 1`
cycles between ctypes calls, cost more than the RTL itself.) The task carries a budget of
look-ahead commands; a sample that exhausts it reports `lookahead_exact: False` and the
campaign sends it again with a larger budget. The record keeps the look-ahead pushed and
how many commands the top-ups added (`lookahead_topups`). The look-ahead commands then drain
with the rest and take part in the state check.

Why W must be several in-flight windows (the start of the unit). For the same reason, at
commit point c of the full run up to ~150 commands younger than c may already have
*completed* on other units, so the full run charges their cycles to earlier units. An
injected machine re-executes them; with W too short they fall inside the measured unit
and are counted twice. With the unrolled, burst-DRAM NPU a warm-up of one window (40) came
out +8.5% on gemm:64,64,64 (U=20); the default of four windows (`default_warmup`) leaves
at most +0.13% on the suite (see there).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, replace
import numpy as np

from fastforward.sim import Snapshot
from spec.encoding import command_limbs
from spec.errors import MachineFault
from spec.memo import MachineMemo

from .compare import diff_states, states_equal
from .delta import Resident, installed_base, is_paged, make_delta, pages_union
from .target import SampleTaskBase
from .worker import state_buffer, worker_engine, worker_models

WATCHDOG = 50_000_000
LOOKAHEAD_STEP = 16               # the smallest look-ahead an adaptive sample extends to
LOOKAHEAD_BUDGET = 4              # a task carries this many times its first look-ahead
TOPUP_LOW = 1                     # before every cycle, top the RTL's host queue up when fewer than this wait ...
TOPUP_HIGH = 2                    # ... to this many (commands pushed but never accepted only lengthen the drain)


_WINDOWS: MachineMemo[int] = MachineMemo()


def in_flight_window(machine) -> int:
    """The most commands the RTL can hold at once: the command FIFO plus every unit's queue
    and the command in service in each unit (from the HLS's FSMD). Younger commands than the
    oldest uncommitted one can be at most this far ahead of it."""
    return _WINDOWS.get(machine, _window)


def _window(machine) -> int:
    from hls import schedule_machine
    f = schedule_machine(machine)
    return f.fifo_depth + sum(u.queue_depth + 1 for u in f.units)


WARMUP_WINDOWS = 4


def default_warmup(machine) -> int:
    """The default detailed warm-up: WARMUP_WINDOWS in-flight windows (160 commands on the NPU).
    Measured on the suite NPU, every unit sampled, adaptive look-ahead (sum of units against
    the full run): at one window (40) +8.5% on gemm:64,64,64 (U=20), +7.0% on
    mlp:64,256,128,64, +2.1% on bankconflict:128,128,128 and mlp:256,64,64,64,10 (U=100);
    at two windows up to +1.2%; at four windows at most +0.13% (bankconflict and
    mlp:256,64,64,64,10), +0.04% on gemm:64,64,64, exact on mlp:64,256,128,64 and
    stream:4096,128."""
    return WARMUP_WINDOWS * in_flight_window(machine)


@dataclass(frozen=True)
class SampleTask(SampleTaskBase):
    commands: tuple               # the warm-up's, the unit's and up to `budget` look-ahead commands
    backend: str                  # functional backend that computes the expected state
    lookahead: int = 0            # look-ahead commands of the first try (at most the budget carried)
    to_end: bool = False          # `commands` run to the workload's last command
    adaptive: bool = True         # extend the look-ahead until it is exact (False: a fixed look-ahead)

    @property
    def budget(self) -> int:
        """Look-ahead commands carried (pushing more needs a new task: `extended`)."""
        return len(self.commands) - self.unit.warmup - self.unit.length

    def extended(self, all_commands, budget: int) -> "SampleTask":
        """The same sample carrying `budget` look-ahead commands of `all_commands`, starting
        where this task's look-ahead ran out."""
        end = self.unit.start + self.unit.length + budget
        return replace(self, commands=tuple(all_commands[self.unit.detail_start:end]),
                       lookahead=min(budget, max(2 * self.budget, LOOKAHEAD_STEP)), to_end=end >= len(all_commands))


def measure_sample(task: SampleTask, base: dict | None = None) -> dict:
    """Cycles of the unit after warm-up, and whether the RTL's state matches the reference.

    `base` is the campaign's base state (Dask passes it, scattered once per worker);
    otherwise the one installed in this process.

    The look-ahead: the warm-up's and the unit's commands and the first `task.lookahead`
    look-ahead commands are pushed at once; while the unit runs, the host queue is topped up
    from the task's look-ahead budget whenever fewer than TOPUP_LOW commands wait, never
    letting it run dry (`RtlEngine.run_until_retired_fed`). This is the same command stream, cycle for
    cycle, as pushing the whole budget at once, and it makes the look-ahead exact in one
    try (a command still waits when the unit ends) while pushing only a few commands more
    than the RTL accepted: those few are all that the drain to the correspondence point
    runs beyond the in-flight ones. A task with `adaptive=False` pushes exactly
    `task.lookahead` commands."""
    t0 = time.perf_counter()
    unit = task.unit
    base = base if base is not None else installed_base(task.state.base_key)
    rtl, reference = worker_models(task.machine_path, task.overrides, task.backend)
    resident = _RESIDENT.setdefault(id(rtl), Resident())
    reference.restore(Snapshot("", reference.machine.digest, {}, task.retired,
                               np.zeros_like(reference.counts), False, None, ()))
    by_pages = resident.restore(reference, rtl, base, task.state, retired=unit.detail_start)
    t_restore = time.perf_counter()
    measured_len = unit.warmup + unit.length
    if task.adaptive:                           # the top-ups push the rest of the look-ahead as needed
        limit = len(task.commands)
        fed = first = min(limit, measured_len + min(task.lookahead, TOPUP_HIGH))
    else:
        fed = first = limit = measured_len + min(task.lookahead, task.budget)
    limbs = command_limbs(list(task.commands[:limit]), rtl.limbs_per_command)
    rtl.push(limbs[:fed])
    begin = measured_from = rtl.cycles
    t_warm, fault = time.perf_counter(), None
    try:
        fed = rtl.run_until_retired_fed(unit.start, limbs, fed, TOPUP_LOW, TOPUP_HIGH, WATCHDOG)
        measured_from = rtl.cycles
        t_warm = time.perf_counter()
        fed = rtl.run_until_retired_fed(unit.start + unit.length, limbs, fed, TOPUP_LOW, TOPUP_HIGH, WATCHDOG)
    except MachineFault as exc:                 # a faulting or hung RTL is a divergence like any other
        fault = f"the RTL stopped: {exc}"
    measured_to = rtl.cycles
    t_unit = time.perf_counter()
    lookahead = fed - measured_len
    # a command the RTL never accepted cannot have touched the unit's timing; and when the
    # push covers the workload's end, the full run had no more commands either
    exact = rtl.pending > 0 or (fed == len(task.commands) and task.to_end) or fault is not None
    if task.adaptive and not exact:             # the budget ran out: the campaign sends a longer task
        return {"index": unit.index, "start": unit.start, "length": unit.length, "lookahead": lookahead,
                "lookahead_exact": False, "lookahead_tries": 1, "seconds": time.perf_counter() - t0}
    if fault is None:
        try:
            rtl.run_until_quiescent(WATCHDOG)               # reach a correspondence point
        except MachineFault as exc:
            fault = f"the RTL stopped: {exc}"
    t_drain = time.perf_counter()
    if fault is None:
        reference.push(task.commands[:fed])
        reference.run()
    t_reference = time.perf_counter()
    # a faulted RTL is not at a correspondence point: its state is not compared
    diverged = [] if fault else _divergences(rtl, reference)
    if not diverged and not fault and hasattr(rtl, "clean"):
        rtl.clean()                             # both hold the same state: what the next check counts from
    resident.settle(reference, task.state, not diverged and not fault)
    t_end = time.perf_counter()
    return {"index": unit.index, "start": unit.start, "length": unit.length, "warmup": unit.warmup,
            "stratum": unit.stratum, "lookahead": lookahead,
            "lookahead_exact": exact, "lookahead_tries": 1, "lookahead_topups": fed - first,
            "warmup_cycles": measured_from - begin,
            "cycles": measured_to - measured_from, "drain_cycles": rtl.cycles - measured_to,
            "state_ok": not diverged and not fault,
            "divergence": [fault] if fault else [d.describe() for d in diverged], "restored_by_pages": by_pages,
            "seconds": t_end - t0,
            "time": {"restore": t_restore - t0, "warmup": t_warm - t_restore, "unit": t_unit - t_warm,
                     "drain": t_drain - t_unit, "reference": t_reference - t_drain, "compare": t_end - t_reference}}


_RESIDENT: dict[int, Resident] = {}      # per RTL engine of this process: what it and its reference hold


def prime_worker(path: str, overrides: tuple, backend: str, base_key: str):
    """Put the installed base state into this worker's RTL and reference now, before any
    sample: the first sample then restores only its own pages. Done while the campaign
    plans (`executor.warm_up_workers`), when the workers are otherwise idle."""
    rtl, reference = worker_models(path, overrides, backend)
    base = installed_base(base_key)
    resident = _RESIDENT.setdefault(id(rtl), Resident())
    nothing = make_delta(base, base, base_key, lambda name: np.zeros(0, dtype=np.int64))
    resident.restore(reference, rtl, base, nothing, retired=0)
    resident.settle(reference, nothing, True)


def _divergences(rtl, reference) -> list:
    """The state elements where the RTL and the reference disagree ([] if none). Large arrays
    stored flat are compared inside the engine (no 16 MiB extract); the rest is extracted."""
    in_engine = {name for name in rtl.flat if is_paged(reference.state[name])}
    got = rtl.extract(state_buffer(rtl), skip=in_engine)
    rest = {name: a for name, a in reference.state.items() if name not in in_engine}
    if states_equal(rest, got) and all(_equal_in_engine(rtl, reference, name) for name in in_engine):
        return []
    return diff_states(reference.state, rtl.extract(state_buffer(rtl)))


def _equal_in_engine(rtl, reference, name: str) -> bool:
    """Whether the RTL's flat array `name` equals the reference's, comparing only the pages
    that can differ when both models know what they wrote, else all. The RTL was last cleaned
    when it matched a reference (the last sample that passed this check); since then its
    written-page map (`rtlgen.written`) has marked every page the design, `inject` or
    `write_pages` wrote, so its restore to this sample's state (the restored pages, or all of
    them after a whole inject) is checked too, not trusted. The reference was cleaned after its
    own restore, from the same pages: it adds the pages its run wrote."""
    mine = rtl.changed_pages(name) if hasattr(rtl, "changed_pages") else None
    theirs = reference.changed_pages(name) if hasattr(reference, "changed_pages") else None
    if mine is None or theirs is None:
        return rtl.equal(name, reference.state[name])
    return rtl.equal(name, reference.state[name], pages=pages_union(mine, theirs))


def ground_truth(machine_path: str, overrides: tuple, initial: Snapshot, commands, unit: int,
                 progress=None) -> dict:
    """The whole workload in RTL: total cycles and the true cycles of every unit. `commands`:
    ints, or encoded (`QueueTarget.binary`)."""
    rtl = worker_engine(machine_path, overrides)
    rtl.reset()
    rtl.inject(getattr(initial, "arrays", initial), retired=0)     # a Snapshot or its arrays
    rtl.push(commands)
    start = last = rtl.cycles
    per_unit = []
    for boundary in range(unit, len(commands) + unit, unit):
        rtl.run_until_retired(min(boundary, len(commands)), WATCHDOG)
        per_unit.append(rtl.cycles - last)
        last = rtl.cycles
        if progress is not None and len(per_unit) % 64 == 0:
            progress(min(boundary, len(commands)))
    rtl.run_until_quiescent(WATCHDOG)
    per_unit[-1] += rtl.cycles - last                    # the final drain belongs to the last unit
    return {"cycles": rtl.cycles - start, "per_unit": per_unit, "final_state": rtl.extract()}
