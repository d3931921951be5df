"""`dcsim explain`: one instruction at every level the toolkit generates, from spec to Verilog.

Six levels, in order, each a `Level`: its title, the file or artifact it comes from, and its
lines as (where, text) pairs, `where` being the spec line a line came from (`npu.yaml:88`)
or the line's number in the artifact (`dcsim_npu.v:1210`), or '' when there is neither.

1. the instruction as written in the machine file: its format's block, then its own;
2. its typed Spec IR (`spec.printer`);
3. its generated C function, cut out of the machine's C source (`fastforward.cgen`);
4. its FSMD states (`hls.printer`);
5. the Verilog lines that implement it: its state codes and state blocks, its decode and
   field latches, the other control lines that name its states or decode, the declarations
   of the registers and memories its states use, and the datapath wires all those read;
6. the correspondence-manifest entries of the state elements it reads or writes.

Nothing here knows a particular machine. The Verilog is selected by the names rtlgen gives
(`S<id>` state codes, `hd_<NAME>` / `d_<k>` decodes, `n<k>` datapath wires: see
rtlgen/verilog.py, rtlgen/core.py and rtlgen/vcommon.py), since the generated Verilog
carries spec positions only on state codes and state blocks.
"""
from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path

from hls import fsmd, schedule_machine
from hls.printer import schedule_lines
from rtlgen.engine import generate_artifacts
from rtlgen.manifest import dumps
from spec import ir
from spec.errors import DcsimError, Loc
from spec.memo import MachineMemo
from spec.printer import instruction_lines
from spec.types import IntType

_GAP = "..."                # between lines that are not consecutive in their file


@dataclass(frozen=True)
class Level:
    title: str
    source: str            # the file or artifact the lines come from
    lines: tuple           # of (where, text) string pairs (JSON-ready)


def explain(machine: ir.Machine, instruction: str) -> list[Level]:
    """The six levels of one instruction (its name matched case-insensitively when no
    instruction has exactly that name)."""
    instr = _find(machine, instruction)
    return [_level(title, make, machine, instr) for title, make in _LEVELS]


def format_explain(levels: list[Level]) -> str:
    """The levels as plain text, one section after another, `where` in a left column."""
    sections = []
    for k, level in enumerate(levels, 1):
        width = max((len(where) for where, _ in level.lines), default=0)
        body = [f"{where:<{width}}  | {text}".rstrip() for where, text in level.lines]
        sections.append("\n".join([f"== {k}. {level.title} ({level.source})", *body]))
    return "\n\n".join(sections) + "\n"


def _find(machine: ir.Machine, name: str) -> ir.Instruction:
    if machine.has_instruction(name):
        return machine.instruction(name)
    same = [i for i in machine.instructions if i.name.lower() == name.lower()]
    if len(same) == 1:
        return same[0]
    raise DcsimError(f"machine '{machine.name}' has no instruction '{name}'; its instructions are "
                     f"{', '.join(i.name for i in machine.instructions)}")


def _level(title: str, make, machine: ir.Machine, instr: ir.Instruction) -> Level:
    """One level; a machine a generator cannot translate (constructs the HLS does not build,
    the C backend's word-width limit) still shows the levels that exist, with the
    generator's message in place of this one."""
    try:
        source, lines = make(machine, instr)
    except DcsimError as e:
        return Level(title, "not generated", (("", "(not generated)"), *(("", line) for line in str(e).splitlines())))
    return Level(title, source, tuple(lines))


def _where(loc: Loc | None) -> str:
    return f"{Path(loc.path).name}:{loc.line}" if loc is not None and loc.line > 0 else ""


# ------------------------------------------------------------------ 1. YAML


def _yaml_level(machine: ir.Machine, instr: ir.Instruction) -> tuple:
    name = Path(machine.path).name
    rows: list = []
    for path in dict.fromkeys(loc.path for loc in (instr.format.loc, instr.loc)):   # extends: two files
        try:
            text = Path(path).read_text().splitlines()
        except (OSError, ValueError):      # a machine made from text: the IR keeps its semantics only
            return f"{name} (not readable: the semantics only)", [("", line) for line in instr.source.splitlines()]
        picked: list[int] = []
        for loc in (instr.format.loc, instr.loc):       # the encoding's fields, then the instruction
            if loc.path == path:
                picked += [n for n in _yaml_block(text, loc.line) if n not in picked]
        if rows:
            rows.append(("", _GAP))
        rows += _with_gaps([(f"{Path(path).name}:{n}", text[n - 1]) for n in picked], picked)
    return name, rows


def _yaml_block(text: list[str], first: int) -> list[int]:
    """Line numbers of the YAML node whose key is on line `first`: that line and every
    following line indented deeper (blank lines inside it included, trailing ones not)."""
    indent = len(text[first - 1]) - len(text[first - 1].lstrip())
    block = [first]
    for n in range(first + 1, len(text) + 1):
        line = text[n - 1]
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break
        block.append(n)
    while len(block) > 1 and not text[block[-1] - 1].strip():
        block.pop()
    return block


