"""The compiled functional simulator: generated C loaded with ctypes.

`CSimulator` has the public API of `fastforward.sim.Simulator`. The architectural state
is the same dict of numpy arrays (`new_state`); the C code reads and writes them through
pointers, so `csim.state['acc']` is a zero-copy view. Snapshots are the reference's
`Snapshot` objects and move freely between backends. Faults raise `MachineFault` with the
reference's message; env_call and the store watch call back into Python at the same
point of the instruction as the reference does.
"""
from __future__ import annotations

import ctypes
import sys
from typing import Callable, Iterable

import numpy as np

from spec import ir
from spec.encoding import MASK64, LimbWords, command_limbs, words_from_limbs
from spec.memo import MachineMemo
from spec.errors import MachineFault

from . import dirty
from spec.cbuild import load_library
from .cgen import DC_FAULT, DC_HOST_ERROR, DC_OK, CodegenError, CProgram, generate
from .interp import refuse_env_call
from .signature import Recorder, Signatures
from .simbase import SimulatorBase, watches_after
from .snapshot import Snapshot, new_state

HOST_FN = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int64)
_CTYPES = {"ptr": ctypes.c_void_p, "i64": ctypes.c_int64, "fn": HOST_FN}
_COMPILED: MachineMemo[tuple] = MachineMemo()
CHUNK = 1 << 26                   # run(None) returns to Python this often (Ctrl-C works)


def compile_machine(machine: ir.Machine) -> tuple[CProgram, ctypes.CDLL, type]:
    """Generate, build (cached) and load the C simulator of `machine`; once per process."""
    return _COMPILED.get(machine, _compile)


def _compile(machine: ir.Machine) -> tuple[CProgram, ctypes.CDLL, type]:
    if sys.byteorder != "little":
        raise CodegenError("the C backend assumes a little-endian host")
    program = generate(machine)
    # queue machines: -O3 vectorizes COMPUTE-like loops (+10% on the NPU); the fetch loop of a
    # processor measured 4% slower at -O3 than at -O2
    lib = load_library(program.source, f"{machine.name}_sim", "-O3" if machine.queue else "-O2")
    ctx_type = type(f"{machine.name}_ctx", (ctypes.Structure,),
                    {"_fields_": [(name, _CTYPES[kind]) for name, kind in program.ctx_fields]})
    lib.dc_run.argtypes, lib.dc_run.restype = [ctypes.c_void_p, ctypes.c_int64], ctypes.c_int
    lib.dc_cache_reset.argtypes, lib.dc_cache_reset.restype = [ctypes.c_void_p], None
    lib.dc_ctx_size.restype = lib.dc_dentry_size.restype = ctypes.c_int64
    lib.dc_kind_counts.argtypes = [ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p]
    lib.dc_kind_counts.restype = None
    if lib.dc_ctx_size() != ctypes.sizeof(ctx_type):
        raise CodegenError(f"{machine.name}: C context is {lib.dc_ctx_size()} bytes, ctypes expects "
                           f"{ctypes.sizeof(ctx_type)}")
    return program, lib, ctx_type


