"""A small RV32I text builder for the bundled programs: `spec.Assembler` takes only the
machine's real instructions (no pseudo-instructions such as li/la/j), so the programs are
written through this helper, which expands the few pseudo-instructions they need into
real ones with constants known when the text is generated."""
from __future__ import annotations

MASK32 = 0xFFFFFFFF


def split_constant(value: int) -> tuple[int, int]:
    """(hi20, lo12) with (hi20 << 12) + lo12 == value (mod 2**32), lo12 in -2048..2047:
    the LUI/ADDI pair that loads `value` (ADDI sign-extends its immediate, hence the +0x800)."""
    value &= MASK32
    hi = ((value + 0x800) >> 12) & 0xFFFFF
    lo = value - ((hi << 12) & MASK32)
    if lo >= 2048:
        lo -= 1 << 32
    return hi, lo


class Asm:
    """Lines of assembly; `text()` for `spec.Assembler.assemble`."""

    def __init__(self):
        self.lines: list[str] = []

    def __call__(self, *lines: str):
        self.lines.extend(lines)

    def label(self, name: str):
        self.lines.append(f"{name}:")

    def li(self, rd: str, value: int):
        """Load a 32-bit constant (LUI + ADDI, or one of them when it suffices)."""
        hi, lo = split_constant(value)
        if hi == 0:
            self.lines.append(f"addi {rd}, x0, {lo}")
            return
        self.lines.append(f"lui {rd}, {hi:#x}")
        if lo:
            self.lines.append(f"addi {rd}, {rd}, {lo}")

    def j(self, label: str):
        self.lines.append(f"jal x0, {label}")

    def call(self, label: str):
        self.lines.append(f"jal x1, {label}")

    def ret(self):
        self.lines.append("jalr x0, 0(x1)")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"
