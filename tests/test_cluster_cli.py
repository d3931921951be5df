"""`dcsim cluster`: JSON keys, the trace file, --network override, errors with line:col."""
import json
from pathlib import Path

import pytest

from cosim.cli import main

CLUSTERS = Path(__file__).resolve().parent.parent / "hw" / "clusters" / "jobs"


def run_json(capsys, *args):
    assert main(["cluster", *map(str, args), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_json_has_the_promised_keys(capsys):
    out = run_json(capsys, CLUSTERS / "dp_switch8.yaml")
    for key in ("step_time_s", "compute_s", "comm_s", "exposed_comm_s", "nodes", "events",
                "seconds", "collectives"):
        assert key in out
    assert out["nodes"] == 8 and out["step_time_s"] > out["compute_s"] > 0
    assert out["step_time_s"] == pytest.approx(out["compute_s"] + out["exposed_comm_s"])
    assert out["collectives"][0]["busbw_Bps"] > out["collectives"][0]["algbw_Bps"]


def test_network_override_and_trace(capsys, tmp_path):
    trace = tmp_path / "t.json"
    flow = run_json(capsys, CLUSTERS / "pipeline_ring8.yaml", "--network", "flow",
                    "--trace", trace)
    const = run_json(capsys, CLUSTERS / "pipeline_ring8.yaml", "--network", "constant")
    assert flow["model"] == "flow" and const["model"] == "packet"
    assert flow["step_time_s"] == pytest.approx(const["step_time_s"], rel=0.01)
    events = json.loads(trace.read_text())["traceEvents"]
    assert {e["pid"] for e in events if e["ph"] == "X"} == set(range(8))


def test_human_output(capsys):
    assert main(["cluster", str(CLUSTERS / "chakra_dp4.yaml")]) == 0
    out = capsys.readouterr().out
    assert "exposed communication" in out and "busbw" in out


BAD = [
    ("network: switch8.yaml\njob:\n  kind: data_parallel\n  bucket: 25 parsecs\n"
     "  layers: [{forward: 1 ms, grad_bytes: 1 MiB}]\n", 4, 11, "unknown unit"),
    ("network: switch8.yaml\njob:\n  kind: pipeline\n  stages: 3\n  stage: 1 ms\n"
     "  micro_batches: 2\n  activation_bytes: 1 MiB\n  colour: red\n", 8, 3, "unknown key"),
    ("network: nowhere.yaml\njob: {kind: pipeline}\n", 1, 10, "not found"),
    ("network: switch8.yaml\njob:\n  kind: data_parallel\n  layers:\n"
     "    - {forward: {gemm: [64, 64, 64]}}\n", 5, 24, "needs a compute model"),
    ("network: switch8.yaml\njob:\n  kind: data_parallel\n  layers: [{forward: 1 ms}]\n",
     4, 12, "missing 'grad_bytes'"),
    ("network: switch8.yaml\njob:\n  kind: tensor_parallel\n  group_size: 3\n", 4, 15,
     "do not split"),
    ("network: switch8.yaml\njob:\n  kind: chakra\n  trace: missing.json\n", 4, 10,
     "not found"),
    ("network: switch8.yaml\njob: [1, 2\n", 3, 1, "not valid YAML"),
]


@pytest.mark.parametrize("text,line,col,message", BAD)
def test_bad_config_blames_line_and_column(capsys, tmp_path, text, line, col, message):
    path = tmp_path / "bad.yaml"
    (tmp_path / "switch8.yaml").write_text((CLUSTERS.parent / "switch8.yaml").read_text())
    path.write_text(text)
    assert main(["cluster", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{path}:{line}:{col}: error:"), err
    assert message in err and "Traceback" not in err
