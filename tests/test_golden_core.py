"""The generated processor core (hw/rv32i.yaml) as Verilog text, reviewed like the queue
machines' in test_hls.py; `pytest --update-golden` rewrites tests/golden/rv32i.v."""
from pathlib import Path

from rtlgen.engine import generate_artifacts
from spec import load_machine

ROOT = Path(__file__).resolve().parent.parent


def test_core_verilog_matches_its_golden_file(golden):
    text = generate_artifacts(load_machine(ROOT / "hw" / "rv32i.yaml")).verilog
    golden("rv32i.v", text.replace(str(ROOT) + "/", ""))
