"""Int8 GEMM and MLP workloads for the weight-stationary NPU (hw/npu.yaml).

Tiling. Every operand stays unpadded, row-major in DRAM; edge tiles are handled by the
commands' `rows`/`cols` fields (MVIN zero-fills columns past `cols`, PRELOAD zero-fills
weight rows past `rows`). The output is cut into blocks of whole DIM x DIM tiles that fit
half the accumulator; for each block the K dimension is walked one DIM-deep tile at a
time (a "step"): PRELOAD a K x N tile of B into the stationary weights, then COMPUTE every
A row tile of the block against it, accumulating in `acc` across K tiles.

Double buffering. The scratchpad is split in two halves and steps alternate between
them; the MVINs of step i+1 are issued before the PRELOAD/COMPUTEs of step i, so a
decoupled load unit can overlap its DMA with the array. Blocks alternate between the two
accumulator halves, so the bias of block b+1 can load while block b is still computing.

The reference is an independent numpy int64 computation, not a replay of the commands.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from spec import ir

from ..program import Program
from .base import Workload, WorkloadError

BIAS_KINDS = (None, "row", "full")     # no bias, one int32 row broadcast over M, an M x N matrix
ALIGN = 64                             # byte alignment of each DRAM region
INT32_MAX = (1 << 31) - 1


# ------------------------------------------------------------------ reference
def round_shift(v: np.ndarray, shift: int) -> np.ndarray:
    """MVOUT's rounding right shift: round half up, arithmetic."""
    return (v + (1 << (shift - 1))) >> shift if shift > 0 else v


def reference_layer(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, shift: int,
                    relu: bool) -> np.ndarray:
    """int8 = saturate(relu?(round_shift(x @ w + bias))) computed in int64."""
    v = x.astype(np.int64) @ w.astype(np.int64)
    if bias is not None:
        v = v + bias.astype(np.int64)
    v = round_shift(v, shift)
    if relu:
        v = np.maximum(v, 0)
    return np.clip(v, -128, 127).astype(np.int8)


def default_shift(k: int) -> int:
    """A shift that leaves a K-deep dot product of uniform int8 values with std ~43:
    the std of one product is ~5461 = 2**12.4, of the sum sqrt(K) times that."""
    return min(31, 7 + round(0.5 * math.log2(k)))


def data_shift(acc: np.ndarray, target_std: float = 32.0) -> int:
    """The shift that brings accumulators of this spread to about `target_std`."""
    std = float(np.std(acc.astype(np.float64)))
    return 0 if std <= target_std else min(31, max(0, round(math.log2(std / target_std))))


def bias_bound(shift: int) -> int:
    """Largest |bias|: worth up to 64 output steps after the shift."""
    return min(64 << shift, 1 << 30)


def random_bias(rng: np.random.Generator, shape: tuple, shift: int) -> np.ndarray:
    bound = bias_bound(shift)
    return rng.integers(-bound, bound + 1, shape, dtype=np.int64).astype(np.int32)


# ------------------------------------------------------------------ machine
@dataclass(frozen=True)
class Geometry:
    """The capacities that shape the tiling, read from the machine's state."""
    dim: int
    sp_rows: int
    acc_rows: int
    dram_bytes: int

    @property
    def sp_tiles(self) -> int:          # DIM-row tiles in one scratchpad half
        return self.sp_rows // 2 // self.dim

    @property
    def acc_tiles(self) -> int:         # DIM-row tiles in one accumulator half
        return self.acc_rows // 2 // self.dim


NEEDED_STATE = ("sp", "acc", "dram")
NEEDED_COMMANDS = ("CONFIG_LD", "CONFIG_ST", "MVIN", "PRELOAD", "COMPUTE", "MVOUT")


def geometry(machine: ir.Machine, bias: bool, what: str) -> Geometry:
    """Check that `machine` can run an NPU GEMM and read its capacities."""
    if machine.queue is None:
        raise WorkloadError(f"{what} needs an accelerator with a command queue; "
                            f"machine '{machine.name}' fetches instructions")
    state = {s.name: s for s in machine.state}
    missing = [n for n in NEEDED_STATE if n not in state]
    missing += [c for c in NEEDED_COMMANDS + (("MVIN_ACC",) if bias else ())
                if not machine.has_instruction(c)]
    if missing:
        raise WorkloadError(f"{what} needs the NPU's state and commands; machine '{machine.name}' "
                            f"lacks {', '.join(missing)}"
                            + (" (a GEMM without bias does not need MVIN_ACC)" if missing == ["MVIN_ACC"] else ""))
    sp, acc = state["sp"], state["acc"]
    if len(sp.shape) != 2 or len(acc.shape) != 2 or sp.shape[1] != acc.shape[1]:
        raise WorkloadError(f"{what}: machine '{machine.name}' must have sp[SP_ROWS][DIM] and acc[ACC_ROWS][DIM]")
    geo = Geometry(sp.shape[1], sp.shape[0], acc.shape[0], state["dram"].size)
    if geo.sp_tiles < 2 or geo.acc_tiles < 1:
        raise WorkloadError(f"{what}: machine '{machine.name}' is too small to double-buffer: needs "
                            f"SP_ROWS >= {4 * geo.dim} and ACC_ROWS >= {2 * geo.dim} with DIM={geo.dim} "
                            f"(has SP_ROWS={geo.sp_rows}, ACC_ROWS={geo.acc_rows})")
    return geo


