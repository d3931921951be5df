"""hw/rv32im.yaml: RV32I (inherited through `extends`) plus the M extension and FENCE.I.

The eight M instructions are checked against a reference written here from the RISC-V
unprivileged spec (chapter 7: high words of the 64-bit products; division rounding toward
zero; by zero: quotient all ones, remainder the dividend; -2^31 / -1: quotient -2^31,
remainder 0), on random operands (hypothesis) and on the corner values, in the Python
reference, the generated C and the RTL core (one Verilator build, 64 KiB of ram). A C
program compiled with -march=rv32im (tests/rv32im/muldiv.c) checks its own * / % answers on
Python and C, and runs on the RTL core to the same state. Code stored before a FENCE.I runs
in every model. The language's div/rem built-ins (spec/intdiv.py) are checked for every
operand type in Python and C (and, marked slow, in a second RTL build).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from cosim.kit import kit_command
from fastforward.backends import make_simulator
from fastforward.riscv import attach_host, load_binary, load_elf, run_program
from spec import Assembler, load_machine

ROOT = Path(__file__).resolve().parent.parent
HW = ROOT / "hw"
RAM_BASE, RAM = 0x80000000, 1 << 16
M32 = 0xFFFFFFFF
M_OPS = ("mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu")
CORNERS = (0, 1, M32, 0x80000000, 0x7FFFFFFF, 2, M32 - 1, 7)        # 0, 1, -1, -2^31, ...
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


# ------------------------------------------------ the reference, from the RISC-V spec
def s32(v: int) -> int:
    v &= M32
    return v - (1 << 32) if v >> 31 else v


def riscv_m(op: str, a: int, b: int) -> int:
    """rd of `op rd, rs1, rs2` with rs1 = a, rs2 = b (unsigned 32-bit register values)."""
    sa, sb = s32(a), s32(b)
    if op == "mul":
        return (a * b) & M32
    if op in ("mulh", "mulhsu", "mulhu"):
        left, right = (sa, sb) if op == "mulh" else (sa, b) if op == "mulhsu" else (a, b)
        return ((left * right) >> 32) & M32
    if op in ("divu", "remu"):
        if b == 0:
            return M32 if op == "divu" else a
        return a // b if op == "divu" else a % b
    if b == 0:
        return M32 if op == "div" else a
    if sa == -(1 << 31) and sb == -1:                 # the one overflow
        return 0x80000000 if op == "div" else 0
    quotient = abs(sa) // abs(sb) * (1 if (sa < 0) == (sb < 0) else -1)
    return (quotient if op == "div" else sa - sb * quotient) & M32


def test_reference_matches_the_specs_table():
    # RISC-V unprivileged spec, table 7.1 (division by zero and overflow)
    assert [riscv_m(op, 5, 0) for op in ("divu", "remu", "div", "rem")] == [M32, 5, M32, 5]
    assert riscv_m("div", 0x80000000, M32) == 0x80000000 and riscv_m("rem", 0x80000000, M32) == 0
    assert riscv_m("div", s32(-7) & M32, 2) == s32(-3) & M32 and riscv_m("rem", -7 & M32, 2) == -1 & M32
    assert riscv_m("mulh", M32, M32) == 0 and riscv_m("mulhu", M32, M32) == M32 - 1
    assert riscv_m("mulhsu", M32, M32) == M32          # -1 * (2^32 - 1): high word all ones


# ------------------------------------------------------------- the machine
@pytest.fixture(scope="module")
def rv():
    return load_machine(HW / "rv32im.yaml", {"MEM_BYTES": RAM})


@pytest.fixture(scope="module")
def program(rv):
    """The eight M instructions, x3..x10 = op(x1, x2), then FENCE.I (no effect)."""
    text = "\n".join(f"{op} x{3 + k}, x1, x2" for k, op in enumerate(M_OPS)) + "\nfence.i\n"
    return Assembler(rv).assemble(text)


def start_state(rv, program, a: int, b: int) -> dict:
    sim = make_simulator(rv, "py")
    load_binary(sim, program.to_bytes())
    sim.state["x"][1], sim.state["x"][2] = a, b
    return {k: v.copy() for k, v in sim.state.items()}


class Backends:
    """One simulator per functional backend, re-armed for each operand pair."""

    def __init__(self, rv, program):
        self.program, self.sims = program, {}
        for backend in ("py", "c"):
            self.sims[backend] = make_simulator(rv, backend)
            load_binary(self.sims[backend], program.to_bytes())

    def results(self, a: int, b: int) -> dict:
        out = {}
        for backend, sim in self.sims.items():
            sim.state["x"][:] = 0
            sim.state["x"][1], sim.state["x"][2] = a, b
            sim.state["pc"][...] = RAM_BASE
            assert sim.run(len(M_OPS) + 1) == len(M_OPS) + 1
            out[backend] = [int(v) for v in sim.state["x"][3:3 + len(M_OPS)]]
        return out


@pytest.fixture(scope="module")
def backends(rv, program):
    return Backends(rv, program)


def expected(a: int, b: int) -> list[int]:
    return [riscv_m(op, a, b) for op in M_OPS]


OPERAND = st.one_of(st.sampled_from(CORNERS), st.integers(0, M32),
                    st.integers(0, 40).map(lambda v: (v - 20) & M32))   # small magnitudes, both signs


@pytest.mark.cc
@SETTINGS
@given(a=OPERAND, b=OPERAND)
def test_m_instructions_on_random_operands_python_and_c(backends, a, b):
    got = backends.results(a, b)
    assert got["py"] == expected(a, b), f"Python, a={a:#x} b={b:#x}"
    assert got["c"] == got["py"], f"C, a={a:#x} b={b:#x}"


@pytest.mark.cc
def test_m_instructions_on_every_pair_of_corner_values(backends):
    for a in CORNERS:
        for b in CORNERS:
            got = backends.results(a, b)
            assert got["py"] == got["c"] == expected(a, b), f"a={a:#x} b={b:#x}"


# ------------------------------------------------------------------- RTL
_ENGINE: dict = {}


@pytest.fixture
def eng(rv):
    from rtlgen.engine import RtlEngine
    if "rv" not in _ENGINE:
        _ENGINE["rv"] = RtlEngine(rv)                 # the one Verilator build of this file
    e = _ENGINE["rv"]
    e.reset()
    return e


def rtl_results(eng, state: dict) -> list[int]:
    eng.reset()
    eng.inject(state, retired=0)
    eng.run_until_retired(len(M_OPS) + 1, watchdog=10_000)
    return [int(v) for v in eng.extract()["x"][3:3 + len(M_OPS)]]


@pytest.mark.verilator
def test_core_verilog_with_the_divider_is_lint_clean(rv):
    from hls import schedule_machine, verify
    from rtlgen.verilator import lint
    from rtlgen.verilog import generate
    text = generate(verify(schedule_machine(rv)))
    assert "$signed" in text and " / " in text and " % " in text
    report = lint(text, "dcsim_rv32im")
    assert "%Warning" not in report and "%Error" not in report, report


@pytest.mark.verilator
@SETTINGS
@given(a=OPERAND, b=OPERAND)
def test_m_instructions_on_the_rtl_core(rv, program, eng, a, b):
    assert rtl_results(eng, start_state(rv, program, a, b)) == expected(a, b), f"a={a:#x} b={b:#x}"


@pytest.mark.verilator
def test_rtl_corner_values_and_state(rv, program, eng, backends):
    for a in CORNERS:
        for b in CORNERS:
            state = start_state(rv, program, a, b)
            assert rtl_results(eng, state) == expected(a, b), f"a={a:#x} b={b:#x}"
    sim = backends.sims["py"]                          # the whole state, not just rd, after the overflow case
    backends.results(0x80000000, M32)
    rtl_results(eng, start_state(rv, program, 0x80000000, M32))
    got = eng.extract()
    for name in ("x", "pc"):
        np.testing.assert_array_equal(got[name], sim.state[name], err_msg=name)


# -------------------------------------------------------------- C program
@pytest.fixture(scope="module")
def muldiv_elf(tmp_path_factory, rv):
    from riscv_tools import GCC
    info = kit_command(rv, relative=False)
    assert "-march=rv32im" in info["flags"]
    out = tmp_path_factory.mktemp("rv32im") / "muldiv.elf"
    done = subprocess.run([GCC, *info["flags"], "-fno-builtin", f"{info['kit']}/crt0.S",
                           ROOT / "tests" / "rv32im" / "muldiv.c", "-lgcc", "-o", out],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.riscv_gcc
@pytest.mark.cc
@pytest.mark.parametrize("backend", ["py", "c"])
def test_c_program_checks_its_own_mul_div_rem(rv, muldiv_elf, backend):
    r = run_program(rv, muldiv_elf, 5_000_000, sim_class=lambda m: make_simulator(m, backend))
    assert r.halted and r.exit_code == 0, f"exit code {r.exit_code}: the check that failed (see muldiv.c)"
    for kind in ("MUL", "MULH", "MULHSU", "MULHU", "DIV", "DIVU", "REM", "REMU"):
        assert r.counts.get(kind, 0) > 0, f"gcc emitted no {kind}"


@pytest.mark.riscv_gcc
def test_c_program_catches_a_wrong_rem(muldiv_elf, tmp_path):
    # REM overridden (through extends) with the unsigned remainder, wrong for negative
    # operands: the program must notice and exit non-zero
    (tmp_path / "broken.yaml").write_text(
        f"machine: broken\nextends: {HW / 'rv32im.yaml'}\ninstructions:\n  REM:\n    override: true\n"
        "    format: R\n    match: {opcode: 0x33, funct3: 6, funct7: 0x01}\n"
        "    semantics: |\n      x[rd] = rem(x[rs1], x[rs2])\n")
    broken = load_machine(tmp_path / "broken.yaml", {"MEM_BYTES": RAM})
    r = run_program(broken, muldiv_elf, 5_000_000)
    assert r.halted and r.exit_code != 0


@pytest.mark.riscv_gcc
@pytest.mark.verilator
def test_c_program_on_the_rtl_core(rv, eng, muldiv_elf):
    from cosim.rtl_program import run_program_rtl
    sim = make_simulator(rv, "py")
    host = attach_host(sim, load_elf(sim, muldiv_elf))
    sim.run(5_000_000)
    r = run_program_rtl(rv, muldiv_elf, engine=eng)
    assert r.halted and r.exit_code == sim.exit_code == 0
    assert r.instructions == sim.retired and (r.stdout, r.stderr) == (host.stdout, host.stderr)
    for name in sim.state:
        np.testing.assert_array_equal(r.state[name], sim.state[name], err_msg=name)


# ------------------------------------------------------------ the machine file
def test_rv32im_copies_nothing_from_rv32i():
    child = yaml.safe_load((HW / "rv32im.yaml").read_text())
    parent = yaml.safe_load((HW / "rv32i.yaml").read_text())
    assert child["extends"] == "rv32i.yaml"
    assert set(child) == {"machine", "extends", "instructions"}     # no state, formats or params copied
    assert not set(child["instructions"]) & set(parent["instructions"])
    parent_semantics = {d["semantics"].strip() for d in parent["instructions"].values()}
    assert not {d["semantics"].strip() for d in child["instructions"].values()} & parent_semantics


def test_rv32im_is_rv32i_plus_nine_instructions(rv):
    rv32i = load_machine(HW / "rv32i.yaml", {"MEM_BYTES": RAM})
    names = [i.name for i in rv.instructions]
    assert names[:len(rv32i.instructions)] == [i.name for i in rv32i.instructions]
    assert names[len(rv32i.instructions):] == ["MUL", "MULH", "MULHSU", "MULHU", "DIV", "DIVU", "REM", "REMU",
                                               "FENCE_I"]
    for mine, base in zip(rv.instructions, rv32i.instructions):   # inherited: same IR, parent's locations
        assert mine.body == base.body and mine.match == base.match and mine.loc == base.loc
        assert Path(mine.loc.path).name == "rv32i.yaml"
    assert all(Path(i.loc.path).name == "rv32im.yaml" for i in rv.instructions[len(rv32i.instructions):])
    assert rv.state == rv32i.state and rv.fetch == rv32i.fetch and rv.digest != rv32i.digest


def test_fence_i_assembles_like_gnu_as(rv):
    asm = Assembler(rv)
    assert asm.assemble("fence.i").words == (0x0000100F,)
    assert asm.assemble("mul x10, x11, x12").words == (0x02C58533,)        # GNU as: mul a0, a1, a2
    assert asm.assemble("divu x5, x6, x7\nremu x5, x6, x7").words == (0x027352B3, 0x027372B3)


def test_dcsim_check_passes():
    done = subprocess.run([sys.executable, "-m", "cosim.cli", "check", "hw/rv32im.yaml"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "machine rv32im (processor, 32-bit words, 49 instructions)" in done.stdout


def test_rv32i_is_unchanged_by_its_child():
    # the parent loads alone exactly as before: no M instruction decodes there
    rv32i = load_machine(HW / "rv32i.yaml")
    assert len(rv32i.instructions) == 40 and not any(i.name == "MUL" for i in rv32i.instructions)
    word = Assembler(load_machine(HW / "rv32im.yaml")).assemble("mul x1, x2, x3").words[0]
    from spec.encoding import Decoder
    assert Decoder(rv32i).decode(word) is None


# ------------------------------------------- the div/rem built-ins, every type
def _division_cases():
    """(op, type of a, type of b) for operand widths 1, 8, 32, 63, 64 of either sign whose
    result fits the language's 64 bits."""
    from spec.intdiv import division_type
    from spec.types import IntType
    types = [IntType(signed, width) for width in (1, 8, 32, 63, 64) for signed in (False, True)]
    return [(op, ta, tb) for op in ("div", "rem") for ta in types for tb in types
            if division_type(op, ta, tb).width <= 64]


