"""High-level synthesis: Spec IR -> scheduled FSMD IR (units, queues, hazards, banks).

Not built yet (issue 4); the package exists so imports and packaging are fixed early.
"""
__all__: list[str] = []
