"""Workloads: built-in command streams with their DRAM inputs and a numpy reference output,
workload files and Python generators (`files`)."""
from .base import FUNCTIONAL_MODEL, Workload, WorkloadError
from .catalog import WORKLOAD_HELP, build_workload
from .files import load_workload, workload_from_file, workload_from_module, write_workload
from .npu import gemm, mlp
from .registry import WORKLOADS, workload_lines

__all__ = ["FUNCTIONAL_MODEL", "WORKLOAD_HELP", "WORKLOADS", "Workload", "WorkloadError", "build_workload", "gemm",
           "load_workload", "mlp", "workload_from_file", "workload_from_module", "workload_lines", "write_workload"]
