"""dcsim experiment NAME --quick: each study runs end to end and writes a sane report."""
import json

import pytest

from cosim.cli import main


def run(name, tmp_path, capsys):
    out = tmp_path / name
    assert main(["experiment", name, "--out", str(out), "--quick", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    results = json.loads((out / "results.json").read_text())
    report = (out / "report.md").read_text()
    assert report.startswith("# ") and "--quick" in report and info["headline"] == results["headline"]
    for plot in info["plots"]:
        assert open(plot, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
    return results, report


def test_network_quick(tmp_path, capsys):
    results, report = run("network", tmp_path, capsys)
    load = results["load"]
    assert abs(load[0]["tp_diff"]) < 0.01            # unloaded: the models agree
    assert load[-1]["tp_diff"] > 0.1                 # loaded uplinks: Mess adds latency
    assert abs(next(t for t in results["topology"] if t["topology"] == "switch")["tp_diff"]) < 0.01
    assert "### Topology" in report


@pytest.mark.verilator
def test_abstraction_quick(tmp_path, capsys):
    results, report = run("abstraction", tmp_path, capsys)
    for srcs in results["jobs"].values():
        rtl, curve, truth = srcs["sampled RTL"], srcs["curve"], srcs["full RTL"]
        assert rtl["ci_s"][0] < rtl["step_s"] < rtl["ci_s"][1] and truth["ci_s"] is None
        assert abs(curve["step_s"] / truth["step_s"] - 1) < 0.5
    assert any(k["flagged"] for k in results["kernels"])          # a class the curve gets >10% wrong
    assert "off by more than 10%" in report


@pytest.mark.verilator
def test_sampling_quick(tmp_path, capsys):
    results, _ = run("sampling", tmp_path, capsys)
    assert len(results["suite"]) >= 6 and all(s["divergences"] == 0 for s in results["suite"])
    assert all(abs(s["error"]) < 0.5 for s in results["suite"])
    counts = results["by_count"]
    assert counts[-1]["mean_halfwidth"] < counts[0]["mean_halfwidth"]


@pytest.mark.slow
@pytest.mark.verilator
@pytest.mark.parametrize("name", ["network", "abstraction", "sampling"])
def test_full_runs(name, tmp_path):
    assert main(["experiment", name, "--out", str(tmp_path / name), "--json"]) == 0
