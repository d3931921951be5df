"""Switch/link models, collectives and cluster simulation (issue 6; not built yet)."""
__all__: list[str] = []
