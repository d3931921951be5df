"""A system (spec/system.py) on RTL: the generated host core and the generated accelerator
stepped together on one clock, with the attachment's real handshake.

    r = SystemRtl(system).run(program)        # `dcsim rtl hw/soc.yaml --program gemm.elf`

Two RtlEngines, driven from this loop. The core's store watch covers the accelerator's
registers from the doorbell word to the WAIT word (a byte range, rtlgen/core.py), so the
core stops at the instruction boundary after a store to either:

  * doorbell: the W command words are read from the core's memory and pushed into the
    accelerator's command queue; STATUS/WAIT are cleared as the functional model does;
  * WAIT: the accelerator runs until it is idle; those cycles are the host's stall.

Both parts interact only at these events and through memory, so between two events the
accelerator runs exactly as many cycles as the core did (not in lockstep: one after the
other, which gives the same cycles). System cycles = the core's cycles + WAIT stalls (+ a
final drain if the program exits with the accelerator busy).

Memory: each part holds its own copy of the shared window (the core its RAM, the NPU its
DRAM), made coherent at the handshake. `shadow` is the window's content both last agreed
on. At a doorbell the bytes the host changed since then are copied into the accelerator
(every doorbell, or only the first after a WAIT with sync='burst': cheaper, exact for
programs that write a burst's inputs before its first doorbell); at WAIT (accelerator idle)
the bytes the accelerator changed are copied into the host. A byte both changed since the
last agreement is a race (the host wrote what the busy accelerator also wrote): counted,
with the first address, never hidden; the accelerator's value wins at WAIT.

STATUS: the core's load of STATUS reads its own memory, which the doorbell clears to 0, as
in the functional model: on RTL too a program must store to WAIT, not poll STATUS.
HTIF tohost stores are not watched here (the system kit's programs exit and print by ECALL).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from spec.encoding import Decoder, limbs_for, words_from_limbs
from spec.errors import DcsimError, MachineFault
from spec.system import System

PAGE = 4096                # granularity of the copies between the two parts' memories
_DOORBELL, _STATUS, _WAIT = 0, 1, 2


@dataclass
class SystemRtlResult:
    exit_code: int | None
    halted: bool
    stdout: bytes
    stderr: bytes
    instructions: int              # host instructions retired
    host_cycles: int               # the core running (not stalled at WAIT)
    stall_cycles: int              # the core held at WAIT (and a final drain)
    npu_busy_cycles: int
    commands: dict                 # accelerator command kind -> count
    doorbells: int
    waits: int
    env_calls: int
    races: int                     # bytes both parts wrote between two agreements
    first_race: int | None         # host address of the first
    seconds: float
    host_state: dict = field(repr=False)
    npu_state: dict = field(repr=False)

    @property
    def cycles(self) -> int:
        return self.host_cycles + self.stall_cycles

    @property
    def overlapped_cycles(self) -> int:
        """Cycles both parts were busy: the accelerator's busy cycles outside WAIT stalls."""
        return self.npu_busy_cycles - self.stall_cycles

    def split(self) -> dict:
        return {"cycles": self.cycles, "host_busy_cycles": self.host_cycles, "npu_busy_cycles": self.npu_busy_cycles,
                "overlapped_cycles": self.overlapped_cycles,
                "host_only_cycles": self.host_cycles - self.overlapped_cycles, "npu_only_cycles": self.stall_cycles}


