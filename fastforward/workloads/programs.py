"""Programs as workloads for processors (fetch machines): what `dcsim sample rv32i
--workload prog:sort` runs.

A `Program` is a flat memory image with its entry point, its HTIF `tohost` word (if it
exits through one) and what it must produce (exit code and stdout), so that a functional
run is verified like an accelerator workload's output. The bundled programs
(`fastforward/workloads/rv32i_programs.py`) are RV32I assembly, assembled here with
`spec.Assembler`: they need no cross compiler.

Names: `prog:sort[,N[,ROUNDS]]` and `prog:crc[,BYTES[,ROUNDS]]` (see PROGRAM_HELP).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from spec import ir

from . import rv32i_programs as rp
from .base import WorkloadError

PROGRAM_HELP: dict[str, str] = {
    "sort": "prog:sort[,N[,ROUNDS]]  rounds of xorshift fill + insertion sort + check/checksum + print of N, "
            "N/2, N/4, ... signed words (default 512,6: about 1.1e6 instructions; exits by ECALL)",
    "crc": "prog:crc[,BYTES[,ROUNDS]]  CRC-32 table, then rounds of xorshift fill + bitwise CRC-32 + "
           "table CRC-32 + print over BYTES, BYTES/2, BYTES/4, ... (default 4096,6: about 1.2e6 "
           "instructions; exits through HTIF tohost)",
}
DEFAULTS = {"sort": (512, 6), "crc": (4096, 6)}
LIMITS = {"sort": (8, (rp.END - rp.DATA) // 4), "crc": (4, rp.END - rp.DATA)}     # smallest and largest N


@dataclass(frozen=True)
class Program:
    """A program image for a processor, and what a correct run of it produces."""
    name: str                       # as typed, normalised: prog:sort,512,6
    description: str
    image: bytes                    # copied to the fetch memory's base
    entry: int
    expected_exit: int
    expected_stdout: bytes
    params: dict
    tohost: int | None = None       # HTIF words, if the program uses them
    fromhost: int | None = None
    expected_from_model: bool = False   # the expectation is the functional model's own run (a user's file)

    @property
    def digest(self) -> str:
        """Identifies the program's content (part of cache keys: a changed generator is a new program)."""
        h = hashlib.sha256(self.image)
        h.update(repr((self.entry, self.tohost, self.fromhost)).encode())
        return h.hexdigest()[:16]

    def load(self, sim):
        """Copy the image into `sim` (any simulator of a fetch machine) and set pc to the entry."""
        from fastforward.riscv import load_binary
        loaded = load_binary(sim, self.image, entry=self.entry)
        loaded.tohost, loaded.fromhost = self.tohost, self.fromhost
        return loaded

    def attach(self, sim, echo=None):
        """The host environment of this program on `sim` (exit, write, tohost): a `riscv.Host`."""
        from fastforward.riscv import Host
        return Host(sim, self.tohost, self.fromhost, echo)

    def prepare(self, sim):
        """Load the program into `sim` and attach its host; returns the host."""
        self.load(sim)
        return self.attach(sim)

    def verify(self, sim, host) -> bool | None:
        """After running to the end: did the program exit as expected with the expected output?
        None for a user's program, whose expectation is the functional model's own run (the
        full RTL run is still held to it)."""
        same = bool(sim.halted and sim.exit_code == self.expected_exit and host.stdout == self.expected_stdout)
        return None if self.expected_from_model and same else same


def _usage(text: str, why: str) -> WorkloadError:
    return WorkloadError(f"bad program workload '{text}': {why}. Accepted forms: "
                         + " | ".join(PROGRAM_HELP.values()))


def is_program_name(text: str) -> bool:
    return text.strip().lower().startswith("prog:")


def build_program(machine: ir.Machine, text: str, seed: int = 0) -> Program:
    """Parse 'prog:NAME[,ARGS]' and assemble the program for `machine` (a processor)."""
    if machine.fetch is None:
        raise WorkloadError(f"{machine.name} is not a processor (it has no fetch memory); program "
                            "workloads (prog:...) run on fetch machines such as rv32i")
    head, _, rest = text.strip().partition(":")
    if head.strip().lower() != "prog":
        raise _usage(text, "a program workload starts with 'prog:'")
    name, *args = [a.strip().lower() for a in rest.split(",")]
    if name not in PROGRAM_HELP:
        raise _usage(text, f"unknown program '{name}'" if name else "no program name after 'prog:'")
    if len(args) > 2:
        raise _usage(text, f"{name} takes at most two integers")
    values = list(DEFAULTS[name])
    for i, arg in enumerate(args):
        try:
            values[i] = int(arg)
        except ValueError:
            raise _usage(text, f"argument {i + 1} of {name} must be an integer, got '{arg}'") from None
    size, rounds = values
    lo, hi = LIMITS[name]
    if not lo <= size <= hi:
        raise _usage(text, f"{name}'s size must be {lo}..{hi} (the data area is {rp.END - rp.DATA} bytes), got {size}")
    if not 1 <= rounds <= rp.MAX_ROUNDS:
        raise _usage(text, f"rounds must be 1..{rp.MAX_ROUNDS}, got {rounds}")
    return _assemble(machine, name, size, rounds, seed)


