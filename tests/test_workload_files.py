"""Workload files and generators for any queue machine (`fastforward/workloads/files.py`,
docs/workloads.md): `dcsim run|rtl|sample --workload FILE.yaml | module:function`, the NPU's
built-in workloads exported and read back, `dcsim run --dump-state`, and sampled plans that
measure the units asked for (`cosim.plan.plan_strata`)."""
from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cosim.cli.main import main as dcsim_main
from fastforward.backends import make_simulator
from fastforward.workloads import FUNCTIONAL_MODEL, Workload, build_workload, load_workload, workload_from_file
from spec import load_machine

ROOT = Path(__file__).resolve().parent.parent
VADD = ROOT / "tests" / "catalogue" / "vadd.yaml"
DSP = ROOT / "tests" / "catalogue" / "dsp.yaml"
SMALL_NPU = ["-D", "DIM=4", "-D", "SP_ROWS=64", "-D", "ACC_ROWS=32", "-D", "DRAM_BYTES=4096"]


def dcsim(capsys, *argv) -> tuple[int, dict]:
    code = dcsim_main([*map(str, argv), "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def vadd_workload(folder: Path, rows: int = 1, expect: str | None = None) -> Path:
    """A vadd workload: row 1 from a.npy, VSPLAT 5 into row 0, VADD them into row 2 (`rows`
    times over, for a longer stream), flags preloaded whole; expect row 2 = a + 5."""
    a = (np.arange(8, dtype=np.int16) - 3) * 1000
    np.save(folder / "a.npy", a.reshape(1, 8))
    np.save(folder / "sum.npy", (a + 5).reshape(1, 8))
    np.save(folder / "flags.npy", np.array(0, dtype=np.uint8))
    body = "\n".join("  vsplat dst=0, imm=5\n  vadd dst=2, a=0, b=1, sat=1" for _ in range(rows))
    expect = expect or "expect:\n  - {state: vec, at: [2, 0], file: sum.npy}"
    path = folder / "vadd_work.yaml"
    path.write_text(f"machine: vadd\ndescription: a + 5, saturating\ncommands: |\n{body}\n"
                    "preload:\n  - {state: vec, at: [1, 0], file: a.npy}\n  - {state: flags, file: flags.npy}\n"
                    f"{expect}\n")
    return path


# ------------------------------------------------------------------ dcsim run
def test_catalogue_machine_runs_a_workload_file_verified_and_dumps_its_state(tmp_path, capsys):
    work = vadd_workload(tmp_path)
    code, r = dcsim(capsys, "run", VADD, "--workload", work, "--backend", "py", "--dump-state", tmp_path / "state")
    assert code == 0 and r["verified"] is True and r["instructions"] == 2
    assert r["verified_against"] == "the expect of vadd_work.yaml"
    assert sorted(r["dump_state"]["files"]) == ["flags.npy", "vec.npy"]
    vec = np.load(tmp_path / "state" / "vec.npy")
    assert vec.dtype == np.int16 and vec.shape == (16, 8)
    assert (vec[2] == np.load(tmp_path / "sum.npy")[0]).all() and (vec[0] == 5).all()
    assert np.load(tmp_path / "state" / "flags.npy").shape == ()
    # a dumped element preloads whole: the state of one run starts the next
    again = tmp_path / "again.yaml"
    again.write_text("commands: |\n  vadd dst=3, a=2, b=0\npreload:\n  - {state: vec, file: state/vec.npy}\n"
                     "expect: functional-model\n")
    code, r = dcsim(capsys, "run", VADD, "--workload", again, "--dump-state", tmp_path / "s2")
    assert code == 0 and r["verified"] is None and r["verified_against"] == FUNCTIONAL_MODEL
    assert (np.load(tmp_path / "s2" / "vec.npy")[3] == np.load(tmp_path / "sum.npy")[0] + 5).all()


def test_a_wrong_expectation_fails_verification_with_exit_1(tmp_path, capsys):
    work = vadd_workload(tmp_path)
    np.save(tmp_path / "sum.npy", np.zeros((1, 8), dtype=np.int16))
    code, r = dcsim(capsys, "run", VADD, "--workload", work)
    assert code == 1 and r["verified"] is False


def test_dsp_workload_with_inline_commands_and_whole_elements(tmp_path, capsys):
    coef = np.array([1, 2, 3, 4, 0, 0, 0, -1], dtype=np.int8)
    x = np.arange(64, dtype=np.int8) - 32
    y = np.array([sum(int(coef[k]) * int(x[i - k]) for k in range(8) if i >= k) for i in range(64)], dtype=np.int32)
    np.save(tmp_path / "coef.npy", coef)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", y[4:20])
    (tmp_path / "fir.yaml").write_text(textwrap.dedent("""\
        machine: dsp
        commands: |
          # y[4..19] from preloaded coefficients and samples
          fir idx=4, n=16
        preload:
          - {state: coef, file: coef.npy}
          - {state: x, file: x.npy}
        expect:
          - {state: y, at: 4, file: y.npy}
        """))
    code, r = dcsim(capsys, "run", DSP, "--workload", tmp_path / "fir.yaml")
    assert code == 0 and r["verified"] is True and r["counts"] == {"FIR": 1}


def test_commands_from_an_assembly_file_or_a_binary(tmp_path):
    vadd = load_machine(VADD)
    (tmp_path / "cmds.s").write_text("vsplat dst=0, imm=5\nvadd dst=2, a=0, b=1, sat=1\n")
    words = workload_from_file(_write(tmp_path / "s.yaml", "commands: {file: cmds.s}\n"), vadd).commands
    (tmp_path / "cmds.bin").write_bytes(b"".join(w.to_bytes(4, "little") for w in words))
    assert workload_from_file(_write(tmp_path / "b.yaml", "commands: {binary: cmds.bin}\n"), vadd).commands == words
    assert len(words) == 2


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


# ------------------------------------------------------------------ the NPU's built-ins as files
@pytest.mark.parametrize("name", ["gemm:8,8,8", "mlp:3,9,10,4", "conv:5,5,3,4"])
def test_a_builtin_workload_exports_and_reads_back_identically(name, tmp_path):
    npu = load_machine(ROOT / "hw" / "npu.yaml")
    built = build_workload(npu, name, seed=2)
    path = built.to_file(tmp_path / "w", npu)
    back = workload_from_file(path, npu)
    assert back.name == built.name and back.description == built.description
    assert back.commands == built.commands and back.memory == built.memory
    assert len(back.inputs) == len(built.inputs)
    for (a1, d1), (a2, d2) in zip(built.inputs, back.inputs):
        assert a1 == a2 and d1.dtype == d2.dtype and np.array_equal(d1, d2)
    assert back.expected[0] == built.expected[0]
    assert back.expected[1].dtype == built.expected[1].dtype and np.array_equal(back.expected[1], built.expected[1])
    assert back.loads == [] and back.checks == [] and back.reference is None
    sim = make_simulator(npu, "py")
    back.prepare(sim)
    sim.run()
    assert back.verify(sim)


def test_export_from_the_command_line_then_run_the_file_verified(tmp_path, capsys):
    out = tmp_path / "g8"
    code, r = dcsim(capsys, "run", "npu", "--workload", "gemm:8,8,8", "--export-workload", out)
    assert code == 0 and r["verified"] is True and r["exported"] == str(out / "workload.yaml")
    code, again = dcsim(capsys, "run", "npu", "--workload", out / "workload.yaml", "--dump-state", tmp_path / "st")
    assert code == 0 and again["verified"] is True and again["instructions"] == r["instructions"]
    assert again["counts"] == r["counts"] and (tmp_path / "st" / "dram.npy").is_file()


# ------------------------------------------------------------------ module:function generators
GENERATOR = '''\
import numpy as np
from fastforward.workloads import Workload
from fastforward.program import Program


def splat_add(machine, value=5, seed=0):
    """VSPLAT value into row 0, then row 2 = row 0 + row 1 (row 1 random, from the seed)."""
    b = np.random.default_rng(seed).integers(-100, 100, (1, 8)).astype(np.int16)
    prog = Program(machine).vsplat(dst=0, imm=value).vadd(dst=2, a=0, b=1, sat=1)
    return Workload("splat_add", prog.words, "generated", {"value": value},
                    loads=[("vec", (1, 0), b)], checks=[("vec", (2, 0), b + value)], verifier="splat_add")


def not_a_workload(machine):
    return [1, 2, 3]


def broken(machine):
    raise ValueError("no such layer")
'''


def test_a_python_generator_by_file_path_and_by_module(tmp_path, capsys, monkeypatch):
    (tmp_path / "vgen.py").write_text(GENERATOR)
    code, r = dcsim(capsys, "run", VADD, "--workload", f"{tmp_path / 'vgen.py'}:splat_add:value=7", "--seed", "3")
    assert code == 0 and r["verified"] is True and r["job"] == "splat_add"
    monkeypatch.syspath_prepend(str(tmp_path))
    vadd = load_machine(VADD)
    w = load_workload(vadd, "vgen:splat_add", seed=3)
    assert isinstance(w, Workload) and w.params == {"value": 5}
    code, r = dcsim(capsys, "run", VADD, "--workload", "vgen:splat_add")
    assert code == 0 and r["verified"] is True


@pytest.mark.parametrize("spec, message", [
    ("vgen.py:not_a_workload", "returned list, not a fastforward.workloads.Workload"),
    ("vgen.py:broken", "broken() raised ValueError: no such layer"),
    ("vgen.py:missing", "has no function 'missing'"),
    ("nowhere.py:f", "does not exist"),
    ("no_such_module_xyz:f", "no module named 'no_such_module_xyz'"),
    ("vgen.py:splat_add:value", "is not key=value"),
])
def test_a_bad_generator_is_a_clear_error(spec, message, tmp_path, capsys, monkeypatch):
    (tmp_path / "vgen.py").write_text(GENERATOR)
    monkeypatch.chdir(tmp_path)
    assert dcsim_main(["run", str(VADD), "--workload", spec]) == 2
    assert message in capsys.readouterr().err


def test_builtin_names_still_win():
    from fastforward.workloads.files import workload_kind
    assert workload_kind("gemm:8,8,8") == "builtin" and workload_kind("long") == "builtin"
    assert workload_kind("prog:sort") == "builtin" and workload_kind("w.yaml") == "file"
    assert workload_kind("pkg.gen:build") == "module" and workload_kind("a/gen.py:build:n=3") == "module"


# ------------------------------------------------------------------ plans measure what was asked
def _plan_args(**kw):
    base = dict(plan="stratified", interval=None, samples=None, strata=12, warmup=0)
    return argparse.Namespace(**{**base, **kw})


def test_a_stratified_plan_measures_the_units_asked_for():
    from cosim.plan import from_args
    asked = []

    def labels(strata):
        asked.append(strata)
        return np.arange(100) % strata

    plan = from_args(_plan_args(samples=12), 100 * 10, 10, labels, seed=1)
    assert len(plan.samples) == 12 and asked == [6] and len(plan.strata) == 6
    assert all(sum(u.stratum == h for u in plan.samples) >= 2 for h in range(6))
    assert "used 6 strata" in plan.note and "--samples 24" in plan.note
    plan = from_args(_plan_args(samples=30), 1000, 10, labels, seed=1)
    assert len(plan.samples) == 30 and asked[-1] == 12 and plan.note == ""
    plan = from_args(_plan_args(interval=20), 1000, 10, labels, seed=1)      # 5 units: 2 strata
    assert len(plan.samples) == 5 and asked[-1] == 2 and plan.note
    second = from_args(_plan_args(samples=12), 1000, 10, labels, seed=1, count=40)   # a later pass: same strata
    assert len(second.samples) == 40 and asked[-1] == 6


def test_the_report_says_why_the_plan_has_fewer_strata():
    from types import SimpleNamespace

    from cosim.plan import from_args
    from cosim.report import build_report
    plan = from_args(_plan_args(samples=4), 100, 1, lambda s: np.arange(100) % s, seed=0)
    est = SimpleNamespace(cycles=1.0, low=0.9, high=1.1, confidence=0.997, relative_error=0.1, cv=0.1,
                          population=100, method="expansion")
    result = SimpleNamespace(estimate=est, plan=plan, diverged=[], verified=None, functional_seconds=0.0,
                             detailed_seconds=0.0, samples=[])
    target = SimpleNamespace(machine=SimpleNamespace(name="m"), kind="queue", name="w", items="commands",
                             report_extras=lambda r: {})
    report = build_report(target, _plan_args(samples=4, lookahead=0, target_error=None), result, 0.0, [], {})
    assert report["samples"] == 4 and "used 2 strata" in report["plan_note"]


# ------------------------------------------------------------------ RTL and sampled RTL
@pytest.mark.verilator
def test_rtl_of_workload_files_on_vadd_and_the_small_npu(tmp_path, capsys):
    work = vadd_workload(tmp_path)
    code, r = dcsim(capsys, "rtl", VADD, "--workload", work)
    assert code == 0 and r["state_match"] and r["verified"] is True and r["instructions"] == 2
    fm = vadd_workload(tmp_path, expect="expect: functional-model")
    code, r = dcsim(capsys, "rtl", VADD, "--workload", fm)
    assert code == 0 and r["verified"] is True and r["verified_against"] == FUNCTIONAL_MODEL
    code, r = dcsim(capsys, "run", "npu", *SMALL_NPU, "--workload", "gemm:6,5,7", "--export-workload", tmp_path / "g")
    assert code == 0 and r["verified"] is True
    code, r = dcsim(capsys, "rtl", "npu", *SMALL_NPU, "--workload", tmp_path / "g" / "workload.yaml")
    assert code == 0 and r["state_match"] and r["verified"] is True


@pytest.mark.verilator
def test_sample_of_workload_files(tmp_path, capsys):
    work = vadd_workload(tmp_path, rows=30)                   # 60 commands: 15 units of 4
    code, r = dcsim(capsys, "sample", VADD, "--workload", work, "--unit", "4", "--samples", "6",
                    "--executor", "inline", "--truth", "--no-truth-cache")
    assert code == 0 and r["verified"] is True and r["divergences"] == 0
    assert r["samples"] == 6 and "used 3 strata" in r["plan_note"]
    assert r["truth_cycles"] > 0 and abs(r["error"]) < 0.05
    fm = vadd_workload(tmp_path, rows=30, expect="expect: functional-model")
    code, r = dcsim(capsys, "sample", VADD, "--workload", fm, "--unit", "4", "--samples", "4", "--executor", "inline")
    assert code == 0 and r["verified"] is True and r["verified_against"] == FUNCTIONAL_MODEL
    dcsim(capsys, "run", "npu", *SMALL_NPU, "--workload", "gemm:8,8,8", "--export-workload", tmp_path / "g")
    code, r = dcsim(capsys, "sample", "npu", *SMALL_NPU, "--workload", tmp_path / "g" / "workload.yaml",
                    "--unit", "8", "--samples", "4", "--executor", "inline")
    assert code == 0 and r["verified"] is True and r["divergences"] == 0 and r["samples"] == 4
