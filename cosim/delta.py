"""Moving architectural states as differences from a campaign's base state.

A sample task does not carry the whole architectural state: the default NPU's DRAM alone
is 16 MiB. Every worker holds the campaign's *base* state (the workload's initial state,
sent once per worker: `install_base`), and a task carries only a `Delta`, the pages of
each large state element that differ from the base plus the small elements whole
(large = tracked by the compiled model, `fastforward.dirty`).

Both ends avoid touching the whole of a large element:
- `make_delta` takes the pages the fast-forwarding model has written since the base
  (`CSimulator.changed_pages`) instead of comparing 16 MiB against the base;
- a worker's `Resident` remembers which pages its reference model and its RTL may hold
  apart from the base after a sample (the task's pages plus those the sample wrote), and
  restoring the next task rewrites only those and the new task's pages, in both models.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from fastforward.dirty import MIN_BYTES, PAGE


@dataclass(frozen=True)
class Delta:
    """A state as differences from a base: name -> array (whole) or (page indices, pages)."""
    base_key: str
    whole: dict
    pages: dict

    @property
    def nbytes(self) -> int:
        return (sum(a.nbytes for a in self.whole.values())
                + sum(p.nbytes + i.nbytes for i, p in self.pages.values()))


def base_key(arrays: dict) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        h.update(name.encode())
        h.update(np.ascontiguousarray(arrays[name]).view(np.uint8).reshape(-1).data)
    return h.hexdigest()[:16]


def is_paged(a: np.ndarray) -> bool:
    """Large elements travel as pages (the rule of `fastforward.dirty.is_tracked`)."""
    return a.nbytes > MIN_BYTES and a.nbytes % PAGE == 0


def page_view(a: np.ndarray) -> np.ndarray:
    """(pages, PAGE) uint8 view of a contiguous array."""
    return a.reshape(-1).view(np.uint8).reshape(-1, PAGE)


def make_delta(arrays: dict, base: dict, key: str, changed=None) -> Delta:
    """Pages of each large element that differ from `base`; small elements whole (copied).
    `changed(name)`: the pages that may differ (a simulator's `changed_pages` since it held
    `base`), or None to find them by comparing with `base`."""
    whole, pages = {}, {}
    for name, a in arrays.items():
        if not is_paged(a):
            whole[name] = a.copy()
            continue
        index = changed(name) if changed is not None else None
        if index is None:
            now, then = page_view(a).view(np.uint64), page_view(base[name]).view(np.uint64)
            index = np.flatnonzero((now != then).any(axis=1))
        pages[name] = (index.astype(np.int32), page_view(a)[index].copy())
    return Delta(key, whole, pages)


def apply_delta(target: dict, base: dict, delta: Delta):
    """Write base + delta into the arrays of `target` in place."""
    for name, array in target.items():
        if name in delta.whole:
            np.copyto(array, delta.whole[name])
            continue
        np.copyto(array, base[name])
        index, data = delta.pages[name]
        if len(index):
            page_view(array)[index] = data


_BASES: dict[str, dict] = {}


def install_base(key: str, arrays: dict):
    """Keep a campaign's base state in this process (a pool initializer, or inline)."""
    if key not in _BASES:
        _BASES.clear()                  # one campaign at a time per worker: bound memory
        _BASES[key] = arrays


def installed_base(key: str) -> dict:
    base = _BASES.get(key)
    if base is None:
        raise RuntimeError(f"worker has no base state {key} (install_base was not run)")
    return base


class Resident:
    """What a worker's reference simulator and RTL engine hold between samples.

    After a sample whose RTL state matched the reference, both hold the same state: the base
    except in `stale[name]`, the task's pages plus the pages the reference wrote during the
    sample (`changed_pages` since `clean()` at restore). The next restore then writes only
    those pages and the new task's, instead of two 16 MiB copies. Anything that may have
    left the models elsewhere forgets it (then the next restore is whole): another base,
    a divergence, a reference without page tracking (the Python backend), or the engine
    used in between (its `generation` moved)."""

    def __init__(self):
        self.key, self.stale, self.generation = None, None, None

    def restore(self, reference, rtl, base: dict, delta: Delta, retired: int) -> bool:
        """Put base + delta into both models (the RTL at commands/instructions `retired`);
        True if by pages, False if whole."""
        known = (self.stale is not None and self.key == delta.base_key and rtl.generation == self.generation
                 and hasattr(reference, "clean"))
        touched = {}
        for name, array in reference.state.items():
            if name in delta.whole:
                np.copyto(array, delta.whole[name])
                continue
            index, data = delta.pages[name]
            if known:
                back = np.setdiff1d(self.stale[name], index, assume_unique=False)
                page_view(array)[back] = page_view(base[name])[back]
                touched[name] = np.union1d(back, index)
            else:
                np.copyto(array, base[name])
            if len(index):
                page_view(array)[index] = data
        if hasattr(reference, "clean"):
            reference.clean()
        rtl.reset()
        by_pages = {name for name in touched if name in rtl.flat}
        rtl.inject(reference.state, retired=retired, skip=by_pages)
        for name in by_pages:
            if len(touched[name]):
                rtl.write_pages(name, touched[name], page_view(reference.state[name])[touched[name]], PAGE)
        self.key, self.stale, self.generation = delta.base_key, None, rtl.generation
        return known

    def settle(self, reference, delta: Delta, state_ok: bool):
        """After the sample: remember which pages both models may now hold apart from the base."""
        if not state_ok or not hasattr(reference, "changed_pages"):
            self.stale = None
            return
        self.stale = {name: np.union1d(index, reference.changed_pages(name))
                      for name, (index, _) in delta.pages.items()}
