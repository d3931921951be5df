"""High-level synthesis: Spec IR -> scheduled FSMD IR (decoupled units with queues, hazard
footprints, banked memories, DRAM timing)."""
from .footprint import footprint
from .fsmd import Fsmd
from .schedule import schedule_machine
from .verify import FsmdError, verify

__all__ = ["Fsmd", "FsmdError", "footprint", "schedule_machine", "verify"]
