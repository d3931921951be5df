"""Locations of bundled machine files and workloads."""
from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def hw_dir() -> Path:
    """The bundled `hw/` folder (DCSIM_HW overrides it)."""
    return Path(os.environ.get("DCSIM_HW", REPO / "hw"))


def machine_path(name_or_path: str) -> Path:
    """A path as given, or a bundled machine by name ('npu' -> hw/npu.yaml)."""
    path = Path(name_or_path)
    if path.exists() or path.suffix:
        return path
    return hw_dir() / f"{name_or_path}.yaml"
