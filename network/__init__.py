"""Switch/link models, topologies, collectives and cluster jobs (issue 6)."""
from .chakra import load_chakra, parse_chakra
from .cluster import ClusterResult, simulate, with_ci
from .collectives import (Collective, CollectiveResult, all_gather, all_to_all,
                          halving_doubling_allreduce, reduce_scatter, ring_allreduce,
                          ring_allreduce_time, run_collective, send_recv, tree_allreduce)
from .compute import (ComputeModel, Estimate, Kernel, KernelTable, Roofline, SampledRTL,
                      ThroughputCurve, gemm_kernel, load_kernel_table)
from .config import Network, load_network, load_topology, parse_network
from .curves import CSV_COLUMNS, Curve, fit_curve, load_curves_csv, save_curve_csv
from .errors import NetworkConfigError, NetworkError, NetworkWarning
from .flow import FlowModel, max_min_rates, max_min_sparse
from .job import (Job, Layer, Task, colocate, data_parallel_step, pipeline_inference,
                  tensor_parallel_layers)
from .jobfile import NETWORK_KINDS, ClusterConfig, load_cluster, parse_cluster, with_model
from .mess import MessModel
from .packet import PacketModel
from .report import summary, write_chrome_trace
from .topology import Link, Topology, fat_tree, hierarchical, leaf_spine, ring, switch, torus
from .workload import LinkModel, Message, RunResult, Workload

__all__ = [
    "load_chakra", "parse_chakra", "ClusterResult", "simulate", "with_ci",
    "Collective", "CollectiveResult", "all_gather", "all_to_all",
    "halving_doubling_allreduce", "reduce_scatter", "ring_allreduce", "ring_allreduce_time",
    "run_collective", "send_recv", "tree_allreduce",
    "ComputeModel", "Estimate", "Kernel", "KernelTable", "Roofline", "SampledRTL",
    "ThroughputCurve", "gemm_kernel", "load_kernel_table",
    "Network", "load_network", "load_topology", "parse_network",
    "CSV_COLUMNS", "Curve", "fit_curve", "load_curves_csv", "save_curve_csv",
    "NetworkConfigError", "NetworkError", "NetworkWarning",
    "FlowModel", "max_min_rates", "max_min_sparse", "MessModel", "PacketModel",
    "Job", "Layer", "Task", "colocate", "data_parallel_step", "pipeline_inference",
    "tensor_parallel_layers",
    "NETWORK_KINDS", "ClusterConfig", "load_cluster", "parse_cluster", "with_model",
    "summary", "write_chrome_trace",
    "Link", "Topology", "fat_tree", "hierarchical", "leaf_spine", "ring", "switch", "torus",
    "LinkModel", "Message", "RunResult", "Workload",
]
