"""Vectorised workload emission: the same command streams as the per-command builder.

Three oracles: (1) digests of the streams (and DRAM inputs / expected outputs) that the
per-command builder produced before the vectorised emitter replaced it, frozen below, for
every built-in NPU workload at small sizes on five NPU geometries; (2) the per-command
emitter itself, kept here verbatim (`ScalarEmitter`), against the vectorised one on random
GEMM layer chains and geometries; (3) `encode_many` against the scalar `encode`.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from fastforward.program import Program
from fastforward.workloads import build_workload
from fastforward.workloads.npu import Emitter, GemmLayer, block_shape, geometry, tiles
from fastforward.workloads.stream import CommandStream, expand
from fastforward.workloads.suite import SpreadEmitter
from spec import load_machine
from spec.encoding import (EncodeError, LimbWords, command_limbs, encode, encode_many, limbs_for,
                           words_from_limbs)

ROOT = Path(__file__).resolve().parent.parent
NPU = ROOT / "hw" / "npu.yaml"
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
MACHINES = {
    "default": {},
    "suite": {"DRAM_BYTES": 1 << 20},
    "small": {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 4096},
    "dim16": {"DIM": 16, "DRAM_BYTES": 1 << 20},
    "dim4": {"DIM": 4},
}
_machines: dict = {}


def machine(**overrides):
    key = tuple(sorted(overrides.items()))
    if key not in _machines:
        _machines[key] = load_machine(NPU, overrides=overrides)
    return _machines[key]


def command_digest(words) -> str:
    h = hashlib.sha256()
    for w in words:
        h.update(int(w).to_bytes(16, "little"))
    return h.hexdigest()


def data_digest(wl) -> str:
    d = hashlib.sha256()
    for addr, data in wl.inputs:
        d.update(str(addr).encode())
        d.update(np.ascontiguousarray(data).tobytes())
    d.update(str(wl.expected[0]).encode())
    d.update(str(wl.expected[1].dtype).encode())
    d.update(str(wl.expected[1].shape).encode())
    d.update(wl.expected[1].tobytes())
    return d.hexdigest()


# (machine, workload, seed, commands, sha256 of the commands as 16-byte little-endian words,
#  sha256 of the DRAM inputs and expected output): recorded with the per-command builder
FROZEN = [
    ("default", "bankconflict:40,40,40", 0, 254, "49261ce154993612df70", "ca6a7dbd1eca456020a2"),
    ("default", "bankconflict:40,40,40", 3, 254, "49261ce154993612df70", "911ce38affd4eda9e69c"),
    ("default", "conv:8,8,3,8", 0, 69, "c361e7f775d132002cb6", "451855d52d8bb2cf06a1"),
    ("default", "conv:8,8,3,8", 3, 69, "c361e7f775d132002cb6", "ad3c94838ebfb6206776"),
    ("default", "conv:9,7,2,5,2", 0, 31, "64afcbec14af1e490548", "f2f64ac72ea52de12d81"),
    ("default", "conv:9,7,2,5,2", 3, 31, "64afcbec14af1e490548", "b1fcf7c1049277a19437"),
    ("default", "gemm:1,1,1", 0, 10, "4ee0e48749a80c48f88a", "218677480d45a8006c48"),
    ("default", "gemm:1,1,1", 3, 10, "4ee0e48749a80c48f88a", "00a09d669ce8e52c1933"),
    ("default", "gemm:100,70,90,relu", 0, 2540, "93337adb4649cab9fb83", "df2f938bca739968cadf"),
    ("default", "gemm:100,70,90,relu", 3, 2540, "93337adb4649cab9fb83", "37dea92717c7a6105812"),
    ("default", "gemm:17,9,33", 0, 93, "06423329710e0145534c", "0287c683f0b109f38891"),
    ("default", "gemm:17,9,33", 3, 93, "06423329710e0145534c", "24459eca4f099d17a380"),
    ("default", "gemm:20,30,40,nobias,shift=3", 0, 137, "be8f859e8ddf50842a4e", "5df96ccebe1d83b98262"),
    ("default", "gemm:20,30,40,nobias,shift=3", 3, 137, "be8f859e8ddf50842a4e", "6ab6d7926d0456b56b44"),
    ("default", "gemm:33,40,18,relu,fullbias", 0, 173, "beb50271cbf304c9fb2b", "92c1e99129cff8689c5a"),
    ("default", "gemm:33,40,18,relu,fullbias", 3, 173, "beb50271cbf304c9fb2b", "2251540b16989e41c510"),
    ("default", "gemm:64,64,64", 0, 836, "d6118faff2d205ebf996", "522dd8a04cf453c8b71c"),
    ("default", "gemm:64,64,64", 3, 836, "d6118faff2d205ebf996", "447016dfb2a4be5e9a98"),
    ("default", "gemm:7,13,5", 0, 17, "eb8c1bb8a88fb6d2548a", "b226f0a224ffbc332e21"),
    ("default", "gemm:7,13,5", 3, 17, "eb8c1bb8a88fb6d2548a", "cf43d583b0b1e6a7978b"),
    ("default", "long:200,128,72", 0, 5736, "407c4f84e51a3e9f6614", "55a47df56bbae4e15d3c"),
    ("default", "long:200,128,72", 3, 5736, "407c4f84e51a3e9f6614", "bec513bcabbcc185f652"),
    ("default", "long:96,64,80", 0, 1652, "dd05cd8b0b17debba47b", "352b027a3aa2b5b248d3"),
    ("default", "long:96,64,80", 3, 1652, "dd05cd8b0b17debba47b", "e2564c183d58987534da"),
    ("default", "mlp:16,32,24,10", 0, 126, "b5250d07d4b063353ef2", "5bb42995a36288f82cd8"),
    ("default", "mlp:16,32,24,10", 3, 126, "d12cc80b14fb40e91391", "dd3d7d0d7e40c55aae66"),
    ("default", "mlp:5,9,17,33,3", 0, 135, "f128b5a2a82bb397b1d3", "aa235a2ded32ae644d80"),
    ("default", "mlp:5,9,17,33,3", 3, 135, "72c3f29d62076fb0c865", "39d74f01297aa54e7edb"),
    ("default", "stream:33,100", 0, 27, "e0fcaa6746fa29310a1a", "ba7eb00fc9347bbc9e99"),
    ("default", "stream:33,100", 3, 27, "e0fcaa6746fa29310a1a", "6104ac75ff386d4cffc8"),
    ("default", "stream:50", 0, 35, "43e9e9551b262c13dac8", "a75a7802acf35b99dd0e"),
    ("default", "stream:50", 3, 35, "43e9e9551b262c13dac8", "d671c2b0e91f4e16e417"),
    ("default", "transformer:16,16", 0, 394, "0e35131a93142abe16fc", "78e92f757aeb1c19c3b7"),
    ("default", "transformer:16,16", 3, 394, "287cee68357129666ad8", "b300f415876d26e2a1db"),
    ("default", "transformer:24,16,40", 0, 458, "a84ef28f1dc9818b1321", "383ddd9c4ea530aaad3e"),
    ("default", "transformer:24,16,40", 3, 458, "9ef52d1d02b317c8dbb5", "7e900511c0caa6ac662f"),
    ("dim16", "bankconflict:64,64,64", 0, 148, "cde5cb0ae26ff3198029", "3f2503ab24d0958aa0f0"),
    ("dim16", "bankconflict:64,64,64", 3, 148, "cde5cb0ae26ff3198029", "425740e76f0180ed95fe"),
    ("dim16", "conv:8,8,3,8", 0, 29, "b0b508d126da309f78cb", "451855d52d8bb2cf06a1"),
    ("dim16", "conv:8,8,3,8", 3, 29, "b0b508d126da309f78cb", "ad3c94838ebfb6206776"),
    ("dim16", "gemm:17,9,33", 0, 31, "9d4e1b8efa801ba5060f", "0287c683f0b109f38891"),
    ("dim16", "gemm:17,9,33", 3, 31, "9d4e1b8efa801ba5060f", "24459eca4f099d17a380"),
    ("dim16", "gemm:33,40,18,relu", 0, 60, "e98b99bff2bf9af7023c", "f50bff9b25557df03d64"),
    ("dim16", "gemm:33,40,18,relu", 3, 60, "e98b99bff2bf9af7023c", "a96074d3ebac74684e48"),
    ("dim16", "mlp:8,40,20", 0, 34, "cfd89e0d778d825b2db2", "ee581ac3cff017bdde93"),
    ("dim16", "mlp:8,40,20", 3, 34, "cfd89e0d778d825b2db2", "7449620352dbf8ccc85d"),
    ("dim16", "transformer:16,32", 0, 267, "fdc743d9432a9850a8bb", "82d59fd117527a362bda"),
    ("dim16", "transformer:16,32", 3, 267, "6e072551457315e212ac", "2937b96eeec7c2888941"),
    ("dim4", "bankconflict:16,16,16", 0, 148, "7a1da7943faa5508863a", "35e2b81dd0271212bfaa"),
    ("dim4", "bankconflict:16,16,16", 3, 148, "7a1da7943faa5508863a", "bc8493f1e0cdc15a5744"),
    ("dim4", "gemm:7,13,5", 0, 59, "3bba1bd54f7e94da15c1", "b226f0a224ffbc332e21"),
    ("dim4", "gemm:7,13,5", 3, 59, "3bba1bd54f7e94da15c1", "cf43d583b0b1e6a7978b"),
    ("dim4", "long:40,36,20", 0, 751, "545a0a962bbb8b00d91a", "7aa0b20f3a97a93b90cf"),
    ("dim4", "long:40,36,20", 3, 751, "545a0a962bbb8b00d91a", "314ab3b5a3d1bd7c5e6e"),
    ("dim4", "mlp:10,12,8,6", 0, 105, "ce3e2240f00a3890bb83", "a87d1237c60363417bd3"),
    ("dim4", "mlp:10,12,8,6", 3, 105, "ce3e2240f00a3890bb83", "fbb2224f0bf805dd7794"),
    ("dim4", "stream:9,7", 0, 19, "d87cb161e2a903ed3b80", "5095da454c8a8d354e44"),
    ("dim4", "stream:9,7", 3, 19, "866b4fc4b38f5a0ffe80", "a4123e25b506641e8d22"),
    ("dim4", "transformer:8,8", 0, 394, "d9ef8ee6ab047d09370e", "bd5bf215d8ff515b1adb"),
    ("dim4", "transformer:8,8", 3, 394, "53e03568168c19ab3ce2", "ab4352f17e509dccf6fe"),
    ("small", "gemm:7,13,5", 0, 59, "9eeb0cd77777d6882107", "b226f0a224ffbc332e21"),
    ("small", "gemm:7,13,5", 3, 59, "9eeb0cd77777d6882107", "cf43d583b0b1e6a7978b"),
    ("small", "gemm:9,16,7,fullbias", 0, 100, "04183e67897189aca0a5", "8d1e3947611f6bb58643"),
    ("small", "gemm:9,16,7,fullbias", 3, 100, "04183e67897189aca0a5", "17722cd0c499e3c9aa16"),
    ("small", "mlp:4,8,6,3", 0, 42, "952a0450addad0d5b587", "a03b41d4ef8207299a8a"),
    ("small", "mlp:4,8,6,3", 3, 42, "67e672572f83f512b0c0", "997bbc44863dfa0fbf8c"),
    ("small", "stream:8,16", 0, 15, "d13ffbbc7c41c0976f14", "e048ee5c63048744e58c"),
    ("small", "stream:8,16", 3, 15, "14eea1127a3285555782", "2fbaa7e1075200f63dae"),
    ("suite", "bankconflict:64,64,64", 0, 836, "5a66b3645b5b5014f836", "3f2503ab24d0958aa0f0"),
    ("suite", "bankconflict:64,64,64", 3, 836, "5a66b3645b5b5014f836", "425740e76f0180ed95fe"),
    ("suite", "conv:10,10,4,16", 0, 185, "4c548bed9606cd623582", "5f62a1a5092e7e8388a5"),
    ("suite", "conv:10,10,4,16", 3, 185, "4c548bed9606cd623582", "f7878e8c0d68f49abf35"),
    ("suite", "gemm:128,128,128", 0, 6922, "b04d1e10cb340f4a8ed0", "9e2017ec47e0e1a90663"),
    ("suite", "gemm:128,128,128", 3, 6922, "b04d1e10cb340f4a8ed0", "86e050864925453e3ba4"),
    ("suite", "mlp:32,64,48,16", 0, 514, "9ac3356d93996a5d011b", "02b5a3e83817cc12903b"),
    ("suite", "mlp:32,64,48,16", 3, 514, "9ac3356d93996a5d011b", "b18c5bd40778f90d60b0"),
    ("suite", "stream:64", 0, 39, "55907954acd8b6618f53", "1d4375be9d32b9a418cb"),
    ("suite", "stream:64", 3, 39, "55907954acd8b6618f53", "8f4cc9122e49bbfea1f9"),
    ("suite", "transformer:32,32", 0, 1906, "4cf5edf5d7962f9a1873", "e070cd07e566097f1031"),
    ("suite", "transformer:32,32", 3, 1906, "ca3c7f2ea5929e04b16f", "9a8b041cd903fc96eff4"),
]


@pytest.mark.parametrize("mname,text,seed,n,commands,data", FROZEN, ids=[f"{r[0]}-{r[1]}-{r[2]}" for r in FROZEN])
def test_streams_equal_the_per_command_builders(mname, text, seed, n, commands, data):
    wl = build_workload(machine(**MACHINES[mname]), text, seed=seed)
    assert wl.count == n
    assert hashlib.sha256(wl.limbs(2).tobytes()).hexdigest().startswith(commands)    # the binary
    assert len(wl.commands) == n and command_digest(wl.commands).startswith(commands)  # the ints made from it
    assert data_digest(wl).startswith(data)


@pytest.mark.slow
def test_long_default_equals_the_per_command_builder():
    wl = build_workload(machine(), "long")
    assert wl.count == 3211394
    assert hashlib.sha256(wl.limbs(2).tobytes()).hexdigest() == \
        "a8274039495cbbb87801b767548832a5f201c06d695f97a6fe57ea3ef7b80b24"
    assert np.array_equal(command_limbs(wl.commands, 2), wl.limbs(2))
    d = hashlib.sha256()
    for addr, array in wl.inputs:
        d.update(str(addr).encode())
        d.update(np.ascontiguousarray(array).tobytes())
    d.update(str(wl.expected[0]).encode())
    d.update(wl.expected[1].tobytes())
    assert d.hexdigest() == "3e45f0d59a7c25a42d7de16619bf22572cc450346b53451d40b4ccea99d532be"


# ------------------------------------------------------------------ the per-command emitter
class ScalarEmitter:
    """The emitter before vectorisation (one `Program` call per command), verbatim."""

    def __init__(self, machine: ir.Machine, geo: Geometry):
        self.prog, self.geo = Program(machine), geo
        self.stride: int | None = None
        self.blocks = 0

    def ld_stride(self, stride: int):
        if stride != self.stride:
            self.prog.config_ld(stride=stride)
            self.stride = stride

    def gemm(self, L: GemmLayer):
        d = self.geo.dim
        mtiles, ntiles, ktiles = tiles(L.M, d), tiles(L.N, d), tiles(L.K, d)
        mb, nb = self.block_shape(len(mtiles), len(ntiles))
        blocks = [(mtiles[i:i + mb], ntiles[j:j + nb])
                  for j in range(0, len(ntiles), nb) for i in range(0, len(mtiles), mb)]
        self.blocks += len(blocks)
        steps = [(b, kt) for b in range(len(blocks)) for kt in range(len(ktiles))]
        self.prog.config_st(stride=L.N, shift=L.shift, relu=int(L.relu))
        self.load(L, blocks, ktiles, steps[0], 0)
        for i, (b, kt) in enumerate(steps):
            if i + 1 < len(steps):
                self.load(L, blocks, ktiles, steps[i + 1], (i + 1) % 2)
            self.compute(blocks[b], ktiles[kt], i % 2, b % 2, L.bias is not None or kt > 0)
            if kt == len(ktiles) - 1:
                self.store(L, blocks[b], b % 2)

    def block_shape(self, mt: int, nt: int) -> tuple[int, int]:
        return block_shape(self.geo, mt, nt)

    # scratchpad / accumulator rows of a tile
    def sp_a(self, half: int, mi: int) -> int:
        return (half * self.geo.sp_tiles + mi) * self.geo.dim

    def sp_b(self, half: int, nj: int, mb: int) -> int:
        return (half * self.geo.sp_tiles + mb + nj) * self.geo.dim

    def acc_row(self, half: int, mi: int, nj: int, nb: int) -> int:
        return (half * self.geo.acc_tiles + mi * nb + nj) * self.geo.dim

    def load(self, L: GemmLayer, blocks, ktiles, step, half: int):
        """MVINs of one step: the block's bias first (at its first K tile), then the A row
        tiles and B tiles of this K tile into scratchpad half `half`."""
        (mts, nts), (k0, kn) = blocks[step[0]], ktiles[step[1]]
        p = self.prog
        if step[1] == 0 and L.bias is not None:
            full = L.bias_kind == "full"
            self.ld_stride(4 * L.N if full else 0)          # stride 0 broadcasts one row
            for mi, (m0, mn) in enumerate(mts):
                for nj, (n0, nn) in enumerate(nts):
                    p.mvin_acc(rows=mn, cols=nn, row=self.acc_row(step[0] % 2, mi, nj, len(nts)),
                               addr=L.bias + 4 * ((m0 * L.N if full else 0) + n0))
        self.ld_stride(L.a_stride)
        for mi, (m0, mn) in enumerate(mts):
            p.mvin(rows=mn, cols=kn, row=self.sp_a(half, mi), addr=L.a + m0 * L.a_stride + k0)
        self.ld_stride(L.N)
        for nj, (n0, nn) in enumerate(nts):
            p.mvin(rows=kn, cols=nn, row=self.sp_b(half, nj, len(mts)), addr=L.b + k0 * L.N + n0)

    def compute(self, block, ktile, half: int, acc_half: int, accumulate: bool):
        mts, nts = block
        for nj in range(len(nts)):
            self.prog.preload(rows=ktile[1], a_row=self.sp_b(half, nj, len(mts)))
            for mi, (_, mn) in enumerate(mts):
                self.prog.compute(rows=mn, a_row=self.sp_a(half, mi),
                                  c_row=self.acc_row(acc_half, mi, nj, len(nts)), accumulate=int(accumulate))

    def store(self, L: GemmLayer, block, acc_half: int):
        mts, nts = block
        for mi, (m0, mn) in enumerate(mts):
            for nj, (n0, nn) in enumerate(nts):
                self.prog.mvout(rows=mn, cols=nn, row=self.acc_row(acc_half, mi, nj, len(nts)),
                                addr=L.c + m0 * L.N + n0)

    def fence(self):
        if self.prog.machine.has_instruction("FENCE"):
            self.prog.fence()


class ScalarSpread(ScalarEmitter):
    block_shape, sp_a, sp_b = SpreadEmitter.block_shape, SpreadEmitter.sp_a, SpreadEmitter.sp_b


GEOMETRIES = [{"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32}, {"DIM": 2, "SP_ROWS": 16, "ACC_ROWS": 8},
              {"DIM": 8, "SP_ROWS": 256, "ACC_ROWS": 64}, {"DIM": 4, "SP_ROWS": 512, "ACC_ROWS": 128},
              {"DIM": 4, "SP_ROWS": 48, "ACC_ROWS": 24}]


@st.composite
def layers(draw):
    M, K, N = (draw(st.integers(1, 40)) for _ in range(3))
    kind = draw(st.sampled_from([None, "row", "full"]))
    addr = st.integers(0, 1 << 20)
    lda = draw(st.one_of(st.none(), st.integers(K, K + 64)))
    return GemmLayer(M, K, N, draw(addr), draw(addr), draw(st.one_of(addr, st.just((1 << 32) - 4))),
                     draw(addr) if kind else None, kind, draw(st.integers(0, 31)), draw(st.booleans()), lda)


def emit(emitter, m, chain, fence_between):
    em = emitter(m, geometry(m, True, "test"))
    try:
        for layer in chain:
            em.gemm(layer)
            if fence_between:
                em.fence()
        words = em.limbs() if hasattr(em, "limbs") else command_limbs(em.prog.words, 2)
    except ValueError as exc:                   # an operand that does not fit: the same message
        return "ValueError", str(exc)
    except (ZeroDivisionError, IndexError) as exc:  # a geometry too small for SPREAD (a bug of both)
        return type(exc).__name__, ""

    return words, em.blocks, em.stride


@SETTINGS
@given(geo=st.sampled_from(GEOMETRIES), chain=st.lists(layers(), min_size=1, max_size=3),
       spread=st.booleans(), fence_between=st.booleans())
def test_vectorised_emitter_equals_per_command_emitter(geo, chain, spread, fence_between):
    m = machine(**geo, DRAM_BYTES=4096)
    new = emit(SpreadEmitter if spread else Emitter, m, chain, fence_between)
    old = emit(ScalarSpread if spread else ScalarEmitter, m, chain, fence_between)
    if isinstance(old[0], str) and old[0] == "ValueError":   # the same error (an operand that does not fit)
        assert new == old
    elif isinstance(old[0], str):               # the per-command emitter crashed: now a clear error
        assert new[0] == "ValueError" and "SP_ROWS" in new[1]
    else:
        assert np.array_equal(new[0], old[0]) and new[1:] == old[1:]


# ------------------------------------------------------------------ encode_many
def _operand_values(draw, instr, bad: bool):
    values = {}
    for f in instr.operands:
        v = draw(st.integers(f.type.min, f.type.max)) >> f.lsb_zeros << f.lsb_zeros
        if bad and draw(st.booleans()):
            v = draw(st.sampled_from([f.type.max + 1, f.type.min - 1, v | 1 if f.lsb_zeros else f.type.max + 7]))
        values[f.name] = v
    return values


@SETTINGS
@given(data=st.data(), which=st.sampled_from(["npu", "rv32i"]), n=st.integers(1, 12))
def test_encode_many_equals_encode(data, which, n):
    m = machine() if which == "npu" else load_rv32i()
    instr = data.draw(st.sampled_from(m.instructions))
    nwords = limbs_for(instr.format.width)
    rows = [_operand_values(data.draw, instr, bad=False) for _ in range(n)]
    operands = {f.name: np.array([r[f.name] for r in rows], dtype=np.int64) for f in instr.operands}
    want = command_limbs([encode(instr, r) for r in rows], nwords)
    assert np.array_equal(encode_many(instr, operands, nwords, count=n), want)


@SETTINGS
@given(data=st.data(), which=st.sampled_from(["npu", "rv32i"]), n=st.integers(1, 8))
def test_encode_many_reports_the_first_bad_word_as_encode_does(data, which, n):
    m = machine() if which == "npu" else load_rv32i()
    instr = data.draw(st.sampled_from([i for i in m.instructions if i.operands]))
    rows = [_operand_values(data.draw, instr, bad=True) for _ in range(n)]
    operands = {f.name: np.array([r[f.name] for r in rows], dtype=np.int64) for f in instr.operands}
    errors = []
    for i, r in enumerate(rows):
        try:
            encode(instr, r)
        except ValueError as exc:
            errors.append((i, str(exc)))
    if not errors:
        encode_many(instr, operands, 2, count=n)
        return
    with pytest.raises(EncodeError) as info:
        encode_many(instr, operands, 2, count=n)
    assert (info.value.row, str(info.value)) == errors[0]


_rv32i: list = []


def load_rv32i():
    if not _rv32i:
        _rv32i.append(load_machine(ROOT / "hw" / "rv32i.yaml"))
    return _rv32i[0]


def test_encode_many_broadcasts_ints_and_rejects_unknown_operands():
    instr = next(i for i in machine().instructions if i.name == "MVIN")
    got = encode_many(instr, {"rows": 3, "cols": np.arange(4), "addr": 1 << 31}, 2)
    assert np.array_equal(got, command_limbs([encode(instr, {"rows": 3, "cols": c, "addr": 1 << 31})
                                              for c in range(4)], 2))
    with pytest.raises(ValueError, match="MVIN has no operand 'bogus'"):
        encode_many(instr, {"bogus": 1}, 2, count=1)


@given(words=st.lists(st.integers(0, (1 << 190) - 1), max_size=30), nwords=st.integers(1, 3))
def test_words_from_limbs_inverts_command_limbs(words, nwords):
    words = [w & ((1 << (64 * nwords)) - 1) for w in words]
    limbs = command_limbs(words, nwords)
    assert words_from_limbs(limbs) == words
    seq = LimbWords(limbs)
    assert len(seq) == len(words) and list(seq) == words and seq[1:4] == words[1:4]
    assert [seq[i] for i in range(len(words))] == words


def test_stream_error_names_the_first_bad_command_in_stream_order():
    m = machine()
    s = CommandStream(m)
    first, second = s.reserve(1), s.reserve(1)
    s.put("mvin", [second], rows=300)          # put first, but later in the stream
    s.put("mvout", [first], rows=1, addr=1 << 33)
    with pytest.raises(ValueError) as info:
        s.limbs()
    with pytest.raises(ValueError) as scalar:
        Program(m).mvout(rows=1, addr=1 << 33)
    assert str(info.value) == str(scalar.value)


def test_stream_refuses_gaps_and_unknown_instructions():
    s = CommandStream(machine())
    s.reserve(2)
    s.put("fence", [0])
    with pytest.raises(AssertionError, match="written other than once"):
        s.limbs()
    with pytest.raises(AttributeError, match="has no instruction 'nope'"):
        s.put("nope", [1])
    s.put("nope", [])                           # nothing put: no instruction needed


def test_expand_is_the_nested_loop():
    counts = np.array([2, 0, 3, 1])
    group, local = expand(counts)
    assert list(zip(group.tolist(), local.tolist())) == [(g, i) for g, c in enumerate(counts) for i in range(c)]


def test_lazy_commands_and_replace():
    import dataclasses
    wl = build_workload(machine(DIM=4), "gemm:9,16,7")
    binary = wl.limbs(2)
    shorter = dataclasses.replace(wl, commands=wl.commands[:-3])
    assert shorter.count == wl.count - 3 and np.array_equal(shorter.limbs(2), binary[:-3])
    assert wl.limbs(2) is binary                 # still the built binary: no copy, no re-encoding


@settings(max_examples=40, deadline=None)
@given(data=st.data(), dtypes=st.sampled_from([(np.int8, np.int8), (np.uint8, np.int8), (np.int16, np.int8),
                                                 (np.int32, np.int32), (np.int64, np.int8)]),
       shape=st.tuples(st.integers(1, 6), st.integers(1, 9), st.integers(1, 5)))
def test_exact_matmul_equals_int64(data, dtypes, shape):
    from fastforward.workloads.npu import exact_matmul
    m, k, n = shape
    x = np.array(data.draw(st.lists(st.integers(np.iinfo(dtypes[0]).min, np.iinfo(dtypes[0]).max),
                                    min_size=m * k, max_size=m * k)), dtype=dtypes[0]).reshape(m, k)
    w = np.array(data.draw(st.lists(st.integers(np.iinfo(dtypes[1]).min, np.iinfo(dtypes[1]).max),
                                    min_size=k * n, max_size=k * n)), dtype=dtypes[1]).reshape(k, n)
    got = exact_matmul(x, w)
    assert got.dtype == np.int64 and np.array_equal(got, x.astype(np.int64) @ w.astype(np.int64))


# ------------------------------------------------------------------ the C model takes the binary
@pytest.mark.cc
def test_c_model_runs_the_binary_as_it_runs_the_ints():
    from fastforward.backends import make_simulator
    m = machine(DIM=4, SP_ROWS=64, ACC_ROWS=32, DRAM_BYTES=4096)
    wl = build_workload(m, "gemm:9,16,7,relu", seed=2)
    extra = build_workload(m, "gemm:5,4,3,nobias", seed=1).commands
    by_ints, by_limbs = make_simulator(m, "c"), make_simulator(m, "c")
    wl.preload(by_ints.state)
    by_ints.push(wl.commands)
    wl.prepare(by_limbs)                          # push_limbs: no ints made
    assert by_limbs.pending_count() == by_ints.pending_count() == wl.count
    for n in (0, 5, 17):                          # part way: the queue reads the same
        assert by_limbs.run(n) == by_ints.run(n)
        assert by_limbs.pending == by_ints.pending and by_limbs.next_word() == by_ints.next_word()
        assert by_limbs.snapshot().equals(by_ints.snapshot())
    by_ints.push(extra)                           # more commands after the binary: appended
    by_limbs.push(extra)
    by_limbs.push_limbs(command_limbs(extra[:4], 2))   # a non-empty queue: appended as ints
    by_ints.push(extra[:4])
    assert by_limbs.run() == by_ints.run()
    assert by_limbs.snapshot().equals(by_ints.snapshot())
    with pytest.raises(ValueError, match="uint64 limbs"):
        by_limbs.push_limbs(np.zeros((3, 1), np.uint64))


@pytest.mark.cc
def test_prepare_on_c_and_python_models_ends_alike():
    from fastforward.backends import make_simulator
    m = machine(DIM=4, SP_ROWS=64, ACC_ROWS=32, DRAM_BYTES=4096)
    wl = build_workload(m, "mlp:4,8,6,3", seed=5)
    c, py = make_simulator(m, "c"), make_simulator(m, "py")
    wl.prepare(c)
    wl.prepare(py)
    assert c.run() == py.run() == wl.count
    assert wl.verify(c) and wl.verify(py) and c.snapshot().equals(py.snapshot())


def test_exported_commands_bin_is_the_ints_little_endian(tmp_path):
    m = machine(DIM=4, SP_ROWS=64, ACC_ROWS=32, DRAM_BYTES=4096)
    wl = build_workload(m, "gemm:9,16,7,fullbias", seed=4)
    wl.to_file(tmp_path / "w", m)
    want = b"".join(int(w).to_bytes(16, "little") for w in wl.commands)
    assert (tmp_path / "w" / "commands.bin").read_bytes() == want
