"""Real RV32I programs (riscv64-unknown-elf-gcc) on the C backend against the Python
reference: same final state, stdout, exit code and counters; and a checkpoint written
mid-program by C finishes identically in Python."""
from __future__ import annotations

import numpy as np
import pytest

from fastforward import CSimulator, Simulator, load_checkpoint, save_checkpoint
from fastforward.riscv import attach_host, load_elf, rv32i_machine
from test_rv32i_programs import PROGRAMS, build, machine  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.riscv_gcc, pytest.mark.cc]


def start(backend, machine, elf):
    sim = backend(machine)
    return sim, attach_host(sim, load_elf(sim, elf))


def assert_same(a, b):
    for name in a.state:
        np.testing.assert_array_equal(a.state[name], b.state[name], err_msg=name)
    assert (a.retired, a.halted, a.exit_code) == (b.retired, b.halted, b.exit_code)
    np.testing.assert_array_equal(a.counts, b.counts)


@pytest.mark.parametrize("name", PROGRAMS)
def test_program_matches_reference(build, machine, name):  # noqa: F811
    (py, py_host), (c, c_host) = start(Simulator, machine, build[name]), start(CSimulator, machine, build[name])
    py.run(2_000_000)
    c.run(2_000_000)
    assert c.halted and c_host.stdout and c_host.stdout == py_host.stdout
    assert_same(py, c)


@pytest.mark.parametrize("name", ["sort", "crc"])
def test_checkpoint_from_c_finishes_in_python(build, machine, name, tmp_path):  # noqa: F811
    c, c_host = start(CSimulator, machine, build[name])
    c.run(5_000)
    path = save_checkpoint(c, tmp_path / f"{name}.ckpt")
    py = load_checkpoint(rv32i_machine(), path)
    py_host = attach_host(py)
    py_host._out[1] += c_host.stdout
    c.run()
    py.run()
    assert c.halted and py_host.stdout == c_host.stdout
    assert_same(py, c)
