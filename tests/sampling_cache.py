"""Tests of the sampling engine keep ground truth out of the real cache (~/.cache/dcsim).

`private_cache` points DCSIM_CACHE at a temporary directory whose `rtl/` and `c/` link to
the real build caches (content-addressed Verilator and C builds: reusing them keeps the
suite fast and writes nothing a user would see), so `truth/` entries land in the
temporary directory."""
import os
from pathlib import Path


def private_cache(tmp_path: Path, monkeypatch):
    real = Path(os.environ.get("DCSIM_CACHE") or Path.home() / ".cache" / "dcsim")
    mine = tmp_path / "dcsim-cache"
    mine.mkdir(exist_ok=True)
    for sub in ("rtl", "c"):
        (real / sub).mkdir(parents=True, exist_ok=True)
        link = mine / sub
        if not link.exists():
            link.symlink_to(real / sub, target_is_directory=True)
    monkeypatch.setenv("DCSIM_CACHE", str(mine))
    return mine
