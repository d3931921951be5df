"""The bundled RV32I programs for sampled simulation, written in RV32I assembly (no cross
compiler needed) with an independent Python model of what each must compute.

Both run in rounds whose sizes cycle through N, N/2, N/4 (so the program has phases of
different lengths), each round itself a sequence of phases with different instruction
mixes, and both check their own result: the expected final checksum is computed here in
Python and assembled into the program, which exits 0 only if its own checksum matches.

* `sort`: per round, fill an array with xorshift32 numbers (ALU), insertion-sort it as
  signed words (loads, stores, branches), check it is sorted while folding it into a
  checksum (loads, ALU), print the checksum in hex with the write system call. Exits with
  ECALL exit(0); 1 if an array came out unsorted, 2 on a wrong checksum.
* `crc`: build the CRC-32 table (ALU), then per round fill a buffer with xorshift bytes
  (ALU, byte stores), CRC-32 it bitwise (ALU) and table-driven (byte and word loads),
  check the two agree, print the CRC. Exits through the HTIF `tohost` word (a store the
  host watches): 0, 1 if the two CRCs disagreed, 2 on a wrong checksum.

Memory layout (offsets from the ram base; everything fits in 64 KiB of ram, so the
programs also run on a core built with -D MEM_BYTES=65536): code at 0, tohost/fromhost at
0x1000, the round-size table at 0x1100, the output line at 0x1200, the CRC table at
0x1400, the data array from 0x2000.
"""
from __future__ import annotations

import re
import zlib

from .asm_rv32i import MASK32, Asm

TOHOST, FROMHOST, SIZES, LINE, TABLE, DATA, END = 0x1000, 0x1008, 0x1100, 0x1200, 0x1400, 0x2000, 0x10000
MAX_ROUNDS = (LINE - SIZES) // 4 - 1          # the size table ends with a 0 word
ABI = {"ra": 1, "sp": 2, "gp": 3, "tp": 4, "t0": 5, "t1": 6, "t2": 7, "s0": 8, "s1": 9,
       **{f"a{i}": 10 + i for i in range(8)}, **{f"s{i}": 16 + i for i in range(2, 12)},
       **{f"t{i}": 25 + i for i in range(3, 7)}}
_ABI_RE = re.compile(r"\b(" + "|".join(sorted(ABI, key=len, reverse=True)) + r")\b")


def to_x(text: str) -> str:
    """ABI register names (t0, s1, a7, ...) -> x names, which is what the assembler reads."""
    return _ABI_RE.sub(lambda m: f"x{ABI[m.group(1)]}", text)


def round_sizes(n: int, rounds: int) -> list[int]:
    return [n >> (k % 3) for k in range(rounds)]


def xorshift_seed(seed: int) -> int:
    return (0x2545F491 ^ (seed * 0x9E3779B9)) & MASK32 or 1     # xorshift32 must not start at 0


def _xorshift(x: int) -> int:
    x ^= (x << 13) & MASK32
    x ^= x >> 17
    return x ^ ((x << 5) & MASK32)


def _rotl(v: int, k: int) -> int:
    return ((v << k) | (v >> (32 - k))) & MASK32


def _emit_xorshift(a: Asm, x: str):
    a(f"slli t2, {x}, 13", f"xor {x}, {x}, t2", f"srli t2, {x}, 17", f"xor {x}, {x}, t2",
      f"slli t2, {x}, 5", f"xor {x}, {x}, t2")


def _emit_print_line(a: Asm, base: int, prefix: bytes):
    """print_line(a0): the line `prefix` + 8 hex digits of a0 + newline, by write(1, ...)."""
    length = len(prefix) + 9
    a.label("print_line")
    a.li("a1", base + LINE + len(prefix) + 7)          # the last digit first
    a("addi a3, x0, 8")
    a.label("hex_loop")
    a("andi a2, a0, 15", "addi a4, x0, 10", "blt a2, a4, hex_digit", "addi a2, a2, 39")   # 'a' - '0' - 10
    a.label("hex_digit")
    a("addi a2, a2, 48", "sb a2, 0(a1)", "srli a0, a0, 4", "addi a1, a1, -1", "addi a3, a3, -1",
      "bne a3, x0, hex_loop")
    a.li("a1", base + LINE)
    a(f"addi a2, x0, {length}", "addi a0, x0, 1", "addi a7, x0, 64", "ecall")
    a.ret()


