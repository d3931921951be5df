"""Node models: kernels priced by curve, table or sampled RTL; intervals carried to the step time."""
import numpy as np
import pytest

from cosim.nodemodel import Switch, gemms_of, npu_kernel, step_time_interval, workload_text
from network import Estimate, KernelTable, Layer, data_parallel_step, gemm_kernel, switch
from network.flow import FlowModel


class Fixed:
    def __init__(self, seconds, half=0.0):
        self.seconds, self.half = seconds, half

    def estimate(self, kernel):
        return Estimate(self.seconds, (self.seconds - self.half, self.seconds + self.half) if self.half else None)


def test_workload_text_and_gemms():
    assert workload_text(gemm_kernel(8, 16, 32)) == "gemm:8,16,32"
    assert workload_text(npu_kernel("bankconflict:64,64,64")) == "bankconflict:64,64,64"
    assert gemms_of("mlp:4,8,16,8") == [(4, 8, 16), (4, 16, 8)]
    assert len(gemms_of("transformer:16,32")) == 8 and gemms_of("stream:100,1024") == [(100, 8, 8)]


def test_switch_routes_by_kernel_pattern():
    table = KernelTable({"attn": Estimate(5.0)})
    model = Switch([("gemm:*", Fixed(1.0)), ("attn", table)], default=Fixed(9.0))
    assert model.estimate(gemm_kernel(8, 8, 8)).seconds == 1.0
    assert model.estimate(npu_kernel("conv:10,10,8,16")).seconds == 9.0


def _job(model):
    layers = [Layer(f"l{i}", model.estimate(None).seconds, 2 * model.estimate(None).seconds, 1e6,
                    model.estimate(None).ci, None) for i in range(4)]
    return data_parallel_step(layers, range(4), 4, bucket_bytes=2e6)


def test_step_interval_by_resampling_grows_with_kernel_uncertainty():
    topo, link = switch(4, 50e9, 500e-9, 300e-9), FlowModel()
    none = step_time_interval(_job(Fixed(1e-3)), topo, link)
    assert none["ci_s"] is None and none["method"] == "none"
    narrow = step_time_interval(_job(Fixed(1e-3, 1e-5)), topo, link, draws=32)
    wide = step_time_interval(_job(Fixed(1e-3, 1e-4)), topo, link, draws=32)
    for r in (narrow, wide):
        assert r["ci_s"][0] < r["step_time_s"] < r["ci_s"][1] and r["method"] == "resampling"
    assert (wide["ci_s"][1] - wide["ci_s"][0]) > 5 * (narrow["ci_s"][1] - narrow["ci_s"][0])
    # four forward tasks share one kernel draw: the step moves by ~4 half-widths, not 2 (independent)
    assert wide["relative_halfwidth"] > 0.5 * 4 * 1e-4 / wide["step_time_s"]


@pytest.mark.verilator
def test_sampled_rtl_node_model_caches_per_kernel(tmp_path):
    from spec import load_machine

    from cosim.nodemodel import kernel_cache_dir, sampled_rtl
    from cosim.paths import machine_path
    seen = []
    model = sampled_rtl(load_machine(machine_path("npu")), 1e9, cache_path=tmp_path / "k.json",
                        on_measure=lambda k, m: seen.append(m), truth_max_commands=0, samples=5)
    est = model.estimate(gemm_kernel(32, 32, 32))
    again = model.estimate(gemm_kernel(32, 32, 32))
    assert len(seen) == 1 and est == again and est.ci[0] <= est.seconds <= est.ci[1]
    # 32^3 MACs on an 8x8 array need at least 512 cycles (0.5 us at 1 GHz)
    assert seen[0].method == "sampled" and 5.12e-7 < est.seconds < 1e-3
    assert list(kernel_cache_dir().glob("*.json")) and (tmp_path / "k.json").is_file()
