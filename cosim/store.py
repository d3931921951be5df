"""A resumable store of finished samples: one JSON object per line, appended and flushed.

The first line identifies the campaign (machine digest, workload, plan); a store that
belongs to another campaign is refused rather than mixed. A campaign killed at any point
loses at most the sample being written: a torn last line is ignored on reload.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from spec.errors import DcsimError


class StoreError(DcsimError):
    pass


class SampleStore:
    def __init__(self, path: str | Path | None, identity: dict):
        self.path = Path(path) if path else None
        self.identity = identity
        self.done: dict[int, dict] = {}
        if self.path is not None:
            self._open()

    def _open(self):
        if self.path.exists() and self.path.stat().st_size:
            lines = self.path.read_text().splitlines()
            header = _parse(lines[0])
            if header is None or header.get("campaign") != self.identity:
                raise StoreError(f"{self.path} holds results of a different campaign; "
                                 "use another --store path or delete it")
            for line in lines[1:]:
                record = _parse(line)
                if record is not None and "index" in record:
                    self.done[record["index"]] = record
            if lines and _parse(lines[-1]) is None:          # torn write: drop it before appending
                self.path.write_text("\n".join(lines[:-1]) + "\n")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._append({"campaign": self.identity})

    def _append(self, record: dict):
        with open(self.path, "a") as f:
            f.write(json.dumps(record, sort_keys=True) + "\n")
            f.flush()
            os.fsync(f.fileno())

    def add(self, record: dict):
        self.done[record["index"]] = record
        if self.path is not None:
            self._append(record)


def _parse(line: str) -> dict | None:
    try:
        value = json.loads(line)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
