"""Built-in workloads: command streams with their DRAM inputs and a numpy reference output."""
from .base import Workload, WorkloadError
from .catalog import WORKLOAD_HELP, build_workload
from .npu import gemm, mlp

__all__ = ["WORKLOAD_HELP", "Workload", "WorkloadError", "build_workload", "gemm", "mlp"]
