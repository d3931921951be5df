"""Running a functional model from the command line: the backend, the progress display and
dcsim's exit status. Shared by `dcsim run` for machine files (run.py) and system files
(run_system.py), and by `dcsim rtl` for the reference run."""
from __future__ import annotations

from fastforward.session import Job, run_with_checkpoint

from .output import progress, stderr

# Exit codes of `dcsim run`. A program's own exit status is not passed through: a program
# exiting 2 or 3 would read as a user error or a machine fault of dcsim itself.
EXIT_NOT_VERIFIED = 1
EXIT_PROGRAM_NONZERO = 4


def backend_of(args) -> str:
    if args.backend:
        return args.backend
    from fastforward.backends import default_backend
    name, notice = default_backend()
    if notice:
        stderr.print(notice, markup=False, highlight=False)
    return name


def execute(sim, job: Job, limit: int | None, show_progress: bool, plan: tuple = (None, None)) -> float:
    """Run to the end (or `limit` instructions), writing the checkpoint of `plan`; wall seconds."""
    total = min(job.total, limit) if job.total is not None and limit else (job.total or limit)
    with progress(f"running {job.name}", total, show_progress) as bar:
        task = bar.add_task(f"running {job.name}", total=total, rate="")
        seconds, _ = run_with_checkpoint(sim, job, limit, *plan, on_progress=lambda r: bar.update(task, completed=r))
    return seconds


def exit_status(verified: bool | None, halted: bool, exit_code: int | None) -> int:
    """dcsim's exit status (see EXAMPLES): the program's own status is in the output."""
    if verified is False:
        return EXIT_NOT_VERIFIED
    return EXIT_PROGRAM_NONZERO if halted and exit_code else 0
