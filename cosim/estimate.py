"""Estimating total cycles from measured sample units, with a confidence interval.

Each measured unit gives a CPI (cycles per instruction over the unit). The estimate of
total cycles is the mean CPI times the workload's instruction count (per stratum for a
stratified plan); its standard error uses the sample variance with the finite-population
correction. The needed sample count for a target relative error ε at confidence z is
n ≥ (z·V/ε)², V the coefficient of variation of the per-unit CPI (SMARTS), reduced by
the finite-population correction when the population is small.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np

from .plan import PlanError, SamplePlan

DEFAULT_CONFIDENCE = 0.997


def z_value(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise PlanError(f"confidence must be between 0 and 1 (got {confidence})")
    return NormalDist().inv_cdf(0.5 + confidence / 2)


@dataclass(frozen=True)
class Estimate:
    cycles: float                 # estimated total cycles
    low: float
    high: float
    confidence: float
    cv: float                     # coefficient of variation of per-unit CPI
    samples: int
    population: int

    @property
    def relative_error(self) -> float:
        """Half-width of the interval relative to the estimate."""
        return (self.high - self.cycles) / self.cycles if self.cycles else math.inf

    def needed_samples(self, target_error: float) -> int:
        """Units needed for a half-width of `target_error` (relative) at this confidence:
        n0 = (z·V/ε)², then the finite-population correction n = n0 / (1 + (n0 - 1)/N)."""
        n0 = (z_value(self.confidence) * self.cv / target_error) ** 2
        n = n0 / (1 + (n0 - 1) / self.population) if n0 > 1 else n0
        return min(self.population, max(2, math.ceil(n)))

    def as_dict(self, target_error: float | None = None) -> dict:
        d = {"cycles": self.cycles, "ci_low": self.low, "ci_high": self.high, "confidence": self.confidence,
             "relative_error": self.relative_error, "cv": self.cv, "samples": self.samples,
             "population": self.population}
        if target_error is not None:
            d["target_error"] = target_error
            d["needed_samples"] = self.needed_samples(target_error)
        return d


def estimate(plan: SamplePlan, cycles: dict[int, float], confidence: float = DEFAULT_CONFIDENCE) -> Estimate:
    """Estimate total cycles from `cycles` measured per sampled unit index."""
    missing = [u.index for u in plan.samples if u.index not in cycles]
    if missing:
        raise PlanError(f"{len(missing)} sampled units have no measurement (first: unit {missing[0]})")
    z = z_value(confidence)
    cpi = np.array([cycles[u.index] / u.length for u in plan.samples], dtype=np.float64)
    if plan.kind == "stratified":
        total, var = _stratified(plan, cpi)
    else:
        n, population = len(cpi), plan.population
        mean = cpi.mean()
        s2 = cpi.var(ddof=1) if n > 1 else 0.0
        total = mean * plan.total
        var = (plan.total ** 2) * s2 / n * (1 - n / population)
    half = z * math.sqrt(max(var, 0.0))
    mean_cpi = cpi.mean()
    cv = float(cpi.std(ddof=1) / mean_cpi) if len(cpi) > 1 and mean_cpi else 0.0
    return Estimate(float(total), float(total - half), float(total + half), confidence, cv,
                    len(cpi), plan.population)


def _stratified(plan: SamplePlan, cpi: np.ndarray) -> tuple[float, float]:
    strata = np.array([u.stratum for u in plan.samples])
    total = var = 0.0
    for h, size in enumerate(plan.strata):
        values = cpi[strata == h]
        if len(values) == 0:
            raise PlanError(f"stratum {h} has no measured unit")
        instructions = size * plan.unit
        total += instructions * values.mean()
        if len(values) > 1:
            var += instructions ** 2 * values.var(ddof=1) / len(values) * (1 - len(values) / size)
    return total * plan.total / (plan.unit * sum(plan.strata)), var
