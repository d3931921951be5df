"""Per-interval signatures for sampled simulation: what each run of K instructions did.

Every `interval` retired instructions (at absolute boundaries: retired = K, 2K, ...) a
recorder takes one row: [start, end, instructions of each kind in the interval, and for
processors a basic-block vector (BBV)]. The BBV counts the interval's instructions per
basic block, hashed into `2**bbv_bits` buckets by the block's start pc. A block here is a
dynamic one: it starts at the target of a taken branch or jump (or where recording began)
and ends at the next taken branch or jump. Both backends fill the same rows: the C one
inside `dc_run` (no per-instruction Python), the reference in its run loop. Only complete
intervals are recorded; the first starts where recording was switched on, and a restore
starts a new one at the restored instruction.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spec.errors import DcsimError

BBV_HASH = 0x9E3779B97F4A7C15       # Fibonacci hashing, the same constant as cgen's dc_bbv_bucket
MASK64 = (1 << 64) - 1


def bbv_bucket(pc: int, bits: int) -> int:
    return ((pc * BBV_HASH) & MASK64) >> (64 - bits)


def bbv_bits_of(buckets: int) -> int:
    if buckets == 0:
        return 0
    if buckets < 2 or buckets & (buckets - 1) or buckets > 1 << 20:
        raise DcsimError(f"basic-block vector size {buckets} must be a power of two in 2..{1 << 20} (or 0: off)")
    return buckets.bit_length() - 1


class Recorder:
    """The rows of one signature collection; its numpy buffers are shared with the C backend."""

    def __init__(self, nkinds: int, interval: int, bbv_buckets: int, fetch: bool):
        if interval < 1:
            raise DcsimError(f"signature interval must be at least 1 instruction (got {interval})")
        if bbv_buckets and not fetch:
            raise DcsimError("a basic-block vector needs a processor (a machine with `fetch`)")
        self.nkinds, self.interval, self.bits = nkinds, interval, bbv_bits_of(bbv_buckets)
        self.width = 2 + nkinds + (1 << self.bits if self.bits else 0)
        self.rows = np.zeros((16, self.width), dtype=np.int64)
        self.length = 0
        self.base = np.zeros(nkinds, dtype=np.int64)       # kind counters at the interval start
        self.acc = np.zeros(1 << self.bits, dtype=np.int64)
        self.next = self.start = self.bb_start = self.bb_mark = 0

    def begin(self, retired: int, counts: np.ndarray, pc: int | None):
        """Start an interval here (on enabling, and after a restore)."""
        self.next = (retired // self.interval + 1) * self.interval
        self.start = self.bb_mark = retired
        self.bb_start = pc or 0
        self.base[:] = counts
        self.acc[:] = 0

    def reserve(self, more: int) -> bool:
        """Room for `more` further rows; True if the buffer moved."""
        need = self.length + more
        if need <= len(self.rows):
            return False
        grown = np.zeros((max(need, 2 * len(self.rows)), self.width), dtype=np.int64)
        grown[:self.length] = self.rows[:self.length]
        self.rows = grown
        return True

    # ------------------------------------------ the reference backend's side
    def branch(self, retired: int, pc: int):
        """A taken branch or jump retired: credit the block that ended, start one at `pc`."""
        self.acc[bbv_bucket(self.bb_start, self.bits)] += retired - self.bb_mark
        self.bb_start, self.bb_mark = pc, retired

    def record(self, retired: int, counts: np.ndarray):
        if self.bits:
            self.branch(retired, self.bb_start)
        self.reserve(1)
        row = self.rows[self.length]
        row[0], row[1] = self.start, retired
        row[2:2 + self.nkinds] = counts - self.base
        if self.bits:
            row[2 + self.nkinds:] = self.acc
        self.length += 1
        self.base[:] = counts
        self.acc[:] = 0
        self.start, self.next = retired, self.next + self.interval

    def result(self, kinds: tuple) -> "Signatures":
        rows = self.rows[:self.length].copy()
        k = 2 + self.nkinds
        return Signatures(self.interval, tuple(kinds), rows[:, 0], rows[:, 1], rows[:, 2:k],
                          rows[:, k:] if self.bits else None)


@dataclass
class Signatures:
    """Per-interval signatures: row i covers retired instructions starts[i]..ends[i]-1."""
    interval: int
    kinds: tuple                  # instruction names, the columns of `counts`
    starts: np.ndarray
    ends: np.ndarray
    counts: np.ndarray            # (intervals, kinds): instructions of each kind per interval
    bbv: np.ndarray | None        # (intervals, buckets): instructions per hashed basic block

    def __len__(self) -> int:
        return len(self.ends)

    def equals(self, other: "Signatures") -> bool:
        if (self.interval, self.kinds) != (other.interval, other.kinds) or (self.bbv is None) != (other.bbv is None):
            return False
        pairs = [(self.starts, other.starts), (self.ends, other.ends), (self.counts, other.counts)]
        if self.bbv is not None:
            pairs.append((self.bbv, other.bbv))
        return all(a.shape == b.shape and np.array_equal(a, b) for a, b in pairs)

    def to_json(self) -> dict:
        return {"format": "dcsim-signatures", "version": 1, "interval": self.interval, "kinds": list(self.kinds),
                "starts": self.starts.tolist(), "ends": self.ends.tolist(), "counts": self.counts.tolist(),
                "bbv": None if self.bbv is None else self.bbv.tolist()}

    def save(self, path: str | Path) -> Path:
        """Write `.json` (readable) or, for any other suffix, a numpy `.npz` archive."""
        path = Path(path)
        if path.suffix == ".json":
            path.write_text(json.dumps(self.to_json()) + "\n")
            return path
        arrays = dict(interval=np.int64(self.interval), kinds=np.array(self.kinds), starts=self.starts,
                      ends=self.ends, counts=self.counts)
        if self.bbv is not None:
            arrays["bbv"] = self.bbv
        with open(path, "wb") as f:
            np.savez_compressed(f, **arrays)
        return path
