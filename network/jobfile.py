"""Cluster job files: a network, a compute model and a job, in one YAML file.

    network: ring8.yaml              # a network file (relative to this one), or inline:
                                     #   {topology: {...}, model: {...}} as in config.py
    collectives:                     # optional: the collective system layer (syslayer.py);
      splits: 4                      #   chunks per collective, pipelined across stages
      active_chunks: 1               #   chunks a stage holds at once
      reduce_bandwidth: 100 GB/s     #   local memory bandwidth of reductions (default: free)
      reduce_passes: 3               #   memory passes per reduced byte
      endpoint_delay: 1 us           #   per message handled at an endpoint
      algorithm: auto                #   job | auto | ring | tree | halving_doubling
                                     #   | hierarchical (one phase per network dimension)
      per_dimension: [ring, tree]    #   or [{size: 8, algorithm: ring}, ...]; auto per dim
    compute:                         # optional: times of kernels given by shape
      kind: roofline                 # roofline | table | curve | sampled_rtl
      peak: 400 TFLOP/s              #   roofline: peak, memory_bandwidth, overhead
      memory_bandwidth: 2 TB/s
      overhead: 5 us
      # table:       file: kernels.csv (kernel, seconds[, ci_low, ci_high]) or
      #              kernels: {"gemm:1024,1024,1024": 1.2 ms, attn: 300 us}
      # curve:       file: curve.csv (intensity_flops_per_byte, achieved_flops_per_s),
      #              overhead
      # sampled_rtl: cache: rtl_cache.json (filled by sampled co-simulation), and an
      #              optional fallback: {kind: roofline, ...}
    job:
      kind: data_parallel            # data_parallel | pipeline | tensor_parallel | chakra
                                     #   | colocated
      engine: auto                   # auto | messages | ops (see cluster.py)
      nodes: 8                       # default: every endpoint of the topology
      layers:                        # data_parallel and tensor_parallel
        - name: block
          repeat: 12                 # this entry stands for 12 identical layers
          forward: {gemm: [4096, 4096, 4096]}   # a kernel: a time ('1.5 ms'),
                                     # {gemm: [M, K, N]}, {flops: F, bytes: B}, or
                                     # {kernel: NAME} looked up in the table
          backward: 3 ms             # default: twice the forward kernel's time
          grad_bytes: 32 MiB         # default for a GEMM: K·N·dtype_bytes
      dtype_bytes: 2
      bucket: 25 MiB                 # data_parallel: gradient bucket size
      overlap: true                  #   all-reduce buckets during backward
      algorithm: ring_allreduce      #   ring_allreduce | tree_allreduce | halving_doubling
      optimizer: 1 ms                #   compute after the last bucket
      # pipeline: stages (a count with `stage: KERNEL`, or a list of kernels),
      #   micro_batches, activation_bytes, placement: [node of each stage]
      # tensor_parallel: group_size (consecutive nodes per group), activation_bytes,
      #   layers (forward kernels only)
      # chakra: trace: FILE (.et protobuf or JSON), DIR/, 'NAME.{rank}.et' or a glob
      #   (see chakra.py); ranks: N (with '{rank}'; default: the files that exist);
      #   strict: false turns trace problems (missing deps, cycles, untyped collectives,
      #   all-zero durations) into warnings
      # colocated: parts: a list of jobs sharing the fabric, each {name, nodes: [ids] or
      #   '0-3,8-11', kind: data_parallel | pipeline | tensor_parallel, and that kind's
      #   keys}; results report each part's start and end (tenants, or the DP and TP
      #   traffic of one model placed on disjoint nodes)

Bounds (refused before anything is built, with the estimate): a topology of at most
topology.MAX_ENDPOINTS endpoints and an estimated topology.MAX_BUILD_BYTES, a job of at
most job.MAX_TASKS tasks (layers × repeat × TASKS_PER_LAYER; stages × micro-batches × 2).
Duplicate keys are errors, as in machine files.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


from . import compute as cm
from .config import (MAX_BYTES, ConfigSection, Network, choice_of, load_network, network_from_section, parse_bool,
                     parse_nonneg_time, parse_positive_int, positive_quantity, read_config_text, read_yaml)
from .curves import fit_curve
from .errors import NetworkConfigError, NetworkError
from .flow import FlowModel
from .job import ALGORITHMS, Job, Layer, check_tasks, colocate, data_parallel_step, \
    pipeline_inference, tensor_parallel_layers
from .mess import MessModel
from .packet import PacketModel
from .syslayer import ALGORITHMS as SYS_ALGORITHMS, CHOICES as SYS_CHOICES, SystemConfig
from .units import BANDWIDTH, FLOPS, SIZE

__all__ = ["ClusterConfig", "load_cluster", "parse_cluster", "with_model", "NETWORK_KINDS"]

NETWORK_KINDS = ("constant", "flow", "mess")
JOB_KINDS = ("data_parallel", "pipeline", "tensor_parallel", "chakra", "colocated")
_SIZE = positive_quantity(SIZE, MAX_BYTES)
TASKS_PER_LAYER = 3


@dataclass(frozen=True)
class ClusterConfig:
    network: Network
    job: Job
    engine: str
    source: str


def load_cluster(path: str | Path, compute: cm.ComputeModel | None = None) -> ClusterConfig:
    return parse_cluster(read_config_text(path), str(path), compute)


def parse_cluster(text: str, path: str = "<string>", compute: cm.ComputeModel | None = None
                  ) -> ClusterConfig:
    """`compute`, when given, prices the job's kernels instead of the file's compute section
    (which is still checked): `dcsim cluster --compute auto` passes the abstraction selector."""
    root = read_yaml(text, path)
    base = Path(path).parent
    network = _network(root, base)
    model = _compute(root.section("compute", optional=True), base)
    model = compute if compute is not None else model
    job_s = root.section("job")
    system = _collectives(root.section("collectives", optional=True))
    root.done()
    job, engine = _job(job_s, network, model, base)
    if system is not None:
        job.system = system
        if engine == "messages":
            raise job_s.error("engine", "the collective system layer (`collectives:`) runs in "
                                        "the ops engine", "use engine: auto or ops")
    return ClusterConfig(network, job, engine, path)


def with_model(network: Network, kind: str) -> Network:
    """The same topology under another link model (the --network option)."""
    current = network.model
    mtu = getattr(current, "mtu", None) or getattr(getattr(current, "_flow", None), "mtu",
                                                   None) or 4096.0
    topo = network.topology
    if kind == "constant":
        model = current if isinstance(current, PacketModel) else PacketModel(mtu)
    elif kind == "flow":
        model = current if isinstance(current, FlowModel) else FlowModel(mtu)
    elif kind == "mess":
        if isinstance(current, MessModel):
            model = current
        else:      # a curve fitted on this fabric's fastest link with the packet model
            model = MessModel(fit_curve(float(topo.bandwidth.max()),
                                        float(np.median(topo.latency)), topo.switch_latency,
                                        mtu), mtu=mtu)
    else:
        raise NetworkError(f"unknown network model '{kind}'", f"use {', '.join(NETWORK_KINDS)}")
    return Network(topo, model, network.source)


def _network(root: ConfigSection, base: Path) -> Network:
    root.used.add("network")
    value = root.data.get("network")
    if isinstance(value, str):
        target = base / value
        if not target.is_file():
            raise root.error("network", f"network file '{value}' not found (looked in {base})",
                             "give a path relative to this file, or an inline mapping")
        return load_network(target)
    return network_from_section(root.section("network"), base)


def _compute(s: ConfigSection | None, base: Path) -> cm.ComputeModel | None:
    if s is None:
        return None
    kinds = ("roofline", "table", "curve", "sampled_rtl")
    kind = s.get("kind", choice_of(kinds), hint=f"one of {', '.join(kinds)}")
    try:
        model = _compute_kind(s, kind, base)
    except NetworkConfigError:
        raise
    except NetworkError as exc:
        raise NetworkConfigError(s.loc(), exc.message, exc.hint) from None
    s.done()
    return model


def _compute_kind(s: ConfigSection, kind: str, base: Path) -> cm.ComputeModel:
    if kind == "roofline":
        return cm.Roofline(s.get("peak", positive_quantity(FLOPS), hint="e.g. '400 TFLOP/s'"),
                           s.get("memory_bandwidth", positive_quantity(BANDWIDTH), hint="e.g. '2 TB/s'"),
                           s.get("overhead", parse_nonneg_time, 0.0))
    if kind == "table":
        if "file" in s.data:
            table = cm.load_kernel_table(_file(s, "file", base))
        else:
            table = cm.KernelTable({}, source=s.path)
        kernels = s.section("kernels", optional=True)
        if kernels is not None:
            for key in kernels.data:
                table.entries[str(key)] = cm.Estimate(kernels.get(key, parse_nonneg_time), None,
                                                      "table")
            kernels.done()
        s.used.add("file")
        return table
    if kind == "curve":
        path = _file(s, "file", base)
        try:
            with warnings.catch_warnings():        # an empty file: our error, not numpy's warning
                warnings.simplefilter("ignore", UserWarning)
                rows = np.loadtxt(path, delimiter=",", comments="#", skiprows=1, ndmin=2)
        except ValueError as exc:      # numpy's message names the bad row and column
            raise s.error("file", f"cannot read curve '{path}': {exc}",
                          "rows of intensity_flops_per_byte, achieved_flops_per_s") from None
        if rows.shape[1] < 2 or len(rows) == 0:
            raise s.error("file", f"curve '{path}' needs rows of two numbers after its header")
        return cm.ThroughputCurve(rows[:, 0], rows[:, 1], s.get("overhead", parse_nonneg_time, 0.0))
    fallback = s.section("fallback", optional=True)
    cache = s.get("cache", str, None)
    return cm.SampledRTL(None, base / cache if cache else None,
                         _compute(fallback, base) if fallback else None)


def _collectives(s: ConfigSection | None) -> SystemConfig | None:
    """The `collectives:` section: the system layer's settings (see syslayer.py)."""
    if s is None:
        return None
    dims: list[tuple[int | None, str]] = []
    if "per_dimension" in s.data:
        for i, item in enumerate(s.items("per_dimension", "dimensions",
                                         "per_dimension: [ring, {size: 16, algorithm: tree}]")):
            where = s.loc("per_dimension", i)
            if isinstance(item, str):
                item = {"algorithm": item}
            if not isinstance(item, dict) or set(item) - {"size", "algorithm"}:
                raise NetworkConfigError(where, f"bad dimension {item!r}", "an algorithm name "
                                         "or {size: N, algorithm: ring|tree|halving_doubling|auto}")
            algorithm = item.get("algorithm", "auto")
            if algorithm not in SYS_ALGORITHMS + ("auto",):
                raise NetworkConfigError(where, f"unknown algorithm '{algorithm}' for a dimension",
                                         f"use one of {', '.join(SYS_ALGORITHMS + ('auto',))}")
            size = item.get("size")
            if size is not None:
                try:
                    size = parse_positive_int(size)
                except ValueError as exc:
                    raise NetworkConfigError(where, f"bad dimension size: {exc}") from None
            dims.append((size, algorithm))
        if any(size is None for size, _ in dims) and any(size for size, _ in dims):
            raise s.error("per_dimension", "give every dimension a size, or none")
    s.used.add("per_dimension")
    config = SystemConfig(
        splits=s.get("splits", parse_positive_int, 1),
        active_chunks=s.get("active_chunks", parse_positive_int, 1),
        reduce_bandwidth=s.get("reduce_bandwidth", positive_quantity(BANDWIDTH), 0.0,
                               "a local memory bandwidth like '100 GB/s'"),
        reduce_passes=s.get("reduce_passes", parse_positive_int, 3),
        endpoint_delay=s.get("endpoint_delay", parse_nonneg_time, 0.0),
        algorithm=s.get("algorithm", choice_of(SYS_CHOICES), "job",
                        f"one of {', '.join(SYS_CHOICES)}"),
        per_dimension=tuple(dims))
    s.done()
    return config


