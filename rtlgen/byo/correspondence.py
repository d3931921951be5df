"""The correspondence file of hand-written RTL: where each architectural state element of
a machine file lives in a user's Verilog design, and how a harness drives that design.

The file is YAML read with located nodes (`spec.yamlsrc`), so every mistake is reported at
its `path:line:col`. This module checks what the file alone can tell (keys, kinds of
value, that the state it names exists in the machine and is mapped completely); the
checks against the Verilated design (signals exist, widths hold the spec's values) are
`rtlgen.byo.symbols.check`. docs/rtl.md describes every key.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

from spec import ir
from spec.errors import Loc, SpecError
from spec.yamlsrc import Node, mapping_of, parse_yaml

MAX_FILE_BYTES = 1 << 20


@dataclass(frozen=True)
class Signal:
    """A signal of the design by its Verilog name below the top module ('reg_pc', or
    'sub.inst.reg' inside instances); `bits` = (hi, lo) when only a slice is meant."""
    name: str
    loc: Loc
    bits: tuple | None = None

    @property
    def text(self) -> str:
        return self.name + (f"[{self.bits[0]}:{self.bits[1]}]" if self.bits else "")


@dataclass(frozen=True)
class Mapping:
    """Where spec state element `state` lives. form: 'register' (one signal, optionally a
    bit slice, plus `also` signals written with the same value on injection), 'array' (spec
    index i is element i + offset of a Verilog array, for i in first..last), 'outside' (a
    memory the harness serves on the bus) or 'derived' (not stored: the spec's hardwired
    zero register, say; `reason` says why). An array with `parts` > 1 stores each spec
    element in `parts` consecutive entries, least significant first: spec index i is entries
    (i + offset) * parts .. (i + offset + 1) * parts - 1 (SERV's register file, a RAM of
    2-bit words that the core reads and writes bit-serially)."""
    state: str
    form: str
    loc: Loc
    signal: Signal | None = None
    also: tuple = ()
    first: int = 0
    last: int = 0
    offset: int = 0
    reason: str = ""
    parts: int = 1


@dataclass(frozen=True)
class Bus:
    """A valid/ready memory port the harness answers from the spec memory `memory`, with no
    wait states: a request seen while `valid` is high completes at the next clock edge
    (`ready` high, `rdata` the addressed word; `wstrb` bytes written). A design may have
    several ports (`bus: [PORT, ...]`: SERV's Wishbone ibus and dbus). A port without
    wdata/wstrb only reads and only fetches instructions; `write`, when given, says which
    accesses write (Wishbone's WE: its byte selects are high for reads too)."""
    memory: str
    valid: Signal
    ready: Signal
    addr: Signal
    wdata: Signal | None
    wstrb: Signal | None
    rdata: Signal
    loc: Loc
    instr: Signal | None = None       # high for instruction fetches: a data access outside memory faults
    write: Signal | None = None       # high for a write (else a non-zero wstrb is one)

    @property
    def fetch_only(self) -> bool:
        return self.wdata is None

    def signals(self) -> list:
        return [s for s in (self.valid, self.ready, self.addr, self.wdata, self.wstrb, self.rdata, self.instr,
                            self.write) if s is not None]


@dataclass(frozen=True)
class Trap:
    """The design stopped (`signal` high): the harness reads the instruction at pc. Spec
    instructions named in `env_calls` retire through the host (env_call kind) and the design
    is re-injected past them; any other trap is a fault naming the instruction."""
    signal: Signal
    env_calls: tuple                  # ((instruction name, kind, Loc), ...)


@dataclass(frozen=True)
class Correspondence:
    path: str
    design: str
    machine: str
    verilog: Path                     # the first (or only) Verilog file
    verilog_loc: Loc
    top: str
    parameters: tuple                 # ((name, value, Loc), ...)
    defines: tuple                    # ((name, Loc), ...)
    clock: Signal
    reset: Signal
    reset_active: int
    reset_cycles: int
    tie: tuple                        # ((Signal, value), ...): inputs held constant
    buses: tuple                      # Bus, ...: the memory ports the harness serves
    retire: tuple                     # ((Signal, value), ...): all equal in the cycle after a retirement
    trap: Trap | None
    quiescent: tuple                  # ((Signal, value), ...): all equal at a correspondence point
    state: tuple                      # Mapping, in the machine's state order
    exclusions: tuple                 # ((what, why), ...): documented differences from the spec
    text: str                         # the file itself (part of the build's key)
    sources: tuple = ()               # every Verilog file, in order (the design is their concatenation)

    @property
    def bus(self) -> Bus:
        """The first port (all ports serve the same memory)."""
        return self.buses[0]

    def verilog_text(self) -> str:
        """The design's Verilog: its files concatenated in the order the file lists them."""
        return "\n".join(p.read_text(errors="replace") for p in self.sources or (self.verilog,))

    def mapping(self, name: str) -> Mapping:
        return next(m for m in self.state if m.state == name)

    def signals(self) -> list[Signal]:
        """Every signal the file names, in file order (for the checks)."""
        out = [self.clock, self.reset, *(s for s, _ in self.tie)]
        for b in self.buses:
            out += b.signals()
        out += [s for s, _ in self.retire]
        out += [self.trap.signal] if self.trap else []
        out += [s for s, _ in self.quiescent]
        for m in self.state:
            out += ([m.signal] if m.signal else []) + list(m.also)
        return out


TOP_KEYS = {"design", "machine", "verilog", "top", "parameters", "defines", "clock", "reset", "tie", "bus",
            "retire", "trap", "quiescent", "state", "exclusions"}
REQUIRED = ("design", "machine", "verilog", "top", "clock", "reset", "bus", "retire", "quiescent", "state")


def read_correspondence(path: str | Path, machine: ir.Machine) -> Correspondence:
    """Read and check the correspondence file at `path` for `machine`."""
    path = Path(path)
    try:
        data = path.read_bytes()[:MAX_FILE_BYTES + 1]
    except OSError as exc:
        raise SpecError(Loc(str(path), 1, 1), f"cannot read the correspondence file: {exc.strerror}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SpecError(Loc(str(path), 1, 1), f"the file is larger than {MAX_FILE_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(Loc(str(path), 1, 1), f"the file is not UTF-8 (byte {exc.start})") from None
    return parse_correspondence(text, str(path), machine)


def parse_correspondence(text: str, path: str, machine: ir.Machine) -> Correspondence:
    root = parse_yaml(text, path)
    top = mapping_of(root, "the correspondence file", TOP_KEYS, REQUIRED)
    name = _str(top["machine"])
    if name != machine.name:
        raise SpecError(top["machine"].loc, f"this file is for machine '{name}', not '{machine.name}'",
                        f"write 'machine: {machine.name}' or give the machine file it was written for")
    if machine.fetch is None:
        raise SpecError(top["machine"].loc, f"{machine.name} is a queue machine; correspondence files "
                        "describe processors (fetch machines) for now")
    sources, vloc = _verilog(top["verilog"], Path(path).parent)
    reset = mapping_of(top["reset"], "reset", {"signal", "active", "cycles"}, ("signal", "active"))
    buses = _buses(top["bus"], machine)
    state = _state(top["state"], machine, buses[0])
    return Correspondence(
        path=path, design=_str(top["design"]), machine=name, verilog=sources[0], verilog_loc=vloc, sources=sources,
        top=_ident(top["top"]), parameters=_parameters(top.get("parameters")), defines=_defines(top.get("defines")),
        clock=_signal(top["clock"]), reset=_signal(reset["signal"]), reset_active=_bit(reset["active"]),
        reset_cycles=_int(reset["cycles"], 1, 1000) if "cycles" in reset else 2,
        tie=_levels(top.get("tie"), "tie"), buses=buses, retire=_condition(top["retire"], "retire"),
        trap=_trap(top["trap"], machine) if "trap" in top else None,
        quiescent=_levels(top["quiescent"], "quiescent"), state=state,
        exclusions=_exclusions(top.get("exclusions")), text=text)


# ------------------------------------------------------------------ pieces
def _verilog(node: Node, here: Path) -> tuple[tuple, Loc]:
    """`verilog: FILE` (relative to the correspondence file), `{package: P, file: F}`: a file
    inside an installed Python package (the design is read from it, never copied), or
    `{package: P, files: [F, ...]}` / `{files: [F, ...]}` for a design of several files."""
    if node.is_scalar:
        p = Path(node.value)
        p = p if p.is_absolute() else here / p
        if not p.is_file():
            raise SpecError(node.loc, f"Verilog file '{node.value}' not found (looked at {p})",
                            "a path relative to the correspondence file, or {package: NAME, file: PATH}")
        return (p,), node.loc
    spec = mapping_of(node, "verilog", {"package", "file", "files"}, ())
    if ("file" in spec) == ("files" in spec):
        raise SpecError(node.loc, "verilog needs exactly one of file: PATH or files: [PATH, ...]")
    if "package" in spec:
        package = _ident(spec["package"])
        found = importlib.util.find_spec(package)
        if found is None or not found.submodule_search_locations:
            raise SpecError(spec["package"].loc, f"Python package '{package}' is not installed",
                            f"pip install {package.replace('_', '-')}")
        root, where = Path(list(found.submodule_search_locations)[0]), f"package {package}"
    elif "file" in spec:
        raise SpecError(node.loc, "verilog: {file: F} is read from a package: add package: NAME, "
                        "or write verilog: F")
    else:
        root, where = here, "the correspondence file's folder"
    names = [spec["file"]] if "file" in spec else _list(spec["files"], "files")
    if not names:
        raise SpecError(spec["files"].loc, "files lists no Verilog file")
    out = []
    for n in names:
        p = root / _str(n)
        if not p.is_file():
            raise SpecError(n.loc, f"'{n.value}' is not in {where} ({p})")
        if p in out:
            raise SpecError(n.loc, f"'{n.value}' is listed twice")
        out.append(p)
    return tuple(out), node.loc


def _buses(node: Node, machine: ir.Machine) -> tuple:
    """`bus: PORT` or `bus: [PORT, ...]` (separate instruction and data ports)."""
    if not node.is_list:
        return (_bus(node, machine),)
    ports = tuple(_bus(n, machine) for n in _list(node, "bus"))
    if not ports:
        raise SpecError(node.loc, "bus lists no port")
    if all(p.fetch_only for p in ports):
        raise SpecError(node.loc, "no bus port can write (give one wdata and wstrb)")
    seen = {}
    for p in ports:                   # the harness drives ready and rdata of each port: one port each
        for sig in (p.valid, p.ready, p.rdata):
            if sig.name in seen:
                raise SpecError(sig.loc, f"'{sig.name}' is already the valid, ready or rdata of another bus port "
                                f"(line {seen[sig.name].line})")
            seen[sig.name] = sig.loc
    return ports


def _bus(node: Node, machine: ir.Machine) -> Bus:
    keys = ("memory", "valid", "ready", "addr", "rdata")
    b = mapping_of(node, "bus", set(keys) | {"wdata", "wstrb", "instr", "write"},
                   keys)
    memory = _str(b["memory"])
    if memory != machine.fetch.memory:
        raise SpecError(b["memory"].loc, f"the bus serves '{memory}', but {machine.name} fetches from "
                        f"'{machine.fetch.memory}'", "the harness serves instruction fetch from the bus memory")
    if ("wdata" in b) != ("wstrb" in b):
        have, missing = ("wdata", "wstrb") if "wdata" in b else ("wstrb", "wdata")
        raise SpecError(b[have].loc, f"a bus port with {have} needs {missing} too (a port with neither only "
                        "fetches instructions)")
    if "write" in b and "wdata" not in b:
        raise SpecError(b["write"].loc, "'write' goes with a port that writes (wdata and wstrb)")
    opt = lambda k: _signal(b[k]) if k in b else None
    return Bus(memory, _signal(b["valid"]), _signal(b["ready"]), _signal(b["addr"]), opt("wdata"), opt("wstrb"),
               _signal(b["rdata"]), loc=node.loc, instr=opt("instr"), write=opt("write"))


def _trap(node: Node, machine: ir.Machine) -> Trap:
    t = mapping_of(node, "trap", {"signal", "env_calls"}, ("signal",))
    names = {i.name for i in machine.instructions}
    calls = []
    if "env_calls" in t:
        for instr, kind in mapping_of(t["env_calls"], "env_calls", None, ()).items():
            if instr not in names:
                raise SpecError(t["env_calls"].key_locs[instr], f"{machine.name} has no instruction '{instr}'",
                                "env_calls maps spec instructions (e.g. ECALL) to their env_call kind")
            calls.append((instr, _int(kind, 0, 1 << 16), t["env_calls"].key_locs[instr]))
    return Trap(_signal(t["signal"]), tuple(calls))


def _state(node: Node, machine: ir.Machine, bus: Bus) -> tuple:
    entries = mapping_of(node, "state", None, ())
    out = []
    for name, value in entries.items():
        if not any(s.name == name for s in machine.state):
            raise SpecError(node.key_locs[name], f"{machine.name} has no state element '{name}'",
                            "state elements: " + ", ".join(s.name for s in machine.state))
    for s in machine.state:
        if s.name not in entries:
            raise SpecError(node.loc, f"state element '{s.name}' of {machine.name} is not mapped",
                            f"say where '{s.name}' lives: {{signal: NAME}}, {{array: NAME, indices: [A, B]}}, "
                            "{outside: bus} or {derived: WHY}")
        out.append(_mapping(s, entries[s.name], bus))
    return tuple(out)


def _mapping(s: ir.StateElement, node: Node, bus: Bus) -> Mapping:
    forms = {"signal", "array", "outside", "derived"}
    m = mapping_of(node, f"state '{s.name}'", forms | {"also", "indices", "offset", "derived_indices", "parts"}, ())
    given = [f for f in forms if f in m]
    if len(given) != 1:
        raise SpecError(node.loc, f"state '{s.name}' needs exactly one of signal, array, outside, derived "
                        f"(got {', '.join(sorted(given)) or 'none'})")
    form = given[0]
    extra = set(m) - {form} - {"signal": {"also"}, "array": {"indices", "offset", "derived_indices", "parts"},
                               "outside": set(), "derived": set()}[form]
    if extra:
        key = sorted(extra)[0]
        raise SpecError(m[key].loc, f"'{key}' does not go with '{form}' in state '{s.name}'")
    if form == "derived":
        return Mapping(s.name, "derived", node.loc, reason=_str(m["derived"]))
    if form == "outside":
        if _str(m["outside"]) != "bus" or s.name != bus.memory:
            raise SpecError(m["outside"].loc, f"only the bus memory ('{bus.memory}') can be outside the design "
                            f"(write 'outside: bus' for it)")
        return Mapping(s.name, "outside", node.loc)
    if form == "signal":
        if s.kind != "reg":
            raise SpecError(m["signal"].loc, f"'{s.name}' is a {s.kind} of {s.size} elements: map it to a "
                            "Verilog array ({array: NAME, indices: [FIRST, LAST]})")
        also = tuple(_signal(a) for a in _list(m["also"], "also")) if "also" in m else ()
        return Mapping(s.name, "register", node.loc, signal=_signal(m["signal"]), also=also)
    if s.kind == "reg":
        raise SpecError(m["array"].loc, f"'{s.name}' is a single register: map it with signal: NAME")
    if s.kind == "mem":
        raise SpecError(m["array"].loc, f"'{s.name}' is a memory: in this version memories are served on "
                        "the bus (outside: bus)")
    return _array(s, m, node)


def _array(s: ir.StateElement, m: dict, node: Node) -> Mapping:
    count = s.shape[0]
    if "indices" in m:
        pair = _list(m["indices"], "indices")
        if len(pair) != 2:
            raise SpecError(m["indices"].loc, "indices is [FIRST, LAST] (spec indices, both included)")
        first, last = _int(pair[0], 0, count - 1), _int(pair[1], 0, count - 1)
        if last < first:
            raise SpecError(m["indices"].loc, f"indices [{first}, {last}] is empty")
    else:
        first, last = 0, count - 1
    offset = _int(m["offset"], -(1 << 20), 1 << 20) if "offset" in m else 0
    uncovered = [i for i in range(count) if not first <= i <= last]
    derived = [_int(n, 0, count - 1) for n in _list(m["derived_indices"], "derived_indices")] \
        if "derived_indices" in m else []
    for i in uncovered:
        if i not in derived and i != s.zero_index:
            raise SpecError(m["indices"].loc, f"{s.name}[{i}] is not mapped (indices cover {first}..{last})",
                            "widen indices, or list it in derived_indices if the design does not store it")
    parts = _int(m["parts"], 1, 1 << 16) if "parts" in m else 1
    return Mapping(s.name, "array", node.loc, signal=_signal(m["array"]), first=first, last=last, offset=offset,
                   parts=parts)


def _parameters(node: Node | None) -> tuple:
    if node is None:
        return ()
    return tuple((_ident_key(node, k), _int(v, 0, (1 << 64) - 1), node.key_locs[k])
                 for k, v in mapping_of(node, "parameters", None, ()).items())


def _defines(node: Node | None) -> tuple:
    if node is None:
        return ()
    return tuple((_ident(n), n.loc) for n in _list(node, "defines"))


def _levels(node: Node | None, what: str) -> tuple:
    """{signal: value, ...}: the value is an integer (checked against the width later)."""
    if node is None:
        return ()
    return tuple((_signal_text(k, node.key_locs[k]), _int(v, 0, (1 << 64) - 1))
                 for k, v in mapping_of(node, what, None, ()).items())


def _condition(node: Node, what: str) -> tuple:
    """A one-bit signal that is high (`retire: trace_valid`), or {signal: value, ...}, all equal."""
    if node.is_scalar:
        return ((_signal(node), 1),)
    levels = _levels(node, what)
    if not levels:
        raise SpecError(node.loc, f"{what} names no signal")
    return levels


def _exclusions(node: Node | None) -> tuple:
    if node is None:
        return ()
    out = []
    for item in _list(node, "exclusions"):
        e = mapping_of(item, "an exclusion", {"what", "why"}, ("what", "why"))
        out.append((_str(e["what"]), _str(e["why"])))
    return tuple(out)


# ------------------------------------------------------------------ located scalars
def _list(node: Node, what: str) -> list:
    if not node.is_list:
        raise SpecError(node.loc, f"{what} must be a list ([a, b, ...])")
    return node.value


def _str(node: Node) -> str:
    if not node.is_scalar or not node.value:
        raise SpecError(node.loc, "expected a word or text here")
    return node.value


def _ident(node: Node) -> str:
    text = _str(node)
    if not text.replace("_", "a").isalnum() or text[0].isdigit() or not text.isascii():
        raise SpecError(node.loc, f"'{text}' is not a Verilog or Python identifier")
    return text


def _ident_key(parent: Node, key: str) -> str:
    if not key.replace("_", "a").isalnum() or key[0].isdigit() or not key.isascii():
        raise SpecError(parent.key_locs[key], f"'{key}' is not a Verilog identifier")
    return key


def _signal(node: Node) -> Signal:
    return _signal_text(_str(node), node.loc)


def _signal_text(text: str, loc: Loc) -> Signal:
    """'name', 'inst.name' or 'name[hi:lo]'."""
    text = text.strip()
    base, bits = text, None
    if text.endswith("]") and "[" in text:
        base, _, rest = text.partition("[")
        hi, sep, lo = rest[:-1].partition(":")
        try:
            bits = (int(hi, 0), int(lo, 0)) if sep else (int(hi, 0), int(hi, 0))
        except ValueError:
            raise SpecError(loc, f"'{text}': a bit slice is NAME[HI:LO] with integer bounds") from None
        if bits[0] < bits[1]:
            raise SpecError(loc, f"'{text}': write the slice high bit first ([{bits[1]}:{bits[0]}])")
    parts = base.split(".")
    if not all(p and (p.replace("_", "a").isalnum() and not p[0].isdigit() and p.isascii()) for p in parts):
        raise SpecError(loc, f"'{text}' is not a signal name (NAME, INSTANCE.NAME or NAME[HI:LO])")
    return Signal(base, loc, bits)


def _int(node: Node, lo: int, hi: int) -> int:
    if not node.is_scalar:
        raise SpecError(node.loc, "expected an integer here")
    try:
        value = int(node.value.replace("_", ""), 0)
    except ValueError:
        raise SpecError(node.loc, f"'{node.value}' is not an integer (decimal, 0x.., 0b..)") from None
    if not lo <= value <= hi:
        raise SpecError(node.loc, f"{value} is out of range ({lo}..{hi})")
    return value


def _bit(node: Node) -> int:
    return _int(node, 0, 1)
