"""The node models the selector hands to a job's builder: each prices every kernel from the
selector's current choices in one way (cosim.selector: step 4 of its module doc)."""
from __future__ import annotations

from network.compute import Estimate, Kernel

__all__ = ["Recorder", "Drawn", "AtTop"]


class Recorder:
    """Prices kernels with the curve and counts how often the job uses each one."""

    def __init__(self, model):
        self.model, self.uses, self.kernels = model, {}, {}

    def estimate(self, kernel: Kernel) -> Estimate:
        self.uses[kernel.key] = self.uses.get(kernel.key, 0) + 1
        self.kernels.setdefault(kernel.key, kernel)
        return self.model.curve_estimate(kernel)


class Drawn:
    """One resampling draw: each kernel's estimate moved by its σ times its group's normal."""

    def __init__(self, sel, normals: dict):
        self.sel, self.normals = sel, normals

    def estimate(self, kernel: Kernel) -> Estimate:
        c = self.sel.choices[kernel.key]
        e = c.estimate or c.curve
        sigma = (e.ci[1] - e.ci[0]) / (2 * self.sel.z) if e.ci else 0.0
        return Estimate(max(0.0, e.seconds + sigma * self.normals.get(self.sel.group(c), 0.0)), None, e.source)


class AtTop(Drawn):
    """Every kernel at its estimate, those in `keys` at the top of their interval."""

    def __init__(self, sel, keys):
        super().__init__(sel, {})
        self.keys = keys

    def estimate(self, kernel: Kernel) -> Estimate:
        c = self.sel.choices[kernel.key]
        e = c.estimate or c.curve
        return Estimate(e.ci[1] if kernel.key in self.keys and e.ci else e.seconds, None, e.source)
