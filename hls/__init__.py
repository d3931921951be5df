"""High-level synthesis: Spec IR -> scheduled FSMD IR (decoupled units with queues, hazard
footprints, banked memories, DRAM timing)."""
from .footprint import footprint
from .fsmd import Fsmd
from .printer import format_fsmd, format_schedule
from .report import format_report, report
from .schedule import schedule_machine
from .verify import FsmdError, verify

__all__ = ["Fsmd", "FsmdError", "footprint", "format_fsmd", "format_report", "format_schedule", "report",
           "schedule_machine", "verify"]
