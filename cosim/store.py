"""A resumable store of finished samples: SQLite (stdlib sqlite3), one row per sample.

The database runs in WAL mode and commits after every sample, so a campaign killed at
any point (SIGKILL included) loses at most the sample that was being measured; rerun with
the same arguments, it measures only the units that have no row yet. A `campaign` row
identifies what the samples belong to (machine digest, RTL design hash, workload, unit,
warm-up, backend); a store of another campaign is refused rather than mixed. Samples are
keyed by unit index, so a second pass (`--target-error`) or a larger plan over the same
campaign reuses every unit already measured.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from spec.errors import DcsimError

SCHEMA = """
CREATE TABLE IF NOT EXISTS campaign (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS samples (unit INTEGER PRIMARY KEY, record TEXT NOT NULL,
                                    finished REAL DEFAULT (julianday('now')));
"""


class StoreError(DcsimError):
    pass


class SampleStore:
    """`done` maps unit index -> sample record; `add` commits one record durably."""

    def __init__(self, path: str | Path | None, identity: dict):
        self.path = Path(path) if path else None
        self.identity = identity
        self.done: dict[int, dict] = {}
        self._db: sqlite3.Connection | None = None
        if self.path is not None:
            self._open()

    def _open(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")   # durable against a killed process
            self._db.executescript(SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path} is not a sample store ({exc}); use another --store path") from None
        wanted = json.dumps(self.identity, sort_keys=True)
        row = self._db.execute("SELECT value FROM campaign WHERE key = 'identity'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO campaign VALUES ('identity', ?)", (wanted,))
        elif row[0] != wanted:
            raise StoreError(f"{self.path} holds results of a different campaign "
                             f"({_difference(json.loads(row[0]), self.identity)}); "
                             "use another --store path or delete it")
        for unit, record in self._db.execute("SELECT unit, record FROM samples"):
            self.done[unit] = json.loads(record)

    def add(self, record: dict):
        self.done[record["index"]] = record
        if self._db is not None:
            self._db.execute("INSERT OR REPLACE INTO samples (unit, record) VALUES (?, ?)",
                             (record["index"], json.dumps(record, sort_keys=True)))

    def close(self):
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _difference(stored: dict, wanted: dict) -> str:
    keys = sorted(k for k in stored.keys() | wanted.keys() if stored.get(k) != wanted.get(k))
    return ", ".join(f"{k}: stored {stored.get(k)!r}, now {wanted.get(k)!r}" for k in keys[:3])
