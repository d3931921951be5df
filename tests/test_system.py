"""Systems (spec/system.py, fastforward/system.py): a host core driving the NPU through
memory-mapped registers, its DRAM a window of the host's memory. C programs from the SoC
kit (hw/sdk/soc) check the NPU's results against the host's own reference; the Python and
C backends must agree on the whole system's state."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cosim.cli import main as dcsim
from cosim.kit import system_kit_command
from fastforward.system import SystemSimulator
from fastforward.session import prepare_program
from riscv_tools import GCC, run_riscv_gcc
from spec import SpecError
from spec.encoding import encode
from spec.errors import MachineFault
from spec.system import is_system_file, load_system

ROOT = Path(__file__).resolve().parent.parent
SOC = ROOT / "hw" / "soc.yaml"
KIT = ROOT / "hw" / "sdk" / "soc"
CORPUS = sorted((ROOT / "tests" / "malformed_system").glob("*.yaml"))
_EXPECT = re.compile(r"^# expect: (\d+):(\d+): (.+)$")


@pytest.fixture(scope="module")
def soc():
    return load_system(SOC)


def compile_program(tmp_path: Path, system, source: Path, **defines) -> Path:
    info = system_kit_command(system, [str(source)], str(tmp_path / f"{source.stem}.elf"), relative=False,
                              cflags=[*(f"-D{k}={v}" for k, v in defines.items()), "-Wall", "-Wextra", "-Werror"])
    run_riscv_gcc(info["command"][1:], tmp_path)
    return Path(info["command"][-1])


def run(system, elf: Path, backend: str) -> tuple[SystemSimulator, object]:
    sim = SystemSimulator(system, backend)
    job = prepare_program(system.host, sim.host, elf)
    sim.run()
    return sim, job


# ------------------------------------------------------------------ the file
def test_the_bundled_system_attaches_the_npu_in_the_top_page_of_host_memory(soc):
    npu = soc.accelerator("npu")
    assert is_system_file(SOC) and not is_system_file(ROOT / "hw" / "npu.yaml")
    assert (npu.words, npu.mmio % 4096, npu.doorbell - npu.mmio, npu.status - npu.mmio) == (4, 0, 12, 16)
    assert npu.memory == "dram" and npu.window == soc.host.fetch.base
    assert soc.digest != load_system(SOC, {"MEM_BYTES": 1 << 25}).digest


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_malformed_system_files_fail_at_their_line(path):
    line, col, message = map(str.strip, _EXPECT.match(path.read_text().splitlines()[0]).groups())
    with pytest.raises(SpecError) as info:
        load_system(path)
    err = info.value
    assert (Path(err.loc.path).name, err.loc.line, err.loc.col) == (path.name, int(line), int(col)), err.render()
    assert message in err.message


def test_the_corpus_is_large_enough():
    assert len(CORPUS) >= 10


# -------------------------------------------------------- shared memory, doorbell
@pytest.mark.parametrize("backend", ["py", pytest.param("c", marks=pytest.mark.cc)])
def test_the_npu_dram_is_a_view_of_host_memory(soc, backend):
    sim = SystemSimulator(soc, backend)
    dram = sim.accelerators["npu"].state["dram"]
    assert np.shares_memory(dram, sim.ram)
    sim.ram[100] = 7
    assert dram[100] == 7


@pytest.mark.parametrize("backend", ["py", pytest.param("c", marks=pytest.mark.cc)])
def test_a_store_to_the_doorbell_runs_the_command_and_a_fault_names_the_accelerator(soc, backend):
    """Hand-assembled host code: four stores of a bad MVIN (rows > DIM) to the registers."""
    npu = soc.accelerator("npu")
    bad = encode(npu.machine.instruction("MVIN"), {"rows": 99, "cols": 1, "row": 0, "addr": 0})
    sim = SystemSimulator(soc, backend)
    regs = sim.ram[npu.mmio - sim.base:npu.mmio - sim.base + 16].view("<u4")
    regs[:3] = [(bad >> (32 * k)) & 0xFFFFFFFF for k in range(3)]       # words 0..2 first: nothing happens
    assert sim.accelerators["npu"].retired == 0
    from spec import Assembler
    code = Assembler(soc.host).assemble(f"lui x5, {npu.mmio >> 12:#x}\nlui x6, {(bad >> 96) >> 12:#x}\n"
                                        f"addi x6, x6, {(bad >> 96) & 0xFFF}\nsw x6, {npu.doorbell & 0xFFF}(x5)\n"
                                        "ebreak\n", "bad.s").to_bytes()
    sim.ram[:len(code)] = np.frombuffer(code, dtype=np.uint8)
    sim.host.pc = soc.host.fetch.base
    with pytest.raises(MachineFault) as info:
        sim.run(10)
    assert "accelerator 'npu', command 0" in info.value.message and "MVIN moves at most" in info.value.message


# ------------------------------------------------------------- C programs
pytestmark_gcc = pytest.mark.riscv_gcc


@pytest.fixture(scope="module")
def programs(soc, tmp_path_factory):
    if GCC is None:
        pytest.fail("riscv64-unknown-elf-gcc is not installed (.ci/run installs it)")
    out = tmp_path_factory.mktemp("soc")
    return {"gemm": compile_program(out, soc, KIT / "gemm.c", M=20, K=12, N=28, SHIFT=6),
            "mlp": compile_program(out, soc, KIT / "mlp.c", BATCH=10, D0=16, D1=24, D2=8, D3=12, SHIFT=5),
            "gemm_spot": compile_program(out, soc, KIT / "gemm.c", M=40, K=24, N=48, CHECK=3, BLOCK_M=2,
                                         BLOCK_N=3)}


@pytest.mark.riscv_gcc
@pytest.mark.cc
@pytest.mark.parametrize("name", ["gemm", "mlp", "gemm_spot"])
def test_c_programs_drive_the_npu_and_both_backends_agree_on_the_whole_system(soc, programs, name):
    """Edge tiles (sizes not multiples of DIM), several blocks, ReLU layers: the program
    checks the NPU's output itself (exit 0); Python and C end in the same system state."""
    results = {}
    for backend in ("py", "c"):
        sim, job = run(soc, programs[name], backend)
        assert sim.halted and sim.exit_code == 0, job.host.stdout
        assert b": ok" in job.host.stdout
        results[backend] = (sim.snapshot(), sim.command_counts())
    (py, py_counts), (c, c_counts) = results["py"], results["c"]
    assert py.equals(c) and py_counts == c_counts
    assert py_counts["npu"]["COMPUTE"] > 0 and py_counts["npu"]["MVOUT"] > 0


