"""Shrink a disagreement, then write it as a reproducer.

Order: the command stream first (chunks removed delta-debugging style, then operands set
to 0), then the machine (whole instructions with their commands, hls directives, state elements, then
single statements anywhere in the statement trees, or if/for blocks replaced by their
bodies), then the commands again. A candidate
is kept when it still loads and the same pair of backends still disagrees. Machine edits
of an RTL disagreement each cost a Verilator build, so they are capped (`RTL_EDITS`).

A reproducer (`tests/fuzz/regressions/*.yaml`) is a YAML file:

    backends: [py, c]                 # the pair that disagreed
    first_difference: "..."           # what differed first (state element and values)
    signature: [spec, exo, exo import, KeyError]   # backends, kind, exception: what counts as this bug
    xfail: "..."                      # optional: a known bug; the replay test is xfail(strict), and
                                      # fuzz runs count differences with its signature as known
    state_seed: 123                   # fuzz.machines.initial_state(machine, seed)
    commands:                         # (instruction, operands), encoded against the machine
    - ["I0", {"a0": 1}]
    machine: |                        # the machine file
      machine: ...
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from spec import SpecError

from .machines import MachineDesc
from .runner import Difference, check_case, load

RTL_EDITS = 12
MAX_EDITS = 400


def _backends_for(diff: Difference) -> tuple:
    if diff.what == "verilator build":
        return ("lint",)                # a Verilator lint (~1 s) instead of a build per candidate
    return (diff.backends[1],)          # c, rtl, hls (no Verilator) or exo


def _same(a: Difference | None, b: Difference) -> bool:
    return a is not None and a.signature == b.signature


class _Oracle:
    def __init__(self, diff: Difference, state_seed: int, runner=None):
        self.diff, self.state_seed, self.runner = diff, state_seed, runner
        self.backends = _backends_for(diff)
        self.edits = 0
        self.rtl = "rtl" in self.backends          # a Verilator build per machine edit

    def __call__(self, desc: MachineDesc, commands: list, machine_changed: bool) -> Difference | None:
        if machine_changed:
            self.edits += 1
        text = desc.yaml()
        try:
            load(text)
        except SpecError:
            return None
        runner = None if machine_changed else self.runner
        try:
            got = check_case(text, commands, self.state_seed, self.backends, rtl=runner)
        except Exception:                       # noqa: BLE001 - a broken candidate is simply not kept
            return None
        return got if _same(got, self.diff) else None

    @property
    def can_edit(self) -> bool:
        return self.edits < (RTL_EDITS if self.rtl else MAX_EDITS)


def shrink_commands(oracle: _Oracle, desc: MachineDesc, commands: list):
    diff = oracle.diff
    n = 2
    while len(commands) >= 2:
        size = -(-len(commands) // n)
        for start in range(0, len(commands), size):
            candidate = commands[:start] + commands[start + size:]
            got = oracle(desc, candidate, False)
            if got:
                commands, diff = candidate, got
                n = max(n - 1, 2)
                break
        else:
            if n >= len(commands):
                break
            n = min(len(commands), 2 * n)
    if len(commands) == 1 and not oracle.rtl:
        got = oracle(desc, [], False)
        if got:
            return [], got
    for k in range(len(commands)):
        name, ops = commands[k]
        for f in list(ops):
            if ops[f] != 0:
                candidate = list(commands)
                candidate[k] = (name, {**ops, f: 0})
                got = oracle(desc, candidate, False)
                if got:
                    commands, diff = candidate, got
                    ops = commands[k][1]
    return commands, diff


def _paths(nodes: list, prefix=()):
    """Every statement position: (path to its list, index)."""
    for i, n in enumerate(nodes):
        yield prefix, i
        if n.kind != "stmt":
            yield from _paths(n.body, prefix + ((i, "body"),))
            yield from _paths(n.orelse, prefix + ((i, "orelse"),))


def _list_at(nodes: list, path) -> list:
    for i, which in path:
        nodes = getattr(nodes[i], which)
    return nodes


def shrink_machine(oracle: _Oracle, desc: MachineDesc, commands: list, diff: Difference):
    changed = True
    while changed and oracle.can_edit:
        changed = False
        for k in range(len(desc.instrs)):                       # whole instructions
            if len(desc.instrs) <= 1 or not oracle.can_edit:
                break
            cand = desc.copy()
            gone = cand.instrs.pop(k).name
            cmds = [c for c in commands if c[0] != gone]
            got = oracle(cand, cmds, True)
            if got:
                desc, commands, diff, changed = cand, cmds, got, True
                break
        if changed:
            continue
        if desc.hls or any(i.hls for i in desc.instrs):        # hls directives
            cand = desc.copy()
            cand.hls = {}
            for ins in cand.instrs:
                ins.hls = {}
            got = oracle(cand, commands, True)
            if got:
                desc, diff, changed = cand, got, True
                continue
        for name in list(desc.state):                           # state elements nothing reads
            if len(desc.state) <= 1 or not oracle.can_edit:
                break
            cand = desc.copy()
            del cand.state[name]
            got = oracle(cand, commands, True)
            if got:
                desc, diff, changed = cand, got, True
        if changed:
            continue
        for k, ins in enumerate(desc.instrs):                   # statements
            for path, i in reversed(list(_paths(ins.body))):
                if not oracle.can_edit:
                    break
                cand = desc.copy()
                nodes = _list_at(cand.instrs[k].body, path)
                node = nodes.pop(i)
                got = oracle(cand, commands, True)
                if not got and node.kind != "stmt":             # unwrap the block instead
                    cand = desc.copy()
                    nodes = _list_at(cand.instrs[k].body, path)
                    node = nodes[i]
                    nodes[i:i + 1] = node.body
                    got = oracle(cand, commands, True)
                if got:
                    desc, diff, changed = cand, got, True
                    break
            if changed:
                break
    return desc, commands, diff


def minimize_case(desc: MachineDesc, commands: list, state_seed: int, diff: Difference, runner=None):
    """(smaller machine, fewer commands, the difference they still show)."""
    oracle = _Oracle(diff, state_seed, runner)
    if commands:
        commands, diff = shrink_commands(oracle, desc, commands)
    desc, commands, diff = shrink_machine(oracle, desc, commands, diff)
    if commands and oracle.edits:
        oracle.runner = None
        commands, diff = shrink_commands(oracle, desc, commands)
    return desc, commands, diff


def write_reproducer(folder: Path, name: str, desc: MachineDesc | str, commands: list, state_seed: int,
                     diff: Difference, xfail: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    text = desc if isinstance(desc, str) else desc.yaml()
    lines = [f"# dcsim fuzz reproducer: {'/'.join(diff.backends)} disagree",
             f"backends: {json.dumps(list(diff.backends))}",
             f"first_difference: {json.dumps(str(diff))}",
             f"signature: {json.dumps(list(diff.signature))}"]
    if xfail:
        lines.append(f"xfail: {json.dumps(xfail)}")
    lines.append(f"state_seed: {state_seed}")
    lines.append("commands:" + ("" if commands else " []"))
    lines += [f"- {json.dumps([n, ops])}" for n, ops in commands]
    lines.append("machine: |")
    lines += ["  " + line for line in text.splitlines()]
    path = folder / f"{name}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def read_reproducer(path: Path) -> dict:
    data = yaml.safe_load(Path(path).read_text())
    data["commands"] = [(n, dict(ops)) for n, ops in data.get("commands") or []]
    return data
