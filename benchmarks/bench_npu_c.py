"""Speed of the compiled C simulator against the Python reference on the NPU.

    python benchmarks/bench_npu_c.py [--dim 8] [--repeats 7] [--long-only]

First the fast-forward of the `long` workload (3.2e6 commands) on the C backend: the C
library is built (or found in the cache) and the workload built and queued before timing, so
the figure is `sim.run()` alone, as median and worst of the repeats in CPU seconds (and wall),
printed beside the one-off Python time to build the workload. Then it runs a stream of
full COMPUTE commands (rows = DIM, accumulate) on random scratchpad and weights on both
backends, checks that they end in the same state, and also times the gemm:64,64,64
workload end to end. It also compiles a plain C `-O3` int8 x int8 -> int32
DIM x DIM tile kernel (the same loop nest as COMPUTE, on the same stream of rows) in this
script and runs it on the same data: the "physical limit" of one core. The last line is
the headline figure: COMPUTE commands/s of the C backend against Python and against the
plain kernel.
"""
from __future__ import annotations

import argparse
import ctypes
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastforward import Program, Simulator  # noqa: E402
from spec.cbuild import find_compiler  # noqa: E402
from fastforward.csim import CSimulator  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from spec import load_machine  # noqa: E402
from spec.encoding import Decoder  # noqa: E402


def compute_stream(machine, n: int, seed: int = 0) -> list[int]:
    rng = np.random.default_rng(seed)
    dim, sp, acc = (machine.param[k] for k in ("DIM", "SP_ROWS", "ACC_ROWS"))
    prog = Program(machine)
    for a_row, c_row in zip(rng.integers(0, sp - dim, n), rng.integers(0, acc - dim, n)):
        prog.compute(rows=dim, accumulate=1, a_row=int(a_row), c_row=int(c_row))
    return prog.words


def time_compute(machine, backend, words: list[int]) -> tuple[float, object]:
    sim = backend(machine)
    rng = np.random.default_rng(1)
    sim.state["sp"][:] = rng.integers(-128, 128, sim.state["sp"].shape)
    sim.state["w"][:] = rng.integers(-128, 128, sim.state["w"].shape)
    sim.push(words)
    start = time.perf_counter()
    assert sim.run() == len(words)
    return time.perf_counter() - start, sim


def best_rate(machine, backend, words: list[int], repeats: int = 3) -> tuple[float, object]:
    runs = [time_compute(machine, backend, words) for _ in range(repeats)]
    return len(words) / min(r[0] for r in runs), runs[0][1]


KERNEL = r"""
#include <stdint.h>
/* n COMPUTE tiles with accumulate: acc[c+r][j] += sum_k sp[a+r][k] * w[k][j], int32 wrap-around */
void tiles(const int8_t *sp, const int8_t *w, int32_t *acc, const int64_t *a_rows, const int64_t *c_rows, long n) {
    for (long t = 0; t < n; t++) {
        const int8_t *a = sp + a_rows[t] * DIM;
        int32_t *c = acc + c_rows[t] * DIM;
        for (int r = 0; r < DIM; r++)
            for (int j = 0; j < DIM; j++) {
                uint32_t s = (uint32_t)c[r * DIM + j];
                for (int k = 0; k < DIM; k++)
                    s += (uint32_t)(a[r * DIM + k] * w[k * DIM + j]);
                c[r * DIM + j] = (int32_t)s;
            }
    }
}
"""


