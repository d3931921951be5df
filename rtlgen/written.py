"""Written-page maps: which pages of a large memory the RTL has written, for simulation only.

A sample checks the RTL's state against the reference model's after every unit. On the NPU
that check was a memcmp of the whole 16 MiB DRAM, 2.5-3.8 ms of a 14-20 ms sample, although
a unit writes a few dozen pages. The functional model already records the pages its
instructions write (`fastforward.dirty`); this gives the RTL the same record, so that the
check compares only the pages either side wrote since both were made equal
(`RtlEngine.clean` / `RtlEngine.changed_pages`): any difference the RTL can make lands in a
page it wrote, and any the reference makes in a page the reference wrote.

For every memory the functional model tracks (`spec.pages.is_tracked`: more than
MIN_BYTES, whole PAGE-byte pages) the generated top declares, inside `ifdef VERILATOR`, one
bit per page, `<memory>_written`, and every write to the memory also sets its page's bit.
The map is never read by the design, is not reset by `rst` (the shim clears it), and is not
there when another tool reads the Verilog: synthesis sees the machine alone. Verilator
defines VERILATOR itself, so `verilator --lint-only -Wall` checks the map's code too.
"""
from __future__ import annotations

from hls import fsmd
from spec import ir, pages
from spec.pages import PAGE

GUARD = "VERILATOR"


def page_shift(x: fsmd.Memory) -> int | None:
    """log2 of elements per PAGE-byte page if memory `x` gets a written-page map, else None
    (the rule of `spec.pages.is_tracked`, on the memory's own size and type)."""
    return pages.page_shift(x) if pages.is_tracked(x) else None


def map_name(x: fsmd.Memory) -> str:
    return f"{x.name}_written"


def mapped(m: fsmd.Fsmd) -> dict:
    """Memory name -> (its memory, page shift) for the memories that get a map."""
    out = {}
    for x in m.memories:
        shift = page_shift(x)
        if shift is not None:
            out[x.name] = (x, shift)
    return out


def map_entries(x: fsmd.Memory, shift: int) -> int:
    """Bits in `x`'s map: every page its index can reach (a power of two, so that the page
    number is a plain part-select of the index)."""
    return 1 << max(0, x.index_width - shift)


def declarations(m: fsmd.Fsmd) -> list[str]:
    maps = mapped(m)
    if not maps:
        return []
    out = [f"`ifdef {GUARD}   // simulation only (rtlgen.written): pages written since the shim cleared the map"]
    for x, shift in maps.values():
        out.append(f"    reg {map_name(x)} [0:{map_entries(x, shift) - 1}] /*verilator public*/;"
                   f"   // one bit per {PAGE}-byte page of {x.name}")
    return out + ["`endif"]


def marks(m: fsmd.Fsmd, writes, dp, ind: str) -> list[str]:
    """The lines that set the map bits of `writes` (a state's memory writes), guarded as the
    writes are; [] when none of them writes a mapped memory."""
    maps = mapped(m)
    out = []
    for w in writes:
        if w.mem not in maps or (isinstance(w.guard, ir.Const) and not w.guard.value):
            continue
        x, shift = maps[w.mem]
        page = _page(w.index, x, shift, dp)
        mark = f"{map_name(x)}[{page}] <= 1'b1;"
        out.append(f"{ind}{mark}" if isinstance(w.guard, ir.Const) else f"{ind}if ({dp.any(w.guard)}) {mark}")
    return [f"`ifdef {GUARD}", *out, "`endif"] if out else []


def _page(index, x: fsmd.Memory, shift: int, dp) -> str:
    """The page number of element `index` of `x`, exactly index_width - shift bits wide."""
    bits = x.index_width - shift
    if isinstance(index, ir.Const):
        return f"{bits}'h{(index.value >> shift) & ((1 << bits) - 1):x}"
    name, width = dp.emit(index), index.type.width
    if width >= x.index_width:
        return f"{name}[{x.index_width - 1}:{shift}]"
    if width <= shift:
        return f"{bits}'h0"
    return f"{{{bits - (width - shift)}'h0, {name}[{width - 1}:{shift}]}}"


def manifest_entry(m: fsmd.Fsmd, memory: str) -> dict | None:
    """What the correspondence manifest says of `memory`'s map (None: it has none)."""
    found = mapped(m).get(memory)
    if found is None:
        return None
    x, shift = found
    return {"signal": map_name(x), "page_bytes": PAGE, "page_elements": 1 << shift,
            "pages": x.size >> shift, "entries": map_entries(x, shift), "guard": GUARD}
