"""`dcsim run`: a workload or program on a functional model; checkpoints and signatures.

The logic lives in fastforward.session (jobs, checkpoints, run control); this is the
command-line face: argument checks, progress display, the report.
"""
from __future__ import annotations

from pathlib import Path

from spec import ir
from spec.errors import DcsimError

from fastforward import checkpoint
from fastforward.session import prepare_program, prepare_workload, resume
from fastforward.workloads import workload_lines

from .args import (add_machine_args, formatted, load_machine_arg, nonneg_int, output_error, positive_int,
                   writable_output)
from .functional import EXIT_NOT_VERIFIED, EXIT_PROGRAM_NONZERO, backend_of, execute, exit_status  # noqa: F401
from .output import emit_json, stdout


EXAMPLES = """\
examples:
  dcsim run hw/npu.yaml --workload gemm:64,64,64 --json
  dcsim run hw/npu.yaml --workload mlp:16,64,64,32 -D DIM=16 --backend py
  dcsim run hw/rv32i.yaml --program hello.elf --max-instructions 1000000
  dcsim run npu --workload gemm:256,256,256 --checkpoint-at 5000 --checkpoint-out g.ckpt
  dcsim run npu --restore g.ckpt --json                 resume; verified with the recorded workload
  dcsim run rv32i --program sort.elf --signature-interval 1000000 --signature-bbv 1024 --signature-out s.npz
  dcsim run vadd.yaml --workload my_workload.yaml --dump-state out/   a workload file (docs/workloads.md)
  dcsim run npu --workload gen.py:build:n=64                          a Python generator: build(machine, n=64)
  dcsim run npu --workload gemm:8,8,8 --export-workload g8/           write it as g8/workload.yaml
--workload takes a built-in name, a workload file (FILE.yaml: commands, preload, expect) or a
generator (module:function or path/to/gen.py:function, then :key=value,... arguments).
built-in workloads (accelerators; the prog: ones are RV32I programs for dcsim sample):
""" + workload_lines() + """
backend: c when a C compiler exists (cc, or $CC), else py with a notice on stderr
exit status: 0 done; 1 the result did not verify (against numpy or the file's expect); 2 a user error (bad file,
  option or workload); 3 a machine fault; 4 the program exited non-zero: its status is
  exit_code in the output (--json) and the 'exit code' line
"""


def add_parser(sub):
    p = formatted(sub, "run", help="run a workload or program on the functional model", epilog=EXAMPLES,
                  description="Run a workload (accelerators: a built-in, a workload file with inputs and "
                              "expected output, or a Python generator) or a program (processors: ELF, "
                              "flat binary, or .s assembly; accelerators: .s command list), or continue "
                              "from a checkpoint. Instruction indices (--max-instructions, "
                              "--checkpoint-at) count from the start of the program, also after --restore.")
    add_machine_args(p)
    what = p.add_mutually_exclusive_group()
    what.add_argument("--workload", metavar="NAME[:ARGS]|FILE.yaml|MODULE:FUNCTION",
                      help="built-in workload (e.g. gemm:64,64,64), workload file (FILE.yaml) or Python generator "
                      "(module:function, path/gen.py:function[:key=value,...]); with --restore: the checkpoint's "
                      "workload, to verify the result (default: the one it recorded)")
    what.add_argument("--program", metavar="FILE", help="program file to load and run")
    p.add_argument("--restore", metavar="CHECKPOINT", help="continue from a checkpoint file (its machine, state, "
                   "pending commands and host output; -D overrides default to the ones it was written with)")
    p.add_argument("--backend", choices=("py", "c", "native"), help="functional model backend: c (compiled; the "
                   "default when a C compiler exists), native (a processor's program translated to C: fastest "
                   "on long runs; compiles once per program) or py (the Python reference)")
    p.add_argument("--max-instructions", type=positive_int, metavar="N", help="stop when N instructions have retired")
    p.add_argument("--seed", type=nonneg_int, default=0, help="random seed of workload inputs (default 0)")
    p.add_argument("--checkpoint-at", type=nonneg_int, metavar="N", help="when N instructions have retired, write a "
                   "checkpoint and carry on (add --max-instructions N to stop there)")
    p.add_argument("--checkpoint-out", metavar="FILE", help="where --checkpoint-at writes the checkpoint")
    p.add_argument("--signature-interval", type=positive_int, metavar="K", help="record a signature (instructions of "
                   "each kind) every K instructions")
    p.add_argument("--signature-bbv", type=nonneg_int, default=0, metavar="B", help="processors: add a basic-block "
                   "vector of B buckets (a power of two, e.g. 1024) to each signature (default 0: off)")
    p.add_argument("--signature-out", metavar="FILE", help="where signatures go: .json, or else numpy .npz")
    p.add_argument("--dump-state", metavar="DIR", help="write the final architectural state to DIR, one NAME.npy "
                   "per state element (a workload file can preload them whole)")
    p.add_argument("--export-workload", metavar="DIR", help="write the workload as DIR/workload.yaml (commands.bin "
                   "and data files), a workload file that reads back identically; then run it")
    return p


