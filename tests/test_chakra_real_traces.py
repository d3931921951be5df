"""Chakra traces as Chakra's own tools write them (issue 19, item 1).

Every trace here is produced at test time by the `mlc-chakra` package: its generator
(`chakra_generator`'s functions), its Text converter (ASTRA-sim's text workloads), its
jsonizer, or its protobuf classes and `encodeMessage` for what neither ships (a send/recv
ring). Nothing is hand-written JSON.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from network import FlowModel, NetworkError, load_chakra, simulate, switch
from network.errors import NetworkWarning
from network.jobfile import parse_cluster

# mlc-chakra is in the test extra: a missing package fails here rather than skipping
import chakra.schema.protobuf.et_def_pb2 as chakra_pb                 # noqa: E402
from chakra.src.generator import generator as gen                     # noqa: E402
from chakra.src.jsonizer import jsonizer                              # noqa: E402
from chakra.src.third_party.utils.protolib import encodeMessage       # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NPUS = 4
TOPO = switch(NPUS, 50e9, 1e-6, 300e-9)
KINDS = {"ALL_REDUCE": "ring_allreduce", "ALL_GATHER": "all_gather",
         "REDUCE_SCATTER": "reduce_scatter", "ALL_TO_ALL": "all_to_all",
         "BROADCAST": "broadcast", "BARRIER": "barrier"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> Path:
    """chakra_generator's per-rank .et files, in their own directory."""
    out = tmp_path_factory.mktemp("chakra_gen")
    cwd = os.getcwd()
    os.chdir(out)          # the generator writes into the working directory
    try:
        gen.one_comm_coll_node_allreduce(NPUS, 1 << 20)
        gen.one_comm_coll_node_allgather(NPUS, 1 << 20)
        gen.one_comm_coll_node_reducescatter(NPUS, 1 << 20)
        gen.one_comm_coll_node_alltoall(NPUS, 1 << 20)
        gen.one_comm_coll_node_broadcast(NPUS, 1 << 20)
        gen.one_comm_coll_node_barrier(NPUS)
        gen.two_comp_nodes_dependent(NPUS, 7)
        gen.one_metadata_node_all_types(NPUS)
        gen.one_comm_send_node(NPUS, 1024)
    finally:
        os.chdir(cwd)
    return out


def jsonize(et: Path, out: Path) -> Path:
    """Run Chakra's own chakra_jsonizer (its main, in-process) on one .et file."""
    argv = sys.argv
    sys.argv = ["chakra_jsonizer", "--input_filename", str(et), "--output_filename", str(out)]
    try:
        jsonizer.main()
    finally:
        sys.argv = argv
    return out


def step(job) -> float:
    return simulate(job, TOPO, FlowModel(4096.0)).step_time


@pytest.mark.parametrize("name", list(KINDS))
def test_generated_collectives_run_from_protobuf_and_from_the_jsonizer(generated, tmp_path,
                                                                        name):
    pattern = generated / f"{name}.{{rank}}.et"
    job = load_chakra(pattern)
    (task,) = job.tasks
    assert task.algorithm == KINDS[name] and list(task.nodes) == list(range(NPUS))
    assert task.nbytes == (0 if name == "BARRIER" else 1 << 20)
    for r in range(NPUS):
        jsonize(generated / f"{name}.{r}.et", tmp_path / f"{name}.{r}.json")
    from_json = load_chakra(tmp_path / f"{name}.{{rank}}.json")
    shape = lambda j: [(t.kind, t.algorithm, t.nbytes, list(t.nodes), t.deps) for t in j.tasks]
    assert shape(from_json) == shape(job)
    assert step(from_json) == step(job) > 0


