"""Run a (machine, command stream) through every backend and report the first difference.

Backends: `py` (the reference, fastforward.sim.Simulator), `c` (fastforward.csim.CSimulator:
outcome, full state, retired/halted/exit code and counters compared after every command),
`hls` (the HLS, its FSMD verifier and Verilog generation must not crash), `rtl` (Verilator,
rtlgen.engine.RtlEngine: the start state injected, the stream without the commands that
fault on the reference pushed, run to quiescence, the extracted state and the retired
count compared with the reference) and `exo` (the generated Exo library:
strict generation either succeeds or names the inexpressible construct; the lenient module
must import into Exo with every command either an `@instr` proc or listed as skipped).

`fuzz(...)` runs a budget and returns `Stats`; each disagreement is minimized
(`minimize.py`) and written as a reproducer when `out` is given.
"""
from __future__ import annotations

import importlib.util
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from fastforward import Simulator
from fastforward.csim import CSimulator
from spec import MachineFault, SpecError, load_machine_text

from .machines import encode_commands, generate_machine, initial_state, random_commands

STREAM_LENGTH = 12


@dataclass
class Difference:
    backends: tuple                  # e.g. ("py", "c")
    what: str                        # first differing element: "state r0", "outcome", "exo import", ...
    command: int | None              # index of the command after which it shows (None: at the end / build)
    detail: str

    @property
    def signature(self) -> tuple:
        """What makes two differences the same bug: the backends, the kind of difference and,
        for crashes, the exception class (a state difference may move to another element)."""
        head = ""
        if self.what.startswith(("exo", "hls", "verilator")):
            text = re.sub(r"\([^)]*\)|\[[^]]*\]", "", self.detail)      # locations, lists
            head = " ".join(re.sub(r"\d+", "N", text).split()[:4])      # class and the message's first words
        return (*self.backends, "state" if self.what.startswith("state") else self.what, head)

    def __str__(self) -> str:
        at = "" if self.command is None else f" after command {self.command}"
        return f"{'/'.join(self.backends)}: {self.what}{at}: {self.detail}"


@dataclass
class Stats:
    machines: int = 0                # generated
    rejected: int = 0                # by the checker (generator bugs, or checker bugs)
    run: int = 0                     # machines that ran
    streams: int = 0
    commands: int = 0                # commands executed on the reference (all backends compared on them)
    faulting_streams: int = 0        # streams whose reference run faulted (an assert or an index)
    rtl_machines: int = 0
    rtl_unsupported: int = 0         # machines the HLS refuses (a SpecError from the HLS)
    rtl_streams: int = 0
    rtl_commands: int = 0
    exo_checked: int = 0             # libraries generated and imported (or failing to)
    exo_strict_ok: int = 0           # every command expressible in Exo
    disagreements: Counter = field(default_factory=Counter)     # new ones, by backend pair
    known: Counter = field(default_factory=Counter)             # matching an xfail regression's signature
    rejections: list = field(default_factory=list)
    unsupported: list = field(default_factory=list)
    failures: list = field(default_factory=list)     # (seed, Difference, reproducer path or None)
    known_signatures: dict = field(default_factory=dict, repr=False)
    seconds: float = 0.0

    def summary(self) -> str:
        pairs = ", ".join(f"{k}: {v}" for k, v in sorted(self.disagreements.items())) or "none"
        known = ", ".join(f"{k}: {v}" for k, v in sorted(self.known.items())) or "none"
        return (f"machines generated {self.machines}, rejected by the checker {self.rejected}, run {self.run}; "
                f"streams {self.streams} ({self.faulting_streams} fault on the reference), commands {self.commands}; "
                f"rtl: {self.rtl_machines} machines built, {self.rtl_unsupported} refused by the HLS, "
                f"{self.rtl_streams} streams, {self.rtl_commands} commands; exo: {self.exo_checked} checked, "
                f"{self.exo_strict_ok} fully expressible; new disagreements: {pairs}; known bugs hit: {known}; "
                f"{self.seconds:.1f} s")


# ------------------------------------------------------------------ helpers
def load(text: str, name: str = "<fuzz>"):
    return load_machine_text(text, name)


def _outcome(sim, n=1):
    try:
        return ("ok", sim.run(n))
    except MachineFault as fault:
        return ("fault", str(fault))


