"""Strata for stratified sampling: cluster per-unit instruction-kind histograms.

A unit's signature is the fraction of each instruction kind among its instructions
(for queue machines this is known from the command stream without running anything).
Units are clustered with k-means (k-means++ seeding) so that each stratum holds units
that exercise the machine alike.
"""
from __future__ import annotations

import numpy as np
from numpy.random import default_rng     # imported here: numpy loads numpy.random lazily, on first use

from spec import ir
from spec.encoding import MASK64, Decoder, command_limbs, machine_limbs
from spec.errors import DcsimError


def kind_counts(machine: ir.Machine, commands, unit: int, limbs: np.ndarray | None = None) -> np.ndarray:
    """(units × kinds + 1) counts of each instruction kind (opcode index; the last column:
    none decodes) per sample unit: the compiled model's decoder (`fastforward.csim.kind_counts`),
    or without a C compiler the same decoding with numpy (`decode_with_numpy`). `limbs`: the
    commands already encoded (`QueueTarget.binary`)."""
    from spec.cbuild import find_compiler
    from fastforward.csim import kind_counts as compiled_counts
    nwords = machine_limbs(machine)
    if limbs is None:
        limbs = command_limbs(commands if isinstance(commands, list) else list(commands), nwords)
    try:
        find_compiler()
    except DcsimError:
        kinds = decode_with_numpy(machine, limbs)
        width = len(machine.instructions) + 1
        flat = (np.arange(len(kinds)) // unit) * width + kinds
        return np.bincount(flat, minlength=-(-len(kinds) // unit) * width).reshape(-1, width)
    return compiled_counts(machine, limbs, unit)


def decode_with_numpy(machine: ir.Machine, limbs: np.ndarray) -> np.ndarray:
    """The kind of each of (n, words) uint64 limbs with numpy (len(instructions) if none
    decodes): the decoder's (mask, value) pairs in its priority order, first match wins,
    as `Decoder.decode`."""
    decoder = Decoder(machine)
    kinds = np.full(len(limbs), len(machine.instructions), dtype=np.int64)
    open_ = np.ones(len(limbs), dtype=bool)
    columns = [np.ascontiguousarray(limbs[:, k]) for k in range(limbs.shape[1])]   # strided limbs are ~2x slower
    for (mask, value), instr in decoder.entries:
        hit = open_.copy()
        for k in range(limbs.shape[1]):
            m, v = (mask >> (64 * k)) & MASK64, (value >> (64 * k)) & MASK64
            if m:
                hit &= (columns[k] & np.uint64(m)) == np.uint64(v)
        kinds[hit] = instr.opcode_index
        open_ &= ~hit
    return kinds


def kind_histograms(machine: ir.Machine, commands, unit: int, limbs: np.ndarray | None = None) -> np.ndarray:
    """(units × kinds + 1) fractions of each instruction kind per sample unit."""
    hist = kind_counts(machine, commands, unit, limbs).astype(np.float64)
    return hist / hist.sum(axis=1, keepdims=True)


def kmeans(points: np.ndarray, k: int, seed: int = 0, iterations: int = 50) -> np.ndarray:
    """Cluster labels (0..k'-1, k' <= k distinct) for the rows of `points`.

    Distances are computed once per distinct row (a GEMM's 32k unit histograms have a few
    hundred distinct rows) and spread to the rows by the inverse index: the same values, so
    the same labels as computing them per row, in a fraction of the time. (The distinct rows
    come from one lexsort, `distinct_rows`; a center is the mean of its rows taken in their
    order, `_centers`: both as numpy's own `unique(axis=0)` and masked means gave, ~4x faster.)"""
    rng = default_rng(seed)
    distinct, inverse = distinct_rows(points)
    k = min(k, len(distinct))
    centers = [points[rng.integers(len(points))]]
    for _ in range(1, k):                               # k-means++: far points are likelier centers
        d2 = np.min(((distinct[:, None, :] - np.array(centers)[None]) ** 2).sum(-1), axis=1)[inverse]
        centers.append(points[rng.choice(len(points), p=d2 / d2.sum())])
    centers = np.array(centers)
    labels = np.zeros(len(points), dtype=np.int64)
    for _ in range(iterations):
        labels_new = np.argmin(((distinct[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)[inverse]
        if np.array_equal(labels_new, labels) and _ > 0:
            break
        labels = labels_new
        centers = _centers(points, labels, centers)
    _, dense = np.unique(labels, return_inverse=True)
    return dense.reshape(-1)


def distinct_rows(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct rows of `points`, each row's index among them), as
    `np.unique(points, axis=0, return_inverse=True)` (same rows, same order: lexicographic)."""
    if len(points) == 0:
        return points[:0], np.zeros(0, dtype=np.int64)
    order = np.lexsort(points.T[::-1])
    ranked = points[order]
    new = np.ones(len(points), dtype=bool)
    new[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    inverse = np.empty(len(points), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return ranked[new], inverse


def _centers(points: np.ndarray, labels: np.ndarray, old: np.ndarray) -> np.ndarray:
    """Each cluster's mean row (its old center if it has no rows): the rows of a cluster
    summed in their order, as `points[labels == c].mean(axis=0)`, from one stable sort."""
    order = np.argsort(labels, kind="stable")
    grouped = points[order]
    bounds = np.searchsorted(labels[order], np.arange(len(old) + 1))
    return np.array([grouped[a:b].mean(axis=0) if b > a else old[c]
                     for c, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))])