def _line(prefix: bytes, value: int) -> bytes:
    return prefix + f"{value:08x}\n".encode()


def initial_data(sizes: list[int], prefix: bytes) -> dict[int, bytes]:
    """Initialised data besides the code: the size table (0-terminated) and the line prefix/newline."""
    table = b"".join(s.to_bytes(4, "little") for s in sizes + [0])
    return {SIZES: table, LINE: prefix + b"0" * 8 + b"\n"}


# ------------------------------------------------------------------ sort
SORT_PREFIX = b"sort "


def sort_reference(n: int, rounds: int, seed: int) -> tuple[int, bytes]:
    """(checksum, stdout) the sort program must produce."""
    x, checksum, out = xorshift_seed(seed), 0, b""
    for size in round_sizes(n, rounds):
        values = []
        for _ in range(size):
            x = _xorshift(x)
            values.append(x)
        for v in sorted(values, key=lambda v: v - (1 << 32) if v >> 31 else v):
            checksum = _rotl(checksum, 5) ^ v
        out += _line(SORT_PREFIX, checksum)
    return checksum, out


def sort_source(base: int, n: int, rounds: int, seed: int, expected: int) -> str:
    a = Asm()
    a.li("s1", xorshift_seed(seed))
    a("addi s2, x0, 0")                                   # checksum
    a.li("s4", base + SIZES)
    a.li("s0", base + DATA)
    a.label("round")
    a("lw s5, 0(s4)", "beq s5, x0, finish", "addi t0, s0, 0", "slli t1, s5, 2", "add t1, s0, t1")
    a.label("fill")                                       # phase 1: fill a[0..n) (ALU)
    _emit_xorshift(a, "s1")
    a("sw s1, 0(t0)", "addi t0, t0, 4", "bltu t0, t1, fill", "addi t0, s0, 4")
    a.label("outer")                                      # phase 2: insertion sort, signed
    a("bgeu t0, t1, check_start", "lw t2, 0(t0)", "addi t3, t0, -4")
    a.label("inner")
    a("bltu t3, s0, place", "lw t4, 0(t3)", "bge t2, t4, place", "sw t4, 4(t3)", "addi t3, t3, -4")
    a.j("inner")
    a.label("place")
    a("sw t2, 4(t3)", "addi t0, t0, 4")
    a.j("outer")
    a.label("check_start")                                # phase 3: sorted? and the checksum
    a("addi t0, s0, 0", "lw t4, 0(s0)")
    a.label("check")
    a("lw t2, 0(t0)", "blt t2, t4, unsorted", "addi t4, t2, 0", "slli t5, s2, 5", "srli t6, s2, 27",
      "or s2, t5, t6", "xor s2, s2, t2", "addi t0, t0, 4", "bltu t0, t1, check")
    a("addi a0, s2, 0")                                   # phase 4: print it (an env call)
    a.call("print_line")
    a("addi s4, s4, 4")
    a.j("round")
    a.label("finish")
    a.li("t0", expected)
    a("bne s2, t0, wrong", "addi a0, x0, 0")
    a.label("exit")
    a("addi a7, x0, 93", "ecall")
    a.label("spin")
    a.j("spin")
    a.label("unsorted")
    a("addi a0, x0, 1")
    a.j("exit")
    a.label("wrong")
    a("addi a0, x0, 2")
    a.j("exit")
    _emit_print_line(a, base, SORT_PREFIX)
    return to_x(a.text())


# ------------------------------------------------------------------- crc
CRC_PREFIX = b"crc32 "
POLY = 0xEDB88320


