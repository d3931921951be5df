"""RtlEngine: a machine's generated RTL, Verilated and driven through the native shim.

    eng = RtlEngine(machine)          # HLS -> Verilog -> Verilator build (cached) -> ctypes
    eng.inject(sim.state)             # at a correspondence point (quiescent)
    eng.push(words); eng.run_until_quiescent()
    state = eng.extract()             # same numpy layout as fastforward.sim.new_state
"""
from __future__ import annotations

import ctypes
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hls import schedule_machine, verify
from spec import Assembler, ir
from spec.encoding import command_limbs, limbs_for
from spec.memo import MachineMemo
from spec.errors import MachineFault
from spec.pages import PAGE

from . import verilator
from .faults import DECODE_SITE, FETCH_SITE, FaultSite, fault_sites, fault_text
from .manifest import build_manifest, dumps
from .shim import generate_core_shim, generate_shim, is_flat
from .verilog import generate, module_name

DEFAULT_WATCHDOG = 10_000_000


@dataclass(frozen=True)
class Artifacts:
    """Everything generated for one machine: Verilog, manifest, shim."""
    top: str
    verilog: str
    manifest: dict
    shim: str

    def write(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{self.top}.v").write_text(self.verilog)
        (directory / f"{self.top}.manifest.json").write_text(dumps(self.manifest))
        (directory / f"{self.top}_shim.cpp").write_text(self.shim)


_ARTIFACTS: MachineMemo[Artifacts] = MachineMemo()


def generate_artifacts(machine: ir.Machine) -> Artifacts:
    """The RTL of `machine`, generated once per process (the HLS takes ~60 ms on the NPU;
    sample workers forked after `campaign.prebuild` inherit it instead of redoing it)."""
    return _ARTIFACTS.get(machine, _generate)


def _generate(machine: ir.Machine) -> Artifacts:
    m = verify(schedule_machine(machine))
    manifest = build_manifest(machine, m)
    art = Artifacts(module_name(m), generate(m), manifest, _shim(manifest))
    if os.environ.get("DCSIM_DUMP"):
        art.write(Path(os.environ["DCSIM_DUMP"]))
    return art


def _shim(manifest: dict, traced: bool | str = False) -> str:
    return (generate_core_shim if manifest.get("fetch") else generate_shim)(manifest, traced=traced)


#: run_until_retired statuses of a processor core's shim
_CORE_STATUS = {0: "retired", 4: "env_call", 5: "halted", 6: "watch"}


class RtlEngine:
    """`trace=(path, first, last)` builds a traced model (a separate cached build) and writes a
    waveform of cycles first..last-1 (counted from the last reset) to `path`: FST, or VCD when
    Verilator's FST writer cannot be compiled here (no lz4.h); see `trace_format`."""

    def __init__(self, machine: ir.Machine, artifacts: Artifacts | None = None, trace: tuple | None = None):
        self.machine = machine
        self.generation = 0           # moves on every reset and inject (cosim.delta.Resident checks it)
        self._pages_known = False     # `clean()` has been called: the written-page maps say what changed since
        self.artifacts = artifacts or generate_artifacts(machine)
        self.manifest = self.artifacts.manifest
        self.trace_format = verilator.trace_format() if trace else None
        shim = _shim(self.manifest, traced=self.trace_format) if trace else self.artifacts.shim
        self.library_path = verilator.build(self.artifacts.verilog, shim, self.artifacts.top, traced=bool(trace))
        self._lib = _load(self.library_path)
        spare = _SPARE.get(self.library_path)
        self._h = spare.pop() if spare else ctypes.c_void_p(self._lib.dcsim_new())
        self.is_core = bool(self.manifest.get("fetch"))
        self._limbs = 1 if self.is_core else limbs_for(self.manifest["command"]["width"])
        self._retired_base = 0
        self._sent: list = []          # (sequence number since reset, encoded commands): to name a faulting one
        self._sent_count = 0           # commands pushed since reset
        self._assembler = None
        self._sites: dict | None = None
        self._lib.dcsim_reset(self._h)
        self.inject({e["name"]: np.zeros(e["shape"], e["dtype"]) for e in self.manifest["state"]})
        self._traced = bool(trace)
        if trace:
            path, first, last = trace
            self._lib.dcsim_trace_open(self._h, str(path).encode(), ctypes.c_uint64(first), ctypes.c_uint64(last))

    def close_trace(self):
        """Finish the FST file (also done when the engine is dropped)."""
        if getattr(self, "_traced", False) and self._h is not None:
            self._lib.dcsim_trace_close(self._h)

    def __del__(self):
        # Models are recycled, never deleted: tearing a Verilated model down while another
        # model of the same library lives can deadlock in Verilator's runtime (scope registry).
        h = getattr(self, "_h", None)
        if h is not None and sys is not None and not sys.is_finalizing():   # module globals are None at exit
            self.close_trace()
            _SPARE.setdefault(self.library_path, []).append(h)
            self._h = None

    # ------------------------------------------------------------ host side
    @property
    def limbs_per_command(self) -> int:
        """64-bit words per encoded command (`push` of an encoded array)."""
        return self._limbs

    def push(self, words):
        """Queue commands: ints, or already encoded as a (n, limbs) uint64 array (a workload's
        binary, `cosim.queue_target.QueueTarget.binary`), which skips encoding them again."""
        flat = words if isinstance(words, np.ndarray) else self._limbs_of(list(words))
        if self.is_core and len(flat):
            raise MachineFault(f"{self.machine.name} fetches its instructions; put them in memory and inject")
        if flat.ndim != 2 or flat.shape[1] != self._limbs or flat.dtype != np.uint64:
            raise ValueError(f"encoded commands must be (n, {self._limbs}) uint64, not {flat.shape} {flat.dtype}")
        flat = np.ascontiguousarray(flat)
        self._lib.dcsim_push(self._h, flat.ctypes.data_as(ctypes.c_void_p), ctypes.c_int64(len(flat)))
        self._record_sent(flat)

    def _record_sent(self, flat: np.ndarray):
        """Remember the commands just pushed (a reference, not a copy), so that a fault can name
        its command; forget those every command of which has completed."""
        if not len(flat):
            return
        committed = self._lib.dcsim_committed(self._h)
        self._sent = [(start, a) for start, a in self._sent if start + len(a) > committed]
        self._sent.append((self._sent_count, flat))
        self._sent_count += len(flat)

    def _sent_word(self, seq: int) -> int | None:
        """The command with sequence number `seq` since reset, if this engine pushed it."""
        for start, a in self._sent:
            if start <= seq < start + len(a):
                return sum(int(limb) << (64 * k) for k, limb in enumerate(a[seq - start]))
        return None

    def run(self, cycles: int) -> int:
        return self._lib.dcsim_run(self._h, ctypes.c_uint64(cycles))

    def bare_run(self, words, cycles: int) -> int:
        """Benchmark baseline: clock the same Verilated model `cycles` times in a bare C++
        loop feeding it `words` (no queue, counters or checks); returns the commands it
        accepted. The engine's cycle counter does not move; reset() before using it again."""
        flat = self._limbs_of(list(words))
        return self._lib.dcsim_bare_run(self._h, flat.ctypes.data_as(ctypes.c_void_p), ctypes.c_int64(len(flat)),
                                        ctypes.c_uint64(cycles))

    def _limbs_of(self, words: list) -> np.ndarray:
        return command_limbs(words, self._limbs)

    def reset(self):
        """Reset control (FIFO, queues, unit FSMs, counters); state is kept. Pending commands are dropped."""
        self._lib.dcsim_reset(self._h)
        self._retired_base = 0
        self._sent, self._sent_count = [], 0
        self.generation += 1

    # ------------------------------------------------------------ processors
    def run_until_event(self, limit: int | None = None, watchdog: int = DEFAULT_WATCHDOG) -> str:
        """Processors: run until the core stops at an instruction boundary: 'env_call' (an
        env_call instruction retired; `env_kind` says which; service it, then `resume()`),
        'watch' (a store that wrote the byte set by `watch_store` retired; service it, then
        `resume()`), 'halted' (a halt instruction retired; see `exit_code`) or 'retired'
        (`limit` instructions, counted like `retired`, have retired; an env_call or watch of the
        last one stays pending). Faults and the watchdog raise."""
        self._need_core("run_until_event")
        target = (1 << 64) - 1 if limit is None else max(0, limit - self._retired_base)
        status = self._lib.dcsim_run_until_retired(self._h, ctypes.c_uint64(target), ctypes.c_uint64(watchdog))
        if status == 1:
            raise MachineFault(f"{self.machine.name} RTL: no event after {watchdog} cycles (watchdog), "
                               f"{self.retired} instructions retired")
        if status == 2:
            raise self._core_fault()
        return _CORE_STATUS[status]

    @property
    def env_kind(self) -> int | None:
        """The kind of the pending env_call, or None."""
        kind = self._lib.dcsim_env_kind(self._h) if self.is_core else -1
        return None if kind < 0 else kind

    @property
    def halted(self) -> bool:
        return self.is_core and bool(self._lib.dcsim_halted(self._h))

    @property
    def exit_code(self) -> int | None:
        return self._lib.dcsim_exit_code(self._h) if self.halted else None

    def watch_store(self, index: int | None):
        """Processors: stop at the boundary after a store that writes byte `index` of the fetch
        memory (HTIF tohost), like `fastforward.sim.Simulator.watch_store`; None: no watch.
        `reset()` clears it."""
        self._need_core("watch_store")
        size = self._fetch_memory_size()
        if index is not None and not 0 <= index < size:
            raise ValueError(f"watched byte {index} is outside the fetch memory (0..{size - 1})")
        self._lib.dcsim_watch(self._h, ctypes.c_int64(-1 if index is None else index))

    def watch_range(self, lo: int | None, hi: int | None = None):
        """Processors: stop at the boundary after a store that writes any byte lo..hi of the
        fetch memory (an accelerator's registers); `watch_at` says which. None: no watch."""
        self._need_core("watch_range")
        size = self._fetch_memory_size()
        if lo is not None and not 0 <= lo <= hi < size:
            raise ValueError(f"watched bytes {lo}..{hi} are not a range inside the fetch memory (0..{size - 1})")
        self._lib.dcsim_watch_range(self._h, ctypes.c_int64(-1 if lo is None else lo), ctypes.c_int64(-1 if lo is None else hi))

    @property
    def watch_at(self) -> int | None:
        """The watched byte (index into the fetch memory) written by the store the core stopped at."""
        return int(self._lib.dcsim_watch_at(self._h)) if self.watch_hit else None

    def read_bytes(self, name: str, offset: int, n: int, out: np.ndarray | None = None) -> np.ndarray:
        """Bytes offset..offset+n-1 of flat array `name` (one memcpy, no full extract)."""
        buf = np.empty(n, np.uint8) if out is None else out
        if buf.nbytes != n or not buf.flags.c_contiguous:
            raise ValueError(f"read_bytes needs a contiguous buffer of {n} bytes")
        status = self._lib.dcsim_read_bytes(self._h, self._element(name), offset, n, buf.ctypes.data)
        if status:
            raise ValueError(f"cannot read bytes {offset}..{offset + n - 1} of '{name}'")
        return buf

    def _fetch_memory_size(self) -> int:
        name = self.manifest["fetch"]["memory"]
        return next(e["elements"] for e in self.manifest["state"] if e["name"] == name)

    @property
    def watch_hit(self) -> bool:
        """A store wrote the watched byte and the host has not resumed yet."""
        return self.is_core and bool(self._lib.dcsim_watch_hit(self._h))

    def resume(self):
        """Clear a pending env_call or store watch (the host has serviced it); the core
        fetches on the next run."""
        self._need_core("resume")
        self._lib.dcsim_resume(self._h)

    def _need_core(self, what: str):
        if not self.is_core:
            raise MachineFault(f"{what} is for processors; {self.machine.name} is a queue machine")

    def run_until_retired(self, k: int, watchdog: int = DEFAULT_WATCHDOG) -> int:
        """Run until the first `k` commands (numbered like `retired`) have all completed, in
        program order; returns the cycles this took. The cycle at which it returns is the one
        at which command k-1 (or an older one, if k-1 finished early on another unit) completed."""
        start = self.cycles
        if self.is_core:
            event = self.run_until_event(k, watchdog)
            if event != "retired":
                raise MachineFault(f"{self.machine.name} RTL stopped ({event}) after {self.retired} instructions, "
                                   f"before instruction {k} retired")
            return self.cycles - start
        target = max(0, k - self._retired_base)
        status = self._lib.dcsim_run_until_retired(self._h, ctypes.c_uint64(target), ctypes.c_uint64(watchdog))
        self._check_retired(status, k, watchdog)
        return self.cycles - start

    def run_until_retired_fed(self, k: int, limbs: np.ndarray, fed: int, low: int, high: int,
                              watchdog: int = DEFAULT_WATCHDOG) -> int:
        """`run_until_retired(k)` while keeping the host queue fed from the encoded commands
        `limbs[fed:]`: before every cycle, and once more when it returns, fewer than `low`
        waiting commands are topped up to `high`. Returns how many of `limbs` have been pushed.
        With low >= 1 the queue never runs dry while commands are left, so the RTL sees, cycle
        for cycle, what it would see had all of `limbs` been pushed at once."""
        flat = np.ascontiguousarray(limbs, dtype=np.uint64)
        done = ctypes.c_int64(fed)
        status = self._lib.dcsim_run_fed(self._h, ctypes.c_uint64(max(0, k - self._retired_base)),
                                         flat.ctypes.data_as(ctypes.c_void_p), ctypes.c_int64(len(flat)),
                                         ctypes.byref(done), ctypes.c_int64(low), ctypes.c_int64(high),
                                         ctypes.c_uint64(watchdog))
        self._record_sent(flat[fed:done.value])
        self._check_retired(status, k, watchdog)
        return done.value

    def _check_retired(self, status: int, k: int, watchdog: int):
        if status == 1:
            raise MachineFault(f"{self.machine.name} RTL: command {k} not retired after {watchdog} cycles (watchdog)")
        if status == 2:
            raise self._queue_fault()
        if status == 3:
            raise MachineFault(f"{self.machine.name} RTL quiescent after {self.retired} commands, "
                               f"before command {k} retired (push more commands)")

    # ------------------------------------------------------------ faults
    def _assembly(self, word: int) -> str:
        if self._assembler is None:
            self._assembler = Assembler(self.machine)
        return self._assembler.disassemble(word)

    def _site(self, site: int) -> FaultSite | None:
        """Fault site number `site` of this machine's RTL, with its full spec `Loc` (the HLS
        again, only after a fault: the manifest's copy names the file by its base name)."""
        if self._sites is None:
            self._sites = {s.id: s for s in fault_sites(verify(schedule_machine(self.machine)))}
        return self._sites.get(site)

    def fault(self) -> MachineFault | None:
        """The RTL's fault as the functional model words it (None while it has not faulted):
        the site latched by the generated RTL (`rtlgen.faults`) names the spec assert, with its
        `path:line:col`, or says that the word did not decode; the message also names the
        faulting command (its index in the stream and disassembly) or instruction (pc)."""
        if not self._lib.dcsim_fault(self._h):
            return None
        return self._core_fault() if self.is_core else self._queue_fault()

    def _queue_fault(self) -> MachineFault:
        name, site = self.machine.name, self._lib.dcsim_fault_site(self._h)
        seq = self._lib.dcsim_fault_seq(self._h)
        index, word = self._retired_base + seq, self._sent_word(seq)
        bits = f"{word:#x}" if word is not None else "(not pushed through this engine)"
        if site == DECODE_SITE:
            return MachineFault(f"{name} RTL: illegal instruction {bits} (command {index})")
        entry = self._site(site)
        if entry is None:
            return MachineFault(f"{name} RTL faulted with no fault site recorded (site {site}) after "
                                f"{self.retired} commands")
        command = self._assembly(word) if word is not None else "its bits were not pushed through this engine"
        return MachineFault(f"{name} RTL, command {index} ({command}): {fault_text(entry)}", entry.loc)

    def _core_fault(self) -> MachineFault:
        name, site, index = self.machine.name, self._lib.dcsim_fault_site(self._h), self.retired
        fetch = self.machine.fetch                   # spec names (the manifest's 'fetch' has RTL signals)
        entries = {e["name"]: e for e in self.manifest["state"] if e["name"] in (fetch.pc, fetch.memory)}
        state = {n: np.empty(e["shape"], e["dtype"]) for n, e in entries.items()}
        self.extract(state, skip={e["name"] for e in self.manifest["state"]} - set(state))
        pc = int(state[fetch.pc].reshape(-1)[0]) & ((1 << entries[fetch.pc]["width"]) - 1)
        off, raw = pc - fetch.base, state[fetch.memory].reshape(-1).view(np.uint8)
        ilen = fetch.ilen
        word = int.from_bytes(raw[off:off + ilen].tobytes(), "little") if 0 <= off <= len(raw) - ilen else None
        where = f"{name} RTL, instruction {index}"
        if site == FETCH_SITE or (word is None and site != 0):
            return MachineFault(f"{where}: instruction fetch at pc {pc:#x} is outside {fetch.memory}")
        if site == DECODE_SITE:
            return MachineFault(f"{where}: illegal instruction {word:#x} at pc {pc:#x}")
        entry = self._site(site)
        if entry is None:
            return MachineFault(f"{name} RTL faulted with no fault site recorded (site {site}) at pc {pc:#x} "
                                f"after {index} instructions")
        return MachineFault(f"{where} at pc {pc:#x} ({self._assembly(word)}): {fault_text(entry)}", entry.loc)

    @property
    def committed(self) -> int:
        """Commands completed in program order (every command before the oldest in flight)."""
        return self._retired_base + self._lib.dcsim_committed(self._h)

    def run_until_quiescent(self, watchdog: int = DEFAULT_WATCHDOG) -> int:
        """Run until every pushed command has retired; returns the cycles this took."""
        start = self.cycles
        status = self._lib.dcsim_run_until_quiescent(self._h, ctypes.c_uint64(watchdog))
        if status == 1:
            raise MachineFault(f"{self.machine.name} RTL not quiescent after {watchdog} cycles (watchdog)")
        if status == 2:
            raise self.fault()
        return self.cycles - start

    def run_busy(self, cycles: int) -> int:
        """Run at most `cycles` cycles, stopping as soon as every pushed command has retired;
        returns the cycles run (a system's accelerator keeping pace with its host)."""
        start = self.cycles
        if self._lib.dcsim_run_until_quiescent(self._h, ctypes.c_uint64(cycles)) == 2:
            raise self.fault()
        return self.cycles - start

    @property
    def cycles(self) -> int:
        return self._lib.dcsim_cycles(self._h)

    @property
    def retired(self) -> int:
        return self._retired_base + self._lib.dcsim_retired(self._h)

    @property
    def idle(self) -> bool:
        return bool(self._lib.dcsim_idle(self._h)) and self._lib.dcsim_pending(self._h) == 0

    @property
    def pending(self) -> int:
        """Commands pushed but not yet accepted by the RTL's command FIFO."""
        return self._lib.dcsim_pending(self._h)

    # ------------------------------------------------------ state exchange
    def _buffers(self, state: dict, writable: bool, skip=()):
        arrays, keep = [], []
        for e in self.manifest["state"]:
            if e["name"] in skip:
                arrays.append(None)
                continue
            a = state[e["name"]]
            if a.dtype != np.dtype(e["dtype"]) or tuple(a.shape) != tuple(e["shape"]):
                raise ValueError(f"state '{e['name']}' must be {e['dtype']}{tuple(e['shape'])}, "
                                 f"got {a.dtype}{a.shape}")
            if not writable:
                a = np.ascontiguousarray(a)
            elif not a.flags.c_contiguous:
                raise ValueError(f"state '{e['name']}' is not contiguous")
            keep.append(a)
            arrays.append(a.ctypes.data)
        return (ctypes.c_void_p * len(arrays))(*arrays), keep

    def inject(self, state: dict, retired: int | None = None, skip=()):
        """Copy a complete architectural state in (only at a correspondence point); elements
        named in `skip` keep what they hold (see `write_pages`)."""
        if not self.idle:
            raise MachineFault("inject needs a quiescent RTL (command FIFO empty, FSM idle)")
        table, keep = self._buffers(state, writable=False, skip=skip)
        self._lib.dcsim_inject(self._h, table)
        self.generation += 1
        if retired is not None:
            self._retired_base = retired - self._lib.dcsim_retired(self._h)

    def extract(self, out: dict | None = None, skip=()) -> dict:
        """The architectural state as numpy arrays (into the arrays of `out`, when given;
        elements named in `skip` are left as they are in `out`)."""
        state = out if out is not None else {e["name"]: np.empty(e["shape"], e["dtype"])
                                             for e in self.manifest["state"]}
        table, keep = self._buffers(state, writable=True, skip=skip)
        self._lib.dcsim_extract(self._h, table)
        return state

    # ------------------------------------------------------------ state by pages
    @property
    def flat(self) -> frozenset:
        """Names of the state arrays stored with their numpy bytes exactly: `write_pages` and
        `equal` work on these."""
        return frozenset(e["name"] for e in self.manifest["state"] if is_flat(e))

    def write_pages(self, name: str, pages: np.ndarray, data: np.ndarray, page: int):
        """Write `data` (len(pages) × `page` bytes) to pages number `pages` of flat array `name`."""
        index = np.ascontiguousarray(pages, dtype=np.int64)
        data = np.ascontiguousarray(data)
        if data.nbytes != len(index) * page:
            raise ValueError(f"{len(index)} pages of {page} bytes need {len(index) * page} bytes, got {data.nbytes}")
        status = self._lib.dcsim_write_pages(self._h, self._element(name), page, index.ctypes.data, len(index),
                                             data.ctypes.data)
        self.generation += 1
        if status:
            raise ValueError(f"cannot write pages {index[:4]}... of '{name}' ({'not flat' if status == 1 else 'out of range'})")

    def diff_pages(self, name: str, offset: int, data: np.ndarray, page: int) -> np.ndarray:
        """Numbers of the `page`-byte pages of bytes offset..offset+len(data)-1 of flat array
        `name` that differ from `data` (memcmp in C: what a system syncs, without reading it all)."""
        data = np.ascontiguousarray(data).view(np.uint8).reshape(-1)
        out = np.empty(-(-data.size // page), np.int64)
        count = self._lib.dcsim_diff_pages(self._h, self._element(name), offset, data.size, data.ctypes.data, page,
                                           out.ctypes.data)
        if count < 0:
            raise ValueError(f"cannot compare bytes {offset}..{offset + data.size - 1} of '{name}'")
        return out[:count]

    def equal(self, name: str, array: np.ndarray, pages: np.ndarray | None = None) -> bool:
        """Whether flat array `name` holds exactly `array` (compared in C, without extracting
        it); with `pages`, only on those PAGE-byte pages (`spec.pages.PAGE`)."""
        entry = self.manifest["state"][self._element(name)]
        if array.dtype != np.dtype(entry["dtype"]) or tuple(array.shape) != tuple(entry["shape"]):
            raise ValueError(f"'{name}' is {entry['dtype']}{tuple(entry['shape'])}, not {array.dtype}{array.shape}")
        a = np.ascontiguousarray(array)
        if pages is None:
            return bool(self._lib.dcsim_equal(self._h, self._element(name), a.ctypes.data))
        index = np.ascontiguousarray(pages, dtype=np.int64)
        status = self._lib.dcsim_equal_pages(self._h, self._element(name), a.ctypes.data, PAGE, index.ctypes.data,
                                             len(index))
        if status < 0:
            raise ValueError(f"cannot compare pages {index[:4]}... of '{name}' (out of range)")
        return bool(status)

    # ------------------------------------------------------------ written pages
    def clean(self):
        """Make the current state the reference point of `changed_pages` (clears the RTL's
        written-page maps, `rtlgen.written`)."""
        if hasattr(self._lib, "dcsim_clean"):
            self._lib.dcsim_clean(self._h)
            self._pages_known = True

    def changed_pages(self, name: str) -> np.ndarray | None:
        """Numbers of the PAGE-byte pages of flat array `name` that may differ from what they
        held at the last `clean()`: those the RTL wrote and those `inject` (all of them) or
        `write_pages` wrote; every page before the first `clean()`. None for an array without
        a map (small ones; processor cores). As `fastforward.csim.CSimulator.changed_pages`."""
        entry = self.manifest["state"][self._element(name)]
        mapped = entry.get("written_pages")
        if mapped is None:
            return None
        if not self._pages_known:
            return np.arange(mapped["pages"], dtype=np.int64)
        out = np.empty(mapped["pages"], np.int64)
        count = self._lib.dcsim_written_pages(self._h, self._element(name), out.ctypes.data)
        return out[:count]

    def _element(self, name: str) -> int:
        for i, e in enumerate(self.manifest["state"]):
            if e["name"] == name:
                if not is_flat(e):
                    raise ValueError(f"state '{name}' is not stored flat; inject/extract it whole")
                return i
        raise KeyError(name)


_LIBS: dict[Path, ctypes.CDLL] = {}
_SPARE: dict[Path, list] = {}          # library -> model handles of dropped engines, for reuse


def _load(path: Path) -> ctypes.CDLL:
    lib = _LIBS.get(path)
    if lib is not None:
        return lib
    lib = ctypes.CDLL(str(path))
    vp, u64, i64 = ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int64
    signatures = {"dcsim_new": ([], vp), "dcsim_free": ([vp], None), "dcsim_reset": ([vp], None),
                  "dcsim_push": ([vp, vp, i64], None), "dcsim_pending": ([vp], i64),
                  "dcsim_run": ([vp, u64], u64), "dcsim_run_until_quiescent": ([vp, u64], ctypes.c_int),
                  "dcsim_cycles": ([vp], u64), "dcsim_committed": ([vp], u64),
                  "dcsim_run_until_retired": ([vp, u64, u64], ctypes.c_int), "dcsim_retired": ([vp], u64), "dcsim_idle": ([vp], ctypes.c_int),
                  "dcsim_fault": ([vp], ctypes.c_int), "dcsim_inject": ([vp, vp], None),
                  "dcsim_fault_site": ([vp], i64),
                  "dcsim_bare_run": ([vp, vp, i64, u64], u64),
                  "dcsim_extract": ([vp, vp], None),
                  "dcsim_write_pages": ([vp, i64, i64, vp, i64, vp], ctypes.c_int),
                  "dcsim_equal": ([vp, i64, vp], ctypes.c_int)}
    if hasattr(lib, "dcsim_written_pages"):         # generated tops (rtlgen.written)
        signatures.update({"dcsim_equal_pages": ([vp, i64, vp, i64, vp, i64], ctypes.c_int),
                           "dcsim_clean": ([vp], None), "dcsim_written_pages": ([vp, i64, vp], i64)})
    if hasattr(lib, "dcsim_read_bytes"):
        signatures["dcsim_read_bytes"] = ([vp, i64, i64, i64, vp], ctypes.c_int)
        signatures["dcsim_diff_pages"] = ([vp, i64, i64, i64, vp, i64, vp], i64)
    if hasattr(lib, "dcsim_run_fed"):               # queue machines
        signatures["dcsim_run_fed"] = ([vp, u64, vp, i64, ctypes.POINTER(i64), i64, i64, u64], ctypes.c_int)
        signatures["dcsim_fault_seq"] = ([vp], u64)
    if hasattr(lib, "dcsim_resume"):                # processor cores
        signatures.update({"dcsim_halted": ([vp], ctypes.c_int), "dcsim_exit_code": ([vp], i64),
                           "dcsim_env_kind": ([vp], i64), "dcsim_resume": ([vp], None),
                           "dcsim_watch": ([vp, i64], None), "dcsim_watch_hit": ([vp], ctypes.c_int)})
        if hasattr(lib, "dcsim_watch_range"):
            signatures.update({"dcsim_watch_range": ([vp, i64, i64], None), "dcsim_watch_at": ([vp], i64)})
    if hasattr(lib, "dcsim_trace_open"):            # traced builds
        signatures.update({"dcsim_trace_open": ([vp, ctypes.c_char_p, u64, u64], ctypes.c_int),
                           "dcsim_trace_close": ([vp], None)})
    for name, (args, res) in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, res
    _LIBS[path] = lib
    return lib
