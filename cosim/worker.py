"""What a worker process keeps between samples: per machine, one RTL engine (a cached
Verilator build, loaded once) and one reference simulator, and arrays to extract states into.

Sample tasks name their machine by path and parameter overrides, so that they pickle
small; a worker loads each machine once."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from fastforward.backends import make_simulator
from spec import load_machine


_GIVEN: dict[tuple, object] = {}


def remember_machine(path: str, overrides: tuple, machine):
    """Hand this worker the machine at (`path`, `overrides`) that the process which forked it
    already holds (the same object, shared copy-on-write): loading it again from its YAML
    cost ~55 ms of every worker's start."""
    _GIVEN[(path, overrides)] = machine


@lru_cache(maxsize=4)
def worker_machine(path: str, overrides: tuple):
    """The machine at `path` with `overrides` ((param, value), ...), loaded once per process
    (or handed over, `remember_machine`)."""
    given = _GIVEN.get((path, overrides))
    return given if given is not None else load_machine(path, dict(overrides))


@lru_cache(maxsize=None)
def worker_models(path: str, overrides: tuple, backend: str):
    """(RTL engine, reference simulator) of a machine in this process: built once, never
    evicted (a process sees few machines; freeing a Verilated model mid-run is not safe)."""
    from rtlgen.engine import RtlEngine
    machine = worker_machine(path, overrides)
    return RtlEngine(machine), make_simulator(machine, backend)


def prepare_worker(path: str, overrides: tuple, backend: str, base_key: str | None = None):
    """Load this worker's models before its first sample arrives; with `base_key` (the
    campaign's base state, installed in this worker) on a queue machine, also put that state
    into both models (`queue_sample.prime_worker`)."""
    worker_models(path, overrides, backend)
    if base_key is not None and worker_machine(path, overrides).fetch is None:
        from .queue_sample import prime_worker
        prime_worker(path, overrides, backend, base_key)


def worker_engine(path: str, overrides: tuple):
    """This process's RTL engine of a machine (full-RTL runs use it too)."""
    return worker_models(path, overrides, "c")[0]


_BUFFERS: dict[int, dict] = {}


def state_buffer(rtl) -> dict:
    """Arrays this worker extracts an engine's state into, allocated once per engine (a
    fresh 16 MiB DRAM array per sample costs its page faults every time)."""
    if id(rtl) not in _BUFFERS:
        _BUFFERS[id(rtl)] = {e["name"]: np.empty(e["shape"], e["dtype"]) for e in rtl.manifest["state"]}
    return _BUFFERS[id(rtl)]
