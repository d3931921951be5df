"""A functional-model run as the command line drives it: what to run, where to stop,
checkpoints to write, and how to resume from one.

A `Job` is what runs on the simulator (a built-in workload, a program file, or whatever a
checkpoint holds) plus how to check it. `job_extra` is what a checkpoint must carry to
resume the job: the workload's name and seed (so that a restored run can still be
verified against numpy), and for processors the host environment (tohost address and the
output written so far). `resume` rebuilds the job from a checkpoint.
"""
from __future__ import annotations

import base64
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from spec import Assembler, ir
from spec.errors import DcsimError

from . import checkpoint

FIRST_CHUNK, MAX_CHUNK = 1 << 12, 1 << 26
CHUNK_SECONDS = 0.05            # grow run() chunks until one takes about this long (progress, Ctrl-C)


@dataclass
class Job:
    """What to run and how to check it."""
    name: str
    total: int | None = None               # instructions the whole job runs, if known
    verify: Callable | None = None
    host: object = None                    # riscv.Host for processor programs
    workload: object = None                # the built-in Workload, if the job is one
    record: dict = field(default_factory=dict)   # how to rebuild the job (saved in checkpoints)


def prepare_workload(machine: ir.Machine, sim, text: str, seed: int) -> Job:
    """A workload (built-in name, workload file or module:function, `workloads.load_workload`)
    prepared on `sim`; verified only if it carries an expected output."""
    from .workloads import load_workload
    from .workloads.files import workload_kind
    workload = load_workload(machine, text, seed=seed)
    workload.prepare(sim)
    if workload_kind(text) == "file":               # a checkpoint resumed elsewhere still finds the file
        text = str(Path(text.strip()).resolve())
    return Job(workload.name, len(workload.commands), workload.verify if workload.has_checks else None,
               workload=workload, record={"kind": "workload", "workload": text, "seed": seed})


def prepare_program(machine: ir.Machine, sim, path: Path) -> Job:
    record = {"kind": "program", "program": path.name}
    if machine.queue is not None:
        words = Assembler(machine).assemble(_program_text(path), str(path)).words
        sim.push(words)
        return Job(path.name, len(words), record=record)
    from . import riscv
    source = program_input(machine, path)
    if isinstance(source, bytes):        # assembled: a flat image even if it happens to start like an ELF
        program = riscv.load_binary(sim, source, name=str(path))
    else:
        program = riscv.load_program(sim, source)
    return Job(path.name, host=riscv.attach_host(sim, program), record=record)


def program_input(machine: ir.Machine, path: Path) -> Path | bytes:
    """A processor's program file as `riscv.load_program` takes it: `.s` assembly is assembled
    for `machine` into a flat image; an ELF or flat binary stays a path (the loader reads it,
    and its errors name the file). `dcsim run`, `sample` and `rtl` all load programs so."""
    path = Path(path)
    if path.suffix != ".s":
        return path
    image = Assembler(machine).assemble(_program_text(path), str(path)).to_bytes()
    if not image:
        from .riscv import ProgramLoadError
        raise ProgramLoadError(str(path), "empty program: the assembly has no instructions")
    return image


def _program_text(path: Path) -> str:
    """An assembly file's text; a bad byte is an error at its line:col, like in a machine file."""
    from spec.loader import decode_utf8

    from .riscv import read_program_file
    return decode_utf8(read_program_file(path), str(path))


# ----------------------------------------------------------- checkpoints
def job_extra(job: Job) -> dict:
    extra = {"job": dict(job.record)}
    if job.host is not None:
        h = job.host
        extra["host"] = {"tohost": h.tohost, "fromhost": h.fromhost,
                         "stdout": base64.b64encode(h.stdout).decode(), "stderr": base64.b64encode(h.stderr).decode()}
    return extra


