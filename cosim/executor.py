"""Where samples run: in this process, a local process pool, or a Dask cluster.

`make_executor(text, base)`: `inline` (this process), `local[:N]` (a process pool of N
workers, default: the machine's cores; each worker loads the Verilated model and the
reference simulator once), `dask://HOST:PORT` (a Dask cluster; the base state is
scattered once to every worker). Every worker holds the campaign's base state, so that a
task carries only the state's difference from it (`delta`).
"""
from __future__ import annotations

import gc
import multiprocessing
import os
import uuid
from concurrent.futures import Executor, Future, ProcessPoolExecutor

from spec import ir
from spec.errors import DcsimError

from .delta import install_base
from .worker import prepare_worker, remember_machine

WORKER_NICENESS = 5               # long on 2 cores, median of 5: 0.654 s at 0, 0.616 s at 5 (`_start_worker`)


class InlineExecutor(Executor):
    """Runs each task when submitted: for tests, debugging, and one-core machines."""

    def submit(self, fn, *args, **kwargs):
        future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:            # delivered to the caller through the future
            future.set_exception(exc)
        return future


class SampleExecutor:
    """Where samples run, with the campaign's base state (`base_key`) already in every worker."""

    def __init__(self, kind: str, workers: int, executor: Executor, base_key: str, base_arg=None, client=None,
                 frozen: bool = False):
        self.kind, self.workers, self.executor, self.base_key = kind, workers, executor, base_key
        self._base_arg, self._client, self._frozen = base_arg, client, frozen

    def submit(self, task, measure) -> Future:
        """Run `measure(task)` on a worker (a target's measure function); a Dask worker also
        gets the scattered base state."""
        if self._base_arg is not None:
            return self.executor.submit(measure, task, self._base_arg)
        return self.executor.submit(measure, task)

    def shutdown(self):
        if self._client is not None:             # Dask: closing the client drops its tasks
            self._client.close()
        else:
            self.executor.shutdown(wait=True, cancel_futures=True)
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.shutdown()


def parse_executor(text: str | None) -> tuple[str, int | str]:
    """'inline' | 'local' | 'local:N' | 'dask://HOST:PORT' -> (kind, workers or address)."""
    text = (text or "local").strip()
    if text == "inline":
        return "inline", 1
    if text.startswith("dask://") or text.startswith("tcp://"):
        return "dask", "tcp://" + text.split("://", 1)[1]
    kind, _, n = text.partition(":")
    if kind == "local":
        try:
            workers = int(n) if n else (os.cpu_count() or 1)
        except ValueError:
            workers = 0
        if workers >= 1:
            return "local", workers
    raise DcsimError(f"bad --executor '{text}': use local, local:N (N worker processes), inline, "
                     "or dask://HOST:PORT (a Dask scheduler)")


def make_executor(text: str | None, base: dict, prepare: tuple | None = None, machine=None) -> SampleExecutor:
    """An executor whose workers hold `base`, the campaign's initial state. `prepare`
    ((machine path, overrides, backend), local pools): every worker, as it starts, also
    loads that machine's models and puts `base` into them (`worker.prepare_worker`);
    `machine`: that machine, handed to forked workers instead of loaded again by each."""
    kind, arg = parse_executor(text)
    key = _new_key()
    if kind == "dask":
        return _dask(arg, base, key)
    if kind == "inline" or arg == 1:
        install_base(key, base)
        return SampleExecutor("inline", 1, InlineExecutor(), key)
    context = _pool_context()
    frozen = _freeze_for_fork(context)
    try:
        given = machine if prepare is not None and context.get_start_method() == "fork" else None
        pool = ProcessPoolExecutor(max_workers=arg, mp_context=context, initializer=_start_worker,
                                   initargs=(key, base, prepare, given))
    except BaseException:
        if frozen:
            gc.unfreeze()
        raise
    return SampleExecutor("local", arg, pool, key, frozen=frozen)


def _new_key() -> str:
    """A name for this executor's base state in its workers: fresh per executor, not a hash of
    the state (hashing 16 MiB cost ~14 ms of every sampled run). A worker's `Resident` then
    never takes state held from another executor's campaign, even one forked from a process
    that ran the same workload before, for the current one."""
    return uuid.uuid4().hex[:16]


def _freeze_for_fork(context) -> bool:
    """Before forking workers: move every object of this process out of the garbage
    collector's reach (`gc.freeze`) until the pool shuts down. A forked worker shares this
    process's memory copy-on-write; a full collection, in a worker or here, writes the header
    of every tracked object (~30k of them, spread over the heap) and so copies the pages that
    hold them: on `long` ~90k page faults in the workers and ~0.3 s of CPU per sampled run,
    in most runs of a process that has run one before. True if this call froze (then
    `SampleExecutor.shutdown` unfreezes)."""
    if context.get_start_method() != "fork" or gc.get_freeze_count():
        return False
    gc.freeze()
    return True


def _start_worker(key: str, base: dict, prepare: tuple | None = None, machine=None):
    """A local worker: below the campaign process in CPU priority, so that on a machine with no
    spare core the fast-forward (the campaign's critical path: every sample waits for it)
    is not slowed by the samples it has already handed out; then the base state, and with
    `prepare` the models holding it (in the initializer, so that every worker is prepared,
    not only those that happen to take a `warm_up_workers` task)."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError:                              # not permitted here: run at the same priority
        pass
    install_base(key, base)
    if machine is not None:                      # forked: the campaign's own machine object
        remember_machine(prepare[0], prepare[1], machine)
    if prepare is not None:
        try:
            prepare_worker(*prepare, key)
        except Exception:                        # the first sample reports what is wrong
            pass


def _pool_context():
    """`fork` when this process runs no other thread (starting a worker then costs ~10 ms and
    the workers inherit the imported modules), else `forkserver` (a fork of a threaded
    process may inherit held locks); a forkserver's first worker waits ~0.2 s per worker for
    the server's imports, a tenth of the long workload's sampled run."""
    import threading
    if "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["cosim.queue_sample", "cosim.core_sample"])
    return context


def warm_up_workers(executor: SampleExecutor, machine: ir.Machine, backend: str):
    """Start every local worker now, while the campaign plans: load its models and put the
    base state into them (`worker.prepare_worker`; a pool made with `prepare` has already
    done so as each worker started), so that its first sample restores only that sample's
    pages instead of two 16 MiB copies on the critical path."""
    if executor.kind == "local":
        for _ in range(executor.workers):
            executor.executor.submit(prepare_worker, str(machine.path), tuple(sorted(machine.params)), backend,
                                     executor.base_key)


def _dask(address: str, base: dict, key: str) -> SampleExecutor:
    try:
        from distributed import Client
    except ImportError:
        raise DcsimError("--executor dask://... needs Dask's distributed package: pip install 'dcsim[cluster]'") from None
    try:
        client = Client(address, timeout=10)
    except OSError as exc:
        raise DcsimError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
    [scattered] = client.scatter([base], broadcast=True, hash=False)     # once per worker, not per task
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    return SampleExecutor("dask", workers, client.get_executor(pure=False), key, scattered, client)
