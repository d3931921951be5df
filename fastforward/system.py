"""The functional model of a system (spec/system.py): a host processor and its accelerators.

The host runs its program on a functional backend (Python or C). Each accelerator is a
functional model of its own machine whose external memory is a numpy view of the host's
memory (one copy of the bytes, as in the hardware). A host store to an accelerator's
doorbell word pushes the command the host wrote into the command words and runs the
accelerator until its queue is empty, inside that store: the functional model is
sequentially consistent with an instantaneous accelerator, so STATUS always reads 0 and a
store to WAIT returns at once here. A program that waits (a store to WAIT) before it reads
results behaves the same in the timing models, where the accelerator takes cycles and WAIT
holds the store until it is idle.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import numpy as np

from spec.encoding import limbs_for, words_from_limbs
from spec.errors import MachineFault
from spec.system import Accelerator, System

from .backends import make_simulator
from .simbase import MAX_WATCHES


@dataclass
class SystemSnapshot:
    """The whole system's state: the host's snapshot and each accelerator's, without the
    accelerators' shared memories (they are the host memory's bytes)."""
    system: str
    digest: str
    parts: dict                   # part name ('host' or an accelerator's) -> fastforward.snapshot.Snapshot

    @property
    def retired(self) -> int:
        return self.parts["host"].retired

    def equals(self, other: "SystemSnapshot") -> bool:
        return self.digest == other.digest and all(p.equals(other.parts[k]) for k, p in self.parts.items())


REG_BYTES = 64                    # state elements this small are an accelerator's registers (record())


class SystemSimulator:
    """A system's host and accelerators, functionally; `retired` counts host instructions."""

    def __init__(self, system: System, backend: str = "py"):
        self.system = system
        self.backend = backend
        self.host = make_simulator(system.host, backend)
        fetch = system.host.fetch
        self.ram = self.host.state[fetch.memory]
        self.base = fetch.base
        self.accelerators: dict[str, object] = {}
        self._limbs: dict[str, np.ndarray] = {}        # per accelerator: the command being pushed
        self.recording: dict[str, list] | None = None   # see record()
        self.recorded_start: dict[str, dict] = {}
        # Host instruction counts (after the store) of every doorbell and WAIT store: between
        # a WAIT and the next doorbell the accelerator is idle on every timing model too, so
        # these are the system's correspondence points (cosim/system_sample.py).
        self.doorbell_at: list[int] = []
        self.wait_at: list[int] = []
        watch_waits = 1 + 2 * len(system.accelerators) <= MAX_WATCHES    # tohost, doorbells, WAITs
        for a in system.accelerators:
            shared = None
            if a.memory is not None:
                start = a.window - self.base
                shared = {a.memory: self.ram[start:start + a.machine.state_element(a.memory).size]}
            self.accelerators[a.name] = make_simulator(a.machine, backend, shared)
            self._limbs[a.name] = np.zeros((1, limbs_for(a.machine.queue.width)), dtype=np.uint64)
            self.host.watch_store(a.doorbell - self.base, partial(self._doorbell, a))
            if watch_waits:
                self.host.watch_store(a.wait - self.base, self._wait)
            self._clear_status(a)

    # ------------------------------------------------------------ host face
    @property
    def machine(self):
        return self.system.host

    @property
    def state(self) -> dict:
        return self.host.state

    @property
    def retired(self) -> int:
        return self.host.retired

    @property
    def halted(self) -> bool:
        return self.host.halted

    @property
    def exit_code(self) -> int | None:
        return self.host.exit_code

    def run(self, n: int | None = None) -> int:
        return self.host.run(n)

    def run_until(self, index: int) -> int:
        return self.host.run_until(index)

    def pending_count(self) -> int:
        return sum(sim.pending_count() for sim in self.accelerators.values())

    def kind_counts(self) -> dict[str, int]:
        return self.host.kind_counts()

    def command_counts(self) -> dict[str, dict[str, int]]:
        """Accelerator name -> commands executed by kind."""
        return {name: sim.kind_counts() for name, sim in self.accelerators.items()}

    def record(self):
        """From now on keep, per accelerator, every command it executes (`recording[name]`:
        (1, limbs) uint64 arrays) and its state when the first one arrived
        (`recorded_start[name]`): the stream the host produced, to replay on the accelerator
        alone (`cosim/experiments/software.py`); and the registers before each command
        (`recorded_regs[name]`)."""
        self.recording = {name: [] for name in self.accelerators}
        self.recorded_start = {}
        self.recorded_regs = {name: [] for name in self.accelerators}

    # ------------------------------------------------------------ attachment
    def _clear_status(self, a: Accelerator):
        i = a.status - self.base
        self.ram[i:i + 8] = 0

    def _wait(self, _index: int):
        self.wait_at.append(self.host.retired + 1)        # the callback runs before the store counts

    def _doorbell(self, a: Accelerator, _index: int):
        """Execute the command in `a`'s command words, as 64-bit limbs (`push_limbs`): the
        compiled model makes no Python int and encodes nothing, so a doorbell costs a few
        microseconds rather than tens."""
        self.doorbell_at.append(self.host.retired + 1)
        limbs = self._limbs[a.name]
        i = a.mmio - self.base
        limbs.view(np.uint8)[0, :4 * a.words] = self.ram[i:i + 4 * a.words]
        sim = self.accelerators[a.name]
        if self.recording is not None:
            if a.name not in self.recorded_start:
                self.recorded_start[a.name] = {k: v.copy() for k, v in sim.state.items()}
            self.recording[a.name].append(limbs.copy())
            # its registers (the small elements) before it: what a replay of a window of the
            # stream needs to issue the same memory accesses (cosim/system_sample.py)
            self.recorded_regs[a.name].append({k: v.copy() for k, v in sim.state.items() if v.nbytes <= REG_BYTES})
        sim.push_limbs(limbs)
        try:
            sim.run()
        except MachineFault as exc:
            command = words_from_limbs(limbs)[0]
            raise MachineFault(f"accelerator '{a.name}', command {sim.retired} ({command:#x}, pushed by the host's "
                               f"store at pc {self.host.pc:#x}): {exc.message}", exc.loc) from None
        self._clear_status(a)

    # ------------------------------------------------------ snapshot/restore
    def snapshot(self) -> SystemSnapshot:
        parts = {"host": self.host.snapshot()}
        for a in self.system.accelerators:
            snap = self.accelerators[a.name].snapshot()
            snap.arrays.pop(a.memory, None)
            parts[a.name] = snap
        return SystemSnapshot(self.system.name, self.system.digest, parts)

    def restore(self, snap: SystemSnapshot):
        if snap.digest != self.system.digest:
            raise MachineFault(f"snapshot of system '{snap.system}' ({snap.digest[:12]}) does not match "
                               f"'{self.system.name}' ({self.system.digest[:12]})")
        self.host.restore(snap.parts["host"])
        for name, sim in self.accelerators.items():
            sim.restore(snap.parts[name])

