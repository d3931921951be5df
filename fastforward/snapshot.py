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


def new_state(machine: ir.Machine, shared: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Zeroed state arrays; `shared` supplies some of them instead (a system's accelerator
    whose external memory is a window of its host's memory: a view, not a copy)."""
    state = {s.name: np.zeros(s.shape, dtype=numpy_dtype_name(s.type)) for s in machine.state
             if s.name not in (shared or {})}
    for s in machine.state:
        if s.name in (shared or {}):
            array = shared[s.name]
            want = np.dtype(numpy_dtype_name(s.type))
            if array.shape != tuple(s.shape) or array.dtype != want or not array.flags.c_contiguous:
                raise ValueError(f"{machine.name}.{s.name}: a shared array must be C-contiguous {want} "
                                 f"of shape {tuple(s.shape)}, got {array.dtype} {array.shape}")
            state[s.name] = array
    return {s.name: state[s.name] for s in machine.state}
