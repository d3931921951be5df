"""Checkpoint files, run_until and signatures on both backends.

Checkpoints written by one backend resume in the other to the same final state; a
corrupted, truncated or foreign file is a `CheckpointError` naming the file, never a
silently wrong state."""
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fastforward import CheckpointError, CSimulator, Simulator, checkpoint, load_checkpoint, save_checkpoint
from spec import Assembler, load_machine
from test_cbackend import RAM, RAM_BASE, SMALL_NPU, assert_same, npu_pair, npu_program, run_both, rv_line, rv_pair

pytestmark = pytest.mark.cc
ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(scope="module")
def npu():
    return load_machine(ROOT / "hw" / "npu.yaml", SMALL_NPU)


@pytest.fixture(scope="module")
def rv():
    return load_machine(ROOT / "hw" / "rv32i.yaml", {"MEM_BYTES": RAM})


@pytest.fixture
def saved(npu, tmp_path):
    """A checkpoint of the small NPU half-way through a few commands."""
    py, c = npu_pair(npu, 7, [0] * 0)
    from fastforward import Program
    c.push(Program(npu).mvin(rows=4, cols=4, row=0, addr=0).preload(rows=4, a_row=0)
           .compute(rows=4, a_row=0, c_row=0).mvout(rows=4, cols=4, row=0, addr=64).words)
    c.run(2)
    return save_checkpoint(c, tmp_path / "npu.ckpt", {"note": "two of four"}), c


# ------------------------------------------------------------ round trips
@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1), c_first=st.booleans())
def test_npu_checkpoint_moves_between_backends(npu, tmp_path_factory, data, seed, c_first):
    """Save mid-run on one backend, load into the other, finish both: identical, commands included."""
    commands = data.draw(npu_program(npu))
    split = data.draw(st.integers(0, len(commands)))
    py, c = npu_pair(npu, seed, commands)
    first = run_both((py, c), split)
    assert first[0] == first[1]
    source = c if c_first else py
    path = save_checkpoint(source, tmp_path_factory.mktemp("ck") / "a.ckpt")
    resumed = load_checkpoint(npu, path, backend="py" if c_first else "c")
    assert_same(resumed, source)
    assert resumed.pending_count() == source.pending_count()
    rest = run_both((resumed, source))
    assert rest[0] == rest[1]
    assert_same(resumed, source)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(rv_line(), min_size=8, max_size=30), seed=st.integers(0, 2**32 - 1), split=st.integers(0, 30))
def test_rv32i_checkpoint_c_to_python(rv, tmp_path_factory, lines, seed, split):
    words = Assembler(rv).assemble("\n".join(lines)).words
    py, c = rv_pair(rv, seed, words)
    run_both((py, c), split)
    path = save_checkpoint(c, tmp_path_factory.mktemp("ck") / "r.ckpt")
    resumed = load_checkpoint(Simulator(rv), path)
    rest = run_both((resumed, c), len(words) + 8)
    assert rest[0] == rest[1]
    assert_same(resumed, c)


def test_checkpoint_keeps_exit_state_and_extra(saved, npu):
    path, c = saved
    c.halt(-5)
    save_checkpoint(c, path, {"job": {"workload": "x"}})
    ck = checkpoint.read(path, npu)
    assert ck.snapshot.halted and ck.snapshot.exit_code == -5 and ck.extra == {"job": {"workload": "x"}}
    assert ck.params == npu.param and ck.backend == "c"


