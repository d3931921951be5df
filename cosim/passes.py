"""Two-pass sampling: how many more units a second pass measures, and where.

A campaign first measures a small plan; if its interval is wider than the target error, a
second plan of the same seed (plans of one seed are nested, so it reuses every unit of
the first) measures the units needed for the target. Stratified plans allocate the second
pass by Neyman (units per stratum ∝ size × the first pass's shrunk standard deviation).
"""
from __future__ import annotations

import math

import numpy as np

from .estimate import stratum_spread, z_value
from .plan import SamplePlan


def neyman_second_pass(result, target_error: float, measurement_bias: float) -> tuple[int, np.ndarray, np.ndarray]:
    """Units and per-stratum weights of a second stratified pass that reaches ±`target_error`
    with the fewest units (Neyman allocation: n_h ∝ N_h·S_h'), from the first pass's samples
    (`estimate.StratumSpread`: S_h' shrunk towards the pooled spread, so that a stratum whose
    few units happened to agree still gets units in proportion to the pooled spread). The
    sampling half-width aimed at is the target less the measurement-bias allowance the
    estimate adds. Returns (units, weights N_h·S_h', the first pass's allocation as the floor)."""
    plan, est = result.plan, result.estimate
    spread = stratum_spread(plan, {s["index"]: s["cycles"] for s in result.samples})
    sizes, shrunk = spread.sizes, np.sqrt(spread.shrunk)
    allowance = measurement_bias if any(u.warmup < u.start for u in plan.samples) else 0.0
    half = max(target_error - allowance, target_error / 4) * est.cycles / z_value(est.confidence)
    a, b = float((sizes * shrunk).sum()), float((sizes * shrunk ** 2).sum())
    need = a * a / (half * half + b) if a > 0 else 0.0        # Neyman with the finite-population correction
    weights = sizes * shrunk if a > 0 else sizes              # no spread seen anywhere: proportional
    return int(math.ceil(need)), weights, spread.counts.astype(np.int64)


def second_pass(result, target_error: float, replan, measurement_bias: float) -> tuple[SamplePlan | None, int]:
    """(the second pass's plan, or None if the first pass's estimate stands; the units
    needed for ±`target_error`). `replan(count=, weights=, floor=)` makes a plan like the
    first with more units."""
    first = result.plan
    if result.estimate.relative_error <= target_error:
        return None, len(first.samples)
    weights = floor = None
    if first.kind == "stratified":
        needed, weights, floor = neyman_second_pass(result, target_error, measurement_bias)
    else:
        needed = result.estimate.needed_samples(target_error)
    if needed <= len(first.samples):
        return None, needed
    second = replan(count=needed, weights=weights, floor=floor)
    return (second if len(second.samples) > len(first.samples) else None), needed
