"""What every built-in workload is: commands, DRAM inputs, and an expected output."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from spec.errors import DcsimError


class WorkloadError(DcsimError):
    """A bad workload name or arguments, or a machine that cannot run the workload."""


@dataclass
class Workload:
    """A command stream plus the DRAM image it reads and the output it must produce.

    `inputs` are (byte address, uint8 bytes) written into `memory` by `prepare`;
    `expected` is (byte address, int8 array) computed by an independent numpy reference.
    """
    name: str
    commands: list[int]
    description: str
    params: dict
    inputs: list = field(default_factory=list, repr=False)
    expected: tuple | None = field(default=None, repr=False)
    memory: str = "dram"

    def prepare(self, sim) -> None:
        """Write the inputs into the simulator's external memory and push the commands."""
        mem = sim.state[self.memory].reshape(-1)
        for addr, data in self.inputs:
            mem[addr:addr + data.size] = data
        sim.push(self.commands)

    def output(self, sim) -> np.ndarray:
        """The output region as the simulator left it, shaped like the expected output."""
        addr, want = self.expected
        mem = sim.state[self.memory].reshape(-1)
        return mem[addr:addr + want.size].view(want.dtype).reshape(want.shape).copy()

    def mismatches(self, sim) -> int:
        """How many output elements differ from the reference."""
        return int(np.count_nonzero(self.output(sim) != self.expected[1]))

    def verify(self, sim) -> bool:
        """After `sim.run()`: is the output bit-exact with the numpy reference?"""
        return self.mismatches(sim) == 0
