"""RV32I programs on the functional simulator: loading and a tiny host environment.

* `load_elf(sim, path)` copies the PT_LOAD segments of a 32-bit little-endian RISC-V ELF
  into ram (at their physical address relative to the ram base), zeroes the bss, sets pc
  to the entry point and finds the HTIF `tohost`/`fromhost` symbols if present.
* `load_binary(sim, data)` copies a flat image to the ram base and starts there.
* `attach_host(sim)` installs a proxy-kernel-like environment:
    ECALL   a7=93 exit(a0) · a7=64 write(fd, buf, len) for fd 1 and 2, captured in
            Host.stdout / Host.stderr, returns len in a0 · anything else returns
            -38 (ENOSYS) in a0.
    EBREAK  halts with exit code a0.
    tohost  a store of v to `tohost` with v & 1 halts with exit code v >> 1; an even
            non-zero v is a pointer to a riscv-tests "magic memory" syscall block
            (eight 64-bit words: number, arguments...) serviced like an ECALL.
* `run_program(machine, path)` does all of that and runs to the end.

Exit codes are a0 read as a signed 32-bit number.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from spec import ir
from spec.errors import DcsimError, MachineFault

from .sim import Simulator

DEFAULT_MACHINE = Path(__file__).resolve().parent.parent / "hw" / "rv32i.yaml"

SYS_WRITE, SYS_EXIT, SYS_EXIT_GROUP = 64, 93, 94
ENOSYS, EBADF, EFAULT = 38, 9, 14
ECALL, EBREAK = 0, 1                 # env_call kinds used by hw/rv32i.yaml
A0, A1, A2, A7 = 10, 11, 12, 17


class ProgramLoadError(DcsimError):
    """A program file that cannot be loaded into the machine."""

    def __init__(self, path: str, message: str):
        super().__init__(message)
        self.path, self.message = path, message

    def render(self) -> str:
        return f"{self.path}: error: {self.message}"

    def __str__(self) -> str:
        return self.render()


@dataclass
class LoadedProgram:
    entry: int
    tohost: int | None = None            # address of the HTIF tohost word, if the ELF has one
    fromhost: int | None = None
    symbols: dict = field(default_factory=dict)   # name -> address (functions and objects)
    segments: list = field(default_factory=list)  # (address, file size, memory size)


def _ram(sim: Simulator):
    fetch = sim.machine.fetch
    if fetch is None:
        raise MachineFault(f"{sim.machine.name} is not a processor (it has no fetch memory)")
    return sim.state[fetch.memory].reshape(-1), fetch.base


def _s32(v: int) -> int:
    v &= 0xFFFFFFFF
    return v - (1 << 32) if v >> 31 else v


# ----------------------------------------------------------------- loading
def load_elf(sim: Simulator, path: str | Path | bytes) -> LoadedProgram:
    """Load an ELF executable (a path, or its bytes) into `sim`; sets pc to its entry."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    name = "<bytes>" if isinstance(path, (bytes, bytearray)) else str(path)
    data = bytes(path) if isinstance(path, (bytes, bytearray)) else read_program_file(path)
    if data[:4] != b"\x7fELF":
        raise ProgramLoadError(name, "not an ELF file (no \\x7fELF magic number)")
    ram, base = _ram(sim)
    try:
        elf = ELFFile(BytesIO(data))
        if elf["e_machine"] != "EM_RISCV":
            raise ProgramLoadError(name, f"ELF machine is {elf['e_machine']}, not RISC-V (EM_RISCV)")
        if elf.elfclass != 32:
            raise ProgramLoadError(name, f"a {elf.elfclass}-bit ELF; {sim.machine.name} runs 32-bit (ELFCLASS32) "
                                         "programs — compile with -march=rv32i -mabi=ilp32")
        if not elf.little_endian:
            raise ProgramLoadError(name, "a big-endian ELF; RISC-V is little-endian")
        if elf["e_type"] not in ("ET_EXEC", "ET_DYN"):
            raise ProgramLoadError(name, f"ELF type {elf['e_type']} is not an executable (link it first)")
        program = LoadedProgram(entry=elf["e_entry"])
        for seg in elf.iter_segments():
            if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                continue
            addr, filesz, memsz = seg["p_paddr"], seg["p_filesz"], seg["p_memsz"]
            _check_segment(name, len(program.segments), seg, len(data))
            offset = addr - base
            if offset < 0 or offset + memsz > ram.size:
                raise ProgramLoadError(
                    name, f"segment at {addr:#x}..{addr + memsz:#x} does not fit in ram "
                          f"{base:#x}..{base + ram.size:#x} ({ram.size} bytes); link the program at "
                          f"{base:#x} or enlarge MEM_BYTES")
            body = seg.data()[:filesz]
            ram[offset:offset + len(body)] = memoryview(body)
            ram[offset + len(body):offset + memsz] = 0          # .bss and any tail
            program.segments.append((addr, filesz, memsz))
        if not program.segments:
            raise ProgramLoadError(name, "the ELF has no loadable (PT_LOAD) segments")
        for section in elf.iter_sections():
            if isinstance(section, SymbolTableSection):
                for sym in section.iter_symbols():
                    if sym.name and sym["st_info"]["type"] in ("STT_FUNC", "STT_OBJECT", "STT_NOTYPE") \
                            and sym["st_shndx"] != "SHN_UNDEF":
                        program.symbols.setdefault(sym.name, sym["st_value"])
    except ELFError as exc:
        raise ProgramLoadError(name, f"malformed ELF: {exc}") from None
    program.tohost = program.symbols.get("tohost")
    program.fromhost = program.symbols.get("fromhost")
    if not 0 <= program.entry - base < ram.size:
        raise ProgramLoadError(name, f"entry point {program.entry:#x} is outside ram")
    sim.pc = program.entry
    return program


