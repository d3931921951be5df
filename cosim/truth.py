"""Ground truth: the whole workload in RTL, cached by the content that determines its cycles.

The key covers the machine's spec digest (with parameter overrides), a hash of the
generated design (Verilog and the C++ shim that clocks it: the microarchitecture being
measured, so a change in `hls/` or `rtlgen/` invalidates it), the kind of target and the
workload's content as the target gives it (its binary and initial state, or a program's
digest), never a name alone. Entries live in `$DCSIM_CACHE/truth/` (default
`~/.cache/dcsim/truth/`) as JSON, with the wall time the full RTL run took, so a cached
truth still reports the speedup measured when it ran (`cached` says so). The per-unit
cycles are kept at the unit size of the run that made the entry; an entry whose units
do not divide the units asked for is made again.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from spec import ir
from spec.cache import cache_dir
from spec.memo import MachineMemo

from .delta import base_key

TRUTH_FORMAT = 2                  # bump when a cached truth's fields or key change


def truth_dir() -> Path:
    """Where full-RTL truths are cached."""
    return cache_dir("truth")


_DESIGNS: MachineMemo[str] = MachineMemo()


def design_hash(machine: ir.Machine) -> str:
    """A hash of the RTL generated for `machine` and of the shim that drives it."""
    def design(m: ir.Machine) -> str:
        from rtlgen.engine import generate_artifacts
        art = generate_artifacts(m)
        return hashlib.sha256((art.top + art.verilog + art.shim).encode()).hexdigest()[:16]
    return _DESIGNS.get(machine, design)


def content_key(*parts) -> str:
    """A hash of strings, bytes, numpy arrays and dicts of arrays (an architectural state)."""
    h = hashlib.sha256()
    for part in parts:
        if isinstance(part, dict):
            h.update(base_key(part).encode())
        elif isinstance(part, np.ndarray):
            h.update(str((part.dtype, part.shape)).encode())
            h.update(np.ascontiguousarray(part).view(np.uint8).reshape(-1).data)
        else:
            h.update(json.dumps(part).encode() if not isinstance(part, bytes) else part)
        h.update(b"\0")
    return h.hexdigest()[:24]


def cached_truth(machine: ir.Machine, kind: str, content: list, unit: int, run, use_cache: bool = True) -> dict:
    """`run()`'s full RTL result ({'cycles', 'per_unit', ...}) with 'seconds' (its wall time),
    'unit', 'design' and 'cached'; from the cache when an entry for this machine, design and
    content holds units that divide `unit`."""
    design = design_hash(machine)
    path = truth_dir() / f"{kind}-{content_key(TRUTH_FORMAT, kind, machine.digest, design, *content)}.json"
    cached = read_cached(path, unit) if use_cache else None
    if cached is not None:
        return cached
    t0 = time.perf_counter()
    truth = {**run(), "seconds": time.perf_counter() - t0, "unit": unit, "design": design}
    write_cached(path, truth)
    return {**truth, "cached": False}


def read_cached(path: Path, unit: int) -> dict | None:
    """A cached full run with its per-unit cycles regrouped to units of `unit`, and
    'cached': True; None if there is none, it is torn, or its units do not divide `unit`."""
    if not path.exists():
        return None
    try:
        cached = json.loads(path.read_text())
        per_unit = _regroup(cached["per_unit"], cached["unit"], unit)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return None if per_unit is None else {**cached, "per_unit": per_unit, "cached": True}


def write_cached(path: Path, truth: dict):
    """Write a full run's record atomically (a killed run leaves no torn entry)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(truth))
    os.replace(tmp, path)


def _regroup(per_unit: list, unit: int, wanted: int) -> list | None:
    """Per-unit cycles for units of `wanted` from units of `unit` (if it divides)."""
    if wanted % unit:
        return None
    k = wanted // unit
    return [sum(per_unit[i:i + k]) for i in range(0, len(per_unit), k)]
