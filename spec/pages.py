"""Pages of large state elements: the unit in which states move and are compared.

The compiled functional model records which pages of an element its instructions write
(`fastforward.dirty`), the generated RTL records the same in simulation
(`rtlgen.written`), and sampled co-simulation moves and compares states by these pages
(`cosim.delta`). One rule says which elements are large enough for that to pay.
"""
from __future__ import annotations

import numpy as np

from . import ir
from .types import numpy_dtype_name

PAGE = 4096                       # bytes per page
MIN_BYTES = 64 * 1024             # smaller elements are moved whole


def itemsize(element: ir.StateElement) -> int:
    """Bytes per element (of a state element, or anything with its `type` and `size`: an HLS memory)."""
    return np.dtype(numpy_dtype_name(element.type)).itemsize


def paged_size(nbytes: int) -> bool:
    """Whether an element of `nbytes` bytes is tracked and moved by pages."""
    return nbytes > MIN_BYTES and nbytes % PAGE == 0


def is_tracked(element: ir.StateElement) -> bool:
    return paged_size(element.size * itemsize(element))


def tracked(machine: ir.Machine) -> tuple:
    """The state elements whose written pages the compiled model records."""
    return tuple(s for s in machine.state if is_tracked(s))


def page_shift(element: ir.StateElement) -> int:
    """Element index >> page_shift = page number (PAGE / itemsize elements per page)."""
    return (PAGE // itemsize(element)).bit_length() - 1


def pages(element: ir.StateElement) -> int:
    return element.size * itemsize(element) // PAGE
