"""The reference simulator's control: run(n), counters, snapshot/restore, faults."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fastforward import Program, Simulator
from spec import MachineFault, load_machine_text


def _random_commands(machine, rng, n):
    dim, sp_rows, acc_rows = (machine.param[k] for k in ("DIM", "SP_ROWS", "ACC_ROWS"))
    prog = Program(machine)
    prog.config_ld(stride=dim).config_st(stride=dim, shift=int(rng.integers(0, 8)), relu=int(rng.integers(0, 2)))
    for _ in range(n):
        kind = rng.integers(0, 5)
        rows, cols = int(rng.integers(0, dim + 1)), int(rng.integers(0, dim + 1))
        if kind == 0:
            prog.mvin(rows=rows, cols=cols, row=int(rng.integers(0, sp_rows - dim)), addr=int(rng.integers(0, 1024)))
        elif kind == 1:
            prog.preload(rows=rows, a_row=int(rng.integers(0, sp_rows - dim)))
        elif kind == 2:
            prog.compute(rows=rows, accumulate=int(rng.integers(0, 2)), a_row=int(rng.integers(0, sp_rows - dim)),
                         c_row=int(rng.integers(0, acc_rows - dim)))
        elif kind == 3:
            prog.mvout(rows=rows, cols=cols, row=int(rng.integers(0, acc_rows - dim)),
                       addr=int(rng.integers(2048, 3072)))
        else:
            prog.mvin_acc(rows=rows, cols=cols, row=int(rng.integers(0, acc_rows - dim)), addr=int(rng.integers(0, 1024)))
    return prog.words


def _loaded(machine, seed, n=40):
    rng = np.random.default_rng(seed)
    sim = Simulator(machine)
    sim.state["dram"][:] = rng.integers(0, 256, sim.state["dram"].size, dtype=np.uint8)
    sim.push(_random_commands(machine, rng, n))
    return sim


def test_run_n_stops_exactly_and_counts(small_npu):
    sim = _loaded(small_npu, 1)
    assert sim.run(5) == 5 and sim.retired == 5
    assert sim.run(7) == 7 and sim.retired == 12
    rest = sim.run()
    assert sim.retired == 12 + rest == 42 and sim.pending_count() == 0
    assert sum(sim.kind_counts().values()) == 42
    assert sim.run(3) == 0


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), split=st.integers(0, 42))
def test_snapshot_restore_resumes_identically(small_npu, seed, split):
    """Run all at once == run to `split`, snapshot, disturb, restore, run the rest."""
    whole = _loaded(small_npu, seed)
    whole.run()
    part = _loaded(small_npu, seed)
    part.run(split)
    snap = part.snapshot()
    part.run(5)
    part.state["acc"][:] = 7                       # disturb everything the snapshot must bring back
    part.restore(snap)
    assert part.retired == split
    part.run()
    assert part.snapshot().equals(whole.snapshot())
    fresh = Simulator(small_npu)                   # a snapshot restores into a new simulator too
    fresh.restore(snap)
    fresh.run()
    assert fresh.snapshot().equals(whole.snapshot())


def test_snapshot_of_other_machine_is_refused(small_npu, npu):
    with pytest.raises(MachineFault, match="does not match"):
        Simulator(npu).restore(Simulator(small_npu).snapshot())


def test_failed_assert_is_a_fault_with_spec_location(small_npu):
    sim = Simulator(small_npu)
    sim.push(Program(small_npu).compute(rows=5, accumulate=0, a_row=0, c_row=0).words)   # rows > DIM=4
    with pytest.raises(MachineFault) as info:
        sim.run()
    assert "COMPUTE: assertion failed" in str(info.value)
    assert info.value.loc.line > 0 and info.value.loc.path.endswith("npu.yaml")


def test_out_of_range_index_is_a_fault(small_npu):
    sim = Simulator(small_npu)
    sim.push(Program(small_npu).mvin(rows=4, cols=4, row=62, addr=0).words)    # rows 62..65 of 64
    with pytest.raises(MachineFault, match="out of range for dimension 0 of sp"):
        sim.run()


def test_illegal_command_is_a_fault(small_npu):
    sim = Simulator(small_npu)
    sim.push([0xFF])
    with pytest.raises(MachineFault, match="illegal instruction"):
        sim.run()


def test_compute_matches_numpy(small_npu):
    rng = np.random.default_rng(3)
    sim = Simulator(small_npu)
    a = rng.integers(-128, 128, (4, 4), dtype=np.int8)
    b = rng.integers(-128, 128, (4, 4), dtype=np.int8)
    sim.state["sp"][0:4] = a
    sim.state["sp"][4:8] = b
    sim.push(Program(small_npu).preload(rows=4, a_row=4).compute(rows=4, accumulate=0, a_row=0, c_row=0)
             .compute(rows=4, accumulate=1, a_row=0, c_row=0).words)
    sim.run()
    assert np.array_equal(sim.state["acc"][0:4], 2 * (a.astype(np.int64) @ b.astype(np.int64)))


HALTER = """
machine: halter
state:
  r: {reg: u8}
queue: {width: 8}
instructions:
  INC: {fields: {op: [7, 4], n: [3, 0]}, match: {op: 1}, semantics: "r += n"}
  STOP: {fields: {op: [7, 4], code: [3, 0]}, match: {op: 2}, semantics: "halt(code)"}
"""


def test_halt_stops_and_records_exit_code():
    m = load_machine_text(HALTER)
    sim = Simulator(m)
    sim.push([0x13, 0x25, 0x1F])
    assert sim.run() == 2
    assert sim.halted and sim.exit_code == 5 and int(sim.state["r"]) == 3
    assert not sim.step()
