"""Fault sites of the generated RTL: every way the hardware can fault gets a small number.

The generated Verilog latches, on its first fault, the site's number (`fault_site`) and, on a
queue machine, the sequence number of the faulting command (`fault_seq`); the correspondence
manifest lists the sites (`manifest_sites`, as `"fault": {"sites": ...}`), and `RtlEngine`
names the spec `assert` (its text and `path:line:col`) as the functional model does.

The first fault is the first in time: the decoupled units of a queue machine run ahead of
each other, so a younger command on one unit can fault while an older one that would fault
too is still running on another (the functional model names the older one); a single
faulting command is named identically by both.

    0            no site recorded (a fault the generator has no site for: an FSM in an
                 undefined state, which the HLS never produces)
    DECODE_SITE  a command or instruction word that decodes to no instruction
    FETCH_SITE   processors: an instruction fetch outside the fetch memory
    3, 4, ...    the checks of the FSMD (spec asserts and the bounds checks the HLS adds), in
                 state order, then in each state's check order; checks that always hold have none
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from hls import fsmd
from spec import ir
from spec.errors import Loc

NO_SITE, DECODE_SITE, FETCH_SITE = 0, 1, 2
FIRST_CHECK_SITE = 3

_BOUNDS = re.compile(r"index of '[^']*' out of range")     # hls.schedule's bounds checks


@dataclass(frozen=True)
class FaultSite:
    id: int
    state: int                # FSMD state id whose check it is
    instruction: str
    cond: ir.Expr             # u1: the check holds
    message: str              # the assert's text (for bounds checks: what the HLS says)
    loc: Loc

    @property
    def kind(self) -> str:
        """'bounds' for the bounds checks the HLS adds before an indexed access, else 'assert'."""
        return "bounds" if _BOUNDS.fullmatch(self.message) else "assert"


def fault_sites(m: fsmd.Fsmd) -> list[FaultSite]:
    out = []
    for s in m.states:
        for c in s.checks:
            if isinstance(c.cond, ir.Const) and c.cond.value:
                continue
            out.append(FaultSite(FIRST_CHECK_SITE + len(out), s.id, s.instruction, c.cond, c.message, c.loc))
    return out


def site_bits(m: fsmd.Fsmd) -> int:
    """Width of the fault-site register."""
    return (FIRST_CHECK_SITE + len(fault_sites(m)) - 1).bit_length()


def manifest_sites(m: fsmd.Fsmd) -> list[dict]:
    """The sites as the manifest lists them (JSON; `rtlgen.manifest` names the file by its base
    name). `RtlEngine` takes the full `Loc` from the FSMD itself."""
    return [{"site": s.id, "kind": s.kind, "instruction": s.instruction, "message": s.message,
             "path": s.loc.path, "line": s.loc.line, "col": s.loc.col} for s in fault_sites(m)]


def fault_text(site: FaultSite) -> str:
    """The functional model's wording of a failed check: 'NAME: assertion failed: TEXT' (a
    bounds check: 'NAME: index of 'mem' out of range')."""
    what = site.message if site.kind == "bounds" else f"assertion failed: {site.message}"
    return f"{site.instruction}: {what}"
