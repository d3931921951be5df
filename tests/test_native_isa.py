"""The RV32I instruction tests (tests/test_rv32i_isa.py, rv32ui-style: one instruction's
semantics per test, faults, env calls and HTIF tohost) run again on the native backend."""
from __future__ import annotations

import pytest

import test_rv32i_isa
from fastforward.native import NativeSimulator
from test_rv32i_isa import *  # noqa: F401,F403  (the tests and their fixtures, collected here again)

pytestmark = pytest.mark.cc


@pytest.fixture(autouse=True)
def _native(monkeypatch):
    """The tests build `Simulator(machine)`: make that the native backend's simulator."""
    monkeypatch.setattr(test_rv32i_isa, "Simulator", NativeSimulator)


def test_the_tests_run_translated_code(machine, asm):
    run = test_rv32i_isa.Run(machine, asm, "addi x5, x0, 7\naddi x6, x5, 1")
    assert isinstance(run.sim, NativeSimulator) and run.sim.translated_blocks > 0
    assert run.x(6) == 8
