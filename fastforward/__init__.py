"""Functional simulators generated from the Spec IR: the Python reference and compiled C,
run control, per-interval signatures and checkpoint files."""
from .checkpoint import Checkpoint, CheckpointError, load as load_checkpoint, save as save_checkpoint
from .csim import CSimulator
from .program import Program
from .signature import Signatures
from .sim import Simulator
from .snapshot import Snapshot, new_state

__all__ = ["CSimulator", "Checkpoint", "CheckpointError", "Program", "Signatures", "Simulator", "new_state",
           "Snapshot", "load_checkpoint", "save_checkpoint"]
