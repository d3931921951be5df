"""The three experiments of DESIGN.md, one module each, and their shared report writer."""
from .runner import NAMES, run_experiment

__all__ = ["NAMES", "run_experiment"]
