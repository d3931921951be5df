"""Coverage of the sampled estimate's 99.7% interval over 100 runs with random offsets.

    python benchmarks/bench_sampling_coverage.py [--workload transformer:128,128] [--samples N] [--strata K]

A sample's measurement depends only on its unit and the warm-up W (the state injected is
the functional model's at the unit's start - W), so the script measures every unit once
as a sample would (real RTL samples, with their measurement bias), then forms 100
campaigns from those measurements: `dcsim sample`'s default plan (on an accelerator 18
units in 6 strata with the regression estimate on the units' command counts, passes to
±1%) with 100 plan seeds, and single-pass systematic (random offset), random and
stratified plans of `--samples` units (the stratified mean). It prints how many of the 100 intervals contain
the full RTL total, and the errors' spread. `long` (16,057 units) takes ~4 minutes on 2
cores.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sampling_plans import default_plan  # noqa: E402
from bench_sampling_suite import suite_machine  # noqa: E402
from bench_sampling_warmup import measure_all  # noqa: E402
from cosim.estimate import estimate  # noqa: E402
from cosim.plan import random_units, stratified, systematic, units_in  # noqa: E402
from cosim.queue_sample import default_warmup  # noqa: E402
from cosim.queue_target import QueueTarget  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="transformer:128,128")
    ap.add_argument("--unit", type=int, default=200)
    ap.add_argument("--warmup", type=int, help="default: dcsim sample's (four in-flight windows)")
    ap.add_argument("--samples", type=int, help="default: dcsim sample's first pass on this target")
    ap.add_argument("--strata", type=int, help="default: dcsim sample's on this target")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--executor", default="local")
    args = ap.parse_args()
    machine = suite_machine(args.workload)
    workload = build_workload(machine, args.workload)
    args.warmup = default_warmup(machine) if args.warmup is None else args.warmup
    target = QueueTarget(machine, workload)
    args.samples = args.samples or target.defaults.samples
    args.strata = args.strata or target.defaults.strata
    truth = target.truth(args.unit)["cycles"]
    measured = measure_all(machine, workload, args.unit, args.warmup, args.executor)
    cycles = {s["index"]: s["cycles"] for s in measured.samples}
    total, population = len(workload.commands), units_in(len(workload.commands), args.unit)
    every = max(1, population // args.samples)
    rng = np.random.default_rng(12345)
    labels = target.labels(args.unit, args.strata, 0)
    from cosim.estimate import MEASUREMENT_BIAS
    plans = {"systematic, random offset": [systematic(total, args.unit, args.warmup, every, int(rng.integers(every)))
                                           for _ in range(args.runs)],
             "random": [random_units(total, args.unit, args.warmup, args.samples, seed=int(rng.integers(1 << 30)))
                        for _ in range(args.runs)],
             f"stratified ({args.strata} strata)": [stratified(labels, total, args.unit, args.warmup, args.samples,
                                                  seed=int(rng.integers(1 << 30))) for _ in range(args.runs)]}
    print(f"{workload.name}: {total:,} commands, {population} units of {args.unit}, W={args.warmup}, "
          f"full RTL {truth:,} cycles; sum of all sampled units {sum(cycles.values()):,}")
    defaults = [default_plan(measured_cycles(cycles, population), labels, total, args.unit, seed, args.warmup,
                             first_units=args.samples, covariates=target.covariates(args.unit))
                for seed in range(args.runs)]
    inside = sum(e.low <= truth <= e.high for e, _, _ in defaults)
    err = np.array([(e.cycles - truth) / truth for e, _, _ in defaults])
    print(f"{'default plan (two passes)':>28}: {inside}/{len(defaults)} intervals (99.7%) contain the truth; "
          f"median {np.median([n for _, n, _ in defaults]):.0f} samples, {sum(s for _, _, s in defaults)} second "
          f"passes, mean |error| {100 * np.abs(err).mean():.2f}%, max {100 * np.abs(err).max():.2f}%, "
          f"mean half-width {100 * np.mean([e.relative_error for e, _, _ in defaults]):.2f}%")
    for kind, runs in plans.items():
        ests = [estimate(p, cycles, bias_allowance=MEASUREMENT_BIAS) for p in runs]
        inside = sum(e.low <= truth <= e.high for e in ests)
        err = np.array([(e.cycles - truth) / truth for e in ests])
        print(f"{kind:>28}: {inside}/{len(ests)} intervals (99.7%) contain the truth; "
              f"~{len(runs[0].samples)} samples, mean |error| {100 * np.abs(err).mean():.2f}%, "
              f"max {100 * np.abs(err).max():.2f}%, mean half-width {100 * np.mean([e.relative_error for e in ests]):.2f}%")


def measured_cycles(cycles: dict, population: int) -> np.ndarray:
    return np.array([cycles[i] for i in range(population)], dtype=np.float64)


if __name__ == "__main__":
    main()
