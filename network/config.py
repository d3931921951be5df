"""Cluster files: a topology and a link model described in YAML.

    network:
      topology:
        kind: leaf_spine            # ring | switch | leaf_spine | fat_tree | torus | hierarchical
        leaves: 4
        hosts_per_leaf: 4
        spines: 2
        oversubscription: 4
        link: {bandwidth: 50 GB/s, latency: 500 ns}
        switch_latency: 300 ns
        routing: ecmp               # ecmp | shortest
      model:
        kind: packet                # packet | flow | mess
        mtu: 4 KiB
        buffer: infinite            # packet: bytes per output port, or infinite
        # mess: curve: FILE.csv (or 'fit' with a fit: section), mix: LABEL or auto (per-link
        #   read share between numeric mixes), window: 20 us, tolerance: 1e-6 (relative
        #   residual of the fixed point), max_iterations: 200 (see mess.py, docs/network.md)

Values are read with yaml.safe_load; the same text is composed once more only to learn
where each key sits, so that every error names the user's file, line and column.
"""
from __future__ import annotations

import math

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import yaml

from spec.errors import Loc, SpecError
from spec.loader import decode_utf8
from spec.yamlsrc import parse_yaml

from . import topology as topo
from .curves import fit_curve, load_curves_csv
from .errors import NetworkConfigError, NetworkError
from .flow import FlowModel
from .mess import MessModel
from .packet import PacketModel
from .units import BANDWIDTH, SIZE, TIME, parse_quantity
from .workload import LinkModel

__all__ = ["Network", "load_network", "parse_network", "load_topology",
           # shared with jobfile.py: reading a YAML file section by section, and the value parsers
           "ConfigSection", "read_config_text", "read_yaml", "network_from_section",
           "choice_of", "parse_bool", "parse_nonneg_time", "parse_positive_int", "positive_quantity"]

_REQUIRED = object()


@dataclass(frozen=True)
class Network:
    topology: topo.Topology
    model: LinkModel
    source: str


def read_config_text(path: str | Path) -> str:
    """The text of a config file; an unreadable file is a located error."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise NetworkConfigError(Loc(str(path), 1, 1), f"cannot read file: {exc.strerror}") from None
    return decode_utf8(data, str(path))             # an invalid byte is an error at its line:col


def load_network(path: str | Path) -> Network:
    return parse_network(read_config_text(path), str(path))


def load_topology(path: str | Path) -> topo.Topology:
    return load_network(path).topology


def parse_network(text: str, path: str = "<string>") -> Network:
    root = read_yaml(text, path)
    net = root.section("network")
    root.done()
    return network_from_section(net, Path(path).parent)


def read_yaml(text: str, path: str) -> "ConfigSection":
    """The root mapping of a YAML text, with locations for line:col errors."""
    try:
        locs = _locations(yaml.compose(text), path)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = Loc(path, mark.line + 1, mark.column + 1) if mark else Loc(path, 1, 1)
        raise NetworkConfigError(loc, f"not valid YAML: {getattr(exc, 'problem', exc)}") from None
    except ValueError as exc:                       # a value YAML cannot construct (an integer of 5000 digits)
        raise NetworkConfigError(_first_huge_number(yaml.compose(text), path), f"not a usable value: {exc}") from None
    if data is not None:
        _reject_duplicate_keys(text, path)
    return ConfigSection(data, (), locs, path, "file")


def _first_huge_number(node, path: str) -> Loc:
    """Where the first integer too long for Python to read stands (the file's start if none)."""
    stack = [node]
    while stack:
        n = stack.pop(0)
        if isinstance(n, yaml.ScalarNode) and len(n.value) > 4000 and n.value.lstrip("+-").isdigit():
            return Loc(path, n.start_mark.line + 1, n.start_mark.column + 1)
        if isinstance(n, yaml.MappingNode):
            stack += [x for pair in n.value for x in pair]
        elif isinstance(n, yaml.SequenceNode):
            stack += list(n.value)
    return Loc(path, 1, 1)


def _reject_duplicate_keys(text: str, path: str) -> None:
    """safe_load keeps the last of two equal keys silently; the machine-file reader
    (spec.yamlsrc) rejects them with both places, and cluster files get the same rule."""
    try:
        parse_yaml(text, path)
    except SpecError as exc:
        raise NetworkConfigError(exc.loc, exc.message, exc.hint) from None


def network_from_section(net: "ConfigSection", base: Path) -> Network:
    """A `network:` mapping (topology + optional model) read from an open section."""
    topology = _topology(net.section("topology"))
    model = _model(net.section("model", optional=True), base)
    net.done()
    return Network(topology, model, net.path)


def _locations(node: yaml.Node | None, path: str) -> dict[tuple, Loc]:
    """Key path -> Loc of its value; (*key path, '@key') -> Loc of the key itself."""
    out: dict[tuple, Loc] = {}

    def walk(n: yaml.Node, at: tuple) -> None:
        out[at] = Loc(path, n.start_mark.line + 1, n.start_mark.column + 1)
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = k.value if isinstance(k, yaml.ScalarNode) else str(k)
                out[at + (key, "@key")] = Loc(path, k.start_mark.line + 1,
                                              k.start_mark.column + 1)
                walk(v, at + (key,))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, at + (i,))

    if node is not None:
        walk(node, ())
    return out


