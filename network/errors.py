"""The user-facing errors of the network package.

A bad cluster file raises `NetworkConfigError`, which prints like every other dcsim user
error: ``path:line:col: error: message`` and a hint of what is allowed. Asking a model or a
collective for something it cannot do (an unreachable node, halving-doubling over a rank
count that is not a power of two) raises `NetworkError`.
"""
from __future__ import annotations

from spec.errors import DcsimError, Loc

__all__ = ["NetworkError", "NetworkConfigError", "NetworkWarning"]


class NetworkError(DcsimError):
    """A topology, model or collective was asked for something it does not support."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def render(self) -> str:
        text = f"error: {self.message}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")

    def __str__(self) -> str:
        return self.render()


class NetworkConfigError(NetworkError):
    """A malformed cluster/topology YAML file or curve CSV, blamed on the user's line."""

    def __init__(self, loc: Loc, message: str, hint: str | None = None):
        super().__init__(message, hint)
        self.loc = loc

    def render(self) -> str:
        text = f"{self.loc}: error: {self.message}"
        return text + (f"\n  hint: {self.hint}" if self.hint else "")


class NetworkWarning(UserWarning):
    """Input that was repaired or is suspicious but usable (a lenient Chakra trace, curve
    rows dropped while cleaning a measured curve): the message names what was changed."""
