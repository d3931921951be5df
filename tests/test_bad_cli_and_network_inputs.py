"""Bad user input ends as a clean error (exit 2, no traceback), a documented bound, or the
right answer: never a traceback, a hang or a silent wrong answer. One test per reproducer
of the reliability pass, plus the located-error corpus in tests/malformed_cluster/.

Command-line tests call `cosim.cli.main.main` in-process (what the `dcsim` script runs)
so that they stay fast; one test runs the real script to see that no traceback escapes.
"""
from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from cosim.cli.main import main
from network import load_cluster
from network.chakra import MAX_DURATION_US, parse_chakra
from network.cluster import simulate
from network.config import parse_network
from network.errors import NetworkConfigError, NetworkError
from network.flow import FlowModel
from network.job import MAX_TASKS
from network.jobfile import parse_cluster
from network.topology import MAX_BUILD_BYTES, MAX_ENDPOINTS, ring, switch, torus

ROOT = Path(__file__).resolve().parent.parent
CORPUS_DIR = ROOT / "tests" / "malformed_cluster"
SWITCH8 = (ROOT / "hw" / "clusters" / "switch8.yaml").as_posix()


def cli(capsys, *argv) -> tuple[int, str, str]:
    """(exit status, stdout, stderr) of `dcsim ARGV`, argparse's SystemExit included."""
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    return status, out.out, out.err


@contextmanager
def deadline(seconds: int):
    """Fail (instead of hanging the suite) if the body runs longer than `seconds`."""
    def expire(*_):
        raise TimeoutError(f"still running after {seconds} s: the event loop hangs")
    old = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def chakra_error(data, source="trace.json") -> str:
    with pytest.raises(NetworkError) as info:
        parse_chakra(data, source=source)
    return info.value.message


# ---------------------------------------------------------------- Chakra traces
def test_chakra_node_without_id_is_node_0_as_in_protobuf_json():
    """protobuf's JSON mapping omits zero fields: a node without 'id' is node 0 (it used
    to be an uncaught KeyError); two such nodes are a duplicate id, named by index."""
    job = parse_chakra({"nodes": [{"id": 1, "duration_micros": 2, "data_deps": [0]},
                                  {"name": "x", "duration_micros": 1}]})
    assert [t.name for t in job.tasks] == ["x", "COMP_NODE"]
    message = chakra_error({"nodes": [{"id": 1}, {"name": "x"}, {"name": "y"}]}, "t.json")
    assert message.startswith("t.json: rank 0 has two nodes with id 0 (nodes #1 and #2)")


def test_chakra_attr_as_a_string_names_the_node_id_and_file():
    message = chakra_error({"nodes": [{"id": 7, "attr": "comm_size=5"}]}, "t.json")
    assert message.startswith("t.json: rank 0 node 7: 'attr' must be")


@pytest.mark.parametrize("node", [{"id": "seven"}, {"id": 1, "data_deps": "2"},
                                  {"id": 1, "attr": [5]}, 3])
def test_other_malformed_chakra_nodes_are_errors(node):
    assert chakra_error({"nodes": [node]}, "t.json").startswith("t.json: rank 0 node")


@pytest.mark.parametrize("data", [[], {"nodes": []}, {"ranks": [{"rank": 0, "nodes": []}]}])
def test_an_empty_chakra_trace_is_an_error_not_step_time_zero(data):
    assert "no nodes" in chakra_error(data)


def test_negative_comm_size_is_rejected():
    node = {"id": 1, "type": "COMM_COLL_NODE",
            "attr": [{"name": "comm_size", "int64_val": -1048576}]}
    assert "comm_size" in chakra_error({"nodes": [node]})


@pytest.mark.parametrize("us", [float("inf"), float("nan"), -1.0, MAX_DURATION_US * 10, "soon"])
def test_non_finite_negative_or_absurd_durations_are_rejected(us):
    assert "duration_micros" in chakra_error({"nodes": [{"id": 1, "duration_micros": us}]})


