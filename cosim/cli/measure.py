"""`dcsim measure gemm`: time GEMMs on real hardware and write the CSV `dcsim fit --csv` reads."""
from __future__ import annotations

import argparse
import shlex

from rich.table import Table

from ..measure import BUNDLED_SWEEPS, load_measure_sweep, measure_gemm, write_csv
from ..measure_timing import MeasureError
from .args import positive_int
from .output import emit_json, progress, stdout

DESCRIPTION = """\
Time C = A·B on the hardware at hand across a sweep of shapes and dtypes and write a CSV of
measurements (median seconds of the repeats, the slowest repeat and the outliers beside it;
device, library versions, BLAS threads and clock in '#' header lines) that `dcsim fit --csv`
fits. Devices: cpu (numpy and its BLAS; float32, float64, int8 with int32 accumulation) and
cuda[:N] (PyTorch, optional: timed with CUDA events after warm-up). The timing runs in a
separate process whose BLAS thread count is pinned (--threads)."""
EPILOG = f"""\
examples:
  dcsim measure gemm --device cpu -o m.csv && dcsim fit npu --csv m.csv -o c.json
  dcsim measure gemm --device cpu --sweep quick -o m.csv --json
  dcsim measure gemm --device cpu --sweep int8 -o hw/curves/measured/cpu_int8.csv
  dcsim measure gemm --device cpu --shape 512,512,512 --shape 64,4096,64 --dtype float64 -o m.csv
  dcsim measure gemm --device cuda --sweep gpu -o gpu.csv          (needs torch with CUDA)
bundled sweeps ({', '.join(BUNDLED_SWEEPS)}) are in hw/curves/measured/; a sweep is the YAML
format of hw/curves/npu_sweep.yaml plus dtype, repeats and warmup. See docs/hardware.md."""


def add_parser(sub):
    p = sub.add_parser("measure", help="time GEMMs on real hardware (CPU/BLAS, GPU) for dcsim fit --csv",
                       description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kernel", choices=["gemm"], help="what to measure (gemm)")
    p.add_argument("--device", default="cpu", help="cpu (numpy/BLAS) or cuda, cuda:N (PyTorch); default cpu")
    p.add_argument("--sweep", default="default", metavar="NAME|FILE.yaml",
                   help=f"bundled sweep ({', '.join(BUNDLED_SWEEPS)}) or a sweep YAML; default: default")
    p.add_argument("--shape", action="append", type=_shape, metavar="M,K,N",
                   help="measure these shapes instead of the sweep's (repeatable; all used for training)")
    p.add_argument("--dtype", action="append", metavar="DTYPE",
                   help="replace the sweep's dtypes (repeatable): float32, float64, int8 (cpu); float32, "
                        "float16, bfloat16 (cuda)")
    p.add_argument("--repeats", type=positive_int, help="timed repeats per shape (default: the sweep's)")
    p.add_argument("--warmup", type=positive_int, help="untimed calls before the repeats (default: the sweep's)")
    p.add_argument("--threads", type=positive_int, default=1,
                   help="BLAS threads in the measuring process (default 1: other work shares the cores)")
    p.add_argument("-o", "--output", required=True, metavar="m.csv", help="where to write the measurements")
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    return p


def _shape(text: str) -> tuple[int, int, int]:
    try:
        m, k, n = (int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not M,K,N (three integers, e.g. 256,512,128)") from None
    if min(m, k, n) < 1:
        raise argparse.ArgumentTypeError(f"'{text}': every dimension must be at least 1")
    return m, k, n


def _command(args) -> str:
    parts = ["dcsim", "measure", "gemm", "--device", args.device, "--sweep", args.sweep]
    for s in args.shape or []:
        parts += ["--shape", ",".join(map(str, s))]
    for d in args.dtype or []:
        parts += ["--dtype", d]
    for flag in ("repeats", "warmup"):
        if getattr(args, flag):
            parts += [f"--{flag}", str(getattr(args, flag))]
    return shlex.join(parts + ["--threads", str(args.threads), "-o", str(args.output)])


def command(args) -> int:
    sweep = load_measure_sweep(args.sweep, args.dtype, args.shape)
    sweep.repeats, sweep.warmup = args.repeats or sweep.repeats, args.warmup or sweep.warmup
    if sweep.repeats < 3:
        raise MeasureError("--repeats must be at least 3 for a median with outliers beside it")
    with progress("measuring", len(sweep.shapes), enabled=not args.json) as bar:
        task = bar.add_task(f"measuring on {args.device}", total=len(sweep.shapes), rate="")
        done = measure_gemm(args.device, sweep, threads=args.threads, on_point=lambda p: bar.update(
            task, advance=1, rate=f"{p['M']}x{p['K']}x{p['N']} {p['dtype']}: {p['median'] * 1e6:,.1f} µs"))
    out = write_csv(args.output, done, sweep, _command(args))
    pts = done.points
    info = {"output": str(out), "device": args.device, "shapes": len(pts),
            "dtypes": sorted({p["dtype"] for p in pts}), "threads": done.info.get("threads"),
            "library": done.info.get("library"), "blas": done.info.get("blas"),
            "outliers": sum(p["outliers"] for p in pts), "repeats": sum(p["repeats"] for p in pts),
            "peak_gflops": max(2 * p["M"] * p["K"] * p["N"] / p["median"] / 1e9 for p in pts),
            "seconds": round(done.seconds, 2)}
    if args.json:
        emit_json(info)
    else:
        t = Table("device", "shapes", "dtypes", "BLAS threads", "outlying repeats", "peak GFLOP/s")
        t.add_row(f"{args.device} ({done.info.get('cpu', '')})", str(info["shapes"]), ", ".join(info["dtypes"]),
                  str(info["threads"]), f"{info['outliers']} of {info['repeats']}", f"{info['peak_gflops']:.1f}")
        stdout.print(t)
        stdout.print(f"wrote {out} in {done.seconds:.1f} s; fit it: dcsim fit npu --csv {out} -o curve.json")
    return 0