def resume(machine: ir.Machine, sim, ckpt: checkpoint.Checkpoint, workload: str | None = None,
           seed: int | None = None) -> Job:
    """Restore `ckpt` into `sim` and rebuild its job; `workload` (given again) enables verification."""
    checkpoint.restore(sim, ckpt)
    record = dict(ckpt.extra.get("job") or {})
    name = f"{record.get('workload') or record.get('program') or 'checkpoint'} (from {ckpt.path.name})"
    job = Job(name, record=record)
    if machine.queue is not None:
        job.total = sim.retired + sim.pending_count()
    if record.get("kind") == "workload" or workload:
        job.verify = _workload_check(machine, record, workload, seed, ckpt.path)
    host = ckpt.extra.get("host")
    if machine.fetch is not None:
        job.host = _restored_host(sim, host or {}, ckpt.path)
    return job


def _restored_host(sim, host: dict, path: Path):
    """The host environment a processor checkpoint recorded (types checked by checkpoint.read)."""
    import binascii

    from . import riscv
    try:
        restored = riscv.Host(sim, host.get("tohost"), host.get("fromhost"))
        restored._out[1] += base64.b64decode(host.get("stdout", ""), validate=True)
        restored._out[2] += base64.b64decode(host.get("stderr", ""), validate=True)
    except riscv.ProgramLoadError as exc:
        raise checkpoint.CheckpointError(path, f"bad host record in the checkpoint: {exc.message}") from None
    except binascii.Error:
        raise checkpoint.CheckpointError(path, "bad host record in the checkpoint: the saved output is not "
                                               "base64") from None
    return restored


def _workload_check(machine, record: dict, workload: str | None, seed: int | None, path: Path):
    from .workloads import load_workload
    saved = (record.get("workload"), record.get("seed", 0)) if record.get("kind") == "workload" else None
    if workload:
        from .workloads.files import workload_kind
        if workload_kind(workload) == "file":
            workload = str(Path(workload.strip()).resolve())
    given = (workload, 0 if seed is None else seed) if workload else None
    if saved and given and (given[0].replace(" ", ""), given[1]) != (saved[0].replace(" ", ""), saved[1]):
        raise checkpoint.CheckpointError(path, f"the checkpoint ran workload {saved[0]} (seed {saved[1]}), "
                                               f"not {given[0]} (seed {given[1]})",
                                         "omit --workload to verify against the checkpoint's own workload")
    text, wseed = given or saved
    record.update(kind="workload", workload=text, seed=wseed)
    work = load_workload(machine, text, seed=wseed)
    return work.verify if work.has_checks else None


# ---------------------------------------------------------------- running
def run_to(sim, stop: int | None, on_progress: Callable[[int], None] | None = None) -> bool:
    """Run until `retired == stop` (None: to the end); False if the machine stopped first.

    Chunks grow until one takes about CHUNK_SECONDS, so progress callbacks cost nothing
    measurable on the C backend and Ctrl-C still answers quickly."""
    chunk = FIRST_CHUNK
    while stop is None or sim.retired < stop:
        n = chunk if stop is None else min(chunk, stop - sim.retired)
        start = time.perf_counter()
        done = sim.run(n)
        if on_progress is not None:
            on_progress(sim.retired)
        if done < n:
            return False
        if time.perf_counter() - start < CHUNK_SECONDS:
            chunk = min(2 * chunk, MAX_CHUNK)
    return True


def run_with_checkpoint(sim, job: Job, limit: int | None, checkpoint_at: int | None, checkpoint_out: Path | None,
                        on_progress=None) -> tuple[float, Path | None]:
    """Run to the end or `limit`; at `checkpoint_at` write a checkpoint and carry on.

    Returns (wall seconds spent simulating, the checkpoint written or None)."""
    written, seconds = None, 0.0
    if checkpoint_at is not None:
        if checkpoint_at < sim.retired:
            raise DcsimError(f"--checkpoint-at {checkpoint_at}: instruction {sim.retired} has already retired")
        start = time.perf_counter()
        reached = run_to(sim, checkpoint_at if limit is None else min(limit, checkpoint_at), on_progress)
        seconds += time.perf_counter() - start
        if not reached or sim.retired != checkpoint_at:
            raise DcsimError(f"the run stopped at instruction {sim.retired:,}, before --checkpoint-at "
                             f"{checkpoint_at:,}; no checkpoint written")
        written = checkpoint.save(sim, checkpoint_out, job_extra(job))
    start = time.perf_counter()
    run_to(sim, limit, on_progress)
    return seconds + time.perf_counter() - start, written
