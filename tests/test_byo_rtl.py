"""Bring your own RTL: two third-party cores of different shapes, read from their installed
PyPI packages and sampled against hw/rv32i.yaml through their correspondence files:
PicoRV32 (pythondata-cpu-picorv32, hw/rtl/picorv32.yaml: one file, one valid/ready port,
register file in a Verilog array) and SERV (pythondata-cpu-serv, hw/rtl/serv.yaml: sixteen
files, two Wishbone ports, bit-serial register file in a RAM of 2-bit words).

One Verilator build of each design is shared by the module (the `byo` fixture and the
command-line runs load the same cached library); the mutated-Verilog tests build one more
each (~20 s: both cores are small). The malformed corpus (tests/malformed_rtl/) only
Verilates (0.1 s, cached) to check names and widths."""
from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cosim.cli.main import main
from cosim.compare import diff_states, states_equal
from cosim.core_sample import CoreRun, program_state
from fastforward.backends import make_simulator
from fastforward.workloads.programs import build_program
from rtlgen.byo import ByoEngine, read_correspondence
from rtlgen.byo.correspondence import parse_correspondence
from rtlgen.byo.engine import prepare
from spec import Assembler, load_machine
from spec.errors import MachineFault, SpecError

ROOT = Path(__file__).resolve().parent.parent
RV32I = ROOT / "hw" / "rv32i.yaml"
PICO = ROOT / "hw" / "rtl" / "picorv32.yaml"
SERV = ROOT / "hw" / "rtl" / "serv.yaml"
DESIGNS = {"picorv32": PICO, "serv": SERV}
CPI = {"picorv32": (2, 8), "serv": (30, 50)}          # multi-cycle; bit-serial (32+ cycles an instruction)
MALFORMED = sorted((ROOT / "tests" / "malformed_rtl").glob("*.yaml"))

pytestmark = [pytest.mark.verilator]


@pytest.fixture(scope="module")
def rv():
    return load_machine(RV32I)


@pytest.fixture(scope="module")
def pico(rv):
    return ByoEngine(rv, PICO)


@pytest.fixture(scope="module", params=sorted(DESIGNS))
def byo(rv, request):
    """Each bundled design's engine (the tests using it run once per design)."""
    return ByoEngine(rv, DESIGNS[request.param])


def run_cli(capsys, *argv) -> tuple[int, dict]:
    status = main([*map(str, argv), "--json"])
    return status, json.loads(capsys.readouterr().out)


# ------------------------------------------------------------------ whole programs
@pytest.mark.parametrize("workload", ["prog:sort,64,2", "prog:crc,256,2"])
def test_bundled_programs_exit_as_expected_with_the_models_state(rv, byo, workload):
    program = build_program(rv, workload)
    start = program_state(rv, program)
    byo.reset()
    byo.inject(start, retired=0)
    core = CoreRun(rv, byo, {k: v.copy() for k, v in start.items()}, (program.tohost, program.fromhost))
    assert core.run_to(10 ** 7) is False                 # ended by the program's exit call
    reference = make_simulator(rv, "c")
    host = program.prepare(reference)
    reference.run()
    assert (core.exit_code, core.host.stdout) == (program.expected_exit, program.expected_stdout)
    assert byo.retired == reference.retired and core.env_calls > 0
    assert states_equal(reference.state, core.state()), [d.describe() for d in diff_states(reference.state, core.state())]
    assert host.stdout == core.host.stdout


FIB = """\
    addi x10, x0, 20
    addi x11, x0, 0
    addi x12, x0, 1
loop:
    add x13, x11, x12
    addi x11, x12, 0
    addi x12, x13, 0
    addi x10, x10, -1
    bne x10, x0, loop
    andi x10, x11, 255
    addi x17, x0, 93
    ecall
"""


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_cli_runs_an_assembly_program_on_each_design(capsys, tmp_path, design):
    (tmp_path / "fib.s").write_text(FIB)
    status, out = run_cli(capsys, "rtl", RV32I, "--rtl", design, "--program", tmp_path / "fib.s")
    assert status == 0, out
    assert out["state_match"] and out["stdout_match"] and out["rtl"] == design
    assert out["exit_code"] == out["reference_exit_code"] == 6765 % 256
    lo, hi = CPI[design]
    assert out["instructions"] == out["reference_instructions"] and lo < out["cpi"] < hi