def first_state_difference(a: dict, b: dict, names) -> str | None:
    for name in names:
        x, y = np.asarray(a[name]), np.asarray(b[name])
        if x.dtype != y.dtype or x.shape != y.shape:
            return f"state {name}: {x.dtype}{x.shape} vs {y.dtype}{y.shape}"
        diff = np.argwhere(x != y)
        if diff.size:
            i = tuple(int(k) for k in diff[0])
            return f"state {name}{list(i) if i else ''}: {x[i]} vs {y[i]}"
    return None


def _fresh(cls, machine, state):
    sim = cls(machine)
    for k, v in state.items():
        np.copyto(sim.state[k], v)
    return sim


# ------------------------------------------------------------------ Python vs C
def compare_py_c(machine, state: dict, words: list[int]) -> tuple[Difference | None, int, bool]:
    """(difference, commands retired on the reference, whether the reference faulted)."""
    py, c = _fresh(Simulator, machine, state), _fresh(CSimulator, machine, state)
    names = [s.name for s in machine.state]
    for sim in (py, c):
        sim.push(words)
    faulted = False
    for k in range(len(words)):
        a, b = _outcome(py), _outcome(c)
        if a != b:
            return Difference(("py", "c"), "outcome", k, f"{a} vs {b}"), py.retired, a[0] == "fault"
        where = first_state_difference(py.state, c.state, names)
        if where:
            return Difference(("py", "c"), where.split(":")[0], k, where), py.retired, a[0] == "fault"
        control = (py.retired, py.halted, py.exit_code, py.pending_count())
        other = (c.retired, c.halted, c.exit_code, c.pending_count())
        if control != other:
            return Difference(("py", "c"), "control", k, f"(retired, halted, exit, pending) {control} vs {other}"), \
                py.retired, False
        if not np.array_equal(py.counts, c.counts):
            return Difference(("py", "c"), "counts", k, f"{list(py.counts)} vs {list(c.counts)}"), py.retired, False
        if a[0] == "fault":
            faulted = True
            break
        if a[1] == 0:                       # halted
            break
    return None, py.retired, faulted


def reference_filtered(machine, state: dict, words: list[int]):
    """(the stream without the commands that fault or halt on the reference, the reference
    after it): the RTL of a queue machine has no bounds checks (out-of-range indices wrap)
    and no halt, so it is compared on commands the reference runs cleanly."""
    sim = _fresh(Simulator, machine, state)
    kept = []
    for word in words:
        snap = sim.snapshot()
        sim.push([word])
        try:
            if sim.run(1) == 1 and not sim.halted:
                kept.append(word)
                continue
        except MachineFault:
            pass
        sim.restore(snap)
    return kept, sim


# ------------------------------------------------------------------ RTL
class RtlRunner:
    """One Verilated build of a machine, reused for every stream."""

    def __init__(self, machine, artifacts=None):
        from rtlgen.engine import RtlEngine
        self.machine = machine
        self.engine = RtlEngine(machine, artifacts)

    def compare(self, state: dict, words: list[int]) -> tuple[Difference | None, int]:
        prefix, ref = reference_filtered(self.machine, state, words)
        eng = self.engine
        eng.reset()
        eng.inject(state, retired=0)
        eng.push(prefix)
        try:
            eng.run_until_quiescent(watchdog=2_000_000)
        except MachineFault as fault:
            return Difference(("py", "rtl"), "outcome", None, f"reference ran {len(prefix)} commands; rtl: {fault}"), \
                len(prefix)
        if eng.retired != len(prefix):
            return Difference(("py", "rtl"), "retired", None, f"{len(prefix)} vs {eng.retired}"), len(prefix)
        where = first_state_difference(ref.state, eng.extract(), [s.name for s in self.machine.state])
        if where:
            return Difference(("py", "rtl"), where.split(":")[0], None,
                              f"{where} (reference vs rtl, after {len(prefix)} commands)"), len(prefix)
        return None, len(prefix)