def tiles(n: int, dim: int) -> list[tuple[int, int]]:
    """(start, size) of the DIM-wide tiles covering 0..n."""
    return [(s, min(dim, n - s)) for s in range(0, n, dim)]


def block_shape(geo: Geometry, mt: int, nt: int) -> tuple[int, int]:
    """Tiles per output block (M, N): a step needs mb + nb scratchpad tiles in one half and
    the block mb * nb accumulator tiles in one half. Keep N whole if possible (weight
    stationary), block M."""
    nb = min(nt, geo.sp_tiles - 1, geo.acc_tiles)
    mb = min(mt, geo.sp_tiles - nb, geo.acc_tiles // nb)
    return mb, nb


# ------------------------------------------------------------------ one GEMM
@dataclass(frozen=True)
class GemmLayer:
    """One GEMM whose operands live in DRAM: C = sat(relu(shift(A @ B + bias)))."""
    M: int
    K: int
    N: int
    a: int                  # byte addresses
    b: int
    c: int
    bias: int | None
    bias_kind: str | None
    shift: int
    relu: bool
    lda: int | None = None  # bytes between rows of A (default K: packed); larger strides stream DRAM

    @property
    def a_stride(self) -> int:
        return self.lda or self.K


class Emitter:
    """Writes the command stream of GEMM layers; skips CONFIG_LDs that change nothing."""

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


# ------------------------------------------------------------------ DRAM layout
class Layout:
    """Allocates aligned DRAM regions and checks they fit."""

    def __init__(self):
        self.end = 0
        self.regions: list[tuple[str, int]] = []

    def alloc(self, what: str, nbytes: int) -> int:
        addr = self.end
        self.end = -(-(addr + nbytes) // ALIGN) * ALIGN
        self.regions.append((what, nbytes))
        return addr

    def check(self, geo: Geometry, what: str):
        if self.end > geo.dram_bytes or self.end > 1 << 32:
            parts = ", ".join(f"{name} {n}" for name, n in self.regions)
            raise WorkloadError(f"{what} needs {self.end} bytes of DRAM ({parts}) but the machine has "
                                f"{geo.dram_bytes}; load the machine with a larger DRAM_BYTES")


def as_bytes(a: np.ndarray) -> np.ndarray:
    """Little-endian, row-major bytes of an int8 or int32 array."""
    return np.ascontiguousarray(a.astype(a.dtype.newbyteorder("<"))).reshape(-1).view(np.uint8)


def check_dims(what: str, **dims: int):
    for name, v in dims.items():
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 1:
            raise WorkloadError(f"{what}: {name} must be a positive integer (got {v!r})")


def check_no_overflow(what: str, k: int, bias_bound: int):
    """The accumulator is int32: the reference (int64) must not see values it would wrap."""
    if k * 128 * 128 + bias_bound > INT32_MAX:
        raise WorkloadError(f"{what}: K={k} can overflow the int32 accumulator; K must be at most "
                            f"{(INT32_MAX - bias_bound) // (128 * 128)}")


def build(machine, geo, emit_layers, name, description, params, inputs, expected, layout) -> Workload:
    em = Emitter(machine, geo)
    try:
        emit_layers(em)
    except ValueError as exc:           # an operand that does not fit its command field
        raise WorkloadError(f"{name} does not fit machine '{machine.name}': {exc}") from None
    params = {**params, "dim": geo.dim, "blocks": em.blocks, "dram_bytes": layout.end}
    return Workload(name, em.prog.words, description, params, inputs, expected)


# ------------------------------------------------------------------ workloads
def gemm_name(M, K, N, bias, relu, shift, shift_given) -> str:
    opts = ([] if bias == "row" else ["nobias" if bias is None else "fullbias"]) + (["relu"] if relu else [])
    opts += [f"shift={shift}"] if shift_given else []
    return "gemm:" + ",".join(map(str, (M, K, N, *opts)))


def gemm(machine: ir.Machine, M: int, K: int, N: int, *, bias: bool | str | None = True, relu: bool = False,
         shift: int | None = None, seed: int = 0) -> Workload:
    """int8 GEMM C[M,N] = sat(relu?(round_shift(A[M,K] @ B[K,N] + bias))).

    bias: True or "row" (one int32 row broadcast over M), "full" (M x N int32), False/None.
    shift: MVOUT's rounding shift, 0..31; default chosen from K so outputs rarely saturate.
    """
    bias_kind = "row" if bias is True else None if bias is False or bias is None else bias
    if bias_kind not in BIAS_KINDS:
        raise WorkloadError(f"gemm: bias must be True/'row', 'full' or False (got {bias!r})")
    check_dims("gemm", M=M, K=K, N=N)
    M, K, N = int(M), int(K), int(N)
    s = default_shift(K) if shift is None else shift
    if not isinstance(s, (int, np.integer)) or isinstance(s, bool) or not 0 <= s <= 31:
        raise WorkloadError(f"gemm: shift must be an integer 0..31 (got {shift!r})")
    name = gemm_name(M, K, N, bias_kind, relu, s, shift is not None)
    geo = geometry(machine, bias_kind is not None, name)
    check_no_overflow(name, K, 0 if bias_kind is None else bias_bound(s))
    lay = Layout()                      # checked before any array is made
    a, b = lay.alloc("A", M * K), lay.alloc("B", K * N)
    bias_rows = {None: 0, "row": 1, "full": M}[bias_kind]
    bias_addr = lay.alloc("bias", 4 * bias_rows * N) if bias_kind else None
    c = lay.alloc("C", M * N)
    lay.check(geo, name)

    rng = np.random.default_rng(seed)
    A = rng.integers(-128, 128, (M, K), dtype=np.int8)
    B = rng.integers(-128, 128, (K, N), dtype=np.int8)
    bvec = random_bias(rng, (bias_rows, N), s) if bias_kind else None
    C = reference_layer(A, B, bvec, s, relu)
    inputs = [(a, as_bytes(A)), (b, as_bytes(B))] + ([(bias_addr, as_bytes(bvec))] if bias_kind else [])
    layer = GemmLayer(M, K, N, a, b, c, bias_addr, bias_kind, s, bool(relu))

    def emit(em: Emitter):
        em.gemm(layer)
        em.fence()

    desc = (f"int8 GEMM {M}x{K} @ {K}x{N}{' + ' + bias_kind + ' bias' if bias_kind else ''}"
            f"{' + ReLU' if relu else ''}, shift {s}, DIM={geo.dim} weight-stationary, double-buffered")
    params = {"M": M, "K": K, "N": N, "macs": M * K * N, "shift": s, "relu": bool(relu), "bias": bias_kind,
              "seed": seed}
    return build(machine, geo, emit, name, desc, params, inputs, (c, C), lay)


def mlp(machine: ir.Machine, B: int, dims, seed: int = 0) -> Workload:
    """An MLP D0 -> D1 -> ... on a batch of B: each layer int8 GEMM + int32 bias row +
    ReLU (not on the last) + rounding shift to int8; layer outputs stay in DRAM."""
    dims = list(dims)
    if len(dims) < 2:
        raise WorkloadError(f"mlp needs at least two dimensions D0,D1 (got {len(dims)})")
    check_dims("mlp", B=B, **{f"D{i}": d for i, d in enumerate(dims)})
    B, dims = int(B), [int(d) for d in dims]
    name = "mlp:" + ",".join(map(str, (B, *dims)))
    geo = geometry(machine, True, name)
    lay = Layout()                      # checked before any array is made
    x_addr = lay.alloc("X0", B * dims[0])
    addrs = []                          # (W, bias, output) per layer
    for i, (din, dout) in enumerate(zip(dims, dims[1:]), start=1):
        check_no_overflow(name, din, bias_bound(31))
        addrs.append((lay.alloc(f"W{i}", din * dout), lay.alloc(f"b{i}", 4 * dout), lay.alloc(f"X{i}", B * dout)))
    lay.check(geo, name)

    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, (B, dims[0]), dtype=np.int8)
    inputs, layers, shifts = [(x_addr, as_bytes(x))], [], []
    for i, ((din, dout), (w_addr, b_addr, y_addr)) in enumerate(zip(zip(dims, dims[1:]), addrs), start=1):
        w = rng.integers(-128, 128, (din, dout), dtype=np.int8)
        s = data_shift(x.astype(np.int64) @ w.astype(np.int64))
        bias = random_bias(rng, (1, dout), s)
        relu = i < len(dims) - 1
        inputs += [(w_addr, as_bytes(w)), (b_addr, as_bytes(bias))]
        layers.append(GemmLayer(B, din, dout, x_addr, w_addr, y_addr, b_addr, "row", s, relu))
        shifts.append(s)
        x, x_addr = reference_layer(x, w, bias, s, relu), y_addr

    def emit(em: Emitter):
        for layer in layers:            # FENCE: the next layer reads what this one's MVOUTs wrote
            em.gemm(layer)
            em.fence()

    macs = sum(B * i * o for i, o in zip(dims, dims[1:]))
    desc = (f"int8 MLP batch {B}, {' -> '.join(map(str, dims))}: {len(layers)} layers of GEMM + bias + ReLU "
            f"(none on the last), shifts {shifts}, DIM={geo.dim}")
    params = {"B": B, "dims": dims, "layers": len(layers), "macs": macs, "shifts": shifts, "seed": seed}
    return build(machine, geo, emit, name, desc, params, inputs, (x_addr, x), lay)