@pytest.mark.riscv_gcc
@pytest.mark.parametrize("design", sorted(DESIGNS))
@pytest.mark.parametrize("name", ["fib", "tohost"])      # tohost: the HTIF store watch on the bus model
def test_c_programs_run_to_the_models_exit_code(capsys, tmp_path, name, design):
    from riscv_tools import SRC, kit_flags, run_riscv_gcc
    elf = tmp_path / f"{name}.elf"
    run_riscv_gcc([*kit_flags(), SRC / "runtime.c", SRC / f"{name}.c", "-lgcc", "-o", elf], tmp_path)
    status, out = run_cli(capsys, "rtl", RV32I, "--rtl", DESIGNS[design], "--program", elf)
    assert status == 0, out
    assert out["state_match"] and out["stdout_match"] and out["halted"]
    assert out["exit_code"] == out["reference_exit_code"] is not None
    assert out["instructions"] == out["reference_instructions"] > 50


# ------------------------------------------------------------------ random programs, every retirement
RAM_BASE, DATA = 0x80000000, 0x80010000          # programs at RAM_BASE, loads and stores near DATA


@st.composite
def aligned_line(draw):
    """RV32I without what the file declares excluded: loads and stores are aligned and in ram
    (x1..x3 hold DATA-area addresses), branches and jumps go to 4-byte-aligned targets."""
    kind = draw(st.sampled_from(["r", "i", "sh", "u", "load", "store", "branch", "jal"]))
    rd, rs1, rs2 = (draw(st.integers(0, 31)) for _ in range(3))
    rd = rd if rd not in (1, 2, 3) else 4                # keep the base registers pointing into ram
    if kind == "r":
        op = draw(st.sampled_from(["add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and"]))
        return f"{op} x{rd}, x{rs1}, x{rs2}"
    if kind == "i":
        op = draw(st.sampled_from(["addi", "slti", "sltiu", "xori", "ori", "andi"]))
        return f"{op} x{rd}, x{rs1}, {draw(st.integers(-2048, 2047))}"
    if kind == "sh":
        return f"{draw(st.sampled_from(['slli', 'srli', 'srai']))} x{rd}, x{rs1}, {draw(st.integers(0, 31))}"
    if kind == "u":
        return f"{draw(st.sampled_from(['lui', 'auipc']))} x{rd}, {draw(st.integers(0, 2**20 - 1))}"
    base = draw(st.sampled_from([1, 2, 3]))
    if kind in ("load", "store"):
        op = draw(st.sampled_from(["lb", "lh", "lw", "lbu", "lhu"] if kind == "load" else ["sb", "sh", "sw"]))
        size = {"b": 1, "h": 2, "w": 4}[op[1]]
        offset = draw(st.integers(-16, 16)) * size
        return f"{op} x{rd if kind == 'load' else rs2}, {offset}(x{base})"
    target = draw(st.integers(-8, 8)) * 4
    if kind == "jal":
        return f"jal x{rd}, {target}"
    return f"{draw(st.sampled_from(['beq', 'bne', 'blt', 'bge', 'bltu', 'bgeu']))} x{rs1}, x{rs2}, {target}"


def random_state(rv, seed: int, words: list) -> dict:
    rng = np.random.default_rng(seed)
    sim = make_simulator(rv, "py")
    sim.state["x"][:] = rng.integers(0, 2**32, 32, dtype=np.uint32)
    sim.state["x"][0] = 0
    sim.state["x"][1:4] = DATA + 4 * rng.integers(32, 1024, 3)
    lo = DATA - RAM_BASE
    sim.state["ram"][lo:lo + 8192] = rng.integers(0, 256, 8192, dtype=np.uint8)
    sim.state["ram"][:4 * len(words)] = np.frombuffer(b"".join(w.to_bytes(4, "little") for w in words), np.uint8)
    sim.state["pc"][...] = RAM_BASE
    return {k: v.copy() for k, v in sim.state.items()}


def advance(run, n):
    try:
        run(n)
        return "ok"
    except MachineFault:
        return "fault"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(aligned_line(), min_size=4, max_size=30), seed=st.integers(0, 2**32 - 1),
       split=st.integers(0, 30))
