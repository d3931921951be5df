"""Curve forms: the cache form for real hardware, choosing a form by cross-validation, round trips."""
import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim import fit as F
from cosim.nodemodel import CurveModel, gemms_of, npu_kernel

DIMS = (16, 48, 112, 256, 400, 768)
HELD = [(30, 500, 90), (700, 20, 300), (150, 150, 650), (64, 64, 64), (500, 333, 21)]
CACHE_TRUE = [8e-12, 1e-10, 8e-11, 6e-11, 2e-10, 3e-10, 2e-10, 9e-7]
TILE_TRUE = [600.0, 500.0, 20.0, 100.0, 300.0]


def points(form, coef, knee=None, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    value = lambda s: float((F.features([s], 8, form, knee) @ np.array(coef))[0]) * (1 + noise * rng.standard_normal())
    grid = [(m, k, n) for m in DIMS for k in DIMS for n in DIMS]
    return [F.Point(*s, value(s)) for s in grid] + [F.Point(*s, value(s), "holdout") for s in HELD]


def test_cache_form_is_recovered_and_chosen():
    pts = points("cache", CACHE_TRUE, knee=2 ** 16)
    curve = F.select(pts, 8, "seconds")
    assert curve.form == "cache" and curve.knee == 2 ** 16
    assert np.allclose(curve.coef, CACHE_TRUE, rtol=1e-5)
    forms = curve.report["forms"]
    assert forms["cache"]["cv_mape"] < 1e-6 < forms["tiles"]["cv_mape"]
    assert curve.report["chosen"]["by"].startswith("5-fold cross-validation")


def test_tile_form_is_chosen_for_tile_data():
    curve = F.select(points("tiles", TILE_TRUE), 8)
    assert curve.form == "tiles" and np.allclose(curve.coef, TILE_TRUE, rtol=1e-6)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2 ** 31))
def test_held_out_points_never_choose(seed):
    """Changing only the held-out values changes neither the chosen form nor the coefficients."""
    pts = points("cache", CACHE_TRUE, knee=2 ** 14, noise=0.05, seed=1)
    rng = np.random.default_rng(seed)
    moved = [F.Point(p.M, p.K, p.N, p.value * rng.uniform(0.2, 5.0), p.split) if p.split == "holdout" else p
             for p in pts]
    a, b = F.select(pts, 8, "seconds"), F.select(moved, 8, "seconds")
    assert (a.form, a.knee) == (b.form, b.knee) and np.allclose(a.coef, b.coef)


def test_cv_error_is_out_of_sample():
    pts = points("cache", CACHE_TRUE, knee=2 ** 16, noise=0.05)
    curve = F.fit(pts, 8, "seconds", form="cache", knee=2 ** 16)
    assert F.cv_error(pts, 8, "cache", 2 ** 16) > curve.report["train"]["mape"] * 0.9


def test_cache_curve_round_trip_and_node_model():
    curve = F.fit(points("cache", CACHE_TRUE, knee=2 ** 16), 8, "seconds", form="cache")
    back = F.GemmCurve.from_json(json.loads(json.dumps(curve.to_json())))
    assert (back.form, back.knee) == ("cache", curve.knee)
    est = CurveModel(back).estimate(npu_kernel("mlp:16,32,64,32"))
    want = sum(curve.predict([s])[0] for s in gemms_of("mlp:16,32,64,32"))
    assert est.seconds == pytest.approx(want)                   # seconds: no clock applied


def test_bad_forms_are_errors(tmp_path):
    with pytest.raises(F.FitError, match="unknown curve form"):
        F.fit(points("tiles", TILE_TRUE), 8, form="spline")
    bad = tmp_path / "c.json"
    bad.write_text(json.dumps({"dim": 8, "coef": [1, 2, 3], "form": "cache"}))
    with pytest.raises(F.FitError, match="cannot read curve file"):
        F.load_curve(bad)
