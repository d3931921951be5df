"""High-level synthesis: Spec IR -> scheduled FSMD IR (one FSM, memories with ports)."""
from .fsmd import Fsmd
from .schedule import schedule_machine
from .verify import FsmdError, verify

__all__ = ["Fsmd", "FsmdError", "schedule_machine", "verify"]
