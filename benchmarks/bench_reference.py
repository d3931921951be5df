"""Speed of the Python reference simulator on both reference machines.

    python benchmarks/bench_reference.py

Prints NPU commands/s and MAC/s on gemm:64,64,64, and RV32I instructions/s on a bubble
sort compiled with riscv64-unknown-elf-gcc (skipped if the compiler is absent). The last
line is the headline figure.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastforward import Simulator  # noqa: E402
from fastforward.riscv import attach_host, load_elf  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from spec import load_machine  # noqa: E402


def best_of(n: int, run) -> tuple[float, int]:
    """(best wall seconds, work) over n fresh runs."""
    results = [run() for _ in range(n)]
    return min(r[0] for r in results), results[0][1]


def npu_gemm() -> tuple[float, int, int]:
    machine = load_machine(ROOT / "hw" / "npu.yaml")
    workload = build_workload(machine, "gemm:64,64,64")

    def once():
        sim = Simulator(machine)
        workload.prepare(sim)
        start = time.perf_counter()
        sim.run()
        seconds = time.perf_counter() - start
        assert workload.verify(sim)
        return seconds, sim.retired
    seconds, commands = best_of(3, once)
    return seconds, commands, workload.params["macs"]


def rv32i_sort(n_items: int = 300) -> tuple[float, int] | None:
    gcc = shutil.which("riscv64-unknown-elf-gcc")
    if gcc is None:
        return None
    src = ROOT / "tests" / "rv32i"
    machine = load_machine(ROOT / "hw" / "rv32i.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        elf = Path(tmp) / "sort.elf"
        subprocess.run([gcc, "-march=rv32i", "-mabi=ilp32", "-O2", "-nostdlib", "-ffreestanding", f"-DN={n_items}",
                        "-I", src, "-T", src / "link.ld", src / "crt0.S", src / "runtime.c", src / "sort.c",
                        "-lgcc", "-o", elf], check=True, capture_output=True)

        def once():
            sim = Simulator(machine)
            attach_host(sim, load_elf(sim, elf))
            start = time.perf_counter()
            sim.run()
            return time.perf_counter() - start, sim.retired
        return best_of(3, once)


def main():
    seconds, commands, macs = npu_gemm()
    print(f"npu gemm:64,64,64 (py): {commands} commands in {seconds:.3f} s = {commands / seconds:,.0f} commands/s, "
          f"{macs / seconds / 1e6:.2f} M MAC/s")
    rv = rv32i_sort()
    if rv is None:
        print("rv32i: skipped (riscv64-unknown-elf-gcc not installed)")
        return
    seconds, instructions = rv
    print(f"rv32i bubble sort N=300 (py): {instructions:,} instructions in {seconds:.3f} s")
    print(f"python reference: rv32i {instructions / seconds / 1e3:,.0f} k instructions/s")


if __name__ == "__main__":
    main()
