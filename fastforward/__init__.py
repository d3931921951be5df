"""Functional simulators generated from the Spec IR (the Python reference today)."""
from .program import Program
from .sim import RunResult, Simulator, Snapshot

__all__ = ["Program", "RunResult", "Simulator", "Snapshot"]
