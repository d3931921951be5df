"""`dcsim measure gemm`: time real GEMMs on the hardware at hand and write the CSV `dcsim fit --csv` reads.

A sweep config (YAML, the format of hw/curves/npu_sweep.yaml plus `dtype`, `repeats`,
`warmup`) names the training grid and the held-out shapes; every shape is timed in a
separate measuring process (`cosim.measure_worker`: BLAS thread count pinned through the
environment before numpy loads) by a back end of `cosim.measure_timing`. The CSV carries,
in '#' header lines, what a reader needs to trust or reproduce it: the command, device,
library and BLAS versions, thread count, clock, timer, repeats and outliers. Per row: the
median seconds (the value the fit uses), the slowest and fastest repeat, the MAD and the
number of outlying repeats.
"""
from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .fit import load_sweep_config, sweep_shapes
from .measure_timing import NUMPY_DTYPES, TORCH_DTYPES, MeasureError
from .measure_worker import THREAD_VARS
from .paths import hw_dir

__all__ = ["MeasureError", "Sweep", "load_measure_sweep", "measure_gemm", "write_csv", "check_device",
           "CSV_COLUMNS", "BUNDLED_SWEEPS"]

CSV_COLUMNS = ("kernel", "M", "K", "N", "dtype", "seconds", "worst_s", "best_s", "mad_s", "wall_s", "repeats",
               "inner", "outliers", "gflops", "split")
BUNDLED_SWEEPS = {"quick": "cpu_sweep_quick.yaml", "default": "cpu_sweep.yaml", "int8": "cpu_sweep_int8.yaml",
                  "gpu": "gpu_sweep.yaml"}
_DEVICE = re.compile(r"^(cpu|cuda(:[0-9]+)?)$")


@dataclass
class Sweep:
    shapes: list                        # [M, K, N, dtype, split]
    repeats: int = 7
    warmup: int = 2
    source: str = ""


@dataclass
class Measured:
    info: dict
    points: list = field(default_factory=list)
    seconds: float = 0.0


def measured_dir() -> Path:
    return hw_dir() / "curves" / "measured"


def load_measure_sweep(name_or_path: str, dtypes: list[str] | None = None, shapes: list | None = None) -> Sweep:
    """A bundled sweep by name (quick, default, int8, gpu) or a YAML file; `dtypes` replaces
    the config's; `shapes` (explicit M,K,N, all training) replaces its shapes."""
    path = measured_dir() / BUNDLED_SWEEPS[name_or_path] if name_or_path in BUNDLED_SWEEPS else Path(name_or_path)
    if not path.is_file():
        raise MeasureError(f"no sweep '{name_or_path}': give a YAML file or one of {', '.join(BUNDLED_SWEEPS)}")
    cfg = load_sweep_config(path)
    dts = dtypes or list(_as_list(cfg.get("dtype", "float32")))
    grid = [(s, "train") for s in shapes] if shapes else sweep_shapes(cfg, 1)
    rows = [[int(m), int(k), int(n), d, split] for d in dts for (m, k, n), split in grid]
    if any(min(r[:3]) < 1 for r in rows):
        raise MeasureError(f"{path}: every GEMM dimension must be at least 1")
    source = "--shape" if shapes else (f"{name_or_path} (hw/curves/measured/{BUNDLED_SWEEPS[name_or_path]})"
                                       if name_or_path in BUNDLED_SWEEPS else str(path))
    return Sweep(rows, int(cfg.get("repeats", 7)), int(cfg.get("warmup", 2)), source)


def _as_list(v):
    return v if isinstance(v, list) else [v]


def check_device(device: str, dtypes: list[str]) -> None:
    """Errors the parent can give before starting the measuring process."""
    if not _DEVICE.match(device):
        raise MeasureError(f"unknown device '{device}': use cpu (numpy/BLAS) or cuda, cuda:N (PyTorch)")
    offered = NUMPY_DTYPES if device == "cpu" else TORCH_DTYPES
    lib = "numpy (device cpu)" if device == "cpu" else "torch (device cuda)"
    for d in dtypes:
        if d not in offered:
            raise MeasureError(f"{lib} has no GEMM for dtype '{d}': use one of {', '.join(offered)}"
                               + ("; int8 GEMMs are measured on the CPU (--device cpu)" if d == "int8" else ""))
    if device != "cpu":
        import importlib.util
        if importlib.util.find_spec("torch") is None:
            raise MeasureError(f"device {device} needs PyTorch, which is not installed (dcsim does not require "
                               "it): pip install torch (a CUDA build), or measure the host CPU with --device cpu")


