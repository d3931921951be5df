"""Speed of the compiled C simulator against the Python reference on the NPU.

    python benchmarks/bench_npu_c.py [--dim 8]

Runs a stream of full COMPUTE commands (rows = DIM, accumulate) on random scratchpad and
weights on both backends, checks that they end in the same state, and also times the
gemm:64,64,64 workload end to end. The last line is the headline figure: COMPUTE
commands/s, C vs Python.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastforward import Program, Simulator  # noqa: E402
from fastforward.csim import CSimulator  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from spec import load_machine  # noqa: E402


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


def time_gemm(machine, backend) -> tuple[float, int]:
    workload = build_workload(machine, "gemm:64,64,64")
    sim = backend(machine)
    workload.prepare(sim)
    start = time.perf_counter()
    sim.run()
    seconds = time.perf_counter() - start
    assert workload.verify(sim)
    return seconds, sim.retired


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dim", type=int, default=8)
    args = parser.parse_args()
    machine = load_machine(ROOT / "hw" / "npu.yaml", {"DIM": args.dim})
    CSimulator(machine)                                      # build (or hit the cache) before timing
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
    print(f"COMPUTE commands/s: C {c_rate:,.0f} vs Python {py_rate:,.0f} = {c_rate / py_rate:,.0f}x")


if __name__ == "__main__":
    main()