def _trace(s: ConfigSection, base: Path) -> Path:
    """A Chakra trace: one file, a directory of per-rank files, or a pattern with '{rank}'
    or a glob (chakra_files.trace_files resolves those and names what is missing)."""
    name = s.get("trace", str, hint="a trace file, a directory, or a pattern like "
                                    "'trace.{rank}.et' (relative to this file)")
    path = base / name
    if "{rank}" in name or any(c in path.name for c in "*?[") or path.is_dir():
        if not path.parent.is_dir():
            raise s.error("trace", f"directory '{path.parent}' not found (looked in {base})")
        return path
    if not path.is_file():
        raise s.error("trace", f"file '{name}' not found (looked in {base})")
    return path


def _file(s: ConfigSection, key: str, base: Path) -> Path:
    name = s.get(key, str, hint="a path relative to this file")
    path = base / name
    if not path.is_file():
        raise s.error(key, f"file '{name}' not found (looked in {base})")
    return path


class _Kernels:
    """Reads kernel values: a time, or a description priced by the compute model."""

    def __init__(self, model: cm.ComputeModel | None, dtype_bytes: int):
        self.model, self.dtype_bytes = model, dtype_bytes

    def read(self, s: ConfigSection, key: str, name: str, default: Any = None):
        """(seconds, ci, kernel or None); `default` when the key is absent."""
        s.used.add(key)
        value = s.data.get(key)
        if value is None:
            if default is None:
                raise NetworkConfigError(s.loc(), f"{s.what} is missing '{key}'",
                                         "a time like '1.5 ms', or {gemm: [M, K, N]}")
            return default
        if not isinstance(value, dict):
            return s.get(key, parse_nonneg_time, hint="a time like '1.5 ms', or {gemm: [M, K, N]}"), \
                None, None
        k = s.section(key)
        kernel = self.kernel(k, name)
        k.done()
        if self.model is None:
            raise k.error("gemm" if "gemm" in k.data else next(iter(k.data), ""),
                          f"kernel '{kernel.key}' needs a compute model to be timed",
                          "add a 'compute:' section (roofline, table, curve, sampled_rtl)")
        try:
            est = self.model.estimate(kernel)
        except NetworkError as exc:
            raise NetworkConfigError(s.loc(key), exc.message, exc.hint) from None
        return est.seconds, est.ci, kernel

    def kernel(self, k: ConfigSection, name: str) -> cm.Kernel:
        if "gemm" in k.data:
            shape = k.get("gemm", _shape, hint="[M, K, N], positive integers")
            return cm.gemm_kernel(*shape, dtype_bytes=self.dtype_bytes, name="")
        if "kernel" in k.data:
            return cm.Kernel(k.get("kernel", str))
        return cm.Kernel(name, k.get("flops", positive_quantity({}), hint="a number of flops"),
                         k.get("bytes", _SIZE, 0.0))


