"""The test catalogue: small machines every backend runs. Here: the Python reference."""
from pathlib import Path

import numpy as np
import pytest

from fastforward import Program, Simulator
from spec import load_machine

CATALOGUE = Path(__file__).parent / "catalogue"


@pytest.mark.parametrize("path", sorted(CATALOGUE.glob("*.yaml")), ids=lambda p: p.stem)
def test_catalogue_machine_loads(path):
    machine = load_machine(path)
    assert machine.instructions


def test_counter_wraps_and_branches():
    m = load_machine(CATALOGUE / "counter.yaml")
    sim = Simulator(m)
    sim.push(Program(m).set(n=0xFFF).add(n=0xFFF).double_if_odd().words)   # 0x1FFE even: unchanged
    sim.run()
    assert int(sim.state["count"]) == 0x1FFE
    sim.push(Program(m).set(n=0xFFF).add(n=0xFFF).add(n=0xFFF).add(n=0xFFF).add(n=0xFFF).words)
    sim.run()
    assert int(sim.state["count"]) == (5 * 0xFFF) & 0xFFFF
    sim.push(Program(m).set(n=3).double_if_odd().words)
    sim.run()
    assert int(sim.state["count"]) == 6


def test_vadd_saturates_and_flags():
    m = load_machine(CATALOGUE / "vadd.yaml")
    sim = Simulator(m)
    p = Program(m).vsplat(dst=0, imm=30000).vsplat(dst=1, imm=5000)
    sim.push(p.vadd(dst=2, a=0, b=1, sat=1).vadd(dst=3, a=0, b=1, sat=0).words)
    sim.run()
    assert (sim.state["vec"][2] == 32767).all()
    assert (sim.state["vec"][3] == np.int16(-30536)).all()          # wraps without saturation
    assert int(sim.state["flags"]) == 0                              # last VADD did not saturate


def test_dsp_fir_matches_numpy():
    m = load_machine(CATALOGUE / "dsp.yaml")
    rng = np.random.default_rng(0)
    coef, x = rng.integers(-128, 128, 8), rng.integers(-128, 128, 64)
    p = Program(m)
    for i, c in enumerate(coef):
        p.setc(idx=i, value=int(c))
    for i, v in enumerate(x):
        p.setx(idx=i, value=int(v))
    sim = Simulator(m)
    sim.push(p.fir(idx=0, n=64).words)
    sim.run()
    assert np.array_equal(sim.state["y"], np.convolve(x, coef)[:64])