def _with_gaps(rows: list, numbers: list[int]) -> list:
    """`rows` with a GAP row wherever the line numbers jump."""
    out = []
    for k, row in enumerate(rows):
        if k and numbers[k] != numbers[k - 1] + 1:
            out.append(("", _GAP))
        out.append(row)
    return out


# ------------------------------------------------------------------ 2. Spec IR


def _ir_level(machine: ir.Machine, instr: ir.Instruction) -> tuple:
    return "spec/printer.py", [(_where(loc), text) for loc, text in instruction_lines(instr)]


# ------------------------------------------------------------------ generated artifacts

_FSMD: MachineMemo[fsmd.Fsmd] = MachineMemo()
_C_SOURCE: MachineMemo[str] = MachineMemo()


def _c_source(machine: ir.Machine) -> str:
    from fastforward.cgen import generate        # the C backend is only needed here
    return _C_SOURCE.get(machine, lambda m: generate(m).source)


def _c_level(machine: ir.Machine, instr: ir.Instruction) -> tuple:
    """`exec_<NAME>` and its doc comment, cut out of the machine's C source (cgen_instr.py
    writes one function per instruction, its closing brace alone at column 0), then the
    loop nests it calls, outlined so that the compiler vectorises them (their portable
    build; the AVX2 twin differs only in its target attribute and copy widths)."""
    lines = _c_source(machine).splitlines()
    head = f"static int exec_{instr.name}("
    start = next(k for k, line in enumerate(lines) if line.startswith(head))
    while start > 0 and not lines[start].startswith(f"/* {instr.name} ("):
        start -= 1
    starts = [start] + [k for k, line in enumerate(lines)
                        if line.startswith(f"static __attribute__((noinline)) int exec_{instr.name}_nest")]
    name = f"{machine.name}_sim.c"              # what fastforward/csim.py builds it as
    rows = []
    for first in starts:
        end = next(k for k in range(first, len(lines)) if lines[k] == "}")
        rows += [(f"{name}:{k + 1}", lines[k]) for k in range(first, end + 1)]
    return f"{name}, from fastforward/cgen.py", rows


def _fsmd_level(machine: ir.Machine, instr: ir.Instruction) -> tuple:
    m = _FSMD.get(machine, schedule_machine)
    return "hls/printer.py", [(_where(loc), text) for loc, text in schedule_lines(m, instr.name)]


# ------------------------------------------------------------------ 5. Verilog

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_$]*")
_DECLARED = re.compile(r"^\s*(?:reg|wire)\s+(?:\[[^\]]*\]\s*)?([A-Za-z_][A-Za-z0-9_$]*)")
_DATAPATH_WIRE = re.compile(r"^n\d+$")


def _code(line: str) -> str:
    return line.split("//", 1)[0]


def _comment(line: str) -> str:
    return line.split("//", 1)[1].strip() if "//" in line else ""


def _verilog_level(machine: ir.Machine, instr: ir.Instruction) -> tuple:
    m = _FSMD.get(machine, schedule_machine)
    art = generate_artifacts(machine)
    lines = art.verilog.splitlines()
    states = [s for s in m.states if s.instruction == instr.name]
    decodes = _decode_wires(m)
    mine = {f"S{s.id}" for s in states} | {decodes[instr.name]}
    foreign = {f"S{s.id}" for s in m.states if s.instruction != instr.name} | set(decodes.values()) - mine
    selects = re.compile(r"\b(?:" + "|".join(map(re.escape, sorted(mine))) + r")\s*\?\s*(n\d+)")   # `S13 ? n309 :`
    used = _schedule_names(m, instr.name, states)
    picked: set[int] = set()
    wires: set[str] = set()                         # datapath wires the picked lines read
    for k, line in enumerate(lines):
        code = _code(line)
        words = set(_WORD.findall(code))
        declared = _DECLARED.match(code)
        if declared and declared.group(1) in foreign:
            continue                                # another instruction's decode
        if words & mine or _comment(line) == instr.name:
            block = range(k, _block_end(lines, k) + 1)
            picked.update(block)
            if words & foreign:                     # a chain over several instructions: only its arms
                wires.update(selects.findall(code))
            else:
                wires.update(w for j in block for w in _WORD.findall(_code(lines[j])) if _DATAPATH_WIRE.match(w))
        elif declared and declared.group(1) in used:
            picked.add(k)                           # a register or memory its states use
    picked |= _wire_definitions(lines, wires)
    numbers = sorted(picked)
    name = f"{art.top}.v"
    generator = "rtlgen/core.py" if m.fetch is not None else "rtlgen/verilog.py"
    return f"{name}, from {generator}", _with_gaps([(f"{name}:{k + 1}", lines[k]) for k in numbers], numbers)


def _decode_wires(m: fsmd.Fsmd) -> dict:
    """Instruction -> the wire that says the word being decoded is it: `d_<k>` (k: decode
    priority) in a processor core, `hd_<NAME>` in a queue machine's dispatcher."""
    if m.fetch is not None:
        return {s.instruction: f"d_{k}" for k, s in enumerate(m.schedules)}
    return {s.instruction: f"hd_{s.instruction}" for s in m.schedules}