def _shape(value: Any) -> tuple[int, int, int]:
    if not isinstance(value, list) or len(value) != 3:
        raise ValueError(f"expected [M, K, N], got {value!r}")
    return tuple(parse_positive_int(v) for v in value)


def _job(s: ConfigSection, network: Network, model, base: Path) -> tuple[Job, str]:
    kind = s.get("kind", choice_of(JOB_KINDS), hint=f"one of {', '.join(JOB_KINDS)}")
    engine = s.get("engine", choice_of(("auto", "messages", "ops")), "auto")
    topo = network.topology
    n = s.get("nodes", parse_positive_int, topo.n_nodes)
    if n > topo.n_nodes:
        raise s.error("nodes", f"the job asks for {n} nodes but '{topo.name}' has "
                               f"{topo.n_nodes}")
    kernels = _Kernels(model, s.get("dtype_bytes", parse_positive_int, 2))
    try:
        if kind == "colocated":
            job = _colocated(s, kernels, n, base)
        elif kind == "chakra":
            from .chakra import load_chakra
            job = load_chakra(_trace(s, base), model, s.get("ranks", parse_positive_int, None),
                              s.get("strict", parse_bool, True))
            if job.n_nodes > topo.n_nodes:
                raise s.error("trace", f"the trace has {job.n_nodes} ranks but '{topo.name}' "
                                       f"has {topo.n_nodes} nodes")
        else:
            job = _build(s, kind, kernels, list(range(n)), n)
    except NetworkConfigError:
        raise
    except NetworkError as exc:
        raise NetworkConfigError(s.loc(), exc.message, exc.hint) from None
    s.done()
    return job, engine


