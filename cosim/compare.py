"""Comparing architectural states: the check every sample performs."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MAX_LISTED = 5


@dataclass(frozen=True)
class Divergence:
    state: str
    count: int                    # elements that differ
    first: tuple                  # ((index tuple, expected, got), ...) up to MAX_LISTED

    def describe(self) -> str:
        shown = ", ".join(f"{self.state}[{', '.join(map(str, i))}] expected {e} got {g}" for i, e, g in self.first)
        more = f" (+{self.count - len(self.first)} more)" if self.count > len(self.first) else ""
        return shown + more


def states_equal(expected: dict, got: dict) -> bool:
    """The fast check every sample makes: whole elements compared as machine words (a
    16 MiB DRAM in well under a millisecond); `diff_states` runs only when this fails."""
    for name, want in expected.items():
        have = got[name]
        if want.shape != have.shape or want.dtype != have.dtype:
            return False
        a, b = np.ascontiguousarray(want).reshape(-1).view(np.uint8), np.ascontiguousarray(have).reshape(-1).view(np.uint8)
        if a.size % 8 == 0:
            a, b = a.view(np.uint64), b.view(np.uint64)
        if not np.array_equal(a, b):
            return False
    return True


def diff_states(expected: dict, got: dict) -> list[Divergence]:
    """Every state element whose contents differ, with the first differing indices."""
    out = []
    for name, want in expected.items():
        have = got[name]
        if want.shape != have.shape:
            out.append(Divergence(name, want.size, (((), f"shape {want.shape}", f"shape {have.shape}"),)))
            continue
        if np.array_equal(want, have):
            continue
        where = np.argwhere(want != have) if want.ndim else np.zeros((1, 0), dtype=int)
        first = tuple((tuple(int(i) for i in idx), int(want[tuple(idx)]), int(have[tuple(idx)]))
                      for idx in where[:MAX_LISTED])
        out.append(Divergence(name, len(where), first))
    return out
