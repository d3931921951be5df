"""The sampling target interface: what a kind of machine provides to be sampled.

Everything else in sampled co-simulation exists once and works on any target: the
campaign loop (`campaign.run_campaign`: fast-forward, ship states, collect samples), the
planner (`plan.from_args` over the target's strata labels), the estimator and its coverage
fix (`estimate.estimate_total`), the second pass (`passes.second_pass`), the executors
(`executor.make_executor`), the resumable store, the truth cache (`truth.cached_truth`)
and the report (`report.build_report`). Four targets implement the interface today:

- `queue_target.QueueTarget`: an accelerator (a queue machine) running a command stream;
  a unit is U commands; samples run on the generated decoupled RTL (`queue_sample`).
- `core_target.CoreTarget`: a processor (a fetch machine) running a program; a unit is U
  instructions; samples run on the generated core and service the program's environment
  calls (`core_sample`).
- `byo_target.ByoCoreTarget`: the same on hand-written RTL behind a correspondence file.
- `system_target.SystemTarget`: a host core driving an accelerator (a system file); a unit
  is U host instructions; samples run on both parts' RTL stepped together (`system_rtl`).

Adding a target (another kind of machine, or several accelerators behind one host)
means writing one class with the members of `SamplingTarget`
and one module-level measure function; nothing in the campaign, planner, estimator,
store, truth cache or report changes:

1. `load()`: the workload in the form the machine takes it, outside the timed sampled run
   (an accelerator's encoded command stream). `prepare(unit)`: whatever the sampled run
   must do before planning (a processor's profile), then `prepared_unit = unit`. Between
   them they set `total` (the workload's length in units of work) and `base` (the
   architectural state every worker holds, from which tasks carry differences:
   `delta.make_delta`); if the preparation ran the workload to its end and checked it (a
   processor's profile does), `verified` and `end_checked = True`, else the first campaign
   runs the functional model to the end and calls `check_end`.
2. `labels(unit, strata, seed)`: a stratum label per unit (k-means of what the target
   knows about each unit without RTL: command kinds, instruction-kind signatures).
3. `start()`: a functional simulator at the workload's start whose `run(n)` advances by n
   units of work and whose `retired` counts them.
4. `task(unit, sim, base_key)`: a picklable task for the sampled unit, with the state at
   `unit.detail_start` as a `delta.Delta` against the base; `measure` is the module-level
   function a worker calls on it (`measure(task, base=None) -> record`). The record has at
   least index, start, length, warmup, stratum, cycles, drain_cycles, warmup_cycles,
   state_ok, divergence and seconds (see `queue_sample.measure_sample`); injecting the
   state at a correspondence point, warming up, measuring and checking the RTL's state
   against the functional model's are the target's business.
5. `retry(task, record)`: a task to measure again (the queue target's look-ahead budget
   ran out) or None.
6. `truth(unit, use_cache, progress)`: the whole workload on the RTL through
   `truth.cached_truth` (cycles, per-unit cycles, seconds, cached).
7. `identity()` (what a store's samples belong to) and `report_extras(result)` (what the
   report adds for this kind of target).
`defaults` gives the target's default unit and warm-up and its measurement-bias bound.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

import numpy as np

from spec import ir

from .delta import Delta
from .plan import SampleUnit


@dataclass(frozen=True)
class SampleTaskBase:
    """What every target's sample task carries: the machine (by path and parameter
    overrides, so that tasks pickle small), the unit, and the functional state at the unit's
    detailed start as a difference from the base state the worker holds."""
    machine_path: str
    overrides: tuple              # ((param, value), ...)
    unit: SampleUnit
    state: Delta                  # functional state at unit.detail_start, against the worker's base
    retired: int                  # = unit.detail_start


@dataclass(frozen=True)
class TargetDefaults:
    unit: int                     # units of work per sample unit
    warmup: int                   # detailed warm-up before each measured unit
    lookahead: int                # work pushed after the unit (queue machines; 0: none)
    measurement_bias: float       # relative bound on a warmed-up unit's bias (0: exact)
    samples: int | None = None    # first-pass units (None: sampling.DEFAULT_SAMPLES)
    strata: int | None = None     # strata of a stratified plan (None: sampling.DEFAULT_STRATA)


class SamplingTarget(Protocol):
    machine: ir.Machine
    backend: str                  # functional model backend: 'c' or 'py'
    kind: str                     # 'queue' | 'core': recorded in stores and reports
    items: str                    # what a unit counts: 'commands' | 'instructions'
    name: str                     # the workload's name
    total: int                    # units of work in the workload (after `prepare`)
    base: dict                    # the architectural state every worker holds (after `prepare`)
    verified: bool | None         # the functional run checked against the workload's own check
    end_checked: bool             # `verified` is known (None then: the workload has no check)
    prepared_unit: int | None     # the unit `prepare` was called with
    defaults: TargetDefaults
    measure: Callable             # measure(task, base=None) -> record, on a worker

    def load(self) -> None: ...

    def prepare(self, unit: int) -> None: ...

    def labels(self, unit: int, strata: int, seed: int) -> np.ndarray: ...

    # optional: covariates(unit) -> (units x k) array known for every unit before any RTL runs;
    # a target that has it gets the regression estimate (estimate.regression_estimate)

    def start(self): ...

    def task(self, unit: SampleUnit, sim, base_key: str): ...

    def retry(self, task, record: dict): ...

    def check_end(self, sim) -> bool | None: ...

    def truth(self, unit: int, use_cache: bool = True, progress=None) -> dict: ...

    def identity(self) -> dict: ...

    def report_extras(self, result) -> dict: ...
