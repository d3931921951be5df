"""`dcsim run`: a workload or program on a functional model."""
from __future__ import annotations

import time
from pathlib import Path

from spec import Assembler, ir
from spec.errors import DcsimError

from .output import emit_json, progress, stdout

CHUNK = 2048


class Job:
    """What to run and how to check it: built-in workload or user program."""

    def __init__(self, total: int | None, verify=None, host=None, name: str = "", workload=None):
        self.total, self.verify, self.host, self.name = total, verify, host, name
        self.workload = workload


def prepare_workload(machine: ir.Machine, sim, text: str, seed: int) -> Job:
    from fastforward.workloads import build_workload
    workload = build_workload(machine, text, seed=seed)
    workload.prepare(sim)
    return Job(len(workload.commands), workload.verify, name=workload.name, workload=workload)


def prepare_program(machine: ir.Machine, sim, path: Path) -> Job:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DcsimError(f"cannot read program {path}: {exc.strerror}") from None
    if machine.queue is not None:
        words = Assembler(machine).assemble(data.decode(errors="replace"), str(path)).words
        sim.push(words)
        return Job(len(words), name=path.name)
    from fastforward import riscv
    host = riscv.attach_host(sim)
    if path.suffix == ".s":
        image = Assembler(machine).assemble(data.decode(errors="replace"), str(path))
        riscv.load_binary(sim, image.to_bytes())
    elif data[:4] == b"\x7fELF":
        riscv.load_elf(sim, path)
    else:
        riscv.load_binary(sim, data)
    return Job(None, host=host, name=path.name)


def execute(sim, job: Job, limit: int | None, show_progress: bool) -> float:
    """Run to completion (or `limit` instructions); returns wall seconds."""
    start = time.perf_counter()
    total = min(job.total, limit) if job.total is not None and limit else (job.total or limit)
    with progress(f"running {job.name}", total, show_progress) as bar:
        task = bar.add_task(f"running {job.name}", total=total, rate="")
        while limit is None or sim.retired < limit:
            n = CHUNK if limit is None else min(CHUNK, limit - sim.retired)
            done = sim.run(n)
            elapsed = time.perf_counter() - start
            bar.update(task, completed=sim.retired, rate=f"{sim.retired / max(elapsed, 1e-9):,.0f} instr/s")
            if done < n:
                break
    return time.perf_counter() - start


def run_command(machine: ir.Machine, args) -> int:
    from fastforward.backends import make_simulator
    sim = make_simulator(machine, args.backend)
    if args.workload:
        job = prepare_workload(machine, sim, args.workload, args.seed)
    else:
        job = prepare_program(machine, sim, Path(args.program))
    seconds = execute(sim, job, args.max_instructions, show_progress=not args.json)
    verified = bool(job.verify(sim)) if job.verify is not None and not sim.pending_count() else None
    result = {
        "machine": machine.name, "backend": args.backend, "job": job.name,
        "instructions": sim.retired, "seconds": round(seconds, 6),
        "instructions_per_second": round(sim.retired / seconds, 1) if seconds > 0 else None,
        "halted": sim.halted, "exit_code": sim.exit_code, "verified": verified,
        "counts": sim.kind_counts(),
    }
    if job.host is not None:
        result["stdout"] = job.host.stdout.decode(errors="replace")
    if args.json:
        emit_json(result)
    else:
        report(result)
    if verified is False:
        return 1
    return 0 if not sim.halted or not sim.exit_code else min(255, max(1, sim.exit_code))


def report(r: dict):
    if r.get("stdout"):
        stdout.print(r["stdout"], end="", markup=False, highlight=False)
    stdout.print(f"[bold]{r['machine']}[/] ({r['backend']}): {r['job']}: {r['instructions']:,} instructions "
                 f"in {r['seconds']:.3f} s ({(r['instructions_per_second'] or 0):,.0f}/s)")
    if r["exit_code"] is not None:
        stdout.print(f"exit code {r['exit_code']}")
    if r["verified"] is not None:
        stdout.print("verified against numpy: " + ("[bold green]yes[/]" if r["verified"] else "[bold red]NO[/]"))
    stdout.print("by kind: " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items()))
