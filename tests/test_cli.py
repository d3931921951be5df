"""The command line: exit codes, JSON output, errors without tracebacks."""
import json
import subprocess
import sys

from conftest import HW, ROOT


def dcsim(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "cosim.cli", *args], capture_output=True, text=True, cwd=cwd)


def test_check_json_lists_state_and_instructions():
    r = dcsim("check", str(HW / "npu.yaml"), "-D", "DIM=16", "--json")
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["ok"] and info["params"]["DIM"] == 16
    assert {s["name"]: s["shape"] for s in info["state"]}["w"] == [16, 16]
    assert "COMPUTE" in [i["name"] for i in info["instructions"]]


def test_malformed_file_gives_location_and_no_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("machine: m\nstate:\n  r: {reg: u8}\nqueue: {width: 8}\n"
                   "instructions:\n  A:\n    fields: {op: [7, 0]}\n    semantics: |\n      r = q + 1\n")
    r = dcsim("check", str(bad))
    assert r.returncode == 2
    assert r.stderr.startswith(f"{bad}:9:11: error: unknown name 'q'")
    assert "Traceback" not in r.stderr and "hint:" in r.stderr


def test_unknown_param_override_is_an_error():
    r = dcsim("check", "npu", "-D", "NOPE=1")
    assert r.returncode == 2 and "unknown parameter 'NOPE'" in r.stderr and "Traceback" not in r.stderr


def test_help_teaches_with_examples():
    for args in (["--help"], ["run", "--help"], ["check", "--help"], ["demo", "--help"]):
        r = dcsim(*args)
        assert r.returncode == 0 and "example" in r.stdout


def test_run_queue_program_from_assembly(tmp_path):
    prog = tmp_path / "p.s"
    prog.write_text("config_ld stride=8\nmvin rows=1, cols=8, row=0, addr=0\nfence\n")
    r = dcsim("run", "npu", "--program", str(prog), "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["instructions"] == 3 and out["counts"] == {"CONFIG_LD": 1, "MVIN": 1, "FENCE": 1}
    assert out["instructions_per_second"] > 0


def test_machine_fault_exit_code(tmp_path):
    prog = tmp_path / "p.s"
    prog.write_text("compute rows=9, accumulate=0, a_row=0, c_row=0\n")
    r = dcsim("run", "npu", "--program", str(prog))
    assert r.returncode == 3 and "assertion failed" in r.stderr and "Traceback" not in r.stderr


def test_exo_command_writes_module_or_points_at_construct(tmp_path):
    import pytest
    pytest.importorskip("exo")
    out = tmp_path / "npu_exo.py"
    r = dcsim("exo", "npu", "-o", str(out), "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["lines"] > 100 and "@instr" in out.read_text()
    r = dcsim("exo", str(ROOT / "tests" / "catalogue" / "counter.yaml"), "-o", str(tmp_path / "c.py"))
    # a command Exo cannot express becomes an opaque instr whose comment points at the construct
    assert r.returncode == 0 and "counter.yaml:15:10: error:" in (tmp_path / "c.py").read_text()
