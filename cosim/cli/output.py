"""Where output goes: one JSON object on stdout with --json; rich tables otherwise.

Progress displays always go to stderr so that `--json` output stays machine-readable.
"""
from __future__ import annotations

import json
import sys

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

stdout = Console()
stderr = Console(stderr=True)


def emit_json(obj: dict):
    sys.stdout.write(json.dumps(obj, indent=2, sort_keys=False) + "\n")


def progress(description: str, total: int, enabled: bool = True) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                    console=stderr, transient=True, disable=not enabled)
