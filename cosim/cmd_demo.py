"""`dcsim demo`: the main job on bundled defaults.

Until sampled co-simulation lands, the demo runs a bundled NPU MLP on the functional
model, verifies it bit-exactly against numpy and prints a short summary.
"""
from __future__ import annotations

import time

from rich.table import Table

from spec import load_machine

from .cmd_run import execute, prepare_workload
from .output import emit_json, stdout
from .paths import machine_path

DEMO_WORKLOAD = "mlp:32,128,128,64"


def demo_command(args) -> int:
    from fastforward.backends import make_simulator
    start = time.perf_counter()
    machine = load_machine(machine_path("npu"))
    sim = make_simulator(machine, args.backend)
    job = prepare_workload(machine, sim, args.workload or DEMO_WORKLOAD, seed=args.seed)
    macs = job.workload.params.get("macs", 0)
    seconds = execute(sim, job, None, show_progress=not args.json)
    verified = bool(job.verify(sim))
    result = {"machine": machine.name, "params": dict(machine.params), "workload": job.name,
              "backend": args.backend, "commands": sim.retired, "seconds": round(seconds, 3),
              "commands_per_second": round(sim.retired / max(seconds, 1e-9), 1),
              "macs": macs, "macs_per_second": round(macs / max(seconds, 1e-9), 1),
              "verified": verified, "counts": sim.kind_counts(),
              "total_seconds": round(time.perf_counter() - start, 3)}
    if args.json:
        emit_json(result)
    else:
        stdout.print(f"[bold]{job.workload.description}[/]\n{machine.name} (DIM={machine.param['DIM']}), "
                     f"{args.backend} functional model")
        table = Table("command", "count")
        for name, count in result["counts"].items():
            table.add_row(name, f"{count:,}")
        stdout.print(table)
        stdout.print(f"{sim.retired:,} commands, {macs:,} MACs in {seconds:.2f} s "
                     f"({macs / max(seconds, 1e-9) / 1e6:.2f} M MAC/s); output "
                     + ("[bold green]matches numpy bit-exactly[/]" if verified else "[bold red]DIFFERS from numpy[/]"))
    return 0 if verified else 1
