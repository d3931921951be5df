"""An accelerator (a queue machine) running a command stream, as a sampling target.

A unit is U consecutive commands. The workload's commands are known in advance, so its
length, its binary (encoded once and shared by the functional model, the strata and the
full RTL run) and its strata (k-means of each unit's command-kind mix, `strata`) need no
run. Samples run on the generated decoupled RTL with a warm-up of several in-flight
windows and an exact look-ahead (`queue_sample`), so each carries the warm-up's
measurement-bias bound (`estimate.MEASUREMENT_BIAS`).
"""
from __future__ import annotations

import numpy as np

from fastforward.backends import make_simulator
from fastforward.sim import new_state
from spec import ir
from spec.encoding import LimbWords, command_limbs, machine_limbs

from .delta import Checkpoints, make_delta
from .estimate import MEASUREMENT_BIAS
from .plan import SampleUnit
from .queue_sample import (LOOKAHEAD_BUDGET, LOOKAHEAD_STEP, SampleTask, default_warmup, ground_truth,
                           in_flight_window, measure_sample)
from .strata import kind_counts, kmeans
from .target import TargetDefaults
from .truth import cached_truth

DEFAULT_UNIT = 200                # commands; why: cosim/sampling.py
REGRESSION_SAMPLES, REGRESSION_STRATA = 18, 6


