"""Timing one GEMM on real hardware: the back ends and the repeat-and-summarise harness.

A back end turns (M, K, N, dtype) into a zero-argument `run()` that performs the GEMM
once on the device, and times `inner` back-to-back calls with the device's own clock:

* `NumpyBackend` (device `cpu`): numpy's matmul, i.e. the BLAS numpy was built with for
  float32/float64; int8 is multiplied with int32 accumulation (`np.matmul(..., dtype=int32)`),
  which numpy runs in its own loops, not in BLAS (the CSV header says so).
* `TorchBackend` (device `cuda[:N]`, or `cpu` tensors): `torch.matmul`; on a GPU timed
  with CUDA events recorded around the calls after warm-up (host timers would measure the
  launch, not the kernel). The torch module is passed in, so the harness is tested
  without a GPU or even without torch, on a stub object with the few calls used here.

Which clock: for the CPU with one BLAS thread, the measuring thread's CPU time
(`time.thread_time_ns`): BLAS runs the whole GEMM on that thread, so time the OS gives
to other processes is not counted (on this project's 2 shared cores, wall time of a
160 ms GEMM varied by 40% from run to run, its thread CPU time by 3%). Cache and memory
contention from the neighbours still counts. The wall-clock median is kept beside it
(`wall`). With more threads the CPU time of one thread means nothing and the clock is wall
time; on a GPU it is the CUDA events.

`time_gemm` warms up, picks `inner` so that one timed repeat lasts at least `min_repeat_s`
(a 1 µs GEMM timed alone is mostly timer), and summarises the repeats (`Timing`): the
median is the value, the slowest repeat is reported beside it, and repeats slower than
median + 3·1.4826·MAD (a robust 3σ) are counted as outliers. On a shared machine
outliers are other processes taking the core, so the median, not the mean, is the figure.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from spec.errors import DcsimError

__all__ = ["MeasureError", "Timing", "summarize", "time_gemm", "NumpyBackend", "TorchBackend",
           "NUMPY_DTYPES", "TORCH_DTYPES", "gemm_bytes"]

NUMPY_DTYPES = {"float32": ("float32", "float32"), "float64": ("float64", "float64"), "int8": ("int8", "int32")}
TORCH_DTYPES = ("float32", "float16", "bfloat16")
OUTLIER_SIGMAS = 3.0


class MeasureError(DcsimError):
    pass


@dataclass(frozen=True)
class Timing:
    """Seconds per GEMM over `repeats` timed repeats of `inner` calls each."""
    median: float
    worst: float
    best: float
    mad: float
    repeats: int
    inner: int
    outliers: int
    wall: float = 0.0               # median wall-clock seconds per GEMM (= median when the clock is wall)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def summarize(per_call: list[float], inner: int = 1, wall: list[float] | None = None) -> Timing:
    """Median, slowest, fastest, MAD and outlier count of per-call seconds."""
    t = np.asarray(per_call, dtype=float)
    if t.size == 0 or np.any(t <= 0) or not np.all(np.isfinite(t)):
        raise MeasureError("timing produced no positive durations (clock too coarse for this shape?)")
    med = float(np.median(t))
    mad = float(np.median(np.abs(t - med)))
    limit = med + OUTLIER_SIGMAS * 1.4826 * mad
    return Timing(med, float(t.max()), float(t.min()), mad, int(t.size), inner, int((t > limit).sum()) if mad else 0,
                  float(np.median(wall)) if wall else med)


def gemm_bytes(m: int, k: int, n: int, itemsize: int, out_itemsize: int) -> int:
    return (m * k + k * n) * itemsize + m * n * out_itemsize


def time_gemm(backend, m: int, k: int, n: int, dtype: str, *, repeats: int = 7, warmup: int = 2,
              min_repeat_s: float = 2e-4) -> Timing:
    """Time C = A·B for A (m×k), B (k×n) on `backend` (module docstring)."""
    run = backend.prepare(m, k, n, dtype)
    for _ in range(warmup):                     # first touch of the operands, library init, clocks up
        backend.time_calls(run, 1)
    one = min(backend.time_calls(run, 1)[1] for _ in range(2))  # calibration: wall time of one warm call
    inner = max(1, min(10_000, int(np.ceil(min_repeat_s / max(one, 1e-9)))))
    timed = [backend.time_calls(run, inner) for _ in range(repeats)]
    return summarize([t / inner for t, _ in timed], inner, [w / inner for _, w in timed])


# ------------------------------------------------------------------ numpy / BLAS
class NumpyBackend:
    """The host CPU through numpy (BLAS for float32/float64)."""
    name = "numpy"

    def __init__(self, seed: int = 0, clock: str = "thread"):
        if clock not in ("thread", "wall"):
            raise MeasureError(f"clock must be thread or wall, not '{clock}'")
        self.rng, self.clock = np.random.default_rng(seed), clock

    @staticmethod
    def check_dtype(dtype: str) -> None:
        if dtype not in NUMPY_DTYPES:
            raise MeasureError(f"numpy (device cpu) has no GEMM for dtype '{dtype}'; "
                               f"use one of {', '.join(NUMPY_DTYPES)}")

    def itemsizes(self, dtype: str) -> tuple[int, int]:
        self.check_dtype(dtype)
        return tuple(np.dtype(d).itemsize for d in NUMPY_DTYPES[dtype])

    def prepare(self, m, k, n, dtype):
        self.check_dtype(dtype)
        src, acc = NUMPY_DTYPES[dtype]
        if src == "int8":
            a = self.rng.integers(-128, 128, (m, k), dtype=np.int8)
            b = self.rng.integers(-128, 128, (k, n), dtype=np.int8)
        else:
            a = self.rng.standard_normal((m, k)).astype(src)
            b = self.rng.standard_normal((k, n)).astype(src)
        out = np.empty((m, n), dtype=acc)
        return lambda: np.matmul(a, b, out=out, dtype=acc)

    def time_calls(self, run, inner: int) -> tuple[float, float]:
        """(seconds by this back end's clock, wall seconds) of `inner` back-to-back calls."""
        return _host_time(run, inner, self.clock)

    def describe(self) -> dict:
        clock = ("thread CPU time (time.thread_time_ns; time given to other processes not counted)"
                 if self.clock == "thread" else "wall clock (time.perf_counter_ns)")
        return {"library": f"numpy {np.__version__}", "blas": _numpy_blas(), "clock": self.clock,
                "timer": f"{clock} around back-to-back calls"}


def _host_time(run, inner: int, clock: str) -> tuple[float, float]:
    c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
    for _ in range(inner):
        run()
    wall = (time.perf_counter_ns() - t0) * 1e-9
    return ((time.thread_time_ns() - c0) * 1e-9 if clock == "thread" else wall), wall


def _numpy_blas() -> str:
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:               # older numpy without mode=: the name is only decoration
        return "unknown"


# ------------------------------------------------------------------ PyTorch
class TorchBackend:
    """`torch.matmul` on `device`; CUDA devices are timed with CUDA events."""
    name = "torch"

    def __init__(self, torch, device: str = "cuda"):
        self.torch, self.device = torch, device
        self.cuda = device.startswith("cuda")

    def check_dtype(self, dtype: str):
        if dtype not in TORCH_DTYPES or getattr(self.torch, dtype, None) is None:
            raise MeasureError(f"torch on {self.device} has no GEMM dtype '{dtype}' here; use one of "
                               f"{', '.join(d for d in TORCH_DTYPES if getattr(self.torch, d, None) is not None)}")
        return getattr(self.torch, dtype)

    def itemsizes(self, dtype: str) -> tuple[int, int]:
        size = 4 if dtype == "float32" else 2
        return size, size

    def prepare(self, m, k, n, dtype):
        t = self.check_dtype(dtype)
        a = self.torch.randn(m, k, device=self.device, dtype=t)
        b = self.torch.randn(k, n, device=self.device, dtype=t)
        return lambda: self.torch.matmul(a, b)

    def time_calls(self, run, inner: int) -> tuple[float, float]:
        if not self.cuda:
            return _host_time(run, inner, "wall")
        start = self.torch.cuda.Event(enable_timing=True)
        end = self.torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            run()
        end.record()
        end.synchronize()
        seconds = start.elapsed_time(end) * 1e-3        # CUDA events count milliseconds
        return seconds, seconds

    def free_bytes(self) -> int | None:
        if not self.cuda:
            return None
        free, _total = self.torch.cuda.mem_get_info(self.device)
        return int(free)

    def describe(self) -> dict:
        info = {"library": f"torch {getattr(self.torch, '__version__', '?')}",
                "clock": "cuda-events" if self.cuda else "wall",
                "timer": "CUDA events around back-to-back calls" if self.cuda else "time.perf_counter_ns"}
        if self.cuda:
            info["device_name"] = self.torch.cuda.get_device_name(self.device)
            info["cuda"] = str(getattr(getattr(self.torch, "version", None), "cuda", "?"))
        return info
