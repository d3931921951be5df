"""ByoEngine: a user's Verilog design, driven through its correspondence file.

It offers the processor half of `rtlgen.engine.RtlEngine` (reset, inject, extract,
run_until_event, env_kind, watch_store, watch_hit, resume, retired, cycles, halted,
exit_code), so everything written for the generated core (`cosim.rtl_program`'s
`CoreView`, `cosim.core_sample.CoreRun`, the host) drives it unchanged.

Environment calls. A core such as PicoRV32 has no host interface: ECALL and EBREAK make it
trap. When the file's trap signal rises, the engine reads the instruction at the design's
pc from the bus memory and decodes it with the machine's own decoder: an instruction the
file lists under `trap.env_calls` retires here (the retirement count moves on, the pc
extracted is past it, `env_kind` says which call), and the host services it and injects
the state back, which restarts the design past it. Any other trap is a `MachineFault`
naming the instruction, its pc and the file's declared exclusions.
"""
from __future__ import annotations

import ctypes
import sys
from pathlib import Path

import numpy as np

from spec import Assembler, ir
from spec.encoding import Decoder
from spec.errors import MachineFault
from spec.types import numpy_dtype_name

from .build import build, verilate
from .check import check, check_parameters
from .correspondence import Correspondence, read_correspondence
from .harness import generate_harness

DEFAULT_WATCHDOG = 1_000_000
_STATUS = {0: "retired", 6: "watch"}


def prepare(corr: Correspondence, machine: ir.Machine) -> tuple[str, str]:
    """Check the file against the Verilated design; (Verilog text, harness C++)."""
    verilog = corr.verilog_text()
    check_parameters(corr, verilog)
    _, table = verilate(corr, verilog)
    syms = check(corr, machine, table)
    return verilog, generate_harness(corr, machine, syms)


def build_design(machine: ir.Machine, corr: Correspondence | str | Path) -> Path:
    """Check the file and build (or find cached) the design's library, without loading it."""
    corr = corr if isinstance(corr, Correspondence) else read_correspondence(corr, machine)
    verilog, harness = prepare(corr, machine)
    return build(corr, verilog, harness)