def scaled_dp4(duration_us: float) -> dict:
    data = json.loads((ROOT / "hw" / "clusters" / "jobs" / "chakra_dp4.json").read_text())
    for rank in data["ranks"]:
        for node in rank["nodes"]:
            if "duration_micros" in node:
                node["duration_micros"] = duration_us
    return data


@pytest.mark.parametrize("duration_us", [1e8, 1e9, 2e9, 5e9, 1e10])
def test_long_kernels_do_not_hang_the_flow_model(duration_us):
    """Far from time 0, t + step rounds: a flow kept a sliver of bytes no time step could
    remove and the event loop spun forever (1e8..5e9 us hung with this trace)."""
    job = parse_chakra(scaled_dp4(duration_us))
    with deadline(30):
        result = simulate(job, switch(8, 450e9, 300e-9, 200e-9), FlowModel(4096.0), "messages")
    # four kernels on the critical path (forward, two backward halves, optimizer), the
    # communication is microseconds: the step is 4 x duration to 1 part in 1e6
    assert result.step_time == pytest.approx(4 * duration_us * 1e-6, rel=1e-6)


def test_a_lone_flow_far_from_time_zero_is_exact():
    from network.workload import Workload
    topo = switch(2, 450e9, 300e-9)
    w = Workload()
    first = w.send(0, 0, 0.0, duration=3.2e3)
    w.send(0, 1, 33554432.0, [first])
    w.send(1, 0, 16777216.0, [first])
    with deadline(30):
        run = FlowModel(4096.0).run(topo, w)
    assert run.finish[1] == pytest.approx(3.2e3 + 33554432.0 / 450e9, rel=1e-12, abs=1e-6)


# ---------------------------------------------------------------- size bounds
def test_a_huge_torus_is_refused_with_the_estimate_before_building():
    with pytest.raises(NetworkError) as info, deadline(10):
        torus([1000, 1000, 100], 50e9, 1e-6)
    message = info.value.message
    assert "100,000,000 endpoints" in message and "GiB" in message
    assert f"{MAX_ENDPOINTS:,} endpoints" in message and f"{MAX_BUILD_BYTES / 2**30:g} GiB" in message


def test_a_ten_million_node_ring_is_refused():
    with pytest.raises(NetworkError, match="limits are"), deadline(10):
        ring(10**7, 50e9, 1e-6)


def test_the_largest_allowed_size_is_not_refused_by_the_check():
    from network.topology import check_size
    check_size("ring", MAX_ENDPOINTS, 0, 2 * MAX_ENDPOINTS)


def test_torus_dims_whose_product_overflows_int64_are_refused():
    with pytest.raises(NetworkError, match="limits are"):
        torus([10**7, 10**7, 10**7], 50e9, 1e-6)


def test_repeat_of_a_hundred_million_layers_is_refused_at_its_line():
    text = (f"network: {SWITCH8}\njob:\n  kind: data_parallel\n  layers:\n"
            "    - {forward: 1 ms, grad_bytes: 1 MiB, repeat: 100000000}\n")
    with pytest.raises(NetworkConfigError) as info, deadline(10):
        parse_cluster(text, "job.yaml")
    assert (info.value.loc.line, info.value.loc.col) == (5, 50)
    assert f"the limit is {MAX_TASKS:,} tasks" in info.value.message


def test_a_pipeline_of_a_hundred_million_stages_is_refused():
    text = (f"network: {SWITCH8}\njob:\n  kind: pipeline\n  stages: 100000000\n"
            "  stage: 1 ms\n  activation_bytes: 1 MiB\n  micro_batches: 4\n")
    with pytest.raises(NetworkConfigError, match="tasks"), deadline(10):
        parse_cluster(text, "job.yaml")


# ---------------------------------------------------------------- duplicate YAML keys
def test_duplicate_keys_in_a_cluster_job_file_are_rejected():
    text = f"network: {SWITCH8}\njob:\n  kind: chakra\n  kind: data_parallel\n"
    with pytest.raises(NetworkConfigError) as info:
        parse_cluster(text, "job.yaml")
    assert (info.value.loc.line, info.value.loc.col) == (4, 3)
    assert info.value.message == "duplicate key 'kind'" and "job.yaml:3:3" in info.value.hint