class QueueTarget:
    """`lookahead`: commands first pushed after each unit (default: the RTL's in-flight window);
    `adaptive=False` pushes exactly that many (for studying the look-ahead itself)."""

    kind, items = "queue", "commands"
    measure = staticmethod(measure_sample)

    def __init__(self, machine: ir.Machine, workload, backend: str = "c", lookahead: int | None = None,
                 adaptive: bool = True, seed: int = 0):
        self.machine, self.workload, self.backend, self.seed = machine, workload, backend, seed
        self.name = workload.name
        self.adaptive = adaptive
        self.lookahead = in_flight_window(machine) if lookahead is None else lookahead
        # the regression estimate (estimate.regression_estimate) on the command counts needs half the
        # stratified plan's units: 18 in 6 strata, three per stratum (why: cosim/estimate.py)
        self.defaults = TargetDefaults(DEFAULT_UNIT, default_warmup(machine), in_flight_window(machine),
                                       MEASUREMENT_BIAS, samples=REGRESSION_SAMPLES, strata=REGRESSION_STRATA)
        self.verified: bool | None = None
        self.end_checked = False
        self.base = self.binary = self.words = None
        self.checkpoints: Checkpoints | None = None
        self.prepared_unit: int | None = None
        self._labels: dict = {}
        self._counts: dict = {}

    # ------------------------------------------------------------ before planning
    def load(self):
        """The workload as the machine takes it: its initial architectural state (inputs in
        DRAM) and its binary, the commands as (n, limbs) uint64, encoded once (3.2e6 commands
        of the long workload take ~0.8 s) for the functional model, the strata and the full
        RTL run. Nothing runs."""
        if self.base is None:
            self.base = base_state(self.machine, self.workload)
            self.checkpoints = Checkpoints(self.base)
            if hasattr(self.workload, "limbs"):     # a built-in workload: built as its binary
                self.binary = self.workload.limbs(machine_limbs(self.machine))
            else:
                commands = self.workload.commands
                self.binary = command_limbs(commands if isinstance(commands, list) else list(commands),
                                            machine_limbs(self.machine))
            self.total = len(self.binary)
            # the commands as ints are made from the binary only where a task needs them: a
            # built-in workload's `commands` makes all 3.2e6 ints on first read (0.3-0.8 s on `long`)
            self.words = LimbWords(self.binary)

    def prepare(self, unit: int):
        self.load()
        self.prepared_unit = unit

    def covariates(self, unit: int) -> np.ndarray:
        """Per unit, its commands of each kind (the functional model's decoder, one C pass): the
        strata come from their mix, the regression estimate from the counts themselves."""
        self.load()
        if unit not in self._counts:
            self._counts[unit] = kind_counts(self.machine, self.words, unit, self.binary)
        return self._counts[unit]

    def labels(self, unit: int, strata: int, seed: int) -> np.ndarray:
        key = (unit, strata, seed)
        if key not in self._labels:                 # both passes of a campaign stratify alike
            counts = self.covariates(unit).astype(np.float64)
            self._labels[key] = kmeans(counts / counts.sum(axis=1, keepdims=True), strata, seed=seed)
        return self._labels[key]

    # ------------------------------------------------------------ the campaign
    def start(self):
        """The functional model with the base state and the workload's commands queued; its
        written pages are tracked from here (tasks then carry them, no 16 MiB compares)."""
        sim = make_simulator(self.machine, self.backend)
        for name, array in self.base.items():
            np.copyto(sim.state[name], array)
        if self.backend == "c":         # the C model reads the binary; push_encoded's list of 3.2e6 ints
            sim.push_limbs(self.binary)  # touches every command object: copies of pages forked workers share
        else:
            sim.push_encoded(self.workload.commands, self.binary)
        if hasattr(sim, "clean"):
            sim.clean()
        self.checkpoints.start(sim)
        return sim

    def skip_ahead(self, sim, position: int):
        """Jump the walking model to the latest state a task of this target carried at or before
        command `position` (a later pass walks from there, `delta.Checkpoints`)."""
        self.checkpoints.skip_ahead(sim, position)

    def task(self, unit: SampleUnit, sim, base_key: str) -> SampleTask:
        """The sample's task: the warm-up's, the unit's and a budget of look-ahead commands
        (LOOKAHEAD_BUDGET times the first look-ahead; `queue_sample.measure_sample`)."""
        budget = LOOKAHEAD_BUDGET * max(self.lookahead, LOOKAHEAD_STEP) if self.adaptive else self.lookahead
        commands = self.words                          # sliced: only these commands become ints
        end = unit.start + unit.length + budget
        state = make_delta(sim.state, self.base, base_key, self.checkpoints.changed(sim))
        self.checkpoints.keep(sim.retired, state)
        return SampleTask(str(self.machine.path), tuple(sorted(self.machine.params)), unit, state, sim.retired,
                          tuple(commands[unit.detail_start:end]), self.backend, self.lookahead,
                          end >= len(commands), self.adaptive)

    def retry(self, task: SampleTask, record: dict) -> SampleTask | None:
        """A sample whose look-ahead budget ran out before it was exact goes again with four
        times the budget."""
        if task.adaptive and not record.get("lookahead_exact", True):
            return task.extended(self.words, LOOKAHEAD_BUDGET * task.budget)
        return None

    def check_end(self, sim) -> bool | None:
        """The functional model's final state against the workload's expected output (None:
        it has none, e.g. `expect: functional-model`)."""
        if not hasattr(self.workload, "verify") or not getattr(self.workload, "has_checks", True):
            return None
        return bool(self.workload.verify(sim))

    # ------------------------------------------------------------ truth and reports
    def truth(self, unit: int, use_cache: bool = True, progress=None) -> dict:
        """The whole workload on the RTL, given the same binary as the sampled run."""
        self.load()

        def run():
            out = ground_truth(str(self.machine.path), tuple(sorted(self.machine.params)), self.base, self.binary,
                               unit, progress=progress)
            return {"cycles": out["cycles"], "per_unit": out["per_unit"], "commands": self.total}
        content = [self.name, self.binary, self.base]
        return cached_truth(self.machine, "queue", content, unit, run, use_cache)

    def identity(self) -> dict:
        return {"lookahead": self.lookahead, "lookahead_rule": "extend-until-pending" if self.adaptive else "fixed"}

    def report_extras(self, result) -> dict:
        extras = {"commands": self.total, "lookahead": self.lookahead}
        if getattr(self.workload, "reference", None):     # expect: functional-model: the samples' state checks
            extras.update(verified=not result.diverged, verified_against=self.workload.reference)
        elif getattr(self.workload, "has_checks", False):
            extras["verified_against"] = self.workload.verifier
        return extras


def base_state(machine: ir.Machine, workload) -> dict:
    """The workload's initial architectural state (inputs in DRAM), without running anything."""
    state = new_state(machine)
    workload.preload(state)
    return state
