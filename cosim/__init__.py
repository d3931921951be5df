"""Sampled co-simulation and the `dcsim` command line."""
__all__: list[str] = []