# --------------------------------------------------------------- damage
def damaged(path: Path, how: str) -> Path:
    data = bytearray(path.read_bytes())
    if how == "payload":
        data[-100] ^= 0x01
    elif how == "header":
        data[60] ^= 0x20
    elif how == "magic":
        data[0:8] = b"NOTACKPT"
    elif how == "version":
        data[8] = 99
    elif how == "truncated":
        del data[len(data) // 2:]
    elif how == "tiny":
        del data[10:]
    elif how == "padded":
        data += b"\0"
    out = path.with_name(f"{how}.ckpt")
    out.write_bytes(bytes(data))
    return out


@pytest.mark.parametrize("how, message", [
    ("payload", "does not match its sha256"), ("header", "header does not match its sha256"),
    ("magic", "not a dcsim checkpoint"), ("version", "format version 99"),
    ("truncated", "truncated"), ("tiny", "truncated"), ("padded", "truncated or padded")])
def test_damaged_checkpoint_is_a_clear_error(saved, npu, how, message):
    path, _ = saved
    bad = damaged(path, how)
    sim = CSimulator(npu)
    before = sim.snapshot()
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(sim, bad)
    assert message in str(err.value) and str(bad) in str(err.value)
    assert sim.snapshot().equals(before)                     # nothing was restored


def test_checkpoint_of_another_machine_is_refused(saved, rv):
    path, _ = saved
    with pytest.raises(CheckpointError, match="checkpoint of machine 'npu', not 'rv32i'"):
        load_checkpoint(rv, path)


def test_checkpoint_with_other_params_names_them(saved):
    path, _ = saved
    other = load_machine(ROOT / "hw" / "npu.yaml", {**SMALL_NPU, "ACC_ROWS": 64})
    with pytest.raises(CheckpointError) as err:
        load_checkpoint(other, path)
    assert "ACC_ROWS=32 (here 64)" in str(err.value) and "-D ACC_ROWS=32" in err.value.render()


def test_missing_checkpoint_file(tmp_path, npu):
    with pytest.raises(CheckpointError, match="cannot read checkpoint"):
        load_checkpoint(npu, tmp_path / "nope.ckpt")


# ----------------------------------------------------- run control
@pytest.mark.parametrize("backend", [Simulator, CSimulator])
def test_run_until_stops_exactly(npu, backend):
    from fastforward import Program
    sim = backend(npu)
    sim.push(Program(npu).fence().fence().fence().fence().fence().words)
    assert sim.run_until(3) == 3 and sim.retired == 3
    assert sim.run_until(3) == 0
    with pytest.raises(ValueError, match="already retired"):
        sim.run_until(2)
    assert sim.run_until(100) == 2 and sim.retired == 5


@SETTINGS
@given(data=st.data(), seed=st.integers(0, 2**32 - 1), interval=st.integers(1, 7))
def test_npu_signatures_match(npu, data, seed, interval):
    commands = data.draw(npu_program(npu))
    py, c = npu_pair(npu, seed, commands)
    for sim in (py, c):
        sim.enable_signatures(interval)
    outcome = run_both((py, c))
    assert outcome[0] == outcome[1]
    a, b = py.signatures(), c.signatures()
    assert a.equals(b) and len(a) == py.retired // interval
    assert a.counts.sum() == len(a) * interval and np.all(a.ends - a.starts == interval)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(rv_line(), min_size=8, max_size=40), seed=st.integers(0, 2**32 - 1),
       interval=st.integers(1, 9), buckets=st.sampled_from([0, 2, 16]))
def test_rv32i_signatures_and_bbv_match(rv, lines, seed, interval, buckets):
    # loop over the random code so branches are taken and blocks repeat
    words = Assembler(rv).assemble("\n".join(lines + ["jal x0, -" + str(4 * len(lines))])).words
    py, c = rv_pair(rv, seed, words)
    for sim in (py, c):
        sim.enable_signatures(interval, buckets)
    outcome = run_both((py, c), 200)
    assert outcome[0] == outcome[1]
    a, b = py.signatures(), c.signatures()
    assert a.equals(b)
    if buckets and len(a):
        assert np.array_equal(a.bbv.sum(axis=1), a.ends - a.starts)


def test_signatures_restart_after_restore_and_save(rv, tmp_path):
    words = Assembler(rv).assemble("loop: addi x5, x5, 1\nbne x5, x0, loop").words
    py, c = rv_pair(rv, 1, words)
    snap = c.snapshot()
    for sim in (py, c):
        sim.enable_signatures(10, 4)
        sim.run(25)
        sim.restore(snap)
        sim.run(30)
    a, b = py.signatures(), c.signatures()
    assert a.equals(b) and list(a.ends) == [10, 20, 10, 20, 30] and list(a.starts) == [0, 10, 0, 10, 20]
    a.save(tmp_path / "s.npz")
    a.save(tmp_path / "s.json")
    z = np.load(tmp_path / "s.npz")
    assert np.array_equal(z["counts"], a.counts) and list(z["kinds"]) == list(a.kinds)
