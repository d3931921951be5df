"""The C generator's speed paths (cgen_instr: outlined loop nests with `restrict` state and
wider local copies of small read-only arrays; wraps of sums and products in uint32_t) against
the Python reference, on operands chosen to hit the extremes and the wrap-arounds."""
import ctypes
import platform
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fastforward import Program, Simulator
from fastforward.cgen import generate
from fastforward.csim import CSimulator, compile_machine
from spec import MachineFault, load_machine, load_machine_text

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SMALL_NPU = {"DIM": 8, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 1 << 12}


def run_both(sims):
    out = []
    for sim in sims:
        try:
            out.append(("ok", sim.run()))
        except MachineFault as fault:
            out.append(("fault", str(fault)))
    return out


def assert_same(a, b):
    for name in a.state:
        np.testing.assert_array_equal(a.state[name], b.state[name], err_msg=name)
    assert (a.retired, a.halted) == (b.retired, b.halted)
    np.testing.assert_array_equal(a.counts, b.counts)


@pytest.fixture(params=["avx2", "baseline"])
def build(request):
    """Which build of the outlined nests runs (x86-64 has both: the AVX2 one when the CPU has
    it, the baseline one when `dc_no_avx2` is set); yields a function that applies it to a machine."""
    if request.param == "avx2" and platform.machine() not in ("x86_64", "AMD64"):
        pytest.skip("the AVX2 build exists on x86-64 only")
    flags = []

    def apply(machine):
        lib = compile_machine(machine)[1]
        if platform.machine() in ("x86_64", "AMD64"):
            flag = ctypes.c_int.in_dll(lib, "dc_no_avx2")
            flag.value = int(request.param == "baseline")
            flags.append(flag)
        return machine
    yield apply
    for flag in flags:
        flag.value = 0


def extremes(lo, hi):
    """Values of [lo, hi], often its ends (products and sums that wrap)."""
    return st.one_of(st.sampled_from([lo, hi, lo + 1, hi - 1, 0, -1 if lo < 0 else 1]), st.integers(lo, hi))


@pytest.fixture(scope="module")
def npu():
    return load_machine(ROOT / "hw" / "npu.yaml", SMALL_NPU)


def test_npu_compute_is_outlined_with_a_wider_weight_copy(npu):
    source = generate(npu).source
    assert "static __attribute__((noinline)) int exec_COMPUTE_nest0(" in source
    assert 'static __attribute__((noinline, target("avx2"))) int exec_COMPUTE_nest0_avx2(' in source
    assert "int32_t m_w[64];" in source                         # w: s8, read-only in COMPUTE (AVX2)
    assert "int16_t m_w[64];" in source                         # w: s8, read-only in COMPUTE
    assert "(int32_t)(((uint32_t)(s) + (uint32_t)(" in source  # s: s32 += ... wraps in uint32_t


@SETTINGS
@given(data=st.data())
def test_npu_compute_extremes_match(npu, build, data):
    """COMPUTE on int8 operands near -128/127 and int32 accumulators near the wrap, with rows,
    a_row and c_row that sometimes leave the scratchpad or accumulator (checked version)."""
    dim, sp_rows, acc_rows = (npu.param[k] for k in ("DIM", "SP_ROWS", "ACC_ROWS"))
    sp = np.array(data.draw(st.lists(extremes(-128, 127), min_size=sp_rows * dim, max_size=sp_rows * dim)),
                  dtype=np.int8).reshape(sp_rows, dim)
    w = np.array(data.draw(st.lists(extremes(-128, 127), min_size=dim * dim, max_size=dim * dim)),
                 dtype=np.int8).reshape(dim, dim)
    acc = np.array(data.draw(st.lists(extremes(-2**31, 2**31 - 1), min_size=acc_rows * dim,
                                      max_size=acc_rows * dim)), dtype=np.int32).reshape(acc_rows, dim)
    prog = Program(npu)
    for _ in range(data.draw(st.integers(1, 6))):
        prog.compute(rows=data.draw(st.integers(0, dim)), accumulate=data.draw(st.integers(0, 1)),
                     a_row=data.draw(st.integers(0, sp_rows + 2)), c_row=data.draw(st.integers(0, acc_rows + 2)))
    sims = Simulator(npu), CSimulator(build(npu))
    for sim in sims:
        sim.state["sp"][:], sim.state["w"][:], sim.state["acc"][:] = sp, w, acc
        sim.push(prog.words)
    outcome = run_both(sims)
    assert outcome[0] == outcome[1]
    assert_same(*sims)


