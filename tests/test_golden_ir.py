"""The typed Spec IR of the bundled machines, compared with reviewed golden text."""
from pathlib import Path

import pytest

from spec import load_machine
from spec.printer import format_machine
from spec.verify import verify_machine

HERE = Path(__file__).parent
MACHINES = [HERE.parent / "hw" / "npu.yaml", HERE.parent / "hw" / "rv32i.yaml"] + sorted((HERE / "catalogue").glob("*.yaml"))


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.stem)
def test_typed_ir_matches_golden(path, golden):
    machine = load_machine(path)
    verify_machine(machine)
    golden(f"{path.stem}.ir", format_machine(machine).replace(str(path), path.name))
