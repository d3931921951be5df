"""The sampling suite: NPU workloads with phase behaviour and context-dependent timing.

Each is a chain of int8 GEMM layers whose operands live in DRAM, with an independent
numpy reference of the final output (and, for the convolution, a direct convolution
that the im2col GEMM must equal):

- `transformer:S,D[,F]`  a transformer block's GEMMs on S tokens of width D: Q, K^T and V
  projections, attention scores Q·K^T, scores·V, output projection, FFN up (ReLU) and
  down (F, default 4D). K^T is computed as Wk^T·X^T (the host supplies X^T), so every
  GEMM consumes the previous ones' outputs.
- `conv:H,W,C,K[,F]`  an F×F (default 3) convolution of an H×W×C int8 image to K
  channels via im2col (the host lays out the patch matrix) and one GEMM with ReLU.
- `bankconflict:M,K,N`  a GEMM whose scratchpad tiles are spread a power of two of tiles
  apart, so tiles that the load and execute units touch together share SRAM banks.
- `stream:M[,LDA]`  a DRAM-bound streaming kernel: M rows of DIM int8 values LDA bytes
  apart (default 1024: every row in another DRAM row) through one DIM×DIM weight tile.
- `long[:M,K,N]`  a long GEMM for speedup measurements (default 1024×1024×512: 3.2e6
  commands, about 1.4e8 RTL cycles on the default NPU; its operands need 2.1 MB of DRAM,
  so it runs on the default 16 MiB NPU, not the 1 MiB suite NPU).
MLPs of different shapes come from `mlp:B,D0,D1,...`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spec import ir

from .base import Workload, WorkloadError
from .npu import (Emitter, Geometry, GemmLayer, Layout, as_bytes, block_shape, check_no_overflow, data_shift,
                  exact_matmul, geometry, random_bias, reference_layer)
from . import npu

LONG_DEFAULT = (1024, 1024, 512)
SPREAD = 8                  # bankconflict: tiles this many tiles apart


@dataclass(frozen=True)
class Layer:
    """out = sat(relu?(shift(a @ b + bias))): names of tensors in a graph."""
    a: str
    b: str
    out: str
    relu: bool = False
    bias: bool = True


class SpreadEmitter(Emitter):
    """Scratchpad tiles SPREAD tiles apart: tiles in flight together fall in the same banks."""

    def block_shape(self, mt: int, nt: int) -> tuple[int, int]:
        g = self.geo
        spread = Geometry(g.dim, g.sp_rows // SPREAD, g.acc_rows, g.dram_bytes)
        if spread.sp_tiles < 2:         # (a ValueError: reported as "does not fit machine")
            raise ValueError(f"tiles {SPREAD} tiles apart need SP_ROWS >= {4 * SPREAD * g.dim} "
                             f"(has {g.sp_rows})")
        return block_shape(spread, mt, nt)

    def sp_a(self, half, mi):
        return (half * self.geo.sp_tiles + mi * SPREAD) * self.geo.dim

    def sp_b(self, half, nj, mb):
        return (half * self.geo.sp_tiles + (mb + nj) * SPREAD) * self.geo.dim


def graph(machine: ir.Machine, name: str, description: str, inputs: dict, layers: list, output: str, seed: int,
          *, emitter=Emitter, lda: dict | None = None, params: dict | None = None) -> Workload:
    """A chain of GEMM layers over named int8 tensors; `inputs` are numpy arrays or shapes
    (filled with random int8 values). `lda` pads named inputs to a row stride in DRAM."""
    lda = lda or {}
    geo = geometry(machine, any(layer.bias for layer in layers), name)
    rng = np.random.default_rng(seed)
    values = {k: (v if isinstance(v, np.ndarray) else rng.integers(-128, 128, v, dtype=np.int8))
              for k, v in inputs.items()}
    plan = []                                   # (layer, shift, bias array)
    for layer in layers:
        x, w = values[layer.a], values[layer.b]
        if x.shape[1] != w.shape[0]:
            raise WorkloadError(f"{name}: {layer.a}{x.shape} @ {layer.b}{w.shape} do not chain")
        check_no_overflow(name, x.shape[1], 1 << 30)
        s = data_shift(exact_matmul(x, w))
        bias = random_bias(rng, (1, w.shape[1]), s) if layer.bias else None
        values[layer.out] = reference_layer(x, w, bias, s, layer.relu)
        plan.append((layer, s, bias))
    lay, addr = Layout(), {}
    for k, v in values.items():
        addr[k] = lay.alloc(k, v.shape[0] * lda.get(k, v.shape[1]))
    bias_addr = [lay.alloc(f"bias{i}", 4 * b.size) if b is not None else None for i, (_, _, b) in enumerate(plan)]
    lay.check(geo, name)
    data = [(addr[k], as_bytes(_padded(values[k], lda.get(k)))) for k in inputs]
    data += [(a, as_bytes(b)) for a, (_, _, b) in zip(bias_addr, plan) if b is not None]
    gemms = [GemmLayer(values[l.a].shape[0], values[l.a].shape[1], values[l.b].shape[1], addr[l.a], addr[l.b],
                       addr[l.out], ba, "row" if ba is not None else None, s, l.relu, lda.get(l.a))
             for (l, s, _), ba in zip(plan, bias_addr)]
    em = emitter(machine, geo)
    try:
        for g in gemms:                         # FENCE: the next layer may read this one's output
            em.gemm(g)
            em.fence()
        limbs = em.limbs()
    except ValueError as exc:
        raise WorkloadError(f"{name} does not fit machine '{machine.name}': {exc}") from None
    macs = sum(g.M * g.K * g.N for g in gemms)
    params = {**(params or {}), "layers": len(gemms), "macs": macs, "seed": seed, "dim": geo.dim,
              "blocks": em.blocks, "dram_bytes": lay.end}
    return Workload(name, limbs, description, params, data, (addr[output], values[output]))


def _padded(a: np.ndarray, stride: int | None) -> np.ndarray:
    if not stride or stride == a.shape[1]:
        return a
    out = np.zeros((a.shape[0], stride), a.dtype)
    out[:, :a.shape[1]] = a
    return out


# ------------------------------------------------------------------ the suite
def transformer(machine: ir.Machine, S: int, D: int, F: int | None = None, seed: int = 0) -> Workload:
    F = F or 4 * D
    rng = np.random.default_rng(seed + 1)
    x = rng.integers(-128, 128, (S, D), dtype=np.int8)
    wk = rng.integers(-128, 128, (D, D), dtype=np.int8)
    inputs = {"X": x, "XT": np.ascontiguousarray(x.T), "Wq": (D, D), "Wk": wk, "WkT": np.ascontiguousarray(wk.T),
              "Wv": (D, D), "Wo": (D, D), "W1": (D, F), "W2": (F, D)}
    layers = [Layer("X", "Wq", "Q"), Layer("WkT", "XT", "KT"), Layer("X", "Wv", "V"),
              Layer("Q", "KT", "P", bias=False), Layer("P", "V", "A", bias=False), Layer("A", "Wo", "O"),
              Layer("O", "W1", "H", relu=True), Layer("H", "W2", "Y")]
    name = f"transformer:{S},{D},{F}"
    return graph(machine, name, f"transformer block GEMMs: {S} tokens, width {D}, FFN {F}", inputs, layers, "Y",
                 seed, params={"S": S, "D": D, "F": F})


def im2col(image: np.ndarray, f: int) -> np.ndarray:
    h, w, c = image.shape
    rows = [image[y:y + f, x:x + f, :].reshape(-1) for y in range(h - f + 1) for x in range(w - f + 1)]
    return np.ascontiguousarray(np.stack(rows))


def conv(machine: ir.Machine, H: int, W: int, C: int, K: int, F: int = 3, seed: int = 0) -> Workload:
    if H < F or W < F:
        raise WorkloadError(f"conv: the image ({H}x{W}) is smaller than the {F}x{F} kernel")
    rng = np.random.default_rng(seed)
    image = rng.integers(-128, 128, (H, W, C), dtype=np.int8)
    weights = rng.integers(-128, 128, (F, F, C, K), dtype=np.int8)
    name = f"conv:{H},{W},{C},{K},{F}"
    wl = graph(machine, name, f"{F}x{F} convolution {H}x{W}x{C} -> {K} channels via im2col, ReLU",
               {"cols": im2col(image, F), "w": weights.reshape(F * F * C, K)}, [Layer("cols", "w", "y", relu=True)],
               "y", seed, params={"H": H, "W": W, "C": C, "K": K, "F": F})
    direct = np.zeros(((H - F + 1) * (W - F + 1), K), np.int64)   # the convolution itself, not im2col
    for dy in range(F):
        for dx in range(F):
            patch = image[dy:dy + H - F + 1, dx:dx + W - F + 1, :].reshape(-1, C).astype(np.int64)
            direct += patch @ weights[dy, dx].astype(np.int64)
    assert np.array_equal(direct, im2col(image, F).astype(np.int64) @ weights.reshape(-1, K).astype(np.int64))
    return wl


def bankconflict(machine: ir.Machine, M: int, K: int, N: int, seed: int = 0) -> Workload:
    name = f"bankconflict:{M},{K},{N}"
    return graph(machine, name, f"GEMM {M}x{K}x{N} with scratchpad tiles {SPREAD} tiles apart (bank conflicts)",
                 {"A": (M, K), "B": (K, N)}, [Layer("A", "B", "C")], "C", seed, emitter=SpreadEmitter,
                 params={"M": M, "K": K, "N": N})


def stream(machine: ir.Machine, M: int, lda: int = 1024, seed: int = 0) -> Workload:
    dim = geometry(machine, True, "stream").dim
    if lda < dim:
        raise WorkloadError(f"stream: LDA must be at least DIM={dim} (got {lda})")
    name = f"stream:{M},{lda}"
    return graph(machine, name, f"DRAM-bound streaming: {M} rows of {dim} int8 values {lda} bytes apart "
                 f"through one {dim}x{dim} weight tile", {"X": (M, dim), "Wt": (dim, dim)},
                 [Layer("X", "Wt", "Y", relu=True)], "Y", seed, lda={"X": lda}, params={"M": M, "lda": lda})


def long(machine: ir.Machine, M: int, K: int, N: int, seed: int = 0) -> Workload:
    wl = npu.gemm(machine, M, K, N, seed=seed)
    wl.name = f"long:{M},{K},{N}"
    return wl