def hls_artifacts(machine):
    """(artifacts, HLS crash difference, reason the HLS refuses the machine): HLS, FSMD
    verifier and Verilog generation, no Verilator."""
    from rtlgen.engine import generate_artifacts
    try:
        return generate_artifacts(machine), None, None
    except SpecError as err:
        return None, None, err.render()
    except Exception as err:                     # noqa: BLE001 - any crash of the HLS is a finding
        return None, Difference(("spec", "hls"), "hls crash", None, f"{type(err).__name__}: {err}"), None


def rtl_runner(machine) -> tuple[RtlRunner | None, Difference | None, str | None]:
    """(runner, build difference, reason the HLS refuses the machine)."""
    from rtlgen.verilator import RtlBuildError
    artifacts, diff, refused = hls_artifacts(machine)
    if artifacts is None:
        return None, diff, refused
    try:
        return RtlRunner(machine, artifacts), None, None
    except RtlBuildError as err:
        log = err.log.read_text(errors="replace") if getattr(err, "log", None) else ""
        return None, Difference(("spec", "rtl"), "verilator build", None, _verilator_error(log) + f" ({err})"), None


def _verilator_error(log: str) -> str:
    """The first %Error of a Verilator log without its file position."""
    for line in log.splitlines():
        if line.startswith("%Error"):
            return re.sub(r"^%Error[^:]*: (\S+:\d+:\d+: )?", "", line).strip()
    return "verilator failed"


def lint_difference(machine) -> Difference | None:
    """Verilator's lint of the generated Verilog (a second, not a build): a syntax or
    elaboration error is a build difference (what the minimizer uses for build failures)."""
    from rtlgen.verilator import lint
    artifacts, diff, _ = hls_artifacts(machine)
    if artifacts is None:
        return diff
    report = lint(artifacts.verilog, artifacts.top)
    if "%Error" in report:
        return Difference(("spec", "rtl"), "verilator build", None, _verilator_error(report))
    return None


# ------------------------------------------------------------------ Exo
_EXO_IMPORTS = 0


def check_exo(machine) -> tuple[Difference | None, bool]:
    """(difference, strict generation succeeded)."""
    global _EXO_IMPORTS
    from fastforward.exo import generate_exo_module, write_exo_module
    strict = True
    try:
        generate_exo_module(machine, strict=True)
    except SpecError:
        strict = False
    except Exception as err:                     # noqa: BLE001
        return Difference(("spec", "exo"), "exo generation crash", None, f"{type(err).__name__}: {err}"), False
    names = {i.name for i in machine.instructions}
    with tempfile.TemporaryDirectory() as tmp:
        _EXO_IMPORTS += 1
        modname = f"dcsim_fuzz_exo_{_EXO_IMPORTS}"
        try:
            path = write_exo_module(machine, Path(tmp) / f"{modname}.py", strict=False)
        except Exception as err:                 # noqa: BLE001
            return Difference(("spec", "exo"), "exo generation crash", None, f"{type(err).__name__}: {err}"), strict
        try:
            spec = importlib.util.spec_from_file_location(modname, path)
            module = importlib.util.module_from_spec(spec)
            sys.modules[modname] = module
            spec.loader.exec_module(module)
        except Exception as err:                 # noqa: BLE001 - Exo rejecting generated code is a finding
            return Difference(("spec", "exo"), "exo import", None, f"{type(err).__name__}: {str(err)[:1500]}"), strict
        finally:
            sys.modules.pop(modname, None)
    covered = set(module.INSTRS) | set(module.SKIPPED)
    if covered != names:
        detail = f"instrs+skipped {sorted(covered)} vs {sorted(names)}"
        return Difference(("spec", "exo"), "exo coverage", None, detail), strict
    if strict and module.SKIPPED:
        detail = f"strict generation passed but skipped {module.SKIPPED}"
        return Difference(("spec", "exo"), "exo strict", None, detail), strict
    for procs in module.INSTRS.values():
        for p in procs:
            if not getattr(module, p).is_instr():
                return Difference(("spec", "exo"), "exo instr", None, f"{p} is not an @instr"), strict
    return None, strict


