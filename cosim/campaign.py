"""A sampled co-simulation campaign: fast-forward, snapshot, measure samples, estimate.

The functional model walks the workload once, in order; at each sampled unit's detailed
start it takes a snapshot and hands a `SampleTask` to an executor. Results go to a
resumable store as they finish, so a killed campaign continues where it stopped.
"""
from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, Executor, ProcessPoolExecutor, wait
from dataclasses import dataclass, replace

from fastforward.backends import make_simulator
from spec import ir

from .estimate import Estimate, estimate
from .plan import SamplePlan
from .sample import SampleTask, measure_sample
from .store import SampleStore


class InlineExecutor(Executor):
    """Runs each task when submitted: for tests, debugging, and one-core machines."""

    def submit(self, fn, *args, **kwargs):
        from concurrent.futures import Future
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:            # delivered to the caller through the future
            future.set_exception(exc)
        return future


def make_executor(workers: int, scheduler: str | None = None) -> Executor:
    """A local process pool by default; a Dask cluster when given its scheduler address."""
    if scheduler:
        from distributed import Client
        return Client(scheduler).get_executor()
    if workers <= 1:
        return InlineExecutor()
    return ProcessPoolExecutor(max_workers=workers)


@dataclass
class CampaignResult:
    plan: SamplePlan
    samples: list                 # sample records, sorted by unit index
    estimate: Estimate
    functional_seconds: float
    detailed_seconds: float
    wall_seconds: float
    verified: bool | None         # the functional run's output against the workload's reference

    @property
    def diverged(self) -> list:
        return [s for s in self.samples if not s["state_ok"]]


def run_campaign(machine: ir.Machine, workload, plan: SamplePlan, *, executor: Executor, store: SampleStore,
                 backend: str = "c", confidence: float = 0.997, on_sample=None, in_flight: int = 4) -> CampaignResult:
    """Measure every unit of `plan` not already in `store`, then estimate total cycles."""
    start = time.perf_counter()
    sim = make_simulator(machine, backend)
    workload.prepare(sim)
    commands = tuple(workload.commands)
    overrides = tuple(sorted(machine.params))
    pending, functional = set(), 0.0
    for unit in plan.samples:
        if unit.index in store.done:
            continue
        t0 = time.perf_counter()
        sim.run(unit.detail_start - sim.retired)
        functional += time.perf_counter() - t0
        task = SampleTask(machine.path, overrides, unit, replace(sim.snapshot(), queue=()),
                          commands[unit.detail_start:unit.start + unit.length], backend)
        pending.add(executor.submit(measure_sample, task))
        while len(pending) >= in_flight:       # bound memory: each task carries a full snapshot
            pending = _collect(pending, store, on_sample, FIRST_COMPLETED)
    _collect(pending, store, on_sample, None)
    t0 = time.perf_counter()
    sim.run()
    functional += time.perf_counter() - t0
    verified = bool(workload.verify(sim)) if hasattr(workload, "verify") else None
    samples = [_with_final_drain(store.done[u.index], plan.total) for u in plan.samples]
    est = estimate(plan, {s["index"]: s["cycles"] for s in samples}, confidence)
    detailed = sum(s["seconds"] for s in samples)
    return CampaignResult(plan, samples, est, functional, detailed, time.perf_counter() - start, verified)


def _collect(pending: set, store: SampleStore, on_sample, return_when) -> set:
    done, rest = wait(pending, return_when=return_when or "ALL_COMPLETED")
    for future in done:
        record = future.result()
        store.add(record)
        if on_sample is not None:
            on_sample(record)
    return rest


def _with_final_drain(record: dict, total: int) -> dict:
    """The last unit's cycles include draining the machine, as in the ground truth."""
    if record["start"] + record["length"] == total:
        return {**record, "cycles": record["cycles"] + record["drain_cycles"]}
    return record
