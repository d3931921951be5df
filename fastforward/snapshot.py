"""Snapshots: the complete architectural state at an instruction boundary, in a form
every backend (Python, C, RTL through the manifest) reads and writes."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spec import ir
from spec.types import numpy_dtype_name


@dataclass
class Snapshot:
    """The complete architectural state of a machine at an instruction boundary."""
    machine: str
    digest: str
    arrays: dict
    retired: int
    counts: np.ndarray
    halted: bool
    exit_code: int | None
    queue: tuple = ()                 # commands not yet executed (queue machines)

    def equals(self, other: "Snapshot") -> bool:
        return (self.arrays.keys() == other.arrays.keys()
                and all(np.array_equal(self.arrays[k], other.arrays[k]) for k in self.arrays)
                and (self.retired, self.halted, self.exit_code, self.queue)
                == (other.retired, other.halted, other.exit_code, other.queue))


def new_state(machine: ir.Machine) -> dict[str, np.ndarray]:
    return {s.name: np.zeros(s.shape, dtype=numpy_dtype_name(s.type)) for s in machine.state}
