"""Switch/link models, topologies and collectives (issue 6, first increment)."""
from .collectives import (Collective, CollectiveResult, all_gather, all_to_all,
                          halving_doubling_allreduce, reduce_scatter, ring_allreduce,
                          ring_allreduce_time, run_collective, send_recv, tree_allreduce)
from .config import Network, load_network, load_topology, parse_network
from .curves import CSV_COLUMNS, Curve, fit_curve, load_curves_csv, save_curve_csv
from .errors import NetworkConfigError, NetworkError
from .flow import FlowModel, max_min_rates
from .mess import MessModel
from .packet import PacketModel
from .topology import Link, Topology, fat_tree, hierarchical, leaf_spine, ring, switch, torus
from .workload import LinkModel, Message, RunResult, Workload

__all__ = [
    "Collective", "CollectiveResult", "all_gather", "all_to_all",
    "halving_doubling_allreduce", "reduce_scatter", "ring_allreduce", "ring_allreduce_time",
    "run_collective", "send_recv", "tree_allreduce",
    "Network", "load_network", "load_topology", "parse_network",
    "CSV_COLUMNS", "Curve", "fit_curve", "load_curves_csv", "save_curve_csv",
    "NetworkConfigError", "NetworkError",
    "FlowModel", "max_min_rates", "MessModel", "PacketModel",
    "Link", "Topology", "fat_tree", "hierarchical", "leaf_spine", "ring", "switch", "torus",
    "LinkModel", "Message", "RunResult", "Workload",
]
