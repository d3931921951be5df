"""`dcsim run` with checkpoints, restore, signatures and the default backend (subprocesses)."""
import json
import shutil

import numpy as np
import pytest

from conftest import HW
from riscv_tools import SRC, kit_flags, run_riscv_gcc
from test_cli import dcsim

pytestmark = pytest.mark.cc
SMALL = ["-D", "DIM=4", "-D", "SP_ROWS=256", "-D", "ACC_ROWS=64", "-D", "DRAM_BYTES=65536"]
GEMM = "gemm:16,16,16"


def run_json(*args):
    r = dcsim("run", *args, "--json")
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_default_backend_is_c_when_a_compiler_exists():
    out = run_json(str(HW / "npu.yaml"), *SMALL, "--workload", GEMM)
    assert out["backend"] == "c" and out["verified"] is True


def test_without_a_compiler_the_default_is_python_with_a_notice(tmp_path, monkeypatch):
    monkeypatch.setenv("CC", "no-such-cc")
    r = dcsim("run", str(HW / "npu.yaml"), *SMALL, "--workload", GEMM, "--json")
    assert r.returncode == 0 and json.loads(r.stdout)["backend"] == "py"
    assert r.stderr.strip().startswith("notice: using the Python backend")


@pytest.mark.parametrize("first, second", [("c", "py"), ("py", "c")])
def test_workload_checkpoint_restores_and_verifies(tmp_path, first, second):
    ckpt = tmp_path / "g.ckpt"
    full = run_json(str(HW / "npu.yaml"), *SMALL, "--workload", GEMM, "--backend", first,
                    "--checkpoint-at", "40", "--checkpoint-out", str(ckpt))
    assert full["verified"] and full["checkpoint"]["at"] == 40 and ckpt.exists()
    # no -D and no --workload: both come from the checkpoint, and the result is still verified
    resumed = run_json(str(HW / "npu.yaml"), "--restore", str(ckpt), "--backend", second)
    assert resumed["restored_at"] == 40 and resumed["verified"] is True
    assert resumed["instructions"] == full["instructions"] and resumed["counts"] == full["counts"]
    again = run_json(str(HW / "npu.yaml"), *SMALL, "--restore", str(ckpt), "--workload", GEMM)
    assert again["verified"] is True


def test_restore_with_another_workload_is_refused(tmp_path):
    ckpt = tmp_path / "g.ckpt"
    run_json(str(HW / "npu.yaml"), *SMALL, "--workload", GEMM, "--checkpoint-at", "10", "--checkpoint-out",
             str(ckpt), "--max-instructions", "10")
    r = dcsim("run", str(HW / "npu.yaml"), "--restore", str(ckpt), "--workload", "gemm:8,8,8")
    assert r.returncode == 2 and f"{ckpt}: error: the checkpoint ran workload {GEMM}" in r.stderr


def test_max_instructions_with_checkpoint_stops_there(tmp_path):
    ckpt = tmp_path / "g.ckpt"
    out = run_json(str(HW / "npu.yaml"), *SMALL, "--workload", GEMM, "--checkpoint-at", "25",
                   "--checkpoint-out", str(ckpt), "--max-instructions", "25")
    assert out["instructions"] == 25 and out["verified"] is None


def test_checkpoint_past_the_end_is_an_error(tmp_path):
    r = dcsim("run", str(HW / "npu.yaml"), *SMALL, "--workload", GEMM, "--checkpoint-at", "10000000",
              "--checkpoint-out", str(tmp_path / "x.ckpt"))
    assert r.returncode == 2 and "before --checkpoint-at" in r.stderr and "Traceback" not in r.stderr


def test_corrupted_and_foreign_checkpoints_are_clear_errors(tmp_path):
    ckpt = tmp_path / "g.ckpt"
    run_json(str(HW / "npu.yaml"), *SMALL, "--workload", GEMM, "--checkpoint-at", "10", "--checkpoint-out", str(ckpt))
    data = bytearray(ckpt.read_bytes())
    data[-3] ^= 0xFF
    bad = tmp_path / "bad.ckpt"
    bad.write_bytes(bytes(data))
    r = dcsim("run", str(HW / "npu.yaml"), "--restore", str(bad))
    assert r.returncode == 2 and r.stderr.startswith(f"{bad}: error: corrupted checkpoint")
    r = dcsim("run", str(HW / "rv32i.yaml"), "--restore", str(ckpt))
    assert r.returncode == 2 and "checkpoint of machine 'npu', not 'rv32i'" in r.stderr
    assert "Traceback" not in r.stderr


def test_signatures_json_and_npz(tmp_path):
    for name in ("s.json", "s.npz"):
        out = run_json(str(HW / "npu.yaml"), *SMALL, "--workload", GEMM, "--signature-interval", "16",
                       "--signature-out", str(tmp_path / name))
        assert out["signatures"]["intervals"] == out["instructions"] // 16
    sig = json.loads((tmp_path / "s.json").read_text())
    z = np.load(tmp_path / "s.npz")
    assert sig["counts"] == z["counts"].tolist() and sig["kinds"] == list(z["kinds"])
    assert all(sum(row) == 16 for row in sig["counts"])


def test_flags_that_go_together():
    r = dcsim("run", str(HW / "npu.yaml"), "--workload", GEMM, "--checkpoint-at", "5")
    assert r.returncode == 2 and "go together" in r.stderr
    r = dcsim("run", str(HW / "npu.yaml"))
    assert r.returncode == 2 and "--restore CHECKPOINT" in r.stderr


@pytest.mark.riscv_gcc
@pytest.mark.skipif(shutil.which("riscv64-unknown-elf-gcc") is None, reason="no riscv64-unknown-elf-gcc")
def test_program_checkpoint_keeps_its_output(tmp_path):
    elf = tmp_path / "fib.elf"
    run_riscv_gcc([*kit_flags(), SRC / "runtime.c", SRC / "fib.c", "-lgcc", "-o", elf], tmp_path)
    ckpt = tmp_path / "fib.ckpt"
    full = dcsim("run", str(HW / "rv32i.yaml"), "--program", str(elf), "--json", "--checkpoint-at", "3000",
                 "--checkpoint-out", str(ckpt), "--signature-interval", "1000", "--signature-bbv", "64",
                 "--signature-out", str(tmp_path / "s.npz"))
    resumed = dcsim("run", str(HW / "rv32i.yaml"), "--restore", str(ckpt), "--json", "--backend", "py")
    a, b = json.loads(full.stdout), json.loads(resumed.stdout)
    assert a["halted"] and a["stdout"].startswith("fibonacci") and b["stdout"] == a["stdout"]
    assert (b["exit_code"], b["instructions"], b["counts"]) == (a["exit_code"], a["instructions"], a["counts"])
    assert np.load(tmp_path / "s.npz")["bbv"].sum(axis=1).tolist() == [1000] * (a["instructions"] // 1000)
