"""Build and run Exo-compiled kernels against the generated functional simulator.

    lib = import_library(machine, tmpdir)                 # the generated Exo module
    kern = KernelLibrary(machine, [schedule(lib)])        # Exo -> C, + runtime, cc (cached)
    sim = CSimulator(machine)
    arena = DramArena(sim)                                # the kernel's DRAM tensors live in sim.state['dram']
    A = arena.tensor((16, 16), np.int8, data)
    commands = kern.run(sim, "gemm", A, B, D, C)          # every command ran on `sim`; C is filled in

One shared library holds the Exo output and the runtime (runtime.py); it is built with
spec.cbuild (cached by content). It reaches the simulator at run time: `run` hands
the runtime the simulator's context and the address of its exported `dc_run`, so the
kernel's commands execute on the very state arrays `sim.state` exposes. `record` runs a
kernel without a simulator (a buffer stands in for external memory) and returns the
command stream only.
"""
from __future__ import annotations

import ctypes
import importlib.util
import re
import sys
from pathlib import Path

import numpy as np

from spec import ir
from spec.errors import DcsimError

from spec.cbuild import build_library
from fastforward.cgen import generate

from . import capi
from .gen import write_exo_module
from .runtime import POLICIES, RT_FAULT, external_memories, generate_header, generate_runtime, internal_memories, rt

ALIGN = 64


class ExoRuntimeError(DcsimError):
    """A kernel misused the runtime: a field that does not fit, a pointer outside memory, ..."""


def import_library(machine: ir.Machine, directory, module_name: str | None = None):
    """Generate the machine's Exo library into `directory` and import it (Exo parses it on import)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = write_exo_module(machine, directory / f"{machine.name}_exo.py")
    name = module_name or f"{machine.name}_exo_{abs(hash(str(directory))):x}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module              # Exo reads the procs' source through inspect
    spec.loader.exec_module(module)
    return module


def amalgamate(machine: ir.Machine, exo_c: str, exo_h: str, header_name: str) -> str:
    """One C translation unit: API header, runtime, Exo's header and code (includes inlined)."""
    api = capi.header(machine)
    include = re.compile(r'^#include "(?:' + re.escape(api) + "|" + re.escape(header_name) + r')"\s*$', re.M)
    nwords = generate(machine).nwords
    h = exo_h.replace("#pragma once\n", "", 1)
    parts = [generate_header(machine), include.sub("", generate_runtime(machine, nwords)),
             "/* ---- Exo header */", h, "/* ---- Exo code */", include.sub("", exo_c),
             "int dcsim_exo_int_fast32_size(void) { return (int)sizeof(int_fast32_t); }"]
    return "\n".join(parts)