def measure_gemm(device: str, sweep: Sweep, *, threads: int = 1, min_repeat_s: float = 2e-4,
                 on_point=None) -> Measured:
    """Time every shape of `sweep` on `device` in a measuring process with `threads` BLAS threads."""
    check_device(device, sorted({s[3] for s in sweep.shapes}))
    job = {"device": device, "shapes": sweep.shapes, "repeats": sweep.repeats, "warmup": sweep.warmup,
           "min_repeat_s": min_repeat_s, "threads": threads}
    env = {**os.environ, **{v: str(threads) for v in THREAD_VARS}}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "cosim.measure_worker"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                            cwd=Path(__file__).resolve().parent.parent)
    proc.stdin.write(json.dumps(job))
    proc.stdin.close()
    result = Measured({})
    try:
        for line in proc.stdout:
            msg = json.loads(line)
            if "error" in msg:
                raise MeasureError(msg["error"])
            if "info" in msg:
                result.info = msg["info"]
            else:
                result.points.append(msg["point"])
                if on_point is not None:
                    on_point(msg["point"])
    finally:
        proc.stdout.close()
        err = proc.stderr.read()
        proc.wait()
    if proc.returncode != 0 or len(result.points) != len(sweep.shapes):
        raise MeasureError(f"the measuring process stopped (status {proc.returncode}) after "
                           f"{len(result.points)} of {len(sweep.shapes)} shapes: {err.strip()[-800:]}")
    result.seconds = time.perf_counter() - t0
    result.info.update(host_info(), requested_threads=threads)
    return result


def host_info() -> dict:
    """The CPU, its clock and load, read once (Linux /proc; elsewhere what platform knows)."""
    info = {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
            "platform": platform.platform(), "python": platform.python_version()}
    try:
        text = Path("/proc/cpuinfo").read_text()
        if m := re.search(r"^model name\s*:\s*(.+)$", text, re.M):
            info["cpu"] = m.group(1).strip()
        if m := re.search(r"^cpu MHz\s*:\s*([0-9.]+)$", text, re.M):
            info["clock_hz"] = float(m.group(1)) * 1e6
    except OSError:
        pass
    try:
        info["loadavg_1min"] = os.getloadavg()[0]
    except OSError:
        pass
    return info


def write_csv(path, measured: Measured, sweep: Sweep, command: str) -> Path:
    """The CSV of `dcsim fit --csv`, with the provenance header."""
    info, pts = measured.info, measured.points
    outliers = sum(p["outliers"] for p in pts)
    clock = f"{info['clock_hz'] / 1e6:.0f} MHz (cpu MHz in /proc/cpuinfo; nominal, a VM may hide boost)" \
        if info.get("clock_hz") else "unknown"
    head = [
        "GEMM timings from real hardware, for `dcsim fit --csv` (seconds = median of the repeats)",
        f"command: {command}",
        f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"device: {info.get('device')} ({info.get('device_name') or info.get('cpu')}, {info.get('cores')} cores; "
        f"{info.get('platform')})",
        f"library: {info.get('library')}; BLAS {info.get('blas', info.get('blas_internal', 'n/a'))}; "
        f"python {info.get('python')}" + (f"; CUDA {info['cuda']}" if info.get("cuda") else ""),
        f"threads: {info.get('threads')} ({info.get('threads_from')}; requested {info.get('requested_threads')})",
        f"clock: {clock}",
        f"load average at start: {info.get('loadavg_1min', float('nan')):.2f} (other processes share the cores)",
        f"timer: {info.get('timer')}; {sweep.warmup} warm-up calls, then {sweep.repeats} repeats of `inner` "
        "calls each (inner makes a repeat last >= 0.2 ms); seconds/worst_s/best_s/mad_s by that clock, "
        "wall_s the median wall-clock time",
        f"outliers: {outliers} of {sum(p['repeats'] for p in pts)} repeats slower than median + 3*1.4826*MAD "
        "(column outliers); worst_s is the slowest repeat",
        "int8: numpy multiplies int8 with int32 accumulation in its own loops, not BLAS" if any(
            p["dtype"] == "int8" for p in pts) and info.get("device") == "cpu" else None,
        f"sweep: {sweep.source}; split: train = the grid the fit uses, holdout = shapes it never sees",
        f"measuring took {measured.seconds:.1f} s",
    ]
    lines = [f"# {h}" for h in head if h] + [",".join(CSV_COLUMNS)]
    for i, p in enumerate(pts):
        gflops = 2 * p["M"] * p["K"] * p["N"] / p["median"] / 1e9
        lines.append(",".join(map(str, (f"gemm{i}", p["M"], p["K"], p["N"], p["dtype"], f"{p['median']:.6e}",
                                        f"{p['worst']:.6e}", f"{p['best']:.6e}", f"{p['mad']:.3e}",
                                        f"{p['wall']:.6e}", p["repeats"],
                                        p["inner"], p["outliers"], f"{gflops:.2f}", p["split"]))))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path
