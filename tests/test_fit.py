"""dcsim fit: the GEMM curve's model form, least-squares fit, held-out report, CSV input, CLI."""
import json

import numpy as np
import pytest

from cosim import fit as F
from cosim.cli import main
from cosim.nodemodel import CurveModel, gemms_of, npu_kernel

TRUE = [600.0, 500.0, 20.0, 100.0, 300.0]


def synthetic(noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(m, k, n) for m in (8, 24, 64) for k in (8, 40, 128) for n in (16, 64, 96)]
    held = [(37, 50, 21), (100, 9, 77), (12, 130, 40)]
    cyc = lambda s: float((F.features([s], 8) @ np.array(TRUE))[0]) * (1 + noise * rng.standard_normal())
    return ([F.Point(*s, cyc(s)) for s in shapes] + [F.Point(*s, cyc(s), "holdout") for s in held])


def test_exact_model_is_recovered():
    curve = F.fit(synthetic(), 8)
    assert np.allclose(curve.coef, TRUE, rtol=1e-6)
    assert curve.report["holdout"]["mape"] < 1e-9 and curve.report["train"]["shapes"] == 27


def test_noise_shows_in_goodness_and_interval():
    curve = F.fit(synthetic(noise=0.05), 8)
    assert 0.01 < curve.rel_sigma < 0.1
    total, lo, hi = curve.predict_interval([(64, 64, 64)])
    assert lo < total < hi and (hi - total) / total == pytest.approx(2.968 * curve.rel_sigma, rel=0.01)
    assert curve.report["holdout"]["max_error"] >= curve.report["holdout"]["mape"]


def test_curve_json_round_trip_and_node_model():
    curve = F.fit(synthetic(), 8, clock_hz=1e9)
    back = F.GemmCurve.from_json(json.loads(json.dumps(curve.to_json())))
    assert np.allclose(back.predict([(32, 32, 32)]), curve.predict([(32, 32, 32)]))
    est = CurveModel(back).estimate(npu_kernel("mlp:16,32,64,32"))
    want = sum(curve.predict([s])[0] for s in gemms_of("mlp:16,32,64,32")) / 1e9
    assert est.seconds == pytest.approx(want) and est.ci[0] <= est.seconds <= est.ci[1]


def test_too_few_points_is_an_error():
    with pytest.raises(F.FitError, match="at least"):
        F.fit(synthetic()[:3], 8)


def test_csv_columns_and_errors(tmp_path):
    good = tmp_path / "m.csv"
    good.write_text("# comment\nM,K,N,seconds,split\n" + "\n".join(
        f"{p.M},{p.K},{p.N},{p.value * 1e-9},{p.split}" for p in synthetic()) + "\n")
    points, unit = F.read_csv(good)
    assert unit == "seconds" and sum(p.split == "holdout" for p in points) == 3
    bad = tmp_path / "bad.csv"
    bad.write_text("M,K,time\n1,2,3\n")
    with pytest.raises(F.FitError, match="columns: M, K, N"):
        F.read_csv(bad)


def test_cli_fits_the_bundled_example(tmp_path, capsys):
    out = tmp_path / "c.json"
    assert main(["fit", "--csv", "hw/curves/example_measurements.csv", "--dim", "8", "-o", str(out), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["unit"] == "seconds" and info["holdout"]["shapes"] > 0 and info["holdout"]["mape"] < 0.1
    assert F.load_curve(out).dim == 8


def test_cli_sweep_needs_a_machine(capsys):
    assert main(["fit", "--sweep", "hw/curves/npu_sweep_quick.yaml", "-o", "/tmp/x.json"]) == 2
    assert "give the machine" in capsys.readouterr().err


def test_sweep_config_shapes():
    cfg = F.load_sweep_config("hw/curves/npu_sweep_quick.yaml")
    shapes = F.sweep_shapes(cfg, 8)
    assert sum(s == "train" for _, s in shapes) == 27 and sum(s == "holdout" for _, s in shapes) == 6
    assert len({sh for sh, _ in shapes}) == len(shapes)


@pytest.mark.verilator
def test_rtl_sweep_fits_held_out_shapes(tmp_path, capsys):
    out = tmp_path / "curve.json"
    assert main(["fit", "npu", "--sweep", "hw/curves/npu_sweep_quick.yaml", "-o", str(out), "--json",
                 "--plot", str(tmp_path / "fit.png")]) == 0
    info = json.loads(capsys.readouterr().out)
    # the tile-count model leaves ~8% on the training shapes of the unrolled, DRAM-bound NPU
    # (was ~3% when COMPUTE did one MAC per cycle and dominated): the curve's blind spots
    # (DRAM bursts, partial tiles) are what the abstraction experiment reports
    assert info["train"]["mape"] < 0.10 and info["holdout"]["mape"] < 0.25
    assert (tmp_path / "fit.png").stat().st_size > 1000
