"""Units of a system program measured on the system's RTL from a correspondence point
(cosim/system_sample.py): the correspondence points found from the functional model's
doorbell/WAIT record, and the exactness of a unit measured from an injected state against
the same instructions in a run from reset."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from cosim.kit import system_kit_command
from cosim.system_sample import correspondence_point, measure_unit
from riscv_tools import GCC, run_riscv_gcc
from rtlgen.verilator import find_verilator
from spec.system import load_system

ROOT = Path(__file__).resolve().parent.parent
SOC = ROOT / "hw" / "soc.yaml"
KIT = ROOT / "hw" / "sdk" / "soc"


@settings(max_examples=200, deadline=None)
@given(events=st.lists(st.tuples(st.integers(1, 10_000), st.booleans()), max_size=30, unique_by=lambda e: e[0]),
       index=st.integers(0, 10_001))
def test_the_correspondence_point_is_the_latest_instant_with_the_accelerator_idle(events, index):
    doorbells = sorted(t for t, is_wait in events if not is_wait)
    waits = sorted(t for t, is_wait in events if is_wait)
    p = correspondence_point(doorbells, waits, index)
    # the accelerator is idle at p: every doorbell at or before p is followed by a WAIT at or before p
    assert p <= index
    assert all(any(d <= w <= p for w in waits) for d in doorbells if d <= p)
    # and no later instant up to index is (p is the latest)
    for q in range(p + 1, index + 1):
        assert not all(any(d <= w <= q for w in waits) for d in doorbells if d <= q)


@pytest.mark.verilator
@pytest.mark.riscv_gcc
@pytest.mark.skipif(find_verilator() is None or GCC is None, reason="needs Verilator and riscv64-unknown-elf-gcc")
def test_a_unit_from_a_correspondence_point_costs_what_it_costs_in_the_full_run(tmp_path):
    from cosim.system_rtl import SystemRtl, reference_run
    soc = load_system(SOC)
    info = system_kit_command(soc, [str(KIT / "gemm.c")], str(tmp_path / "g.elf"), relative=False,
                              cflags=["-DM=32", "-DK=32", "-DN=32", "-DCHECK=1"])
    run_riscv_gcc(info["command"][1:], tmp_path)
    elf = tmp_path / "g.elf"
    sim, _ = reference_run(soc, elf)
    events = (sim.doorbell_at, sim.wait_at)
    assert events[0] and events[1]
    first, wait = events[0][0], events[1][0]
    # units: host-only, across the first doorbell (the NPU busy at the unit's end), inside the
    # busy phase (the detailed run starts before the burst), across the WAIT, after it
    marks = sorted({0, first - 500, first + 30, first + 2000, wait - 100, wait + 100, sim.retired - 50})
    rtl = SystemRtl(soc)
    rtl.begin(elf)
    full = {0: rtl.counters()}
    for m in marks[1:]:
        rtl.advance(m)
        full[m] = rtl.counters()
    rtl.end()
    points = []
    for a, b in zip(marks, marks[1:]):
        r = measure_unit(rtl, soc, elf, a, b, events)
        points.append(r.point)
        assert r.state_ok, r.differences
        assert r.cycles == full[b]["cycles"] - full[a]["cycles"]
        assert r.npu_busy_cycles == full[b]["npu_busy_cycles"] - full[a]["npu_busy_cycles"]
        assert r.host_busy_cycles == full[b]["host_busy_cycles"] - full[a]["host_busy_cycles"]
        assert 0 <= r.overlapped_cycles <= r.host_busy_cycles
    assert first - 1 in points                      # units in the busy phase warm up from before the burst