def test_random_programs_hold_the_models_state_at_any_retirement(rv, byo, lines, seed, split):
    """Inject a random state, run `split` instructions, extract, run on, extract: at both
    retirements the design's x, pc and ram are the reference's (or both fault)."""
    words = Assembler(rv).assemble("\n".join(lines)).words
    state = random_state(rv, seed, words)
    reference = make_simulator(rv, "py")
    for k, v in state.items():
        reference.state[k][...] = v
    byo.reset()
    byo.inject(state, retired=0)
    assert states_equal(byo.extract(), state)                          # injection round trip
    for n in (split, len(words) + 8):                                  # runs past the program: a zero word faults
        target = byo.retired + n
        expected = advance(reference.run, n)
        got = advance(lambda _: byo.run_until_event(target), n)
        assert got == expected
        if expected == "fault":                 # the state after a fault is not compared (docs/rtl.md)
            return
        assert byo.retired == reference.retired
        assert states_equal(reference.state, byo.extract()), [d.describe() for d in
                                                            diff_states(reference.state, byo.extract())]


def test_an_excluded_misaligned_load_is_a_fault_naming_the_instruction(rv, byo):
    words = Assembler(rv).assemble("lui x5, 0x80010\naddi x6, x0, 1\nlw x7, 2(x5)").words
    byo.reset()
    byo.inject(random_state(rv, 1, words), retired=0)
    with pytest.raises(MachineFault, match=rf"{byo.corr.design} trapped at instruction 2, pc 0x80000008 "
                                           r"\(lw x7, 2\(x5\)\); declared exclusions: misaligned loads and stores"):
        byo.run_until_event(10)


# ------------------------------------------------------------------ sampling
@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_sampling_every_unit_is_exact_and_a_stratified_plan_finds_no_divergence(capsys, design):
    """Every unit measured after the 2-instruction warm-up has the full run's cycles (so
    sampling all units gives the truth exactly), and a stratified plan checks every sample."""
    common = ["sample", RV32I, "--workload", "prog:sort,64,3", "--rtl", design, "--unit", "500",
              "--executor", "inline", "--truth"]
    status, every = run_cli(capsys, *common, "--plan", "systematic", "--interval", "1")
    assert status == 0, every
    assert every["divergences"] == 0 and every["samples"] == len(every["truth_per_unit"])
    assert every["error"] == 0
    status, some = run_cli(capsys, *common, "--samples", "6")
    assert status == 0 and some["divergences"] == 0 and some["samples"] >= 6
    assert some["within_interval"]                     # (|error| <= 1% on the 10^6-instruction programs: docs/rtl.md)
    assert some["truth_cycles"] == every["truth_cycles"]


@pytest.mark.slow
@pytest.mark.parametrize("design", sorted(DESIGNS))
@pytest.mark.parametrize("workload", ["prog:sort", "prog:crc"])
def test_sampled_million_instruction_programs_are_within_one_percent(capsys, workload, design):
    """The issue's bar on the bundled 10^6-instruction programs, with the default plan."""
    status, r = run_cli(capsys, "sample", RV32I, "--workload", workload, "--rtl", design, "--truth",
                        "--no-truth-cache", "--executor", "inline")
    assert status == 0 and r["divergences"] == 0 and r["instructions"] > 10 ** 6
    assert abs(r["error"]) <= 0.01 and r["within_interval"]
    lo, hi = {"picorv32": (3, 5), "serv": (40, 80)}[design]
    assert lo < r["sampled_cpi"] < hi


def test_run_until_quiescent_reaches_the_files_condition(rv, byo):
    words = Assembler(rv).assemble(FIB).words
    byo.reset()
    byo.inject(random_state(rv, 2, words), retired=0)
    byo.run_until_event(5)
    cycles = byo.run_until_quiescent()
    assert 0 <= cycles < 100 and byo.retired >= 5


# ------------------------------------------------------------------ a real bug, caught
GOOD_IMM = "decoded_imm <= $signed(mem_rdata_q[31:20]);"
BAD_IMM = "decoded_imm <= mem_rdata_q[31:20];"          # I-type immediates lose their sign extension

PROGRAM = """\
    addi x10, x0, 5
    addi x11, x0, 7
    add x12, x10, x11
    addi x12, x12, -3
    addi x10, x12, 0
    addi x17, x0, 93
    ecall
"""


