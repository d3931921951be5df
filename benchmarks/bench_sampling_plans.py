"""Offline plan study: how unit size and strata set the units a campaign needs.

    python benchmarks/bench_sampling_plans.py [--units 100,200,400] [--strata 16] [--seeds 200]

Uses the full RTL run's per-unit cycles (the ground truth, cached like `dcsim sample
--truth`; a missing one is computed first: ~90 s for `long`) of each sampling-suite
workload, so no sample is simulated: for each unit size it prints the per-unit
coefficient of variation, the units a stratified plan needs for ±1% at 99.7% with the
true per-stratum variances (Neyman, with the 0.2% measurement-bias allowance), and, over
`--seeds` draws of `dcsim sample`'s default two-pass plan (first pass two units per
stratum, Neyman second pass if the first's interval is wider than ±1%), the mean and
largest |error|, how often the 99.7% interval contains the truth, how often a second
pass ran, and the median units measured. Measurement
bias is left out here: it is what `bench_sampling_warmup.py` measures.
"""
from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_sampling_suite import SUITE, suite_machine  # noqa: E402
from cosim import plan as plans  # noqa: E402
from cosim.campaign import CampaignResult  # noqa: E402
from cosim.cmd_sample import DEFAULT_SAMPLES, DEFAULT_TARGET_ERROR, second_pass  # noqa: E402
from cosim.estimate import MEASUREMENT_BIAS, estimate, z_value  # noqa: E402
from cosim.strata import kind_histograms, kmeans  # noqa: E402
from cosim.truth import full_rtl  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402

CONFIDENCE = 0.997


def neyman_units(cycles: np.ndarray, labels: np.ndarray, target: float) -> float:
    """Units a stratified plan needs for ±target with the true per-stratum deviations."""
    sizes = np.bincount(labels)
    sd = np.array([cycles[labels == h].std(ddof=1) if sizes[h] > 1 else 0.0 for h in range(len(sizes))])
    half = (target - MEASUREMENT_BIAS) * cycles.sum() / z_value(CONFIDENCE)
    a, b = float((sizes * sd).sum()), float((sizes * sd ** 2).sum())
    return a * a / (half * half + b)


def default_plan(cycles: np.ndarray, labels: np.ndarray, total: int, unit: int, seed: int, warmup: int = 0):
    """(estimate, units measured, second pass ran) of dcsim sample's default plan, given
    every unit's cycles (the full run's, or every unit measured as a sample with `warmup`);
    the interval carries the measurement-bias allowance, as `dcsim sample`'s does."""
    first = plans.stratified(labels, total, unit, warmup, max(DEFAULT_SAMPLES, 2 * (labels.max() + 1)), seed=seed)
    est = estimate(first, {u.index: cycles[u.index] for u in first.samples}, CONFIDENCE, MEASUREMENT_BIAS)
    result = CampaignResult(first, [{"cycles": cycles[u.index]} for u in first.samples], est, 0, 0, 0, None)
    second, _ = second_pass(result, DEFAULT_TARGET_ERROR, lambda count, weights, floor: plans.stratified(
        labels, total, unit, warmup, count, seed=seed, weights=weights, floor=floor))
    if second is None:
        return est, len(first.samples), False
    est = estimate(second, {u.index: cycles[u.index] for u in second.samples}, CONFIDENCE, MEASUREMENT_BIAS)
    return est, len(second.samples), True


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--units", default="100,200,400", help="unit sizes")
    ap.add_argument("--strata", type=int, default=16)
    ap.add_argument("--seeds", type=int, default=200)
    ap.add_argument("--workloads", default=";".join(SUITE), help="';'-separated list")
    args = ap.parse_args()
    print(f"{'workload':>26} {'U':>4} {'units':>6} {'CV':>6} {'Neyman':>7} | default plan over {args.seeds} seeds: "
          f"{'mean|err|':>9} {'max|err|':>8} {'inside':>8} {'2nd pass':>8} {'units':>5}")
    for name in args.workloads.split(";"):
        machine = suite_machine(name)
        workload = build_workload(machine, name)
        units = [int(u) for u in args.units.split(",")]
        finest = math.gcd(*units)
        truth = np.array(full_rtl(machine, workload, 0, finest)["per_unit"], dtype=np.float64)
        total = len(workload.commands)
        for unit in units:
            cycles = np.add.reduceat(truth, np.arange(0, len(truth), unit // finest))
            labels = kmeans(kind_histograms(machine, workload.commands, unit), args.strata, seed=0)
            runs = [default_plan(cycles, labels, total, unit, seed) for seed in range(args.seeds)]
            err = np.array([abs(e.cycles - cycles.sum()) / cycles.sum() for e, _, _ in runs])
            inside = np.mean([e.low <= cycles.sum() <= e.high for e, _, _ in runs])
            print(f"{workload.name:>26} {unit:>4} {len(cycles):>6} {cycles.std() / cycles.mean():>6.3f} "
                  f"{neyman_units(cycles, labels, DEFAULT_TARGET_ERROR):>7.1f} | {100 * err.mean():>8.3f}% "
                  f"{100 * err.max():>7.2f}% {inside:>8.1%} {np.mean([s for _, _, s in runs]):>8.0%} "
                  f"{np.median([n for _, n, _ in runs]):>5.0f}", flush=True)


if __name__ == "__main__":
    main()
