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

from spec.pages import PAGE, paged_size


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
    """A hash of a state. A large element is hashed as the numbers and bytes of its non-zero
    pages: a workload's 16 MiB DRAM is mostly zeros, and hashing it whole cost 15 ms of every
    sampled run (finding its non-zero pages costs 1 ms)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(name.encode())
        if is_paged(a):
            pages = page_view(a)
            used = np.flatnonzero(pages.view(np.uint64).any(axis=1)).astype(np.int64)
            h.update(b"pages")
            h.update(used.data)
            h.update(np.ascontiguousarray(pages[used]).data)
        else:
            h.update(a.view(np.uint8).reshape(-1).data)
    return h.hexdigest()[:16]


def is_paged(a: np.ndarray) -> bool:
    """Large elements travel as pages (the rule of `spec.pages.is_tracked`)."""
    return paged_size(a.nbytes)


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


def pages_union(*indices) -> np.ndarray:
    """The sorted distinct page numbers of all `indices`. Not np.union1d: np.unique imports
    numpy.ma on first use, 16 ms of every sample worker's start."""
    every = np.sort(np.concatenate([np.asarray(i, dtype=np.int64) for i in indices]))
    return every[np.concatenate(([True], every[1:] != every[:-1]))] if len(every) else every


def pages_minus(a, b) -> np.ndarray:
    """The sorted distinct page numbers of `a` that are not in `b` (see `pages_union`)."""
    a, b = pages_union(a), pages_union(b)
    if not len(b):
        return a
    at = np.minimum(np.searchsorted(b, a), len(b) - 1)
    return a[b[at] != a]


class Checkpoints:
    """States a campaign's fast-forward has passed, kept so that a later pass starts each walk
    at the nearest one instead of at the workload's start.

    A second pass measures a few more units spread over the whole workload; walking to them
    from the start again cost ~0.1 s of the sampled `long` (3.2e6 commands). Every first-pass
    task already carries its state as a `Delta` against the base, so those are the
    checkpoints: the walking model jumps to the latest one at or before the next unit
    (`skip_ahead`), by pages, and walks only the rest. The model must track its written
    pages and drop queued commands (`CSimulator.changed_pages`, `clean`, `drop`); others
    always walk."""

    def __init__(self, base: dict):
        self.base = base
        self.at: dict[int, Delta] = {}          # commands retired -> the state there
        self.walker, self.held = None, {}       # the walking model; pages it holds apart from the base
                                                # besides its changed_pages (those of its last checkpoint)

    def start(self, sim):
        """`sim` walks from here, holding the base state since its last `clean()`."""
        self.walker, self.held = sim, {}

    def changed(self, sim):
        """`make_delta`'s `changed` for the walking model: the pages it may hold apart from the
        base (None: unknown, compare)."""
        if not hasattr(sim, "changed_pages"):
            return None
        if sim is not self.walker:
            raise ValueError("not the walking model of these checkpoints (Checkpoints.start it)")
        held = self.held

        def pages(name):
            now = sim.changed_pages(name)
            return now if now is None or name not in held else pages_union(held[name], now)
        return pages

    def keep(self, retired: int, delta: Delta):
        self.at[retired] = delta

    def skip_ahead(self, sim, position: int) -> bool:
        """Move `sim` to the latest checkpoint after where it is and at or before command
        `position`, if there is one and the model can jump; True if it moved."""
        best = max((r for r in self.at if sim.retired < r <= position), default=None)
        if best is None or sim is not self.walker or not all(hasattr(sim, f) for f in ("clean", "drop", "changed_pages")):
            return False
        delta, changed = self.at[best], self.changed(sim)
        for name, array in sim.state.items():
            if name in delta.whole:
                np.copyto(array, delta.whole[name])
                continue
            index, data = delta.pages[name]
            now = changed(name)
            back = pages_minus(now, index) if now is not None else np.arange(len(page_view(array)))
            page_view(array)[back] = page_view(self.base[name])[back]
            page_view(array)[index] = data
        sim.drop(best - sim.retired)
        sim.retired = best
        sim.clean()
        self.held = {name: index for name, (index, _) in delta.pages.items()}
        return True


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
                back = pages_minus(self.stale[name], index)
                page_view(array)[back] = page_view(base[name])[back]
                touched[name] = pages_union(back, index)
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
        self.stale = {name: pages_union(index, reference.changed_pages(name))
                      for name, (index, _) in delta.pages.items()}
