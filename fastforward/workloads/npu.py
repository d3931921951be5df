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

from .base import Workload, WorkloadError
from .stream import CommandStream, expand

BIAS_KINDS = (None, "row", "full")     # no bias, one int32 row broadcast over M, an M x N matrix
ALIGN = 64                             # byte alignment of each DRAM region
INT32_MAX = (1 << 31) - 1


# ------------------------------------------------------------------ reference
def round_shift(v: np.ndarray, shift: int) -> np.ndarray:
    """MVOUT's rounding right shift: round half up, arithmetic."""
    return (v + (1 << (shift - 1))) >> shift if shift > 0 else v


EXACT_FLOAT = 1 << 53                   # float64 holds every integer below this exactly


def exact_matmul(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """x @ w as int64, exactly. numpy has no BLAS for integers (`long`'s 1024x1024x512 takes
    ~3.5 s in int64); when no partial sum can reach 2**53 (byte operands: K < 2**37) every
    float64 sum is an exact integer whatever the summation order, so BLAS gives the same
    int64 result in a few tens of milliseconds."""
    bound = max(_magnitude(x), 1) * max(_magnitude(w), 1) * max(x.shape[-1], 1)
    if bound < EXACT_FLOAT:
        return (x.astype(np.float64) @ w.astype(np.float64)).astype(np.int64)
    return x.astype(np.int64) @ w.astype(np.int64)


def _magnitude(a: np.ndarray) -> int:
    """A bound on |a| from its dtype (the exact maximum would cost a pass over the data)."""
    if a.dtype.kind not in "iu" or a.dtype.itemsize > 4:
        return EXACT_FLOAT                  # int64 or other: take the integer path
    info = np.iinfo(a.dtype)
    return max(abs(int(info.min)), int(info.max))


def reference_layer(x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, shift: int,
                    relu: bool) -> np.ndarray:
    """int8 = saturate(relu?(round_shift(x @ w + bias))) computed exactly in int64."""
    v = exact_matmul(x, w)
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


class Steps:
    """The steps of one GEMM (block b, K tile kt; b outer) as arrays, one entry per step,
    and the tiles of each step's block: the index arithmetic of the emitter's loops."""

    def __init__(self, L: GemmLayer, d: int, mb: int, nb: int):
        self.L, self.d = L, d
        mt, nt, self.nk = -(-L.M // d), -(-L.N // d), -(-L.K // d)
        ib = -(-mt // mb)                               # blocks along M; N blocks are the outer loop
        self.blocks = ib * -(-nt // nb)
        blk = np.arange(self.blocks)
        self.i0, self.j0 = blk % ib * mb, blk // ib * nb      # first M / N tile of each block
        self.n = self.blocks * self.nk
        index = np.arange(self.n)
        self.block, self.kt = index // self.nk, index % self.nk
        self.mb = np.minimum(mb, mt - self.i0)[self.block]    # A row tiles / N tiles of the step's block
        self.nb = np.minimum(nb, nt - self.j0)[self.block]
        self.half = index % 2                           # scratchpad half of the step's loads and computes
        self.acc_half = self.block % 2
        self.k0 = self.kt * d
        self.kn = np.minimum(d, L.K - self.k0)
        self.last = self.kt == self.nk - 1

    def m_tile(self, s, mi):
        """(first row, rows) of A row tile `mi` of step `s`'s block (arrays)."""
        m0 = (self.i0[self.block[s]] + mi) * self.d
        return m0, np.minimum(self.d, self.L.M - m0)

    def n_tile(self, s, nj):
        n0 = (self.j0[self.block[s]] + nj) * self.d
        return n0, np.minimum(self.d, self.L.N - n0)


class Emitter:
    """Writes the command stream of GEMM layers; skips CONFIG_LDs that change nothing.

    The stream of one GEMM, in order: CONFIG_ST; the loads of step 0; then for each step
    i (block b, K tile kt): the loads of step i + 1 (into the other scratchpad half), the
    PRELOAD/COMPUTEs of step i, and the MVOUTs of block b after its last K tile. A step's
    loads are: [CONFIG_LD bias stride, MVIN_ACC per tile of the block] at kt == 0 with a
    bias, [CONFIG_LD A stride], MVIN per A row tile, [CONFIG_LD N], MVIN per B tile, each
    CONFIG_LD only when the stride changes. The place and operands of every command are
    computed for all steps at once with numpy (`stream.CommandStream`): `long`'s 3.2e6
    commands take ~0.4 s of CPU, where one `Program` call per command took ~35 s.
    `sp_a`, `sp_b`, `acc_row` and `block_shape` are the tiling's hooks (suite.SpreadEmitter
    overrides them); the first three take numpy arrays."""

    def __init__(self, machine: ir.Machine, geo: Geometry):
        self.stream, self.geo = CommandStream(machine), geo
        self.stride: int | None = None
        self.blocks = 0

    def ld_stride(self, stride: int):
        if stride != self.stride:
            self.stream.append("config_ld", stride=stride)
            self.stride = stride

    def limbs(self) -> np.ndarray:
        """The commands written so far as (n, limbs) uint64 (`CommandStream.limbs`)."""
        return self.stream.limbs()

    def block_shape(self, mt: int, nt: int) -> tuple[int, int]:
        return block_shape(self.geo, mt, nt)

    # scratchpad / accumulator rows of a tile (ints or numpy arrays)
    def sp_a(self, half, mi):
        return (half * self.geo.sp_tiles + mi) * self.geo.dim

    def sp_b(self, half, nj, mb):
        return (half * self.geo.sp_tiles + mb + nj) * self.geo.dim

    def acc_row(self, half, mi, nj, nb):
        return (half * self.geo.acc_tiles + mi * nb + nj) * self.geo.dim

    def gemm(self, L: GemmLayer):
        d = self.geo.dim
        st = Steps(L, d, *self.block_shape(-(-L.M // d), -(-L.N // d)))
        self.blocks += st.blocks
        loads = self.load_plan(L, st)
        len_comp = st.nb * (1 + st.mb)
        len_store = np.where(st.last, st.mb * st.nb, 0)
        base = self.stream.reserve(1 + int(loads["length"].sum() + len_comp.sum() + len_store.sum()))
        self.stream.put("config_st", [base], stride=L.N, shift=L.shift, relu=int(L.relu))
        next_loads = np.append(loads["length"][1:], 0)
        slot = next_loads + len_comp + len_store        # step i: the loads of i + 1, its computes, its stores
        slot_start = base + 1 + loads["length"][0] + np.cumsum(slot) - slot
        comp_at = slot_start + next_loads
        self.put_loads(L, st, loads, np.concatenate(([base + 1], slot_start[:-1])))
        self.put_computes(L, st, comp_at)
        self.put_stores(L, st, comp_at + len_comp, len_store)

    def load_plan(self, L: GemmLayer, st: Steps) -> dict:
        """Which CONFIG_LDs each step's loads emit, and where each part starts in them. The
        stride before step 0 is the emitter's; every load leaves it at N."""
        has_bias = (st.kt == 0) & (L.bias is not None)
        bias_stride = 4 * L.N if L.bias_kind == "full" else 0     # stride 0 broadcasts one row
        first = self.stride
        prev = np.full(st.n, L.N != bias_stride)                  # stride before: N (step 0: `first`)
        prev[0] = first != bias_stride
        plan = {"has_bias": has_bias, "bias_stride": bias_stride}
        plan["e_bias"] = has_bias & prev
        after_bias_ok = bias_stride != L.a_stride
        before_a = np.full(st.n, L.N != L.a_stride)
        before_a[0] = first != L.a_stride
        plan["e_a"] = np.where(has_bias, after_bias_ok, before_a)
        plan["e_n"] = np.full(st.n, L.N != L.a_stride)
        plan["n_acc"] = np.where(has_bias, st.mb * st.nb, 0)
        plan["o_acc"] = plan["e_bias"].astype(np.int64)          # offsets inside a step's loads
        plan["o_ca"] = plan["o_acc"] + plan["n_acc"]
        plan["o_a"] = plan["o_ca"] + plan["e_a"]
        plan["o_cn"] = plan["o_a"] + st.mb
        plan["o_b"] = plan["o_cn"] + plan["e_n"]
        plan["length"] = plan["o_b"] + st.nb
        self.stride = L.N
        return plan

    def put_loads(self, L: GemmLayer, st: Steps, p: dict, at: np.ndarray):
        """The MVINs of each step: the block's bias first (at its first K tile), then the A
        row tiles and B tiles of the step's K tile into its scratchpad half."""
        put = self.stream.put
        s = np.flatnonzero(p["e_bias"])
        put("config_ld", at[s], stride=p["bias_stride"])
        s, t = expand(p["n_acc"])                       # A row tiles outer, N tiles inner
        mi, nj = t // st.nb[s], t % st.nb[s]
        (m0, mn), (n0, nn) = st.m_tile(s, mi), st.n_tile(s, nj)
        row0 = m0 * L.N if L.bias_kind == "full" else 0
        put("mvin_acc", at[s] + p["o_acc"][s] + t, rows=mn, cols=nn,
            row=self.acc_row(st.acc_half[s], mi, nj, st.nb[s]), addr=(L.bias or 0) + 4 * (row0 + n0))
        s = np.flatnonzero(p["e_a"])
        put("config_ld", at[s] + p["o_ca"][s], stride=L.a_stride)
        s, mi = expand(st.mb)
        m0, mn = st.m_tile(s, mi)
        put("mvin", at[s] + p["o_a"][s] + mi, rows=mn, cols=st.kn[s], row=self.sp_a(st.half[s], mi),
            addr=L.a + m0 * L.a_stride + st.k0[s])
        s = np.flatnonzero(p["e_n"])
        put("config_ld", at[s] + p["o_cn"][s], stride=L.N)
        s, nj = expand(st.nb)
        n0, nn = st.n_tile(s, nj)
        put("mvin", at[s] + p["o_b"][s] + nj, rows=st.kn[s], cols=nn, row=self.sp_b(st.half[s], nj, st.mb[s]),
            addr=L.b + st.k0[s] * L.N + n0)

    def put_computes(self, L: GemmLayer, st: Steps, at: np.ndarray):
        """Per N tile of the step's block: PRELOAD its B tile, then COMPUTE each A row tile."""
        s, nj = expand(st.nb)
        put = self.stream.put
        put("preload", at[s] + nj * (1 + st.mb[s]), rows=st.kn[s], a_row=self.sp_b(st.half[s], nj, st.mb[s]))
        s, t = expand(st.nb * st.mb)
        nj, mi = t // st.mb[s], t % st.mb[s]
        accumulate = ((st.kt[s] > 0) | (L.bias is not None)).astype(np.int64)
        put("compute", at[s] + nj * (1 + st.mb[s]) + 1 + mi, rows=st.m_tile(s, mi)[1],
            a_row=self.sp_a(st.half[s], mi), c_row=self.acc_row(st.acc_half[s], mi, nj, st.nb[s]),
            accumulate=accumulate)

    def put_stores(self, L: GemmLayer, st: Steps, at: np.ndarray, count: np.ndarray):
        """MVOUT of every tile of a block after its last K tile."""
        s, t = expand(count)
        mi, nj = t // st.nb[s], t % st.nb[s]
        (m0, mn), (n0, nn) = st.m_tile(s, mi), st.n_tile(s, nj)
        self.stream.put("mvout", at[s] + t, rows=mn, cols=nn, row=self.acc_row(st.acc_half[s], mi, nj, st.nb[s]),
                        addr=L.c + m0 * L.N + n0)

    def fence(self):
        if self.stream.has("FENCE"):
            self.stream.append("fence")


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
        limbs = em.limbs()
    except ValueError as exc:           # an operand that does not fit its command field
        raise WorkloadError(f"{name} does not fit machine '{machine.name}': {exc}") from None
    params = {**params, "dim": geo.dim, "blocks": em.blocks, "dram_bytes": layout.end}
    return Workload(name, limbs, description, params, inputs, expected)


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
        s = data_shift(exact_matmul(x, w))
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