class SystemRtl:
    """The host core and one accelerator of `system` on their generated RTL."""

    def __init__(self, system: System, host_engine=None, npu_engine=None, sync: str = "every"):
        from rtlgen.engine import RtlEngine
        if len(system.accelerators) != 1:
            raise DcsimError(f"{system.name}: the RTL system runs one accelerator; this system has "
                             f"{len(system.accelerators)}")
        if sync not in ("every", "burst"):
            raise ValueError(f"sync must be 'every' or 'burst', not {sync!r}")
        self.system, self.sync = system, sync
        self.acc = a = system.accelerators[0]
        if a.memory is None:
            raise DcsimError(f"{system.name}: accelerator '{a.name}' shares no memory with the host")
        self.host = host_engine or RtlEngine(system.host)
        self.npu = npu_engine or RtlEngine(a.machine)
        fetch = system.host.fetch
        self.ram_name, self.base = fetch.memory, fetch.base
        self.window = a.window - self.base                       # byte offset of the window in host ram
        self.size = a.machine.state_element(a.memory).size       # bytes of the window
        self.lo, self.hi = a.doorbell - self.base, a.wait + 3 - self.base
        if self.window % PAGE or self.size % PAGE:
            raise DcsimError(f"{system.name}: the shared window must be whole {PAGE}-byte pages of host memory")
        self.decoder = Decoder(a.machine)
        self.limbs = limbs_for(a.machine.queue.width)

    # ------------------------------------------------------------ memory
    def _pages(self, engine, name: str, offset: int, pages: np.ndarray) -> np.ndarray:
        out = np.empty((len(pages), PAGE), np.uint8)
        for k, p in enumerate(pages):
            engine.read_bytes(name, offset + int(p) * PAGE, PAGE, out[k])
        return out

    def _race(self, pages: np.ndarray, both: np.ndarray):
        """Count the bytes both parts changed since the last agreement (rows of `both` are `pages`)."""
        rows, cols = np.nonzero(both)
        if len(rows):
            self.races += len(rows)
            first = self.acc.window + int((pages[rows] * PAGE + cols).min())
            self.first_race = first if self.first_race is None else min(self.first_race, first)

    def _to_npu(self):
        """Copy the bytes the host changed since the last agreement into the accelerator. The
        pages to look at come from a memcmp against `shadow` in C, so a doorbell after which
        the host changed nothing costs one pass over the window and no copy."""
        hp = self.host.diff_pages(self.ram_name, self.window, self.shadow, PAGE)
        if not len(hp):
            return
        h = self._pages(self.host, self.ram_name, self.window, hp)
        n = self._pages(self.npu, self.acc.memory, 0, hp)
        s = self.shadow.reshape(-1, PAGE)[hp]
        dh = h != s
        self._race(hp, dh & (n != s))
        self.npu.write_pages(self.acc.memory, hp, np.where(dh, h, n), PAGE)
        self.shadow.reshape(-1, PAGE)[hp] = h

    def _merge(self):
        """Accelerator idle: both memories made equal (the accelerator's bytes win a race)."""
        pages = np.union1d(self.host.diff_pages(self.ram_name, self.window, self.shadow, PAGE),
                           self.npu.diff_pages(self.acc.memory, 0, self.shadow, PAGE)).astype(np.int64)
        if not len(pages):
            return
        h = self._pages(self.host, self.ram_name, self.window, pages)
        n = self._pages(self.npu, self.acc.memory, 0, pages)
        s = self.shadow.reshape(-1, PAGE)[pages]
        dn = n != s
        self._race(pages, dn & (h != s))
        merged = np.where(dn, n, h)
        to_host = (merged != h).any(axis=1)
        if to_host.any():
            self.host.write_pages(self.ram_name, pages[to_host] + self.window // PAGE, merged[to_host], PAGE)
        to_npu = (merged != n).any(axis=1)
        if to_npu.any():
            self.npu.write_pages(self.acc.memory, pages[to_npu], merged[to_npu], PAGE)
        self.shadow.reshape(-1, PAGE)[pages] = merged

    # ------------------------------------------------------------ accelerator
    def _advance(self, cycles: int):
        """Run the accelerator `cycles` cycles, or until it is idle (its busy cycles counted)."""
        if cycles <= 0 or self.npu.idle:
            self.idle_seen = self.idle_seen or self.npu.idle
            return
        try:
            self.npu_busy += self.npu.run_busy(cycles)
        except MachineFault as exc:
            raise self._npu_fault(exc) from None
        self.idle_seen = self.idle_seen or self.npu.idle

    def _drain(self, watchdog: int) -> int:
        if self.npu.idle:
            return 0
        try:
            ran = self.npu.run_until_quiescent(watchdog)
        except MachineFault as exc:
            raise self._npu_fault(exc) from None
        self.npu_busy += ran
        self.idle_seen = True
        return ran

    def _npu_fault(self, exc: MachineFault | None = None) -> MachineFault:
        exc = exc or self.npu.fault()
        return MachineFault(f"accelerator '{self.acc.name}' RTL: {exc.message}", exc.loc)

    def _doorbell(self):
        if self.sync == "every" or self._after_wait:
            self._to_npu()
        self._after_wait = False
        raw = self.host.read_bytes(self.ram_name, self.acc.mmio - self.base, 4 * self.acc.words)
        limbs = np.zeros((1, self.limbs), np.uint64)
        limbs.view(np.uint8)[0, :raw.size] = raw
        word = words_from_limbs(limbs)[0]
        d = self.decoder.decode(word)
        kind = d.instr.name if d else f"illegal {word:#x}"
        self.commands[kind] = self.commands.get(kind, 0) + 1
        status = self.acc.status - self.base          # the functional model clears STATUS and WAIT
        page = status // 8
        self.host.write_pages(self.ram_name, np.array([page]), np.zeros(8, np.uint8), 8)
        self.npu.push(limbs)
        self.doorbells += 1
        self.doorbell_at.append(self.host.retired)

    # ------------------------------------------------------------ run
    def run(self, program, max_instructions: int | None = None, watchdog: int = 1 << 40,
            start: tuple[dict, dict] | None = None) -> SystemRtlResult:
        """Run `program` (ELF path or image) from reset, or from `start` = (host state, accelerator
        state without its shared memory) when given (the program is still loaded for its symbols)."""
        self.begin(program, start)
        self.advance(max_instructions, watchdog)
        return self.end(watchdog)

    def begin(self, program, start: tuple[dict, dict] | None = None, retired: int = 0):
        """Load both parts: the program's image, or `start` (a correspondence point: the
        accelerator idle, its shared memory the host's) at host instruction `retired`."""
        from .rtl_program import loaded_state
        if start is not None:
            return self.begin_state(start[0], start[1], retired)
        state, _ = loaded_state(self.system.host, program)
        self._begin(state, None, retired)

    def begin_state(self, host_state: dict, npu_state: dict, retired: int = 0, history=None):
        """Load both parts from states (the accelerator's without its shared memory, which is
        taken from the host's ram) at host instruction `retired`: a sample's start.
        `history` = (commands, registers before the first): the accelerator's last commands
        before this state, run first (then the state is injected again) so that what its
        memory system keeps between commands (open DRAM rows, a port's last burst; cleared
        by a reset) is as the full run left it (cosim/system_sample.py)."""
        self._begin({k: self._copy(("host", k), v) for k, v in host_state.items()}, npu_state, retired, history)

    def _extract_buffers(self, key: str, engine) -> dict:
        buffers = self.__dict__.setdefault("_buffers", {})
        if ("extract", key) not in buffers:
            buffers["extract", key] = {e["name"]: np.empty(e["shape"], e["dtype"]) for e in engine.manifest["state"]}
        return buffers["extract", key]

    def _copy(self, key, array: np.ndarray) -> np.ndarray:
        """`array` copied into this engine's buffer for `key`, allocated once: a sample's
        begin copies 16 MiB memories several times, and fresh arrays cost their page faults
        every time."""
        buffers = self.__dict__.setdefault("_buffers", {})
        buf = buffers.get(key)
        if buf is None or buf.shape != array.shape or buf.dtype != array.dtype:
            buf = buffers[key] = np.empty_like(array)
        np.copyto(buf, array)
        return buf

    def _begin(self, state: dict, npu_state: dict | None, retired: int, history=None):
        from fastforward.riscv import Host

        from .rtl_program import CoreView
        host, npu, a = self.host, self.npu, self.acc
        start = None if npu_state is None else (state, npu_state)
        host.reset()
        npu.reset()
        status = a.status - self.base
        if status % 8:
            raise DcsimError("the accelerator's STATUS word must be 8-byte aligned")
        self.view = view = CoreView(self.system.host, state)
        if start is None:
            view.state[self.ram_name].reshape(-1).view(np.uint8)[status:status + 8] = 0   # as SystemSimulator
        ram = view.state[self.ram_name].reshape(-1).view(np.uint8)
        self.shadow = self._copy("shadow", ram[self.window:self.window + self.size])
        given = start[1] if start is not None else {}
        nstate = {}
        for e in npu.manifest["state"]:
            name = e["name"]
            if name == a.memory:
                memory = self.shadow.view(np.dtype(e["dtype"])).reshape(e["shape"])
                nstate[name] = self._copy(("npu", name), memory)
            elif name in given:
                nstate[name] = self._copy(("npu", name), given[name])
            else:
                nstate[name] = np.zeros(e["shape"], e["dtype"])
        host.inject(view.state, retired=retired)
        if history is not None and len(history[0]):
            npu.inject({**nstate, **history[1]}, retired=0)
            npu.push(np.ascontiguousarray(history[0], dtype=np.uint64))
            try:
                npu.run_until_quiescent(1 << 34)
            except MachineFault as exc:
                raise self._npu_fault(exc) from None
        npu.inject(nstate, retired=0)
        self.env = Host(view, None, None)              # ECALL only (see the module docstring)
        host.watch_range(self.lo, self.hi)
        self.commands, self.doorbells, self.waits, self.races, self.first_race = {}, 0, 0, 0, None
        self.npu_busy, self.stall, self.calls, self._after_wait = 0, 0, 0, True
        self.doorbell_at, self.wait_at = [], []        # host instruction counts, as SystemSimulator's
        self._regs_only = {e["name"] for e in host.manifest["state"]} - {"x"}
        self._c0, self.seconds, self.done = host.cycles, 0.0, False
        self.idle_seen = False      # the accelerator was seen idle at an event since `replay` (system_sample.py)

    def replay(self, limbs: np.ndarray):
        """Push commands into the accelerator's queue now, as if the host had just rung them
        (a sample's backlog: commands pushed before its start whose execution the injected
        accelerator state does not hold yet; cosim/system_sample.py)."""
        if len(limbs):
            self.npu.push(np.ascontiguousarray(limbs, dtype=np.uint64))
        self.idle_seen = self.npu.idle

    def counters(self) -> dict:
        """The run so far: system cycles, host cycles, WAIT stalls, NPU busy cycles."""
        host = self.host.cycles - self._c0
        return {"cycles": host + self.stall, "host_busy_cycles": host, "npu_only_cycles": self.stall,
                "npu_busy_cycles": self.npu_busy, "instructions": self.host.retired}

    def advance(self, limit: int | None = None, watchdog: int = 1 << 40) -> bool:
        """Run until `limit` host instructions have retired (counted from the program's start)
        or the program ends; the accelerator keeps pace. True when the program has ended."""
        host, view = self.host, self.view
        t0 = time.perf_counter()
        while not self.done:
            mark = host.cycles
            event = host.run_until_event(limit, watchdog)
            self._advance(host.cycles - mark)
            kind, hit = host.env_kind, host.watch_hit
            if kind is None and not hit:
                self.done = event != "retired"
                break
            if kind is not None:
                self.calls += 1
                host.extract(out=view.state)
                self.env.env_call(kind)
                if view.halted:
                    self.done = True
                    break
                host.inject(view.state, skip=self._regs_only)
            if hit:
                reg = (host.watch_at - self.lo) // 4
                if reg == _DOORBELL:
                    self._doorbell()
                elif reg == _WAIT:
                    self.stall += self._drain(watchdog)
                    self.waits += 1
                    self.wait_at.append(host.retired)
                    self._merge()
                    self._after_wait = True
            host.resume()
            if event == "retired":
                break
        self.seconds += time.perf_counter() - t0
        return self.done

    def end(self, watchdog: int = 1 << 40, reuse: bool = False) -> SystemRtlResult:
        """Drain the accelerator (a program that exits with it busy; its cycles count as a
        stall), make the memories agree and extract both parts' final state (into arrays this
        engine keeps and the next `end(reuse=True)` overwrites, with `reuse`: a sample)."""
        host, npu, a, view = self.host, self.npu, self.acc, self.view
        host_cycles = host.cycles - self._c0
        self.stall += self._drain(watchdog)
        self._merge()
        halted = view.halted or host.halted
        code = host.exit_code if host.halted else view.exit_code
        if reuse:
            hstate = host.extract(out=self._extract_buffers("host", host))
            nfinal = npu.extract(out=self._extract_buffers("npu", npu), skip=(a.memory,))
            nfinal = {k: v for k, v in nfinal.items() if k != a.memory}
        else:
            hstate = host.extract()
            nfinal = npu.extract()
            nfinal.pop(a.memory)
        return SystemRtlResult(code if halted else None, halted, self.env.stdout, self.env.stderr, host.retired,
                               host_cycles, self.stall, self.npu_busy, dict(sorted(self.commands.items())),
                               self.doorbells, self.waits, self.calls, self.races, self.first_race, self.seconds,
                               hstate, nfinal)


def reference_run(system: System, program, max_instructions: int | None = None, backend: str = "c"):
    """The functional SystemSimulator on the same program: (simulator, its Host)."""
    from pathlib import Path

    from fastforward.session import prepare_program
    from fastforward.system import SystemSimulator
    sim = SystemSimulator(system, backend)
    job = prepare_program(system.host, sim.host, Path(program))
    sim.run(max_instructions)
    return sim, job.host


def compare(system: System, sim, r: SystemRtlResult) -> dict:
    """Both parts' final state against the functional model's: {'state_match', 'differences'}
    (the accelerator's shared memory is the host's RAM, compared there)."""
    from .compare import diff_states, states_equal
    name = system.accelerators[0].name
    pairs = [("host", {k: sim.host.state[k] for k in r.host_state}, r.host_state),
             (name, {k: sim.accelerators[name].state[k] for k in r.npu_state}, r.npu_state)]
    diffs = []
    for part, want, got in pairs:
        if not states_equal(want, got):
            for d in diff_states(want, got):
                diffs.append({"part": part, "state": d.state, "index": list(d.first[0][0]),
                              "reference": d.first[0][1], "rtl": d.first[0][2], "differing_elements": d.count})
    return {"state_match": not diffs, "differences": diffs}


def report(system: System, program, r: SystemRtlResult, sim, ref_host) -> dict:
    """What `dcsim rtl SYSTEM --program P --json` prints."""
    name = system.accelerators[0].name
    ref_counts = sim.command_counts()[name]
    return {"system": system.name, "program": str(program), **r.split(),
            "instructions": r.instructions, "reference_instructions": sim.retired,
            "exit_code": r.exit_code, "reference_exit_code": sim.exit_code if sim.halted else None,
            "halted": r.halted, "stdout": r.stdout.decode(errors="replace"),
            "stdout_match": r.stdout == ref_host.stdout and r.stderr == ref_host.stderr,
            "accelerator": {"name": name, "commands": sum(r.commands.values()), "counts": r.commands,
                            "counts_match": r.commands == {k: v for k, v in sorted(ref_counts.items()) if v}},
            "doorbells": r.doorbells, "waits": r.waits, "env_calls": r.env_calls,
            "races": r.races, "first_race": None if r.first_race is None else f"{r.first_race:#x}",
            "seconds": r.seconds, "cycles_per_second": r.cycles / r.seconds if r.seconds > 0 else None,
            **compare(system, sim, r)}