def _check_segment(name: str, index: int, seg, file_bytes: int):
    """A PT_LOAD segment must lie inside the file and hold no more file bytes than memory bytes
    (pyelftools silently returns a short read for a segment past the end)."""
    offset, filesz, memsz = seg["p_offset"], seg["p_filesz"], seg["p_memsz"]
    what = f"loadable segment {index} (at {seg['p_paddr']:#x})"
    if offset + filesz > file_bytes:
        raise ProgramLoadError(name, f"malformed ELF: {what} needs file bytes {offset:#x}..{offset + filesz:#x} "
                                     f"but the file has {file_bytes:#x} bytes (truncated file?)")
    if memsz < filesz:
        raise ProgramLoadError(name, f"malformed ELF: {what} has p_memsz {memsz:#x} smaller than its "
                                     f"p_filesz {filesz:#x}")


MAX_PROGRAM_BYTES = 256 << 20          # bounds reading a device or a wrong file; far above any ram


def read_program_file(path: str | Path) -> bytes:
    """The bytes of a program file: a regular file of at most MAX_PROGRAM_BYTES."""
    path = Path(path)
    try:
        if path.exists() and not path.is_file():
            raise ProgramLoadError(str(path), "cannot read program: not a regular file")
        with path.open("rb") as f:
            data = f.read(MAX_PROGRAM_BYTES + 1)
    except OSError as exc:
        raise ProgramLoadError(str(path), f"cannot read program: {exc.strerror}") from None
    if len(data) > MAX_PROGRAM_BYTES:
        raise ProgramLoadError(str(path), f"program file is larger than {MAX_PROGRAM_BYTES >> 20} MiB")
    return data


def load_binary(sim: Simulator, data: bytes, offset: int = 0, entry: int | None = None,
                name: str = "<binary>") -> LoadedProgram:
    """Copy a flat image to ram base + `offset`; pc starts at `entry` (default: the image start)."""
    ram, base = _ram(sim)
    if not data:          # else the run starts on zeroed ram and stops at 'illegal instruction 0x0'
        raise ProgramLoadError(name, "empty program: there is no instruction to run")
    if offset < 0 or offset + len(data) > ram.size:
        raise ProgramLoadError(name, f"{len(data)} bytes at {base + offset:#x} do not fit in ram "
                                     f"{base:#x}..{base + ram.size:#x}")
    ram[offset:offset + len(data)] = memoryview(bytes(data))
    program = LoadedProgram(entry=base + offset if entry is None else entry,
                            segments=[(base + offset, len(data), len(data))])
    sim.pc = program.entry
    return program