def test_a_directory_and_a_glob_find_the_same_ranks(generated, tmp_path):
    for r in range(NPUS):
        (tmp_path / f"t.{r}.et").write_bytes((generated / f"ALL_GATHER.{r}.et").read_bytes())
    by_dir, by_glob = load_chakra(tmp_path), load_chakra(tmp_path / "t.*.et")
    assert by_dir.n_nodes == by_glob.n_nodes == NPUS
    assert step(by_dir) == step(by_glob)


def test_a_job_file_points_at_per_rank_traces(generated, tmp_path):
    text = (f"network: {ROOT / 'hw' / 'clusters' / 'switch8.yaml'}\n"
            f"job:\n  kind: chakra\n  trace: {generated}/ALL_REDUCE.{{rank}}.et\n")
    config = parse_cluster(text, str(tmp_path / "job.yaml"))
    assert config.job.n_nodes == NPUS and config.job.tasks[0].algorithm == "ring_allreduce"


def test_compute_durations_are_honoured(generated):
    job = load_chakra(generated / "two_comp_nodes_dependent.{rank}.et")
    assert step(job) == pytest.approx(14e-6)          # two dependent 7 us kernels


def test_a_metadata_only_trace_is_an_error_or_a_warning(generated):
    with pytest.raises(NetworkError, match="nothing in the trace takes time"):
        load_chakra(generated / "one_metadata_node_all_types.{rank}.et")
    with pytest.warns(NetworkWarning, match="nothing in the trace takes time"):
        load_chakra(generated / "one_metadata_node_all_types.{rank}.et", strict=False)


def test_generated_send_without_a_peer_names_the_node(generated):
    with pytest.raises(NetworkError, match=r"rank 0 node \d+: a COMM_SEND_NODE needs the "
                                           r"attribute comm_dst"):
        load_chakra(generated / "one_comm_send_node.{rank}.et")


# ------------------------------------------------------------ send/recv rings (protobuf)
def _node(i: int, name: str, kind: int, deps=(), **attrs) -> object:
    n = chakra_pb.Node(id=i, name=name, type=kind)
    n.data_deps.extend(deps)
    for key, value in attrs.items():
        n.attr.append(chakra_pb.AttributeProto(name=key, int64_val=value))
    return n


def write_ring(tmp: Path, p: int, size: int, send_first: bool, steps: int = 2) -> Path:
    """A ring exchange: in each step every rank sends to r+1 and receives from r−1 (tag =
    step), the next step's send waiting for this step's receive. `send_first` lists the
    send before the receive on every rank: the order that used to deadlock."""
    for r in range(p):
        with open(tmp / f"ring.{r}.et", "wb") as f:
            encodeMessage(f, chakra_pb.GlobalMetadata(version="1.0.0"))
            # node ids from 0: the first one is omitted in protobuf's JSON
            first = _node(0, "compute", chakra_pb.COMP_NODE)
            first.duration_micros = 1
            encodeMessage(f, first)
            nodes, prev, nid = [], 0, 1
            for s in range(steps):
                send = _node(nid, f"send{s}", chakra_pb.COMM_SEND_NODE, [prev],
                             comm_dst=(r + 1) % p, comm_tag=s, comm_size=size)
                recv = _node(nid + 1, f"recv{s}", chakra_pb.COMM_RECV_NODE, [prev],
                             comm_src=(r - 1) % p, comm_tag=s, comm_size=size)
                nodes += [send, recv] if send_first else [recv, send]
                prev, nid = nid + 1, nid + 2
            for n in nodes:
                encodeMessage(f, n)
    return tmp / "ring.{rank}.et"


@pytest.mark.parametrize("send_first", [True, False])
def test_a_send_recv_ring_runs_in_either_order(tmp_path, send_first):
    job = load_chakra(write_ring(tmp_path, NPUS, 1 << 20, send_first))
    sends = [t for t in job.tasks if t.kind == "send"]
    assert len(sends) == 2 * NPUS
    assert {(int(t.nodes[0]), int(t.nodes[1])) for t in sends} == \
        {(r, (r + 1) % NPUS) for r in range(NPUS)}
    # the second step waits for the first: two transfers of 1 MiB in a row per rank
    assert step(job) >= 2 * (1 << 20) / 50e9


