"""Sampling plans and the total-cycle estimator, on synthetic per-unit cycle series."""
import math

import numpy as np
import pytest

from cosim.estimate import estimate, z_value
from cosim.plan import PlanError, full, random_units, stratified, systematic


def _cycles(plan, per_unit):
    return {u.index: float(per_unit[u.index]) * u.length / plan.unit for u in plan.samples}


def test_systematic_plan_geometry():
    plan = systematic(total=1050, unit=100, warmup=30, every=3, offset=1)
    assert [u.index for u in plan.samples] == [1, 4, 7, 10]
    last = plan.samples[-1]
    assert last.start == 1000 and last.length == 50 and last.detail_start == 970
    assert plan.population == 11
    first = systematic(1000, 100, 30, 2).samples[0]
    assert first.warmup == 0                    # warm-up clipped at the workload's start


def test_full_plan_estimate_is_exact_with_zero_width():
    rng = np.random.default_rng(0)
    per_unit = rng.uniform(100, 300, 20)
    plan = full(2000, 100)
    est = estimate(plan, _cycles(plan, per_unit))
    assert math.isclose(est.cycles, per_unit.sum()) and est.low == est.high == est.cycles


def test_constant_cpi_is_exact():
    plan = systematic(10_000, 100, 10, 10)
    est = estimate(plan, {u.index: 2.5 * u.length for u in plan.samples})
    assert math.isclose(est.cycles, 25_000) and est.cv == 0 and est.relative_error == 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_random_sampling_interval_covers_truth_at_its_level(seed):
    """Over many draws, a 95% interval covers the true total about 95% of the time
    (a little less on skewed data with 40 samples: the normal approximation)."""
    rng = np.random.default_rng(seed)
    per_unit = rng.gamma(4.0, 50.0, 400)        # skewed per-unit cycles
    truth = per_unit.sum()
    covered = 0
    trials = 400
    for t in range(trials):
        plan = random_units(400 * 100, 100, 0, 40, seed=seed * 1000 + t)
        est = estimate(plan, _cycles(plan, per_unit), confidence=0.95)
        covered += est.low <= truth <= est.high
    assert 0.89 <= covered / trials <= 0.99


def test_needed_samples_follows_cv_rule():
    plan = random_units(100_000, 100, 0, 50, seed=1)
    per_unit = np.random.default_rng(1).normal(1000, 200, 1000)
    est = estimate(plan, _cycles(plan, per_unit), confidence=0.997)
    n0 = (z_value(0.997) * est.cv / 0.05) ** 2
    assert abs(est.needed_samples(0.05) - math.ceil(n0 / (1 + (n0 - 1) / 1000))) <= 1
    assert 100 < est.needed_samples(0.05) < n0
    assert est.needed_samples(0.0001) == 1000                      # never more than the population


def test_stratified_beats_random_on_phased_workload():
    """Two phases with very different CPI: stratifying by phase shrinks the interval."""
    rng = np.random.default_rng(2)
    labels = np.array([0] * 300 + [1] * 100)
    per_unit = np.where(labels == 0, rng.normal(100, 5, 400), rng.normal(900, 5, 400))
    total = 400 * 100
    strat = stratified(labels, total, 100, 0, 40, seed=3)
    rand = random_units(total, 100, 0, 40, seed=3)
    e_s = estimate(strat, _cycles(strat, per_unit))
    e_r = estimate(rand, _cycles(rand, per_unit))
    assert e_s.low <= per_unit.sum() <= e_s.high
    assert e_s.relative_error < e_r.relative_error / 5
    assert sorted({u.stratum for u in strat.samples}) == [0, 1]


def test_bad_plans_are_clear_errors():
    with pytest.raises(PlanError, match="every > 0"):
        systematic(100, 10, 0, 0)
    with pytest.raises(PlanError, match="cannot draw"):
        random_units(100, 10, 0, 11)
    with pytest.raises(PlanError, match="one stratum label per unit"):
        stratified(np.zeros(3), 100, 10, 0, 4)
    plan = systematic(100, 10, 0, 2)
    with pytest.raises(PlanError, match="no measurement"):
        estimate(plan, {})
