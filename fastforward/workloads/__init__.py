"""Built-in workloads: command streams with their DRAM inputs and a numpy reference output."""
from .base import Workload, WorkloadError
from .catalog import WORKLOAD_HELP, build_workload
from .npu import gemm, mlp
from .registry import WORKLOADS, workload_lines

__all__ = ["WORKLOAD_HELP", "WORKLOADS", "Workload", "WorkloadError", "build_workload", "gemm", "mlp",
           "workload_lines"]
