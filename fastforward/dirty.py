"""Which pages of a large state element instructions have written since a reference point.

Sampled co-simulation moves whole architectural states many times per campaign: the
fast-forward hands each sample its state as pages that differ from the workload's
initial state, and a worker restores its reference model and its RTL to that state
before every sample. With a 16 MiB DRAM, finding those pages by comparing arrays costs
~2 ms per move, more than the RTL's own warm-up on short units. The compiled functional
model instead marks, for every *tracked* element (large enough that moving it by pages
pays: more than MIN_BYTES, a whole number of PAGE-byte pages), the page each write lands
in: one byte store per write into a map of one byte per page (`CSimulator.changed_pages`).

Only instructions mark pages. Whatever writes the state arrays from Python (restoring a
snapshot, a host call servicing an env_call, a test poking `state`) makes the map unknown
until the next `CSimulator.clean()`, and `changed_pages` then reports every page.
"""
from __future__ import annotations

from spec.pages import MIN_BYTES, PAGE, is_tracked, itemsize, page_shift, pages, tracked   # noqa: F401 (this module's API)
