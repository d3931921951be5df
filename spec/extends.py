"""`extends:` — a machine file built on another one.

`extends: rv32i.yaml` (a path relative to the extending file) makes the parent's YAML tree
the starting point of the child's: the two trees are merged here, before the loader reads
them, so every later stage sees one machine. The merged tree keeps each node's own
location, so an inherited instruction's faults, `dcsim explain` and the Verilog comments
still point at the parent file's lines.

The rules (docs/language.md, "extends"):
  machine       required in the child: it names the new machine
  params        inherited; the child adds params and may override an inherited value
  state         inherited; the child adds elements; redeclaring one is allowed only with
                the very same declaration (anything else is an error)
  fetch, queue  inherited; the child cannot declare either
  formats       inherited; the child adds formats; redefining one is an error
  instructions  inherited, in the parent's order, then the child's; an instruction of the
                parent's name is an error unless it says `override: true`, and then it
                replaces the parent's in place; `override: true` on a new name is an error
  hls           units are added (redefining one is an error); banks and dram entries are
                added or override the parent's
A parent may extend another; a cycle, a missing or unreadable parent, and more than
MAX_DEPTH levels are errors at the `extends:` line that names the file.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from .errors import Loc, SpecError
from .yamlsrc import Node, parse_yaml

MAX_DEPTH = 16            # extends chains are one or two levels; bounds a runaway chain of files
MAPPED_SECTIONS = ("params", "state", "formats", "instructions", "hls")


class Sources:
    """The files a machine was read from (the extending file first) and their lines: the
    semantics checker needs the lines of the file each block came from, and the machine's
    digest covers them all."""

    def __init__(self):
        self.lines: dict[str, list[str]] = {}

    def add(self, path: str, text: str):
        self.lines[path] = text.splitlines()

    def lines_of(self, path: str) -> list[str]:
        return self.lines.get(path, [])

    def digest_text(self) -> str:
        """What the digest hashes: one file's lines exactly as before extends existed (so a
        plain machine keeps its digest), parents' lines appended after a separator. Paths are
        left out: the digest must not depend on how a path was spelled."""
        texts = ["\n".join(lines) for lines in self.lines.values()]
        return "\n\x00\n".join(texts)


def resolve(root: Node, path: str, text: str, read: Callable[[Path], str]) -> tuple[Node, Sources]:
    """`root` (parsed from `text` at `path`) with its `extends:` chain merged in.
    `read(path)` returns a parent file's text (raising SpecError when it cannot)."""
    sources = Sources()
    sources.add(path, text)
    return _resolve(root, path, read, sources, []), sources


def _resolve(root: Node, path: str, read, sources: Sources, chain: list) -> Node:
    if not root.is_map or "extends" not in root.value:
        if root.is_map:
            _refuse_override(root)
        return root
    node = root.value["extends"]
    where = root.key_locs["extends"]
    if not node.is_scalar or not node.value.strip():
        raise SpecError(node.loc, "'extends' names one machine file",
                        "write extends: rv32i.yaml (relative to this file)")
    parent_path = _parent_path(path, node.value)
    key = _identity(parent_path)
    if key in chain or key == _identity(Path(path)):
        cycle = " -> ".join([Path(path).name, node.value])
        raise SpecError(node.loc, f"'extends' makes a cycle ({cycle} again)",
                        "a machine file cannot extend itself, directly or through its parents")
    if len(chain) >= MAX_DEPTH:
        raise SpecError(where, f"'extends' chain is more than {MAX_DEPTH} files deep")
    if not _is_file(parent_path):
        what = "is not a regular file" if os.path.exists(parent_path) else "does not exist"
        raise SpecError(node.loc, f"cannot extend '{node.value}': {parent_path} {what}",
                        "name a machine file; the path is relative to the extending file's folder")
    try:
        parent_text = read(parent_path)
    except SpecError as exc:
        if exc.loc.line:                       # a bad byte in the parent: its own line and column
            raise
        raise SpecError(node.loc, f"cannot extend '{node.value}': {exc.message}", exc.hint) from None
    parent_root = parse_yaml(parent_text, str(parent_path))
    sources.add(str(parent_path), parent_text)
    parent = _resolve(parent_root, str(parent_path), read, sources, chain + [_identity(Path(path)), key])
    if not parent.is_map:
        raise SpecError(parent.loc, "a machine file must be a mapping", "write it as 'key: value' lines")
    return _Merge(Path(parent_path).name).machine(parent, root)