def _schedule_names(m: fsmd.Fsmd, name: str, states: list) -> set:
    """The registers and memories an instruction's schedule latches, reads or writes."""
    out = {latch.reg for latch in m.schedule(name).fields}
    for s in states:
        out.update(w.reg for w in s.writes)
        out.update(w.mem for w in s.mem_writes)
        for root in fsmd.state_exprs(s):
            for node in fsmd.walk(root):
                if isinstance(node, fsmd.RegRef):
                    out.add(node.name)
                elif isinstance(node, fsmd.MemRead):
                    out.add(node.mem)
    return out


def _block_end(lines: list[str], k: int) -> int:
    """The line that closes the begin..end block opened on line k (k itself if none opens)."""
    depth = 0
    for j in range(k, len(lines)):
        words = _WORD.findall(_code(lines[j]))
        depth += words.count("begin") - words.count("end")
        if depth <= 0:
            return j
    return k


def _wire_definitions(lines: list[str], wires: set) -> set:
    """The lines defining datapath wires `wires`, and the wires those read, and so on."""
    defined = {}
    for k, line in enumerate(lines):
        d = _DECLARED.match(line)
        if d and _DATAPATH_WIRE.match(d.group(1)):
            defined[d.group(1)] = k
    out: set[int] = set()
    todo = sorted(wires)
    while todo:
        k = defined.get(todo.pop())
        if k is not None and k not in out:
            out.add(k)
            todo += [w for w in _WORD.findall(_code(lines[k])) if _DATAPATH_WIRE.match(w)]
    return out


# ------------------------------------------------------------------ 6. manifest


def _manifest_level(machine: ir.Machine, instr: ir.Instruction) -> tuple:
    art = generate_artifacts(machine)
    text = dumps(art.manifest).splitlines()
    name = f"{art.top}.manifest.json"
    entries = _manifest_entries(art.manifest, text)
    touched = _touched(machine, instr)
    rows = []
    for element in machine.state:
        if element.name not in touched:
            continue
        how = " and ".join(f"{verb} ({_where(loc)})" if _where(loc) else verb
                           for verb, loc in touched[element.name].items())
        rows.append((_where(element.loc), f"# {element.name}: {how}"))
        first, last = entries[element.name]
        rows += [(f"{name}:{k + 1}", text[k]) for k in range(first, last + 1)]
    if not rows:
        rows = [("", f"(none: {instr.name} reads and writes no state element)")]
    return f"{name}, from rtlgen/manifest.py", rows


def _manifest_entries(manifest: dict, text: list[str]) -> dict:
    """State element -> (first, last) line index of its entry in the dumped manifest `text`:
    the entries of its "state" list follow each other, each as many lines as it dumps to."""
    first = text.index('  "state": [') + 1
    out = {}
    for entry in manifest["state"]:
        n = len(json.dumps(entry, indent=2).splitlines())
        out[entry["name"]] = (first, first + n - 1)
        first += n
    return out


def _touched(machine: ir.Machine, instr: ir.Instruction) -> dict:
    """State element -> {how: first position}, 'read' / 'written' from the instruction's Spec
    IR; a processor also reads its pc and fetch memory and writes its pc on every
    instruction (fetch and commit), which its semantics do not say."""
    out: dict[str, dict] = {}

    def note(state: str, verb: str, loc: Loc):
        out.setdefault(state, {}).setdefault(verb, loc)

    pc = machine.fetch.pc if machine.fetch else None
    for stmt in instr.body:
        for node in _nodes(stmt):
            if isinstance(node, ir.StateRead):
                note(node.state, "read", node.loc)
            elif isinstance(node, ir.Load):
                note(node.mem, "read", node.loc)
            elif isinstance(node, ir.PcRead):
                note(pc, "read", node.loc)
            elif isinstance(node, ir.StateTarget):
                note(node.state, "written", node.loc)
            elif isinstance(node, ir.Store):
                note(node.mem, "written", node.loc)
            elif isinstance(node, ir.Jump):
                note(pc, "written", node.loc)
    if machine.fetch is not None:
        f = machine.fetch
        note(f.memory, "read by the fetch", f.loc)
        note(f.pc, "read by the fetch", f.loc)
        note(f.pc, "written by the commit", f.loc)
    order = ("read", "written", "read by the fetch", "written by the commit")
    return {k: dict(sorted(v.items(), key=lambda kv: order.index(kv[0]))) for k, v in out.items()}


def _nodes(node):
    """`node` and every IR node under it (statements, expressions, targets)."""
    yield node
    for f in dataclasses.fields(node):
        value = getattr(node, f.name)
        for v in value if isinstance(value, tuple) else (value,):
            if dataclasses.is_dataclass(v) and not isinstance(v, (Loc, IntType, ir.FieldDef)):
                yield from _nodes(v)


_LEVELS = (("YAML semantics, as written", _yaml_level),
           ("typed Spec IR", _ir_level),
           ("generated C function", _c_level),
           ("FSMD states, one per clock cycle", _fsmd_level),
           ("Verilog that implements it", _verilog_level),
           ("correspondence manifest entries of the state it reads or writes", _manifest_level))