DIVISION_CASES = _division_cases()
_DIVISION_SIMS: dict = {}


def division_machine():
    """One instruction per case: out[k] = div/rem(tA(A), tB(B)), wrapped to u64."""
    lines = ["machine: divisions", "state:", "  A: {reg: u64}", "  B: {reg: u64}",
             f"  out: {{mem: u64, shape: [{len(DIVISION_CASES)}]}}", "queue: {width: 16}",
             "formats:", "  OP: {fields: {op: [15, 0]}}", "instructions:"]
    for k, (op, ta, tb) in enumerate(DIVISION_CASES):
        lines.append(f"  I{k}: {{format: OP, match: {{op: {k}}}, semantics: 'out[{k}] = {op}({ta}(A), {tb}(B))'}}")
    from spec import load_machine_text
    if "machine" not in _DIVISION_SIMS:        # a module cache, not a fixture: hypothesis prints fixtures
        _DIVISION_SIMS["machine"] = load_machine_text("\n".join(lines) + "\n", "divisions.yaml")
    return _DIVISION_SIMS["machine"]


VALUE64 = st.one_of(st.integers(0, (1 << 64) - 1), st.sampled_from([0, 1, (1 << 64) - 1, 1 << 63, (1 << 63) - 1,
                                                                    0x80000000, 0xFFFFFFFF, 0x7F, 0x80, 0xFF]),
                    st.integers(-300, 300).map(lambda v: v % (1 << 64)))


