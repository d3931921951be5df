"""Generation is deterministic: the Verilog, C++ shim and correspondence manifest of every
bundled and catalogue machine are byte-identical across Python hash seeds and across
spellings of the machine file's path (relative or absolute), so two runs give one design
and hit the same Verilator build cache entry."""
import os
import subprocess
import sys
from pathlib import Path

from spec.system import is_system_file

ROOT = Path(__file__).resolve().parent.parent
MACHINES = [p for p in sorted((ROOT / "hw").glob("*.yaml")) + sorted((ROOT / "tests" / "catalogue").glob("*.yaml"))
            if not is_system_file(p)]          # a system file (hw/soc.yaml) is generated part by part

# One interpreter generates every machine given on its command line and prints, per machine,
# the sha256 of its Verilog, shim and manifest (as written to disk).
_CODE = """\
import hashlib, sys
from rtlgen.engine import generate_artifacts
from rtlgen.manifest import dumps
from spec import load_machine
for path in sys.argv[1:]:
    art = generate_artifacts(load_machine(path))
    digest = lambda text: hashlib.sha256(text.encode()).hexdigest()
    print(path.rsplit('/', 1)[-1], digest(art.verilog), digest(art.shim), digest(dumps(art.manifest)))
"""


def _hashes(paths: list, seed: str, cwd: Path) -> list:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    env.pop("DCSIM_DUMP", None)
    out = subprocess.run([sys.executable, "-c", _CODE, *map(str, paths)], capture_output=True, text=True,
                         cwd=cwd, env=env)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == len(paths)
    return lines


def test_machines_are_bundled_and_catalogued():
    names = {p.stem for p in MACHINES}
    assert {"npu", "rv32i", "counter", "ifconv"} <= names


def test_artifacts_do_not_depend_on_hash_seed_or_path_spelling():
    relative = [p.relative_to(ROOT) for p in MACHINES]
    runs = {f"seed {seed}": _hashes(relative, seed, ROOT) for seed in ("0", "1", "2")}
    runs["absolute paths"] = _hashes(MACHINES, "0", ROOT)
    runs["from tests/"] = _hashes([Path("..") / p for p in relative], "3", ROOT / "tests")
    first = runs["seed 0"]
    for what, lines in runs.items():
        for want, got in zip(first, lines):
            assert got == want, f"{what}: {got.split()[0]} differs from seed 0 (verilog, shim, manifest sha256)"
