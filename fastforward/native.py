"""The native backend: a fetch machine's program translated to C through the Spec IR.

`NativeSimulator` is a `CSimulator` (same context, state arrays, snapshots, faults, host
calls and dirty pages) whose runs go through `dn_run` of a library generated for the
*program* (`native_gen`): its basic blocks, found by decoding memory from pc with the
spec's decoder (`native_blocks`), as C functions with the registers in locals. The
translation is made on the first run, from memory as it is then, and compiled with `cc`
into the content-keyed cache (the key covers the code bytes, the machine and the
compiler), so a second run of the same program only loads it.

What the translation does not cover runs on the C interpreter, instruction by
instruction: code reached only through computed jumps (recorded, and translated when it
has run long enough), the last partial block before a stop, and a region of blocks whose
bytes were overwritten (self-modifying code, a snapshot restored, Python writing memory).
Signature recording (`enable_signatures`) is left to the interpreter: with it enabled
this backend runs exactly as `c`. Queue machines have no program to translate: `c` too.
"""
from __future__ import annotations

import ctypes

import numpy as np

from spec import ir

from spec.cbuild import load_library
from .cgen import DC_OK
from .csim import CSimulator
from .native_blocks import BlockFinder
from .native_gen import DN_SMC, DN_STALE, MISS_SLOTS, NativeGen

RETRANSLATE_AFTER = 2_000_000     # instructions interpreted (untranslated code) before translating again
MAX_TRANSLATIONS = 4              # per simulator: a program that keeps changing its code stays interpreted


class _X(ctypes.Structure):
    _fields_ = [("bx", ctypes.c_void_p), ("valid", ctypes.c_void_p), ("interp", ctypes.c_void_p),
                ("stale", ctypes.c_int64), ("smc", ctypes.c_int64), ("interpreted", ctypes.c_int64),
                ("last_miss", ctypes.c_int64), ("miss_pc", ctypes.c_uint64 * MISS_SLOTS),
                ("miss_count", ctypes.c_int64 * MISS_SLOTS)]


class Translation:
    """One compiled translation: its library, regions and the code bytes it was made from."""

    def __init__(self, machine: ir.Machine, memory: np.ndarray, leaders: set[int], interp_addr: int):
        if memory.dtype.itemsize != 1:        # code ranges and stores are in bytes: byte memories only
            self.empty = True
            return
        finder = BlockFinder(machine, memory)
        blocks = finder.find(sorted(leaders))
        self.empty = not blocks
        if self.empty:
            return
        gen = NativeGen(machine, blocks, finder.info, memory)
        self.nblocks = len(blocks)
        self.ranges = gen.region_ranges()
        mem = memory.reshape(-1)
        self.code = [[mem[lo:hi].tobytes() for lo, hi in region] for region in self.ranges]
        self.lib = load_library(gen.source(), f"{machine.name}_native", "-O2")
        self.lib.dn_run.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64]
        self.lib.dn_run.restype = ctypes.c_int
        assert self.lib.dn_x_size() == ctypes.sizeof(_X)
        self.bx = np.zeros(self.nblocks, dtype=np.int64)
        self.valid = np.ones(len(self.ranges), dtype=np.uint8)
        self.x = _X()
        self.x.bx, self.x.valid, self.x.interp = self.bx.ctypes.data, self.valid.ctypes.data, interp_addr
        self.x_ptr = ctypes.addressof(self.x)
        self.leaders = set(leaders)

    def check(self, memory: np.ndarray) -> bool:
        """Invalidate the regions whose code bytes changed; True if any did."""
        mem = memory.reshape(-1)
        changed = False
        for r, region in enumerate(self.ranges):
            if self.valid[r] and any(mem[lo:hi].tobytes() != code
                                     for (lo, hi), code in zip(region, self.code[r])):
                self.valid[r] = 0
                changed = True
        return changed

    def misses(self) -> set[int]:
        return {int(pc) for pc, n in zip(self.x.miss_pc, self.x.miss_count) if n}


class NativeSimulator(CSimulator):
    """`CSimulator` that runs the program's translated blocks (fetch machines)."""

    backend = "native"

    def __init__(self, machine: ir.Machine, shared: dict[str, np.ndarray] | None = None):
        super().__init__(machine, shared)
        self._tr: Translation | None = None
        self._translations = 0
        self._interp_addr = ctypes.cast(self.lib.dc_run, ctypes.c_void_p).value

    @property
    def translated_blocks(self) -> int:
        """Blocks in the current translation (0: none yet, or nothing translatable)."""
        return 0 if self._tr is None or self._tr.empty else self._tr.nblocks

    def _memory(self) -> np.ndarray:
        return self.state[self.machine.fetch.memory]

    def _translate(self, extra: set[int] = frozenset()):
        leaders = {self.pc} | set(extra)
        if self._tr is not None and not self._tr.empty:
            leaders |= self._tr.leaders
        self._translations += 1
        self._tr = Translation(self.machine, self._memory(), leaders, self._interp_addr)

    def _run(self, n: int) -> int:
        if self._sig is not None or self.machine.fetch is None:
            return super()._run(n)
        if self._tr is None:
            self._translate()
        elif not self._tr.empty and self._tr.check(self._memory()) and self._translations < MAX_TRANSLATIONS:
            self._translate()                 # memory was rewritten between runs: translate it afresh
        tr = self._tr
        if tr.empty:
            return super()._run(n)
        while True:
            before = self.retired
            status = tr.lib.dn_run(self._ctx_ptr, tr.x_ptr, n)
            n -= self.retired - before
            if status in (DN_SMC, DN_STALE):  # code bytes may have changed: drop regions that did
                tr.x.smc = tr.x.stale = 0
                tr.check(self._memory())
                if n > 0:
                    continue
                status = DC_OK
            status = self._status(status)
            if tr.x.interpreted > RETRANSLATE_AFTER and self._translations < MAX_TRANSLATIONS:
                new = tr.misses() - tr.leaders
                tr.x.interpreted = 0
                if new or not tr.valid.all():
                    self._translate(new)
            return status

    def _env_trampoline(self, kind: int) -> int:
        result = super()._env_trampoline(kind)
        self._after_host()
        return result

    def _watch_trampoline(self, index: int) -> int:
        result = super()._watch_trampoline(index)
        self._after_host()
        return result

    def _after_host(self):
        """The host may have written code: the dispatcher then returns to check it."""
        tr = self._tr
        if tr is not None and not tr.empty:
            mem = self._memory().reshape(-1)
            if any(mem[lo:hi].tobytes() != code for region, codes in zip(tr.ranges, tr.code)
                   for (lo, hi), code in zip(region, codes)):
                tr.x.stale = 1