# ------------------------------------------------------------------ one case, all backends
def check_case(text: str, commands: list, state_seed: int, backends=("c", "rtl", "exo"),
               rtl: RtlRunner | None = None) -> Difference | None:
    """Replay one reproducer (machine text, commands as (name, operands), start-state seed)."""
    machine = load(text)
    state = initial_state(machine, state_seed)
    words = encode_commands(machine, commands)
    if "c" in backends:
        diff, _, _ = compare_py_c(machine, state, words)
        if diff:
            return diff
    if "hls" in backends:
        _, diff, _ = hls_artifacts(machine)
        if diff:
            return diff
    if "lint" in backends:
        diff = lint_difference(machine)
        if diff:
            return diff
    if "rtl" in backends:
        if rtl is None:
            rtl, diff, refused = rtl_runner(machine)
            if diff:
                return diff
        if rtl is not None:
            diff, _ = rtl.compare(state, words)
            if diff:
                return diff
    if "exo" in backends:
        diff, _ = check_exo(machine)
        if diff:
            return diff
    return None


# ------------------------------------------------------------------ a budget
def fuzz(machines: int = 40, streams: int = 20, rtl: int = 0, rtl_streams: int = 5, exo: int = 10,
         seed: int = 0, out: Path | None = None, minimize: bool = True, log=None) -> Stats:
    """Generate `machines` machines from `seed`; the first `rtl` are generated for the HLS
    (no halt) and also run on Verilator; the first `exo` have their Exo library imported."""
    stats = Stats(known_signatures=known_bugs())
    start = time.perf_counter()
    for i in range(machines):
        mseed = seed * 1_000_003 + i
        for_rtl = i < rtl
        desc = generate_machine(mseed, rtl=for_rtl)
        text = desc.yaml()
        stats.machines += 1
        try:
            machine = load(text, f"<fuzz{mseed}>")
        except SpecError as err:
            stats.rejected += 1
            stats.rejections.append((mseed, err.render()))
            continue
        stats.run += 1
        rng = np.random.default_rng(mseed)
        runner = None
        if for_rtl:
            runner, diff, refused = rtl_runner(machine)
            if refused:
                stats.rtl_unsupported += 1
                stats.unsupported.append((mseed, refused))
            if diff:
                _record(stats, mseed, diff, desc, [], 0, out, minimize, log)
            if runner is not None:
                stats.rtl_machines += 1
        if i < exo:
            diff, strict = check_exo(machine)
            stats.exo_checked += 1
            stats.exo_strict_ok += strict
            if diff:
                _record(stats, mseed, diff, desc, [], 0, out, minimize, log)
        for s in range(streams):
            commands = random_commands(machine, rng, int(rng.integers(1, STREAM_LENGTH + 1)))
            state_seed = int(rng.integers(0, 2**31))
            state = initial_state(machine, state_seed)
            words = encode_commands(machine, commands)
            diff, retired, faulted = compare_py_c(machine, state, words)
            stats.streams += 1
            stats.commands += retired
            stats.faulting_streams += faulted
            if diff:
                _record(stats, mseed, diff, desc, commands, state_seed, out, minimize, log)
                break
            if runner is not None and s < rtl_streams:
                diff, ran = runner.compare(state, words)
                stats.rtl_streams += 1
                stats.rtl_commands += ran
                if diff:
                    _record(stats, mseed, diff, desc, commands, state_seed, out, minimize, log, runner)
                    runner = None
    stats.seconds = time.perf_counter() - start
    return stats


REGRESSIONS = Path(__file__).parent / "regressions"


def known_bugs(folder: Path = REGRESSIONS) -> dict:
    """signature -> reproducer name, for every xfail reproducer (a bug not fixed yet)."""
    import yaml
    out = {}
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        if data.get("xfail") and data.get("signature"):
            out[tuple(data["signature"])] = path.stem
    return out


def _record(stats, mseed, diff, desc, commands, state_seed, out, minimize, log, runner=None):
    from .minimize import minimize_case, write_reproducer
    known = stats.known_signatures.get(diff.signature)
    if known:
        stats.known[known] += 1
        return
    stats.disagreements["/".join(diff.backends)] += 1
    path = None
    if minimize:
        desc, commands, diff = minimize_case(desc, commands, state_seed, diff, runner=runner)
    if out is not None:
        path = write_reproducer(Path(out), f"seed{mseed}", desc, commands, state_seed, diff)
    stats.failures.append((mseed, diff, path))
    if log:
        log(f"seed {mseed}: {diff}" + (f" -> {path}" if path else ""))