def test_duplicate_keys_in_a_network_file_are_rejected():
    text = ("network:\n  topology:\n    kind: ring\n    nodes: 8\n    nodes: 16\n"
            "    link: {bandwidth: 1 GB/s, latency: 1 us}\n")
    with pytest.raises(NetworkConfigError, match="duplicate key 'nodes'"):
        parse_network(text, "net.yaml")


# ---------------------------------------------------------------- the located corpus
_EXPECT = re.compile(r"^# expect: (?:(\S+?):)?(\d+):(\d+): (.+)$")
CORPUS = sorted(CORPUS_DIR.glob("*.yaml"))


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_malformed_cluster_corpus_is_rejected_at_the_right_place(path: Path):
    m = _EXPECT.match(path.read_text().splitlines()[0])
    assert m, f"{path.name}: line 1 must be '# expect: [FILE:]LINE:COL: message'"
    blamed = path.parent / m.group(1) if m.group(1) else path
    with pytest.raises(NetworkConfigError) as info, deadline(20):
        load_cluster(path)
    err = info.value
    assert (Path(err.loc.path), err.loc.line, err.loc.col) == (blamed, int(m.group(2)), int(m.group(3))), \
        err.render()
    assert m.group(4) in err.render()
    assert err.render().startswith(f"{err.loc}: error: ")


def test_the_corpus_covers_every_kind_of_bad_cluster_input():
    names = {p.stem for p in CORPUS}
    assert {"duplicate_key", "huge_torus", "repeat_too_big", "chakra_no_id", "chakra_attr_string",
            "chakra_empty", "chakra_negative_size", "chakra_infinite_duration",
            "chakra_bad_json"} <= names


