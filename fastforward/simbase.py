"""What every functional-simulator backend shares: run control built on `run(n)`,
counters by instruction kind, and snapshot/restore of the architectural state.

A backend provides `machine`, `state`, `counts`, `retired`, `halted`, `exit_code`,
`run(n)`, `pending` (commands not yet executed) and `_restore_control(snapshot)`.
"""
from __future__ import annotations

import numpy as np

from spec.encoding import words_from_limbs
from spec.errors import MachineFault

from .signature import Signatures
from .snapshot import Snapshot


MAX_WATCHES = 4          # as the C backend's context holds them (fastforward/cgen.py)


def watches_after(watches: dict, index: int | None, callback) -> dict:
    """The store watches after `watch_store(index, callback)` (see Simulator.watch_store)."""
    if index is None:
        return {}
    out = {k: v for k, v in watches.items() if k != index}
    if callback is not None:
        if len(out) >= MAX_WATCHES:
            raise ValueError(f"at most {MAX_WATCHES} bytes can be watched at once")
        out[index] = callback
    return out


class SimulatorBase:
    @property
    def pc(self) -> int:
        """Fetch machines: the address of the next instruction."""
        return int(self.state[self.machine.fetch.pc].reshape(-1)[0])

    @pc.setter
    def pc(self, value: int):
        self.state[self.machine.fetch.pc].reshape(-1)[0] = value

    def _fetch_word(self) -> int:
        """Fetch machines: the instruction word at pc (a fault if it lies outside the fetch memory)."""
        f = self.machine.fetch
        i = self.pc - f.base
        mem = self.state[f.memory]
        if i < 0 or i + f.ilen > mem.size:
            raise MachineFault(f"instruction fetch at pc {self.pc:#x} is outside {f.memory}")
        return int.from_bytes(mem[i:i + f.ilen].tobytes(), "little")

    def run_until(self, index: int) -> int:
        """Run until `retired == index` (or the machine halts or runs dry); returns how many retired."""
        if index < self.retired:
            raise ValueError(f"instruction {index} has already retired (retired = {self.retired})")
        return self.run(index - self.retired)

    def push_encoded(self, commands, binary):
        """Queue `commands` whose binary form (`spec.encoding.command_limbs`) is `binary`:
        the compiled model takes the binary instead of encoding the commands again."""
        self.push(commands)

    def push_limbs(self, binary):
        """Queue commands given as their binary ((n, limbs) uint64, `spec.encoding.command_limbs`);
        the compiled model reads the binary as it is (csim.py), the reference makes the ints."""
        self.push(words_from_limbs(binary))

    def pending_count(self) -> int:
        """Queue machines: commands pushed but not yet executed."""
        return len(self.pending)

    def kind_counts(self) -> dict[str, int]:
        return {i.name: int(c) for i, c in zip(self.machine.instructions, self.counts) if c}

    def _signature_result(self, recorder) -> Signatures:
        return recorder.result(tuple(i.name for i in self.machine.instructions))

    def snapshot(self) -> Snapshot:
        return Snapshot(self.machine.name, self.machine.digest,
                        {k: v.copy() for k, v in self.state.items()}, self.retired, self.counts.copy(),
                        self.halted, self.exit_code, tuple(self.pending))

    def restore(self, snap: Snapshot):
        if snap.digest != self.machine.digest:
            raise MachineFault(f"snapshot of machine '{snap.machine}' ({snap.digest[:12]}) does not match "
                               f"'{self.machine.name}' ({self.machine.digest[:12]})")
        for name, array in snap.arrays.items():
            np.copyto(self.state[name], array)
        np.copyto(self.counts, snap.counts)
        self._restore_control(snap)
