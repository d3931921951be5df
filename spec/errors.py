"""Source locations and the one exception type of the spec front end.

Every user-facing error carries a `Loc` and prints as ``path:line:col: error: message``
followed by a hint of what is allowed instead. The command line catches `SpecError`
and never shows a Python traceback for it.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Loc:
    """A position in a user's file; line and col are 1-based."""
    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


NOWHERE = Loc("<builtin>", 0, 0)


class DcsimError(Exception):
    """Base of every error the tool reports to a user without a traceback."""

    def render(self) -> str:
        return f"error: {self}"


class SpecError(DcsimError):
    """A malformed machine file, semantics block, or program text."""

    def __init__(self, loc: Loc, message: str, hint: str | None = None):
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f"{self.loc}: error: {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def __str__(self) -> str:
        return self.render()


class MachineFault(DcsimError):
    """The simulated machine did something its spec forbids (failed assert, bad index)."""

    def __init__(self, message: str, loc: Loc | None = None):
        super().__init__(message)
        self.message = message
        self.loc = loc

    def render(self) -> str:
        where = f" (spec {self.loc})" if self.loc else ""
        return f"error: machine fault: {self.message}{where}"

    def __str__(self) -> str:
        return self.render()
