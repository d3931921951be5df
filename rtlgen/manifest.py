"""The correspondence manifest: where every spec state element lives in the generated RTL.

Produced with the Verilog from the same FSMD. Injection, extraction and testbenches read
it; nothing hand-writes a signal path. JSON-serialisable (plain dicts and lists).
"""
from __future__ import annotations

import json

from hls import fsmd
from spec import ir
from spec.types import numpy_dtype_name

from .faults import DECODE_SITE, FETCH_SITE, manifest_sites
from .vcommon import spec_name
from .written import manifest_entry
from .verilog import module_name

VERSION = 1


def build_manifest(machine: ir.Machine, m: fsmd.Fsmd) -> dict:
    top = module_name(m)
    mems = {x.state: x for x in m.memories}
    state = []
    for s in machine.state:
        rtl = f"s_{s.name}"
        entry = {"name": s.name, "kind": s.kind, "rtl": f"{top}.{rtl}", "signal": rtl,
                 "width": s.type.width, "signed": s.type.signed, "dtype": numpy_dtype_name(s.type),
                 "shape": list(s.shape), "elements": s.size, "external": s.external}
        if s.kind == "reg":
            entry["layout"] = {"form": "register"}
        else:
            mem = mems[s.name]
            entry["layout"] = {"form": "array", "order": "row-major", "depth": mem.size,
                               "banks": mem.banks, "bank_rows": mem.bank_rows,
                               "bank_of": f"(row // {mem.bank_rows}) mod {mem.banks} (timing only: one array)"
                               if mem.banks > 1 else "none (one bank)",
                               "port": mem.port, "lanes": mem.lanes,
                               "read_ports": mem.read_ports, "write_ports": mem.write_ports}
            pages = manifest_entry(m, mem.name) if m.fetch is None else None   # queue machines' tops have maps
            if pages is not None:
                entry["written_pages"] = pages
        state.append(entry)
    if m.fetch is not None:
        return _core_manifest(machine, m, top, state)
    return {
        "version": VERSION, "machine": machine.name, "digest": machine.digest, "top": top,
        "clock": "clk", "reset": {"signal": "rst", "active": 1, "synchronous": True},
        "command": {"valid": "cmd_valid", "ready": "cmd_ready", "data": "cmd_data",
                    "width": m.command_width, "fifo_depth": m.fifo_depth},
        "quiescence": {"signal": "idle", "active": 1,
                       "condition": "command FIFO empty and FSM in IDLE (no command in flight)"},
        "fault": {"signal": "fault", "condition": "a spec assert failed or a command did not decode",
                  "site": "fault_site", "seq": "fault_seq", "decode_site": DECODE_SITE,
                  "sites": _sites(m)},
        "counters": {"retired": {"signal": "retired", "width": 64}},
        "state": state,
    }


def dumps(manifest: dict) -> str:
    return json.dumps(manifest, indent=2, sort_keys=False) + "\n"


def _core_manifest(machine: ir.Machine, m: fsmd.Fsmd, top: str, state: list) -> dict:
    """A processor core: no command port; it fetches from its memory while `enable` is high."""
    f = m.fetch
    return {
        "version": VERSION, "machine": machine.name, "digest": machine.digest, "top": top,
        "clock": "clk", "reset": {"signal": "rst", "active": 1, "synchronous": True},
        "command": None,
        "fetch": {"enable": "enable", "pc": f.pc, "memory": m.memory(f.memory).state, "base": f.base,
                  "ilen": f.ilen, "port": f"{f.ilen} bytes per cycle (one word-wide instruction port)"},
        "quiescence": {"signal": "idle", "active": 1,
                       "condition": "the core is at an instruction boundary (FSM in IDLE, before the next fetch)"},
        "fault": {"signal": "fault", "condition": "a spec assert or memory bounds check failed, a fetch "
                                                  "outside the fetch memory, or an illegal instruction",
                  "site": "fault_site", "decode_site": DECODE_SITE, "fetch_site": FETCH_SITE,
                  "sites": _sites(m)},
        "events": {"halted": {"signal": "halted", "flag": "halted_q", "exit_code": "exit_code"},
                   "env_call": {"signal": "env_call", "flag": "env_q", "kind": "env_kind",
                                "condition": "the env_call instruction has retired (pc is past it); "
                                             "the host services it, then clears the flag to resume"},
                   "watch": {"signal": "watch", "flag": "watch_q", "valid": "watch_valid", "lo": "watch_lo", "hi": "watch_hi",
                             "at": "watch_at",
                             "index_width": m.memory(f.memory).index_width,
                             "condition": "a store instruction that wrote a byte watch_lo..watch_hi of the fetch memory "
                                          "has retired while watch_valid was high (HTIF tohost); the host "
                                          "services it, then clears the flag to resume"}},
        "counters": {"retired": {"signal": "retired", "width": 64}},
        "state": state,
    }


def _sites(m: fsmd.Fsmd) -> list[dict]:
    """The fault sites, each naming the machine file by its base name (every site is in the
    machine file), so that the manifest does not depend on how its path was spelled; the
    engine resolves it against the machine's own path."""
    return [{**s, "path": spec_name(s["path"])} for s in manifest_sites(m)]
