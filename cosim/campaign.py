"""A sampled co-simulation campaign on any target: fast-forward, ship states, measure, estimate.

The target's functional model walks the workload once, in order; at each sampled unit's
detailed start the target makes a task carrying the state (as a delta against the
workload's base state, see `delta.Delta`), which an executor (`executor.make_executor`)
measures on a worker with the target's measure function. Results go to a resumable store
as they finish, so a killed campaign continues where it stopped. At most `in_flight`
tasks wait at a time, which bounds the memory the fast-forward can run ahead with. What a
target must provide is `target.SamplingTarget`.
"""
from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass

from .delta import base_key, install_base
from .estimate import Estimate, estimate, estimate_total
from .executor import SampleExecutor
from .plan import SamplePlan
from .store import SampleStore
from .target import SamplingTarget

TASKS_PER_WORKER = 8              # in flight: the fast-forward runs ahead rather than wait for workers


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


def prebuild(machine, backend: str) -> float:
    """Build (or find cached) the Verilated RTL and the C functional model once, here,
    before workers start: they then only load them. Returns the seconds it took."""
    from fastforward.backends import make_simulator
    from rtlgen import verilator
    from rtlgen.engine import generate_artifacts
    t0 = time.perf_counter()
    art = generate_artifacts(machine)
    verilator.build(art.verilog, art.shim, art.top)
    make_simulator(machine, backend)
    return time.perf_counter() - t0


def run_campaign(target: SamplingTarget, plan: SamplePlan, *, executor, store: SampleStore,
                 confidence: float = 0.997, on_sample=None, on_progress=None,
                 in_flight: int | None = None) -> CampaignResult:
    """Measure every unit of `plan` not already in `store`, then estimate total cycles.

    `target` is prepared for `plan.unit` here unless it already is. `executor` is a
    `SampleExecutor` holding the target's base state, or a plain `concurrent.futures.Executor`
    (then the base state is installed in this process: inline executors only). If the
    target's functional run has not been checked yet (`target.end_checked`), the functional
    model runs on to the workload's end after the last sample and is checked."""
    start = time.perf_counter()
    if target.prepared_unit != plan.unit:
        target.prepare(plan.unit)
    if not isinstance(executor, SampleExecutor):
        key = base_key(target.base)
        install_base(key, target.base)
        executor = SampleExecutor("inline", 1, executor, key)
    sim = target.start()
    in_flight = in_flight or TASKS_PER_WORKER * executor.workers
    reused = sum(u.index in store.done for u in plan.samples)
    tracker = _Tracker(target, plan, store, confidence, on_sample, on_progress, executor)
    pending, functional = {}, 0.0
    for unit in plan.samples:
        if unit.index in store.done:
            continue
        t0 = time.perf_counter()
        if hasattr(target, "skip_ahead"):       # a later pass: from the nearest state an earlier one passed
            target.skip_ahead(sim, unit.detail_start)
        sim.run(unit.detail_start - sim.retired)
        functional += time.perf_counter() - t0
        task = target.task(unit, sim, executor.base_key)
        pending[executor.submit(task, target.measure)] = task
        tracker.position = sim.retired
        while len(pending) >= in_flight:
            pending = tracker.collect(pending, FIRST_COMPLETED)
    if not target.end_checked:                  # the functional run to the end, checked once per target,
        t0 = time.perf_counter()                # while the workers measure the last samples
        sim.run()
        functional += time.perf_counter() - t0
        target.verified, target.end_checked = target.check_end(sim), True
    tracker.collect(pending, None)
    samples = [_with_final_drain(store.done[u.index], plan.total) for u in plan.samples]
    covariates = target.covariates(plan.unit) if hasattr(target, "covariates") else None
    est = estimate_total(plan, {s["index"]: s["cycles"] for s in samples}, confidence,
                         target.defaults.measurement_bias, covariates)
    detailed = sum(s["seconds"] for s in samples)
    return CampaignResult(plan, samples, est, functional, detailed, time.perf_counter() - start, target.verified,
                          reused)


class _Tracker:
    """Stores finished samples, resends those the target wants measured again, and keeps the
    running estimate for progress displays."""

    def __init__(self, target, plan, store, confidence, on_sample, on_progress, executor):
        self.target, self.plan, self.store, self.confidence = target, plan, store, confidence
        self.on_sample, self.on_progress, self.executor = on_sample, on_progress, executor
        self.position = 0

    def collect(self, pending: dict, return_when) -> dict:
        """Store finished samples (all of them with `return_when` None, else at least one).
        Returns the futures still pending."""
        while pending:
            done, _ = wait(pending, return_when=return_when or "ALL_COMPLETED")
            pending = self._finish(pending, done)
            if return_when is not None:
                break
        return pending

    def _finish(self, pending: dict, done) -> dict:
        rest = {f: t for f, t in pending.items() if f not in done}
        for future in done:
            record = future.result()
            again = self.target.retry(pending[future], record)
            if again is not None:
                rest[self.executor.submit(again, self.target.measure)] = again
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
