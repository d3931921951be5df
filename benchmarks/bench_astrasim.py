"""dcsim's collective system layer against ASTRA-sim's analytical backend, on ASTRA-sim's own
example and regression configurations (re-stated here; no ASTRA-sim file is copied).

    python benchmarks/bench_astrasim.py [--json out.json]

ASTRA-sim times come from two sources, marked in the table:

* `stored`: the expected output its regression test keeps (tests/rt_template/refs/
  stdout.txt: 117,780 cycles, 1 cycle = 1 ns);
* `derived`: its system layer and congestion-aware analytical network read from its source
  (astra-sim: Ring.cc, PacketBundle.cc, MemBus.cc, Sys.cc; astra-network-analytical:
  Link.cpp, NetworkFunction.cpp) and written out as a formula, below. The formula gives the
  stored value exactly, which is the check that it was read right; the other examples
  ship no expected output, so for them this is a derivation, not a run of ASTRA-sim.

ASTRA-sim's ring collective, one dimension, `active-chunks-per-dimension` 1, chunk
c = size / splits, message m = c / p (all-gather: m = c), per chunk (ns, integers):

    all-reduce:      (2p − 1)·e + 2(p − 1)·⌊h·(L + m/B)⌋ + (p − 1)·3·⌊m/R⌋
    reduce-scatter:  p·e + (p − 1)·⌊h·(L + m/B)⌋ + (p − 1)·3·⌊m/R⌋
    all-gather:      p·e + (p − 1)·⌊h·(L + m/B)⌋

chunks back to back (× splits); e = 10 ns (endpoint delay; a local dimension's memory bus
hop is a fixed 10 in MemBus.cc, equal here), B = bandwidth·2^30/1e9 B/ns (ASTRA-sim's GB is
2^30 B), R = local-mem-bw·1e9 B/s, h = hops store-and-forward (ring 1, switch 2, each hop
rounded down on its own), 3 memory passes per reduced message (PacketBundle.cc).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from network import FlowModel, Job, ring, simulate, switch  # noqa: E402
from network.syslayer import SystemConfig  # noqa: E402

MB = 1_048_576          # the examples' 1MB workloads (gen scripts: coll_size = 1_048_576)
GB = 2**30              # ASTRA-sim's analytical network: 1 GB is 2^30 B

# (name, topology, npus, bandwidth GB/s, latency ns, system: splits, local-mem-bw GB/s,
#  endpoint delay ns, collective, size, stored reference ns or None)
CONFIGS = [
    ("tests/rt_template", "Ring", 8, 50.0, 500.0, 4, 50, 10, "all_reduce", MB, 117_780),
]
for npus in (4, 8, 16):
    for coll in ("all_reduce", "reduce_scatter", "all_gather"):
        CONFIGS.append((f"Ring_{npus}npus + Ring_4chunks", "Ring", npus, 50.0, 500.0, 4, 1600,
                        10, coll, MB, None))
for coll in ("all_reduce", "reduce_scatter"):
    CONFIGS.append(("HGX-H100-validated (active chunks 1)", "Switch", 8, 400.0, 936.25, 4,
                    3350, 10, coll, MB, None))

DCSIM = {"all_reduce": "ring_allreduce", "reduce_scatter": "reduce_scatter",
         "all_gather": "all_gather"}


def astrasim_formula(topology, p, bw, lat, splits, mem, e, coll, size) -> int:
    chunk = size // splits
    m = chunk if coll == "all_gather" else chunk // p
    hops = 1 if topology == "Ring" else 2
    b = bw * GB / 1e9                                    # B/ns
    hop = int(lat + m / b)                               # one event per hop, whole ns
    net = hops * hop
    red = 3 * int(m / (mem * 1e9) * 1e9)
    if coll == "all_reduce":
        per = (2 * p - 1) * e + 2 * (p - 1) * net + (p - 1) * red
    elif coll == "reduce_scatter":
        per = p * e + (p - 1) * net + (p - 1) * red
    else:
        per = p * e + (p - 1) * net
    return splits * per


def dcsim_time(topology, p, bw, lat, splits, mem, e, coll, size, system=True) -> float:
    """ns. Store-and-forward of whole messages on a switch: an MTU above the message size
    makes the flow model add every hop's serialization (flow.py)."""
    if topology == "Ring":
        topo = ring(p, bw * GB, lat * 1e-9)
    else:
        topo = switch(p, bw * GB, lat * 1e-9)
    nbytes = size * p if coll == "all_gather" else size   # dcsim: the all-gather's output
    job = Job(f"{coll}", p)
    job.collective(DCSIM[coll], range(p), nbytes)
    if system:
        job.system = SystemConfig(splits=splits, reduce_bandwidth=mem * 1e9,
                                  endpoint_delay=e * 1e-9, algorithm="ring")
    model = FlowModel(mtu=16 * size if topology == "Switch" else None)
    return simulate(job, topo, model, "ops").step_time * 1e9


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="also write the rows as JSON to this file")
    args = ap.parse_args()
    rows = []
    for name, topo, p, bw, lat, k, mem, e, coll, size, stored in CONFIGS:
        formula = astrasim_formula(topo, p, bw, lat, k, mem, e, coll, size)
        ref = stored if stored is not None else formula
        ours = dcsim_time(topo, p, bw, lat, k, mem, e, coll, size)
        before = dcsim_time(topo, p, bw, lat, k, mem, e, coll, size, system=False)
        rows.append({"config": name, "network": f"{topo} {p} npus, {bw:g} GB/s, {lat:g} ns",
                     "collective": coll, "bytes": size, "npus": p,
                     "astrasim_ns": ref, "source": "stored" if stored is not None else "derived",
                     "formula_ns": formula, "dcsim_ns": ours,
                     "difference": ours / ref - 1, "dcsim_without_layer_ns": before})
    head = ("| config | network | collective | size | ASTRA-sim (ns) | source | dcsim (ns) | "
            "difference | dcsim without the layer |")
    print(head)
    print("|" + "---|" * 9)
    for r in rows:
        print(f"| {r['config']} | {r['network']} | {r['collective']} | {r['bytes'] / MB:g} MiB | "
              f"{r['astrasim_ns']:,} | {r['source']} | {r['dcsim_ns']:,.1f} | "
              f"{r['difference'] * 100:+.3f}% | {r['dcsim_without_layer_ns']:,.1f} "
              f"({(r['dcsim_without_layer_ns'] / r['astrasim_ns'] - 1) * 100:+.1f}%) |")
    stored = [r for r in rows if r["source"] == "stored"]
    for r in stored:
        print(f"\nformula check on the stored reference: {r['formula_ns']:,} ns vs "
              f"{r['astrasim_ns']:,} ns")
    worst = max(abs(r["difference"]) for r in rows)
    print(f"largest |difference|: {worst * 100:.3f}% over {len(rows)} configurations")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