class ConfigSection:
    """A mapping being read: remembers which keys were used, blames locations."""

    def __init__(self, data: Any, at: tuple, locs: dict, path: str, what: str):
        self.at, self.locs, self.path, self.what = at, locs, path, what
        if not isinstance(data, dict):
            raise NetworkConfigError(self.loc(), f"{what} must be a mapping of keys to values",
                                     f"got {_kind(data)}")
        self.data = data
        self.used: set[str] = set()

    def loc(self, *keys) -> Loc:
        return self.locs.get(self.at + keys) or self.locs.get(self.at) or Loc(self.path, 1, 1)

    def error(self, key: str, message: str, hint: str | None = None) -> NetworkConfigError:
        return NetworkConfigError(self.loc(key), message, hint)

    def get(self, key: str, parse: Callable[[Any], Any], default: Any = _REQUIRED,
            hint: str | None = None) -> Any:
        self.used.add(key)
        if key not in self.data or self.data[key] is None:
            if default is _REQUIRED:
                raise NetworkConfigError(self.loc(), f"{self.what} is missing '{key}'", hint)
            return default
        try:
            return parse(self.data[key])
        except (ValueError, TypeError) as exc:
            raise self.error(key, f"bad value for '{key}': {exc}", hint) from None

    def section(self, key: str, optional: bool = False) -> "ConfigSection | None":
        self.used.add(key)
        if key not in self.data:
            if optional:
                return None
            raise NetworkConfigError(self.loc(), f"{self.what} is missing '{key}'",
                                     f"add a '{key}:' mapping")
        return ConfigSection(self.data[key], self.at + (key,), self.locs, self.path, f"'{key}'")

    def items(self, key: str, what: str, example: str) -> list:
        """`key`'s value, which must be a non-empty list (`example` shows one item)."""
        self.used.add(key)
        items = self.data.get(key)
        if not isinstance(items, list) or not items:
            raise NetworkConfigError(self.loc(key) if key in self.data else self.loc(),
                                     f"'{key}' must be a non-empty list of {what}", example)
        return items

    def done(self) -> None:
        for key in self.data:
            if key not in self.used:
                raise NetworkConfigError(self.loc(key, "@key"),
                                         f"unknown key '{key}' in {self.what}",
                                         f"allowed here: {', '.join(sorted(self.used))}")


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def parse_positive_int(value: Any) -> int:
    """`value` if it is an integer >= 1 (not a bool), else ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"expected a positive integer, got {value!r}")
    return value


MAX_BYTES = 1e15                  # a petabyte in one message or bucket is a unit mistake
MAX_SECONDS = 1e6                 # so are 11.6 days for one kernel or one latency


def positive_quantity(units: dict[str, float], most: float = math.inf) -> Callable[[Any], float]:
    """A parser of a positive, finite quantity in `units` (e.g. '50 GB/s' for BANDWIDTH; {} for
    plain numbers), at most `most`."""
    def parse(value: Any) -> float:
        number = parse_quantity(value, units)
        if not 0 < number < math.inf:
            raise ValueError(f"must be positive and finite, got {value!r}")
        if number > most:
            raise ValueError(f"must be at most {most:g} (in base units), got {value!r}")
        return number
    return parse


def parse_nonneg_time(value: Any) -> float:
    """Seconds from a time like '1.5 us' (or a number): not negative, at most MAX_SECONDS."""
    number = parse_quantity(value, TIME)
    if number < 0:
        raise ValueError(f"must not be negative, got {value!r}")
    if not number <= MAX_SECONDS:
        raise ValueError(f"must be at most {MAX_SECONDS:g} s (11.6 days), got {value!r}")
    return number


def choice_of(options: tuple[str, ...]) -> Callable[[Any], str]:
    """A parser accepting only one of `options`."""
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(f"expected one of {', '.join(options)}, got {value!r}")
        return value
    return parse


def parse_bool(value: Any) -> bool:
    """`value` if it is a YAML true or false, else ValueError."""
    if not isinstance(value, bool):
        raise ValueError(f"expected true or false, got {value!r}")
    return value


def _dims(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not 1 <= len(value) <= 3:
        raise ValueError(f"expected a list of 1 to 3 sizes like [4, 4, 2], got {value!r}")
    return tuple(parse_positive_int(v) for v in value)


_BW = positive_quantity(BANDWIDTH)
_BW_HINT = "a bandwidth like '50 GB/s' or '400 Gbps', or a number of bytes/s"


def _link(parent: ConfigSection, key: str) -> tuple[float, float]:
    s = parent.section(key)
    bw = s.get("bandwidth", _BW, hint=_BW_HINT)
    lat = s.get("latency", parse_nonneg_time, hint="a time like '500 ns' or '1.5 us'")
    s.done()
    return bw, lat


def _topology(s: ConfigSection) -> topo.Topology:
    kinds = ("ring", "switch", "leaf_spine", "fat_tree", "torus", "hierarchical")
    kind = s.get("kind", choice_of(kinds), hint=f"one of {', '.join(kinds)}")
    routing = s.get("routing", choice_of(topo.ROUTINGS), "ecmp")
    sw_lat = (lambda: s.get("switch_latency", parse_nonneg_time, 0.0))
    try:
        if kind == "ring":
            built = topo.ring(s.get("nodes", parse_positive_int), *_link(s, "link"),
                              bidirectional=s.get("bidirectional", parse_bool, True), routing=routing)
        elif kind == "switch":
            built = topo.switch(s.get("nodes", parse_positive_int), *_link(s, "link"), sw_lat(), routing)
        elif kind in ("leaf_spine", "fat_tree"):
            built = topo.leaf_spine(
                s.get("leaves", parse_positive_int), s.get("hosts_per_leaf", parse_positive_int),
                s.get("spines", parse_positive_int),
                *_link(s, "link"), s.get("oversubscription", positive_quantity({}), 1.0), sw_lat(),
                s.get("uplink_bandwidth", _BW, None, _BW_HINT), routing)
        elif kind == "torus":
            built = topo.torus(s.get("dims", _dims), *_link(s, "link"), routing)
        else:
            built = topo.hierarchical(s.get("servers", parse_positive_int), s.get("per_server", parse_positive_int),
                                      *_link(s, "intra"), *_link(s, "inter"), sw_lat(), routing)
    except NetworkConfigError:
        raise
    except NetworkError as exc:
        raise NetworkConfigError(s.loc(), exc.message, exc.hint) from None
    s.done()
    return built


def _model(s: ConfigSection | None, base: Path) -> LinkModel:
    if s is None:
        return PacketModel()
    kinds = ("packet", "flow", "mess")
    kind = s.get("kind", choice_of(kinds), hint=f"one of {', '.join(kinds)}")
    mtu = s.get("mtu", positive_quantity(SIZE), 4096.0)
    if kind == "packet":
        buffer = s.get("buffer", lambda v: None if v == "infinite" else positive_quantity(SIZE)(v),
                       None, "a size like '1 MiB', or 'infinite'")
        rto = s.get("rto", positive_quantity(TIME), None)
        if buffer is not None and buffer < mtu:
            raise s.error("buffer", f"a buffer of {buffer:g} B cannot hold one {mtu:g} B packet")
        model: LinkModel = PacketModel(mtu, buffer, rto)
    elif kind == "flow":
        model = FlowModel(mtu if s.get("store_and_forward", parse_bool, True) else None)
    else:
        model = MessModel(_curves(s, base), mix=s.get("mix", str, None),
                          window=s.get("window", positive_quantity(TIME), None), mtu=mtu,
                          tol=s.get("tolerance", _tolerance, 1e-6, "a relative residual "
                                    "in (0, 0.1], e.g. 1e-6"),
                          max_iterations=s.get("max_iterations", parse_positive_int, 200))
    s.done()
    return model


def _tolerance(value: Any) -> float:
    tol = float(value) if not isinstance(value, bool) else math.nan
    if not 0 < tol <= 0.1:
        raise ValueError(f"expected a relative tolerance in (0, 0.1], got {value!r}")
    return tol


def _curves(s: ConfigSection, base: Path):
    source = s.get("curve", str, hint="a CSV file (relative to this file) or 'fit'")
    if source == "fit":
        fit = s.section("fit")
        bw, lat = _link(fit, "link")
        curve = fit_curve(bw, lat, fit.get("switch_latency", parse_nonneg_time, 0.0))
        fit.done()
        return curve
    csv_path = base / source
    if not csv_path.is_file():
        raise s.error("curve", f"curve file '{source}' not found (looked in {base})",
                      "give a CSV path relative to this YAML file, or 'fit'")
    return load_curves_csv(csv_path)
