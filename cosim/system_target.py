"""A system (a host core driving an accelerator, spec/system.py) running a host program, as
a sampling target: `dcsim sample hw/soc.yaml --program gemm.elf`.

A unit is U consecutive *host* instructions (the accelerator's work is counted where the
host pushes and waits for it). `prepare` profiles the program once on the functional
system model: per-unit host instruction-kind signatures, the doorbell and WAIT record
(`SystemSimulator.doorbell_at` / `wait_at`) and every command pushed. The strata are
k-means of each unit's kind histogram plus its share of doorbells, whether it holds a
WAIT, and the commands by kind that WAIT waits for (what the host's stall depends on).

Samples (`system_sample.measure_system_sample`) are planned W host instructions before the
unit, at q; p is the last point at or before the unit's start where the accelerator is
idle in every model. If p >= q the worker runs the functional model on to p and starts the
RTL there. Else the task carries the state at p too and the commands pushed in (p, q]: the
worker drains them on the RTL accelerator during the warm-up (an upper bound on the full
run's backlog), or measures from p when they never drain before the unit; see
cosim/system_sample.py for why the unit is then exact. Every sample's final
state of both parts is checked against the functional model. The fast-forward keeps the
state at the last correspondence point it passed (`_FastForward`).

The report splits the cycles: host busy (the core running), NPU busy, NPU only (the host
stalled at WAIT) and overlapped (both busy), each estimated over the same plan with its
interval.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spec.errors import DcsimError

from .delta import make_delta
from .estimate import estimate_total
from .plan import SampleUnit
from .strata import kmeans
from .system_sample import (HISTORY, SystemSampleTask, correspondence_point, joined_state, measure_system_sample,
                            system_ground_truth)
from .target import TargetDefaults
from .truth import cached_truth, design_hash

DEFAULT_UNIT = 2000               # host instructions: a few pushes-and-waits of a command stream
DEFAULT_WARMUP = 20000            # host instructions: the drained backlog of the host-heavy GEMM empties within it
# Units are measured exactly (tests/test_system_target.py), but a system program's units are
# near-constant within a stratum: two or three sampled units of a stratum often agree and
# claim no spread (even after the estimator's shrinkage towards the pooled spread) although
# a few units no sample saw differ by hundreds of cycles. On stream_gemm.c the 99.7%
# interval was +-0.002% and missed an error of 0.014% in 1 of 5 plan seeds. The interval is
# therefore widened by +-INTERVAL_FLOOR of the estimate (passed as the target's
# measurement-bias bound, the campaign's one widening term).
INTERVAL_FLOOR = 0.001
RUN_LIMIT = 10 ** 9
SPLIT = ("host_busy_cycles", "npu_busy_cycles", "npu_only_cycles")


@dataclass
class SystemProfile:
    instructions: int
    unit: int
    histograms: np.ndarray        # (units, host instruction kinds), fractions
    doorbell_at: list
    wait_at: list
    commands: np.ndarray          # (commands, limbs) uint64, in push order
    regs: list                    # the accelerator's registers before each command
    kinds: np.ndarray             # each command's kind (index into the accelerator's instructions)
    verified: bool
    exit_code: int | None
    stdout: bytes
    seconds: float
    base: dict                    # joined state with the program loaded


def profile_system(system, program: str, unit: int, backend: str = "c", limit: int = RUN_LIMIT) -> SystemProfile:
    """The program to its end on the functional system, with host signatures every `unit`
    instructions and every command pushed recorded."""
    from fastforward.session import prepare_program
    from fastforward.system import SystemSimulator
    sim = SystemSimulator(system, backend)
    job = prepare_program(system.host, sim.host, Path(program))
    base = joined_state(system, sim)
    sim.host.enable_signatures(unit)
    sim.record()
    t0 = time.perf_counter()
    sim.run(limit)
    seconds = time.perf_counter() - t0
    counts = sim.host.signatures().counts
    if sim.retired % unit:
        counts = np.vstack([counts, sim.host.counts - counts.sum(axis=0)])
    hist = counts.astype(np.float64)
    hist /= np.maximum(hist.sum(axis=1, keepdims=True), 1)
    name = system.accelerators[0].name
    recorded = sim.recording[name]
    limbs = np.vstack(recorded) if recorded else np.zeros((0, 1), np.uint64)
    verified = bool(sim.halted and sim.exit_code == 0)
    return SystemProfile(sim.retired, unit, hist, list(sim.doorbell_at), list(sim.wait_at), limbs,
                         sim.recorded_regs[name], command_kinds(system.accelerators[0].machine, limbs), verified,
                         sim.exit_code if sim.halted else None, job.host.stdout, seconds, base)


def command_kinds(machine, limbs: np.ndarray) -> np.ndarray:
    """The kind of each recorded command (decoded once per distinct command)."""
    from spec.encoding import Decoder, words_from_limbs
    if not len(limbs):
        return np.zeros(0, np.int64)
    unique, inverse = np.unique(limbs, axis=0, return_inverse=True)
    decoder, names = Decoder(machine), [i.name for i in machine.instructions]
    kinds = []
    for word in words_from_limbs(unique):
        d = decoder.decode(word)
        kinds.append(names.index(d.instr.name) if d else len(names))
    return np.asarray(kinds, np.int64)[inverse.reshape(-1)]


WAIT_WEIGHT = 3.0                 # the burst a unit waits for outweighs its host kind mix in the clustering


def system_labels(prof: SystemProfile, strata: int, seed: int = 0) -> np.ndarray:
    """A stratum per unit: k-means of [host kind histogram, doorbells (scaled to the busiest
    unit), and, weighted by WAIT_WEIGHT, whether it holds a WAIT and the commands by kind the
    accelerator had to finish for its WAITs (those pushed since the WAIT before; scaled)],
    with the last partial unit a stratum of its own (as core_target.core_labels). The
    burst's kinds set the host's stall, which dominates the cycles of the units that hold
    one: units waiting for unlike bursts (a GEMM layer and the next) are kept apart."""
    n, u = len(prof.histograms), prof.unit
    bells = np.bincount((np.asarray(prof.doorbell_at, np.int64) - 1) // u, minlength=n)[:n].astype(np.float64)
    kinds = int(prof.kinds.max()) + 1 if len(prof.kinds) else 1
    waits, burst = np.zeros(n), np.zeros((n, kinds))
    previous = 0
    for w in prof.wait_at:
        k = min((w - 1) // u, n - 1)
        waits[k] = 1.0
        lo, hi = np.searchsorted(prof.doorbell_at, [previous, w])
        burst[k] += np.bincount(prof.kinds[lo:hi], minlength=kinds)
        previous = w
    burst /= np.maximum(burst.max(axis=0), 1)
    features = np.hstack([prof.histograms, (bells / max(bells.max(), 1))[:, None],
                          WAIT_WEIGHT * waits[:, None], WAIT_WEIGHT * burst])
    labels = kmeans(features, strata, seed=seed)
    if prof.instructions % u:
        labels = labels.copy()
        labels[-1] = labels.max() + 1
    return labels


class _FastForward:
    """The functional system for the campaign's fast-forward: `run(n)` to the next sample's
    detailed start q, keeping the state at the correspondence point p <= q on the way."""

    def __init__(self, target):
        from fastforward.session import prepare_program
        from fastforward.system import SystemSimulator
        self.target = target
        self.sim = SystemSimulator(target.system, target.backend)
        prepare_program(target.system.host, self.sim.host, Path(target.program))
        self.point, self.point_state = None, None

    @property
    def retired(self) -> int:
        return self.sim.retired

    def run(self, n: int | None = None):
        if n is None:
            return self.sim.run()
        q = self.sim.retired + n
        prof = self.target.profile
        p = correspondence_point(prof.doorbell_at, prof.wait_at, q)
        if p < q and p != self.point:
            if p < self.sim.retired:
                raise RuntimeError(f"correspondence point {p} is behind the fast-forward ({self.sim.retired})")
            self.sim.run_until(p)
            self.point, self.point_state = p, joined_state(self.target.system, self.sim)
        return self.sim.run_until(q)


SYSTEM_WARMUP_NOTE = """\
**Warm-up.** A unit of host instructions starts where the NPU is idle in every model
(after a WAIT, before the next doorbell) when such a point lies within the warm-up W;
otherwise the RTL core starts W instructions before the unit and the RTL NPU gets every
command pushed since the last such point at once (at least the full run's backlog): once
the NPU is idle before the unit, both runs hold the same state; if it never is, the unit
is measured again from that point. The last commands before it are replayed first to
reopen the DRAM rows. Every unit so measured equals the full run's
(cosim/system_sample.py); the interval is widened by 0.1% of the estimate
(cosim/system_target.py, INTERVAL_FLOOR)."""


class SystemTarget:
    kind, items = "system", "instructions"
    measure = staticmethod(measure_system_sample)

    def __init__(self, system, program: str, backend: str = "c", sync: str = "burst",
                 overrides: dict | None = None, limit: int = RUN_LIMIT):
        if len(system.accelerators) != 1:
            raise DcsimError(f"{system.name}: sampling a system runs one accelerator; it has "
                             f"{len(system.accelerators)}")
        if not Path(program).is_file():
            raise DcsimError(f"{program}: no such program file")
        self.system, self.program, self.backend, self.sync = system, str(program), backend, sync
        self.machine = system.host                   # what the campaign prebuilds and keys stores by
        self.overrides = tuple(sorted((overrides or {}).items()))
        self.name = Path(program).name
        self.limit = limit
        self.digest = hashlib.sha256(Path(program).read_bytes()).hexdigest()[:16]
        self.defaults = TargetDefaults(DEFAULT_UNIT, DEFAULT_WARMUP, 0, INTERVAL_FLOOR)
        self.verified: bool | None = None
        self.end_checked = False
        self.prepared_unit: int | None = None
        self.profile: SystemProfile | None = None
        self.last_truth: dict | None = None
        self._labels: dict = {}

    # ------------------------------------------------------------ before planning
    def load(self):
        """Build (or find) the accelerator's RTL here, before workers start (the campaign's
        prebuild covers the host's)."""
        from rtlgen import verilator
        from rtlgen.engine import generate_artifacts
        art = generate_artifacts(self.system.accelerators[0].machine)
        verilator.build(art.verilog, art.shim, art.top)

    def prepare(self, unit: int):
        if self.prepared_unit == unit:
            return
        prof = self.profile = profile_system(self.system, self.program, unit, self.backend, self.limit)
        if not prof.verified:
            raise DcsimError(f"{self.name} did not exit 0 on the functional system model (exit code "
                             f"{prof.exit_code}); nothing to sample")
        self.total, self.base, self.verified, self.end_checked = prof.instructions, prof.base, True, True
        self.prepared_unit, self._labels = unit, {}

    def labels(self, unit: int, strata: int, seed: int) -> np.ndarray:
        self.prepare(unit)
        if (strata, seed) not in self._labels:
            self._labels[strata, seed] = system_labels(self.profile, strata, seed)
        return self._labels[strata, seed]

    # ------------------------------------------------------------ the campaign
    def start(self):
        return _FastForward(self)

    def task(self, unit: SampleUnit, sim: _FastForward, base_key: str) -> SystemSampleTask:
        q, prof = sim.retired, self.profile
        p = correspondence_point(prof.doorbell_at, prof.wait_at, unit.start)
        point_state, backlog = None, np.zeros((0, prof.commands.shape[1]), np.uint64)
        if p < q:                       # the accelerator may be busy at q: the backlog since p is drained
            assert sim.point == p, (sim.point, p)
            point_state = make_delta(sim.point_state, self.base, base_key)
            lo, hi = np.searchsorted(prof.doorbell_at, [p, q], side="right")
            backlog = prof.commands[lo:hi].copy()
        k = int(np.searchsorted(prof.doorbell_at, p, side="right"))     # commands the NPU state at p holds
        first = max(0, k - HISTORY)
        history = (prof.commands[first:k].copy(), prof.regs[first]) if k else ()
        return SystemSampleTask(str(self.system.path), self.overrides, unit,
                                make_delta(joined_state(self.system, sim.sim, copy=False), self.base, base_key),
                                q, self.program, self.backend, self.sync, p, point_state, backlog, history)

    def retry(self, task, record: dict):
        return None                                   # a sample falls back to its correspondence point itself

    def check_end(self, sim) -> bool | None:
        return self.verified

    # ------------------------------------------------------------ truth and reports
    def truth(self, unit: int, use_cache: bool = True, progress=None) -> dict:
        """The whole program on the system's RTL (cached by system, both designs, program and sync)."""
        if self.prepared_unit is None:
            self.prepare(unit)
        npu = self.system.accelerators[0].machine

        def run():
            return system_ground_truth(str(self.system.path), self.overrides, self.program, unit, self.sync,
                                       self.total, progress)
        truth = cached_truth(self.machine, "system", [self.system.digest, design_hash(npu), self.digest,
                                                      self.sync], unit, run, use_cache)
        if truth.get("per_unit_split") and truth["unit"] != unit:
            k = unit // truth["unit"]
            truth["per_unit_split"] = {f: [sum(v[i:i + k]) for i in range(0, len(v), k)]
                                       for f, v in truth["per_unit_split"].items()}
        if (truth["instructions"], truth["exit_code"]) != (self.total, self.profile.exit_code):
            raise DcsimError(f"the full RTL run of {self.name} ended after {truth['instructions']} host instructions "
                             f"with exit code {truth['exit_code']}; the functional model ran {self.total} and exited "
                             f"{self.profile.exit_code}")
        self.last_truth = truth
        return truth

    def identity(self) -> dict:
        return {"program": self.digest, "system": self.system.digest, "sync": self.sync}

    def report_extras(self, result) -> dict:
        """The cycle split (each part estimated over the plan with its interval), the paths
        the samples took, and the profile."""
        prof, plan = self.profile, result.plan
        samples = result.samples
        split = {}
        for field in SPLIT:                       # the last unit drains the accelerator, as in the full run
            values = {s["index"]: s[field] + (s["drain_cycles"] if s["start"] + s["length"] == plan.total
                                              and field != "host_busy_cycles" else 0) for s in samples}
            est = estimate_total(plan, values, result.estimate.confidence, self.defaults.measurement_bias)
            split[field] = {"estimate": est.cycles, "low": est.low, "high": est.high}
        over = {s["index"]: s["npu_busy_cycles"] - s["npu_only_cycles"] for s in samples}
        est = estimate_total(plan, over, result.estimate.confidence, self.defaults.measurement_bias)
        split["overlapped_cycles"] = {"estimate": est.cycles, "low": est.low, "high": est.high}
        paths = {k: sum(s.get("path") == k for s in samples) for k in ("idle", "drain", "point")}
        return {"warmup_note": SYSTEM_WARMUP_NOTE, "machine": self.system.name, "host": self.system.host.name,
                "accelerator": self.system.accelerators[0].name, "instructions": prof.instructions,
                "exit_code": prof.exit_code, "doorbells": len(prof.doorbell_at), "waits": len(prof.wait_at),
                "sync": self.sync, "split": split, "sample_paths": paths,
                "profile_seconds": round(prof.seconds, 3),
                "functional_seconds": round(result.functional_seconds + prof.seconds, 3)}


def truth_split(truth: dict) -> dict:
    """The full run's cycle split, as the report's `split` names it."""
    return {"host_busy_cycles": truth["host_busy_cycles"], "npu_busy_cycles": truth["npu_busy_cycles"],
            "npu_only_cycles": truth["npu_only_cycles"], "overlapped_cycles": truth["overlapped_cycles"]}
