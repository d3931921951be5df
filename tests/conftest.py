import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HW = ROOT / "hw"


@pytest.fixture(scope="session", autouse=True)
def _session_cache(tmp_path_factory):
    """Tests never read or write the user's truth and kernel caches: DCSIM_CACHE points at a
    folder of this session whose `rtl/` and `c/` link to the real build caches (content-
    addressed Verilator and C builds: reusing them keeps the suite fast, and an entry there
    is the same whoever builds it). Tests that need an empty build cache set their own."""
    from tests.sampling_cache import linked_cache
    mine = linked_cache(tmp_path_factory.mktemp("dcsim-cache"))
    before = os.environ.get("DCSIM_CACHE")
    os.environ["DCSIM_CACHE"] = str(mine)
    yield mine
    if before is None:
        os.environ.pop("DCSIM_CACHE", None)
    else:
        os.environ["DCSIM_CACHE"] = before


@pytest.fixture(scope="session")
def npu():
    from spec import load_machine
    return load_machine(HW / "npu.yaml")


@pytest.fixture(scope="session")
def small_npu():
    """The NPU with small memories, for fast tests."""
    from spec import load_machine
    return load_machine(HW / "npu.yaml", {"DIM": 4, "SP_ROWS": 64, "ACC_ROWS": 32, "DRAM_BYTES": 4096})


def pytest_collection_modifyitems(config, items):
    if shutil.which("riscv64-unknown-elf-gcc") is None:
        skip = pytest.mark.skip(reason="riscv64-unknown-elf-gcc is not installed (.ci/run installs it)")
        for item in items:
            if "riscv_gcc" in item.keywords:
                item.add_marker(skip)
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        skip = pytest.mark.skip(reason="no C compiler")
        for item in items:
            if "cc" in item.keywords:
                item.add_marker(skip)


# DCSIM_REQUIRE=verilator,cc,riscv_gcc (set by .ci/run): a test of a required tier that skips
# fails the run, so that a missing dependency cannot leave CI green with its tier unrun.
REQUIRED = {m for m in os.environ.get("DCSIM_REQUIRE", "").split(",") if m}
_SKIPPED_REQUIRED: list = []


def pytest_runtest_logreport(report):
    if report.skipped and REQUIRED & set(report.keywords):
        _SKIPPED_REQUIRED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if _SKIPPED_REQUIRED:
        print(f"\n{len(_SKIPPED_REQUIRED)} tests of a required tier ({', '.join(sorted(REQUIRED))}) skipped, "
              f"first {_SKIPPED_REQUIRED[0]}: install what they need (see .ci/run)")
        session.exitstatus = 1


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite golden files from current output")


@pytest.fixture
def golden(request):
    """golden(name, text): compare `text` with tests/golden/<name>, or rewrite it with --update-golden."""
    def check(name: str, text: str):
        path = Path(__file__).parent / "golden" / name
        if request.config.getoption("--update-golden"):
            path.parent.mkdir(exist_ok=True)
            path.write_text(text)
            return
        assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
        assert text == path.read_text(), f"{name} differs from its golden file; review, then run pytest --update-golden"
    return check
