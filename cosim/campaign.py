"""A sampled co-simulation campaign: fast-forward, snapshot, measure samples, estimate.

The functional model walks the workload once, in order; at each sampled unit's detailed
start it takes the state (as a delta against the workload's initial state, see
`sample.Delta`) and hands a `SampleTask` to an executor. Results go to a resumable store
as they finish, so a killed campaign continues where it stopped. At most `in_flight`
tasks wait at a time, which bounds the memory the fast-forward can run ahead with.

Executors (`make_executor`): `inline` (this process), `local[:N]` (a process pool of N
workers, default: the machine's cores; each worker loads the Verilated model and the
reference simulator once), `dask://HOST:PORT` (a Dask cluster; the base state is
scattered once to every worker).
"""
from __future__ import annotations

import multiprocessing
import os
import time

import numpy as np
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass

from fastforward.backends import make_simulator
from spec import ir
from spec.encoding import command_limbs, machine_limbs
from spec.errors import DcsimError

from .estimate import MEASUREMENT_BIAS, Estimate, estimate
from .plan import SamplePlan, SampleUnit
from .delta import base_key, install_base, make_delta
from .sample import LOOKAHEAD_BUDGET, LOOKAHEAD_STEP, SampleTask, in_flight_window, measure_sample, prepare_worker
from .store import SampleStore


WORKER_NICENESS = 5               # long on 2 cores, median of 5: 0.654 s at 0, 0.616 s at 5 (`_start_worker`)


class InlineExecutor(Executor):
    """Runs each task when submitted: for tests, debugging, and one-core machines."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:            # delivered to the caller through the future
            future.set_exception(exc)
        return future


class SampleExecutor:
    """Where samples run, with the campaign's base state (`base_key`) already in every worker."""

    def __init__(self, kind: str, workers: int, executor: Executor, base_key: str, base_arg=None, client=None):
        self.kind, self.workers, self.executor, self.base_key = kind, workers, executor, base_key
        self._base_arg, self._client = base_arg, client

    def submit(self, task, measure=measure_sample) -> Future:
        """Run `measure(task)` on a worker (`measure_sample`, or a core's `measure_core_sample`);
        a Dask worker also gets the scattered base state."""
        if self._base_arg is not None:
            return self.executor.submit(measure, task, self._base_arg)
        return self.executor.submit(measure, task)

    def shutdown(self):
        if self._client is not None:             # Dask: closing the client drops its tasks
            self._client.close()
        else:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


def parse_executor(text: str | None) -> tuple[str, int | str]:
    """'inline' | 'local' | 'local:N' | 'dask://HOST:PORT' -> (kind, workers or address)."""
    text = (text or "local").strip()
    if text == "inline":
        return "inline", 1
    if text.startswith("dask://") or text.startswith("tcp://"):
        return "dask", "tcp://" + text.split("://", 1)[1]
    kind, _, n = text.partition(":")
    if kind == "local":
        try:
            workers = int(n) if n else (os.cpu_count() or 1)
        except ValueError:
            workers = 0
        if workers >= 1:
            return "local", workers
    raise DcsimError(f"bad --executor '{text}': use local, local:N (N worker processes), inline, "
                     "or dask://HOST:PORT (a Dask scheduler)")


def make_executor(text: str | None, base: dict) -> SampleExecutor:
    """An executor whose workers hold `base`, the campaign's initial state."""
    kind, arg = parse_executor(text)
    key = base_key(base)
    if kind == "dask":
        return _dask(arg, base, key)
    if kind == "inline" or arg == 1:
        install_base(key, base)
        return SampleExecutor("inline", 1, InlineExecutor(), key)
    context = _pool_context()
    pool = ProcessPoolExecutor(max_workers=arg, mp_context=context, initializer=_start_worker, initargs=(key, base))
    return SampleExecutor("local", arg, pool, key)