def _build(s: ConfigSection, kind: str, kernels: _Kernels, nodes: list[int], n: int) -> Job:
    """A data_parallel, pipeline or tensor_parallel job on `nodes` (of `n`)."""
    algorithm = (lambda: s.get("algorithm", choice_of(ALGORITHMS[:3]), "ring_allreduce"))
    if kind == "data_parallel":
        return data_parallel_step(
            _layers(s, kernels, backward=True), nodes, n,
            s.get("bucket", _SIZE, 25 * 2**20), s.get("overlap", parse_bool, True), algorithm(),
            s.get("optimizer", parse_nonneg_time, 0.0))
    if kind == "pipeline":
        return _pipeline(s, kernels, nodes, n)
    size = s.get("group_size", parse_positive_int)
    if len(nodes) % size:
        raise s.error("group_size", f"{len(nodes)} nodes do not split into groups of {size}")
    groups = [nodes[g:g + size] for g in range(0, len(nodes), size)]
    return tensor_parallel_layers(_layers(s, kernels, backward=False), groups, n,
                                  s.get("activation_bytes", _SIZE), algorithm())


def _colocated(s: ConfigSection, kernels: _Kernels, n: int, base: Path) -> Job:
    """`parts:` a list of jobs, each with a name, its nodes and its own kind and keys."""
    items = s.items("parts", "jobs", "- {name: train, nodes: '0-7', kind: data_parallel, ...}")
    kinds = tuple(k for k in JOB_KINDS if k not in ("chakra", "colocated"))
    parts, taken = [], {}
    for i, item in enumerate(items):
        ps = ConfigSection(item, s.at + ("parts", i), s.locs, s.path, f"part {i}")
        name = str(ps.get("name", str, f"part{i}"))
        nodes = ps.get("nodes", lambda v: _node_list(v, n),
                       hint="a list of node ids, or ranges like '0-3,8-11'")
        for v in nodes:
            if v in taken:
                raise ps.error("nodes", f"node {v} is in part '{taken[v]}' already",
                               "parts share the fabric, not nodes")
            taken[v] = name
        kind = ps.get("kind", choice_of(kinds), hint=f"one of {', '.join(kinds)}")
        try:
            parts.append((name, _build(ps, kind, kernels, nodes, n)))
        except NetworkConfigError:
            raise
        except NetworkError as exc:
            raise NetworkConfigError(ps.loc(), exc.message, exc.hint) from None
        ps.done()
    return colocate(parts, n)