class KernelLibrary:
    """Exo procs compiled to C with the machine's runtime into one (cached) shared library."""

    def __init__(self, machine: ir.Machine, procs=(), name: str = "kernels"):
        """procs: Exo procedures (none: the runtime alone, to drive the C API directly)."""
        if procs:
            import exo
        self.machine = machine
        self.names = [p.name() for p in procs]
        c, h = exo.compile_procs_to_strings(list(procs), f"{name}.h") if procs else ("", "")
        self.source = amalgamate(machine, c, h, f"{name}.h")
        self.path, _ = build_library(self.source, f"{machine.name}_{name}_exo", "-O2")
        self.lib = ctypes.CDLL(str(self.path))
        self.nwords = generate(machine).nwords
        f = self._fn
        f("begin", [ctypes.c_void_p, ctypes.c_void_p], ctypes.c_int)
        f("end", [], ctypes.c_int)
        f("configure", [ctypes.c_int, ctypes.c_int], None)
        f("error", [], ctypes.c_char_p)
        f("count", [], ctypes.c_int64)
        f("commands", [], ctypes.c_void_p)
        f("elided", [], ctypes.c_int64)
        f("live_rows", [ctypes.c_int], ctypes.c_int64)
        for s in external_memories(machine):
            f("bind_" + s.name, [ctypes.c_void_p], None)
        self._size_t = ctypes.c_int64 if self.lib.dcsim_exo_int_fast32_size() == 8 else ctypes.c_int32
        self._ctxt = ctypes.create_string_buffer(4096)      # Exo's `void *ctxt` (config state), zeroed
        self.elided = 0

    def _fn(self, what, args, res):
        fn = getattr(self.lib, rt(self.machine, what))
        fn.argtypes, fn.restype = args, res
        setattr(self, "_" + what, fn)

    # ------------------------------------------------------------------ running
    def run(self, sim, name: str, *args, policy: str = "next-fit", elide: bool = False) -> list[int]:
        """Run kernel `name` with every command executed on the C simulator `sim`; returns the commands."""
        if getattr(sim, "backend", None) != "c":
            raise ExoRuntimeError("Exo kernels run on the compiled simulator (fastforward.csim.CSimulator)")
        if sim.pending_count():
            raise ExoRuntimeError(f"the simulator has {sim.pending_count()} pending commands; run them first")
        dc_run = ctypes.cast(sim.lib.dc_run, ctypes.c_void_p).value
        return self._session(name, args, policy, elide, sim._ctx_ptr, dc_run, sim)

    def record(self, name: str, *args, memory: dict, policy: str = "next-fit", elide: bool = False) -> list[int]:
        """Run kernel `name` without a simulator; `memory` maps each external memory to the
        buffer the kernel's tensors point into. Returns the commands."""
        for s in external_memories(self.machine):
            buf = memory[s.name]
            getattr(self, "_bind_" + s.name)(buf.ctypes.data)
        return self._session(name, args, policy, elide, None, None, None)

    def _session(self, name, args, policy, elide, ctx, dc_run, sim):
        if name not in self.names:
            raise ExoRuntimeError(f"no kernel '{name}' in this library ({', '.join(self.names)})")
        fn = getattr(self.lib, name)
        fn.restype = None
        cargs = [ctypes.cast(self._ctxt, ctypes.c_void_p)]
        for a in args:
            if isinstance(a, np.ndarray):
                cargs.append(ctypes.c_void_p(a.ctypes.data))
            elif isinstance(a, (int, np.integer)):
                cargs.append(self._size_t(int(a)))
            else:
                raise TypeError(f"kernel argument {a!r}: pass numpy arrays (tensors) or ints (sizes)")
        self._start(ctx, dc_run, policy, elide)
        try:
            fn(*cargs)
        finally:
            status = self._end()
        return self._finish(name, status, sim)

    def _start(self, ctx, dc_run, policy, elide):
        self._configure(POLICIES[policy], int(elide))
        if self._begin(ctx, dc_run):
            self._end()
            raise ExoRuntimeError(self._error().decode())

    def _finish(self, name, status, sim) -> list[int]:
        if status == RT_FAULT and sim is not None:
            raise sim._fault()
        if status:
            raise ExoRuntimeError(f"{name}: {self._error().decode()}")
        leaked = {s.name: self._live_rows(i) for i, s in enumerate(internal_memories(self.machine))}
        if any(leaked.values()):
            raise ExoRuntimeError(f"{name} returned with rows still allocated: {leaked}")
        self.elided = self._elided()
        return self.recorded()

    def recorded(self) -> list[int]:
        """The command words of the current (or last) session."""
        n = self._count()
        if n == 0:
            return []
        words = np.ctypeslib.as_array((ctypes.c_uint64 * (n * self.nwords)).from_address(self._commands()))
        return [sum(int(w) << (64 * k) for k, w in enumerate(row)) for row in words.reshape(n, self.nwords)]

    # ------------------------------------------------- the C API, called directly
    def api(self, fn: str):
        """A runtime function (e.g. capi.command(machine, instr)) as a ctypes function."""
        f = getattr(self.lib, fn)
        if fn.endswith("_alloc"):
            f.argtypes, f.restype = [ctypes.c_int64], ctypes.c_void_p
        elif fn.endswith(("_free", "_row", "_addr")):
            f.argtypes, f.restype = [ctypes.c_void_p], (None if fn.endswith("_free") else ctypes.c_int64)
        else:
            instr = next(i for i in self.machine.instructions if capi.command(self.machine, i) == fn)
            f.argtypes, f.restype = [ctypes.c_int64] * len(instr.operands), None
        return f

    def calls(self, body, sim=None, memory: dict | None = None, policy: str = "next-fit",
              elide: bool = False) -> list[int]:
        """Run `body()` (which calls `api(...)` functions) as one session; returns the commands."""
        ctx = dc_run = None
        if sim is not None:
            ctx, dc_run = sim._ctx_ptr, ctypes.cast(sim.lib.dc_run, ctypes.c_void_p).value
        for s in external_memories(self.machine):          # with a simulator, begin() binds its arrays
            buf = (memory or {}).get(s.name)
            getattr(self, "_bind_" + s.name)(None if buf is None else buf.ctypes.data)
        self._start(ctx, dc_run, policy, elide)
        try:
            body()
        finally:
            status = self._end()
        return self._finish("calls", status, sim)


class DramArena:
    """Bump allocator of aligned tensors inside an external memory of a simulator (or a buffer)."""

    def __init__(self, sim_or_buffer, memory: str = "dram", start: int = 0):
        mem = sim_or_buffer.state[memory] if hasattr(sim_or_buffer, "state") else sim_or_buffer
        if mem.dtype != np.uint8:
            raise ExoRuntimeError(f"memory '{memory}' is not a byte array ({mem.dtype})")
        self.bytes = mem.reshape(-1)
        self.end = start

    def tensor(self, shape, dtype, data=None) -> np.ndarray:
        dtype = np.dtype(dtype)
        n = int(np.prod(shape)) * dtype.itemsize
        at = -(-self.end // ALIGN) * ALIGN
        if at + n > self.bytes.size:
            raise ExoRuntimeError(f"tensor of {n} bytes does not fit in memory ({self.bytes.size} bytes, {at} used)")
        self.end = at + n
        view = self.bytes[at:at + n].view(dtype).reshape(shape)
        view[...] = 0 if data is None else data
        return view

    def address(self, tensor: np.ndarray) -> int:
        return tensor.ctypes.data - self.bytes.ctypes.data