def _start_worker(key: str, base: dict):
    """A local worker: below the campaign process in CPU priority, so that on a machine with no
    spare core the fast-forward (the campaign's critical path: every sample waits for it)
    is not slowed by the samples it has already handed out; then the base state."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError:                              # not permitted here: run at the same priority
        pass
    install_base(key, base)


def _pool_context():
    """`fork` when this process runs no other thread (starting a worker then costs ~10 ms and
    the workers inherit the imported modules), else `forkserver` (a fork of a threaded
    process may inherit held locks); a forkserver's first worker waits ~0.2 s per worker for
    the server's imports, a tenth of the long workload's sampled run."""
    import threading
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["cosim.sample"])
    return context


def warm_up_workers(executor: SampleExecutor, machine: ir.Machine, backend: str):
    """Start every local worker and load its models now, overlapping the fast-forward."""
    if executor.kind == "local":
        for _ in range(executor.workers):
            executor.executor.submit(prepare_worker, str(machine.path), tuple(sorted(machine.params)), backend)


def _dask(address: str, base: dict, key: str) -> SampleExecutor:
    try:
        from distributed import Client
    except ImportError:
        raise DcsimError("--executor dask://... needs Dask's distributed package: pip install 'dcsim[cluster]'") from None
    try:
        client = Client(address, timeout=10)
    except OSError as exc:
        raise DcsimError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    [scattered] = client.scatter([base], broadcast=True, hash=False)     # once per worker, not per task
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    return SampleExecutor("dask", workers, client.get_executor(pure=False), key, scattered, client)


@dataclass
class CampaignResult:
    plan: SamplePlan
    samples: list                 # sample records, sorted by start
    estimate: Estimate
    functional_seconds: float
    detailed_seconds: float
    wall_seconds: float
    verified: bool | None         # the functional run's output against the workload's reference
    reused: int = 0               # samples found in the store

    @property
    def diverged(self) -> list:
        return [s for s in self.samples if not s["state_ok"]]


@dataclass
class Progress:
    """What a progress display shows: fast-forward position, samples done, running estimate."""
    position: int
    total: int
    done: int
    planned: int
    estimate: Estimate | None


def prebuild(machine: ir.Machine, backend: str) -> float:
    """Build (or find cached) the Verilated RTL and the C functional model once, here,
    before workers start: they then only load them. Returns the seconds it took."""
    t0 = time.perf_counter()
    from rtlgen import verilator
    from rtlgen.engine import generate_artifacts
    art = generate_artifacts(machine)
    verilator.build(art.verilog, art.shim, art.top)
    make_simulator(machine, backend)
    return time.perf_counter() - t0


class _StateOnly:
    """Takes a workload's inputs but not its commands (encoding them costs time)."""

    def __init__(self, machine: ir.Machine):
        from fastforward.sim import new_state
        self.state = new_state(machine)

    def push(self, commands):
        pass


def base_state(machine: ir.Machine, workload) -> dict:
    """The workload's initial architectural state (inputs in DRAM), without running anything."""
    holder = _StateOnly(machine)
    workload.prepare(holder)
    return holder.state


_ENCODED: dict = {}


def encoded_commands(machine: ir.Machine, commands):
    """The workload's commands as (n, limbs) uint64, encoded once per campaign (3.2e6 commands
    of the long workload take ~0.8 s): both passes' functional models and the strata use it."""
    key = (machine.digest, id(commands), len(commands))
    if key not in _ENCODED:
        _ENCODED.clear()
        words = commands if isinstance(commands, list) else list(commands)
        _ENCODED[key] = (commands, command_limbs(words, machine_limbs(machine)))   # pins `commands`
    return _ENCODED[key][1]


def initial_state(machine: ir.Machine, workload, backend: str, base: dict | None = None):
    """A functional simulator with the workload prepared (inputs in DRAM, commands queued).
    Given the workload's `base_state`, the C model takes it and the encoded commands
    (`encoded_commands`) directly instead of encoding the workload's commands again."""
    sim = make_simulator(machine, backend)
    if base is None or not hasattr(sim, "_qwords") or machine.queue is None:
        workload.prepare(sim)
        return sim
    for name, array in base.items():
        np.copyto(sim.state[name], array)
    sim._pending = list(workload.commands)
    sim._qwords, sim._filled = encoded_commands(machine, workload.commands), len(sim._pending)
    sim._set_queue()
    return sim