def test_both_orders_and_the_jsonizer_give_one_answer(tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    c = tmp_path / "c"
    for d in (a, b, c):
        d.mkdir()
    first = step(load_chakra(write_ring(a, NPUS, 1 << 20, True)))
    second = step(load_chakra(write_ring(b, NPUS, 1 << 20, False)))
    for r in range(NPUS):
        jsonize(a / f"ring.{r}.et", c / f"ring.{r}.json")
    assert '"id"' not in (c / "ring.0.json").read_text().split("}{")[1].split("\n")[1]
    third = step(load_chakra(c))
    assert first == second == third


def test_unmatched_receive_names_the_node(tmp_path):
    path = write_ring(tmp_path, NPUS, 4096, True, steps=1)
    with open(tmp_path / "ring.2.et", "ab") as f:      # an extra receive on rank 2
        encodeMessage(f, _node(99, "orphan", chakra_pb.COMM_RECV_NODE, comm_src=1, comm_tag=7))
    with pytest.raises(NetworkError, match=r"unmatched receive node\(s\) 99 on rank 2"):
        load_chakra(path)


def test_a_real_deadlock_names_the_waiting_nodes(tmp_path):
    """Every rank's send waits for its own receive, whose send waits too."""
    for r in range(2):
        with open(tmp_path / f"dl.{r}.et", "wb") as f:
            encodeMessage(f, chakra_pb.GlobalMetadata(version="1.0.0"))
            encodeMessage(f, _node(1, "recv", chakra_pb.COMM_RECV_NODE, comm_src=1 - r,
                                   comm_size=8))
            encodeMessage(f, _node(2, "send", chakra_pb.COMM_SEND_NODE, [1],
                                   comm_dst=1 - r, comm_size=8))
    with pytest.raises(NetworkError, match=r"deadlocks: rank 0 at node\(s\) 1, 2; rank 1"):
        load_chakra(tmp_path / "dl.{rank}.et")


# ------------------------------------------------------------ ASTRA-sim text workloads
def test_the_text_converter_output_runs(tmp_path):
    """chakra_converter Text (as a subprocess, its real command line) on a DATA workload."""
    (tmp_path / "dp.txt").write_text(
        "DATA\n2\n"
        "l0 -1 100 NONE 0 50 NONE 0 50 ALLREDUCE 1048576 10\n"
        "l1 -1 100 NONE 0 50 NONE 0 50 ALLREDUCE 2097152 10\n")
    subprocess.run([sys.executable, "-c", "from chakra.src.converter.converter import main; "
                    "main()", "--log-filename", str(tmp_path / "log"), "Text",
                    "--input", "dp.txt", "--output", "dp", "--num-npus", str(NPUS),
                    "--num-passes", "1"], cwd=tmp_path, check=True, capture_output=True)
    job = load_chakra(tmp_path / "dp.{rank}.et")
    colls = [t for t in job.tasks if t.kind == "collective"]
    assert sorted(t.nbytes for t in colls) == [1048576, 2097152]
    computed = sum(t.seconds for t in job.tasks if t.kind == "compute") / NPUS
    assert computed == pytest.approx(350e-6)   # per rank: 2 × (100 fwd + 50 wg) + 50 ig
    assert step(job) > 350e-6              # plus the exposed last all-reduce


# ------------------------------------------------------------ bad traces, lenient mode
def _write(tmp: Path, name: str, nodes) -> Path:
    with open(tmp / f"{name}.0.et", "wb") as f:
        encodeMessage(f, chakra_pb.GlobalMetadata(version="1.0.0"))
        for n in nodes:
            encodeMessage(f, n)
    return tmp / f"{name}.{{rank}}.et"


def test_missing_dependencies_and_cycles_name_the_nodes(tmp_path):
    comp = chakra_pb.COMP_NODE
    missing = _write(tmp_path, "missing", [
        _node(1, "a", comp, [41]), _node(2, "b", comp, [1, 42])])
    with pytest.raises(NetworkError, match=r"missing nodes: node 1 on 41; node 2 on 42"):
        load_chakra(missing)
    cycle = _write(tmp_path, "cycle", [
        _node(1, "a", comp), _node(2, "b", comp, [1, 4]), _node(3, "c", comp, [2]),
        _node(4, "d", comp, [3])])
    with pytest.raises(NetworkError, match=r"cycle through nodes 2 -> 4 -> 3 -> 2"):
        load_chakra(cycle)


def test_lenient_mode_repairs_with_warnings_that_name_the_nodes(tmp_path):
    comp = chakra_pb.COMP_NODE
    nodes = [_node(1, "a", comp, [41]), _node(2, "b", comp, [1, 3]), _node(3, "c", comp, [2])]
    for n in nodes:
        n.duration_micros = 5
    path = _write(tmp_path, "both", nodes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        job = load_chakra(path, strict=False)
    text = " | ".join(str(w.message) for w in caught if issubclass(w.category, NetworkWarning))
    assert "node 1 on 41" in text and "cycle through nodes 2 -> 3 -> 2" in text
    assert step(job) == pytest.approx(15e-6)


def test_untyped_collectives_and_zero_durations_are_errors_then_warnings(tmp_path):
    coll = _node(1, "coll", chakra_pb.COMM_COLL_NODE, comm_size=1024)
    del coll.attr[:]
    coll.attr.append(chakra_pb.AttributeProto(name="comm_size", int64_val=1024))
    untyped = tmp_path / "u"
    untyped.mkdir()
    for r in range(2):
        with open(untyped / f"u.{r}.et", "wb") as f:
            encodeMessage(f, chakra_pb.GlobalMetadata(version="1.0.0"))
            encodeMessage(f, coll)
    with pytest.raises(NetworkError, match=r"without comm_type \(rank, id\): \(0, 1\), \(1, 1\)"):
        load_chakra(untyped)
    with pytest.warns(NetworkWarning, match="without comm_type"):
        assert load_chakra(untyped, strict=False).tasks[0].algorithm == "ring_allreduce"
    zero = _write(tmp_path, "zero", [_node(0, "k", chakra_pb.COMP_NODE),
                                     _node(1, "k2", chakra_pb.COMP_NODE, [0])])
    with pytest.raises(NetworkError, match=r"all 2 compute nodes last 0 µs \(rank, id\): "
                                           r"\(0, 0\), \(0, 1\)"):
        load_chakra(zero)


def test_the_cli_fails_strict_traces_and_warns_on_lenient_ones(tmp_path, capsys):
    from cosim.cli.main import main
    comp = chakra_pb.COMP_NODE
    nodes = [_node(1, "a", comp, [9]), _node(2, "b", comp, [1])]
    for n in nodes:
        n.duration_micros = 3
    _write(tmp_path, "t", nodes)
    net = ROOT / "hw" / "clusters" / "switch8.yaml"
    job = tmp_path / "job.yaml"
    job.write_text(f"network: {net}\njob:\n  kind: chakra\n  trace: t.{{rank}}.et\n")
    assert main(["cluster", str(job)]) == 2
    err = capsys.readouterr().err
    assert "job.yaml:3:3: error:" in err and "node 1 on 9" in err and "Traceback" not in err
    job.write_text(f"network: {net}\njob:\n  kind: chakra\n  trace: t.{{rank}}.et\n"
                   "  strict: false\n")
    assert main(["cluster", str(job), "--json"]) == 0
    out = capsys.readouterr()
    assert "warning: " in out.err and "node 1 on 9" in out.err
    result = json.loads(out.out)
    assert result["step_time_s"] == pytest.approx(6e-6) and len(result["warnings"]) == 1
