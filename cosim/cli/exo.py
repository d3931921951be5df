"""`dcsim exo SPEC -o FILE`: the machine's Exo hardware library (compiler stubs)."""
from __future__ import annotations

from .args import add_machine_args, formatted, load_machine_arg, output_error, writable_output
from .output import emit_json, stdout


def add_parser(sub):
    p = formatted(sub, "exo", help="generate an Exo hardware library (compiler stubs) from a machine file",
                  description="Write a Python module for exo-lang 1.0: an @instr proc per command, Memory "
                              "classes for the machine's memories and a @config class for its registers. "
                              "An instr is exact when its body is the command's semantics (usable by "
                              "replace); a command Exo cannot express (data-dependent index, a type Exo "
                              "lacks, ...) gets an opaque instr: the right signature and C template, a "
                              "stand-in body and a comment naming the construct (path:line:col). Kernels "
                              "can call both; the module docstring lists which is which.",
                  epilog="example:\n  dcsim exo hw/npu.yaml -o npu_exo.py\n"
                         "  dcsim exo hw/soc.yaml --kernel gemm:16,24,32 -o exo_gemm/   (a GEMM for the host core)\n"
                         "a command that cannot even be called from Exo is an error (path:line:col); "
                         "--lenient skips it")
    add_machine_args(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="where to write the module (with "
                   "--kernel: the folder to write the kernel's files into)")
    p.add_argument("--lenient", action="store_true",
                   help="skip commands that cannot be called from Exo instead of failing "
                        "(opaque instrs are generated either way)")
    p.add_argument("--kernel", metavar="gemm[:M,K,N[,SCHEDULE]]",
                   help="with a system file (hw/soc.yaml): compile this Exo-scheduled kernel for the host core "
                        "into the folder -o names, with the bare-metal runtime it calls and the compile "
                        "command for hw/sdk/<system>/exo_gemm.c (BUILD.txt); sizes default to 128, the "
                        "schedule to output-stationary (or weight-stationary)")
    p.add_argument("--accelerator", metavar="NAME", help="with --kernel: the system's accelerator (default: "
                   "its only one)")
    return p


def command(args) -> int:
    from spec.system import is_system_file

    from fastforward.exo import write_exo_module

    from ..paths import machine_path
    if args.kernel is not None or args.accelerator is not None or is_system_file(machine_path(args.spec)):
        return kernel_command(args)
    writable_output(args.output)          # before the machine is loaded and compiled
    machine = load_machine_arg(args)
    try:
        path = write_exo_module(machine, args.output, strict=not args.lenient)
    except OSError as exc:
        raise output_error(exc.filename or args.output, exc) from None
    info = {"machine": machine.name, "output": str(path), "lines": len(path.read_text().splitlines())}
    if args.json:
        emit_json(info)
    else:
        stdout.print(f"wrote {info['output']}: Exo library for {machine.name}, {info['lines']} lines")
    return 0


def kernel_command(args) -> int:
    """`dcsim exo SYSTEM --kernel gemm:M,K,N -o DIR`: an Exo kernel compiled for the host core."""
    info = build_kernel_kit(args.spec, args.kernel, args.output, dict(args.defines), args.accelerator)
    if args.json:
        emit_json(info)
    else:
        stdout.print(f"wrote {info['directory']}/: Exo kernel {info['kernel']} for {info['system']}'s host "
                     f"({', '.join(info['files'])})", markup=False, highlight=False)
        stdout.print(f"compile: {info['command_line']}", markup=False, highlight=False, soft_wrap=True)
        stdout.print(f"run: {info['run']}", markup=False, highlight=False, soft_wrap=True)
    return 0


def build_kernel_kit(spec: str, kernel: str | None, output: str, defines: dict | None = None,
                     accelerator: str | None = None) -> dict:
    """Write the kernel's folder (fastforward/exo/target.write_kernel_kit) and BUILD.txt with
    the SoC kit's compile command for hw/sdk/<system>/exo_gemm.c; returns what the CLI prints
    (paths relative to the working directory when below it)."""
    import shlex
    from pathlib import Path

    from spec.errors import DcsimError
    from spec.system import is_system_file, load_system

    from fastforward.exo.target import parse_kernel, write_kernel_kit

    from ..paths import hw_dir, machine_path
    from ..kit import shown, system_kit_command
    path = machine_path(spec)
    if not is_system_file(path):
        raise DcsimError(f"{spec} is a machine file: --kernel compiles for the host core of a system file "
                         "(e.g. dcsim exo hw/soc.yaml --kernel gemm:16,24,32 -o DIR)")
    if kernel is None:
        raise DcsimError(f"{spec} is a system file: name the kernel to compile for its host with "
                         "--kernel gemm[:M,K,N[,SCHEDULE]]")
    request = parse_kernel(kernel)
    out = Path(output)
    if out.exists() and not out.is_dir():
        raise DcsimError(f"cannot write into '{out}': it is a file (--kernel writes a folder)")
    writable_output(out / "BUILD.txt") if out.is_dir() else writable_output(out)
    system = load_system(path, dict(defines or {}))
    try:
        info = write_kernel_kit(system, request, out, accelerator)
        sources = [shown(hw_dir() / "sdk" / system.name / "exo_gemm.c"), *(shown(Path(s)) for s in info["sources"])]
        kit = system_kit_command(system, sources, "exo_gemm.elf")
        argv = kit["command"]
        at = next(i for i, a in enumerate(argv) if a.startswith("-T"))
        argv = [*argv[:at], f"-I{shown(out)}", *argv[at:]]          # exo_kernel.h, for the program
        line = " ".join(shlex.quote(a) for a in argv)
        sdk = " ".join(["dcsim", "sdk", shlex.quote(str(spec)), *(f"--source {shlex.quote(s)}" for s in sources),
                        "-o", "exo_gemm.elf"])
        (out / "BUILD.txt").write_text(
            f"Exo kernel {info['kernel']} ({request.schedule}) for accelerator '{info['accelerator']}' of system "
            f"'{system.name}', generated by `dcsim exo {spec} --kernel {kernel}`: regenerate, do not edit.\n\n"
            f"Compile: the kit's command (`{sdk}`) with -I{shown(out)} for exo_kernel.h:\n\n{line}\n\n"
            f"Run: {kit['run']}\n")
    except OSError as exc:
        raise output_error(exc.filename or output, exc) from None
    info.update(files=sorted([*info["files"], "BUILD.txt"]), command=argv, command_line=line, run=kit["run"])
    return info