class ByoEngine:
    def __init__(self, machine: ir.Machine, corr: Correspondence | str | Path):
        self.machine = machine
        self.corr = corr if isinstance(corr, Correspondence) else read_correspondence(corr, machine)
        verilog, self.harness = prepare(self.corr, machine)
        self.library_path = build(self.corr, verilog, self.harness)
        self._lib = _load(self.library_path)
        spare = _SPARE.get(self.library_path)
        self._h = spare.pop() if spare else ctypes.c_void_p(self._lib.byo_new())
        self.manifest = {"state": [{"name": s.name, "shape": list(s.shape), "dtype": numpy_dtype_name(s.type)}
                                   for s in machine.state]}
        self.generation = 0
        self._base = -self._lib.byo_retired(self._h)  # retired = _base + the harness counter
        self._env: int | None = None
        self._decoder = Decoder(machine)
        self._calls = {name: kind for name, kind, _ in (self.corr.trap.env_calls if self.corr.trap else ())}
        self.reset()

    def __del__(self):
        h = getattr(self, "_h", None)          # models are recycled, never freed (see rtlgen.engine)
        if h is not None and sys is not None and not sys.is_finalizing():
            _SPARE.setdefault(self.library_path, []).append(h)
            self._h = None

    # ------------------------------------------------------------ state
    def reset(self):
        """Clear pending events and the store watch; the state stays until the next inject."""
        self._env = None
        self._lib.byo_watch(self._h, ctypes.c_int64(-1))
        self.generation += 1

    def _table(self, state: dict, writable: bool, skip=()):
        arrays, keep = [], []
        for s in self.machine.state:
            if s.name in skip:
                arrays.append(None)
                continue
            a = state[s.name]
            if a.dtype != np.dtype(numpy_dtype_name(s.type)) or tuple(a.shape) != tuple(s.shape):
                raise ValueError(f"state '{s.name}' must be {numpy_dtype_name(s.type)}{tuple(s.shape)}, "
                                 f"got {a.dtype}{a.shape}")
            if writable and not a.flags.c_contiguous:
                raise ValueError(f"state '{s.name}' is not contiguous")
            a = a if writable else np.ascontiguousarray(a)
            keep.append(a)
            arrays.append(a.ctypes.data)
        return (ctypes.c_void_p * len(arrays))(*arrays), keep

    def inject(self, state: dict, retired: int | None = None, skip=()):
        """Reset the design and write the whole architectural state (a correspondence point)."""
        table, keep = self._table(state, writable=False, skip=skip)
        self._lib.byo_inject(self._h, table)
        self._env = None
        self.generation += 1
        if retired is not None:
            self._base = retired - self._lib.byo_retired(self._h)

    def extract(self, out: dict | None = None, skip=()) -> dict:
        state = out if out is not None else {s.name: np.empty(s.shape, numpy_dtype_name(s.type))
                                             for s in self.machine.state}
        table, keep = self._table(state, writable=True, skip=skip)
        self._lib.byo_extract(self._h, table)
        if self._env is not None and self.machine.fetch.pc not in skip:   # the env call has retired: pc is past it
            state[self.machine.fetch.pc].reshape(-1)[0] += self.machine.fetch.ilen
        return state

    # ------------------------------------------------------------ running
    @property
    def cycles(self) -> int:
        return self._lib.byo_cycles(self._h)

    @property
    def retired(self) -> int:
        return self._base + self._lib.byo_retired(self._h)

    @property
    def halted(self) -> bool:
        return False                 # the design has no halt: programs end through the host

    @property
    def exit_code(self):
        return None

    @property
    def env_kind(self) -> int | None:
        return self._env

    @property
    def watch_hit(self) -> bool:
        return bool(self._lib.byo_watch_hit(self._h))

    def watch_store(self, index: int | None):
        self._lib.byo_watch(self._h, ctypes.c_int64(-1 if index is None else index))

    def resume(self):
        self._env = None
        self._lib.byo_resume(self._h)

    def run_until_event(self, limit: int | None = None, watchdog: int = DEFAULT_WATCHDOG) -> str:
        """Like `RtlEngine.run_until_event`: 'retired' (limit reached), 'env_call' or 'watch';
        a bus fault, a trap that is no env call, or `watchdog` cycles without a retirement raise."""
        if self._env is not None:
            return "env_call"
        target = (1 << 64) - 1 if limit is None else max(0, limit - self._base)
        # a watchdog here counts cycles without a retirement: no instruction of a core without wait
        # states takes DEFAULT_WATCHDOG cycles, so a longer limit (the CLI's 2^40) only delays the error
        watchdog = min(watchdog, DEFAULT_WATCHDOG)
        status = self._lib.byo_run_until(self._h, ctypes.c_uint64(target), ctypes.c_uint64(watchdog))
        if status in _STATUS:
            return _STATUS[status]
        if status == 1:
            raise MachineFault(f"{self.corr.design}: no instruction retired in {watchdog} cycles (watchdog), "
                               f"{self.retired} retired")
        if status == 2:
            kind = {1: "a store", 2: "a load", 3: "a fetch"}.get(self._lib.byo_fault_kind(self._h), "an access")
            raise MachineFault(f"{self.corr.design}, instruction {self.retired}: {kind} at "
                               f"{self._lib.byo_fault_addr(self._h):#x} is outside {self.corr.bus.memory}")
        return self._trapped()

    def _trapped(self) -> str:
        state = self.extract()
        fetch = self.machine.fetch
        pc = int(state[fetch.pc].reshape(-1)[0])
        off, raw = pc - fetch.base, state[fetch.memory].reshape(-1).view(np.uint8)
        word = int.from_bytes(raw[off:off + fetch.ilen].tobytes(), "little") if 0 <= off <= len(raw) - fetch.ilen else None
        decoded = self._decoder.decode(word) if word is not None else None
        if decoded is not None and decoded.instr.name in self._calls:
            self._env = self._calls[decoded.instr.name]
            self._lib.byo_add_retired(self._h, ctypes.c_int64(1))
            return "env_call"
        what = (f"{Assembler(self.machine).disassemble(word)}" if decoded else
                f"word {word:#010x}, which {self.machine.name} does not decode" if word is not None else "outside memory")
        excluded = "; ".join(f"{w} ({why})" for w, why in self.corr.exclusions)
        raise MachineFault(f"{self.corr.design} trapped at instruction {self.retired}, pc {pc:#x} ({what})"
                           + (f"; declared exclusions: {excluded}" if excluded else ""))

    def run_until_quiescent(self, watchdog: int = DEFAULT_WATCHDOG) -> int:
        start = self.cycles
        if self._lib.byo_run_until_quiescent(self._h, ctypes.c_uint64(watchdog)):
            raise MachineFault(f"{self.corr.design}: not quiescent after {watchdog} cycles")
        return self.cycles - start

    def bare_run(self, cycles: int) -> int:
        """Benchmark baseline: clock and serve the bus `cycles` times with no event checks."""
        return self._lib.byo_bare_run(self._h, ctypes.c_uint64(cycles))


_LIBS: dict[Path, ctypes.CDLL] = {}
_SPARE: dict[Path, list] = {}


def _load(path: Path) -> ctypes.CDLL:
    if path in _LIBS:
        return _LIBS[path]
    lib = ctypes.CDLL(str(path))
    vp, u64, i64, c_int = ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int64, ctypes.c_int
    for name, args, res in (("byo_new", [], vp), ("byo_inject", [vp, vp], None), ("byo_extract", [vp, vp], None),
                            ("byo_run_until", [vp, u64, u64], c_int), ("byo_run_until_quiescent", [vp, u64], c_int),
                            ("byo_bare_run", [vp, u64], u64), ("byo_cycles", [vp], u64), ("byo_retired", [vp], u64),
                            ("byo_add_retired", [vp, i64], None), ("byo_watch", [vp, i64], None),
                            ("byo_watch_hit", [vp], c_int), ("byo_resume", [vp], None),
                            ("byo_fault_addr", [vp], u64), ("byo_fault_kind", [vp], c_int)):
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, res
    _LIBS[path] = lib
    return lib
