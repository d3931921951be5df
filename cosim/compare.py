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
