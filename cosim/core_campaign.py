"""Sampled co-simulation campaigns of programs on a processor core (fetch machines).

The accelerator campaign (`campaign.run_campaign`) knows its command stream in advance; a
program's instruction count and phases are only known by running it. So a core campaign
first *profiles* the program on the functional model: one C-simulator pass to the end with
per-unit signatures (instructions of each kind in every unit of U instructions,
`fastforward/signature.py`), which gives the population (units), the strata (k-means of
the kind histograms, `strata.kmeans`) and verifies the run (the program's exit code and
output). The C model runs ~100x faster than the RTL, so this pass is cheap.

Then, like the accelerator campaign, the functional model walks the program once, in order,
and at each sampled unit's detailed start ships the state (a `sample.Delta` against the
loaded program) as a `core_sample.CoreSampleTask` to the executor (the same local pool /
inline / Dask executors, `campaign.make_executor`); finished samples go to the resumable
`SampleStore`. Plans (`plan.systematic/random_units/stratified`), the estimator and the
Neyman second pass (`cmd_sample.neyman_second_pass`) are the accelerator path's, unchanged.
"""
from __future__ import annotations

import time
from concurrent.futures import FIRST_COMPLETED, wait
from dataclasses import dataclass, field

import numpy as np

from fastforward.backends import make_simulator
from spec import ir

from . import plan as plans
from .campaign import CampaignResult, Progress
from .core_sample import CORE_MEASUREMENT_BIAS, CoreSampleTask, measure_core_sample
from .estimate import estimate
from .plan import SamplePlan
from .delta import make_delta
from .store import SampleStore
from .strata import kmeans


@dataclass
class Profile:
    """The program's functional run: population, per-unit kind histograms, verification."""
    instructions: int
    unit: int
    histograms: np.ndarray        # (units, kinds): fraction of each instruction kind per unit
    verified: bool
    exit_code: int | None
    stdout: bytes
    seconds: float
    base: dict                    # the architectural state with the program loaded (pc at its entry)
    labels: dict = field(default_factory=dict)    # (strata, seed) -> stratum labels: both passes stratify alike


def profile(machine: ir.Machine, program, unit: int, backend: str = "c") -> Profile:
    """Run `program` to the end on the functional model with a signature every `unit` instructions."""
    sim = make_simulator(machine, backend)
    host = program.prepare(sim)
    base = {k: v.copy() for k, v in sim.state.items()}
    sim.enable_signatures(unit)
    t0 = time.perf_counter()
    sim.run()
    seconds = time.perf_counter() - t0
    sig = sim.signatures()
    counts = sig.counts
    if sim.retired % unit:                            # the last, partial unit is not a recorded interval
        counts = np.vstack([counts, sim.counts - counts.sum(axis=0)])
    assert len(counts) == plans.units_in(sim.retired, unit), (len(counts), sim.retired, unit)
    hist = counts.astype(np.float64)
    hist /= np.maximum(hist.sum(axis=1, keepdims=True), 1)
    return Profile(sim.retired, unit, hist, program.verify(sim, host), sim.exit_code if sim.halted else None,
                   host.stdout, seconds, base)


def core_labels(prof: Profile, strata: int, seed: int = 0) -> np.ndarray:
    """A stratum label per unit: k-means of the per-unit kind histograms, and the program's
    last unit, when it is shorter than U, a stratum of its own. A partial unit's cycles are
    not comparable with full units' (on the bundled crc it takes 1472 cycles among units of
    ~2000-2300): inside another stratum two samples usually miss it, and the 99.7% interval
    (with `shrinkage_allowance`) missed the truth in 11 of 200 seeds; alone it is always
    measured (a take-all stratum) and exact."""
    labels = kmeans(prof.histograms, strata, seed=seed)
    if prof.instructions % prof.unit:
        labels = labels.copy()
        labels[-1] = labels.max() + 1
    return labels


