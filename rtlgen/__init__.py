"""Verilog, correspondence manifest, Verilator build and native shim (issue 4; not built yet)."""
__all__: list[str] = []