def _parent_path(child: str, named: str) -> Path:
    base = Path(child).parent if child != "<string>" else Path(".")
    return Path(os.path.normpath(base / named))        # messages show hw/rv32i.yaml, not hw/x/../rv32i.yaml


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:                    # a name too long for the file system, for one
        return False


def _identity(path: Path) -> str:
    try:
        return str(path.resolve())
    except (OSError, RuntimeError):
        return str(path)


def _refuse_override(root: Node):
    """`override:` only means something in a machine that extends another."""
    instrs = root.value.get("instructions")
    if instrs is None or not instrs.is_map:
        return
    for name, decl in instrs.value.items():
        if decl.is_map and "override" in decl.value:
            raise SpecError(decl.key_locs["override"], f"'override' in instruction '{name}', but this machine "
                                                       "extends no other",
                            "override replaces an inherited instruction: add 'extends: PARENT.yaml', or remove it")


def _at(loc: Loc) -> str:
    """A parent's position as messages name it: the file's base name (the full path is on
    the `extends:` line), line and column."""
    return f"{Path(loc.path).name}:{loc.line}:{loc.col}"


def _plain(node: Node):
    """A node's value without locations, to compare two declarations."""
    if node.is_map:
        return {k: _plain(v) for k, v in node.value.items()}
    if node.is_list:
        return [_plain(v) for v in node.value]
    return node.value


