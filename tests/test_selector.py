"""The abstraction selector (cosim/selector.py): spot checks find a planted curve error,
the budget loop refines until the step interval meets the budget, an unmeetable budget is
reported as unmet, and the decisions carry their evidence."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cosim.fit import Point, fit
from cosim.nodemodel import Measurement, gemms_of, npu_kernel
from cosim.selector import CURVE, SAMPLED, TRUTH, Selector, baseline_cost, parse_auto, rtl_cost
from cosim.selector_features import classify, sweep_range, widening

DIM = 4
NET = """
network:
  topology: {kind: switch, nodes: 8, link: {bandwidth: 50 GB/s, latency: 500 ns}, switch_latency: 300 ns}
  model: {kind: flow, mtu: 4 KiB}
"""


def _law(shape):
    """The synthetic 'RTL': a tile-count law the curve can fit almost exactly."""
    m, k, n = (np.ceil(np.array(shape) / DIM))
    return 20 * m * k * n + 60 * m * n + 30 * m * k + 40 * k * n + 200


def _curve():
    rng = np.random.default_rng(1)
    grid = [(m, k, n) for m in (4, 8, 16, 32) for k in (4, 8, 16, 32) for n in (4, 8, 16, 32)]
    pts = [Point(*s, _law(s) * (1 + 0.01 * rng.standard_normal()), "train", method="truth") for s in grid]
    return fit(pts, DIM, "cycles", 1e9)


def _fake_rtl(planted: dict, calls: list, sampled_halfwidth: float = 0.01):
    """measure_kernel's stand-in: cycles from the law, ×(1 + error) for planted kinds."""
    def measure(machine, text, truth_max_commands=4000, unit=20, warmup=40, samples=30, **_):
        kind = text.partition(":")[0]
        cycles = sum(_law(s) for s in gemms_of(text, DIM)) * (1 + planted.get(kind, 0.0))
        commands = max(1, int(cycles / 30))
        calls.append((text, commands <= truth_max_commands))
        if commands <= truth_max_commands:
            return Measurement(text, cycles, cycles, cycles, "truth", commands, 0.01)
        h = sampled_halfwidth * cycles
        return Measurement(text, cycles, cycles - h, cycles + h, "sampled", commands, 0.02, samples)
    return measure


def _network():
    from network import parse_network
    return parse_network(NET, "test.yaml")


def _pipeline(texts):
    from network import pipeline_inference

    def build(model):
        ests = [model.estimate(npu_kernel(t)) for t in texts]
        job = pipeline_inference([e.seconds for e in ests], 4096, 3, range(len(texts)), 8)
        for i, task in enumerate(job.tasks):
            if task.kind == "compute":
                job.tasks[i] = replace(task, ci=ests[int(task.name.split()[1])].ci)
        return job
    return build


KERNELS = ["gemm:8,8,8", "gemm:16,16,16", "gemm:32,16,32", "stream:64,1024", "stream:128,1024"]


def test_classes_come_from_features_not_names():
    curve = _curve()
    rng = sweep_range(curve)
    assert rng == (4, 32)
    a = classify(npu_kernel("gemm:8,8,8"), DIM, rng)
    assert (a.kind, a.edge, a.in_sweep) == ("gemm", False, True)
    assert classify(npu_kernel("gemm:6,8,8"), DIM, rng).edge
    assert not classify(npu_kernel("gemm:64,8,8"), DIM, rng).in_sweep
    assert classify(npu_kernel("stream:64,1024"), DIM, rng).strided
    assert not classify(npu_kernel("stream:64,4"), DIM, rng).strided
    assert classify(npu_kernel("transformer:8,8"), DIM, rng).chain
    # one doubling beyond the sweep adds one σ; inside it, none
    assert widening([(64, 8, 8)], rng) == pytest.approx(2.0)
    assert widening([(8, 8, 8)], rng) == 1.0


def test_planted_curve_error_is_detected_and_moved():
    calls = []
    sel = Selector(None, _curve(), 1e9, budget=0.02, spot_checks=1, measure=_fake_rtl({"stream": 0.3}, calls))
    net = _network()
    out = sel.run(_pipeline(KERNELS), net.topology, net.model, draws=16)
    by = {c["class"]: c for c in out["classes"]}
    stream = next(c for k, c in by.items() if k.startswith("stream"))
    gemm = next(c for k, c in by.items() if k.startswith("gemm"))
    assert stream["moved_by_spot_checks"] and stream["moved_off_curve"]
    assert stream["spot_checks"][0]["error"] == pytest.approx(1 / 1.3 - 1, rel=0.05)
    assert not gemm["moved_by_spot_checks"]
    assert all(k["model"] != CURVE for k in out["kernels"] if k["kernel"].startswith("stream"))
    assert out["budget"]["met"]
    assert out["relative_halfwidth"] <= 0.02


def test_unmeetable_budget_is_reported_not_exceeded():
    calls = []
    # a cost budget too small for anything but the curve: the budget cannot be met
    sel = Selector(None, _curve(), 1e9, budget=0.001, cost_budget=1.0, spot_checks=1,
                   measure=_fake_rtl({}, calls))
    net = _network()
    out = sel.run(_pipeline(KERNELS), net.topology, net.model, draws=16)
    assert not out["budget"]["met"]
    assert "cost budget" in out["budget"]["why"]
    assert out["relative_halfwidth"] > 0.001
    assert out["cost"]["rtl_cycles"] <= 1.0 and not calls          # nothing ran beyond the cost budget
    assert out["refused"]
    # and a budget no model can reach: sampled intervals too wide, whole kernels too costly
    sel = Selector(None, _curve(), 1e9, budget=1e-9, spot_checks=0, truth_max_commands=0,
                   cost_budget=5_000, measure=_fake_rtl({}, [], sampled_halfwidth=0.2))
    out = sel.run(_pipeline(KERNELS), net.topology, net.model, draws=16)
    assert not out["budget"]["met"] and out["cost"]["rtl_cycles"] <= 5_000


