"""The compiled core of the packet model: `packet_core.c` built once into the cache, via ctypes.

`spec.cbuild` compiles the C file into `$DCSIM_CACHE/c/<sha256>/` (the hash covers
the source, the compiler and its flags), so the first run on a machine pays about a second
of compilation and every later run is a directory lookup. The core runs the same event
loop as the Python reference in `packet.py` and gives bit-identical results
(`tests/test_packet_core.py` checks this on random topologies and workloads).

Python does what needs the topology — routes, dependents, per-link constants — and hands
numpy arrays to C; the arrays stay referenced here for as long as the core runs.
"""
from __future__ import annotations

import ctypes
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from .errors import NetworkError

__all__ = ["available", "run_core"]

SOURCE = Path(__file__).with_name("packet_core.c")
# events per call into C: about a third of a second, so Ctrl-C is honoured promptly
BUDGET = 1 << 23

_p = ctypes.c_void_p
_i64, _f64 = ctypes.c_int64, ctypes.c_double


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    from spec.cbuild import load_library       # why here: importing network stays light
    from spec.errors import DcsimError
    try:
        lib = load_library(SOURCE.read_text(), name="packet_core", opt="-O2")
    except DcsimError as exc:
        raise NetworkError(f"the packet model's C core could not be built: {exc}",
                           "install a C compiler (or set CC=...), or use "
                           "PacketModel(core='py'), the Python reference") from None
    lib.pk_new.restype = _p
    lib.pk_new.argtypes = [_i64, _i64] + [_p] * 14 + [_f64, ctypes.c_int, _f64, _f64]
    lib.pk_run.restype = ctypes.c_int
    lib.pk_run.argtypes = [_p, _i64]
    lib.pk_stats.restype = None
    lib.pk_stats.argtypes = [_p, _p]
    lib.pk_free.restype = None
    lib.pk_free.argtypes = [_p]
    return lib


def available() -> bool:
    """Whether the C core can be built and loaded here (a C compiler is on PATH)."""
    try:
        _library()
    except NetworkError:
        return False
    return True


def _ptr(a: np.ndarray) -> int:
    return a.ctypes.data


def run_core(routes: list[tuple[int, ...]], deps: list[tuple[int, ...]], lastk: np.ndarray,
             lastsz: np.ndarray, remaining: np.ndarray, start: np.ndarray,
             duration: np.ndarray, inv_bw: np.ndarray, hop_lat: np.ndarray, mtu: float,
             cap: float | None, rto: float) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Run the event loop in C. `remaining` (packets per message) is updated in place.

    Returns ready and finish times per message, the events processed and the drops."""
    lib = _library()
    n = len(routes)
    if n >= 2**31 - 1:
        raise NetworkError(f"{n:,} messages are more than the packet core's 2^31 - 1")
    lengths = np.fromiter((len(r) + 1 for r in routes), dtype=np.int64, count=n)
    route_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=route_off[1:])
    route = np.fromiter(chain.from_iterable(r + (-1,) for r in routes), dtype=np.int32,
                        count=int(route_off[-1]))
    n_deps = np.fromiter((len(d) for d in deps), dtype=np.int64, count=n)
    waiting = n_deps.astype(np.int32)
    targets = np.fromiter(chain.from_iterable(deps), dtype=np.int64, count=int(n_deps.sum()))
    sources = np.repeat(np.arange(n, dtype=np.int32), n_deps)
    # dependents of m in increasing id, as Workload.dependents lists them (release order
    # decides sequence numbers, which break ties between equal times)
    order = np.argsort(targets, kind="stable")
    dep = np.ascontiguousarray(sources[order], dtype=np.int32)
    dep_off = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(targets, minlength=n), out=dep_off[1:])
    arrays = [np.ascontiguousarray(a, dtype=np.float64) for a in
              (lastsz, start, duration, inv_bw, hop_lat)]
    lastsz, start, duration, inv_bw, hop_lat = arrays
    lastk = np.ascontiguousarray(lastk, dtype=np.int64)
    assert remaining.dtype == np.int64 and remaining.flags.c_contiguous
    ready = np.full(n, np.nan)
    finish = np.full(n, np.nan)
    ctx = lib.pk_new(n, len(inv_bw), _ptr(route_off), _ptr(route), _ptr(lastk), _ptr(lastsz),
                     _ptr(start), _ptr(duration), _ptr(dep_off), _ptr(dep), _ptr(waiting),
                     _ptr(remaining), _ptr(ready), _ptr(finish), _ptr(inv_bw), _ptr(hop_lat),
                     float(mtu), int(cap is not None), float(cap or 0.0), float(rto))
    if not ctx:
        raise MemoryError("the packet core could not allocate its queues")
    try:
        while True:
            status = lib.pk_run(ctx, BUDGET)
            if status == 0:
                break
            if status < 0:
                raise MemoryError("the packet core ran out of memory for its event queues")
        stats = np.zeros(3, dtype=np.int64)
        lib.pk_stats(ctx, _ptr(stats))
    finally:
        lib.pk_free(ctx)
    return ready, finish, int(stats[0]), int(stats[1])