# -------------------------------------------------------------------- host
class Host:
    """Services ECALL/EBREAK and HTIF tohost for one simulator."""

    def __init__(self, sim: Simulator, tohost: int | None = None, fromhost: int | None = None,
                 echo: BinaryIO | None = None):
        self.sim = sim
        self.regs = sim.state["x"].reshape(-1)
        self.ram, self.base = _ram(sim)
        self.tohost, self.fromhost = tohost, fromhost
        self.echo = echo
        self._out = {1: bytearray(), 2: bytearray()}
        self.syscalls: dict[int, int] = {}           # syscall number -> count
        sim.set_env(self.env_call)
        if tohost is not None:
            index = tohost - self.base
            if not (0 <= index and index + 8 <= self.ram.size):
                raise ProgramLoadError("<tohost>", f"tohost at {tohost:#x} is outside ram")
            sim.watch_store(index, self._on_tohost)

    @property
    def stdout(self) -> bytes:
        return bytes(self._out[1])

    @property
    def stderr(self) -> bytes:
        return bytes(self._out[2])

    # ----------------------------------------------------------- env calls
    def env_call(self, kind: int):
        if kind == ECALL:
            r = self.regs
            result = self.syscall(int(r[A7]), int(r[A0]), int(r[A1]), int(r[A2]))
            if result is not None:
                r[A0] = result & 0xFFFFFFFF
        elif kind == EBREAK:
            self.sim.halt(_s32(int(self.regs[A0])))
        else:
            raise MachineFault(f"unknown env_call kind {kind}")

    def syscall(self, number: int, a0: int, a1: int, a2: int) -> int | None:
        """Perform a system call; returns the value for a0 (None: leave a0 alone)."""
        self.syscalls[number] = self.syscalls.get(number, 0) + 1
        if number in (SYS_EXIT, SYS_EXIT_GROUP):
            self.sim.halt(_s32(a0))
            return None
        if number == SYS_WRITE:
            return self.write(a0, a1, a2)
        return -ENOSYS

    def write(self, fd: int, buf: int, length: int) -> int:
        if fd not in self._out:
            return -EBADF
        start = buf - self.base
        if length < 0 or start < 0 or start + length > self.ram.size:
            return -EFAULT
        data = self.ram[start:start + length].tobytes()
        self._out[fd] += data
        if self.echo is not None:
            self.echo.write(data)
        return length

    # ------------------------------------------------------------- tohost
    def _read(self, addr: int, n: int) -> int:
        i = addr - self.base
        if not (0 <= i and i + n <= self.ram.size):
            raise MachineFault(f"HTIF: address {addr:#x} is outside ram")
        return int.from_bytes(self.ram[i:i + n].tobytes(), "little")

    def _write(self, addr: int, n: int, value: int):
        i = addr - self.base
        self.ram[i:i + n] = list((value & ((1 << (8 * n)) - 1)).to_bytes(n, "little"))

    def _on_tohost(self, _index: int):
        value = self._read(self.tohost, 4)            # RV32: the low word carries the command
        if value == 0:
            return
        if value & 1:
            self.sim.halt(value >> 1)
            return
        magic = [self._read(value + 8 * k, 8) for k in range(4)]   # riscv-tests syscall block
        result = self.syscall(magic[0], magic[1], magic[2], magic[3])
        if result is not None:
            self._write(value, 8, result)
        self._write(self.tohost, 8, 0)
        if self.fromhost is not None:
            self._write(self.fromhost, 8, 1)


def attach_host(sim: Simulator, program: LoadedProgram | None = None, echo: BinaryIO | None = None) -> Host:
    """Install the host environment; HTIF tohost is watched if `program` has the symbol."""
    return Host(sim, program.tohost if program else None, program.fromhost if program else None, echo)


# --------------------------------------------------------------------- run
@dataclass
class ProgramResult:
    exit_code: int | None          # None if the run stopped at max_instructions
    stdout: bytes
    stderr: bytes
    instructions: int
    counts: dict                   # instruction name -> times retired
    halted: bool
    seconds: float

    @property
    def ips(self) -> float:
        return self.instructions / self.seconds if self.seconds > 0 else float("inf")


@lru_cache(maxsize=4)
def _load_default(path: str) -> ir.Machine:
    from spec import load_machine
    return load_machine(path)


def rv32i_machine(path: str | Path | None = None) -> ir.Machine:
    return _load_default(str(path or DEFAULT_MACHINE))


def load_program(sim: Simulator, path: str | Path | bytes) -> LoadedProgram:
    """An ELF (recognised by its magic number) or else a flat binary."""
    raw = isinstance(path, (bytes, bytearray))
    data = bytes(path) if raw else read_program_file(path)
    if data[:4] == b"\x7fELF":
        return load_elf(sim, data if raw else path)
    return load_binary(sim, data, name="<bytes>" if raw else str(path))


def run_program(machine: ir.Machine | str | Path | None, path: str | Path | bytes,
                max_instructions: int | None = None, echo: BinaryIO | None = None,
                sim_class=Simulator) -> ProgramResult:
    """Load `path` (ELF or flat binary) on a fresh simulator of `machine` and run it."""
    if not isinstance(machine, ir.Machine):
        machine = rv32i_machine(machine)
    sim = sim_class(machine)
    program = load_program(sim, path)
    host = attach_host(sim, program, echo)
    start = time.perf_counter()
    retired = sim.run(max_instructions)
    seconds = time.perf_counter() - start
    return ProgramResult(sim.exit_code if sim.halted else None, host.stdout, host.stderr, retired,
                         sim.kind_counts(), sim.halted, seconds)