# A machine whose loop nest wraps reductions to each width and signedness the uint32_t path
# handles (8, 16, 32 bits), reads small read-only arrays of every type that gets a wider copy,
# and indexes a row that may leave its array (both versions of the nest); the wrapped locals
# are also compared (a wrap to the wrong width that is right modulo 2**8 still shows).
WRAPS = """
machine: wraps
params: {N: 4, ROWS: 6}
state:
  a8:  {mem: s8,  shape: [N, N]}
  b8:  {mem: u8,  shape: [N, N]}
  a16: {mem: s16, shape: [N, N]}
  b16: {mem: u16, shape: [N]}
  a32: {mem: s32, shape: [N]}
  b32: {mem: u32, shape: [N]}
  o32: {mem: s32, shape: [ROWS, N]}
  ou32: {mem: u32, shape: [ROWS, N]}
  o16: {mem: s16, shape: [ROWS, N]}
  o8:  {mem: u8,  shape: [ROWS, N]}
queue: {width: 16}
formats:
  F: {fields: {op: [3, 0], row: [10, 4], n: [14, 12]}}
instructions:
  MIX:
    format: F
    match: {op: 1}
    semantics: |
      assert n <= N
      for i in range(n):
          for j in range(N):
              s: s32 = o32[row + i, j]
              q: u32 = ou32[row + i, j]
              u: s16 = o16[row + i, j]
              t: u8 = o8[row + i, j]
              for k in range(N):
                  s += a8[i, k] * b8[k, j] - a32[k] * b16[j]
                  q -= b32[k] * b8[j, k] + a16[k, j]
                  u += a16[k, j] * a16[j, k]
                  t -= b8[k, j] * b8[j, k]
              if t > 127:
                  s += 1
              if u < 0:
                  s += 2
              if q > 0x7fffffff:
                  s += 4
              o32[row + i, j] = s
              ou32[row + i, j] = q
              o16[row + i, j] = u
              o8[row + i, j] = t
"""


@pytest.fixture(scope="module")
def wraps():
    return load_machine_text(WRAPS, "wraps.yaml")


def test_wraps_machine_takes_the_speed_paths(wraps):
    source = generate(wraps).source
    assert "exec_MIX_nest0(" in source
    for copy in ("int16_t m_a8[16]", "uint16_t m_b8[16]", "int32_t m_a16[16]", "uint32_t m_b16[4]",
                 "int64_t m_a32[4]", "uint64_t m_b32[4]"):
        assert copy in source, copy
    for wrap in ("(int64_t)(int32_t)(", "(uint64_t)(uint32_t)(", "(int64_t)(int16_t)(", "(uint64_t)(uint8_t)("):
        assert wrap in source, wrap


TYPES = {"a8": (-128, 127), "b8": (0, 255), "a16": (-2**15, 2**15 - 1), "b16": (0, 2**16 - 1),
         "a32": (-2**31, 2**31 - 1), "b32": (0, 2**32 - 1), "o32": (-2**31, 2**31 - 1), "ou32": (0, 2**32 - 1),
         "o16": (-2**15, 2**15 - 1), "o8": (0, 255)}


@SETTINGS
@given(data=st.data())
def test_wraps_machine_matches_reference(wraps, build, data):
    sims = Simulator(wraps), CSimulator(build(wraps))
    for name, (lo, hi) in TYPES.items():
        shape = sims[0].state[name].shape
        values = data.draw(st.lists(extremes(lo, hi), min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        for sim in sims:
            sim.state[name][:] = np.array(values, dtype=object).reshape(shape).astype(sim.state[name].dtype)
    words = [1 | data.draw(st.integers(0, 7)) << 4 | data.draw(st.integers(0, 5)) << 12
             for _ in range(data.draw(st.integers(1, 4)))]
    for sim in sims:
        sim.push(words)
    outcome = run_both(sims)
    assert outcome[0] == outcome[1]
    assert_same(*sims)
