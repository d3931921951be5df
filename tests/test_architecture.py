"""The package map holds: imports flow one way, the command line has no import circle, no
module reaches into another's private names, and sampling exists once for every target."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("spec", "fastforward", "hls", "rtlgen", "cosim", "network")
# what each package may import (DESIGN: spec <- fastforward, hls <- rtlgen <- cosim -> network)
ALLOWED = {"spec": set(), "fastforward": {"spec"}, "hls": {"spec"}, "rtlgen": {"spec", "hls"},
           "network": {"spec"}, "cosim": set(PACKAGES)}


def _modules(folder: str):
    return sorted((ROOT / folder).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(absolute module name, imported names) of every import in `path`, function-level ones included."""
    package = _module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, ()
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            yield module, tuple(a.name for a in node.names)


@pytest.mark.parametrize("package", PACKAGES)
def test_imports_flow_one_way(package):
    wrong = []
    for path in _modules(package):
        for module, _ in _imports(path):
            top = module.split(".")[0]
            if top in PACKAGES and top != package and top not in ALLOWED[package]:
                wrong.append(f"{path.relative_to(ROOT)} imports {module}")
    assert not wrong, wrong


def test_no_module_imports_a_private_name_of_another():
    private = []
    for folder in PACKAGES + ("tests", "benchmarks"):
        for path in _modules(folder):
            for module, names in _imports(path):
                private += [f"{path.relative_to(ROOT)}: from {module} import {n}" for n in names
                            if n.startswith("_") and not n.startswith("__")]
    assert not private, private


def test_the_command_line_has_no_import_circle():
    """cosim.cli's modules import each other only downwards (main -> commands -> helpers),
    and nothing outside cosim.cli imports it."""
    cli = {_module_name(p): p for p in _modules("cosim/cli")}
    graph = {name: set() for name in cli}
    for name, path in cli.items():
        for module, names in _imports(path):
            for target in [module] + [f"{module}.{n}" for n in names]:
                if target in cli and target != name:
                    graph[name].add(target)
    graph["cosim.cli"].discard("cosim.cli.main")       # the package face re-exports main
    seen, stack = set(), []

    def visit(node):
        if node in stack:
            raise AssertionError("import circle: " + " -> ".join(stack[stack.index(node):] + [node]))
        if node in seen:
            return
        stack.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        stack.pop()
        seen.add(node)
    for node in sorted(graph):
        visit(node)
    outside = [f"{p.relative_to(ROOT)}" for folder in PACKAGES for p in _modules(folder)
               if not _module_name(p).startswith("cosim.cli")
               and any(m.startswith("cosim.cli") or (m == "cosim" and "cli" in n) for m, n in _imports(p))]
    assert not outside, outside


def test_one_sampling_stack():
    """Sampling has one campaign loop, one estimator entry and one truth cache for every
    target: the target-specific modules only implement `cosim.target.SamplingTarget`."""
    for gone in ("core_campaign", "cmd_sample", "cmd_sample_core", "sample"):
        assert not (ROOT / "cosim" / f"{gone}.py").exists(), gone
    from cosim.core_target import CoreTarget
    from cosim.queue_target import QueueTarget
    from cosim.system_target import SystemTarget
    from cosim.target import SamplingTarget
    members = [n for n in vars(SamplingTarget) if not n.startswith("_")] + list(SamplingTarget.__annotations__)
    for target in (QueueTarget, CoreTarget, SystemTarget):
        missing = [n for n in members if not hasattr(target, n) and n not in _instance_attributes(target)]
        assert not missing, (target.__name__, missing)


def _instance_attributes(cls) -> set:
    """Names a class assigns on self anywhere in its methods."""
    import inspect
    tree = ast.parse(inspect.getsource(cls))
    return {t.attr for node in ast.walk(tree) if isinstance(node, (ast.Assign, ast.AnnAssign))
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
            for t in ([t] if not isinstance(t, ast.Tuple) else t.elts)
            if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name) and t.value.id == "self"}