def _ram(machine: ir.Machine) -> tuple[int, int]:
    element = next(s for s in machine.state if s.name == machine.fetch.memory)
    size = 1
    for d in element.shape:
        size *= d
    return machine.fetch.base, size


def _assemble(machine: ir.Machine, name: str, size: int, rounds: int, seed: int) -> Program:
    base, ram = _ram(machine)
    if ram < rp.END or machine.fetch.ilen != 4:
        raise WorkloadError(f"the bundled programs need an RV32I-like core with at least {rp.END} bytes of "
                            f"{machine.fetch.memory} (it has {ram}; e.g. -D MEM_BYTES=65536)")
    key = (machine.digest, name, size, rounds, seed)
    if key not in _BUILT:                 # the Python reference models take a while (sort: ~0.1 s)
        if len(_BUILT) >= 16:
            _BUILT.clear()
        _BUILT[key] = _program(machine, base, name, size, rounds, seed)
    return _BUILT[key]


_BUILT: dict[tuple, Program] = {}


def _program(machine: ir.Machine, base: int, name: str, size: int, rounds: int, seed: int) -> Program:
    from spec import Assembler
    if name == "sort":
        expected, stdout = rp.sort_reference(size, rounds, seed)
        source = rp.sort_source(base, size, rounds, seed, expected)
        prefix, tohost = rp.SORT_PREFIX, None
    else:
        expected, stdout = rp.crc_reference(size, rounds, seed)
        source = rp.crc_source(base, size, rounds, seed, expected)
        prefix, tohost = rp.CRC_PREFIX, base + rp.TOHOST
    code = Assembler(machine).assemble(source, path=f"<prog:{name}>", origin=base).to_bytes()
    if len(code) > rp.TOHOST:
        raise WorkloadError(f"prog:{name}: {len(code)} bytes of code overflow the code area ({rp.TOHOST} bytes)")
    image = bytearray(rp.DATA)
    image[:len(code)] = code
    for offset, data in rp.initial_data(rp.round_sizes(size, rounds), prefix).items():
        image[offset:offset + len(data)] = data
    return Program(f"prog:{name},{size},{rounds}", PROGRAM_HELP[name], bytes(image), base, 0, stdout,
                   {"program": name, "size": size, "rounds": rounds, "seed": seed},
                   tohost, base + rp.FROMHOST if tohost is not None else None)


RUN_LIMIT = 10 ** 10                    # instructions a user's program may take on the functional model


def program_from_file(machine: ir.Machine, path, limit: int = RUN_LIMIT) -> Program:
    """A user's program (ELF, flat binary, or `.s` assembly for this machine) as a sampling
    workload. Its expectation (exit code and output) is what the compiled functional model
    produces running it to the end (bounded by `limit` instructions): a sampled run is then
    verified against nothing independent (`Program.verify` says None), but every sample and
    the full RTL run are still checked against the functional model."""
    from pathlib import Path

    from fastforward.backends import make_simulator
    from fastforward.session import prepare_program
    if machine.fetch is None:
        raise WorkloadError(f"{machine.name} is not a processor; sample a command stream on it with --workload")
    path = Path(path)
    sim = make_simulator(machine, "c")
    job = prepare_program(machine, sim, path)
    memory = sim.state[machine.fetch.memory].reshape(-1).view(np.uint8)
    used = int(np.flatnonzero(memory)[-1]) + 1 if memory.any() else 0
    image, entry = memory[:used].tobytes(), int(sim.pc)
    sim.run(limit)
    if not sim.halted:
        raise WorkloadError(f"{path}: the program did not exit within {limit:,} instructions on the functional "
                            "model; a sampled run needs a program that ends (--max-instructions N raises the bound)")
    h = job.host
    return Program(f"program:{path.name}", f"{path} (expected exit code and output: the functional model's run)",
                   image, entry, sim.exit_code, h.stdout, {"program": str(path)}, h.tohost, h.fromhost,
                   expected_from_model=True)
