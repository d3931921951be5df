"""System files: a host processor and the accelerators it drives, as one machine.

A system file names its parts (machine files, with their own -D style overrides) and how
they attach:

    system: soc
    host: {spec: rv32im.yaml, params: {MEM_BYTES: 1 << 24}}
    accelerators:
      npu:
        spec: npu.yaml
        params: {DRAM_BYTES: 1 << 23}
        mmio: RAM_BASE + MEM_BYTES - 4096        # host params may be used here
        memory: {state: dram, at: RAM_BASE + (1 << 23)}

The attachment is memory-mapped, in the host's own memory, so the host spec needs nothing
new and a store or load is all software ever does:
  * `mmio`: W = ceil(command width / 32) command words (word k = command bits 32k+31..32k);
    a store to word W-1 (the doorbell) pushes the command. STATUS at mmio + 4W reads the
    commands pushed and not yet finished; a store to WAIT at mmio + 4W + 4 completes once the
    accelerator is idle (timing models hold the store until then, so waiting is one
    instruction whatever it costs in cycles, and the host's instruction stream is the same in
    every model: a polling loop would make it depend on timing).
  * `memory`: the accelerator's external memory `state` is the host memory's bytes from
    host address `at` on: a window of the host's memory, not a copy.
Errors point at the system file's line and column; errors inside a part at the part's.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from . import ir
from .consts import const_int
from .errors import DcsimError, Loc, SpecError
from .yamlsrc import Node, mapping_of, parse_yaml

WORD_BYTES = 4                    # the attachment's registers are 32-bit words


@dataclass(frozen=True)
class Accelerator:
    """One accelerator of a system and how it attaches to the host."""
    name: str
    machine: ir.Machine
    mmio: int                     # host address of command word 0
    memory: str | None            # the accelerator's state element that is a window of host memory
    window: int                   # host address of that element's byte 0
    loc: Loc

    @property
    def words(self) -> int:
        return -(-self.machine.queue.width // 32)

    @property
    def doorbell(self) -> int:
        """Host address of the command word whose store pushes the command."""
        return self.mmio + WORD_BYTES * (self.words - 1)

    @property
    def status(self) -> int:
        return self.mmio + WORD_BYTES * self.words

    @property
    def wait(self) -> int:
        return self.status + WORD_BYTES

    @property
    def mmio_end(self) -> int:
        return self.wait + WORD_BYTES

    @property
    def dram_base(self) -> int | None:
        """Host address of accelerator address 0 of its shared memory (None: it shares none)."""
        return self.window if self.memory else None


@dataclass(frozen=True)
class System:
    name: str
    path: str
    host: ir.Machine
    accelerators: tuple           # of Accelerator
    digest: str                   # the system file's text and every part's digest
    loc: Loc

    def accelerator(self, name: str) -> Accelerator:
        return next(a for a in self.accelerators if a.name == name)

    def choose(self, name: str | None) -> Accelerator:
        """The accelerator `name` (a user's --accelerator), or the only one when None."""
        names = ", ".join(a.name for a in self.accelerators)
        if name is None:
            if len(self.accelerators) != 1:
                raise DcsimError(f"{self.name} has {len(self.accelerators)} accelerators ({names}): pick one with "
                                 "--accelerator")
            return self.accelerators[0]
        for a in self.accelerators:
            if a.name == name:
                return a
        raise DcsimError(f"{self.name} has no accelerator '{name}' ({names})")


def is_system_file(path: str | Path) -> bool:
    """Whether `path` is a system file (top-level key `system:`) rather than a machine file."""
    from .loader import read_machine_text
    path = Path(path)
    if path.suffix not in (".yaml", ".yml") or not path.is_file():
        return False
    try:
        text = read_machine_text(path)
        if not re.search(r"\bsystem\s*:", text):   # most files: no YAML parse twice per command
            return False
        root = parse_yaml(text, str(path))
    except SpecError:
        return False                  # the machine loader reports the error in full
    return root.is_map and "system" in root.value


def load_system(path: str | Path, host_overrides: dict[str, int] | None = None) -> System:
    """Read and check a system file; `host_overrides` (-D) apply to the host's params."""
    from .loader import read_machine_text
    path = Path(path)
    text = read_machine_text(path)
    return _SystemBuilder(path, host_overrides or {}).system(parse_yaml(text, str(path)), text)


class _SystemBuilder:
    TOP = ("system", "host", "accelerators")
    PART = ("spec", "params")
    ACCEL = ("spec", "params", "mmio", "memory")

    def __init__(self, path: Path, host_overrides: dict[str, int]):
        self.path, self.host_overrides = path, host_overrides

    def system(self, root: Node, text: str) -> System:
        mapping_of(root, "a system file", self.TOP, required=self.TOP)
        name = self.name(root.value["system"], "the system's name")
        host = self.part(root.value["host"], "host", self.PART, self.host_overrides)
        if host.fetch is None:
            raise SpecError(root.value["host"].loc, f"the host '{host.name}' is a queue machine; a system's host "
                                                    "fetches its own instructions (a processor)")
        ram = host.state_element(host.fetch.memory)
        if str(ram.type) != "u8" or len(ram.shape) != 1:
            raise SpecError(root.value["host"].loc, f"the host's fetch memory '{ram.name}' must be a byte memory")
        accels = mapping_of(root.value["accelerators"], "accelerators")
        if not accels:
            raise SpecError(root.value["accelerators"].loc, "a system needs at least one accelerator")
        out = tuple(self.accelerator(key, node, host) for key, node in accels.items())
        for k, a in enumerate(out):
            for b in out[:k]:
                if a.mmio < b.mmio_end and b.mmio < a.mmio_end:
                    raise SpecError(a.loc, f"the registers of '{a.name}' ({a.mmio:#x}..{a.mmio_end - 1:#x}) overlap "
                                           f"those of '{b.name}' ({b.mmio:#x}..{b.mmio_end - 1:#x})")
        digest = hashlib.sha256("\0".join([text, host.digest, *(a.machine.digest for a in out)]).encode()).hexdigest()
        return System(name, str(self.path), host, out, digest, root.loc)

    # ----------------------------------------------------------------- parts
    def part(self, node: Node, what: str, allowed: tuple, overrides: dict) -> ir.Machine:
        from .loader import load_machine
        mapping_of(node, what, allowed, required=("spec",))
        spec = node.value["spec"]
        path = self.path.parent / self.name(spec, f"{what}'s spec")
        if not path.is_file():
            raise SpecError(spec.loc, f"no machine file '{spec.value}' (looked for {path})",
                            "spec paths are relative to the system file")
        params = {}
        if "params" in node.value:
            for key, value in mapping_of(node.value["params"], f"{what}'s params").items():
                params[key] = self.integer(value, f"param {key}", {})
        return load_machine(path, {**params, **overrides})

    def accelerator(self, name: str, node: Node, host: ir.Machine) -> Accelerator:
        machine = self.part(node, f"accelerator '{name}'", self.ACCEL, {})
        if machine.queue is None:
            raise SpecError(node.loc, f"accelerator '{name}' ({machine.name}) fetches its own instructions; an "
                                      "accelerator is a queue machine the host pushes commands to")
        params = host.param
        if "mmio" not in node.value:
            raise SpecError(node.loc, f"accelerator '{name}' needs 'mmio': the host address of its command registers")
        mmio = self.integer(node.value["mmio"], "mmio", params)
        acc = Accelerator(name, machine, mmio, None, 0, node.loc)
        if mmio % WORD_BYTES:
            raise SpecError(node.value["mmio"].loc, f"mmio {mmio:#x} is not {WORD_BYTES}-byte aligned")
        self.inside_host(host, mmio, acc.mmio_end - mmio, node.value["mmio"].loc, f"the registers of '{name}'")
        if "memory" not in node.value:
            return acc
        mem = node.value["memory"]
        mapping_of(mem, f"accelerator '{name}''s memory", ("state", "at"), required=("state", "at"))
        state = self.name(mem.value["state"], "memory state")
        el = next((s for s in machine.state if s.name == state), None)
        if el is None or el.kind != "mem" or not el.external or len(el.shape) != 1 or str(el.type) != "u8":
            raise SpecError(mem.value["state"].loc, f"'{state}' is not an external byte memory of {machine.name}",
                            "the shared memory must be declared {mem: u8, shape: [N], external: true}")
        at = self.integer(mem.value["at"], "memory at", params)
        self.inside_host(host, at, el.size, mem.value["at"].loc, f"{name}.{state} of {el.size} bytes")
        return Accelerator(name, machine, mmio, state, at, node.loc)

    def inside_host(self, host: ir.Machine, start: int, size: int, loc: Loc, what: str):
        ram = host.state_element(host.fetch.memory)
        base, end = host.fetch.base, host.fetch.base + ram.size
        if not (base <= start and start + size <= end):
            raise SpecError(loc, f"{what} ({start:#x}..{start + size - 1:#x}) must lie inside the host's "
                                 f"{ram.name} ({base:#x}..{end - 1:#x})",
                            "the attachment lives in the host's memory; move it or enlarge the host's memory")

    # ---------------------------------------------------------------- values
    def name(self, node: Node, what: str) -> str:
        if not node.is_scalar or not node.value.strip():
            raise SpecError(node.loc, f"{what} must be a single value")
        return node.value.strip()

    def integer(self, node: Node, what: str, params: dict) -> int:
        value = const_int(self.name(node, what), node.loc, params)
        if not 0 <= value < 1 << 64:
            raise SpecError(node.loc, f"{what} is {value}, outside 0..2^64-1")
        return value