@pytest.mark.cc
@settings(max_examples=40, deadline=None)
@given(a=VALUE64, b=VALUE64)
def test_div_and_rem_of_every_operand_type_agree_in_python_and_c(a, b):
    from spec.intdiv import divide, division_type
    expect = []
    for op, ta, tb in DIVISION_CASES:
        x, y = ta.wrap(a), tb.wrap(b)
        expect.append(divide(op, x, y, division_type(op, ta, tb)) % (1 << 64))
    for backend in ("py", "c"):
        if backend not in _DIVISION_SIMS:
            _DIVISION_SIMS[backend] = make_simulator(division_machine(), backend)
        sim = _DIVISION_SIMS[backend]
        sim.state["A"][...], sim.state["B"][...] = a, b
        sim.push(range(len(DIVISION_CASES)))
        sim.run()
        got = [int(v) for v in sim.state["out"]]
        bad = [(DIVISION_CASES[k], got[k], expect[k]) for k in range(len(expect)) if got[k] != expect[k]]
        assert not bad, f"{backend}, a={a:#x} b={b:#x}: {bad[:3]}"


def test_intdiv_is_truncating_division():
    from spec.intdiv import divide
    from spec.types import IntType
    s8, u8 = IntType(True, 8), IntType(False, 8)
    assert [divide("div", a, b, s8) for a, b in ((7, 2), (-7, 2), (7, -2), (-7, -2))] == [3, -3, -3, 3]
    assert [divide("rem", a, b, s8) for a, b in ((7, 2), (-7, 2), (7, -2), (-7, -2))] == [1, -1, 1, -1]
    assert divide("div", 5, 0, s8) == -1 and divide("div", 5, 0, u8) == 255 and divide("rem", -5, 0, s8) == -5


