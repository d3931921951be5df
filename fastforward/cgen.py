"""Spec IR -> C source for the compiled functional simulator.

The C code owns no state: a context struct (`dc_ctx`) holds pointers to the numpy arrays
that Python allocates, the retired-instruction counters and the queue of pending
commands, and `dc_run(ctx, n)` executes up to n instructions in a tight loop. Every
instruction becomes one function `exec_<NAME>`; a fault (failed assert, index out of
range, ...) records a *fault site* number and returns, and Python turns the site into the
same `MachineFault` message as the reference (`interp.py`). Host services (env_call, the
store watch for HTIF tohost) are ctypes callbacks called at the exact point of the
instruction where the reference calls them, so one host environment serves both backends.

Values follow `interp.py` exactly: every IR value is held in int64_t (signed types) or
uint64_t (unsigned types), which is exact because widths are at most 64 bits; add, sub,
mul and neg never overflow their result type, so computing them in that C type is exact;
Cast/Reinterpret/shl wrap explicitly; comparisons of u64 with signed values use __int128.
Where the reference evaluates two faulting operands in a fixed order, the C code
sequences them with statement expressions (a GCC/Clang extension) so that the first
fault reported is the same.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from spec import ir
from spec.encoding import match_mask
from spec.errors import DcsimError, Loc

from . import dirty
from .cgen_instr import InstrGen
from .cgen_ir import FaultSite, c_int, ctype, element_ctype

CGEN_VERSION = "6"
DC_OK, DC_HALTED, DC_EMPTY, DC_FAULT, DC_HOST_ERROR = range(5)
MAX_WATCHES = 4                   # watched bytes of the fetch memory (HTIF tohost, a system's doorbells)
SITE_FETCH, SITE_ILLEGAL = 0, 1
MAX_WORD_BITS = 256
# per-interval signatures (see fastforward/signature.py): every sig_interval retired instructions
# dc_run copies the kind counters (and the basic-block vector) into row sig_len of sig_buf
SIGNATURE_FIELDS = ("sig_interval", "sig_next", "sig_start", "sig_len", "sig_cap", "sig_width", "bbv_bits",
                    "bb_start", "bb_mark")

class CodegenError(DcsimError):
    """A machine the C generator cannot translate."""


@dataclass(frozen=True)
class CProgram:
    source: str
    sites: tuple           # of FaultSite, numbered by position
    ctx_fields: tuple      # ((name, kind), ...): kind 'ptr' | 'i64' | 'fn'
    nwords: int            # 64-bit words per instruction / command
    max_operands: int


def ctx_fields(machine: ir.Machine) -> tuple:
    fields = [(f"m_{s.name}", "ptr") for s in machine.state]
    fields += [(f"d_{s.name}", "ptr") for s in dirty.tracked(machine)]      # written-page maps
    fields += [("counts", "ptr"), ("queue", "ptr"), ("dcache", "ptr"), ("sig_buf", "ptr"), ("sig_base", "ptr"),
               ("bbv_acc", "ptr")]
    fields += [(n, "i64") for n in ("qlen", "qpos", "dcache_mask", "retired", "halted", "exit_code",
                                    "exit_kind", "fault_site", "fault_value", "nwatch")]
    fields += [(f"watch{k}", "i64") for k in range(MAX_WATCHES)]     # contiguous: stores scan them
    fields += [(n, "i64") for n in SIGNATURE_FIELDS]
    fields += [("env_call", "fn"), ("on_watch", "fn")]
    return tuple(fields)


def generate(machine: ir.Machine) -> CProgram:
    return MachineGen(machine).program()


PRELUDE = r"""
#include <stdint.h>
#include <string.h>

enum { DC_OK, DC_HALTED, DC_EMPTY, DC_FAULT, DC_HOST_ERROR };
#define UNLIKELY(x) __builtin_expect(!!(x), 0)

