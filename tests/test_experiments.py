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
    coverage = results["headline"]["truth inside 99.7% interval, random plans"]
    inside, total = map(int, coverage.split()[0].split("/"))
    assert total == sum(c["seeds"] for c in counts) > 0 and inside == sum(c["inside"] for c in counts)
    assert "0/0" not in json.dumps(results["headline"])


@pytest.mark.slow
@pytest.mark.verilator
@pytest.mark.parametrize("name", ["network", "abstraction", "sampling"])
def test_full_runs(name, tmp_path):
    assert main(["experiment", name, "--out", str(tmp_path / name), "--json"]) == 0


def fake_run(name, out, *, quick=False, log=None, **_):
    out.mkdir(parents=True, exist_ok=True)
    (out / "plot.png").write_bytes(b"")
    log and log("ran")
    return {"results": {"title": f"{name} study"}, "headline": {"a number": 1.5, "quick": quick},
            "plots": [str(out / "plot.png")]}


@pytest.mark.parametrize("quick", [False, True])
def test_readme_section_names_date_machine_commands_and_times(tmp_path, monkeypatch, quick):
    from cosim.experiments import readme
    monkeypatch.setattr(readme, "run_experiment", fake_run)
    page = tmp_path / "README.md"
    page.write_text(f"# x\n\n{readme.START}\nold\n{readme.END}\ntail\n")
    readme.main(["--readme", str(page), "--out", str(tmp_path / "results")] + (["--quick"] if quick else []))
    text = page.read_text()
    assert text.startswith("# x") and text.endswith("tail\n") and "old" not in text
    assert "cores, " in text and " UTC from " in text
    assert ("python -m cosim.experiments.readme --quick" in text) == quick
    assert ("--quick` runs (not the full studies)" in text) == quick and ("full runs" in text) != quick
    for name in ("sampling", "network", "abstraction", "software"):
        assert f"`dcsim experiment {name} --out docs/results/{name}" + (" --quick`" if quick else "`") in text
        assert f"{name} study" in text
    assert text.count(" s |") == 4                                # a wall time per study


def test_readme_refuses_a_page_without_markers(tmp_path, monkeypatch):
    from cosim.experiments import readme
    monkeypatch.setattr(readme, "run_experiment", fake_run)
    page = tmp_path / "README.md"
    page.write_text("# no markers\n")
    with pytest.raises(SystemExit):
        readme.main(["--readme", str(page), "--out", str(tmp_path / "results"), "--quick"])
    assert not (tmp_path / "results").exists()                    # refused before running anything


@pytest.mark.slow
@pytest.mark.verilator
def test_readme_quick_regeneration(tmp_path):
    from cosim.experiments import readme
    page = tmp_path / "README.md"
    page.write_text(f"{readme.START}\n{readme.END}\n")
    readme.main(["--quick", "--readme", str(page), "--out", str(tmp_path / "results")])
    text = page.read_text()
    assert "0/0" not in text and text.count("![") == 3           # the software study has no plot
