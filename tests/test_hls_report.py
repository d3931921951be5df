"""`hls.report`: latency formulas, loop initiation intervals, operators, ports, banks and
warnings per instruction and unit; `dcsim hls --report` prints it, `--json` carries it."""
import json
from pathlib import Path

import pytest

from hls import schedule_machine
from hls.report import format_report, latency, report
from spec import load_machine

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = sorted((ROOT / "tests" / "catalogue").glob("*.yaml"))
SMALL_NPU = {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 4096}


@pytest.fixture(scope="module")
def npu():
    return report(schedule_machine(load_machine(ROOT / "hw" / "npu.yaml", SMALL_NPU)))


def test_npu_report(npu):
    compute = npu["instructions"]["COMPUTE"]
    assert compute["unit"] == "execute"
    assert compute["latency"]["formula"] == "2 + n1" and compute["ii"] == compute["latency"]["formula"]
    assert [lp["ii"] for lp in compute["loops"]] == ["1"]              # a row of DIM x DIM MACs per cycle
    assert compute["loops"][0]["at"].startswith("npu.yaml:")
    assert compute["resources"]["multipliers"] == 4 * 4
    assert compute["resources"]["memories"]["acc"] == {"reads": 1, "writes": 1}
    mvout = npu["instructions"]["MVOUT"]
    assert "n1*n2" in mvout["latency"]["terms"]                         # columns nested in rows
    assert npu["instructions"]["CONFIG_LD"]["latency"] == {"formula": "1", "terms": {"1": 1}, "min": 1, "max": 1}
    assert npu["units"]["execute"]["resources"]["banks"]["sp"] == 4
    assert npu["warnings"] == []
    json.dumps(npu)


def test_latency_evaluates_the_formula():
    m = schedule_machine(load_machine(ROOT / "tests" / "catalogue" / "dsp.yaml"))
    # FIR: entry, per output sample 2 states plus one per tap, retire
    assert latency(m, "FIR", {"n1": 3, "n2": 8}) == 2 + 3 * (2 + 8)
    assert latency(m, "SETC") == 1


@pytest.mark.parametrize("path", CATALOGUE + [ROOT / "hw" / "rv32i.yaml"], ids=lambda p: p.stem)
def test_every_machine_reports(path):
    m = schedule_machine(load_machine(path))
    r = report(m)
    assert set(r["instructions"]) == {s.instruction for s in m.schedules}
    for x in r["instructions"].values():
        assert 1 <= x["latency"]["min"] <= x["states"]
        assert x["latency"]["max"] is None or x["latency"]["max"] >= x["latency"]["min"]
    text = format_report(r)
    assert all(name in text for name in r["instructions"])
    json.dumps(r)


def test_cli_report_table_and_json(capsys):
    from cosim.cli import main
    assert main(["hls", "tests/catalogue/ifconv.yaml", "--report"]) == 0
    out = capsys.readouterr().out
    assert "HLS report: ifconv" in out and "IFELSE" in out and "warnings: none" in out
    assert main(["hls", "tests/catalogue/ifconv.yaml", "--report", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["report"]["instructions"]["SELECT"]["latency"]["formula"] == "2 + n1"
