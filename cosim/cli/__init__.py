"""The `dcsim` command line: one module per subcommand (`COMMANDS`), each with
`add_parser(sub)` and `command(args) -> exit status`."""
from .main import build_parser, main

__all__ = ["build_parser", "main"]