def plain_kernel(machine, words: list[int], sim_after, repeats: int = 3) -> float:
    """Tiles/s of the plain -O3 kernel on the stream `words` (checked against `sim_after`)."""
    dim = machine.param["DIM"]
    with tempfile.TemporaryDirectory() as tmp:
        src, lib = Path(tmp) / "tile.c", Path(tmp) / "tile.so"
        src.write_text(KERNEL)
        subprocess.run([find_compiler(), "-O3", f"-DDIM={dim}", "-shared", "-fPIC", src, "-o", lib], check=True)
        tiles = ctypes.CDLL(str(lib)).tiles
        tiles.argtypes = [ctypes.c_void_p] * 5 + [ctypes.c_long]
    decoder = Decoder(machine)
    fields = [dict(zip((f.name for f in d.instr.operands), d.operands)) for d in map(decoder.decode, words)]
    a_rows = np.array([f["a_row"] for f in fields], dtype=np.int64)
    c_rows = np.array([f["c_row"] for f in fields], dtype=np.int64)
    best = float("inf")
    for _ in range(repeats):
        rng = np.random.default_rng(1)
        sp = rng.integers(-128, 128, sim_after.state["sp"].shape).astype(np.int8)
        w = rng.integers(-128, 128, sim_after.state["w"].shape).astype(np.int8)
        acc = np.zeros_like(sim_after.state["acc"])
        args = [x.ctypes.data for x in (sp, w, acc, a_rows, c_rows)] + [len(words)]
        start = time.perf_counter()
        tiles(*args)
        best = min(best, time.perf_counter() - start)
        assert np.array_equal(acc, sim_after.state["acc"]), "plain kernel and C backend disagree"
    return len(words) / best


def time_gemm(machine, backend) -> tuple[float, int]:
    workload = build_workload(machine, "gemm:64,64,64")
    sim = backend(machine)
    workload.prepare(sim)
    start = time.perf_counter()
    sim.run()
    seconds = time.perf_counter() - start
    assert workload.verify(sim)
    return seconds, sim.retired


def time_long(machine, repeats: int) -> dict:
    """CPU and wall seconds of `sim.run()` on a fresh C simulator with `long` queued, per repeat."""
    start = time.perf_counter()
    workload = build_workload(machine, "long")
    build = time.perf_counter() - start
    cpu, wall = [], []
    for _ in range(repeats):
        sim = CSimulator(machine)
        workload.prepare(sim)
        c0, w0 = time.process_time(), time.perf_counter()
        sim.run()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
        assert workload.verify(sim), "C backend: long gives a wrong result"
    return {"build": build, "cpu": cpu, "wall": wall, "commands": sim.retired}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=7, help="fast-forward runs of long (at least 5)")
    parser.add_argument("--long-only", action="store_true", help="only the fast-forward of long")
    args = parser.parse_args()
    machine = load_machine(ROOT / "hw" / "npu.yaml", {"DIM": args.dim})
    start = time.perf_counter()
    CSimulator(machine)                                      # build (or hit the cache) before timing
    print(f"C library: {time.perf_counter() - start:.2f} s to build or load (not timed below)")
    long = time_long(machine, max(5, args.repeats))
    print(f"npu long fast-forward (c, {long['commands']:,} commands, {len(long['cpu'])} runs): "
          f"CPU median {statistics.median(long['cpu']):.4f} s, worst {max(long['cpu']):.4f} s; "
          f"wall median {statistics.median(long['wall']):.4f} s, worst {max(long['wall']):.4f} s "
          f"(workload built in Python once: {long['build']:.2f} s, not timed)")
    if args.long_only:
        return
    py_words, c_words = compute_stream(machine, 2_000), compute_stream(machine, 200_000)
    py_rate, py_sim = best_rate(machine, Simulator, py_words, repeats=1)
    c_rate, c_sim = best_rate(machine, CSimulator, c_words)
    _, c_check = time_compute(machine, CSimulator, py_words)
    assert np.array_equal(c_check.state["acc"], py_sim.state["acc"]), "C and Python disagree"
    for name, backend in (("py", Simulator), ("c", CSimulator)):
        seconds, commands = time_gemm(machine, backend)
        print(f"npu gemm:64,64,64 ({name}): {commands} commands in {seconds:.4f} s = "
              f"{commands / seconds:,.0f} commands/s")
    macs = args.dim ** 3
    print(f"COMPUTE (DIM={args.dim}, {macs} MACs each): python {py_rate:,.0f} /s, C {c_rate:,.0f} /s "
          f"({c_rate * macs / 1e9:.2f} G MAC/s)")
    plain = plain_kernel(machine, c_words, c_sim)
    print(f"plain C -O3 tile kernel: {plain:,.0f} tiles/s ({plain * macs / 1e9:.2f} G MAC/s)")
    print(f"COMPUTE commands/s: C {c_rate:,.0f} = {c_rate / py_rate:,.0f}x Python ({py_rate:,.0f}), "
          f"{100 * c_rate / plain:.0f}% of the plain -O3 kernel ({plain:,.0f})")


if __name__ == "__main__":
    main()
