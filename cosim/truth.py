"""Ground truth: the whole workload in RTL, cached by workload + design hash.

The cache key covers everything the full run's cycles depend on: the machine's spec
digest (with parameter overrides), a hash of the generated Verilog (the microarchitecture,
so a change in `hls/` or `rtlgen/` invalidates it), the workload's name and seed, ; the
per-unit cycles are kept at the unit size of the run that made the entry. Entries live in `$DCSIM_CACHE/truth/` (default
`~/.cache/dcsim/truth/`) as JSON, with the wall time the full RTL run took, so a cached
truth still reports the speedup measured when it ran (`truth_cached` says so). An entry
whose units do not divide the units asked for is made again.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from spec import ir
from spec.cache import cache_dir
from spec.memo import MachineMemo

from .sample import ground_truth


def truth_dir() -> Path:
    """Where full-RTL truths are cached."""
    return cache_dir("truth")


_DESIGNS: MachineMemo[str] = MachineMemo()


def design_hash(machine: ir.Machine) -> str:
    """A hash of the RTL generated for `machine` (the microarchitecture being measured)."""
    def design(m: ir.Machine) -> str:
        from rtlgen.engine import generate_artifacts
        art = generate_artifacts(m)
        return hashlib.sha256((art.top + art.verilog).encode()).hexdigest()[:16]
    return _DESIGNS.get(machine, design)


def truth_key(machine: ir.Machine, workload_name: str, seed: int) -> str:
    text = json.dumps([machine.digest, design_hash(machine), workload_name, seed])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def full_rtl(machine: ir.Machine, workload, seed: int, unit: int, *, use_cache: bool = True,
             progress=None) -> dict:
    """{'cycles', 'per_unit', 'seconds', 'cached'} of the whole workload in RTL."""
    path = truth_dir() / f"{truth_key(machine, workload.name, seed)}.json"
    cached = read_cached(path, unit) if use_cache else None
    if cached is not None:
        return cached
    from .campaign import base_state, encoded_commands
    initial = base_state(machine, workload)
    binary = encoded_commands(machine, workload.commands)       # the workload's binary, as the sampled run gets it
    t0 = time.perf_counter()
    run = ground_truth(str(machine.path), tuple(sorted(machine.params)), initial, binary, unit, progress=progress)
    truth = {"cycles": run["cycles"], "per_unit": run["per_unit"], "seconds": time.perf_counter() - t0,
             "workload": workload.name, "commands": len(workload.commands), "design": design_hash(machine),
             "unit": unit}
    write_cached(path, truth)
    return {**truth, "cached": False}


def read_cached(path: Path, unit: int) -> dict | None:
    """A cached full run with its per-unit cycles regrouped to units of `unit`, and
    'cached': True; None if there is none, it is torn, or its units do not divide `unit`
    (then the full run has to be made again)."""
    if not path.exists():
        return None
    try:
        cached = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    per_unit = _regroup(cached["per_unit"], cached["unit"], unit)
    return None if per_unit is None else {**cached, "per_unit": per_unit, "cached": True}


def write_cached(path: Path, truth: dict):
    """Write a full run's record atomically (a killed run leaves no torn entry)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(truth))
    os.replace(tmp, path)


def _regroup(per_unit: list, unit: int, wanted: int) -> list | None:
    """Per-unit cycles for units of `wanted` commands from units of `unit` (if it divides)."""
    if wanted % unit:
        return None
    k = wanted // unit
    return [sum(per_unit[i:i + k]) for i in range(0, len(per_unit), k)]
