"""A processor (a fetch machine) running a program, as a sampling target.

A unit is U consecutive instructions. Unlike a command stream, a program's instruction
count and phases are only known by running it, so `prepare` first *profiles* the program
on the functional model: one C-simulator pass to the end with per-unit signatures
(instructions of each kind in every unit of U instructions, `fastforward/signature.py`),
which gives the population (units), the strata (k-means of the kind histograms) and
verifies the run (the program's exit code and output). The C model runs ~100x faster
than the RTL, so this pass is cheap. Samples run on the generated multi-cycle core
(`core_sample`): W = 0 is exact there, so the estimate carries no measurement-bias
allowance.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from fastforward.backends import make_simulator
from spec import ir
from spec.errors import DcsimError

from . import plan as plans
from .core_sample import (CORE_MEASUREMENT_BIAS, DEFAULT_WARMUP, CoreSampleTask, core_ground_truth,
                          measure_core_sample, program_state)
from .delta import make_delta
from .plan import SampleUnit
from .strata import kmeans
from .target import TargetDefaults
from .truth import cached_truth

DEFAULT_UNIT = 1000               # instructions; why: cosim/sampling.py


@dataclass
class Profile:
    """The program's functional run: population, per-unit kind histograms, verification."""
    instructions: int
    unit: int
    histograms: np.ndarray        # (units, kinds): fraction of each instruction kind per unit
    verified: bool
    exit_code: int | None
    stdout: bytes
    seconds: float
    base: dict                    # the architectural state with the program loaded (pc at its entry)


def profile(machine: ir.Machine, program, unit: int, backend: str = "c") -> Profile:
    """Run `program` to the end on the functional model with a signature every `unit` instructions."""
    sim = make_simulator(machine, backend)
    host = program.prepare(sim)
    base = {k: v.copy() for k, v in sim.state.items()}
    sim.enable_signatures(unit)
    t0 = time.perf_counter()
    sim.run()
    seconds = time.perf_counter() - t0
    counts = sim.signatures().counts
    if sim.retired % unit:                            # the last, partial unit is not a recorded interval
        counts = np.vstack([counts, sim.counts - counts.sum(axis=0)])
    assert len(counts) == plans.units_in(sim.retired, unit), (len(counts), sim.retired, unit)
    hist = counts.astype(np.float64)
    hist /= np.maximum(hist.sum(axis=1, keepdims=True), 1)
    return Profile(sim.retired, unit, hist, program.verify(sim, host), sim.exit_code if sim.halted else None,
                   host.stdout, seconds, base)


def core_labels(prof: Profile, strata: int, seed: int = 0) -> np.ndarray:
    """A stratum label per unit: k-means of the per-unit kind histograms, and the program's
    last unit, when it is shorter than U, a stratum of its own. A partial unit's cycles are
    not comparable with full units' (on the bundled crc it takes 1472 cycles among units of
    ~2000-2300): inside another stratum two samples usually miss it, and the 99.7% interval
    missed the truth in 11 of 200 seeds; alone it is always measured (a take-all stratum)
    and exact."""
    labels = kmeans(prof.histograms, strata, seed=seed)
    if prof.instructions % prof.unit:
        labels = labels.copy()
        labels[-1] = labels.max() + 1
    return labels


# The fast-forward between samples runs on the native backend (the program translated to C,
# fastforward/native.py: ~10x the C interpreter) when the compiled backend is chosen: it has
# the C backend's snapshots, written-page tracking and host calls. The profile keeps the
# chosen backend (signatures are recorded by the interpreter either way) and so do the
# workers: each starts from a different state, and a translation per sample would cost a
# compilation per sample.
FAST_FORWARD = {"c": "native"}