def _node_list(value: Any, n: int) -> list[int]:
    if isinstance(value, str):
        nodes = []
        for piece in value.split(","):
            lo, _, hi = piece.strip().partition("-")
            if not lo.strip().isdigit() or (hi and not hi.strip().isdigit()):
                raise ValueError(f"cannot read '{piece.strip()}' as a node or a range a-b")
            nodes.extend(range(int(lo), int(hi or lo) + 1))
    elif isinstance(value, list) and value:
        nodes = value
    else:
        raise ValueError(f"expected a list of node ids or ranges like '0-3,8-11', got {value!r}")
    nodes = [_node(v, n) for v in nodes]
    if len(set(nodes)) != len(nodes):
        raise ValueError("a node is listed twice")
    return nodes


def _layers(s: ConfigSection, kernels: _Kernels, backward: bool) -> list[Layer]:
    items = s.items("layers", "layers", "- {name: block, repeat: 12, forward: 1 ms, grad_bytes: 32 MiB}")
    layers, total = [], 0
    for i, item in enumerate(items):
        ls = ConfigSection(item, s.at + ("layers", i), s.locs, s.path, f"layer {i}")
        name = str(ls.get("name", str, f"layer{i}"))
        repeat = ls.get("repeat", parse_positive_int, 1)
        total += repeat
        try:          # each layer is a few tasks (forward, backward, gradient buckets)
            check_tasks(TASKS_PER_LAYER * total, f"{total:,} layers")
        except NetworkError as exc:
            raise NetworkConfigError(ls.loc("repeat") if "repeat" in ls.data else ls.loc(),
                                     exc.message, exc.hint) from None
        fwd, fwd_ci, kernel = kernels.read(ls, "forward", name)
        if backward:
            bwd, bwd_ci, _ = kernels.read(ls, "backward", name,
                                          (2 * fwd, _scale(fwd_ci, 2), None))
            k, n = (kernel.shape[1], kernel.shape[2]) if kernel and kernel.shape else (0, 0)
            default = float(k * n * kernels.dtype_bytes) if k else None
            grad = ls.get("grad_bytes", _SIZE, default,
                          "a size like '32 MiB' (required unless forward is a GEMM)")
            if grad is None:
                raise NetworkConfigError(ls.loc(), f"layer {i} is missing 'grad_bytes'",
                                         "a size like '32 MiB' (required unless forward is a "
                                         "GEMM)")
        else:
            bwd, bwd_ci, grad = 0.0, None, 0.0
        ls.done()
        for r in range(repeat):
            label = f"{name}{r}" if repeat > 1 else name
            layers.append(Layer(label, fwd, bwd, grad, fwd_ci, bwd_ci))
    return layers