@pytest.mark.verilator
def test_divider_of_every_operand_type_is_lint_clean():
    from hls import schedule_machine, verify
    from rtlgen.verilator import lint
    from rtlgen.verilog import generate
    report = lint(generate(verify(schedule_machine(division_machine()))), "dcsim_divisions")
    assert "%Warning" not in report and "%Error" not in report, report


@pytest.mark.slow
@pytest.mark.verilator
def test_div_and_rem_of_every_operand_type_on_the_rtl():
    """A second Verilator build (hence slow): the divider of rtlgen/vcommon.py for every case."""
    from spec.intdiv import divide, division_type
    from rtlgen.engine import RtlEngine
    eng = RtlEngine(division_machine())
    values = [0, 1, 2, 3, 7, 0x7F, 0x80, 0xFF, 0x80000000, 0xFFFFFFFF, (1 << 63) - 1, 1 << 63, (1 << 64) - 1,
              (1 << 64) - 7, 0x123456789ABCDEF]
    for a in values:
        for b in values:
            state = eng.extract()
            state["A"][...], state["B"][...] = a, b
            eng.inject(state)
            eng.push(range(len(DIVISION_CASES)))
            eng.run_until_quiescent()
            got = [int(v) for v in eng.extract()["out"]]
            for k, (op, ta, tb) in enumerate(DIVISION_CASES):
                want = divide(op, ta.wrap(a), tb.wrap(b), division_type(op, ta, tb)) % (1 << 64)
                assert got[k] == want, f"{op}({ta}, {tb}) a={a:#x} b={b:#x}"


