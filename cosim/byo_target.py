"""A processor program sampled on hand-written RTL through a correspondence file
(`rtlgen.byo`): the core target with another design under it.

Everything of `core_target.CoreTarget` holds (profile, strata, tasks as deltas against the
program's loaded state, host calls serviced by `fastforward.riscv.Host` through
`core_sample.CoreRun`); what changes is the RTL a worker drives (a `ByoEngine` built from
the correspondence file, one per worker) and the truth cache's key (the design is the
user's Verilog and the file, not dcsim's generated core).

Warm-up. Injection restarts the design from reset, so the first instruction after it is
fetched afresh, where in a continuous run it may have been prefetched during its
predecessor (PicoRV32 does). From the second instruction on, nothing the core keeps
differs: DEFAULT_WARMUP = 2 instructions absorb it, and tests/test_byo_rtl.py checks that
every measured unit then has exactly the full run's cycles. A design with caches or a
deeper pipeline needs `--warmup W`.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from fastforward.backends import make_simulator
from fastforward.sim import Snapshot
from spec import ir
from spec.errors import DcsimError, MachineFault

from .core_sample import CoreRun, CoreSampleTask, divergences, program_state
from .core_target import DEFAULT_UNIT, CoreTarget
from .delta import apply_delta, installed_base
from .target import TargetDefaults
from .truth import cached_truth
from .worker import state_buffer, worker_machine

DEFAULT_WARMUP = 2
WATCHDOG = 1_000_000              # cycles without a retirement before the design counts as hung


@dataclass(frozen=True)
class ByoSampleTask(CoreSampleTask):
    rtl: str = ""                 # the correspondence file


@lru_cache(maxsize=None)
def byo_models(path: str, overrides: tuple, rtl: str, backend: str):
    """(design engine, reference simulator) in this process, built once (never freed: see rtlgen.engine)."""
    from rtlgen.byo import ByoEngine
    machine = worker_machine(path, overrides)
    return ByoEngine(machine, rtl), make_simulator(machine, backend)


def design_digest(machine: ir.Machine, rtl: str) -> str:
    """The design's identity: its Verilog and its correspondence file."""
    from rtlgen.byo import read_correspondence
    corr = read_correspondence(rtl, machine)
    return hashlib.sha256((corr.text + "\0" + corr.verilog_text()).encode()).hexdigest()[:16]


def measure_byo_sample(task: ByoSampleTask, base: dict | None = None) -> dict:
    """`core_sample.measure_core_sample` on the design: inject the state at the unit's
    detailed start, run warm-up and the unit, compare with the reference."""
    from fastforward.riscv import Host
    t0 = time.perf_counter()
    unit = task.unit
    base = base if base is not None else installed_base(task.state.base_key)
    machine = worker_machine(task.machine_path, task.overrides)
    rtl, reference = byo_models(task.machine_path, task.overrides, task.rtl, task.backend)
    reference.restore(Snapshot("", reference.machine.digest, {}, task.retired,
                               np.zeros_like(reference.counts), False, None, ()))
    apply_delta(reference.state, base, task.state)
    rtl.reset()
    rtl.inject(reference.state, retired=unit.detail_start)
    core = CoreRun(machine, rtl, state_buffer(rtl), task.host)
    begin = measured_from = rtl.cycles
    fault = None
    try:
        core.run_to(unit.start, WATCHDOG)
        measured_from = rtl.cycles
        core.run_to(unit.start + unit.length, WATCHDOG)
    except MachineFault as exc:                  # a trapping or hung design is a divergence like any other
        fault = f"the RTL stopped: {exc.message}"
    measured_to = rtl.cycles
    got = core.state()
    reference.watch_store(None, None)
    host = Host(reference, *task.host)
    try:
        reference.run(unit.warmup + unit.length)
    except MachineFault as exc:
        fault = (fault + "; " if fault else "") + f"the reference stopped: {exc.message}"
    problems = divergences(reference, host, got, rtl.retired, core, fault)
    return {"index": unit.index, "start": unit.start, "length": unit.length, "warmup": unit.warmup,
            "stratum": unit.stratum, "lookahead": 0, "lookahead_exact": True, "lookahead_tries": 1,
            "warmup_cycles": measured_from - begin, "cycles": measured_to - measured_from, "drain_cycles": 0,
            "env_calls": core.env_calls, "halted": core.halted, "state_ok": not problems,
            "divergence": problems, "seconds": time.perf_counter() - t0}


