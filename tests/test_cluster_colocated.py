"""Constant vs Mess-style networks on a cluster job: they agree on an idle fabric and
diverge when a colocated training job loads the shared spine links (issue 6 target), plus
colocated job files and `dcsim cluster --plot`."""
from pathlib import Path

import pytest

from cosim.cli import main
from network import colocate, parse_cluster, simulate, with_model
from network.errors import NetworkConfigError, NetworkError
from network.job import Job

JOB = Path(__file__).resolve().parent.parent / "hw" / "clusters" / "jobs" / \
    "colocated_leaf_spine.yaml"


def tp_end(grad: str, kind: str, uplink: str = "52.6 GB/s") -> float:
    """When the tensor-parallel part ends, with the training part's gradients `grad`."""
    text = JOB.read_text().replace("grad_bytes: 64 MiB", f"grad_bytes: {grad}") \
        .replace("uplink_bandwidth: 52.6 GB/s", f"uplink_bandwidth: {uplink}")
    config = parse_cluster(text, str(JOB))
    net = with_model(config.network, kind) if kind != "mess" else config.network
    result = simulate(config.job, net.topology, net.model, config.engine)
    return {p["part"]: p["end_s"] for p in result.parts()}["tp"]


def test_constant_and_mess_agree_on_an_idle_fabric():
    # 64 KiB of gradients: the training ring is done long before most small all-reduces
    const, mess = tp_end("64 KiB", "constant"), tp_end("64 KiB", "mess")
    assert mess == pytest.approx(const, rel=0.005)


def test_constant_and_mess_diverge_when_the_spine_is_loaded():
    idle = tp_end("64 KiB", "constant")
    const, flow, mess = (tp_end("64 MiB", k) for k in ("constant", "flow", "mess"))
    # paced traffic below capacity barely queues on constant links: ≤ 5 % over idle
    assert const < 1.05 * idle
    # bandwidth sharing alone (flow) agrees with the packet model here ...
    assert flow == pytest.approx(const, rel=0.02)
    # ... the curve's load-dependent latency makes the small all-reduces ~30 % slower
    assert mess > 1.2 * const


def test_divergence_grows_with_load():
    ratios = [tp_end("64 MiB", "mess", f"{50 / rho:.2f} GB/s")
              / tp_end("64 MiB", "constant", f"{50 / rho:.2f} GB/s") for rho in (0.5, 0.9)]
    assert ratios[0] < 1.01 < 1.1 < ratios[1]


def test_colocate_keeps_parts_apart():
    a, b = Job("a", 4), Job("b", 4)
    a.compute([0, 1], 1e-3, "x")
    b.compute([2, 3], 2e-3, "y")
    b.compute([2, 3], 1e-3, "z", deps=(0,))
    job = colocate([("A", a), ("B", b)], 4)
    assert job.parts == {"A": (0, 1), "B": (1, 3)}
    assert job.tasks[2].deps == (1,) and job.tasks[2].name == "B: z"
    with pytest.raises(NetworkError):
        colocate([("A", a), ("A", b)], 4)


@pytest.mark.parametrize("nodes, message", [
    ("'0-3,3'", "listed twice"), ("'0-x'", "cannot read"), ("[0, 99]", "node id in 0..15")])
def test_bad_part_nodes_are_config_errors(nodes, message):
    text = JOB.read_text().replace("'0-1,4-5,8-9,12-13'", nodes)
    with pytest.raises(NetworkConfigError, match=message):
        parse_cluster(text, str(JOB))


def test_parts_may_not_share_nodes():
    text = JOB.read_text().replace("'2-3,6-7,10-11,14-15'", "'1-3,6-7,10-11,14-15'")
    with pytest.raises(NetworkConfigError, match="node 1 is in part 'train'"):
        parse_cluster(text, str(JOB))


def test_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out = tmp_path / "dp.png"
    jobs = JOB.parent
    assert main(["cluster", str(jobs / "tp_hier_4x8.yaml"), "--network", "flow",
                 "--plot", str(out)]) == 0
    assert "plot:" in capsys.readouterr().out
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 10_000


def test_plot_shows_the_step_time_ci(tmp_path):
    pytest.importorskip("matplotlib")
    from network import Layer, data_parallel_step, switch, with_ci, FlowModel
    from network.plot import plot_result
    layers = [Layer(f"l{i}", 1e-4, 2e-4, 4e6, (0.9e-4, 1.2e-4), (1.8e-4, 2.4e-4))
              for i in range(4)]
    result = with_ci(data_parallel_step(layers, range(4), 4), switch(4, 25e9, 1e-6),
                     FlowModel(4096))
    lo, hi = result.step_time_ci
    assert lo < result.step_time < hi
    path = plot_result(result, tmp_path / "ci.png")
    assert path.stat().st_size > 10_000
