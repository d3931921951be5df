"""Validation figures of the three network models (the numbers the tests assert on).

    python benchmarks/bench_network_models.py

1. ring all-reduce vs the closed form 2(p−1)α + 2n(p−1)/p·β, on a ring and on a switch;
2. flow-level vs packet-level on a 4:1 oversubscribed leaf-spine all-to-all;
3. constant (packet) vs Mess-style probe latency as background load on a port rises;
4. every collective on every model (time, algbw, busbw);
5. a cluster job (hw/clusters/jobs/colocated_leaf_spine.yaml): when the tensor-parallel
   part ends under constant, flow and Mess-style links, idle and with the training job's
   gradient ring loading the spine links to 50-95 %.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from network import (FlowModel, MessModel, PacketModel, Workload, all_gather,  # noqa: E402
                     all_to_all, fit_curve, halving_doubling_allreduce, leaf_spine,
                     reduce_scatter, ring, ring_allreduce, ring_allreduce_time,
                     run_collective, switch, tree_allreduce)

BW, MTU = 25e9, 4096


def closed_form(curve) -> None:
    print("ring all-reduce vs closed form (n = 8 MB, 25 GB/s)")
    for p in (4, 8, 16):
        for kind in ("ring", "switch"):
            topo, alpha = ((ring(p, BW, 2e-6), 2e-6) if kind == "ring"
                           else (switch(p, BW, 1e-6, 0.5e-6), 2.5e-6))
            expected = ring_allreduce_time(p, 8e6, alpha, BW)
            errors = []
            for model in (PacketModel(MTU), FlowModel(MTU), MessModel(curve, mtu=MTU)):
                got = run_collective(model, topo, ring_allreduce(p, 8e6)).time
                errors.append(f"{model.name} {100 * (got - expected) / expected:+.3f}%")
            print(f"  p={p:<3} {kind:<7} closed form {expected * 1e6:9.2f} us   "
                  + "   ".join(errors))


def flow_vs_packet() -> None:
    print("flow vs packet, leaf-spine 4 leaves x 4 hosts, 2 spines, 4:1, all-to-all")
    topo = leaf_spine(4, 4, 2, BW, 1e-6, oversubscription=4, switch_latency=0.3e-6)
    for nbytes in (1e6, 4e6, 16e6):
        coll = all_to_all(16, nbytes)
        packet = run_collective(PacketModel(MTU), topo, coll)
        flow = run_collective(FlowModel(MTU), topo, coll)
        print(f"  n={nbytes / 1e6:5.1f} MB  packet {packet.time * 1e6:9.2f} us  "
              f"flow {flow.time * 1e6:9.2f} us  error {100 * (flow.time / packet.time - 1):+.3f}%"
              f"  (packet {packet.run.events:,} events in {packet.run.wall_s:.2f} s, "
              f"flow {flow.run.wall_s:.2f} s)")


def probe_latency(model, load: float) -> float:
    topo = switch(3, BW, 200e-9, 100e-9)
    w = Workload()
    if load:
        period = 65536 / (load * BW)
        for i in range(int(300e-6 / period)):
            w.send(1, 0, 65536, start=i * period)
    probes = [w.send(2, 0, MTU, start=3.7e-6 * i + 1e-7) for i in range(80)]
    return float(model.run(topo, w).latency[probes].mean())


def constant_vs_mess(curve) -> None:
    print("probe latency (4 KiB) into a switch port with paced 64 KiB background traffic")
    packet, mess = PacketModel(MTU), MessModel(curve, window=40e-6, mtu=MTU)
    for load in (0.0, 0.05, 0.3, 0.6, 0.8, 0.9):
        a, b = probe_latency(packet, load), probe_latency(mess, load)
        print(f"  load {load:4.2f}  constant {a * 1e9:8.1f} ns  mess {b * 1e9:8.1f} ns  "
              f"mess/constant {b / a:6.3f}")


def every_collective(curve) -> None:
    print("collectives on leaf-spine 2x4, 2 spines, 2:1, n = 4 MB")
    topo = leaf_spine(2, 4, 2, BW, 1e-6, oversubscription=2, switch_latency=0.3e-6)
    for make in (ring_allreduce, tree_allreduce, halving_doubling_allreduce, reduce_scatter,
                 all_gather, all_to_all):
        for model in (PacketModel(MTU), FlowModel(MTU), MessModel(curve, mtu=MTU)):
            print("  " + run_collective(model, topo, make(8, 4e6)).row())


def colocated_job() -> None:
    from network import parse_cluster, simulate, with_model
    path = Path(__file__).resolve().parent.parent / "hw/clusters/jobs/colocated_leaf_spine.yaml"
    print("cluster job: 16 small TP all-reduces sharing spine links with a DP gradient ring "
          f"({path.name}); when the TP part ends")
    for grad, rho in (("64 KiB", 0.95), ("64 MiB", 0.5), ("64 MiB", 0.8), ("64 MiB", 0.9),
                      ("64 MiB", 0.95)):
        text = path.read_text().replace("grad_bytes: 64 MiB", f"grad_bytes: {grad}") \
            .replace("uplink_bandwidth: 52.6 GB/s", f"uplink_bandwidth: {50 / rho:.2f} GB/s")
        config = parse_cluster(text, str(path))
        ends = {}
        for kind in ("constant", "flow", "mess"):
            net = config.network if kind == "mess" else with_model(config.network, kind)
            result = simulate(config.job, net.topology, net.model, config.engine)
            ends[kind] = {p["part"]: p["end_s"] for p in result.parts()}["tp"]
        load = "idle (64 KiB grads)" if grad == "64 KiB" else f"spine load {rho:.2f}"
        print(f"  {load:<20} constant {ends['constant'] * 1e6:8.1f} us  flow "
              f"{ends['flow'] * 1e6:8.1f} us  mess {ends['mess'] * 1e6:8.1f} us  "
              f"mess/constant {ends['mess'] / ends['constant']:6.3f}")


def main() -> None:
    curve = fit_curve(BW, 200e-9, 100e-9, mtu=MTU, packets=3000)
    closed_form(curve)
    flow_vs_packet()
    constant_vs_mess(curve)
    every_collective(curve)
    colocated_job()


if __name__ == "__main__":
    main()