def _scale(ci, factor: float):
    return None if ci is None else (ci[0] * factor, ci[1] * factor)


def _pipeline(s: ConfigSection, kernels: _Kernels, nodes: list[int], n: int) -> Job:
    s.used.add("stages")
    stages_value = s.data.get("stages")
    if isinstance(stages_value, int) and not isinstance(stages_value, bool):
        count = s.get("stages", parse_positive_int)
        try:
            check_tasks(2 * count, f"{count:,} stages")
        except NetworkError as exc:
            raise s.error("stages", exc.message, exc.hint) from None
        seconds, _, _ = kernels.read(s, "stage", "stage")
        stages = [seconds] * count
    elif isinstance(stages_value, list) and stages_value:
        holder = ConfigSection({f"{i}": v for i, v in enumerate(stages_value)}, s.at, s.locs,
                               s.path, "'stages'")
        holder.locs = {**s.locs, **{s.at + (f"{i}",): s.locs.get(s.at + ("stages", i), s.loc())
                                    for i in range(len(stages_value))}}
        stages = [kernels.read(holder, f"{i}", f"stage{i}")[0] for i in range(len(stages_value))]
    else:
        raise NetworkConfigError(s.loc("stages") if "stages" in s.data else s.loc(),
                                 "'stages' must be a stage count or a list of stage kernels",
                                 "e.g. stages: 4 with stage: 2 ms, or stages: [2 ms, 3 ms]")
    placement = s.get("placement", lambda v: [_node(x, n) for x in v] if isinstance(v, list)
                      else _bad_list(v), nodes[:len(stages)])
    if len(stages) > len(nodes) and "placement" not in s.data:
        raise s.error("stages", f"{len(stages)} stages need {len(stages)} nodes, the job has "
                                f"{len(nodes)}")
    return pipeline_inference(stages, s.get("activation_bytes", _SIZE),
                              s.get("micro_batches", parse_positive_int), placement, n)


def _node(value: Any, n: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n:
        raise ValueError(f"expected a node id in 0..{n - 1}, got {value!r}")
    return value


def _bad_list(value: Any):
    raise ValueError(f"expected a list of node ids, got {value!r}")
