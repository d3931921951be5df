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


# ------------------------------------------------------------------ the regression (GREG) estimate
def _linear_population(n=3000, seed=0, noise=0.004):
    """Units whose cycles are linear in three per-kind counts (summing to 200, as commands
    do), plus a little noise and two phases k-means can find."""
    rng = np.random.default_rng(seed)
    heavy = rng.random(n) < 0.3
    a = np.where(heavy, rng.integers(80, 120, n), rng.integers(20, 60, n))
    b = rng.integers(20, 80, n)
    x = np.c_[a, b, 200 - a - b]
    y = x @ np.array([90.0, 30.0, 12.0]) * (1 + noise * rng.standard_normal(n))
    labels = np.digitize(a, [40, 70, 100])
    return x, y, labels


def test_regression_estimate_is_narrower_and_holds_the_truth():
    from cosim.estimate import estimate_total
    x, y, labels = _linear_population()
    truth, held, narrower = y.sum(), 0, 0
    for seed in range(60):
        plan = stratified(labels, 200 * len(y), 200, 0, 18, seed=seed)
        cycles = {u.index: float(y[u.index]) for u in plan.samples}
        reg = estimate_total(plan, cycles, 0.997, 0.0, x)
        plain = estimate_total(plan, cycles, 0.997, 0.0)
        assert reg.method == "regression" and plain.method == "expansion"
        held += reg.low <= truth <= reg.high
        narrower += reg.relative_error < plain.relative_error / 3
    assert held >= 58 and narrower >= 55


def test_regression_estimate_is_exact_when_every_unit_is_measured_and_steps_aside_when_thin():
    from cosim.estimate import MIN_RESIDUAL_DOF, estimate_total, regression_estimate
    x, y, labels = _linear_population(n=40)
    plan = stratified(labels, 200 * len(y), 200, 0, len(y))
    est = estimate_total(plan, {u.index: float(y[u.index]) for u in plan.samples}, 0.997, 0.0, x)
    assert est.method == "regression" and est.cycles == pytest.approx(y.sum()) and est.low == pytest.approx(est.high)
    # three coefficients and an intercept from 8 units leave 4 residual degrees of freedom: too few
    small = stratified(labels, 200 * len(y), 200, 0, 4 + MIN_RESIDUAL_DOF - 2)
    cycles = {u.index: float(y[u.index]) for u in small.samples}
    assert regression_estimate(small, cycles, x, 0.997) is None
    assert estimate_total(small, cycles, 0.997, 0.0, x).method == "expansion"
    # a non-stratified plan, or covariates of the wrong population, keep the expansion estimate
    sys_plan = systematic(200 * len(y), 200, 0, 2)
    assert regression_estimate(sys_plan, {u.index: float(y[u.index]) for u in sys_plan.samples}, x, 0.997) is None
    assert regression_estimate(plan, {u.index: float(y[u.index]) for u in plan.samples}, x[:-1], 0.997) is None


def test_a_regression_second_pass_is_sized_by_its_residuals_and_nested():
    from types import SimpleNamespace

    from cosim.estimate import estimate_total
    from cosim.passes import second_pass
    x, y, labels = _linear_population(noise=0.05)
    first = stratified(labels, 200 * len(y), 200, 10, 18, seed=3)
    est = estimate_total(first, {u.index: float(y[u.index]) for u in first.samples}, 0.997, 0.002, x)
    target = est.relative_error * 0.8
    result = SimpleNamespace(plan=first, estimate=est, samples=[{"index": u.index} for u in first.samples])
    second, needed = second_pass(result, target, lambda **kw: stratified(labels, 200 * len(y), 200, 10, kw["count"],
                                                                        seed=3, floor=kw["floor"]), 0.002)
    # (h/h')^2 with the allowance taken off both, grown by 10%: a few units more, not Neyman's hundreds
    assert len(first.samples) < needed == len(second.samples) < 3 * len(first.samples)
    assert {u.index for u in first.samples} <= {u.index for u in second.samples}