class CoreTarget:
    kind, items = "core", "instructions"
    measure = staticmethod(measure_core_sample)

    def __init__(self, machine: ir.Machine, program, backend: str = "c"):
        self.machine, self.program, self.backend = machine, program, backend
        self.name = program.name
        self.defaults = TargetDefaults(DEFAULT_UNIT, DEFAULT_WARMUP, 0, CORE_MEASUREMENT_BIAS)
        self.verified: bool | None = None
        self.end_checked = False
        self.prepared_unit: int | None = None
        self.profile: Profile | None = None
        self._labels: dict = {}

    # ------------------------------------------------------------ before planning
    def load(self):
        """Nothing: the program is its own binary."""

    def prepare(self, unit: int):
        """Profile the program with signatures every `unit` instructions (see the module); a
        program that does not run correctly on the functional model is not sampled."""
        if self.prepared_unit == unit:
            return
        prof = self.profile = profile(self.machine, self.program, unit, self.backend)
        if prof.verified is False:
            raise DcsimError(f"{self.name} did not run correctly on the functional model (exit code "
                             f"{prof.exit_code}, expected {self.program.expected_exit}); nothing to sample")
        self.total, self.base, self.verified, self.end_checked = prof.instructions, prof.base, prof.verified, True
        self.prepared_unit, self._labels = unit, {}

    def labels(self, unit: int, strata: int, seed: int) -> np.ndarray:
        self.prepare(unit)
        if (strata, seed) not in self._labels:        # both passes of a campaign stratify alike
            self._labels[strata, seed] = core_labels(self.profile, strata, seed)
        return self._labels[strata, seed]

    # ------------------------------------------------------------ the campaign
    def start(self):
        """The functional model with the program loaded; its host services the fast-forward's env calls."""
        sim = make_simulator(self.machine, FAST_FORWARD.get(self.backend, self.backend))
        self.program.prepare(sim)
        return sim

    def task(self, unit: SampleUnit, sim, base_key: str) -> CoreSampleTask:
        # host calls during the fast-forward write pages no tracker saw: the delta compares with the base
        return CoreSampleTask(str(self.machine.path), tuple(sorted(self.machine.params)), unit,
                              make_delta(sim.state, self.base, base_key), sim.retired,
                              (self.program.tohost, self.program.fromhost), self.backend)

    def retry(self, task, record: dict):
        return None                                   # a core's sample is exact in one run

    def check_end(self, sim) -> bool | None:
        return self.profile.verified                  # (not called: the profile ran the program to its end)

    # ------------------------------------------------------------ truth and reports
    def truth(self, unit: int, use_cache: bool = True, progress=None) -> dict:
        """The whole program on the RTL core: cycles, per-unit cycles, how it ended."""
        if self.prepared_unit is None:
            self.prepare(unit)                        # the functional run's length bounds the RTL's
        program = self.program

        def run():
            out = core_ground_truth(str(self.machine.path), tuple(sorted(self.machine.params)),
                                    program_state(self.machine, program), (program.tohost, program.fromhost), unit,
                                    limit=self.total, progress=progress)
            return {"cycles": out["cycles"], "per_unit": out["per_unit"], "instructions": out["instructions"],
                    "exit_code": out["exit_code"], "output_ok": out["stdout"] == program.expected_stdout}
        truth = cached_truth(self.machine, "core", [program.name, program.digest], unit, run, use_cache)
        if (truth["instructions"], truth["exit_code"], truth["output_ok"]) != (self.total, program.expected_exit, True):
            raise DcsimError(f"the full RTL run of {program.name} ended after {truth['instructions']} instructions "
                             f"with exit code {truth['exit_code']} (output {'as' if truth['output_ok'] else 'not as'} "
                             f"expected); the functional model ran {self.total} and exited {program.expected_exit}")
        return truth

    def identity(self) -> dict:
        return {"program": self.program.digest}

    def report_extras(self, result) -> dict:
        prof = self.profile
        return {"instructions": prof.instructions, "exit_code": prof.exit_code,
                "profile_seconds": round(prof.seconds, 3),
                "functional_seconds": round(result.functional_seconds + prof.seconds, 3),
                "env_calls_sampled": sum(s.get("env_calls", 0) for s in result.samples)}
