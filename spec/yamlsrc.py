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


def mapping_of(node: Node, what: str, allowed=None, required: tuple = ()) -> dict:
    """`node`'s mapping, its keys checked: each one of `allowed` (None: any key) and every
    `required` one present; the errors point at the offending key (or the mapping)."""
    if not node.is_map:
        raise SpecError(node.loc, f"{what} must be a mapping", f"write {what} as 'key: value' lines")
    for key in node.value:
        if allowed is not None and key not in allowed:
            names = sorted(allowed) if isinstance(allowed, (set, frozenset)) else allowed
            raise SpecError(node.key_locs[key], f"unknown key '{key}' in {what}", f"allowed keys: {', '.join(names)}")
    for key in required:
        if key not in node.value:
            raise SpecError(node.loc, f"{what} needs '{key}'", f"add '{key}:' (required keys: {', '.join(required)})")
    return node.value


def _loc(path: str, mark) -> Loc:
    return Loc(path, mark.line + 1, mark.column + 1)


class _Converter:
    """PyYAML nodes -> Nodes. An alias is the very node its anchor names, so each node is
    converted once (a 'billion laughs' file of nested aliases stays linear instead of hanging);
    a collection that contains itself through an alias, or a tree that aliases make deeper
    than MAX_YAML_DEPTH, is an error rather than a stack overflow."""

    def __init__(self, path: str):
        self.path = path
        self.done: dict[int, Node] = {}
        self.active: set[int] = set()

    def convert(self, node: yaml.Node, depth: int = 1) -> Node:
        key, loc = id(node), _loc(self.path, node.start_mark)
        if key in self.done:
            return self.done[key]
        if key in self.active:
            raise SpecError(loc, "this YAML collection contains itself (through an alias)",
                            "machine files need no anchors (&) or aliases (*): write the value out")
        if depth > MAX_YAML_DEPTH:
            raise SpecError(loc, f"YAML nested more than {MAX_YAML_DEPTH} levels deep (through aliases)",
                            "machine files need no anchors (&) or aliases (*): write the value out")
        self.active.add(key)
        try:
            self.done[key] = self.build(node, loc, depth)
        finally:
            self.active.discard(key)
        return self.done[key]

    def build(self, node: yaml.Node, loc: Loc, depth: int) -> Node:
        if isinstance(node, yaml.ScalarNode):
            return Node(node.value, loc, style=node.style, end_line=node.end_mark.line + 1)
        if isinstance(node, yaml.SequenceNode):
            return Node([self.convert(item, depth + 1) for item in node.value], loc)
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, loc, depth)
        raise SpecError(loc, "unsupported YAML construct")  # pragma: no cover - composer yields only these

    def mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> Node:
        items: dict[str, Node] = {}
        key_locs: dict[str, Loc] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(_loc(self.path, key_node.start_mark), "mapping keys must be plain names")
            key = key_node.value
            if key in items:
                raise SpecError(_loc(self.path, key_node.start_mark), f"duplicate key '{key}'",
                                f"'{key}' is already defined at {key_locs[key]}")
            items[key] = self.convert(value_node, depth + 1)
            key_locs[key] = _loc(self.path, key_node.start_mark)
        return Node(items, loc, key_locs=key_locs)


MAX_YAML_DEPTH = 64           # machine files nest about 6 deep; composing is recursive in PyYAML


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader, refusing collections nested deeper than MAX_YAML_DEPTH where they start
    (`[[[[...` thousands deep would otherwise overflow the stack of the recursive composer)."""
    path = "<string>"

    def compose_node(self, parent, index):
        self.depth = getattr(self, "depth", 0) + 1
        if self.depth > MAX_YAML_DEPTH:
            raise SpecError(_loc(self.path, self.peek_event().start_mark),
                            f"YAML nested more than {MAX_YAML_DEPTH} levels deep",
                            "a machine file nests mappings and lists a few levels: is a bracket unclosed?")
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def parse_yaml(text: str, path: str) -> Node:
    """Compose `text` with the safe loader; YAML syntax errors become SpecErrors."""
    loader = None
    try:
        loader = _BoundedLoader(text)           # the reader checks every character here
        loader.path = path
        root = loader.get_single_node()
    except yaml.reader.ReaderError as exc:
        raise _unprintable(path, text, exc) from None
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
    finally:
        if loader is not None:
            loader.dispose()
    if root is None:
        raise SpecError(Loc(path, 1, 1), "the file is empty", "a machine file starts with 'machine: NAME'")
    return _Converter(path).convert(root)


def _unprintable(path: str, text: str, exc: yaml.reader.ReaderError) -> SpecError:
    """A character YAML refuses (NUL, other control characters): the reader has no mark, only
    the character's index in `text`, from which the line and column follow."""
    before = text[:exc.position]
    line, col = before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return SpecError(Loc(path, line, col), f"character {ord(char):#04x} is not allowed in a YAML file",
                     "machine files are printable text: remove the control character")


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