@pytest.mark.riscv_gcc
@pytest.mark.cc
def test_a_snapshot_mid_program_restores_into_a_fresh_system(soc, programs):
    sim, _ = run(soc, programs["gemm"], "c")
    final = sim.snapshot()
    half = SystemSimulator(soc, "c")
    job = prepare_program(soc.host, half.host, programs["gemm"])
    half.run(final.retired // 2)
    middle = half.snapshot()
    assert 0 < middle.parts["npu"].retired < final.parts["npu"].retired
    again = SystemSimulator(soc, "py")
    prepare_program(soc.host, again.host, programs["gemm"])    # the host environment (exit call) attached
    again.restore(middle)
    again.run()
    assert again.snapshot().equals(final) and job is not None


@pytest.mark.riscv_gcc
@pytest.mark.cc
def test_dcsim_run_reports_host_instructions_and_npu_commands(soc, programs, capsys):
    assert dcsim(["run", str(SOC), "--program", str(programs["gemm"]), "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["system"] == "soc" and r["exit_code"] == 0 and r["instructions"] > 10_000
    npu = r["accelerators"]["npu"]
    assert npu["commands"] == sum(npu["counts"].values()) and npu["counts"]["PRELOAD"] > 0
    assert "ok" in r["stdout"]


def test_dcsim_run_on_a_system_refuses_what_it_cannot_do_yet(capsys):
    assert dcsim(["run", str(SOC), "--workload", "gemm:8,8,8"]) == 2
    assert "not supported for a system" in capsys.readouterr().err
    assert dcsim(["run", str(SOC)]) == 2
    assert "--program FILE" in capsys.readouterr().err


def test_the_system_kit_keeps_the_register_page_out_of_the_program(soc):
    info = system_kit_command(soc, ["x.c"], "x.elf", relative=False)
    npu = soc.accelerator("npu")
    assert info["ram_size"] == (npu.mmio & ~0xFFF) - soc.host.fetch.base
    header = Path(info["headers"][0])
    assert header.name == "npu.h" and f"{npu.mmio:#x}" in header.read_text()
    assert any(f.endswith("hw/sdk/soc") for f in info["flags"])


# ------------------------------------------------------------------ printf
@pytest.mark.riscv_gcc
def test_the_kit_printf_formats_like_c(tmp_path):
    from riscv_tools import kit_flags
    from fastforward.riscv import run_program
    cases = [("%d|%5d|%-5d|%05d", (-42, 42, 42, -42)), ("%u|%x|%X|%08x", ("4000000000u", 0xBEEF, 0xBEEF, 0x1234)),
             ("%c|%s|%-6s|%6s|%%", ("'z'", '"str"', '"ab"', '"ab"')), ("%lld|%llu|%ld", ("-1234567890123LL",
                                                                                      "18446744073709551615ULL", "-7L"))]
    body = "".join(f'    printf("{fmt}\\n", {", ".join(map(str, args))});\n' for fmt, args in cases)
    (tmp_path / "p.c").write_text(f'#include "printf.h"\nint main(void)\n{{\n{body}    return 0;\n}}\n')
    run_riscv_gcc([*kit_flags(), "p.c", "-lgcc", "-o", "p.elf"], tmp_path)
    out = run_program(None, tmp_path / "p.elf").stdout.decode()
    assert out.splitlines() == ["-42|   42|42   |-0042", "4000000000|beef|BEEF|00001234", "z|str|ab    |    ab|%",
                                "-1234567890123|18446744073709551615|-7"]


@pytest.mark.riscv_gcc
@pytest.mark.cc
@pytest.mark.verilator
def test_the_software_study_replays_host_streams_on_the_npu_rtl(tmp_path):
    """The quick study: host C streams and Python streams of the same shapes, each replayed
    on the NPU's RTL and checked against the functional model."""
    from cosim.experiments import run_experiment
    out = run_experiment("software", tmp_path, quick=True)
    rows = out["results"]["rows"]
    assert len(rows) == 4 and all(r["state_match"] for r in rows)
    host = [r for r in rows if r["host_instructions"]]
    assert len(host) == 2 and all(r["npu_cycles"] > r["commands"] for r in rows)
    assert all(0.5 < v < 2 for k, v in out["headline"].items() if "host/Python" in k)
    assert (tmp_path / "report.md").read_text().count("| yes |") == 4


def test_check_describes_a_system_and_machine_commands_name_it_a_system_file(capsys):
    assert dcsim(["check", str(SOC), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    npu = info["accelerators"][0]
    assert info["host"]["machine"] == "rv32im" and npu["name"] == "npu" and npu["wait"] == npu["status"] + 4
    assert dcsim(["hls", str(SOC), "-o", "out"]) == 2    # (rtl and sample take systems: test_system_rtl.py, _target.py)
    err = capsys.readouterr().err
    assert "this is a system file" in err and "soc.yaml:8:1" in err and "sample" in err
