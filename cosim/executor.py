"""Where samples run: in this process, a local process pool, or a Dask cluster.

`make_executor(text, base)`: `inline` (this process), `local[:N]` (a process pool of N
workers, default: the machine's cores; each worker loads the Verilated model and the
reference simulator once), `dask://HOST:PORT` (a Dask cluster; the base state is
scattered once to every worker). Every worker holds the campaign's base state, so that a
task carries only the state's difference from it (`delta`).
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor

from spec import ir
from spec.errors import DcsimError

from .delta import base_key, install_base
from .worker import prepare_worker

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

    def __init__(self, kind: str, workers: int, executor: Executor, base_key: str, base_arg=None, client=None):
        self.kind, self.workers, self.executor, self.base_key = kind, workers, executor, base_key
        self._base_arg, self._client = base_arg, client

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


def make_executor(text: str | None, base: dict) -> SampleExecutor:
    """An executor whose workers hold `base`, the campaign's initial state."""
    kind, arg = parse_executor(text)
    key = base_key(base)
    if kind == "dask":
        return _dask(arg, base, key)
    if kind == "inline" or arg == 1:
        install_base(key, base)
        return SampleExecutor("inline", 1, InlineExecutor(), key)
    context = _pool_context()
    pool = ProcessPoolExecutor(max_workers=arg, mp_context=context, initializer=_start_worker, initargs=(key, base))
    return SampleExecutor("local", arg, pool, key)


def _start_worker(key: str, base: dict):
    """A local worker: below the campaign process in CPU priority, so that on a machine with no
    spare core the fast-forward (the campaign's critical path: every sample waits for it)
    is not slowed by the samples it has already handed out; then the base state."""
    try:
        os.nice(WORKER_NICENESS)
    except OSError:                              # not permitted here: run at the same priority
        pass
    install_base(key, base)


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
    """Start every local worker and load its models now, overlapping the fast-forward."""
    if executor.kind == "local":
        for _ in range(executor.workers):
            executor.executor.submit(prepare_worker, str(machine.path), tuple(sorted(machine.params)), backend)


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