def run_campaign(machine: ir.Machine, workload, plan: SamplePlan, *, executor, store: SampleStore,
                 backend: str = "c", confidence: float = 0.997, on_sample=None, on_progress=None,
                 in_flight: int | None = None, lookahead: int | None = None, adaptive: bool = True,
                 verify: bool = True, base: dict | None = None) -> CampaignResult:
    """Measure every unit of `plan` not already in `store`, then estimate total cycles.

    `executor` is a `SampleExecutor` or a plain `concurrent.futures.Executor` (then the
    workload's base state is installed in this process: inline executors only).
    `lookahead` commands after each unit are pushed too (default: the RTL's in-flight window,
    see `sample.in_flight_window`), so that the unit's end sees the full run's younger traffic;
    a sample extends it until the RTL has not yet accepted all of it when the unit ends (then it
    is exact, see `sample`). A task carries LOOKAHEAD_BUDGET times the first look-ahead; a
    sample that exhausts that is sent again with four times the budget. `adaptive=False`
    pushes exactly `lookahead` commands (for studying the look-ahead itself). `base`: the
    workload's `base_state`, if the caller has it (then the commands are encoded only once)."""
    start = time.perf_counter()
    if base is None:
        sim = initial_state(machine, workload, backend)
        base = {k: v.copy() for k, v in sim.state.items()}
    else:
        sim = initial_state(machine, workload, backend, base)
    if hasattr(sim, "clean"):                   # tasks then carry the pages it writes (no 16 MiB compares)
        sim.clean()
    if isinstance(executor, SampleExecutor):    # its workers hold `base` already (hashing 16 MiB again: ~10 ms)
        key = executor.base_key
    else:
        key = base_key(base)
        install_base(key, base)
        executor = SampleExecutor("inline", 1, executor, key)
    in_flight = in_flight or 8 * executor.workers  # the fast-forward runs ahead rather than wait for workers
    commands = workload.commands                 # sliced per task (copying 3.2e6 references costs 20 ms)
    lookahead = in_flight_window(machine) if lookahead is None else lookahead
    overrides = tuple(sorted(machine.params))
    reused = sum(u.index in store.done for u in plan.samples)
    budget = LOOKAHEAD_BUDGET * max(lookahead, LOOKAHEAD_STEP) if adaptive else lookahead
    tracker = _Tracker(plan, store, confidence, on_sample, on_progress, executor, commands)
    pending, functional = {}, 0.0
    for unit in plan.samples:
        if unit.index in store.done:
            continue
        t0 = time.perf_counter()
        sim.run(unit.detail_start - sim.retired)
        functional += time.perf_counter() - t0
        task = _task(machine, overrides, unit, sim, base, key, commands, backend, lookahead, budget, adaptive)
        pending[executor.submit(task)] = task
        tracker.position = sim.retired
        while len(pending) >= in_flight:
            pending = tracker.collect(pending, FIRST_COMPLETED)
    tracker.collect(pending, None)
    verified = None
    if verify:                                  # the functional run to the end, checked (a first pass skips it)
        t0 = time.perf_counter()
        sim.run()
        functional += time.perf_counter() - t0
        verified = bool(workload.verify(sim)) if hasattr(workload, "verify") else None
    samples = [_with_final_drain(store.done[u.index], plan.total) for u in plan.samples]
    # units injected mid-run (warm-up not reaching back to the start) carry the warm-up's bias
    allowance = MEASUREMENT_BIAS if any(u.warmup < u.start for u in plan.samples) else 0.0
    est = estimate(plan, {s["index"]: s["cycles"] for s in samples}, confidence, allowance)
    detailed = sum(s["seconds"] for s in samples)
    return CampaignResult(plan, samples, est, functional, detailed, time.perf_counter() - start, verified, reused)


def _task(machine, overrides, unit: SampleUnit, sim, base, key, commands, backend, lookahead: int, budget: int,
          adaptive: bool) -> SampleTask:
    end = unit.start + unit.length + budget
    state = make_delta(sim.state, base, key, getattr(sim, "changed_pages", None))
    return SampleTask(str(machine.path), overrides, unit, state, sim.retired, tuple(commands[unit.detail_start:end]),
                      backend, lookahead, end >= len(commands), adaptive)


class _Tracker:
    """Stores finished samples and keeps the running estimate for progress displays."""

    def __init__(self, plan, store, confidence, on_sample, on_progress, executor=None, commands=()):
        self.plan, self.store, self.confidence = plan, store, confidence
        self.on_sample, self.on_progress = on_sample, on_progress
        self.executor, self.commands = executor, commands
        self.position = 0

    def collect(self, pending: dict, return_when) -> dict:
        """Store finished samples; send again, with a larger look-ahead budget, those whose
        look-ahead ran out before it was exact. Returns the futures still pending."""
        while pending:
            done, _ = wait(pending, return_when=return_when or "ALL_COMPLETED")
            pending = self._finish(pending, done)
            if return_when is not None:
                break
        return pending

    def _finish(self, pending: dict, done) -> dict:
        rest = {f: t for f, t in pending.items() if f not in done}
        for future in done:
            record, task = future.result(), pending[future]
            if task.adaptive and not record.get("lookahead_exact", True):
                again = task.extended(self.commands, LOOKAHEAD_BUDGET * task.budget)
                rest[self.executor.submit(again)] = again
                continue
            self.store.add(record)
            if self.on_sample is not None:
                self.on_sample(record)
            if self.on_progress is not None:
                self.on_progress(self.progress())
        return rest

    def progress(self) -> Progress:
        measured = [u for u in self.plan.samples if u.index in self.store.done]
        est = None
        if len(measured) >= 2 and self.plan.kind != "stratified":
            partial = SamplePlan(self.plan.kind, self.plan.total, self.plan.unit, tuple(measured))
            est = estimate(partial, {u.index: self.store.done[u.index]["cycles"] for u in measured},
                           self.confidence)
        return Progress(self.position, self.plan.total, len(measured), len(self.plan.samples), est)


def _with_final_drain(record: dict, total: int) -> dict:
    """The last unit's cycles include draining the machine, as in the ground truth."""
    if record["start"] + record["length"] == total:
        return {**record, "cycles": record["cycles"] + record["drain_cycles"]}
    return record
