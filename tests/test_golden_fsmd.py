"""The scheduled FSMD of the bundled machines (what each instruction becomes in hardware),
compared with reviewed golden text; `pytest --update-golden` rewrites tests/golden/<machine>.fsmd."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hls import schedule_machine
from hls.printer import format_fsmd, format_schedule
from spec import load_machine

HERE = Path(__file__).parent
MACHINES = [HERE.parent / "hw" / "npu.yaml", HERE.parent / "hw" / "rv32i.yaml"] + sorted((HERE / "catalogue").glob("*.yaml"))


@pytest.mark.parametrize("path", MACHINES, ids=lambda p: p.stem)
def test_fsmd_matches_golden(path, golden):
    text = format_fsmd(schedule_machine(load_machine(path)))
    assert str(path.parent) not in text            # positions print with the file's base name only
    golden(f"{path.stem}.fsmd", text)


def test_schedule_is_the_instructions_section_of_the_machine():
    m = schedule_machine(load_machine(HERE.parent / "hw" / "npu.yaml"))
    text = format_schedule(m, "COMPUTE")
    assert text.startswith("instruction COMPUTE: unit execute")
    assert "\n" + text in format_fsmd(m)
    with pytest.raises(KeyError, match="COMPUTE"):
        format_schedule(m, "NOPE")


def test_output_does_not_depend_on_hash_seeds():
    """Nothing is printed in set or hash order: two interpreters with different seeds agree."""
    code = ("import sys; from spec import load_machine; from hls import schedule_machine; "
            "from hls.printer import format_fsmd; "
            "sys.stdout.write(''.join(format_fsmd(schedule_machine(load_machine(p))) for p in sys.argv[1:]))")
    paths = [str(p) for p in MACHINES]
    outs = [subprocess.run([sys.executable, "-c", code, *paths], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert outs[0] == outs[1] and outs[0]