def kind_counts(machine: ir.Machine, limbs: np.ndarray, unit: int) -> np.ndarray:
    """(units, kinds + 1) int64: per unit of `unit` encoded instructions/commands (rows of
    `limbs`, as `command_limbs` makes them), how many decode to each opcode index, the last
    column counting those that decode to none. The compiled decoder, in one pass."""
    program, lib, _ = compile_machine(machine)
    words = np.ascontiguousarray(limbs, dtype=np.uint64)
    if words.ndim != 2 or words.shape[1] != program.nwords or unit <= 0:
        raise ValueError(f"{machine.name}: need (n, {program.nwords}) uint64 words and a positive unit, "
                         f"got {words.shape} and {unit}")
    out = np.empty((-(-len(words) // unit), len(machine.instructions) + 1), dtype=np.int64)
    lib.dc_kind_counts(words.ctypes.data, len(words), unit, out.ctypes.data)
    return out


class CSimulator(SimulatorBase):
    """Executes a machine's instructions (fetch) or commands (queue) in compiled C."""

    backend = "c"
    DCACHE_ENTRIES = 1 << 14      # decoded-instruction cache (fetch machines), direct-mapped by pc

    def __init__(self, machine: ir.Machine, shared: dict[str, np.ndarray] | None = None):
        self.machine = machine
        self.program, self.lib, ctx_type = compile_machine(machine)
        self.state = new_state(machine, shared)
        arrays = list(self.state.items())
        for k, (name, array) in enumerate(arrays):   # the C code holds them as `restrict` pointers
            for other, second in arrays[k + 1:]:
                if np.may_share_memory(array, second):
                    raise ValueError(f"{machine.name}: state arrays {name} and {other} overlap")
        self.counts = np.zeros(len(machine.instructions), dtype=np.int64)
        self._ctx = ctx_type()
        self._ctx_ptr = ctypes.addressof(self._ctx)
        for s in machine.state:
            setattr(self._ctx, f"m_{s.name}", self.state[s.name].ctypes.data)
        self._dirty = {s.name: np.zeros(dirty.pages(s), dtype=np.uint8) for s in dirty.tracked(machine)}
        for name, marks in self._dirty.items():
            setattr(self._ctx, f"d_{name}", marks.ctypes.data)
        self._dirty_known = False             # until clean(): see changed_pages
        self._ctx.counts = self.counts.ctypes.data
        self._nwords = self.program.nwords
        self._pending: list[int] = []
        self._qwords = np.zeros((16, self._nwords), dtype=np.uint64)
        self._filled = 0                      # commands encoded in _qwords
        self._set_queue()
        self._error: BaseException | None = None
        self._env: Callable[[int], None] = refuse_env_call
        self._watches: dict[int, Callable[[int], None]] = {}
        self._env_fn, self._watch_fn = HOST_FN(self._env_trampoline), HOST_FN(self._watch_trampoline)
        self._ctx.env_call, self._ctx.on_watch = self._env_fn, self._watch_fn
        self._sig: Recorder | None = None
        if machine.fetch is not None:
            nbytes = self.DCACHE_ENTRIES * self.lib.dc_dentry_size()
            self._dcache = np.zeros(nbytes // 8, dtype=np.uint64)
            self._ctx.dcache, self._ctx.dcache_mask = self._dcache.ctypes.data, self.DCACHE_ENTRIES - 1
            self.lib.dc_cache_reset(self._ctx_ptr)

    # --------------------------------------------------------- run state
    @property
    def retired(self) -> int:
        return self._ctx.retired

    @retired.setter
    def retired(self, value: int):
        self._ctx.retired = value

    @property
    def halted(self) -> bool:
        return bool(self._ctx.halted)

    @property
    def exit_code(self) -> int | None:
        kind, code = self._ctx.exit_kind, self._ctx.exit_code
        return None if kind == 0 else code if kind == 1 else code & MASK64

    def halt(self, code: int | None):
        self._ctx.halted = 1
        if code is None:
            self._ctx.exit_kind = 0
        elif -(1 << 63) <= code < (1 << 63):
            self._ctx.exit_code, self._ctx.exit_kind = code, 1
        elif code <= MASK64:
            self._ctx.exit_code, self._ctx.exit_kind = code - (1 << 64), 2
        else:
            raise ValueError(f"exit code {code} does not fit in 64 bits")

    def _set_halted(self, halted: bool, code: int | None):
        if halted:
            self.halt(code)
        else:
            self._ctx.halted, self._ctx.exit_kind = 0, 0
            if code is not None:
                self.halt(code)
                self._ctx.halted = 0

    # ------------------------------------------------------------ host side
    def push(self, commands: Iterable[int]):
        """Queue machines: append commands for the accelerator to execute."""
        if self.machine.queue is None:
            raise MachineFault(f"{self.machine.name} fetches its instructions; it has no command queue")
        commands = list(map(int, commands))
        width = self.machine.queue.width
        if commands and (min(commands) < 0 or max(commands) >= (1 << width)):
            c = next(c for c in commands if not 0 <= c < (1 << width))
            raise ValueError(f"command {c:#x} does not fit in the {width}-bit queue of {self.machine.name}")
        pos = self._ctx.qpos
        if pos and pos * 2 >= len(self._pending):             # drop what has run
            self._pending = self._pending[pos:]
            self._qwords = np.ascontiguousarray(self._qwords[pos:])
            self._filled -= pos
            self._ctx.qpos = 0
        if not isinstance(self._pending, list):               # a binary queued by push_limbs
            self._pending = list(self._pending)
        self._pending.extend(commands)
        self._set_queue()

    def push_limbs(self, binary: np.ndarray):
        """`push` of commands given only as their binary ((n, limbs) uint64, the layout of
        `spec.encoding.command_limbs`): on an empty queue the C model reads the binary as
        it is and no Python int is made (`pending` makes them when read); 3.2e6 commands
        queue in microseconds instead of ~1 s. The binary is not written."""
        if self.machine.queue is None:
            raise MachineFault(f"{self.machine.name} fetches its instructions; it has no command queue")
        binary = np.asarray(binary)
        if binary.ndim != 2 or binary.shape[1] != self._nwords or binary.dtype != np.uint64:
            raise ValueError(f"push_limbs takes (n, {self._nwords}) uint64 limbs, got {binary.dtype} {binary.shape}")
        spare = 64 * self._nwords - self.machine.queue.width    # bits of the top limb past the queue width
        if spare and len(binary) and (binary[:, -1] >> np.uint64(64 - spare)).any():
            row = int(np.flatnonzero(binary[:, -1] >> np.uint64(64 - spare))[0])
            self.push(words_from_limbs(binary[row:row + 1]))    # raises push's error for it
        if self.pending_count():
            return self.push(words_from_limbs(binary))
        self._pending = LimbWords(binary)
        self._ctx.qpos = 0
        self._qwords, self._filled = np.ascontiguousarray(binary), len(binary)
        self._set_queue()

    def pending_count(self) -> int:
        return len(self._pending) - self._ctx.qpos

    def drop(self, n: int):
        """Queue machines: take the next `n` queued commands off the queue without executing
        them. For jumping to a checkpoint: the caller puts the state those commands would
        have made into `state` and advances `retired` (`cosim.delta.Checkpoints`)."""
        if not 0 <= n <= self.pending_count():
            raise ValueError(f"cannot drop {n} commands: {self.pending_count()} are queued")
        self._ctx.qpos += n

    def push_encoded(self, commands, binary: np.ndarray):
        """`push` of commands already encoded (a workload's binary, encoded once per campaign:
        3.2e6 commands take ~0.8 s to encode). On an empty queue the binary is used as the
        queue's word array as it is (it is not written: the queue grows by copying)."""
        if self.pending_count() or len(binary) != len(commands) or binary.shape[1:] != (self._nwords,):
            return self.push(commands)
        self._pending = list(commands)
        self._ctx.qpos = 0
        self._qwords, self._filled = binary, len(self._pending)
        self._set_queue()

    def _set_queue(self):
        """Encode pending commands not yet in the word array and point the C context at it."""
        n = len(self._pending)
        if n > len(self._qwords):
            grown = np.zeros((max(n, 2 * len(self._qwords)), self._nwords), dtype=np.uint64)
            grown[:self._filled] = self._qwords[:self._filled]
            self._qwords = grown
        if n > self._filled:
            self._qwords[self._filled:n] = command_limbs(self._pending[self._filled:n], self._nwords)
        self._filled = n
        self._ctx.queue, self._ctx.qlen = self._qwords.ctypes.data, n

    @property
    def pending(self) -> list[int]:
        """The commands not yet executed (a copy)."""
        return self._pending[self._ctx.qpos:]

    def set_env(self, env_call: Callable[[int], None]):
        self._env = env_call

    def watch_store(self, index: int | None, callback: Callable[[int], None] | None):
        """As `Simulator.watch_store`: the C context holds up to MAX_WATCHES watched bytes."""
        self._watches = watches_after(self._watches, index, callback)
        self._ctx.nwatch = len(self._watches)
        for k, w in enumerate(self._watches):
            setattr(self._ctx, f"watch{k}", w)

    # ------------------------------------------------------- written pages
    def clean(self):
        """Make the current state the reference point of `changed_pages`."""
        for marks in self._dirty.values():
            marks.fill(0)
        self._dirty_known = True

    def changed_pages(self, name: str) -> np.ndarray | None:
        """Numbers of the pages (`fastforward.dirty.PAGE` bytes) of state element `name` that
        may differ from what they held at the last `clean()`: those instructions wrote, or
        every page when something else may have written the state since (a restored
        snapshot, a host call, no `clean()` yet). None for an element not tracked
        (`fastforward.dirty.tracked`: small ones)."""
        marks = self._dirty.get(name)
        if marks is None:
            return None
        return np.flatnonzero(marks) if self._dirty_known else np.arange(len(marks))

    def _env_trampoline(self, kind: int) -> int:
        self._dirty_known = False             # the host may write the state from Python
        try:
            self._env(int(kind))
            return 0
        except BaseException as exc:          # re-raised by _run once C has returned
            self._error = exc
            return 1

    def _watch_trampoline(self, index: int) -> int:
        self._dirty_known = False
        try:
            self._watches[int(index)](int(index))
            return 0
        except BaseException as exc:
            self._error = exc
            return 1

    # -------------------------------------------------------------- running
    def next_word(self) -> int | None:
        if self.machine.fetch is None:
            return self._pending[self._ctx.qpos] if self._ctx.qpos < len(self._pending) else None
        return self._fetch_word()

    def _run(self, n: int) -> int:
        sig = self._sig
        if sig is None:
            return self._call(n)
        piece = sig.interval * 4096                   # bounds the rows reserved per call
        while True:
            sig.length = self._ctx.sig_len
            m, before = min(n, piece), self.retired
            if sig.reserve(m // sig.interval + 1):
                self._point_signatures()
            status = self._call(m)
            n -= self.retired - before
            if status != DC_OK or n <= 0:
                return status

    def _call(self, n: int) -> int:
        return self._status(self.lib.dc_run(self._ctx_ptr, n))

    def _status(self, status: int) -> int:
        """A run's status; a fault or a host callback's error is raised here."""
        if status == DC_FAULT:
            raise self._fault()
        if status == DC_HOST_ERROR:
            error, self._error = self._error, None
            raise error
        return status

    def step(self) -> bool:
        """Execute one instruction; False if halted or (queue machines) no command is pending."""
        before = self.retired
        self._run(1)
        return self.retired > before

    def run(self, n: int | None = None) -> int:
        """Execute up to `n` instructions (all, if None); returns how many retired."""
        start = self.retired
        if n is None:
            while self._run(CHUNK) == DC_OK:
                pass
        elif n > 0:
            self._run(n)
        return self.retired - start

    # ---------------------------------------------------------- signatures
    def enable_signatures(self, interval: int, bbv_buckets: int = 0):
        """Record a signature row every `interval` instructions, in C (see fastforward/signature.py)."""
        self._sig = Recorder(len(self.counts), interval, bbv_buckets, self.machine.fetch is not None)
        self._begin_signatures()

    def _begin_signatures(self):
        sig = self._sig
        sig.begin(self.retired, self.counts, self.pc if self.machine.fetch else None)
        c = self._ctx
        c.sig_interval, c.sig_next, c.sig_start, c.sig_width = sig.interval, sig.next, sig.start, sig.width
        c.sig_len = sig.length
        c.bbv_bits, c.bb_start, c.bb_mark = sig.bits, sig.bb_start, sig.bb_mark
        c.sig_base, c.bbv_acc = sig.base.ctypes.data, sig.acc.ctypes.data
        self._point_signatures()

    def _point_signatures(self):
        self._ctx.sig_buf, self._ctx.sig_cap = self._sig.rows.ctypes.data, len(self._sig.rows)

    def signatures(self) -> Signatures | None:
        if self._sig is None:
            return None
        self._sig.length = self._ctx.sig_len
        return self._signature_result(self._sig)

    def _fault(self) -> MachineFault:
        site = self.program.sites[self._ctx.fault_site]
        if site.kind == "fetch":
            return MachineFault(f"instruction fetch at pc {self.pc:#x} is outside {self.machine.fetch.memory}")
        if site.kind == "illegal":
            where = f" at pc {self.pc:#x}" if self.machine.fetch else f" (command {self.retired})"
            return MachineFault(f"illegal instruction {self.next_word():#x}{where}")
        value = self._ctx.fault_value if site.signed else self._ctx.fault_value & MASK64
        if site.kind == "index":
            name, k, dim = site.detail
            text = f"index {value} is out of range for dimension {k} of {name} (0..{dim - 1})"
        elif site.kind == "assert":
            text = f"assertion failed: {site.detail[0]}"
        else:
            mem, n, size = site.detail
            text = f"{site.kind} of {n} bytes at {mem}[{value}] is outside 0..{size - 1}"
        return MachineFault(f"{site.instr}: {text}", site.loc)

    # ------------------------------------------------------ snapshot/restore
    def _restore_control(self, snap: Snapshot):
        if snap.arrays:                       # Python wrote the state: written pages unknown
            self._dirty_known = False
        self.retired = snap.retired
        self._set_halted(snap.halted, snap.exit_code)
        self._pending, self._filled, self._ctx.qpos = list(snap.queue), 0, 0
        self._set_queue()
        if self._sig is not None:
            self._sig.length = self._ctx.sig_len
            self._begin_signatures()
