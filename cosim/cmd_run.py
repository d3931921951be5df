"""`dcsim run`: a workload or program on a functional model; checkpoints and signatures.

The logic lives in fastforward.session (jobs, checkpoints, run control); this is the
command-line face: argument checks, progress display, the report.
"""
from __future__ import annotations

from pathlib import Path

from spec import ir
from spec.errors import DcsimError

from fastforward import checkpoint
from fastforward.session import Job, prepare_program, prepare_workload, resume, run_with_checkpoint

from .output import emit_json, progress, stderr, stdout

def execute(sim, job: Job, limit: int | None, show_progress: bool, plan: tuple = (None, None)) -> float:
    """Run to the end (or `limit` instructions), writing the checkpoint of `plan`; wall seconds."""
    total = min(job.total, limit) if job.total is not None and limit else (job.total or limit)
    with progress(f"running {job.name}", total, show_progress) as bar:
        task = bar.add_task(f"running {job.name}", total=total, rate="")
        seconds, _ = run_with_checkpoint(sim, job, limit, *plan, on_progress=lambda r: bar.update(task, completed=r))
    return seconds


def check_args(machine: ir.Machine, args):
    if not (args.workload or args.program or args.restore):
        raise DcsimError("say what to run: --workload NAME:ARGS, --program FILE, or --restore CHECKPOINT")
    if args.restore and args.program:
        raise DcsimError("--program cannot be combined with --restore: the program is part of the checkpoint")
    if (args.checkpoint_at is None) != (args.checkpoint_out is None):
        raise DcsimError("--checkpoint-at N and --checkpoint-out FILE go together")
    if (args.signature_interval is None) != (args.signature_out is None):
        raise DcsimError("--signature-interval K and --signature-out FILE go together")
    if args.workload and machine.queue is None:
        raise DcsimError(f"{machine.name} is a processor; run a program on it with --program FILE")


def backend_of(args) -> str:
    if args.backend:
        return args.backend
    from fastforward.backends import default_backend
    name, notice = default_backend()
    if notice:
        stderr.print(notice, markup=False, highlight=False)
    return name


def run_command(machine: ir.Machine, args) -> int:
    from fastforward.backends import make_simulator
    check_args(machine, args)
    backend = backend_of(args)
    sim = make_simulator(machine, backend)
    if args.restore:
        ckpt = getattr(args, "checkpoint", None) or checkpoint.read(args.restore)
        job = resume(machine, sim, ckpt, args.workload, args.seed)
    elif args.workload:
        job = prepare_workload(machine, sim, args.workload, args.seed)
    else:
        job = prepare_program(machine, sim, Path(args.program))
    job.record["defines"] = dict(args.defines)        # a restore loads the machine the same way
    if args.signature_interval is not None:
        sim.enable_signatures(args.signature_interval, args.signature_bbv)
    plan = (args.checkpoint_at, Path(args.checkpoint_out) if args.checkpoint_out else None)
    start = sim.retired
    seconds = execute(sim, job, args.max_instructions, show_progress=not args.json, plan=plan)
    verified = bool(job.verify(sim)) if job.verify is not None and not sim.pending_count() else None
    ran = sim.retired - start
    result = {
        "machine": machine.name, "backend": backend, "job": job.name,
        "instructions": sim.retired, "seconds": round(seconds, 6),
        "instructions_per_second": round(ran / seconds, 1) if seconds > 0 else None,
        "halted": sim.halted, "exit_code": sim.exit_code, "verified": verified,
        "counts": sim.kind_counts(),
    }
    if args.restore:
        result["restored_from"], result["restored_at"] = str(args.restore), start
    if args.checkpoint_out:
        result["checkpoint"] = {"path": str(args.checkpoint_out), "at": args.checkpoint_at}
    if args.signature_out:
        sigs = sim.signatures().save(args.signature_out)
        result["signatures"] = {"path": str(sigs), "interval": args.signature_interval,
                                "intervals": len(sim.signatures())}
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
        stdout.print(r["stdout"], end="", markup=False, highlight=False, soft_wrap=True)
    stdout.print(f"[bold]{r['machine']}[/] ({r['backend']}): {r['job']}: {r['instructions']:,} instructions "
                 f"in {r['seconds']:.3f} s ({(r['instructions_per_second'] or 0):,.0f}/s)")
    if "restored_at" in r:
        stdout.print(f"restored from {r['restored_from']} at instruction {r['restored_at']:,}")
    if "checkpoint" in r:
        stdout.print(f"checkpoint at instruction {r['checkpoint']['at']:,} written to {r['checkpoint']['path']}")
    if "signatures" in r:
        s = r["signatures"]
        stdout.print(f"{s['intervals']} signatures of {s['interval']:,} instructions written to {s['path']}")
    if r["exit_code"] is not None:
        stdout.print(f"exit code {r['exit_code']}")
    if r["verified"] is not None:
        stdout.print("verified against numpy: " + ("[bold green]yes[/]" if r["verified"] else "[bold red]NO[/]"))
    stdout.print("by kind: " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items()))
