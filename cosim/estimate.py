"""Estimating total cycles from measured sample units, with a confidence interval.

The workload's total is the sum of its units' cycles (the last unit may be shorter and
carries the final drain), so the estimate is the expansion estimator N·mean(cycles of
the sampled units) — unbiased for that sum under random sampling, exact when every unit
is measured (a per-instruction CPI ratio would weight the short last unit wrongly). For a
stratified plan it is the sum over strata of N_h·mean_h. The standard error uses the
sample variance with the finite-population correction. The needed sample count for a
target relative error ε at confidence z is n ≥ (z·V/ε)², V the coefficient of variation
of the per-unit cycles (SMARTS), reduced by the finite-population correction when the
population is small.

Regression (model-assisted) estimate, for targets that know a covariate row per unit for
the *whole* population before any RTL runs (an accelerator's command counts by kind,
from the functional model: `SamplingTarget.covariates`). Cycles are nearly linear in
them (on `long` a least-squares fit over every unit leaves R² 0.998: a residual CV of
0.36% against 1.5% inside the strata), so the GREG estimator

    total = Σ_all x_i·β̂ + Σ_sampled w_i·(y_i − x_i·β̂),    w_i = N_h/n_h,

β̂ fitted on the sampled units with those weights, only has the residuals' spread left:
its variance is the stratified variance of the residuals (shrunk per stratum towards the
pooled spread, as `StratumSpread`), scaled by n/(n−p) for the p coefficients fitted, and
the interval uses Student's t with n−p degrees of freedom. It is exact when every unit is
measured. Offline on `long` (benchmarks/bench_sampling_estimators.py, 300 plan seeds, the
full-RTL per-unit cycles): 18 units in 6 strata give a median ±0.46% holding the truth in
300/300 seeds (worst |error| 0.37%), where the stratified mean needs 36 units in 12 strata
for ±0.48% (worst 0.66%); with only two units per stratum (18 in 9, 16 in 8) the residual
spreads are too poorly known (coverage 72-74%), hence three per stratum. A plan with fewer
than MIN_RESIDUAL_DOF residual degrees of freedom keeps the stratified estimate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from .plan import PlanError, SamplePlan

DEFAULT_CONFIDENCE = 0.997


def z_value(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise PlanError(f"confidence must be between 0 and 1 (got {confidence})")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@lru_cache(maxsize=64)
def t_quantile(p: float, dof: int) -> float:
    """Student's t quantile (numpy only). With t = √ν·tan u the density becomes ∝ cos^(ν−1) u
    on (−π/2, π/2), smooth and bounded, so the CDF is a trapezoid sum on a fine u grid."""
    u = np.linspace(0.0, math.pi / 2, 200_001)[:-1]
    f = np.cos(u) ** (dof - 1)
    cdf = np.concatenate([[0.0], np.cumsum((f[1:] + f[:-1]) / 2)]) * (u[1] - u[0])
    total = cdf[-1] + f[-1] * (math.pi / 2 - u[-1]) / 2
    target = (p - 0.5) * 2 * total                  # the mass in (0, t) of the half-line
    i = int(np.searchsorted(cdf, target))
    return float(math.sqrt(dof) * math.tan(u[min(i, len(u) - 1)]))


@dataclass(frozen=True)
class Estimate:
    cycles: float                 # estimated total cycles
    low: float
    high: float
    confidence: float
    cv: float                     # coefficient of variation of per-unit cycles
    samples: int
    population: int
    method: str = "expansion"     # 'expansion' (N_h·mean_h) | 'regression' (GREG on the target's covariates)

    @property
    def relative_error(self) -> float:
        """Half-width of the interval relative to the estimate."""
        return (self.high - self.cycles) / self.cycles if self.cycles else math.inf

    def needed_samples(self, target_error: float) -> int:
        """Units needed for a half-width of `target_error` (relative) at this confidence.

        For simple random sampling this is SMARTS's n0 = (z·V/ε)² with the finite-population
        correction n = n0 / (1 + (n0 - 1)/N). It is computed from the interval actually
        obtained, so that it holds for every plan (a stratified plan's variance is the
        within-strata one, often far below V²): the variance scales as (1/n - 1/N), so
        n' = 1 / ((1/n - 1/N)·(ε/r)² + 1/N), r the current relative half-width."""
        if target_error <= 0:
            raise PlanError(f"the target error must be positive (got {target_error})")
        n, big_n, r = self.samples, self.population, self.relative_error
        if n >= big_n or r <= target_error:
            return min(big_n, max(2, n))
        if n < 2 or not math.isfinite(r):
            n0 = (z_value(self.confidence) * self.cv / target_error) ** 2
            need = n0 / (1 + (n0 - 1) / big_n) if n0 > 1 else n0
        else:
            need = 1 / ((1 / n - 1 / big_n) * (target_error / r) ** 2 + 1 / big_n)
        return min(big_n, max(2, math.ceil(need)))

    def as_dict(self, target_error: float | None = None) -> dict:
        d = {"cycles": self.cycles, "ci_low": self.low, "ci_high": self.high, "confidence": self.confidence,
             "relative_error": self.relative_error, "cv": self.cv, "samples": self.samples,
             "population": self.population, "estimator": self.method}
        if target_error is not None:
            d["target_error"] = target_error
            d["needed_samples"] = self.needed_samples(target_error)
        return d


