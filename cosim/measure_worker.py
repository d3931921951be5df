"""The measuring process of `dcsim measure gemm`: `python -m cosim.measure_worker` < job.json.

Why a separate process: BLAS libraries read their thread count (OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS, MKL_NUM_THREADS) once, when numpy is imported, and the dcsim process has
imported numpy long before it parses --threads. The parent (`cosim.measure`) sets those
variables in this process's environment; here they are read back (with threadpoolctl
when it is installed, which also sees what the library really uses) and reported.

Protocol: the job is one JSON object on stdin; every line on stdout is one JSON object:
first {"info": {...}} (device, library, threads) or {"error": message}, then per shape
{"point": {...}} or {"error": message}, in order.
"""
from __future__ import annotations

import json
import os
import sys

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS")


def thread_report() -> dict:
    """How many threads the BLAS uses, and how we know."""
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return {"threads": max(int(p["num_threads"]) for p in pools), "threads_from": "threadpoolctl",
                    "blas_internal": ", ".join(f"{p.get('internal_api')} {p.get('version')}" for p in pools)}
    except ImportError:
        pass
    value = next((os.environ[v] for v in THREAD_VARS if os.environ.get(v)), None)
    return {"threads": int(value) if value and value.isdigit() else None,
            "threads_from": "environment (OPENBLAS/OMP/MKL_NUM_THREADS)" if value else "library default"}


def available_bytes() -> int | None:
    """Memory a measurement may use on the host: MemAvailable, else physical pages."""
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def open_backend(device: str, torch=None, threads: int = 1):
    """The back end for `device` ('cpu' -> numpy; 'cuda[:N]' -> torch). `torch` may be a stand-in."""
    from .measure_timing import MeasureError, NumpyBackend, TorchBackend
    if device == "cpu":          # one BLAS thread: time it by its own CPU time (measure_timing)
        return NumpyBackend(clock="thread" if threads == 1 else "wall")
    if torch is None:
        try:
            import torch
        except ImportError:
            raise MeasureError(f"device {device} needs PyTorch, which is not installed (dcsim does not require it): "
                               "pip install torch (a CUDA build), or measure the host CPU with --device cpu") from None
    if not torch.cuda.is_available():
        raise MeasureError(f"no CUDA device: torch {getattr(torch, '__version__', '?')} sees no GPU "
                           "(torch.cuda.is_available() is False); measure the host CPU with --device cpu")
    index = int(device.partition(":")[2] or 0)
    if index >= torch.cuda.device_count():
        raise MeasureError(f"no device {device}: torch sees {torch.cuda.device_count()} CUDA device(s); "
                           f"use cuda:0 .. cuda:{torch.cuda.device_count() - 1}")
    return TorchBackend(torch, device)


def check_memory(backend, shapes: list, free: int | None) -> None:
    """Refuse, before measuring anything, a shape whose operands do not fit (with a 2× margin
    for the generator's temporaries)."""
    from .measure_timing import MeasureError, gemm_bytes
    if free is None:
        return
    for m, k, n, dtype, *_ in shapes:
        need = 2 * gemm_bytes(m, k, n, *backend.itemsizes(dtype))
        if need > free:
            raise MeasureError(f"gemm {m},{k},{n} ({dtype}) needs {need / 2**30:.1f} GiB with operands and "
                               f"temporaries, {free / 2**30:.1f} GiB is available on {backend_device(backend)}: "
                               "drop the shape from the sweep or lower its largest dimensions")


def backend_device(backend) -> str:
    return getattr(backend, "device", "cpu")


def measure(job: dict, emit, backend=None) -> None:
    """Run `job` (shapes [[M, K, N, dtype, split], ...], repeats, warmup, min_repeat_s),
    calling `emit(obj)` with the info object and then one point per shape."""
    from .measure_timing import MeasureError, time_gemm
    try:
        backend = backend or open_backend(job["device"], threads=job.get("threads", 1))
        shapes = job["shapes"]
        for dtype in sorted({s[3] for s in shapes}):
            backend.check_dtype(dtype)
        free = backend.free_bytes() if hasattr(backend, "free_bytes") else None
        check_memory(backend, shapes, free if free is not None else available_bytes())
    except MeasureError as exc:
        emit({"error": str(exc)})
        return
    emit({"info": {**backend.describe(), **thread_report(), "device": job["device"]}})
    for m, k, n, dtype, split in shapes:
        try:
            t = time_gemm(backend, m, k, n, dtype, repeats=job.get("repeats", 7), warmup=job.get("warmup", 2),
                          min_repeat_s=job.get("min_repeat_s", 2e-4))
        except (MeasureError, MemoryError, RuntimeError) as exc:
            emit({"error": f"gemm {m},{k},{n} ({dtype}): {exc}"})
            return
        emit({"point": {"M": m, "K": k, "N": n, "dtype": dtype, "split": split, **t.as_dict()}})


def main() -> int:
    job = json.loads(sys.stdin.read())

    def emit(obj):
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()
    measure(job, emit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
