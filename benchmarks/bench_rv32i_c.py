"""Speed of the compiled C simulator on RV32I: MIPS, ratio to the Python reference, to qemu,
and the cost of per-interval signatures.

    python benchmarks/bench_rv32i_c.py [--n 6000] [--py-instructions 2000000]

Builds tests/rv32i/sort.c (bubble sort, -DN=6000: about 1.2e8 instructions, compute-bound)
with riscv64-unknown-elf-gcc, linked with benchmarks/rv32i/link_stack.ld so that the same ELF
runs under qemu-riscv32 too. Times the whole program on the C backend (best of 3), the
first --py-instructions of it on the Python reference, the whole program under
qemu-riscv32 if installed (Debian qemu-user; skipped otherwise), and the C backend with
signatures on (kind histogram every 1e6 and 1e4 instructions, and with a 1024-bucket
basic-block vector). The last line is the headline figure.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastforward import CSimulator, Simulator  # noqa: E402
from fastforward.riscv import attach_host, load_elf, rv32i_machine  # noqa: E402

SRC = ROOT / "tests" / "rv32i"
KIT = ROOT / "hw" / "sdk" / "rv32i"              # the start file of the software kit (dcsim sdk rv32i)
LINK = Path(__file__).resolve().parent / "rv32i" / "link_stack.ld"


def build(gcc: str, n: int, out: Path) -> Path:
    elf = out / f"sort{n}.elf"
    subprocess.run([gcc, "-march=rv32i", "-mabi=ilp32", "-O2", "-nostdlib", "-ffreestanding", f"-DN={n}",
                    "-Wl,--no-warn-rwx-segments", "-I", SRC, "-T", LINK, KIT / "crt0.S", SRC / "runtime.c",
                    SRC / "sort.c", "-lgcc", "-o", elf], check=True, capture_output=True)
    return elf


def timed_run(backend, machine, elf: Path, limit: int | None = None, signatures: tuple | None = None):
    sim = backend(machine)
    host = attach_host(sim, load_elf(sim, elf))
    if signatures:
        sim.enable_signatures(*signatures)
    start = time.perf_counter()
    sim.run(limit)
    return time.perf_counter() - start, sim, host


def best_c(machine, elf: Path, repeats: int, signatures: tuple | None = None):
    runs = [timed_run(CSimulator, machine, elf, signatures=signatures) for _ in range(repeats)]
    return min(r[0] for r in runs), runs[0][1], runs[0][2]


def qemu(elf: Path, repeats: int = 3):
    exe = shutil.which("qemu-riscv32")
    if exe is None:
        return None
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = subprocess.run([exe, elf], capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=6000, help="elements to bubble-sort (default 6000)")
    parser.add_argument("--py-instructions", type=int, default=2_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    gcc = shutil.which("riscv64-unknown-elf-gcc")
    if gcc is None:
        print("rv32i C backend: skipped (riscv64-unknown-elf-gcc is not installed)")
        return
    machine = rv32i_machine()
    CSimulator(machine)                                          # build (or hit the cache) before timing
    with tempfile.TemporaryDirectory() as tmp:
        elf = build(gcc, args.n, Path(tmp))
        c_s, c_sim, c_host = best_c(machine, elf, args.repeats)
        n = c_sim.retired
        assert c_sim.halted and b"checksum=" in c_host.stdout, c_host.stdout
        c_mips = n / c_s / 1e6
        print(f"sort N={args.n}: {n:,} instructions, exit code {c_sim.exit_code}, stdout {c_host.stdout[-20:]!r}")
        print(f"C backend: {c_s:.3f} s = {c_mips:,.1f} MIPS (best of {args.repeats})")

        py_s, py_sim, _ = timed_run(Simulator, machine, elf, args.py_instructions)
        check_s, check, _ = timed_run(CSimulator, machine, elf, args.py_instructions)
        assert check.snapshot().equals(py_sim.snapshot()), "C and Python disagree"
        py_mips = py_sim.retired / py_s / 1e6
        print(f"Python reference: first {py_sim.retired:,} instructions in {py_s:.2f} s = {py_mips * 1e3:,.0f} k "
              f"instructions/s (same state as C there); C/Python = {c_mips / py_mips:,.0f}x")

        for sig in ((1_000_000, 0), (10_000, 0), (1_000_000, 1024), (10_000, 1024)):
            s, sim, _ = best_c(machine, elf, args.repeats, sig)
            print(f"signatures every {sig[0]:,}{f' + BBV[{sig[1]}]' if sig[1] else ''}: {s:.3f} s = "
                  f"{n / s / 1e6:,.1f} MIPS, {len(sim.signatures()):,} rows, cost {s / c_s:.2f}x of a plain run")

        q = qemu(elf)
        if q is None:
            print("qemu-riscv32: skipped (not installed; Debian package qemu-user)")
            ratio = ""
        else:
            q_s, out = q
            same = out.stdout == c_host.stdout and out.returncode == (c_sim.exit_code & 0xFF)
            print(f"qemu-riscv32: {q_s:.3f} s = {n / q_s / 1e6:,.1f} MIPS (same output and exit code: {same})")
            ratio = f", dcsim/qemu = {q_s / c_s:.2f}"
        print(f"rv32i C backend: {c_mips:,.1f} MIPS, {c_mips / py_mips:,.0f}x the Python reference{ratio}")


if __name__ == "__main__":
    main()
