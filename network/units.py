"""Quantities with units in cluster files: '50 GB/s', '400 Gbps', '500 ns', '1 MiB'.

A bare number is taken in SI base units (bytes/s, seconds, bytes). Strings like '100e9'
are accepted too, because YAML 1.1 reads them as text rather than floats.
"""
from __future__ import annotations

import re

__all__ = ["parse_quantity", "BANDWIDTH", "TIME", "SIZE", "FLOPS"]

_K, _Ki = 1e3, 1024.0
BANDWIDTH = {"B/s": 1.0, "KB/s": _K, "MB/s": _K**2, "GB/s": _K**3, "TB/s": _K**4,
             "KiB/s": _Ki, "MiB/s": _Ki**2, "GiB/s": _Ki**3, "TiB/s": _Ki**4,
             "bps": 1 / 8, "Kbps": _K / 8, "Mbps": _K**2 / 8, "Gbps": _K**3 / 8,
             "Tbps": _K**4 / 8}
TIME = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9, "ps": 1e-12}
FLOPS = {"flop/s": 1.0, "FLOP/s": 1.0, "GFLOP/s": 1e9, "TFLOP/s": 1e12, "PFLOP/s": 1e15}
SIZE = {"B": 1.0, "KB": _K, "MB": _K**2, "GB": _K**3, "KiB": _Ki, "MiB": _Ki**2,
        "GiB": _Ki**3}

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([^\s\d].*?)?\s*$")


def parse_quantity(value: object, units: dict[str, float]) -> float:
    """The value in base units; raises ValueError with the allowed units on failure."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise ValueError(f"expected a number or a quantity string, got {type(value).__name__}")
    match = _QUANTITY.match(value)
    if not match:
        raise ValueError(f"cannot read '{value}' as a quantity")
    number, unit = float(match.group(1)), match.group(2)
    if unit is None:
        return number
    if unit not in units:
        raise ValueError(f"unknown unit '{unit}' in '{value}'")
    return number * units[unit]