static inline uint64_t dc_zx(uint64_t v, int w) { return w >= 64 ? v : v & ((UINT64_C(1) << w) - 1); }
static inline int64_t dc_sx(uint64_t v, int w) { return w >= 64 ? (int64_t)v : (int64_t)(v << (64 - w)) >> (64 - w); }
static inline uint64_t dc_shl_u(uint64_t a, uint64_t b, int w) { return b >= (uint64_t)w ? 0 : dc_zx(a << b, w); }
static inline int64_t dc_shl_s(int64_t a, uint64_t b, int w) { return b >= (uint64_t)w ? 0 : dc_sx((uint64_t)a << b, w); }
static inline uint64_t dc_shr_u(uint64_t a, uint64_t b) { return b >= 64 ? 0 : a >> b; }
static inline int64_t dc_shr_s(int64_t a, uint64_t b) { return a >> (b > 63 ? 63 : b); }
static inline int64_t dc_smin(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t dc_smax(int64_t a, int64_t b) { return a > b ? a : b; }
static inline uint64_t dc_umin(uint64_t a, uint64_t b) { return a < b ? a : b; }
static inline uint64_t dc_umax(uint64_t a, uint64_t b) { return a > b ? a : b; }
/* basic-block vector bucket of a block's start pc: Fibonacci hashing, as signature.bbv_bucket */
static inline uint64_t dc_bbv_bucket(uint64_t pc, int64_t bits) {
    return (pc * UINT64_C(0x9E3779B97F4A7C15)) >> (64 - bits);
}
/* outlined loop nests (cgen_instr.outline) are also built for AVX2 on x86-64, chosen at run
   time; dc_no_avx2 = 1 runs the baseline build (tests run both) */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DC_AVX2 1
int dc_no_avx2 = 0;
#define DC_NEST(f) ((__builtin_cpu_supports("avx2") && !dc_no_avx2) ? f##_avx2 : f)
#else
#define DC_AVX2 0
#define DC_NEST(f) f
#endif
/* little-endian byte memories (the host is little-endian: checked by csim) */
static inline uint64_t dc_load(const uint8_t *p, int n) { uint64_t v = 0; memcpy(&v, p, n); return v; }
static inline void dc_store(uint8_t *p, uint64_t v, int n) { memcpy(p, &v, n); }
/* bits lo..lo+width-1 of a multi-word instruction (width <= 64) */
static inline uint64_t dc_bits(const uint64_t *w, int lo, int width) {
    uint64_t v = w[lo >> 6] >> (lo & 63);
    if ((lo & 63) && (lo & 63) + width > 64) v |= w[(lo >> 6) + 1] << (64 - (lo & 63));
    return dc_zx(v, width);
}
"""


class MachineGen:
    def __init__(self, machine: ir.Machine):
        self.m = machine
        self.sites: list[FaultSite] = [FaultSite("fetch", None, None), FaultSite("illegal", None, None)]
        bits = machine.word_bits
        if bits > MAX_WORD_BITS:
            raise CodegenError(f"{machine.name}: {bits}-bit instructions; the C backend supports up to "
                               f"{MAX_WORD_BITS}")
        self.nwords = (bits + 63) // 64
        self.max_ops = max([len(i.operands) for i in machine.instructions] + [1])
        try:
            self.lines = Path(machine.path).read_text().splitlines()
        except (OSError, ValueError):
            self.lines = []

    def site(self, site: FaultSite) -> int:
        self.sites.append(site)
        return len(self.sites) - 1

    def spec_line(self, loc: Loc) -> str:
        text = self.lines[loc.line - 1].strip() if 0 < loc.line <= len(self.lines) else ""
        text = text.replace("*/", "* /")
        return f"/* {Path(loc.path).name}:{loc.line}: {text} */" if text else f"/* {Path(loc.path).name}:{loc.line} */"

    def program(self) -> CProgram:
        fields = ctx_fields(self.m)
        parts = [f"/* Generated by dcsim fastforward/cgen.py (v{CGEN_VERSION}) from {Path(self.m.path).name}, "
                 f"machine '{self.m.name}' {self.m.digest[:12]}. Do not edit. */", PRELUDE,
                 self.ctx_struct(fields), self.cache_struct()]
        for instr in self.m.instructions:
            parts.append(InstrGen(self, instr).function())
        parts += [self.decoder(), self.exec_table(), self.run_loop(), self.signature_run(), self.api()]
        return CProgram("\n".join(parts), tuple(self.sites), fields, self.nwords, self.max_ops)

    def ctx_struct(self, fields) -> str:
        types = {f"m_{s.name}": f"{element_ctype(s)} *" for s in self.m.state}
        types.update({f"d_{s.name}": "uint8_t *" for s in dirty.tracked(self.m)})
        types.update(counts="int64_t *", queue="const uint64_t *", dcache="struct dc_dentry *",
                     sig_buf="int64_t *", sig_base="int64_t *", bbv_acc="int64_t *")
        out = ["struct dc_dentry;", "typedef struct {"]
        for name, kind in fields:
            if kind == "fn":
                out.append(f"    int (*{name})(int64_t);")
            else:
                out.append(f"    {types.get(name, 'int64_t ')}{name};")
        out.append("} dc_ctx;")
        return "\n".join(out)

    def cache_struct(self) -> str:
        return (f"/* decoded-instruction cache entry (fetch machines): valid while the word at pc is unchanged */\n"
                f"struct dc_dentry {{ uint64_t pc; uint64_t w[{self.nwords}]; int64_t op; "
                f"uint64_t ops[{self.max_ops}]; }};\n")

    # ------------------------------------------------------------ decode
    def decoder(self) -> str:
        entries = sorted(((match_mask(i), i) for i in self.m.instructions), key=lambda e: -bin(e[0][0]).count("1"))
        out = ["/* decode: most specific encoding first (as spec/encoding.py); -1 if illegal */",
               "static int dc_decode(const uint64_t *w, uint64_t *ops) {"]
        for (mask, value), instr in entries:
            conds = [f"(w[{k}] & {c_int((mask >> 64 * k) & (2**64 - 1), False)}) == "
                     f"{c_int((value >> 64 * k) & (2**64 - 1), False)}"
                     for k in range(self.nwords) if (mask >> 64 * k) & (2**64 - 1)]
            out.append(f"    if ({' && '.join(conds) or '1'}) {{  /* {instr.name} */")
            for k, f in enumerate(instr.operands):
                out.append(f"        ops[{k}] = {self.field_code(f)};  /* {f.name} */")
            out.append(f"        return {instr.opcode_index};\n    }}")
        out.append("    return -1;\n}")
        return "\n".join(out)

    def field_code(self, f: ir.FieldDef) -> str:
        code, width = None, 0
        for hi, lo in f.pieces:
            piece = f"dc_bits(w, {lo}, {hi - lo + 1})"
            code = piece if code is None else f"(({code}) << {hi - lo + 1}) | {piece}"
            width += hi - lo + 1
        if f.lsb_zeros:
            code = f"(({code}) << {f.lsb_zeros})"
        if f.signed:
            code = f"(uint64_t)dc_sx({code}, {width + f.lsb_zeros})"
        return code

    def exec_table(self) -> str:
        names = ", ".join(f"exec_{i.name}" for i in self.m.instructions)
        return ("typedef int (*dc_exec_fn)(dc_ctx *, const uint64_t *, uint64_t *);\n"
                f"static const dc_exec_fn DC_EXEC[{len(self.m.instructions)}] = {{ {names} }};\n")

    # --------------------------------------------------------------- run
    def run_loop(self) -> str:
        return self.fetch_loop() if self.m.fetch else self.queue_loop()

    def retire(self, indent: str) -> str:
        return (f"{indent}if (UNLIKELY(st == DC_FAULT || st == DC_HOST_ERROR)) return st;\n"
                f"{{store_pc}}"
                f"{indent}ctx->counts[op]++;\n{indent}ctx->retired++;\n"
                f"{{bbv}}"
                f"{indent}if (st == DC_HALTED || ctx->halted) return DC_HALTED;\n")

    def queue_loop(self) -> str:
        nw = self.nwords
        return f"""/* run up to n commands from the queue */
static inline __attribute__((always_inline)) int dc_core(dc_ctx *ctx, int64_t n, const int bbv) {{
    (void)bbv;
    uint64_t ops[{self.max_ops}];
    for (int64_t k = 0; k < n; k++) {{
        if (ctx->halted) return DC_HALTED;
        if (ctx->qpos >= ctx->qlen) return DC_EMPTY;
        int op = dc_decode(ctx->queue + ctx->qpos * {nw}, ops);
        if (UNLIKELY(op < 0)) {{ ctx->fault_site = {SITE_ILLEGAL}; return DC_FAULT; }}
        int st = DC_EXEC[op](ctx, ops, 0);
{self.retire(' ' * 8).replace('{store_pc}', ' ' * 8 + 'ctx->qpos++;' + chr(10)).replace('{bbv}', '')}    }}
    return DC_OK;
}}
"""

    def fetch_loop(self) -> str:
        f, nw = self.m.fetch, self.nwords
        pc_el, mem = self.m.state_element(f.pc), self.m.state_element(f.memory)
        wide = pc_el.type.width >= 64
        ity = "__int128" if wide else "int64_t"
        store_pc = f"        ctx->m_{f.pc}[0] = ({element_ctype(pc_el)})npc;\n"
        bbv = (f"        if (bbv && npc != pc + {f.ilen}) {{  /* a taken branch or jump ends a basic block */\n"
               f"            ctx->bbv_acc[dc_bbv_bucket((uint64_t)ctx->bb_start, ctx->bbv_bits)] += "
               f"ctx->retired - ctx->bb_mark;\n"
               f"            ctx->bb_mark = ctx->retired;\n"
               f"            ctx->bb_start = (int64_t)(uint64_t)ctx->m_{f.pc}[0];\n        }}\n")
        return f"""/* run up to n instructions fetched from {f.memory} at {f.pc}; bbv: also build the block vector */
static inline __attribute__((always_inline)) int dc_core(dc_ctx *ctx, int64_t n, const int bbv) {{
    for (int64_t k = 0; k < n; k++) {{
        if (ctx->halted) return DC_HALTED;
        uint64_t pc = (uint64_t)ctx->m_{f.pc}[0];
        {ity} i = ({ity})({ctype(pc_el.type)})ctx->m_{f.pc}[0] - ({ity}){c_int(f.base, False)};
        if (UNLIKELY(i < 0 || i + {f.ilen} > {mem.size})) {{ ctx->fault_site = {SITE_FETCH}; return DC_FAULT; }}
        uint64_t w[{nw}] = {{0}};
        memcpy(w, ctx->m_{f.memory} + (int64_t)i, {f.ilen});
        struct dc_dentry *e = &ctx->dcache[(pc / {f.ilen}) & (uint64_t)ctx->dcache_mask];
        if (UNLIKELY(e->op < 0 || e->pc != pc || memcmp(e->w, w, sizeof w) != 0)) {{
            e->op = dc_decode(w, e->ops);
            e->pc = pc;
            memcpy(e->w, w, sizeof w);
            if (UNLIKELY(e->op < 0)) {{ ctx->fault_site = {SITE_ILLEGAL}; return DC_FAULT; }}
        }}
        int op = (int)e->op;
        uint64_t npc = pc + {f.ilen};
        int st = DC_EXEC[op](ctx, e->ops, &npc);
{self.retire(' ' * 8).replace('{store_pc}', store_pc).replace('{bbv}', bbv)}    }}
    return DC_OK;
}}
"""

    def signature_run(self) -> str:
        nk = len(self.m.instructions)
        return f"""static int dc_core_plain(dc_ctx *ctx, int64_t n) {{ return dc_core(ctx, n, 0); }}
static int dc_core_bbv(dc_ctx *ctx, int64_t n) {{ return dc_core(ctx, n, 1); }}

/* the end of a signature interval: row = [start, end, kind counts of the interval, its basic-block vector] */
static void dc_sig_record(dc_ctx *ctx) {{
    int64_t nb = ctx->bbv_bits ? INT64_C(1) << ctx->bbv_bits : 0;
    if (nb) {{
        ctx->bbv_acc[dc_bbv_bucket((uint64_t)ctx->bb_start, ctx->bbv_bits)] += ctx->retired - ctx->bb_mark;
        ctx->bb_mark = ctx->retired;
    }}
    if (ctx->sig_len < ctx->sig_cap) {{
        int64_t *row = ctx->sig_buf + ctx->sig_len * ctx->sig_width;
        row[0] = ctx->sig_start;
        row[1] = ctx->retired;
        for (int k = 0; k < {nk}; k++) row[2 + k] = ctx->counts[k] - ctx->sig_base[k];
        if (nb) memcpy(row + 2 + {nk}, ctx->bbv_acc, (size_t)nb * sizeof(int64_t));
        ctx->sig_len++;
    }}
    memcpy(ctx->sig_base, ctx->counts, {nk} * sizeof(int64_t));
    if (nb) memset(ctx->bbv_acc, 0, (size_t)nb * sizeof(int64_t));
    ctx->sig_start = ctx->retired;
    ctx->sig_next += ctx->sig_interval;
}}

/* run up to n instructions; with signatures on, stop at each interval boundary to record one */
int dc_run(dc_ctx *ctx, int64_t n) {{
    if (!ctx->sig_interval) return dc_core_plain(ctx, n);
    int (*core)(dc_ctx *, int64_t) = ctx->bbv_bits ? dc_core_bbv : dc_core_plain;
    for (;;) {{
        int64_t room = ctx->sig_next - ctx->retired, before = ctx->retired;
        int st = core(ctx, n < room ? n : room);
        n -= ctx->retired - before;
        if (ctx->retired == ctx->sig_next) dc_sig_record(ctx);
        if (st != DC_OK || n <= 0) return st;
    }}
}}
"""

    def api(self) -> str:
        kinds = len(self.m.instructions)
        return f"""/* per unit of `unit` encoded instructions/commands, how many decode to each kind (opcode
   index; column {kinds}: none decodes): the signatures of a command stream for stratified
   sampling, without executing it. out: ceil(n / unit) rows of {kinds + 1} counts, zeroed here. */
void dc_kind_counts(const uint64_t *words, int64_t n, int64_t unit, int64_t *out) {{
    uint64_t ops[{self.max_ops}];
    for (int64_t i = 0; i < (n + unit - 1) / unit * {kinds + 1}; i++) out[i] = 0;
    for (int64_t i = 0; i < n; i++) {{
        int k = dc_decode(words + i * {self.nwords}, ops);
        out[i / unit * {kinds + 1} + (k < 0 ? {kinds} : k)]++;
    }}
}}
""" + """int64_t dc_ctx_size(void) { return (int64_t)sizeof(dc_ctx); }
int64_t dc_dentry_size(void) { return (int64_t)sizeof(struct dc_dentry); }
void dc_cache_reset(dc_ctx *ctx) {
    if (!ctx->dcache) return;
    for (int64_t i = 0; i <= ctx->dcache_mask; i++) ctx->dcache[i].op = -1;
}
"""