def _show(value) -> str:
    """A declaration as flow YAML, for messages: {regfile: u32, count: 32}."""
    if isinstance(value, Node):
        value = _plain(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


class _Merge:
    """Merges a child machine's tree into its (already resolved) parent's."""

    def __init__(self, parent_name: str):
        self.parent = parent_name

    def expect_map(self, node: Node, what: str) -> Node:
        if not node.is_map:
            raise SpecError(node.loc, f"{what} must be a mapping", f"write {what} as 'key: value' lines")
        return node

    def machine(self, parent: Node, child: Node) -> Node:
        if "machine" not in child.value:
            raise SpecError(child.key_locs["extends"],
                            f"a machine that extends {self.parent} needs its own 'machine' name",
                            "add 'machine: NAME' (the extended machine keeps its own name)")
        items, locs = dict(parent.value), dict(parent.key_locs)
        for key, node in child.value.items():
            loc = child.key_locs[key]
            if key == "extends":
                continue
            if key in ("fetch", "queue"):
                kind = "fetch" if "fetch" in parent.value else "queue"
                declared = _at(parent.key_locs.get(kind, parent.loc))
                raise SpecError(loc, f"'{key}' is inherited: '{kind}' is declared at {declared}",
                                f"remove '{key}:'; a machine that extends another keeps its {kind}")
            if key in MAPPED_SECTIONS and key in parent.value:
                merge = getattr(self, f"section_{key}")
                items[key] = merge(self.expect_map(parent.value[key], key), self.expect_map(node, key))
                continue
            items[key], locs[key] = node, loc          # machine, new sections, unknown keys (the loader refuses)
        if "instructions" in child.value and "instructions" not in parent.value:
            items["instructions"] = self.section_instructions(None, self.expect_map(child.value["instructions"],
                                                                                    "instructions"))
        return Node(items, child.loc, key_locs=locs)

    def combine(self, parent: Node, child: Node, conflict: Callable[[str, Node, Loc, Node, Loc], Node | None]) -> Node:
        """The parent's entries in order (an entry the child redefines replaced in place by what
        `conflict` returns), then the child's new ones."""
        items, locs = dict(parent.value), dict(parent.key_locs)
        for key, node in child.value.items():
            if key in items:
                replacement = conflict(key, items[key], locs[key], node, child.key_locs[key])
                if replacement is not None:
                    items[key], locs[key] = replacement, child.key_locs[key]
            else:
                items[key], locs[key] = node, child.key_locs[key]
        return Node(items, child.loc, key_locs=locs)

    def section_params(self, parent: Node, child: Node) -> Node:
        return self.combine(parent, child, lambda key, old, old_loc, new, new_loc: new)

    def section_state(self, parent: Node, child: Node) -> Node:
        def conflict(key, old, old_loc, new, new_loc):
            if _plain(old) == _plain(new):
                return None                 # the same declaration again: the inherited one stands
            raise SpecError(new_loc, f"state '{key}' is inherited from {_at(old_loc)} as {_show(old)}; "
                                     f"it cannot be redeclared as {_show(new)}",
                            "an extending machine keeps inherited state: remove this line, or give the new "
                            "element another name")
        return self.combine(parent, child, conflict)

    def section_formats(self, parent: Node, child: Node) -> Node:
        def conflict(key, old, old_loc, new, new_loc):
            raise SpecError(new_loc, f"format '{key}' is inherited from {_at(old_loc)}",
                            "inherited instructions use it: give the new format another name")
        return self.combine(parent, child, conflict)

    def section_instructions(self, parent: Node | None, child: Node) -> Node:
        overriding: dict[str, Loc] = {}
        stripped_items, stripped_locs = {}, {}
        for name, decl in child.value.items():
            stripped_items[name] = self.strip_override(name, decl, overriding)
            stripped_locs[name] = child.key_locs[name]
        child = Node(stripped_items, child.loc, key_locs=stripped_locs)
        inherited = parent.value if parent is not None else {}
        for name, where in overriding.items():
            if name not in inherited:
                raise SpecError(where, f"'{name}' overrides nothing: {self.parent} has no instruction '{name}'",
                                "remove 'override: true' (a new instruction needs none), or check the name")

        def conflict(key, old, old_loc, new, new_loc):
            if key in overriding:
                return new
            raise SpecError(new_loc, f"instruction '{key}' is inherited from {_at(old_loc)}",
                            "to replace the inherited instruction, add 'override: true' to this one; "
                            "otherwise choose another name")
        if parent is None:
            return child
        return self.combine(parent, child, conflict)

    def strip_override(self, name: str, decl: Node, overriding: dict) -> Node:
        if not decl.is_map or "override" not in decl.value:
            return decl
        flag = decl.value["override"]
        text = flag.value.lower() if flag.is_scalar else None
        if text not in ("true", "yes", "false", "no"):
            raise SpecError(flag.loc, "override must be true or false")
        if text in ("true", "yes"):
            overriding[name] = decl.key_locs["override"]
        items = {k: v for k, v in decl.value.items() if k != "override"}
        locs = {k: v for k, v in decl.key_locs.items() if k != "override"}
        return Node(items, decl.loc, key_locs=locs)

    def section_hls(self, parent: Node, child: Node) -> Node:
        def conflict(key, old, old_loc, new, new_loc):
            if key == "units":
                def unit(name, o, o_loc, n, n_loc):
                    raise SpecError(n_loc, f"unit '{name}' is inherited from {_at(o_loc)}",
                                    "give the new unit another name")
                return self.combine(self.expect_map(old, "hls units"), self.expect_map(new, "hls units"), unit)
            if key in ("banks", "dram"):
                return self.combine(self.expect_map(old, f"hls {key}"), self.expect_map(new, f"hls {key}"),
                                    lambda k, o, ol, n, nl: n)
            return new
        return self.combine(parent, child, conflict)
