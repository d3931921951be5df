"""What every workload is: commands, the state they start from, and what they must produce.

Built-in workloads (`catalog`), workload files (`files.workload_from_file`) and Python
generators (`--workload module:function`) all give a `Workload`."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spec.encoding import command_limbs, words_from_limbs
from spec.errors import DcsimError

FUNCTIONAL_MODEL = "functional-model"


class WorkloadError(DcsimError):
    """A bad workload name or arguments, or a machine that cannot run the workload."""


def region(array: np.ndarray, index: tuple, shape: tuple) -> np.ndarray:
    """The view of `array` a region names: `shape` elements from `index` (one start per axis;
    `()` and the array's own shape: the whole element)."""
    if not index:
        return array
    return array[tuple(slice(i, i + n) for i, n in zip(index, shape))]


@dataclass
class Workload:
    """A command stream plus the state it starts from and the output it must produce.

    `inputs` are (byte address, uint8 bytes) written into the byte memory `memory` by
    `prepare`; `expected` is (byte address, array) in `memory`, for the built-in workloads
    computed by an independent numpy reference. `loads` and `checks` are regions of any
    state element, (state name, start index per axis or () for the whole element, array):
    written before the run, compared after it. `reference` is FUNCTIONAL_MODEL when the
    workload has no expected output of its own and the RTL is checked against the
    functional model's final state. `verifier` names what the expected output came from
    (printed: "verified against numpy: yes").

    `commands` may be given as a list of ints or as the stream's binary, an (n, limbs)
    uint64 array (`spec.encoding.command_limbs` layout; the built-in generators make it
    directly): reading `commands` then makes the list of ints once, on first use, while
    `limbs()`, `count` and `prepare` use the binary without any Python ints."""
    name: str
    commands: list[int]
    description: str
    params: dict
    inputs: list = field(default_factory=list, repr=False)
    expected: tuple | None = field(default=None, repr=False)
    memory: str = "dram"
    loads: list = field(default_factory=list, repr=False)
    checks: list = field(default_factory=list, repr=False)
    reference: str | None = None
    verifier: str = "numpy"
    source: str | None = None               # the workload file or generator it came from

    def prepare(self, sim) -> None:
        """Write the inputs into the simulator's state and push the commands (as the binary
        when the workload has one: `push_limbs`)."""
        self.preload(sim.state)
        if self._binary is not None:
            sim.push_limbs(self._binary)
        else:
            sim.push(self.commands)

    @property
    def count(self) -> int:
        """How many commands (without making the list of ints)."""
        return len(self._binary) if self._binary is not None else len(self.commands)

    def limbs(self, nwords: int) -> np.ndarray:
        """The commands as (n, nwords) uint64 (`command_limbs`): the binary when the workload
        was built as one (not a copy: do not write into it), else encoded from the ints."""
        if self._binary is not None and self._binary.shape[1] == nwords:
            return self._binary
        return command_limbs(self.commands, nwords)

    def preload(self, state: dict) -> None:
        """Write the inputs and loads into `state` (name -> numpy array)."""
        if self.inputs:
            mem = state[self.memory].reshape(-1)
            for addr, data in self.inputs:
                mem[addr:addr + data.size] = data
        for name, index, data in self.loads:
            region(state[name], index, data.shape)[...] = data

    @property
    def has_checks(self) -> bool:
        """Does the workload carry an expected output to verify?"""
        return self.expected is not None or bool(self.checks)

    def output(self, sim) -> np.ndarray:
        """The output region as the simulator left it, shaped like the expected output."""
        return self._output(sim.state)

    def _output(self, state: dict) -> np.ndarray:
        addr, want = self.expected
        mem = state[self.memory].reshape(-1)
        return mem[addr:addr + want.nbytes].view(want.dtype).reshape(want.shape).copy()

    def mismatches(self, sim) -> int:
        """How many output elements differ from the reference."""
        return self.state_mismatches(sim.state)

    def state_mismatches(self, state: dict) -> int:
        """How many expected elements differ in `state` (name -> array: a simulator's, or the RTL's)."""
        bad = 0
        if self.expected is not None:
            bad += int(np.count_nonzero(self._output(state) != self.expected[1]))
        for name, index, want in self.checks:
            bad += int(np.count_nonzero(region(state[name], index, want.shape) != want))
        return bad

    def verify(self, sim) -> bool:
        """After `sim.run()`: is the output bit-exact with the reference?"""
        return self.mismatches(sim) == 0

    def verify_state(self, state: dict) -> bool:
        """Is `state` (a final state, e.g. the RTL's) bit-exact with the reference?"""
        return self.state_mismatches(state) == 0

    def to_file(self, folder, machine):
        """Write the workload as a workload file (workload.yaml, commands.bin, data files)
        into `folder` for `machine`; `files.workload_from_file` reads it back identically."""
        from .files import write_workload
        return write_workload(self, folder, machine)


def _get_commands(self: Workload) -> list[int]:
    if self._commands is None:
        self._commands = words_from_limbs(self._binary)
    return self._commands


def _set_commands(self: Workload, value):
    """A list of ints, or the binary ((n, limbs) uint64) from which the ints come on demand."""
    if isinstance(value, np.ndarray) and value.ndim == 2 and value.dtype == np.uint64:
        self._binary, self._commands = value, None
    else:
        self._binary, self._commands = None, value


# `commands` stays a dataclass field (constructor argument, dataclasses.replace, ==) whose
# attribute is this property, so a built-in workload's ints are made only when read.
Workload.commands = property(_get_commands, _set_commands, doc="The commands as ints (made once, on first use).")