def test_budget_loop_refines_until_met_and_json_has_evidence():
    import json
    calls = []
    sel = Selector(None, _curve(), 1e9, budget=0.01, spot_checks=1, truth_max_commands=0,
                   measure=_fake_rtl({}, calls, sampled_halfwidth=0.02))
    net = _network()
    out = sel.run(_pipeline(KERNELS), net.topology, net.model, draws=16)
    json.dumps(out)                                          # the decisions are plain JSON
    assert out["budget"]["met"] and out["relative_halfwidth"] <= 0.01
    # sampled intervals (±2%) are wider than the budget, so the loop went on to whole kernels
    assert any(k["model"] == TRUTH for k in out["kernels"])
    assert len(out["rounds"]) >= 2
    for c in out["classes"]:
        assert {"class", "features", "models", "rtl_cycles", "wall_s", "reasons", "spot_checks"} <= c.keys()
        for s in c["spot_checks"]:
            assert {"kernel", "error", "measured_rel_halfwidth", "method"} <= s.keys()
    assert out["cost"]["rtl_cycles"] == pytest.approx(sum(k["rtl_cycles"] for k in out["kernels"]))


def test_cost_accounting_and_baseline():
    m = Measurement("gemm:8,8,8", 3000, 2900, 3100, "sampled", 1000, 0.1, 5)
    assert rtl_cost(m, {"unit": 20, "warmup": 40}) == pytest.approx(3000 * 300 / 1000)
    assert rtl_cost(replace(m, method="truth"), {}) == 3000
    b = baseline_cost(None, [npu_kernel(t) for t in KERNELS], {"unit": 10, "warmup": 10, "samples": 4},
                      measure=_fake_rtl({}, []))
    assert b["kernels"] == len(KERNELS) and b["rtl_cycles"] > 0


def test_parse_auto():
    assert parse_auto("auto") == 0.02
    assert parse_auto("auto:1%") == pytest.approx(0.01)
    assert parse_auto("auto:0.05") == 0.05
    for bad in ("curve", "auto:0", "auto:150%"):
        with pytest.raises(ValueError):
            parse_auto(bad)


def test_real_rtl_small_npu(small_npu):
    """End to end on the small NPU's RTL: whole-kernel spot checks, decisions with costs."""
    from cosim.fit import machine_dim
    dim = machine_dim(small_npu)
    pts = [Point(m, k, n, float(_law((m, k, n))), "train") for m in (4, 8, 16) for k in (4, 8) for n in (4, 8, 16)]
    curve = fit(pts, dim, "cycles", 1e9)          # a deliberately wrong curve for this machine
    sel = Selector(small_npu, curve, 1e9, budget=0.05, spot_checks=1)
    net = _network()
    out = sel.run(_pipeline(["gemm:8,8,8", "gemm:4,8,4"]), net.topology, net.model, draws=8)
    assert out["cost"]["rtl_cycles"] > 0
    assert all(k["model"] in (CURVE, SAMPLED, TRUTH) for k in out["kernels"])
    assert out["budget"]["met"] == (out["relative_halfwidth"] <= 0.05)


def test_cli_compute_auto(tmp_path, capsys):
    """`dcsim cluster JOB --compute auto:5% --json`: the decisions ride along the job's JSON."""
    import json

    from cosim.cli.main import main
    pts = [Point(m, k, n, float(_law((m, k, n))), "train") for m in (8, 16, 32) for k in (8, 16) for n in (8, 16, 32)]
    curve = fit(pts, 8, "cycles", 1e9)            # DIM 8 like the bundled npu; deliberately not its RTL
    (tmp_path / "curve.json").write_text(json.dumps(curve.to_json()))
    job = tmp_path / "job.yaml"
    job.write_text(NET + "job:\n  kind: pipeline\n  stages: [{kernel: 'gemm:8,8,8'}, {kernel: 'stream:16,1024'}]\n"
                   "  micro_batches: 2\n  activation_bytes: 4 KiB\n")
    assert main([ "cluster", str(job), "--compute", "auto:5%", "--curve", str(tmp_path / "curve.json"),
                 "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    sel = out["selector"]
    assert sel["budget"]["relative"] == pytest.approx(0.05)
    assert sel["budget"]["met"] == (sel["relative_halfwidth"] <= 0.05)
    assert {k["kernel"] for k in sel["kernels"]} == {"gemm:8,8,8", "stream:16,1024"}
    assert main(["cluster", str(job), "--compute", "auto:300%"]) != 0


def test_refit_adds_spot_checks_to_the_curve():
    """With refit, whole-kernel spot checks of single GEMMs join the curve's training points; a
    planted 20% error on every GEMM makes the refitted curve move towards the measurements."""
    sel = Selector(None, _curve(), 1e9, budget=0.5, spot_checks=2, refit=True,
                   measure=_fake_rtl({"gemm": 0.2}, []))
    net = _network()
    before = sel.curve_estimate(npu_kernel("gemm:32,16,32")).seconds
    out = sel.run(_pipeline(KERNELS), net.topology, net.model, draws=8)
    assert out["curve"].startswith("refitted with 2 spot-check point(s)")
    k = next(k for k in out["kernels"] if k["kernel"] == "gemm:32,16,32")
    assert k["model"] == CURVE                           # still priced by the (refitted) curve
    assert k["curve_seconds"] > before        # 2 points among 64: a small but real pull
