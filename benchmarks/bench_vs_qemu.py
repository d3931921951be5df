"""dcsim's processor fast-forward against QEMU user mode on the same RV32I ELFs.

    python benchmarks/bench_vs_qemu.py [--scale 1.0] [--repeats 5] [--backends c,native]

Builds three programs of benchmarks/rv32i/ with riscv64-unknown-elf-gcc at -O2 for rv32i
(no M extension in hw/rv32i.yaml: matmul multiplies through libgcc), sized for about 10^9
instructions each at --scale 1 (crc32: bitwise CRC-32 of 4 KiB, 3900 times; qsort:
quicksort of 20000 ints, 250 times; matmul: 64x64 int32, 30 times), linked with
benchmarks/rv32i/link_pages.ld so that qemu-riscv32 runs the very same file (with data on
pages of their own: qemu-user treats stores to a page holding code as self-modifying code,
which made its quicksort 40x slower with link_stack.ld, whose small data shares the last
code page when .data is empty).

Every run is a child process and its CPU time (user + sys) comes from
getrusage(RUSAGE_CHILDREN), so QEMU and dcsim are measured alike: the whole process,
dcsim's Python start-up, ELF load and (native) translation included. The dcsim child also
reports the CPU time of `sim.run()` alone ("run"). Runs alternate between the tools, back
to back, --repeats times; the tables give the median and the worst. "warm" runs find the
native translation in the build cache (`~/.cache/dcsim` or $DCSIM_CACHE); the "cold" line
is one run per program with an empty cache (the C compiler's time included: the compiler
is a child of the child, and its CPU time is counted too). Outputs (stdout and exit code)
must be identical across QEMU and every backend, else the script fails.

QEMU: Debian/Ubuntu `apt-get install qemu-user` (provides qemu-riscv32).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "tests" / "rv32i"                   # runtime.c / runtime.h: output through write()
BENCH = ROOT / "benchmarks" / "rv32i"
KIT = ROOT / "hw" / "sdk" / "rv32i"
# program -> (source, size macro scaled by --scale, its value at scale 1: ~1e9 instructions)
PROGRAMS = {"crc32": ("crc32.c", "ROUNDS", 3900), "qsort": ("qsort.c", "ROUNDS", 250),
            "matmul": ("matmul.c", "ROUNDS", 30)}


def build(gcc: str, name: str, scale: float, out: Path) -> Path:
    source, macro, full = PROGRAMS[name]
    elf = out / f"{name}.elf"
    count = max(1, round(full * scale))
    subprocess.run([gcc, "-march=rv32i", "-mabi=ilp32", "-O2", "-nostdlib", "-ffreestanding",
                    "-fno-tree-loop-distribute-patterns", f"-D{macro}={count}", "-Wl,--no-warn-rwx-segments",
                    "-I", SRC, "-T", BENCH / "link_pages.ld", KIT / "crt0.S", SRC / "runtime.c", BENCH / source,
                    "-lgcc", "-o", elf], check=True)
    return elf


def child_cpu(cmd: list, env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Run `cmd` to completion; its CPU seconds (user + sys, with its own children) and result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(cmd, capture_output=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), done


def run_child(backend: str, elf: str):
    """--child: run `elf` on `backend` in this process; print stdout, exit code, counts as JSON."""
    sys.path.insert(0, str(ROOT))
    from fastforward.backends import make_simulator
    from fastforward.riscv import attach_host, load_elf, rv32i_machine
    sim = make_simulator(rv32i_machine(), backend)
    host = attach_host(sim, load_elf(sim, elf))
    start = time.process_time()
    sim.run()
    seconds = time.process_time() - start
    print(json.dumps({"stdout": host.stdout.decode(errors="replace"), "exit": sim.exit_code,
                      "instructions": sim.retired, "run_cpu": seconds}))


def dcsim(backend: str, elf: Path, env: dict | None = None) -> tuple[float, dict]:
    seconds, done = child_cpu([sys.executable, __file__, "--child", backend, str(elf)], env)
    if done.returncode != 0:
        raise SystemExit(f"dcsim --backend {backend} {elf.name} failed:\n{done.stderr.decode()}")
    return seconds, json.loads(done.stdout.decode().strip().splitlines()[-1])


def qemu(exe: str, elf: Path) -> tuple[float, dict]:
    seconds, done = child_cpu([exe, str(elf)])
    return seconds, {"stdout": done.stdout.decode(errors="replace"), "exit": done.returncode}


def summary(times: list) -> str:
    return f"{statistics.median(times):7.3f} s (worst {max(times):7.3f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="program size (1.0: ~1e9 instructions each)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--backends", default="c,native", help="dcsim backends, comma-separated (py is ~1e6/s)")
    parser.add_argument("--programs", default=",".join(PROGRAMS))
    parser.add_argument("--no-cold", action="store_true", help="skip the empty-cache runs")
    parser.add_argument("--child", nargs=2, metavar=("BACKEND", "ELF"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(*args.child)
    gcc = shutil.which("riscv64-unknown-elf-gcc")
    exe = shutil.which("qemu-riscv32")
    if gcc is None:
        raise SystemExit("riscv64-unknown-elf-gcc is not installed (see hw/sdk/rv32i/README.md)")
    if exe is None:
        raise SystemExit("qemu-riscv32 is not installed: on Debian/Ubuntu, apt-get install -y qemu-user")
    backends = args.backends.split(",")
    version = subprocess.run([exe, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"{version}; {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.1f}; "
          f"scale {args.scale}, {args.repeats} repeats, CPU time of the whole child process")
    with tempfile.TemporaryDirectory() as tmp:
        elves = {name: build(gcc, name, args.scale, Path(tmp)) for name in args.programs.split(",")}
        for elf in elves.values():                 # fill the build cache: the timed runs are warm
            for backend in backends:
                dcsim(backend, elf)
        rows = []
        for name, elf in elves.items():
            times = {tool: [] for tool in ["qemu", *backends]}
            run_cpu = {b: [] for b in backends}
            reference = None
            for _ in range(args.repeats):
                seconds, result = qemu(exe, elf)
                times["qemu"].append(seconds)
                reference = reference or result
                assert result == reference, (name, "qemu", result)
                for backend in backends:
                    seconds, result = dcsim(backend, elf)
                    times[backend].append(seconds)
                    run_cpu[backend].append(result["run_cpu"])
                    got = {"stdout": result["stdout"], "exit": result["exit"] & 0xFF}
                    if got != reference:
                        raise SystemExit(f"{name}: {backend} output {got} differs from qemu's {reference}")
                    n = result["instructions"]
            q = statistics.median(times["qemu"])
            print(f"\n{name}: {n:,} instructions, output {reference['stdout'].strip()!r} exit {reference['exit']} "
                  "(identical on every tool)")
            print(f"  {'qemu-riscv32':14} {summary(times['qemu'])}  {n / q / 1e6:8,.0f} M instr/CPU-s")
            for backend in backends:
                t = statistics.median(times[backend])
                r = statistics.median(run_cpu[backend])
                print(f"  dcsim {backend:8} {summary(times[backend])}  {n / t / 1e6:8,.0f} M instr/CPU-s; "
                      f"run() alone {r:.3f} s = {n / r / 1e6:,.0f} M/s; speed vs qemu {q / t:5.2f} "
                      f"(run() alone {q / r:.2f})")
                rows.append((name, backend, q / t, q / r))
        if not args.no_cold:
            print("\ncold (empty build cache, one run each; C compiler included):")
            for name, elf in elves.items():
                with tempfile.TemporaryDirectory() as cache:
                    env = {**os.environ, "DCSIM_CACHE": cache}
                    for backend in backends:
                        seconds, _ = dcsim(backend, elf, env)
                        print(f"  {name:7} {backend:7} {seconds:7.2f} s")
    print("\nspeed ratio QEMU CPU time / dcsim CPU time (>= 0.5: dcsim within 2x of QEMU; whole process, "
          "run() alone):")
    for name, backend, whole, alone in rows:
        print(f"  {name:7} {backend:7} {whole:5.2f}  {alone:5.2f}")


if __name__ == "__main__":
    main()
