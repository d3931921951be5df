"""Bring your own RTL: a hand-written Verilog design sampled against a machine file through
a correspondence file (docs/rtl.md)."""
from .correspondence import Correspondence, read_correspondence
from .engine import ByoEngine

__all__ = ["ByoEngine", "Correspondence", "read_correspondence", "resolve_rtl"]

from pathlib import Path

from spec.errors import DcsimError

BUNDLED = Path(__file__).resolve().parents[2] / "hw" / "rtl"


def resolve_rtl(name_or_path: str) -> Path:
    """`--rtl NAME|FILE`: a bundled correspondence file (hw/rtl/NAME.yaml) or a path."""
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") or p.exists():
        return p
    bundled = BUNDLED / f"{name_or_path}.yaml"
    if not bundled.exists():
        known = ", ".join(sorted(f.stem for f in BUNDLED.glob("*.yaml"))) or "none"
        raise DcsimError(f"no bundled design '{name_or_path}' (bundled: {known}); give a correspondence file "
                         "(FILE.yaml) for your own")
    return bundled