def command(args) -> int:
    from spec.system import is_system_file

    from ..paths import machine_path
    if is_system_file(machine_path(args.spec)):
        from .run_system import run_system
        return run_system(args, machine_path(args.spec))
    defines = dict(args.defines)
    if args.restore and not defines:
        defines = _checkpoint_defines(args)
    return run_command(load_machine_arg(args, defines), args)


def _checkpoint_defines(args) -> dict:
    """The -D overrides a checkpoint was written with, if it is a checkpoint of this machine."""
    from spec import load_machine

    from ..paths import machine_path
    args.checkpoint = checkpoint.read(args.restore)
    defines = (args.checkpoint.extra.get("job") or {}).get("defines") or {}
    if not defines or load_machine(machine_path(args.spec)).name != args.checkpoint.machine:
        return {}
    args.defines = list(defines.items())
    return defines

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
    for path in (args.checkpoint_out, args.signature_out):     # before the run, not after it
        if path:
            writable_output(path)
    if getattr(args, "export_workload", None) and (not args.workload or args.restore):
        raise DcsimError("--export-workload DIR writes a workload: give --workload NAME, FILE.yaml or module:function "
                         "(without --restore)")
    for folder in (getattr(args, "dump_state", None), getattr(args, "export_workload", None)):
        if folder and Path(folder).exists() and not Path(folder).is_dir():
            raise DcsimError(f"cannot write into '{folder}': it is not a directory")


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
    exported = None
    if getattr(args, "export_workload", None) and job.workload is not None:
        try:
            exported = job.workload.to_file(args.export_workload, machine)
        except OSError as exc:
            raise output_error(args.export_workload, exc) from None
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
    if job.workload is not None:
        result["verified_against"] = (job.workload.verifier if job.workload.has_checks
                                      or job.workload.reference else None)
        if job.workload.source:
            result["workload_source"] = job.workload.source
    if exported is not None:
        result["exported"] = str(exported)
    if getattr(args, "dump_state", None):
        result["dump_state"] = dump_state(sim, Path(args.dump_state))
    if args.restore:
        result["restored_from"], result["restored_at"] = str(args.restore), start
    if args.checkpoint_out:
        result["checkpoint"] = {"path": str(args.checkpoint_out), "at": args.checkpoint_at}
    if args.signature_out:
        try:
            sigs = sim.signatures().save(args.signature_out)
        except OSError as exc:
            raise output_error(args.signature_out, exc) from None
        result["signatures"] = {"path": str(sigs), "interval": args.signature_interval,
                                "intervals": len(sim.signatures())}
    if job.host is not None:
        result["stdout"] = job.host.stdout.decode(errors="replace")
    if args.json:
        emit_json(result)
    else:
        report(result)
    return exit_status(verified, sim.halted, sim.exit_code)


def dump_state(sim, folder: Path) -> dict:
    """The final architectural state as folder/NAME.npy, one per state element."""
    import numpy as np
    try:
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for name, array in sim.state.items():
            np.save(folder / f"{name}.npy", np.array(array))
            files.append(f"{name}.npy")
    except OSError as exc:
        raise output_error(folder, exc) from None
    return {"path": str(folder), "files": files}


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
    against = r.get("verified_against") or "numpy"
    if r["verified"] is not None:
        stdout.print(f"verified against {against}: " + ("[bold green]yes[/]" if r["verified"] else "[bold red]NO[/]"),
                     highlight=False)
    elif against == "functional-model":
        stdout.print("verified: by dcsim rtl / dcsim sample, against this functional model's final state",
                     highlight=False)
    if "exported" in r:
        stdout.print(f"workload written to {r['exported']}", markup=False, highlight=False)
    if "dump_state" in r:
        d = r["dump_state"]
        stdout.print(f"final state: {len(d['files'])} .npy files in {d['path']}", markup=False, highlight=False)
    stdout.print("by kind: " + ", ".join(f"{k} {v:,}" for k, v in r["counts"].items()))
