"""The abstraction selector (cosim/selector.py): spot checks find a planted curve error,
the budget loop refines until the step interval meets the budget, an unmeetable budget is
reported as unmet, and the decisions carry their evidence."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from cosim.fit import Point, fit
from cosim.nodemodel import Measurement, gemms_of, npu_kernel
from cosim.selector import CURVE, SAMPLED, TRUTH, Selector
from cosim.selector_cli import parse_auto
from cosim.selector_cost import baseline_cost, rtl_cost
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
    assert out["cost"]["rtl_cycles"] == pytest.approx(sum(k["rtl_cycles"] for k in out["kernels"])
                                                      + out["cost"]["proxy_rtl_cycles"])


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


# ------------------------------------------------------------------ the command-count model (middle rung)
def _fake_counts(text):
    """Per-'kind' counts of a workload: tile steps, output/A/B tiles and one per GEMM, so that
    `_law` is exactly linear in them (a machine whose commands have fixed costs)."""
    out = np.zeros(5)
    for s in gemms_of(text, DIM):
        m, k, n = np.ceil(np.array(s) / DIM)
        out += [m * k * n, m * n, m * k, k * n, 1]
    return tuple(int(x) for x in out)


def test_t_quantile_matches_known_values():
    from cosim.selector_counts import t_quantile
    assert t_quantile(0.975, 10) == pytest.approx(2.228, abs=2e-3)
    assert t_quantile(0.995, 3) == pytest.approx(5.841, abs=5e-3)
    assert t_quantile(0.9985, 1) == pytest.approx(np.tan(np.pi * 0.4985), rel=1e-3)
    assert t_quantile(0.9985, 400) == pytest.approx(2.97, abs=0.02)          # -> the normal's


def test_count_fit_recovers_a_linear_law_and_says_how_sure_it_is():
    from cosim.selector_counts import CountPoint, fit_counts
    rng = np.random.default_rng(3)
    shapes = [(m, k, n) for m in (4, 8, 16, 32) for k in (4, 8, 16) for n in (8, 16, 32)]
    pts = [CountPoint(f"gemm:{m},{k},{n}", _fake_counts(f"gemm:{m},{k},{n}"),
                      _law((m, k, n)) * (1 + 0.005 * rng.standard_normal())) for m, k, n in shapes]
    f = fit_counts(_fake_counts("gemm:24,12,20"), pts)
    truth = _law((24, 12, 20))
    assert abs(f.cycles / truth - 1) < f.half < 0.05          # inside its interval, and the interval is tight
    thin = fit_counts(_fake_counts("gemm:24,12,20"), pts[:7])  # few points: few degrees of freedom, wider
    assert thin.dof < f.dof and thin.half > f.half
    assert fit_counts(_fake_counts("gemm:24,12,20"), pts[:3]) is None       # too few to say anything


def test_planted_error_on_the_count_model_is_detected_and_moved():
    """A class whose cycles the count law misses by 30% (say, a layout effect) is caught by a
    spot check predicted before it ran, beyond the model's own interval, and goes to RTL; the
    classes the law fits stay on a free model (here the curve fits the law as well) without RTL."""
    calls = []
    kernels = ["gemm:8,8,8", "gemm:16,16,16", "gemm:32,16,32", "bankconflict:16,16,16", "bankconflict:32,16,32"]
    sel = Selector(None, _curve(), 1e9, budget=0.02, spot_checks=1, counts=_fake_counts,
                   measure=_fake_rtl({"bankconflict": 0.3}, calls))
    net = _network()
    out = sel.run(_pipeline(kernels), net.topology, net.model, draws=16)
    by = {c["class"]: c for c in out["classes"]}
    bank = next(c for k, c in by.items() if k.startswith("bankconflict"))
    assert bank["counts_failed_spot_checks"] and "counts" not in bank["models"]
    assert bank["spot_checks"][0]["counts_error"] == pytest.approx(1 / 1.3 - 1, abs=0.03)
    assert all(k["model"] in (SAMPLED, TRUTH) for k in out["kernels"] if k["kernel"].startswith("bankconflict"))
    gemm = [k for k in out["kernels"] if k["kernel"].startswith("gemm") and k["kernel"] != "gemm:8,8,8"]
    assert all(k["model"] in (CURVE, "counts") and k["counts_seconds"] for k in gemm)   # no RTL for them
    assert not any(c["counts_failed_spot_checks"] for k, c in by.items() if k.startswith("gemm"))
    assert out["budget"]["met"] and out["relative_halfwidth"] <= 0.02


def test_a_fitted_models_error_is_shared_by_its_class_in_the_step_interval():
    """Four kernels of one class on the count model share one draw: their errors add up in a
    serial step (interval ≈ each one's), where independent errors would give about half."""
    from cosim.selector import COUNTS
    kernels = ["gemm:8,8,8", "gemm:12,8,8", "gemm:8,12,8", "gemm:8,8,12"]
    sel = Selector(None, _curve(), 1e9, budget=0.9, spot_checks=0, counts=_fake_counts,
                   measure=_fake_rtl({}, []))
    net = _network()
    from network import Job

    def serial(model):
        job, prev = Job("s", 8), None
        for t in kernels:
            e = model.estimate(npu_kernel(t))
            prev = job.compute([0], e.seconds, t, deps=(prev,) if prev is not None else (), ci=e.ci)
        return job
    sel.run(serial, net.topology, net.model, draws=8)
    assert len({c.cls for c in sel.choices.values()}) == 1
    for c in sel.choices.values():        # on the count model, the same relative interval on every kernel
        c.model, s = COUNTS, c.counts.seconds
        c.estimate = replace(c.counts, ci=(0.9 * s, 1.1 * s))
    shared = sel._interval(serial, net.topology, net.model, draws=400, engine="auto", seed=1)["relative_halfwidth"]
    for c in sel.choices.values():
        c.model = SAMPLED                 # now independent draws, same intervals
    apart = sel._interval(serial, net.topology, net.model, draws=400, engine="auto", seed=1)["relative_halfwidth"]
    assert shared == pytest.approx(0.1, rel=0.15)
    assert apart < 0.7 * shared


def test_the_reference_plan_is_never_charged_above_the_kernel(small_npu):
    """`default_plan_baseline` runs dcsim sample's default plan; on a kernel smaller than the plan
    it is charged as the whole kernel, not the (larger) commands the campaign simulated."""
    from cosim.selector_cost import default_plan_baseline
    b = default_plan_baseline(small_npu, [npu_kernel("gemm:8,8,8")])
    k = b["per_kernel"][0]
    assert k["capped"] and k["rtl_cycles"] == pytest.approx(k["estimate_cycles"])
    assert b["rtl_cycles"] == pytest.approx(k["rtl_cycles"]) and b["wall_s"] > 0


def test_proxy_keeps_a_kernels_class_features():
    from cosim.selector_features import proxy
    assert proxy("bankconflict:128,128,128", 8) == "bankconflict:64,64,64"
    assert proxy("stream:1024,1024", 8) == "stream:512,1024"            # the row pitch is layout: kept
    assert proxy("gemm:36,100,20", 8) == "gemm:18,50,10"                # partial tiles stay partial
    assert proxy("gemm:8,8,8", 8) is None                               # one tile: nothing to shrink
    for text in ("transformer:32,64", "conv:16,16,16,32", "mlp:32,64,128,64", "gemm:100,36,70"):
        p = proxy(text, 8)
        a, b = classify(npu_kernel(text), 8, None), classify(npu_kernel(p), 8, None)
        assert (a.kind, a.chain, a.edge, a.strided) == (b.kind, b.chain, b.edge, b.strided)


def test_a_lone_costly_kernel_is_checked_through_a_cheaper_proxy():
    """A class with one kernel too costly to spot-check is checked on a stand-in with its sizes
    halved; a planted count-model error there moves the class, and the stand-in is paid for."""
    calls = []
    kernels = ["gemm:8,8,8", "gemm:16,16,16", "gemm:32,32,32", "bankconflict:32,32,32"]
    sel = Selector(None, _curve(), 1e9, budget=0.02, spot_checks=1, counts=_fake_counts, spot_share=0.2,
                   measure=_fake_rtl({"bankconflict": 0.3}, calls))
    net = _network()
    out = sel.run(_pipeline(kernels), net.topology, net.model, draws=16)
    bank = next(c for c in out["classes"] if c["class"].startswith("bankconflict"))
    assert not bank["spot_checked"] and bank["proxies"] == ["bankconflict:16,16,16"]
    check = bank["spot_checks"][0]
    assert check["kernel"] == "bankconflict:16,16,16" and check["proxy_for"] == "bankconflict:32,32,32"
    assert bank["counts_failed_spot_checks"]
    k = next(k for k in out["kernels"] if k["kernel"] == "bankconflict:32,32,32")
    assert k["model"] in (SAMPLED, TRUTH)
    assert out["cost"]["proxy_rtl_cycles"] > 0
    assert out["cost"]["rtl_cycles"] == pytest.approx(sum(k["rtl_cycles"] for k in out["kernels"])
                                                      + out["cost"]["proxy_rtl_cycles"])
    assert bank["rtl_cycles"] == pytest.approx(k["rtl_cycles"] + out["cost"]["proxy_rtl_cycles"])


# ------------------------------------------------------------------ the machine's family characterisation
def _bank_points(shapes, effect=0.3, noise=0.005, seed=5):
    """Whole-kernel 'RTL' points of a bank-conflict family: the law's cycles × (1 + effect)."""
    rng = np.random.default_rng(seed)
    return [(f"bankconflict:{m},{k},{n}", float(_law((m, k, n)) * (1 + effect) * (1 + noise * rng.standard_normal())))
            for m, k, n in shapes]


BANK_SHAPES = [(16, 16, 16), (16, 32, 16), (32, 16, 16), (16, 16, 32), (32, 32, 16), (16, 32, 32), (32, 16, 32),
               (48, 32, 16), (16, 48, 32), (32, 48, 48), (48, 16, 48)]


def test_family_points_price_a_layout_effect_without_any_rtl():
    """The lone bank-conflict kernel that needed a proxy and then RTL (test above) is priced by
    the count model fitted on its own family's points, inside its interval, with no RTL at all;
    the JSON says what evidence stood in for the spot check and what the points cost."""
    calls = []
    kernels = ["gemm:8,8,8", "gemm:16,16,16", "gemm:32,32,32", "bankconflict:32,32,32"]
    chars = _bank_points(BANK_SHAPES)
    sel = Selector(None, _curve(), 1e9, budget=0.02, spot_checks=1, counts=_fake_counts, spot_share=0.2,
                   measure=_fake_rtl({"bankconflict": 0.3}, calls), characterised=chars)
    net = _network()
    out = sel.run(_pipeline(kernels), net.topology, net.model, draws=16)
    bank = next(c for c in out["classes"] if c["class"].startswith("bankconflict"))
    assert not bank["spot_checked"] and "proxies" not in bank and bank["checked_by_family_points"] == len(chars)
    k = next(k for k in out["kernels"] if k["kernel"] == "bankconflict:32,32,32")
    truth = _law((32, 32, 32)) * 1.3 / 1e9
    assert k["model"] == "counts" and k["rtl_cycles"] == 0 and "points of its own family" in k["reason"]
    assert k["counts_ci_s"][0] <= truth <= k["counts_ci_s"][1]
    assert abs(k["seconds"] / truth - 1) < 0.02
    assert not any(t.startswith("bankconflict") for t, _ in calls)
    mc = out["machine_characterisation"]
    assert mc["family_points"] == len(chars) and mc["family_rtl_cycles"] == pytest.approx(sum(c for _, c in chars))
    assert mc["families"] == ["bankconflict"] and mc["curve_sweep_points"] == 64


def test_too_few_family_points_fall_back_to_the_gemm_sweep():
    """Three points of a family (under MIN_POINTS) do not make a fit of their own: the kernel is
    priced from the curve's GEMM points, blind to the layout effect (and so spot-checked)."""
    from cosim.selector_counts import CountPoint, family, own_family, pool
    sweep = [CountPoint(f"gemm:{m},{k},{n}", _fake_counts(f"gemm:{m},{k},{n}"), _law((m, k, n)))
             for m in (16, 32) for k in (16, 32) for n in (16, 32)]
    bank = [CountPoint(t, _fake_counts(t), c, "characterisation") for t, c in _bank_points(BANK_SHAPES)]
    text = "bankconflict:32,32,32"
    assert pool(text, sweep + bank, [], DIM) == own_family(text, sweep + bank, DIM)
    assert all(p.text.startswith("bankconflict") for p in pool(text, sweep + bank, [], DIM))
    assert all(p.text.startswith("gemm") for p in pool(text, sweep + bank[:3], [], DIM))
    # gemm kernels never borrow a layout family's points; a kernel is never priced from its own text
    assert all(p.text.startswith("gemm") for p in pool("gemm:32,32,32", sweep + bank, [], DIM))
    assert not any(p.text == "gemm:32,32,32" for p in pool("gemm:32,32,32", sweep + bank, [], DIM))
    assert family("stream:64") == family("stream:128,1024") != family("stream:64,8")
    assert family("conv:8,8,4,4") == ("conv", 3) and family("mlp:4,8,8,8") == ("mlp", 3)


def test_family_config_is_checked():
    from cosim.characterise import family_texts
    from cosim.fit import FitError
    assert family_texts({"families": {"transformer": [[16, 48]], "stream": [[64, 8], [64]]}}) == \
        ["transformer:16,48", "stream:64,8", "stream:64"]
    assert family_texts({}) == []
    for bad, why in (({"families": {"resnet": [[1]]}}, "unknown workload family 'resnet'"),
                     ({"families": {"stream": [[64, 8, 3]]}}, "1 to 2 positive integers"),
                     ({"families": {"gemm": [[8, 8, 0]]}}, "3 positive integers"),
                     ({"families": {"gemm": [[8, 8, True]]}}, "3 positive integers"),
                     ({"families": {"gemm": [[8, 8, 8], [8, 8, 8]]}}, "listed twice"),
                     ({"families": {"gemm": "8,8,8"}}, "must be a list"),
                     ({"families": [["gemm", [8, 8, 8]]]}, "maps a workload family")):
        with pytest.raises(FitError, match=why):
            family_texts(bad, "hw/x.yaml")


@pytest.mark.parametrize("quick", [True, False])
def test_bundled_characterisations_hold_out_every_kernel_of_the_studys_jobs(quick):
    """The figures are reported on the abstraction study's jobs: none of their kernels may be a
    characterisation point (they are priced from other sizes of their family)."""
    from cosim.characterise import family_texts
    from cosim.experiments import abstraction as A
    from cosim.fit import load_sweep_config
    from cosim.paths import hw_dir
    from cosim.selector_study import job_kernels
    from cosim.nodemodel import workload_text
    cfg = load_sweep_config(hw_dir() / "curves" / ("npu_sweep_quick.yaml" if quick else "npu_sweep.yaml"))
    chars = set(family_texts(cfg))
    assert {"transformer", "bankconflict", "stream", "conv"} <= {t.partition(":")[0] for t in chars}
    jobs = set()
    for build in (lambda m: A._dp(quick, m), lambda m: A._pipeline(quick, m)):
        jobs |= {workload_text(k) for k in job_kernels(build)}
    jobs |= {t for _, t in A.PROBES[quick]} | set(A.STAGES[quick])
    assert len(jobs) > 10 and not jobs & chars
