"""Offline plan study: how unit size, strata and the coverage fix set the units a campaign needs.

    python benchmarks/bench_sampling_plans.py [--units 100,200,400] [--strata 12] [--seeds 200]
                                              [--fixes shrink,none] [--samples 36,24] [--workloads 'long;prog:crc']

Uses the full RTL run's per-unit cycles (the ground truth, cached like `dcsim sample
--truth`; a missing one is computed first: ~90 s for `long`) of each sampling-suite
workload and bundled RV32I program, so no sample is simulated: for each unit size it
prints the per-unit coefficient of variation, the units a stratified plan needs for ±1%
at 99.7% with the true per-stratum variances (Neyman, with the target's measurement-bias
allowance), and, over `--seeds` draws of `dcsim sample`'s default two-pass plan (first
pass of 36 units, Neyman second pass if the first's interval is wider than ±1%), the mean
and largest |error|, how often the 99.7% interval contains the truth, how often a second
pass ran, and the median units measured; once per coverage fix: `shrink` widens the
interval with the shrunk per-stratum variances (`estimate.estimate_total`, what dcsim
sample does), `none` uses the per-stratum sample variances alone. Measurement bias is left
out here: it is what `bench_sampling_warmup.py` measures.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_sampling_suite import PROGRAMS, SUITE, suite_target  # noqa: E402
from cosim import plan as plans  # noqa: E402
from cosim.campaign import CampaignResult  # noqa: E402
from cosim.estimate import MEASUREMENT_BIAS, estimate, estimate_total, z_value  # noqa: E402
from cosim.passes import second_pass  # noqa: E402
from cosim.sampling import DEFAULT_SAMPLES, DEFAULT_TARGET_ERROR  # noqa: E402

CONFIDENCE = 0.997


def neyman_units(cycles: np.ndarray, labels: np.ndarray, target: float, bias: float = MEASUREMENT_BIAS) -> float:
    """Units a stratified plan needs for ±target with the true per-stratum deviations."""
    sizes = np.bincount(labels)
    sd = np.array([cycles[labels == h].std(ddof=1) if sizes[h] > 1 else 0.0 for h in range(len(sizes))])
    half = (target - bias) * cycles.sum() / z_value(CONFIDENCE)
    a, b = float((sizes * sd).sum()), float((sizes * sd ** 2).sum())
    return a * a / (half * half + b)


def default_plan(cycles: np.ndarray, labels: np.ndarray, total: int, unit: int, seed: int, warmup: int = 0,
                 bias: float = MEASUREMENT_BIAS, fix: str = "shrink", first_units: int = DEFAULT_SAMPLES,
                 covariates=None):
    """(estimate, units measured, second pass ran) of dcsim sample's default plan, given
    every unit's cycles (the full run's, or every unit measured as a sample with `warmup`);
    the interval carries the measurement-bias allowance `bias`, as `dcsim sample`'s does,
    and the coverage fix `fix` ('shrink': dcsim sample's; 'none'); `first_units`: the first
    pass's size (dcsim sample's DEFAULT_SAMPLES); `covariates` (one row per unit): the
    regression estimate, as `dcsim sample` uses on an accelerator."""
    def est_of(plan):
        measured = {u.index: cycles[u.index] for u in plan.samples}
        if fix == "shrink":
            return estimate_total(plan, measured, CONFIDENCE, bias, covariates)
        injected = any(u.warmup < u.start for u in plan.samples)
        return estimate(plan, measured, CONFIDENCE, bias if injected else 0.0)
    first = plans.stratified(labels, total, unit, warmup, max(first_units, 2 * (labels.max() + 1)), seed=seed)
    est = est_of(first)
    result = CampaignResult(first, [{"index": u.index, "cycles": cycles[u.index]} for u in first.samples], est,
                            0, 0, 0, None)
    second, _ = second_pass(result, DEFAULT_TARGET_ERROR, lambda count, weights, floor: plans.stratified(
        labels, total, unit, warmup, count, seed=seed, weights=weights, floor=floor), bias)
    if second is None:
        return est, len(first.samples), False
    return est_of(second), len(second.samples), True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", help="unit sizes, e.g. 100,200,400 (default: each target's default unit)")
    ap.add_argument("--strata", type=int, default=12)
    ap.add_argument("--samples", default=str(DEFAULT_SAMPLES), help="first-pass sizes to compare, e.g. 36,24")
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--fixes", default="shrink,none", help="coverage fixes to compare: shrink, none")
    ap.add_argument("--workloads", default=";".join(SUITE + PROGRAMS), help="';'-separated list")
    args = ap.parse_args()
    print(f"{'workload':>26} {'U':>5} {'units':>6} {'CV':>6} {'Neyman':>7} {'fix':>6} {'n1':>3} | "
          f"default plan over {args.seeds} "
          f"seeds: {'mean|err|':>9} {'max|err|':>8} {'inside':>8} {'2nd pass':>8} {'units':>5}")
    for name in args.workloads.split(";"):
        target = suite_target(name)
        target.load()
        units = [int(u) for u in args.units.split(",")] if args.units else [target.defaults.unit]
        finest = math.gcd(*units)
        truth = np.array(target.truth(finest)["per_unit"], dtype=np.float64)
        bias = target.defaults.measurement_bias
        for unit in units:
            target.prepare(unit)
            cycles = np.add.reduceat(truth, np.arange(0, len(truth), unit // finest))
            labels = target.labels(unit, args.strata, 0)
            for fix, first in ((f, int(n)) for f in args.fixes.split(",") for n in args.samples.split(",")):
                runs = [default_plan(cycles, labels, target.total, unit, seed, bias=bias, fix=fix, first_units=first)
                        for seed in range(args.seeds)]
                err = np.array([abs(e.cycles - cycles.sum()) / cycles.sum() for e, _, _ in runs])
                inside = np.mean([e.low <= cycles.sum() <= e.high for e, _, _ in runs])
                print(f"{target.name:>26} {unit:>5} {len(cycles):>6} {cycles.std() / cycles.mean():>6.3f} "
                      f"{neyman_units(cycles, labels, DEFAULT_TARGET_ERROR, bias):>7.1f} {fix:>6} {first:>3} | "
                      f"{100 * err.mean():>8.3f}% {100 * err.max():>7.2f}% {inside:>8.1%} "
                      f"{np.mean([s for _, _, s in runs]):>8.0%} {np.median([n for _, n, _ in runs]):>5.0f}", flush=True)


if __name__ == "__main__":
    main()