def shrinkage_allowance(plan: SamplePlan, cycles: dict, confidence: float) -> float:
    """The relative widening that makes a stratified interval use shrunk per-stratum variances.

    `estimate` takes each stratum's variance from its own two or three units. On a program
    most strata hold units of one or two cycle counts (a loop's units are alike), so two
    samples often agree and the stratum claims zero variance although a few of its units
    differ: on the bundled programs (U=1000, 16 strata, 32 units) the 99.7% interval then
    missed the truth in 11 (sort) and 23 (crc) of 200 seeds, with it in none (other unit
    sizes and strata: 0.8-1.0 coverage, benchmarks/bench_sampling_core.py --coverage).
    As in `cmd_sample.neyman_second_pass`, S_h² is shrunk
    towards the pooled within-stratum variance S_p² (S_h'² = ((n_h-1)·S_h² + S_p²)/n_h, also
    for strata with one unit) and the interval is widened to z·sqrt(Σ N_h²·S_h'²/n_h·(1-n_h/N_h)).
    Passed to `estimate` as its allowance, so the estimator itself is used unchanged."""
    if plan.kind != "stratified":
        return 0.0
    from .estimate import z_value
    sizes = np.array(plan.strata, dtype=np.float64)
    strata = np.array([u.stratum for u in plan.samples])
    values = np.array([cycles[u.index] for u in plan.samples], dtype=np.float64)
    n = np.bincount(strata, minlength=len(sizes)).astype(np.float64)
    var = np.array([values[strata == h].var(ddof=1) if n[h] > 1 else 0.0 for h in range(len(sizes))])
    pooled = float((sizes * var).sum() / sizes.sum())
    total = sum(sizes[h] * values[strata == h].mean() for h in range(len(sizes)) if n[h])
    partial = (n > 0) & (n < sizes)                   # strata not measured in full
    scale = np.where(partial, sizes ** 2 / np.maximum(n, 1) * (1 - n / sizes), 0.0)
    plain = float((scale * np.where(n > 1, var, 0.0)).sum())
    shrunk = float((scale * ((np.maximum(n, 1) - 1) * var + pooled) / np.maximum(n, 1)).sum())
    if total <= 0 or shrunk <= plain:
        return 0.0
    return z_value(confidence) * (np.sqrt(shrunk) - np.sqrt(plain)) / total


def core_estimate(plan: SamplePlan, cycles: dict, confidence: float):
    """`estimate.estimate`, with no measurement-bias allowance (a core's units are measured
    exactly) but the stratified shrinkage (`shrinkage_allowance`)."""
    allowance = CORE_MEASUREMENT_BIAS + shrinkage_allowance(plan, cycles, confidence)
    return estimate(plan, cycles, confidence, allowance)


def core_plan(prof: Profile, args, count: int | None = None, weights=None, floor=None,
              default_samples: int = 32) -> SamplePlan:
    """A plan over the program's units, as `cmd_sample.build_plan` makes one for a command
    stream; the strata are k-means clusters of the profile's per-unit kind histograms."""
    def labels():
        key = (args.strata, args.seed)
        if key not in prof.labels:                    # both passes of a campaign stratify alike
            prof.labels[key] = core_labels(prof, args.strata, args.seed)
        return prof.labels[key]
    return plans.from_args(args, prof.instructions, prof.unit, labels, args.seed, count, weights, floor,
                           default_samples)


def run_core_campaign(machine: ir.Machine, program, plan: SamplePlan, *, executor, store: SampleStore,
                      base: dict, backend: str = "c", confidence: float = 0.997, on_progress=None,
                      in_flight: int | None = None) -> CampaignResult:
    """Measure every unit of `plan` not already in `store`, then estimate total cycles.
    `executor`: a `campaign.SampleExecutor` made with `base` (the loaded program's state)."""
    start = time.perf_counter()
    sim = make_simulator(machine, backend)
    program.prepare(sim)                              # its host services the fast-forward's env calls
    key = executor.base_key
    overrides = tuple(sorted(machine.params))
    host = (program.tohost, program.fromhost)
    in_flight = in_flight or 2 * executor.workers
    reused = sum(u.index in store.done for u in plan.samples)
    pending, functional, position = {}, 0.0, 0

    def collect(return_when):
        done, _ = wait(pending, return_when=return_when)
        for future in done:
            store.add(future.result())
            del pending[future]
            if on_progress is not None:
                measured = sum(u.index in store.done for u in plan.samples)
                on_progress(Progress(position, plan.total, measured, len(plan.samples), None))

    for unit in plan.samples:
        if unit.index in store.done:
            continue
        t0 = time.perf_counter()
        sim.run(unit.detail_start - sim.retired)
        functional += time.perf_counter() - t0
        position = sim.retired
        task = CoreSampleTask(str(machine.path), overrides, unit, make_delta(sim.state, base, key), sim.retired,
                              host, backend)
        pending[executor.submit(task, measure_core_sample)] = task
        while len(pending) >= in_flight:
            collect(FIRST_COMPLETED)
    if pending:
        collect("ALL_COMPLETED")
    samples = [store.done[u.index] for u in plan.samples]
    est = core_estimate(plan, {s["index"]: s["cycles"] for s in samples}, confidence)
    detailed = sum(s["seconds"] for s in samples)
    return CampaignResult(plan, samples, est, functional, detailed, time.perf_counter() - start, None, reused)
