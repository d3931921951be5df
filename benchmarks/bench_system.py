"""Functional speed of the system (hw/soc.yaml): the host's MIPS and the NPU's MAC/s while
both run one C program, beside each machine run alone.

    python benchmarks/bench_system.py [--repeats 5] [--backend c] [--size 128] [--json]

Programs (compiled with the SoC kit, `dcsim sdk hw/soc.yaml`):
  gemm        hw/sdk/soc/gemm.c, SIZE^3 int8, the host recomputes every output (host-heavy)
  gemm-spot   the same with CHECK=8: the host checks every 8th row and column (NPU-heavy)
  mlp         hw/sdk/soc/mlp.c, 128-256-128-64, batch 64
Alone: the host running the same reference loop without the NPU (`host-only`, rv32im), and
the NPU running the Python-built gemm:SIZE,SIZE,SIZE workload (bias row, one fence).
MACs are DIM^3 per COMPUTE command (every tile is full at these sizes). Times are wall
seconds of `run()` only (program loading and compilation excluded), medians of the repeats
with the worst beside them.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cosim.kit import system_kit_command  # noqa: E402
from fastforward.backends import make_simulator  # noqa: E402
from fastforward.session import prepare_program  # noqa: E402
from fastforward.system import SystemSimulator  # noqa: E402
from fastforward.workloads import build_workload  # noqa: E402
from spec.system import load_system  # noqa: E402

HOST_ONLY = r"""
#include "printf.h"
#include "npu_gemm.h"
static int8_t A[M * K], B[K * N], R[M * N];
static uint32_t seed = 12345;
static int8_t next_value(void) { seed = seed * 1664525u + 1013904223u; return (int8_t)(seed >> 24); }
int main(void)
{
    for (uint32_t i = 0; i < M * K; i++) A[i] = next_value();
    for (uint32_t i = 0; i < K * N; i++) B[i] = next_value();
    struct gemm g = {A, B, R, M, K, N, 10, 0};
    uint32_t sum = 0;
    for (uint32_t m = 0; m < M; m++)
        for (uint32_t n = 0; n < N; n++)
            sum += (uint8_t)(R[m * N + n] = gemm_reference(&g, m, n));
    printf("host-only reference: checksum %u\n", sum);
    return 0;
}
"""


def compile_program(system, source: Path, out: Path, defines: dict) -> Path:
    info = system_kit_command(system, [str(source)], str(out), relative=False,
                              cflags=[f"-D{k}={v}" for k, v in defines.items()])
    subprocess.run(info["command"], check=True, capture_output=True, text=True)
    return out


def time_system(system, elf: Path, backend: str) -> dict:
    sim = SystemSimulator(system, backend)
    job = prepare_program(system.host, sim.host, elf)
    start = time.perf_counter()
    sim.run()
    seconds = time.perf_counter() - start
    if not (sim.halted and sim.exit_code == 0):
        raise SystemExit(f"{elf.name} failed: exit {sim.exit_code}\n{job.host.stdout.decode()}")
    counts = sim.command_counts()["npu"]
    dim = system.accelerator("npu").machine.param["DIM"]
    return {"seconds": seconds, "host_instructions": sim.retired, "npu_commands": sum(counts.values()),
            "macs": counts.get("COMPUTE", 0) * dim ** 3}


def time_npu_alone(system, size: int, backend: str) -> dict:
    machine = system.accelerator("npu").machine
    wl = build_workload(machine, f"gemm:{size},{size},{size}")
    sim = make_simulator(machine, backend)
    wl.prepare(sim)
    start = time.perf_counter()
    sim.run()
    seconds = time.perf_counter() - start
    counts = sim.kind_counts()
    return {"seconds": seconds, "host_instructions": 0, "npu_commands": sum(counts.values()),
            "macs": counts.get("COMPUTE", 0) * machine.param["DIM"] ** 3}


def summarize(name: str, runs: list[dict]) -> dict:
    times = [r["seconds"] for r in runs]
    med, worst = statistics.median(times), max(times)
    r = runs[0]
    return {"case": name, "median_s": med, "worst_s": worst, "host_instructions": r["host_instructions"],
            "npu_commands": r["npu_commands"], "macs": r["macs"],
            "host_mips": r["host_instructions"] / med / 1e6, "host_mips_worst": r["host_instructions"] / worst / 1e6,
            "npu_gmacs": r["macs"] / med / 1e9, "npu_gmacs_worst": r["macs"] / worst / 1e9}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--backend", default="c", choices=("py", "c"))
    ap.add_argument("--size", type=int, default=128, help="GEMM size (a multiple of the NPU's DIM)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    system = load_system(ROOT / "hw" / "soc.yaml")
    kit = ROOT / "hw" / "sdk" / "soc"
    size = {"M": args.size, "K": args.size, "N": args.size}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "host_only.c").write_text(HOST_ONLY)
        programs = {
            "gemm": compile_program(system, kit / "gemm.c", tmp / "gemm.elf", size),
            "gemm-spot": compile_program(system, kit / "gemm.c", tmp / "spot.elf", {**size, "CHECK": 8}),
            "mlp": compile_program(system, kit / "mlp.c", tmp / "mlp.elf", {}),
            "host-only": compile_program(system, tmp / "host_only.c", tmp / "host.elf", size),
        }
        rows = []
        for name, elf in programs.items():
            rows.append(summarize(name, [time_system(system, elf, args.backend) for _ in range(args.repeats)]))
        rows.append(summarize(f"npu-only gemm:{args.size}^3",
                              [time_npu_alone(system, args.size, args.backend) for _ in range(args.repeats)]))
    if args.json:
        print(json.dumps({"backend": args.backend, "repeats": args.repeats, "rows": rows}, indent=2))
        return 0
    print(f"system functional speed, backend {args.backend}, median (worst) of {args.repeats} runs")
    print(f"{'case':<22}{'seconds':>18}{'host instr':>14}{'host MIPS':>18}{'NPU cmds':>10}{'NPU GMAC/s':>18}")
    for r in rows:
        print(f"{r['case']:<22}{r['median_s']:>9.3f} ({r['worst_s']:.3f}){r['host_instructions']:>14,}"
              f"{r['host_mips']:>10.1f} ({r['host_mips_worst']:.1f}){r['npu_commands']:>10,}"
              f"{r['npu_gmacs']:>10.3f} ({r['npu_gmacs_worst']:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