MEASUREMENT_BIAS = 0.002
"""Relative bound on the bias of a unit measured after the default warm-up of four in-flight
windows (`queue_sample.default_warmup`; every unit sampled on the suite NPU: at most +0.13% of the
total, on bankconflict:128,128,128 and mlp:256,64,64,64,10). The
sampling interval says nothing about it; without this allowance a plan that measures
(nearly) every unit gets a (nearly) zero-width interval that misses the truth by it."""


def estimate(plan: SamplePlan, cycles: dict[int, float], confidence: float = DEFAULT_CONFIDENCE,
             bias_allowance: float = 0.0) -> Estimate:
    """Estimate total cycles from `cycles` measured per sampled unit index. The interval is
    the sampling interval widened by `bias_allowance` (relative) for the measurement bias."""
    missing = [u.index for u in plan.samples if u.index not in cycles]
    if missing:
        raise PlanError(f"{len(missing)} sampled units have no measurement (first: unit {missing[0]})")
    z = z_value(confidence)
    per_unit = np.array([cycles[u.index] for u in plan.samples], dtype=np.float64)
    if plan.kind == "stratified":
        total, var = _stratified(plan, per_unit)
    else:
        n, population = len(per_unit), plan.population
        s2 = per_unit.var(ddof=1) if n > 1 else 0.0
        total = per_unit.sum() * population / n             # exact (no rounding) when n == N
        var = population ** 2 * s2 / n * (1 - n / population)
    half = z * math.sqrt(max(var, 0.0)) + bias_allowance * abs(total)
    mean = per_unit.mean()
    cv = float(per_unit.std(ddof=1) / mean) if len(per_unit) > 1 and mean else 0.0
    return Estimate(float(total), float(total - half), float(total + half), confidence, cv,
                    len(per_unit), plan.population)


@dataclass(frozen=True)
class StratumSpread:
    """Per-stratum sizes N_h, measured units n_h, sample variances S_h² (0 where n_h < 2) and
    the shrunk variances S_h'² = ((n_h-1)·S_h² + S_p²)/n_h (S_p²: the size-weighted pooled
    within-stratum variance; for a stratum with one unit, S_p²). S_h² comes from two or three
    units per stratum: a stratum whose few units happened to agree claims zero spread although
    some of its units differ; shrinking towards the pooled spread keeps such strata honest."""
    sizes: np.ndarray
    counts: np.ndarray
    var: np.ndarray
    shrunk: np.ndarray


def stratum_spread(plan: SamplePlan, cycles: dict[int, float]) -> StratumSpread:
    sizes = np.array(plan.strata, dtype=np.float64)
    strata = np.array([u.stratum for u in plan.samples])
    values = np.array([cycles[u.index] for u in plan.samples], dtype=np.float64)
    counts = np.bincount(strata, minlength=len(sizes)).astype(np.float64)
    var = np.array([values[strata == h].var(ddof=1) if counts[h] > 1 else 0.0 for h in range(len(sizes))])
    pooled = float((sizes * var).sum() / sizes.sum())
    shrunk = ((np.maximum(counts, 1) - 1) * var + pooled) / np.maximum(counts, 1)
    return StratumSpread(sizes, counts, var, shrunk)


def expanded_variance(spread: StratumSpread, per_stratum: np.ndarray) -> float:
    """Σ N_h²·v_h/n_h·(1 - n_h/N_h) over the strata not measured in full: the variance of a
    stratified total whose strata have per-unit variances `per_stratum`."""
    n, sizes = spread.counts, spread.sizes
    partial = (n > 0) & (n < sizes)
    return float((np.where(partial, sizes ** 2 / np.maximum(n, 1) * (1 - n / sizes), 0.0) * per_stratum).sum())


