"""Verilog, correspondence manifest, Verilator build and the native engine (from the FSMD)."""
from .engine import Artifacts, RtlEngine, generate_artifacts
from .manifest import build_manifest
from .verilator import RtlBuildError, find_verilator, lint
from .verilog import generate

__all__ = ["Artifacts", "RtlBuildError", "RtlEngine", "build_manifest", "find_verilator", "generate",
           "generate_artifacts", "lint"]