def _lockstep_divergence(capsys, tmp_path, design: str, program: str) -> dict:
    """`program` (7 instructions) runs clean in lockstep on the bundled `design` and diverges
    on tmp_path/mutant.yaml; the divergence it reports."""
    (tmp_path / "p.s").write_text(program)
    status, good = run_cli(capsys, "rtl", RV32I, "--rtl", design, "--program", tmp_path / "p.s", "--lockstep")
    assert status == 0 and good["divergence"] is None and good["instructions"] == 7
    status, out = run_cli(capsys, "rtl", RV32I, "--rtl", tmp_path / "mutant.yaml", "--program", tmp_path / "p.s",
                          "--lockstep")
    assert status == 1
    return out["divergence"]


def test_a_one_line_verilog_bug_is_caught_at_the_first_wrong_instruction(rv, capsys, tmp_path):
    source = read_correspondence(PICO, rv).verilog_text()
    assert source.count(GOOD_IMM) == 1
    (tmp_path / "picorv32.v").write_text(source.replace(GOOD_IMM, BAD_IMM))
    text = PICO.read_text()
    mutant = re.sub(r"(?m)^verilog: .*$", "verilog: picorv32.v", text)
    assert mutant != text
    (tmp_path / "mutant.yaml").write_text(mutant)
    d = _lockstep_divergence(capsys, tmp_path, "picorv32", PROGRAM)
    assert (d["instruction"], d["pc"], d["assembly"]) == (3, 0x8000000C, "addi x12, x12, -3")
    assert d["differences"] == ["x[12] expected 9 got 4105"]         # 12 + 0xffd: -3 not sign-extended
    status, whole = run_cli(capsys, "rtl", RV32I, "--rtl", tmp_path / "mutant.yaml", "--program", tmp_path / "p.s")
    assert status == 1 and not whole["state_match"]


GOOD_CMP = "assign o_cmp = i_cmp_eq ? result_eq : result_lt;"
BAD_CMP = "assign o_cmp = i_cmp_eq ? result_lt : result_eq;"     # SERV's ALU: compare results swapped

SLT = """\
    addi x10, x0, 5
    addi x11, x0, 7
    add x12, x10, x11
    slt x13, x10, x11
    addi x10, x13, 0
    addi x17, x0, 93
    ecall
"""


def test_a_one_line_bug_in_one_of_serv_s_files_is_caught_at_the_first_wrong_instruction(rv, capsys, tmp_path):
    """SERV is sixteen files: copy them next to a mutant correspondence file (files: relative
    to it), patch one line of the ALU and lockstep a program with one comparison."""
    corr = read_correspondence(SERV, rv)
    root = corr.sources[0].parents[2]                 # the package folder: files are verilog/rtl/*.v
    for src in corr.sources:
        dst = tmp_path / src.relative_to(root)
        dst.parent.mkdir(parents=True, exist_ok=True)
        text = src.read_text()
        if src.name == "serv_alu.v":
            assert text.count(GOOD_CMP) == 1
            text = text.replace(GOOD_CMP, BAD_CMP)
        dst.write_text(text)
    text = SERV.read_text()
    mutant = re.sub(r"(?m)^  package: pythondata_cpu_serv\n", "", text)
    assert mutant != text
    (tmp_path / "mutant.yaml").write_text(mutant)
    d = _lockstep_divergence(capsys, tmp_path, "serv", SLT)
    assert (d["instruction"], d["pc"], d["assembly"]) == (3, 0x8000000C, "slt x13, x10, x11")
    assert d["differences"] == ["x[13] expected 1 got 0"]            # 5 == 7 answered for 5 < 7


# ------------------------------------------------------------------ cocotb
@pytest.mark.slow                       # a third build of the design (cocotb's Verilator flow), ~1 minute
@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_the_same_file_drives_a_cocotb_testbench(rv, tmp_path, design):
    from rtlgen.byo.cocotb_byo import case, make_plan, run_byo_testbench
    corr = read_correspondence(DESIGNS[design], rv)
    lines = [line for line in FIB.splitlines() if "ecall" not in line]
    words = Assembler(rv).assemble("\n".join(lines)).words
    start = random_state(rv, 3, words)
    reference = make_simulator(rv, "py")
    for k, v in start.items():
        reference.state[k][...] = v
    reference.run(40)
    middle = {k: v.copy() for k, v in reference.state.items()}
    reference.run(30)
    wrong = {k: v.copy() for k, v in reference.state.items()}
    wrong["x"][11] ^= 1
    plan = make_plan(corr, rv, [case("program", start, middle, 40),
                                case("injected", middle, {k: v.copy() for k, v in reference.state.items()}, 30),
                                case("mismatch", middle, wrong, 30)])
    result = run_byo_testbench(corr, rv, plan, tmp_path / "tb")
    assert result.tests["program"].passed and result.tests["injected"].passed, result.report()
    assert not result.tests["mismatch"].passed and "x[11]" in result.tests["mismatch"].message, result.report()