def crc_reference(nbytes: int, rounds: int, seed: int) -> tuple[int, bytes]:
    """(checksum, stdout) the crc program must produce (CRC-32 from zlib)."""
    x, checksum, out = xorshift_seed(seed), 0, b""
    for size in round_sizes(nbytes, rounds):
        buf = bytearray(size)
        for i in range(size):
            x = _xorshift(x)
            buf[i] = x & 0xFF
        crc = zlib.crc32(bytes(buf)) & MASK32
        checksum = _rotl(checksum, 7) ^ crc
        out += _line(CRC_PREFIX, crc)
    return checksum, out


def crc_source(base: int, nbytes: int, rounds: int, seed: int, expected: int) -> str:
    a = Asm()
    a.li("s1", xorshift_seed(seed))
    a.li("s3", POLY)
    a.li("s0", base + TABLE)
    a("addi t0, x0, 0", "addi t5, x0, 256")
    a.label("table")                                      # phase 0: the CRC table, bitwise
    a("addi t2, t0, 0", "addi t3, x0, 8")
    a.label("table_bit")
    a("andi t4, t2, 1", "sub t4, x0, t4", "and t4, t4, s3", "srli t2, t2, 1", "xor t2, t2, t4",
      "addi t3, t3, -1", "bne t3, x0, table_bit")
    a("slli t4, t0, 2", "add t4, s0, t4", "sw t2, 0(t4)", "addi t0, t0, 1", "bltu t0, t5, table")
    a("addi s2, x0, 0")
    a.li("s4", base + SIZES)
    a.li("s6", base + DATA)
    a.label("round")
    a("lw s5, 0(s4)", "beq s5, x0, finish", "add s7, s6, s5", "addi t0, s6, 0")
    a.label("fill")                                       # phase 1: xorshift bytes (ALU, byte stores)
    _emit_xorshift(a, "s1")
    a("sb s1, 0(t0)", "addi t0, t0, 1", "bltu t0, s7, fill")
    a("addi s8, x0, -1", "addi t0, s6, 0")
    a.label("bit_byte")                                   # phase 2: CRC-32 bit by bit (ALU)
    a("lbu t2, 0(t0)", "xor s8, s8, t2", "addi t3, x0, 8")
    a.label("bit_loop")
    a("andi t4, s8, 1", "sub t4, x0, t4", "and t4, t4, s3", "srli s8, s8, 1", "xor s8, s8, t4",
      "addi t3, t3, -1", "bne t3, x0, bit_loop")
    a("addi t0, t0, 1", "bltu t0, s7, bit_byte", "xori s8, s8, -1")
    a("addi s9, x0, -1", "addi t0, s6, 0")
    a.label("table_byte")                                 # phase 3: CRC-32 by table (loads)
    a("lbu t2, 0(t0)", "xor t2, t2, s9", "andi t2, t2, 255", "slli t2, t2, 2", "add t2, s0, t2",
      "lw t2, 0(t2)", "srli s9, s9, 8", "xor s9, s9, t2", "addi t0, t0, 1", "bltu t0, s7, table_byte")
    a("xori s9, s9, -1", "bne s8, s9, mismatch")
    a("slli t5, s2, 7", "srli t6, s2, 25", "or s2, t5, t6", "xor s2, s2, s8", "addi a0, s8, 0")
    a.call("print_line")                                  # phase 4: print it (an env call)
    a("addi s4, s4, 4")
    a.j("round")
    a.label("finish")                                     # exit through HTIF tohost: (code << 1) | 1
    a.li("t0", expected)
    a("bne s2, t0, wrong", "addi t0, x0, 1")
    a.label("exit")
    a.li("t1", base + TOHOST)
    a("sw t0, 0(t1)")
    a.label("spin")
    a.j("spin")
    a.label("mismatch")
    a("addi t0, x0, 3")
    a.j("exit")
    a.label("wrong")
    a("addi t0, x0, 5")
    a.j("exit")
    _emit_print_line(a, base, CRC_PREFIX)
    return to_x(a.text())
