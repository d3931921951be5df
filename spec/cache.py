"""Where generated artifacts and measured results are cached: `$DCSIM_CACHE` (default
`~/.cache/dcsim`), one folder per kind of entry (`c`, `rtl`, `truth`, `kernels`). Every
entry inside is keyed by a hash of what determines its content; tests point DCSIM_CACHE
at a temporary folder so that they never read or write the user's cache."""
from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path:
    """The cache's root folder (not created here)."""
    root = os.environ.get("DCSIM_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "dcsim"


def cache_dir(kind: str) -> Path:
    """The folder of one kind of cached entry, e.g. `cache_dir("rtl")` (not created here)."""
    return cache_root() / kind