def shrinkage_allowance(plan: SamplePlan, cycles: dict[int, float], confidence: float) -> float:
    """The relative widening that makes a stratified interval use the shrunk per-stratum
    variances (`StratumSpread`): z·(sqrt(Σ N_h²·S_h'²/n_h·(1-n_h/N_h)) - sqrt(the same with S_h²))
    over the estimate, 0 where that is not wider. The coverage fix of every target: on the
    bundled programs (U=1000, 16 strata, 32 units) two samples of a stratum often agree and
    the 99.7% interval missed the truth in 11 (sort) and 23 (crc) of 200 seeds without it,
    in none with it (benchmarks/bench_sampling_plans.py compares it with the others)."""
    if plan.kind != "stratified":
        return 0.0
    spread = stratum_spread(plan, cycles)
    n, sizes = spread.counts, spread.sizes
    means: dict[int, list] = {}
    for u in plan.samples:
        means.setdefault(u.stratum, []).append(cycles[u.index])
    total = sum(sizes[h] * np.mean(means[h]) for h in sorted(means))
    plain = expanded_variance(spread, np.where(n > 1, spread.var, 0.0))
    shrunk = expanded_variance(spread, spread.shrunk)
    if total <= 0 or shrunk <= plain:
        return 0.0
    return z_value(confidence) * (math.sqrt(shrunk) - math.sqrt(plain)) / total


def estimate_total(plan: SamplePlan, cycles: dict[int, float], confidence: float,
                   measurement_bias: float, covariates: np.ndarray | None = None) -> Estimate:
    """The campaign's estimate: `estimate` with the interval widened by the target's
    measurement-bias bound (when a unit was injected mid-run, i.e. its warm-up does not
    reach back to the workload's start) and by the stratified coverage fix
    (`shrinkage_allowance`); the regression estimate instead where the target gives
    `covariates` (one row per unit) and it applies (module doc)."""
    injected = any(u.warmup < u.start for u in plan.samples)
    if covariates is not None:
        reg = regression_estimate(plan, cycles, covariates, confidence, measurement_bias if injected else 0.0)
        if reg is not None:
            return reg
    allowance = (measurement_bias if injected else 0.0) + shrinkage_allowance(plan, cycles, confidence)
    return estimate(plan, cycles, confidence, allowance)


MIN_RESIDUAL_DOF = 6              # fewer: the residual spread says too little, keep the stratified estimate


def regression_estimate(plan: SamplePlan, cycles: dict[int, float], covariates: np.ndarray, confidence: float,
                        bias_allowance: float = 0.0) -> Estimate | None:
    """The GREG estimate of a stratified plan (module doc); None where it does not apply (not
    stratified, too few residual degrees of freedom, or no covariate varies)."""
    x_all = np.asarray(covariates, dtype=np.float64)
    if plan.kind != "stratified" or x_all.ndim != 2 or x_all.shape[0] != plan.population:
        return None
    live = np.ptp(x_all, axis=0) > 0
    if not live.any():
        return None
    x_all = np.c_[x_all[:, live], np.ones(len(x_all))]
    idx = np.array([u.index for u in plan.samples])
    strata = np.array([u.stratum for u in plan.samples])
    y = np.array([cycles[int(i)] for i in idx], dtype=np.float64)
    sizes = np.array(plan.strata, dtype=np.float64)
    counts = np.bincount(strata, minlength=len(sizes)).astype(np.float64)
    w = sizes[strata] / counts[strata]
    sw = np.sqrt(w)
    beta, _, rank, _ = np.linalg.lstsq(x_all[idx] * sw[:, None], y * sw, rcond=None)
    n = len(y)
    dof = n - int(rank)
    if dof < MIN_RESIDUAL_DOF and n < plan.population:
        return None
    resid = y - x_all[idx] @ beta
    total = float(x_all.sum(axis=0) @ beta + (w * resid).sum())
    spread = stratum_spread(plan, {int(i): float(r) for i, r in zip(idx, resid)})
    v = expanded_variance(spread, spread.shrunk) * n / max(dof, 1)
    q = t_quantile(0.5 + confidence / 2, dof) if dof >= 1 else 0.0
    half = q * math.sqrt(max(v, 0.0)) + bias_allowance * abs(total)
    mean = y.mean()
    cv = float(y.std(ddof=1) / mean) if n > 1 and mean else 0.0
    return Estimate(total, total - half, total + half, confidence, cv, n, plan.population, "regression")


def _stratified(plan: SamplePlan, per_unit: np.ndarray) -> tuple[float, float]:
    strata = np.array([u.stratum for u in plan.samples])
    total = var = 0.0
    for h, size in enumerate(plan.strata):
        values = per_unit[strata == h]
        if len(values) == 0:
            raise PlanError(f"stratum {h} has no measured unit")
        total += values.sum() * size / len(values)
        if 1 < len(values) < size:
            var += size ** 2 * values.var(ddof=1) / len(values) * (1 - len(values) / size)
    return total, var