# ------------------------------------------------------------- FENCE.I
def _self_modifying_program(rv) -> bytes:
    """Runs `target` (x5 = 1), stores a new instruction over it (x5 = 42), FENCE.I, runs it again."""
    asm = Assembler(rv)
    new_word = asm.assemble("addi x5, x0, 42").words[0]
    layout = asm.assemble(_SELF_MODIFYING.format(hi=0, lo=0, thi=0, tlo=0))
    target = layout.labels["target"]

    def split(value):                     # lui + addi with a sign-extended low part
        lo = ((value & 0xFFF) ^ 0x800) - 0x800
        return ((value - lo) >> 12) & 0xFFFFF, lo
    (hi, lo), (thi, tlo) = split(new_word), split(target)
    return asm.assemble(_SELF_MODIFYING.format(hi=hi, lo=lo, thi=thi, tlo=tlo)).to_bytes()


_SELF_MODIFYING = """
    jal x1, target
    lui x9, {hi}
    addi x9, x9, {lo}
    lui x10, {thi}
    addi x10, x10, {tlo}
    sw x9, 0(x10)
    fence.i
    jal x1, target
    ebreak
target:
    addi x5, x0, 1
    jalr x0, 0(x1)
"""


@pytest.mark.cc
@pytest.mark.parametrize("backend", ["py", "c"])
def test_code_stored_before_fence_i_runs(rv, backend):
    # the C model's decoded-instruction cache is checked against the word at the pc, so the
    # stored instruction runs (FENCE.I needs no architectural effect in any simulator)
    sim = make_simulator(rv, backend)
    attach_host(sim, load_binary(sim, _self_modifying_program(rv)))
    sim.run(100)
    assert sim.halted and int(sim.state["x"][5]) == 42
    assert sim.kind_counts()["FENCE_I"] == 1


@pytest.mark.verilator
def test_code_stored_before_fence_i_runs_on_the_rtl_core(rv, eng):
    from cosim.rtl_program import run_program_rtl
    image = _self_modifying_program(rv)
    r = run_program_rtl(rv, image, engine=eng)
    sim = make_simulator(rv, "py")
    attach_host(sim, load_binary(sim, image))
    sim.run(100)
    assert r.halted and r.instructions == sim.retired
    for name in sim.state:
        np.testing.assert_array_equal(r.state[name], sim.state[name], err_msg=name)
    assert int(r.state["x"][5]) == 42
