"""`dcsim run SYSTEM.yaml --program PROG.elf`: a host program driving accelerators, functionally.

A system file (spec/system.py) is recognised by its top-level `system:` key; `dcsim run`
hands it here. The report gives the host's instructions by kind, each accelerator's
commands by kind, the program's exit code and output.
"""
from __future__ import annotations

from pathlib import Path

from spec.errors import DcsimError

from .functional import backend_of, execute, exit_status
from .output import emit_json, stdout

UNSUPPORTED = (("workload", "--workload (a system runs a host program: --program FILE)"),
               ("restore", "--restore"), ("checkpoint_at", "--checkpoint-at"),
               ("signature_interval", "--signature-interval"), ("dump_state", "--dump-state"),
               ("export_workload", "--export-workload"))


def run_system(args, path: Path) -> int:
    from fastforward.session import prepare_program
    from fastforward.system import SystemSimulator
    from spec.system import load_system

    for attr, flag in UNSUPPORTED:
        if getattr(args, attr, None) is not None:
            raise DcsimError(f"{flag} is not supported for a system file yet; run the host program with "
                             "--program FILE")
    if not args.program:
        raise DcsimError(f"say what the host runs: dcsim run {args.spec} --program FILE (an ELF; see dcsim sdk "
                         f"{args.spec})")
    system = load_system(path, dict(args.defines))
    backend = backend_of(args)
    sim = SystemSimulator(system, backend)
    job = prepare_program(system.host, sim.host, Path(args.program))
    seconds = execute(sim, job, args.max_instructions, show_progress=not args.json)
    result = {
        "system": system.name, "host": system.host.name, "backend": backend, "job": job.name,
        "instructions": sim.retired, "seconds": round(seconds, 6),
        "instructions_per_second": round(sim.retired / seconds, 1) if seconds > 0 else None,
        "halted": sim.halted, "exit_code": sim.exit_code,
        "counts": sim.kind_counts(),
        "accelerators": {name: {"machine": acc.machine.name, "commands": sum(counts.values()), "counts": counts}
                         for (name, counts), acc in zip(sim.command_counts().items(), system.accelerators)},
        "stdout": job.host.stdout.decode(errors="replace"),
    }
    if args.json:
        emit_json(result)
    else:
        report(result)
    return exit_status(None, sim.halted, sim.exit_code)


def report(r: dict):
    if r["stdout"]:
        stdout.print(r["stdout"], end="", markup=False, highlight=False, soft_wrap=True)
    stdout.print(f"[bold]{r['system']}[/] ({r['backend']}): {r['job']}: {r['instructions']:,} host instructions "
                 f"in {r['seconds']:.3f} s ({(r['instructions_per_second'] or 0):,.0f}/s)")
    if r["exit_code"] is not None:
        stdout.print(f"exit code {r['exit_code']}")
    for name, a in r["accelerators"].items():
        kinds = ", ".join(f"{k} {v:,}" for k, v in a["counts"].items()) or "none"
        stdout.print(f"{name} ({a['machine']}): {a['commands']:,} commands: {kinds}", markup=False, highlight=False)
    stdout.print("host by kind: " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items()))
