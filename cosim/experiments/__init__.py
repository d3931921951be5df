"""The three experiments of docs/design.md, one module each, and their shared report writer."""
from .runner import NAMES, run_experiment

__all__ = ["NAMES", "run_experiment"]
