"""Coverage of the sampled estimate's 99.7% interval over 100 runs with random offsets.

    python benchmarks/bench_sampling_coverage.py [--workload transformer:64,64] [--samples 30]

A sample's measurement depends only on its unit and the warm-up W (the state injected is
the functional model's at the unit's start - W), so the script measures every unit once
as a sample would, then forms 100 campaigns from those measurements: systematic plans
with random offsets (and, separately, random plans with random seeds). It prints how
many of the 100 intervals contain the full RTL total, and the errors' spread.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sampling_warmup import SUITE_PARAMS, measure_all  # noqa: E402
from cosim.estimate import estimate  # noqa: E402
from cosim.plan import random_units, stratified, systematic, units_in  # noqa: E402
from cosim.strata import kind_histograms, kmeans  # noqa: E402
from cosim.truth import full_rtl  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from spec import load_machine  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workload", default="transformer:64,64")
    ap.add_argument("--unit", type=int, default=100)
    ap.add_argument("--warmup", type=int, help="default: dcsim sample's (four in-flight windows)")
    ap.add_argument("--samples", type=int, default=32)
    ap.add_argument("--strata", type=int, default=16)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--executor", default="local")
    args = ap.parse_args()
    machine = load_machine(ROOT / "hw" / "npu.yaml", SUITE_PARAMS)
    workload = build_workload(machine, args.workload)
    from cosim.sample import default_warmup
    args.warmup = default_warmup(machine) if args.warmup is None else args.warmup
    truth = full_rtl(machine, workload, 0, args.unit)["cycles"]
    measured = measure_all(machine, workload, args.unit, args.warmup, args.executor)
    cycles = {s["index"]: s["cycles"] for s in measured.samples}
    total, population = len(workload.commands), units_in(len(workload.commands), args.unit)
    every = max(1, population // args.samples)
    rng = np.random.default_rng(12345)
    labels = kmeans(kind_histograms(machine, workload.commands, args.unit), args.strata, seed=0)
    from cosim.estimate import MEASUREMENT_BIAS
    plans = {"systematic, random offset": [systematic(total, args.unit, args.warmup, every, int(rng.integers(every)))
                                           for _ in range(args.runs)],
             "random": [random_units(total, args.unit, args.warmup, args.samples, seed=int(rng.integers(1 << 30)))
                        for _ in range(args.runs)],
             f"stratified ({args.strata} strata)": [stratified(labels, total, args.unit, args.warmup, args.samples,
                                                  seed=int(rng.integers(1 << 30))) for _ in range(args.runs)]}
    print(f"{workload.name}: {total:,} commands, {population} units of {args.unit}, W={args.warmup}, "
          f"full RTL {truth:,} cycles; sum of all sampled units {sum(cycles.values()):,}")
    for kind, runs in plans.items():
        ests = [estimate(p, cycles, bias_allowance=MEASUREMENT_BIAS) for p in runs]
        inside = sum(e.low <= truth <= e.high for e in ests)
        err = np.array([(e.cycles - truth) / truth for e in ests])
        print(f"{kind:>28}: {inside}/{len(ests)} intervals (99.7%) contain the truth; "
              f"~{len(runs[0].samples)} samples, mean |error| {100 * np.abs(err).mean():.2f}%, "
              f"max {100 * np.abs(err).max():.2f}%, mean half-width {100 * np.mean([e.relative_error for e in ests]):.2f}%")


if __name__ == "__main__":
    main()
