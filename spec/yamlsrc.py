"""YAML with source locations.

Machine files are read with PyYAML's safe composer (no tags, no object construction) and
turned into plain `Node`s that remember where they came from, so that every later error
can point at the user's line and column.
"""
from __future__ import annotations

from dataclasses import dataclass
import re
from typing import Any

import yaml

from .errors import Loc, SpecError


@dataclass(frozen=True)
class Node:
    """A YAML value with its location. `value` is a str, a list of Node, or a dict str->Node."""
    value: Any
    loc: Loc
    key_locs: dict | None = None     # for mappings: key -> Loc of the key itself
    style: str | None = None         # scalar style ('|', '>', '"', "'", or None)
    end_line: int | None = None      # for scalars: the line the scalar ends on

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    @property
    def is_scalar(self) -> bool:
        return isinstance(self.value, str)


def _loc(path: str, mark) -> Loc:
    return Loc(path, mark.line + 1, mark.column + 1)


def _convert(path: str, node: yaml.Node) -> Node:
    loc = _loc(path, node.start_mark)
    if isinstance(node, yaml.ScalarNode):
        return Node(node.value, loc, style=node.style, end_line=node.end_mark.line + 1)
    if isinstance(node, yaml.SequenceNode):
        return Node([_convert(path, item) for item in node.value], loc)
    if isinstance(node, yaml.MappingNode):
        items: dict[str, Node] = {}
        key_locs: dict[str, Loc] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(_loc(path, key_node.start_mark), "mapping keys must be plain names")
            key = key_node.value
            if key in items:
                raise SpecError(_loc(path, key_node.start_mark), f"duplicate key '{key}'",
                                f"'{key}' is already defined at {key_locs[key]}")
            items[key] = _convert(path, value_node)
            key_locs[key] = _loc(path, key_node.start_mark)
        return Node(items, loc, key_locs=key_locs)
    raise SpecError(loc, "unsupported YAML construct")  # pragma: no cover - composer yields only these


def parse_yaml(text: str, path: str) -> Node:
    """Compose `text` with the safe loader; YAML syntax errors become SpecErrors."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _loc(path, mark) if mark else Loc(path, 1, 1)
        message = exc.problem or exc.context
        if exc.problem and exc.context and exc.problem.startswith("but "):
            message = f"{exc.context}, {exc.problem}"
        elif exc.problem and exc.context and exc.context_mark:
            message += f" ({exc.context} at line {exc.context_mark.line + 1}, column {exc.context_mark.column + 1})"
        raise SpecError(loc, f"YAML syntax: {message}",
                        "check indentation and that every 'key: value' has a space after the colon") from None
    if root is None:
        raise SpecError(Loc(path, 1, 1), "the file is empty", "a machine file starts with 'machine: NAME'")
    return _convert(path, root)


def block_origin(node: Node, text_lines: list[str]) -> tuple[int, int]:
    """(line, col) in the file of the first character of a scalar's content, both 1-based.

    Literal blocks (`|`) start on the line after the indicator, at that line's indentation;
    quoted scalars start one column after the quote.
    """
    if node.style in ("|", ">"):
        # leading empty lines are part of the block's text, so the text starts on the next line
        header = text_lines[node.loc.line - 1] if node.loc.line <= len(text_lines) else ""
        indicator = re.match(r"[|>][+-]?([1-9])?", header[node.loc.col - 1:])
        if indicator and indicator.group(1):      # explicit indentation: relative to the key's line
            return node.loc.line + 1, len(header) - len(header.lstrip(" ")) + int(indicator.group(1)) + 1
        line = node.loc.line + 1
        while line <= len(text_lines) and not text_lines[line - 1].strip():
            line += 1
        if line > len(text_lines):
            return node.loc.line, node.loc.col
        raw = text_lines[line - 1]
        return node.loc.line + 1, len(raw) - len(raw.lstrip(" ")) + 1
    if node.style in ('"', "'"):
        return node.loc.line, node.loc.col + 1
    return node.loc.line, node.loc.col
