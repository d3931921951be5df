"""Tests of the sampling engine keep ground truth out of the real cache (~/.cache/dcsim).

`private_cache` points DCSIM_CACHE at a temporary directory whose `rtl/` and `c/` link to
the real build caches (content-addressed Verilator and C builds: reusing them keeps the
suite fast and writes nothing a user would see), so `truth/` entries land in the
temporary directory."""
from pathlib import Path

from spec.cache import cache_root


def linked_cache(mine: Path) -> Path:
    """`mine` as a cache root whose `rtl/` and `c/` link to the current cache's builds."""
    real = cache_root()
    mine.mkdir(parents=True, exist_ok=True)
    for sub in ("rtl", "c"):
        (real / sub).mkdir(parents=True, exist_ok=True)
        link = mine / sub
        if not link.exists():
            link.symlink_to(real / sub, target_is_directory=True)
    return mine


def private_cache(tmp_path: Path, monkeypatch):
    mine = linked_cache(tmp_path / "dcsim-cache")
    monkeypatch.setenv("DCSIM_CACHE", str(mine))
    return mine
