"""YAML with source locations.

Machine files are read with PyYAML's safe composer (no tags, no object construction) and
turned into plain `Node`s that remember where they came from, so that every later error
can point at the user's line and column.
"""
from __future__ import annotations

from dataclasses import dataclass
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
        return Node(node.value, loc, style=node.style)
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
        raise SpecError(loc, f"YAML syntax: {exc.problem or exc.context}",
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
        line = node.loc.line + 1
        while line <= len(text_lines) and not text_lines[line - 1].strip():
            line += 1
        if line > len(text_lines):
            return node.loc.line, node.loc.col
        raw = text_lines[line - 1]
        return line, len(raw) - len(raw.lstrip(" ")) + 1
    if node.style in ('"', "'"):
        return node.loc.line, node.loc.col + 1
    return node.loc.line, node.loc.col
