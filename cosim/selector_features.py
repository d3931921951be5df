"""Kernel classes for the abstraction selector, from the kernels' own features.

A class is what a kernel *is*, read from its workload text and shapes, never from a
name a user chose: its kind (the workload family: gemm, bankconflict, stream,
transformer, conv, mlp), whether it is a chain of GEMMs, whether any GEMM has a partial
(edge) tile, whether its operand rows are strided in DRAM, and whether its GEMMs lie
inside the range of shapes the curve was fitted on. Those are exactly the properties
the abstraction study found the curve blind to (layout, partial tiles, extrapolation),
so kernels that share them are expected to share the curve's error, which is what lets
a few spot checks speak for a whole class.

The curve's interval outside its sweep is widened (`widening`): σ grows by one σ per
doubling beyond the sweep's range, in the farthest dimension. A residual spread
measured on the training shapes says nothing about shapes the fit never approached;
growing with log-distance is a conservative, documented convention, not a fitted law.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .nodemodel import gemms_of, workload_text

__all__ = ["KernelClass", "classify", "sweep_range", "widening"]


@dataclass(frozen=True)
class KernelClass:
    kind: str
    chain: bool
    edge: bool
    strided: bool
    in_sweep: bool

    @property
    def label(self) -> str:
        parts = [self.kind + (" chain" if self.chain else ""),
                 "edge tiles" if self.edge else "whole tiles"]
        if self.kind == "stream":
            parts.append("strided rows" if self.strided else "contiguous rows")
        parts.append("in sweep" if self.in_sweep else "out of sweep")
        return ", ".join(parts)

    def as_dict(self) -> dict:
        return {"kind": self.kind, "chain": self.chain, "edge": self.edge, "strided": self.strided,
                "in_sweep": self.in_sweep}


def sweep_range(curve) -> tuple[int, int] | None:
    """(smallest, largest) dimension among the curve's training shapes, when it kept them."""
    dims = [d for p in curve.report.get("points", []) if p.get("split") == "train" for d in p["shape"]]
    return (min(dims), max(dims)) if dims else None


def widening(shapes, rng: tuple[int, int] | None) -> float:
    """Factor on the curve's σ: 1 inside the sweep, + 1 per doubling beyond it (module doc)."""
    if rng is None:
        return 1.0
    lo, hi = rng
    far = 0.0
    for shape in shapes:
        for d in shape:
            if d > hi:
                far = max(far, math.log2(d / hi))
            elif d < lo:
                far = max(far, math.log2(lo / d))
    return 1.0 + far


def classify(kernel, dim: int, rng: tuple[int, int] | None) -> KernelClass:
    """The class of `kernel` from its workload text and GEMM shapes (module doc)."""
    text = workload_text(kernel)
    kind, _, rest = text.partition(":")
    args = [int(a) for a in rest.split(",") if a.strip()]
    shapes = gemms_of(text, dim)
    edge = bool(any(d % dim for s in shapes for d in s))
    # stream:M[,LDA]: rows LDA bytes apart (default 1024); int8 rows of one tile are DIM bytes
    strided = bool(kind == "stream" and (args[1] if len(args) > 1 else 1024) > dim)
    return KernelClass(kind, len(shapes) > 1, edge, strided, widening(shapes, rng) == 1.0)


# the size arguments of each workload family (the others are layout: stream's row pitch, conv's filter)
SIZE_ARGS = {"gemm": (0, 1, 2), "bankconflict": (0, 1, 2), "stream": (0,), "transformer": (0, 1, 2),
             "conv": (0, 1, 2, 3)}


def proxy(text: str, dim: int) -> str | None:
    """The workload with its sizes halved, keeping its class features: a dimension that was a
    whole number of tiles stays one, a partial one stays partial, layout arguments are kept.
    None when it cannot shrink (sizes at one tile) or the features would change."""
    kind, _, rest = text.partition(":")
    args = [int(a) for a in rest.split(",") if a.strip()]
    sizes = SIZE_ARGS.get(kind, tuple(range(len(args))))
    new = list(args)
    for i in sizes:
        if i >= len(args):
            continue
        a = args[i]
        b = max(dim, a // 2)
        if a % dim == 0:
            b = max(dim, (b // dim) * dim)
        elif b % dim == 0:
            b += 1
        if kind == "conv" and i < 2:
            b = max(b, (args[4] if len(args) > 4 else 3) + 1)
        new[i] = min(a, b)
    if new == args:
        return None
    out = f"{kind}:" + ",".join(map(str, new))
    k0, k1 = _features(text, dim), _features(out, dim)
    return out if k0 == k1 else None


def _features(text: str, dim: int):
    c = classify(_Named(text), dim, None)
    return (c.kind, c.chain, c.edge, c.strided)


class _Named:
    def __init__(self, name):
        self.name, self.shape, self.key = name, (), name