def byo_ground_truth(machine_path: str, overrides: tuple, rtl: str, initial: dict, host: tuple, unit: int,
                     limit: int | None = None, progress=None) -> dict:
    """The whole program on the design from `initial`: total cycles and every unit's."""
    machine = worker_machine(machine_path, overrides)
    eng, _ = byo_models(machine_path, overrides, rtl, "c")
    eng.reset()
    eng.inject(initial, retired=0)
    core = CoreRun(machine, eng, {k: v.copy() for k, v in initial.items()}, host)
    start = last = eng.cycles
    per_unit = []
    while True:
        target = (len(per_unit) + 1) * unit
        running = core.run_to(target if limit is None else min(target, limit), WATCHDOG)
        per_unit.append(eng.cycles - last)
        last = eng.cycles
        if not running or (limit is not None and eng.retired >= limit):
            break
        if progress is not None and len(per_unit) % 64 == 0:
            progress(eng.retired)
    core.state()
    return {"cycles": eng.cycles - start, "per_unit": per_unit, "instructions": eng.retired,
            "exit_code": core.exit_code if core.halted else None, "stdout": core.host.stdout,
            "stderr": core.host.stderr, "env_calls": core.env_calls}


class ByoCoreTarget(CoreTarget):
    """A program on the design of correspondence file `rtl`."""

    def __init__(self, machine: ir.Machine, program, rtl: str, backend: str = "c"):
        super().__init__(machine, program, backend)
        self.rtl = str(rtl)
        self.design = design_digest(machine, self.rtl)
        self.defaults = TargetDefaults(DEFAULT_UNIT, DEFAULT_WARMUP, 0, 0.0)

    measure = staticmethod(measure_byo_sample)

    def load(self):
        """Check the correspondence file and build the design here, before workers start."""
        from rtlgen.byo.engine import build_design
        build_design(self.machine, self.rtl)

    def task(self, unit, sim, base_key: str) -> ByoSampleTask:
        core = super().task(unit, sim, base_key)
        return ByoSampleTask(**{f: getattr(core, f) for f in core.__dataclass_fields__}, rtl=self.rtl)

    def truth(self, unit: int, use_cache: bool = True, progress=None) -> dict:
        """The whole program on the design: cycles, per-unit cycles, how it ended."""
        if self.prepared_unit is None:
            self.prepare(unit)
        program = self.program

        def run():
            out = byo_ground_truth(str(self.machine.path), tuple(sorted(self.machine.params)), self.rtl,
                                   program_state(self.machine, program), (program.tohost, program.fromhost), unit,
                                   limit=self.total, progress=progress)
            return {k: out[k] for k in ("cycles", "per_unit", "instructions", "exit_code")} | {
                "output_ok": out["stdout"] == program.expected_stdout}
        truth = cached_truth(self.machine, "byo", [program.name, program.digest, self.design], unit, run, use_cache)
        if (truth["instructions"], truth["exit_code"], truth["output_ok"]) != (self.total, program.expected_exit, True):
            raise DcsimError(f"the full run of {program.name} on {self.rtl} ended after {truth['instructions']} "
                             f"instructions with exit code {truth['exit_code']} (output "
                             f"{'as' if truth['output_ok'] else 'not as'} expected); the functional model ran "
                             f"{self.total} and exited {program.expected_exit}")
        return truth

    def identity(self) -> dict:
        return {"program": self.program.digest, "rtl": self.design}

    def report_extras(self, result) -> dict:
        cycles = sum(s["cycles"] for s in result.samples)
        instructions = sum(s["length"] for s in result.samples)
        return {**super().report_extras(result), "rtl": self.rtl, "rtl_design": self.design,
                "sampled_cpi": cycles / instructions if instructions else None}