# ------------------------------------------------------------------ malformed correspondence files
def expectation(path: Path) -> tuple[int, int, str]:
    m = re.match(r"# expect: (\d+):(\d+): (.+)", path.read_text().splitlines()[0])
    assert m, f"{path.name}: the first line must be '# expect: LINE:COL: message'"
    return int(m.group(1)), int(m.group(2)), m.group(3)


def test_the_corpus_is_large_enough():
    assert len(MALFORMED) >= 8


@pytest.mark.parametrize("path", MALFORMED, ids=lambda p: p.stem)
def test_a_malformed_correspondence_file_fails_at_its_line(rv, path):
    line, col, message = expectation(path)
    with pytest.raises(SpecError) as err:
        prepare(parse_correspondence(path.read_text(), str(path), rv), rv)
    assert (err.value.loc.line, err.value.loc.col) == (line, col), err.value.render()
    assert message in err.value.message


@pytest.fixture(scope="module", params=sorted(DESIGNS))
def symbols(rv, request):
    from rtlgen.byo.build import verilate
    corr = read_correspondence(DESIGNS[request.param], rv)
    verilog = corr.verilog_text()
    return DESIGNS[request.param], verilog, verilate(corr, verilog)[1]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_a_mutated_file_loads_or_fails_with_a_located_error(rv, symbols, data):
    """Delete, duplicate or overwrite part of a line of a bundled file: the loader and the
    checks either accept the result or raise a SpecError inside the file, nothing else."""
    from rtlgen.byo.check import check, check_parameters
    path, verilog, table = symbols
    lines = path.read_text().splitlines()
    i = data.draw(st.integers(0, len(lines) - 1))
    how = data.draw(st.sampled_from(["delete", "duplicate", "overwrite"]))
    if how == "delete":
        del lines[i]
    elif how == "duplicate":
        lines.insert(i, lines[i])
    else:
        at = data.draw(st.integers(0, len(lines[i])))
        junk = data.draw(st.text(alphabet=st.sampled_from("abx0197:[]{},._- #'\"\t"), max_size=8))
        lines[i] = lines[i][:at] + junk + lines[i][at + len(junk):]
    try:
        corr = parse_correspondence("\n".join(lines) + "\n", "m.yaml", rv)
        check_parameters(corr, verilog)
        check(corr, rv, table)
    except SpecError as err:
        assert err.loc.path == "m.yaml" and err.loc.line >= 1 and err.message


def test_the_cli_reports_a_bad_file_with_its_location_and_status_2(capsys, tmp_path):
    bad = ROOT / "tests" / "malformed_rtl" / "misspelt_signal.yaml"
    (tmp_path / "p.s").write_text(PROGRAM)
    status = main(["rtl", str(RV32I), "--rtl", str(bad), "--program", str(tmp_path / "p.s")])
    err = capsys.readouterr().err
    assert status == 2
    assert f"{bad}:12:10: error: no signal 'mem_vaild' in picorv32" in err and "did you mean 'mem_valid'" in err


@pytest.mark.parametrize("argv,text", [
    (["rtl", ROOT / "hw" / "npu.yaml", "--rtl", "picorv32", "--workload", "gemm:8,8,8"], "--rtl is for processors"),
    (["sample", ROOT / "hw" / "npu.yaml", "--rtl", "picorv32", "--workload", "gemm:8,8,8"], "--rtl is for processors"),
    (["sample", RV32I, "--rtl", "picorv33", "--workload", "prog:sort,64,1"], "no bundled design 'picorv33' (bundled: picorv32"),
])
def test_rtl_flag_misuse_is_a_clear_error(capsys, argv, text):
    assert main([str(a) for a in argv]) == 2
    assert text in capsys.readouterr().err
