"""Workload names as a user types them ("gemm:64,64,64") -> Workload objects."""
from __future__ import annotations

from spec import ir

from . import npu, suite
from .base import Workload, WorkloadError

WORKLOAD_HELP: dict[str, str] = {
    "gemm": "gemm:M,K,N[,relu][,nobias|fullbias][,shift=S]  int8 GEMM C = sat(relu?(round_shift(A@B + bias))), "
            "any sizes, int32 bias row by default",
    "mlp": "mlp:B,D0,D1,...  int8 MLP on a batch of B: layers D0->D1->..., each GEMM + bias + ReLU "
           "(none on the last) + shift, layer outputs stay in DRAM",
    "transformer": "transformer:S,D[,F]  a transformer block's GEMMs (QKV, scores, scores x V, projection, FFN)",
    "conv": "conv:H,W,C,K[,F]  FxF convolution (default 3) of an HxWxC image to K channels via im2col",
    "bankconflict": "bankconflict:M,K,N  GEMM with scratchpad tiles spread to share SRAM banks",
    "stream": "stream:M[,LDA]  DRAM-bound streaming of M rows LDA bytes apart (default 1024) through one tile",
    "long": "long[:M,K,N]  a long GEMM (default 1024,1024,512; about 1.4e8 RTL cycles on the default NPU)",
}
DEFAULT_ARGS = {"long": ",".join(map(str, suite.LONG_DEFAULT))}
ARITY = {"transformer": (2, 3), "conv": (4, 5), "bankconflict": (3, 3), "stream": (1, 2), "long": (3, 3)}
GEMM_FLAGS = {"relu": ("relu", True), "nobias": ("bias", False), "fullbias": ("bias", "full")}


def _usage(text: str, why: str) -> WorkloadError:
    forms = " | ".join(WORKLOAD_HELP.values())
    return WorkloadError(f"bad workload '{text}': {why}. Accepted forms: {forms}; or a workload file "
                         "(FILE.yaml) or a generator (module:function, path/to/gen.py:function)")


def _int(text: str, arg: str, what: str) -> int:
    try:
        value = int(arg)
    except ValueError:
        raise _usage(text, f"{what} must be an integer, got '{arg}'") from None
    if value < 1 and what != "shift":
        raise _usage(text, f"{what} must be positive, got {value}")
    return value


def _gemm(machine: ir.Machine, text: str, args: list[str], seed: int) -> Workload:
    if len(args) < 3:
        raise _usage(text, "gemm takes three sizes M,K,N, then options")
    M, K, N = (_int(text, a, d) for a, d in zip(args, "MKN"))
    options: dict = {}
    for opt in args[3:]:
        if opt in GEMM_FLAGS:
            key, value = GEMM_FLAGS[opt]
            options[key] = value
        elif opt.startswith("shift="):
            options["shift"] = _int(text, opt[6:], "shift")
            if not 0 <= options["shift"] <= 31:
                raise _usage(text, f"shift must be 0..31, got {options['shift']}")
        else:
            raise _usage(text, f"unknown gemm option '{opt}'")
    return npu.gemm(machine, M, K, N, seed=seed, **options)


def _mlp(machine: ir.Machine, text: str, args: list[str], seed: int) -> Workload:
    if len(args) < 3:
        raise _usage(text, "mlp takes a batch size and at least two layer widths B,D0,D1")
    batch, *dims = (_int(text, a, w) for a, w in zip(args, ["B"] + [f"D{i}" for i in range(len(args))]))
    return npu.mlp(machine, batch, dims, seed=seed)


def _suite(kind: str):
    def build(machine: ir.Machine, text: str, args: list[str], seed: int) -> Workload:
        lo, hi = ARITY[kind]
        if not lo <= len(args) <= hi:
            raise _usage(text, f"{kind} takes {lo}{'' if lo == hi else f' to {hi}'} integers")
        return getattr(suite, kind)(machine, *(_int(text, a, f"argument {i + 1}") for i, a in enumerate(args)),
                                    seed=seed)
    return build


BUILDERS = {"gemm": _gemm, "mlp": _mlp, **{k: _suite(k) for k in ARITY}}


def build_workload(machine: ir.Machine, text: str, seed: int = 0) -> Workload:
    """Parse "gemm:M,K,N" or "mlp:B,D0,D1,..." and build it for `machine`."""
    name, sep, rest = text.strip().partition(":")
    builder = BUILDERS.get(name.strip().lower())
    if builder is None:
        raise _usage(text, f"unknown workload '{name.strip()}'")
    if (not sep or not rest.strip()) and name.strip().lower() in DEFAULT_ARGS:
        rest = DEFAULT_ARGS[name.strip().lower()]
    elif not sep or not rest.strip():
        raise _usage(text, f"{name.strip()} needs arguments after ':'")
    args = [a.strip().lower() for a in rest.split(",")]
    if "" in args:
        raise _usage(text, "empty argument between commas")
    return builder(machine, text, args, seed)