# ---------------------------------------------------------------- unwritable outputs
def test_hls_output_that_is_a_file_is_a_clean_error(capsys, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("")
    status, out, err = cli(capsys, "hls", "npu", "-o", str(taken))
    assert status == 2 and str(taken) in err and out == ""


def test_exo_output_in_a_missing_directory_is_a_clean_error(capsys, tmp_path):
    target = tmp_path / "missing" / "npu_exo.py"
    status, _, err = cli(capsys, "exo", "npu", "-o", str(target))
    assert status == 2 and str(target) in err and "does not exist" in err


def test_cluster_trace_into_a_missing_directory_is_a_clean_error(capsys, tmp_path):
    target = tmp_path / "missing" / "trace.json"
    job = ROOT / "hw" / "clusters" / "jobs" / "chakra_dp4.yaml"
    status, _, err = cli(capsys, "cluster", str(job), "--trace", str(target))
    assert status == 2 and str(target) in err


def test_cluster_trace_onto_a_directory_is_a_clean_error(capsys, tmp_path):
    job = ROOT / "hw" / "clusters" / "jobs" / "chakra_dp4.yaml"
    status, _, err = cli(capsys, "cluster", str(job), "--trace", str(tmp_path))
    assert status == 2 and "is a directory" in err


def test_run_signature_out_into_a_missing_directory_is_a_clean_error(capsys, tmp_path):
    target = tmp_path / "missing" / "s.npz"
    status, _, err = cli(capsys, "run", "npu", "--workload", "gemm:8,8,8", "--backend", "py",
                         "--signature-interval", "10", "--signature-out", str(target))
    assert status == 2 and str(target) in err


# ---------------------------------------------------------------- numeric options
@pytest.mark.parametrize("argv, option", [
    (["run", "npu", "--workload", "gemm:8,8,8", "--seed", "-1"], "--seed"),
    (["run", "npu", "--workload", "gemm:8,8,8", "--max-instructions", "-5"], "--max-instructions"),
    (["rtl", "npu", "--workload", "gemm:8,8,8", "--max-instructions", "0"], "--max-instructions"),
    (["sample", "npu", "--workload", "gemm:8,8,8", "--strata", "0"], "--strata"),
    (["sample", "npu", "--workload", "gemm:8,8,8", "--samples", "0"], "--samples"),
    (["sample", "npu", "--workload", "gemm:8,8,8", "--interval", "0"], "--interval"),
    (["sample", "npu", "--workload", "gemm:8,8,8", "--seed", "-1"], "--seed"),
])
def test_out_of_range_numbers_are_rejected_by_argparse(capsys, argv, option):
    status, out, err = cli(capsys, *argv)
    assert status == 2 and out == ""
    assert f"argument {option}" in err and ("positive" in err or "non-negative" in err)


def test_the_shared_types_accept_their_ranges():
    from cosim.cli.args import nonneg_int, positive_int
    assert (positive_int("1"), nonneg_int("0"), positive_int("0x10")) == (1, 0, 16)


# ---------------------------------------------------------------- --json on errors
def error_json(out: str) -> dict:
    obj = json.loads(out)
    assert set(obj) == {"error", "location", "kind"}
    return obj


def test_json_spec_error_has_the_location(capsys, tmp_path):
    bad = tmp_path / "dup.yaml"
    bad.write_text(f"network: {SWITCH8}\nnetwork: {SWITCH8}\njob: {{kind: chakra}}\n")
    status, out, err = cli(capsys, "cluster", str(bad), "--json")
    assert status == 2 and "duplicate key" in err
    assert error_json(out) == {"error": "duplicate key 'network'", "location": f"{bad}:2:1",
                               "kind": "spec"}


def test_json_machine_file_error_is_kind_spec(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("machine: m\nstate:\n  r: {reg: u8}\nqueue: {width: 8}\n"
                   "instructions:\n  A:\n    fields: {op: [7, 0]}\n    semantics: |\n      r = q + 1\n")
    status, out, _ = cli(capsys, "check", str(bad), "--json")
    obj = error_json(out)
    assert status == 2 and obj["kind"] == "spec" and obj["location"] == f"{bad}:9:11"


def test_json_plain_error(capsys):
    status, out, err = cli(capsys, "run", "npu", "--json")
    obj = error_json(out)
    assert status == 2 and obj["kind"] == "error" and obj["location"] is None
    assert "say what to run" in obj["error"] and "say what to run" in err


def test_json_usage_error(capsys):
    status, out, _ = cli(capsys, "sample", "npu", "--workload", "gemm:8,8,8", "--samples", "0", "--json")
    assert status == 2 and "--samples" in error_json(out)["error"]


def test_json_machine_fault(capsys, tmp_path):
    prog = tmp_path / "p.s"
    prog.write_text("compute rows=9, accumulate=0, a_row=0, c_row=0\n")
    status, out, err = cli(capsys, "run", "npu", "--program", str(prog), "--backend", "py", "--json")
    obj = error_json(out)
    assert status == 3 and obj["kind"] == "fault" and "assertion failed" in obj["error"]
    assert "machine fault" in err


def test_no_traceback_escapes_the_real_script(tmp_path):
    bad = tmp_path / "empty.json"
    bad.write_text("[]")
    job = tmp_path / "job.yaml"
    job.write_text(f"network: {SWITCH8}\njob:\n  kind: chakra\n  trace: empty.json\n")
    r = subprocess.run([sys.executable, "-m", "cosim.cli", "cluster", str(job), "--json"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no nodes" in error_json(r.stdout)["error"]


# ---------------------------------------------------------------- program exit status
def test_a_program_exiting_non_zero_gives_exit_4_and_its_status(capsys, tmp_path):
    from cosim.cli.run import EXIT_PROGRAM_NONZERO
    prog = tmp_path / "exit3.s"
    prog.write_text("    addi x10, x0, 3\n    addi x17, x0, 93\n    ecall\n")
    status, out, _ = cli(capsys, "run", "rv32i", "--program", str(prog), "--backend", "py", "--json")
    assert status == EXIT_PROGRAM_NONZERO == 4
    assert json.loads(out)["exit_code"] == 3


def test_exit_status_table():
    from cosim.cli.run import exit_status
    assert [exit_status(None, True, 0), exit_status(None, True, 2), exit_status(None, True, 3),
            exit_status(False, True, 0), exit_status(None, False, None)] == [0, 4, 4, 1, 0]


def test_run_help_documents_exit_4(capsys):
    status, out, _ = cli(capsys, "run", "--help")
    assert status == 0 and "4 the program exited non-zero" in " ".join(out.split())


# ---------------------------------------------------------------- workloads in --help
EVERY_WORKLOAD = ("gemm", "mlp", "long", "transformer", "conv", "stream", "bankconflict",
                  "prog:sort", "prog:crc")


def test_the_registry_is_the_parsers_table():
    from fastforward.workloads import WORKLOADS
    from fastforward.workloads.catalog import BUILDERS
    from fastforward.workloads.programs import PROGRAM_HELP
    assert set(WORKLOADS) == set(EVERY_WORKLOAD)
    assert set(WORKLOADS) == set(BUILDERS) | {f"prog:{p}" for p in PROGRAM_HELP}


@pytest.mark.parametrize("command", ["run", "sample"])
def test_help_lists_every_workload_on_one_line(capsys, command):
    from fastforward.workloads import WORKLOADS
    status, out, _ = cli(capsys, command, "--help")
    assert status == 0
    lines = out.splitlines()
    for name, (form, description) in WORKLOADS.items():
        assert f"  {form}: {description}" in lines, name
        assert form.split("[")[0].split(":")[0 if not name.startswith("prog:") else 1] in name


# ---------------------------------------------------------------- work bound
def test_a_run_that_would_expand_too_many_messages_is_refused_before_it_starts():
    from network.cluster import MAX_MESSAGES
    from network.job import Layer, data_parallel_step
    from network.packet import PacketModel
    topo = ring(4096, 50e9, 1e-6)
    job = data_parallel_step([Layer("l", 1e-3, 2e-3, 2**20)], range(4096), 4096)
    with pytest.raises(NetworkError) as info, deadline(20):
        simulate(job, topo, PacketModel(), "ops")
    assert f"the limit is {MAX_MESSAGES:,}" in info.value.message
    assert "33,554,432 messages" in info.value.message          # 2p(p-1) + 2p for p = 4096
    # the flow model's ring fast path expands nothing: the same job runs
    with deadline(60):
        assert simulate(job, topo, FlowModel(4096.0), "ops").step_time > 3e-3


def test_the_task_backstop_refuses_a_job_past_the_limit(monkeypatch):
    import network.job as job_module
    monkeypatch.setattr(job_module, "MAX_TASKS", 3)
    job = job_module.Job("j", 1)
    for _ in range(3):
        job.compute([0], 1.0)
    with pytest.raises(NetworkError, match="the limit is 3 tasks"):
        job.compute([0], 1.0)


def test_rtl_trace_into_a_missing_directory_is_refused_before_the_build(capsys, tmp_path):
    target = tmp_path / "missing" / "w.fst"
    status, _, err = cli(capsys, "rtl", "npu", "--workload", "gemm:8,8,8", "--trace", str(target))
    assert status == 2 and str(target) in err


def test_an_unreadable_input_file_is_a_clean_error(capsys, tmp_path):
    status, out, err = cli(capsys, "cluster", str(tmp_path / "nope.yaml"), "--json")
    assert status == 2 and "nope.yaml" in err and error_json(out)["kind"] == "spec"


@pytest.mark.parametrize("csv", ["x,y\n1,abc\n", "x,y\n"])
def test_a_bad_curve_file_is_a_located_error(tmp_path, csv):
    (tmp_path / "c.csv").write_text(csv)
    job = tmp_path / "job.yaml"
    job.write_text(f"network: {SWITCH8}\ncompute: {{kind: curve, file: c.csv}}\njob:\n"
                   "  kind: data_parallel\n  layers:\n    - {forward: {gemm: [64, 64, 64]}}\n")
    with pytest.raises(NetworkConfigError) as info:
        load_cluster(job)
    assert (info.value.loc.line, "c.csv") == (2, Path(info.value.message.split("'")[1]).name)
