"""A small budget of the input mutation fuzzer (benchmarks/fuzz_inputs.py): mutants of the
bundled machine files, programs, checkpoints and cluster files are accepted or rejected
with a clean error, never a traceback or a hang. The full budget:
`python benchmarks/fuzz_inputs.py --mutants 200`."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from fuzz_inputs import KINDS, fuzz  # noqa: E402


@pytest.mark.parametrize("kind", KINDS)
def test_mutants_end_accepted_or_as_clean_errors(kind):
    out = fuzz((kind,), mutants=25, seed=7)
    counts = out["counts"][kind]
    assert sum(counts.values()) == 25 and counts["clean"] > 0, counts
    assert not out["bugs"], out["bugs"][:5]
