"""NPU workload library: tiled GEMM / MLP command streams checked against numpy."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from fastforward import Simulator
from fastforward.workloads import WORKLOAD_HELP, Workload, WorkloadError, build_workload, gemm, mlp
from fastforward.workloads.npu import reference_layer, round_shift
from spec import Decoder, DcsimError, load_machine, load_machine_text

NPU = Path(__file__).resolve().parent.parent / "hw" / "npu.yaml"
_machines: dict = {}


def npu(**overrides):
    key = tuple(sorted(overrides.items()))
    if key not in _machines:
        _machines[key] = load_machine(NPU, overrides=overrides)
    return _machines[key]


def run(machine, workload: Workload) -> Simulator:
    sim = Simulator(machine)
    workload.prepare(sim)
    sim.run()
    return sim


def decoded(machine, workload):
    """(name, operands) of each command."""
    dec = Decoder(machine)
    out = []
    for word in workload.commands:
        d = dec.decode(word)
        out.append((d.instr.name, dict(zip((f.name for f in d.instr.operands), d.operands))))
    return out


# ------------------------------------------------------------------ GEMM
@pytest.mark.parametrize("dim,shape", [
    (8, (1, 1, 1)), (8, (7, 13, 5)), (8, (17, 9, 33)), (8, (8, 8, 8)), (8, (9, 16, 7)),
    (4, (7, 13, 5)), (4, (17, 9, 33)), (16, (17, 9, 33)), (16, (33, 40, 18)),
])
def test_gemm_shapes_bit_exact(dim, shape):
    m = npu(DIM=dim)
    w = build_workload(m, "gemm:%d,%d,%d" % shape, seed=dim)
    sim = run(m, w)
    assert w.verify(sim), f"{w.mismatches(sim)} wrong outputs"
    assert (w.params["M"], w.params["K"], w.params["N"]) == shape
    assert w.params["macs"] == shape[0] * shape[1] * shape[2]
    counts = sim.kind_counts()
    assert counts["COMPUTE"] >= 1 and counts["MVOUT"] >= 1


def test_gemm_64_cube_dim8():
    m = npu(DIM=8)
    w = build_workload(m, "gemm:64,64,64")
    sim = run(m, w)
    assert w.verify(sim)
    assert w.params["macs"] == 64 ** 3
    # weight-stationary: each K x N tile of B preloaded once, 8 COMPUTEs (one per A row tile) each
    assert sim.kind_counts()["PRELOAD"] == 64 and sim.kind_counts()["COMPUTE"] == 512
    out = w.expected[1]
    assert np.mean(np.abs(out.astype(int)) == 127) < 0.1 and np.std(out.astype(float)) > 10


@pytest.mark.parametrize("bias", [True, "full", False])
@pytest.mark.parametrize("relu", [False, True])
def test_gemm_bias_relu(bias, relu):
    m = npu(DIM=4)
    w = gemm(m, 11, 10, 9, bias=bias, relu=relu, seed=5)
    assert w.verify(run(m, w))
    out = w.expected[1]
    assert (out.min() >= 0) if relu else (out.min() < 0)
    assert w.params["bias"] == {True: "row", "full": "full", False: None}[bias]
    kinds = {name for name, _ in decoded(m, w)}
    assert ("MVIN_ACC" in kinds) == (bias is not False)


def test_gemm_explicit_shift_and_name_round_trip():
    m = npu(DIM=8)
    w = gemm(m, 5, 6, 7, bias="full", relu=True, shift=3, seed=2)
    assert w.name == "gemm:5,6,7,fullbias,relu,shift=3" and w.params["shift"] == 3
    again = build_workload(m, w.name, seed=2)
    assert again.commands == w.commands and np.array_equal(again.expected[1], w.expected[1])
    assert w.verify(run(m, w))


def test_reference_rounding_matches_spec_definition():
    v = np.array([-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 5, 6], dtype=np.int64)
    assert round_shift(v, 2).tolist() == [(int(x) + 2) >> 2 for x in v]
    assert round_shift(v, 0).tolist() == v.tolist()
    x = np.array([[100, -100]], dtype=np.int8)
    wt = np.array([[2], [1]], dtype=np.int8)
    assert reference_layer(x, wt, None, 0, False).tolist() == [[100]]
    assert reference_layer(x, -wt, None, 0, True).tolist() == [[0]]
    assert reference_layer(x, 3 * wt, None, 0, False).tolist() == [[127]]


def test_blocking_when_accumulator_and_scratchpad_are_small():
    m = npu(DIM=4, SP_ROWS=32, ACC_ROWS=16)
    w = gemm(m, 19, 14, 23, bias="full", relu=True, seed=9)
    assert w.params["blocks"] > 1
    assert w.verify(run(m, w))
    rows = [(op["row"], op["rows"]) for name, op in decoded(m, w) if name in ("MVIN", "MVIN_ACC")]
    accs = [(op["c_row"], op["rows"]) for name, op in decoded(m, w) if name == "COMPUTE"]
    assert all(r + n <= 32 for r, n in rows) and all(r + n <= 16 for r, n in accs)


def test_double_buffering_prefetches_next_k_tile():
    m = npu(DIM=8)
    M, K, N = 16, 24, 16
    w = gemm(m, M, K, N, seed=1)
    cmds = decoded(m, w)
    a_base = w.inputs[0][0]
    # A's MVINs of K tile t read columns t*DIM..: addr - a_base = m0*K + t*DIM
    def k_tile_of_a(op):
        off = op["addr"] - a_base
        return (off % K) // 8 if 0 <= off < M * K else None
    first_mvin = {}
    for i, (name, op) in enumerate(cmds):
        if name == "MVIN" and op["cols"] and k_tile_of_a(op) is not None:
            first_mvin.setdefault(k_tile_of_a(op), i)
    computes = [i for i, (name, _) in enumerate(cmds) if name == "COMPUTE"]
    per_tile = len(computes) // 3
    for t in range(2):
        first_compute_t = computes[t * per_tile]
        assert first_mvin[t + 1] < first_compute_t, f"K tile {t + 1} is not loaded before tile {t} computes"
    # ... into the other scratchpad half
    halves = {(k_tile_of_a(op)) % 2: op["row"] // (m.param["SP_ROWS"] // 2)
              for name, op in cmds if name == "MVIN" and k_tile_of_a(op) is not None}
    assert halves == {0: 0, 1: 1}
    assert w.verify(run(m, w))


@pytest.mark.parametrize("dim", [4, 16])
def test_gemm_64_cube_dim4_dim16(dim):
    m = npu(DIM=dim)
    w = gemm(m, 64, 64, 64, relu=True, seed=dim)
    assert w.verify(run(m, w))


@settings(max_examples=25, deadline=None)
@given(dims=st.tuples(st.integers(1, 30), st.integers(1, 30), st.integers(1, 30)),
       geo=st.sampled_from([dict(DIM=4), dict(DIM=4, SP_ROWS=16, ACC_ROWS=8),
                            dict(DIM=8, SP_ROWS=40, ACC_ROWS=48), dict(DIM=16)]),
       bias=st.sampled_from([True, "full", False]), relu=st.booleans(), seed=st.integers(0, 1000))
def test_gemm_random_shapes_and_capacities(dims, geo, bias, relu, seed):
    m = npu(**geo)
    w = gemm(m, *dims, bias=bias, relu=relu, seed=seed)
    assert w.verify(run(m, w))


# ------------------------------------------------------------------ MLP
@pytest.mark.parametrize("dim", [4, 8, 16])
def test_mlp_three_layers(dim):
    m = npu(DIM=dim)
    w = build_workload(m, "mlp:6,20,17,12,5", seed=dim)
    assert w.params["layers"] == 3 and w.params["dims"] == [20, 17, 12, 5]
    sim = run(m, w)
    assert w.verify(sim)
    assert w.expected[1].shape == (6, 5) and w.expected[1].min() < 0      # no ReLU on the last layer
    assert sim.kind_counts()["FENCE"] == 3


def test_mlp_reference_is_layer_by_layer():
    m = npu(DIM=8)
    w = mlp(m, 3, [9, 10, 4], seed=7)
    rng = np.random.default_rng(7)
    x = rng.integers(-128, 128, (3, 9), dtype=np.int8)
    dram_x = w.inputs[0][1].view(np.int8).reshape(3, 9)
    assert np.array_equal(x, dram_x)
    w1 = w.inputs[1][1].view(np.int8).reshape(9, 10)
    b1 = w.inputs[2][1].view("<i4").reshape(1, 10)
    w2 = w.inputs[3][1].view(np.int8).reshape(10, 4)
    b2 = w.inputs[4][1].view("<i4").reshape(1, 4)
    s1, s2 = w.params["shifts"]
    h = reference_layer(x, w1, b1, s1, True)
    assert np.array_equal(reference_layer(h, w2, b2, s2, False), w.expected[1])


# ------------------------------------------------------------------ verification
def test_verify_detects_a_corrupted_output_byte():
    m = npu(DIM=8)
    w = build_workload(m, "gemm:7,13,5")
    sim = run(m, w)
    assert w.verify(sim)
    addr = w.expected[0] + 17
    sim.state["dram"][addr] ^= 0x01
    assert not w.verify(sim) and w.mismatches(sim) == 1


def test_verify_fails_when_not_run():
    m = npu(DIM=8)
    w = build_workload(m, "mlp:4,8,8")
    sim = Simulator(m)
    w.prepare(sim)
    assert not w.verify(sim)


def test_inputs_are_unpadded_row_major():
    m = npu(DIM=8)
    w = gemm(m, 3, 5, 7, bias=False)
    (a_addr, a), (b_addr, b) = w.inputs
    assert a.size == 15 and b.size == 35 and a_addr == 0
    # every MVIN's rows/cols stay within the matrix it reads
    for name, op in decoded(m, w):
        if name == "MVIN":
            assert op["rows"] <= 8 and op["cols"] <= 8
    assert {op["cols"] for name, op in decoded(m, w) if name == "MVIN"} == {5, 7}


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize("text", [
    "", "gemm", "gemm:", "gemm:1,2", "gemm:0,4,4", "gemm:a,b,c", "gemm:4,4,4,wat", "gemm:4,,4",
    "gemm:4,4,4,shift=40", "mlp:4", "mlp:4,8", "mlp:4,8,-2", "conv:1,2,3", "gemm:4.5,4,4",
])
def test_bad_workload_text(text):
    with pytest.raises(WorkloadError) as err:
        build_workload(npu(DIM=8), text)
    assert isinstance(err.value, DcsimError)
    assert "gemm:M,K,N" in str(err.value) and "mlp:B,D0,D1" in str(err.value)


def test_help_lists_both_forms():
    assert WORKLOAD_HELP["gemm"].startswith("gemm:M,K,N") and WORKLOAD_HELP["mlp"].startswith("mlp:B,D0,D1")


def test_dram_too_small_names_sizes():
    m = npu(DIM=8, DRAM_BYTES=4096)
    with pytest.raises(WorkloadError, match=r"needs 12544 bytes of DRAM .*A 4096.*has 4096"):
        build_workload(m, "gemm:64,64,64")


def test_machine_without_needed_commands():
    text = NPU.read_text()
    without_acc = re.sub(r"\n  MVIN_ACC:\n(    .*\n|\s*\n)*?(?=  PRELOAD:)", "\n", text)
    assert "MVIN_ACC" not in without_acc.split("instructions:")[1]
    m = load_machine_text(without_acc, "npu-no-bias.yaml")
    with pytest.raises(WorkloadError, match="MVIN_ACC"):
        build_workload(m, "gemm:8,8,8")
    with pytest.raises(WorkloadError, match="MVIN_ACC"):
        build_workload(m, "mlp:2,8,8")
    w = build_workload(m, "gemm:8,8,8,nobias")
    assert w.verify(run(m, w))


def test_machine_too_small_to_double_buffer():
    with pytest.raises(WorkloadError, match="SP_ROWS"):
        build_workload(npu(DIM=8, SP_ROWS=16), "gemm:8,8,8")
