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
from spec.types import IntType, numpy_dtype_name

from . import cversion, dirty
from .cgen_ir import fits, may_fault, walk

CGEN_VERSION = "5"
DC_OK, DC_HALTED, DC_EMPTY, DC_FAULT, DC_HOST_ERROR = range(5)
SITE_FETCH, SITE_ILLEGAL = 0, 1
MAX_WORD_BITS = 256
# per-interval signatures (see fastforward/signature.py): every sig_interval retired instructions
# dc_run copies the kind counters (and the basic-block vector) into row sig_len of sig_buf
SIGNATURE_FIELDS = ("sig_interval", "sig_next", "sig_start", "sig_len", "sig_cap", "sig_width", "bbv_bits",
                    "bb_start", "bb_mark")

C_RESERVED = frozenset("""auto break case char const continue default do double else enum extern float for goto
if inline int long register restrict return short signed sizeof static struct switch typedef union unsigned
void volatile while ctx op npc main memcpy memcmp""".split())


class CodegenError(DcsimError):
    """A machine the C generator cannot translate."""


@dataclass(frozen=True)
class FaultSite:
    """Where the C code can fault; `csim` renders the reference's message from it."""
    kind: str              # 'fetch' | 'illegal' | 'index' | 'assert' | 'load' | 'store'
    instr: str | None
    loc: Loc | None
    detail: tuple = ()     # index: (state, k, dim); assert: (message,); load/store: (mem, n, size)
    signed: bool = False   # how to read the faulting value (index or address)


@dataclass(frozen=True)
class CProgram:
    source: str
    sites: tuple           # of FaultSite, numbered by position
    ctx_fields: tuple      # ((name, kind), ...): kind 'ptr' | 'i64' | 'fn'
    nwords: int            # 64-bit words per instruction / command
    max_operands: int


def ctype(t: IntType) -> str:
    return "int64_t" if t.signed else "uint64_t"


def element_ctype(e: ir.StateElement) -> str:
    return numpy_dtype_name(e.type) + "_t"


def c_int(value: int, signed: bool) -> str:
    if signed:
        return "INT64_MIN" if value == -(1 << 63) else f"INT64_C({value})"
    return f"UINT64_C({value:#x})" if value > 0xFFFF else f"UINT64_C({value})"


def ctx_fields(machine: ir.Machine) -> tuple:
    fields = [(f"m_{s.name}", "ptr") for s in machine.state]
    fields += [(f"d_{s.name}", "ptr") for s in dirty.tracked(machine)]      # written-page maps
    fields += [("counts", "ptr"), ("queue", "ptr"), ("dcache", "ptr"), ("sig_buf", "ptr"), ("sig_base", "ptr"),
               ("bbv_acc", "ptr")]
    fields += [(n, "i64") for n in ("qlen", "qpos", "dcache_mask", "retired", "halted", "exit_code",
                                    "exit_kind", "fault_site", "fault_value", "has_watch", "watch")]
    fields += [(n, "i64") for n in SIGNATURE_FIELDS]
    fields += [("env_call", "fn"), ("on_watch", "fn")]
    return tuple(fields)


def generate(machine: ir.Machine) -> CProgram:
    return _MachineGen(machine).program()


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


class _MachineGen:
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
            parts.append(_InstrGen(self, instr).function())
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


class _InstrGen:
    """One instruction's body as a C function."""

    def __init__(self, mg: _MachineGen, instr: ir.Instruction):
        self.mg, self.m, self.instr = mg, mg.m, instr
        self.ntmp = 0
        self.ranges: dict[int, tuple] = {}        # loop slot -> (lo, hi) proved interval
        self.proved: set[int] | None = None       # ids of index/address expressions checked at loop entry
        self.slots = self.collect_slots()

    def collect_slots(self) -> dict:
        slots = {k: (f.name, f.type) for k, f in enumerate(self.instr.operands)}
        for stmt in self.instr.body:
            for node in walk(stmt):
                if isinstance(node, (ir.SlotRef, ir.SlotTarget)) and node.slot not in slots:
                    slots[node.slot] = (node.name, node.type)
        counts: dict[str, int] = {}
        for name, _ in slots.values():
            counts[name] = counts.get(name, 0) + 1
        out = {}
        for slot, (name, t) in sorted(slots.items()):
            clash = name in C_RESERVED or name.startswith(("m_", "dc_", "t_", "DC_")) or name.endswith("_t") \
                or name.isupper()
            cname = name if counts[name] == 1 and not clash else f"{name}_{slot}"
            out[slot] = (cname, t)
        return out

    def tmp(self) -> str:
        self.ntmp += 1
        return f"t_{self.ntmp}"

    def site(self, kind: str, loc: Loc, detail: tuple = (), signed: bool = False) -> int:
        return self.mg.site(FaultSite(kind, self.instr.name, loc, detail, signed))

    def function(self) -> str:
        doc = "\n".join(f" *   {line}".rstrip() for line in self.instr.source.replace("*/", "* /").splitlines())
        head = [f"/* {self.instr.name} ({Path(self.instr.loc.path).name}:{self.instr.loc.line}):\n{doc}\n */",
                f"static int exec_{self.instr.name}(dc_ctx *ctx, const uint64_t *op, uint64_t *npc) {{",
                "    (void)ctx; (void)op; (void)npc;"]
        noperands = len(self.instr.operands)
        for slot, (cname, t) in self.slots.items():
            init = f"({ctype(t)})op[{slot}]" if slot < noperands else "0"
            head.append(f"    {ctype(t)} {cname} = {init};{'  /* field */' if slot < noperands else ''}")
            if slot >= noperands:
                head.append(f"    (void){cname};")
        body = self.block(self.instr.body, "    ")
        return "\n".join(head) + "\n" + body + "    return DC_OK;\n}\n"

    # -------------------------------------------------------- statements
    def block(self, stmts: tuple, ind: str) -> str:
        return "".join(self.stmt(s, ind) for s in stmts)

    def stmt(self, s, ind: str) -> str:
        code = getattr(self, f"stmt_{type(s).__name__}")(s, ind)
        return f"{ind}{self.mg.spec_line(s.loc)}\n{code}"

    def stmt_Assign(self, s: ir.Assign, ind: str) -> str:
        t = s.target
        if isinstance(t, ir.SlotTarget):
            return f"{ind}{self.slots[t.slot][0]} = {self.expr(s.value)};\n"
        el = self.m.state_element(t.state)
        ref = f"ctx->m_{el.name}"
        value = f"({element_ctype(el)})({self.expr(s.value)})"
        if not t.indices:
            return f"{ind}{ref}[0] = {value};\n"
        index = self.flat_index(el, t.indices, t.loc)
        i, v = self.tmp(), self.tmp()
        if dirty.is_tracked(el):                # also mark the written page (fastforward/dirty.py)
            mark = f"ctx->d_{el.name}[{i} >> {dirty.page_shift(el)}] = 1;"
            if not may_fault(s.value):
                return f"{ind}{{ uint64_t {i} = {index};\n{ind}  {ref}[{i}] = {value}; {mark} }}\n"
            return (f"{ind}{{ {element_ctype(el)} {v} = {value};\n{ind}  uint64_t {i} = {index};\n"
                    f"{ind}  {ref}[{i}] = {v}; {mark} }}\n")
        if el.zero_index is not None:           # reference order: index, value, then the x0 test
            return (f"{ind}{{ uint64_t {i} = {index};\n{ind}  {element_ctype(el)} {v} = {value};\n"
                    f"{ind}  if ({i} != {el.zero_index}) {ref}[{i}] = {v}; }}\n")
        if not may_fault(s.value):
            return f"{ind}{ref}[{index}] = {value};\n"
        return f"{ind}{{ {element_ctype(el)} {v} = {value};\n{ind}  {ref}[{index}] = {v}; }}\n"

    def stmt_If(self, s: ir.If, ind: str) -> str:
        code = f"{ind}if ({self.expr(s.cond)}) {{\n{self.block(s.then, ind + '    ')}{ind}}}"
        if s.orelse:
            code += f" else {{\n{self.block(s.orelse, ind + '    ')}{ind}}}"
        return code + "\n"

    def stmt_For(self, s: ir.For, ind: str) -> str:
        """An outermost loop whose checks can be proved at entry comes in two versions
        (fastforward/cversion.py): without those checks when the proof holds, else as is."""
        version = cversion.entry_condition(self, s) if self.proved is None else None
        if version is None:
            return self.loop(s, ind)
        condition, self.proved = version
        fast = self.loop(s, ind + "    ")
        self.proved = None
        return f"{ind}if ({condition}) {{\n{fast}{ind}}} else {{\n{self.loop(s, ind + '    ')}{ind}}}\n"

    def loop(self, s: ir.For, ind: str) -> str:
        var, vt = self.slots[s.var.slot]
        (slo, _), (_, ehi) = self.interval(s.start), self.interval(s.stop)
        self.ranges[s.var.slot] = (slo, ehi - 1)
        body = self.block(s.body, ind + "    ")
        start, stop = self.expr(s.start), self.expr(s.stop)
        big = IntType(False, 64)
        if big not in (s.start.type, s.stop.type, s.var.type):
            lo, hi = self.tmp(), self.tmp()
            return (f"{ind}for (int64_t {lo} = (int64_t)({start}), {hi} = (int64_t)({stop}); {lo} < {hi}; {lo}++) {{\n"
                    f"{ind}    {var} = ({ctype(vt)}){lo};\n{body}{ind}}}\n")
        a, b, k, n = self.tmp(), self.tmp(), self.tmp(), self.tmp()   # u64 bounds: count trips exactly
        less = self.compare_code("lt", a, s.start.type, b, s.stop.type)
        return (f"{ind}{{ {ctype(s.start.type)} {a} = {start}; {ctype(s.stop.type)} {b} = {stop};\n"
                f"{ind}  uint64_t {n} = {less} ? (uint64_t){b} - (uint64_t){a} : 0;\n"
                f"{ind}  for (uint64_t {k} = 0; {k} < {n}; {k}++) {{\n"
                f"{ind}    {var} = ({ctype(vt)})((uint64_t){a} + {k});\n{body}{ind}  }} }}\n")

    def stmt_Assert(self, s: ir.Assert, ind: str) -> str:
        site = self.site("assert", s.loc, (s.message,))
        return f"{ind}if (UNLIKELY(!({self.expr(s.cond)}))) {{ ctx->fault_site = {site}; return DC_FAULT; }}\n"

    def bounds_check(self, addr: str, e, n: int, size: int, site: int) -> str:
        bad = f"{addr} > {c_int(size - n, e.type.signed)}" if size >= n else "1"
        if e.type.signed:
            bad = f"{addr} < 0 || {bad}"
        return f"if (UNLIKELY({bad})) {{ ctx->fault_site = {site}; ctx->fault_value = (int64_t){addr}; return DC_FAULT; }}"

    def stmt_Store(self, s: ir.Store, ind: str) -> str:
        size = self.m.state_element(s.mem).size
        site = self.site("store", s.loc, (s.mem, s.nbytes, size), s.addr.type.signed)
        a = self.tmp()
        check = "" if self.is_proved(s.addr) else self.bounds_check(a, s.addr, s.nbytes, size, site)
        code = (f"{ind}{{ {ctype(s.addr.type)} {a} = {self.expr(s.addr)};\n"
                f"{ind}  {check}\n"
                f"{ind}  dc_store(ctx->m_{s.mem} + {a}, {self.expr(s.value)}, {s.nbytes});\n")
        el = self.m.state_element(s.mem)
        if dirty.is_tracked(el):                # the first and last byte's pages (fastforward/dirty.py)
            shift = dirty.page_shift(el)
            code += (f"{ind}  ctx->d_{s.mem}[(uint64_t){a} >> {shift}] = 1; "
                     f"ctx->d_{s.mem}[((uint64_t){a} + {s.nbytes - 1}) >> {shift}] = 1;\n")
        if self.m.fetch and s.mem == self.m.fetch.memory:
            code += (f"{ind}  if (ctx->has_watch && (uint64_t)ctx->watch - (uint64_t){a} < {s.nbytes}"
                     f" && ctx->on_watch(ctx->watch)) return DC_HOST_ERROR;  /* store watch (HTIF tohost) */\n")
        return code + f"{ind}}}\n"

    def stmt_Jump(self, s: ir.Jump, ind: str) -> str:
        return f"{ind}*npc = (uint64_t)({self.expr(s.target)});\n"

    def stmt_Halt(self, s: ir.Halt, ind: str) -> str:
        kind = 2 if s.code.type == IntType(False, 64) else 1
        return (f"{ind}ctx->exit_code = (int64_t)({self.expr(s.code)}); ctx->exit_kind = {kind}; "
                f"ctx->halted = 1;\n{ind}return DC_HALTED;\n")

    def stmt_EnvCall(self, s: ir.EnvCall, ind: str) -> str:
        return f"{ind}if (ctx->env_call({s.kind})) return DC_HOST_ERROR;  /* host environment */\n"

    # ------------------------------------------------------- expressions
    def expr(self, e) -> str:
        return getattr(self, f"expr_{type(e).__name__}")(e)

    def ordered(self, parts: list, build) -> str:
        """`build(codes)` with the parts evaluated left to right when more than one may fault."""
        codes = [self.expr(p) for p in parts]
        if sum(may_fault(p) for p in parts) < 2:
            return build(codes)
        temps = [self.tmp() for _ in parts]
        decls = " ".join(f"{ctype(p.type)} {t} = {c};" for t, p, c in zip(temps, parts, codes))
        return f"({{ {decls} {build(temps)}; }})"

    def conv(self, code: str, src: IntType, dst: IntType) -> str:
        return code if src.signed == dst.signed else f"({ctype(dst)})({code})"

    def expr_Const(self, e: ir.Const) -> str:
        return c_int(e.value, e.type.signed)

    def expr_SlotRef(self, e: ir.SlotRef) -> str:
        return self.slots[e.slot][0]

    def expr_PcRead(self, e: ir.PcRead) -> str:
        return f"({ctype(e.type)})ctx->m_{self.m.fetch.pc}[0]"

    def expr_StateRead(self, e: ir.StateRead) -> str:
        el = self.m.state_element(e.state)
        index = self.flat_index(el, e.indices, e.loc) if e.indices else "0"
        return f"({ctype(e.type)})ctx->m_{el.name}[{index}]"

    def flat_index(self, el: ir.StateElement, indices: tuple, loc: Loc) -> str:
        """Row-major flat index; checks each dimension in the reference's order."""
        names = [self.tmp() for _ in indices]
        decls, checks = [], []
        for k, (i, name) in enumerate(zip(indices, names)):
            decls.append(f"{ctype(i.type)} {name} = {self.expr(i)};")
            lo, hi = self.interval(i)
            if not (lo >= 0 and hi < el.shape[k]) and not self.is_proved(i):
                site = self.site("index", loc, (el.name, k, el.shape[k]), i.type.signed)
                checks.append(f"if (UNLIKELY((uint64_t){name} >= {el.shape[k]})) {{ ctx->fault_site = {site}; "
                              f"ctx->fault_value = (int64_t){name}; return DC_FAULT; }}")
            else:
                checks.append("")
        flat = f"(uint64_t){names[0]}"
        for k in range(1, len(indices)):
            flat = f"({flat} * {el.shape[k]} + (uint64_t){names[k]})"
        if len(indices) == 2:        # the reference evaluates both indices, then checks them
            seq = decls + checks
        else:
            seq = [part for pair in zip(decls, checks) for part in pair]
        if not any(checks) and len(indices) == 1 and not may_fault(indices[0]):
            return f"(uint64_t)({self.expr(indices[0])})"
        return "({ " + " ".join(p for p in seq if p) + f" {flat}; }})"

    def is_proved(self, e) -> bool:
        return self.proved is not None and id(e) in self.proved

    def interval(self, e) -> tuple[int, int]:
        if isinstance(e, ir.Const):
            return e.value, e.value
        if isinstance(e, ir.SlotRef) and e.slot in self.ranges:
            return self.ranges[e.slot]
        if isinstance(e, ir.Cast) and fits(e.a.type, e.type):
            return self.interval(e.a)
        if isinstance(e, ir.Binary) and e.op in ("add", "sub", "mul"):
            (alo, ahi), (blo, bhi) = self.interval(e.a), self.interval(e.b)
            if e.op == "add":
                return alo + blo, ahi + bhi
            if e.op == "sub":
                return alo - bhi, ahi - blo
            products = (alo * blo, alo * bhi, ahi * blo, ahi * bhi)
            return min(products), max(products)
        return e.type.min, e.type.max

    def expr_Load(self, e: ir.Load) -> str:
        size = self.m.state_element(e.mem).size
        site = self.site("load", e.loc, (e.mem, e.nbytes, size), e.addr.type.signed)
        a = self.tmp()
        check = "" if self.is_proved(e.addr) else self.bounds_check(a, e.addr, e.nbytes, size, site) + " "
        return (f"({{ {ctype(e.addr.type)} {a} = {self.expr(e.addr)}; {check}"
                f"dc_load(ctx->m_{e.mem} + {a}, {e.nbytes}); }})")

    def expr_Unary(self, e: ir.Unary) -> str:
        a = self.expr(e.a)
        if e.op == "neg":
            return f"(-{self.conv(a, e.a.type, e.type)})"
        if e.op == "not":
            return f"(uint64_t)!({a})"
        if e.type.signed:
            return f"(~{a})"
        return f"({a} ^ {c_int(e.type.mask, False)})"

    def expr_Binary(self, e: ir.Binary) -> str:
        t, op = e.type, e.op
        if op in ("shl", "shr"):
            def shift(c):
                if op == "shl":
                    return f"dc_shl_{'s' if t.signed else 'u'}({c[0]}, {c[1]}, {t.width})"
                return f"dc_shr_{'s' if t.signed else 'u'}({c[0]}, {c[1]})"
            return self.ordered([e.a, e.b], shift)
        if op in ("min", "max"):
            fn = f"dc_{'s' if t.signed else 'u'}{op}"
            return self.ordered([e.a, e.b], lambda c: f"{fn}({self.conv(c[0], e.a.type, t)}, "
                                                      f"{self.conv(c[1], e.b.type, t)})")
        sym = {"add": "+", "sub": "-", "mul": "*", "and": "&", "or": "|", "xor": "^"}[op]
        return self.ordered([e.a, e.b], lambda c: f"({self.conv(c[0], e.a.type, t)} {sym} "
                                                  f"{self.conv(c[1], e.b.type, t)})")

    def compare_code(self, op: str, a: str, at: IntType, b: str, bt: IntType) -> str:
        sym = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
        if at.signed != bt.signed:
            u = bt if at.signed else at
            cast = "(__int128)" if u.width >= 64 else "(int64_t)"
            a, b = f"{cast}{a}", f"{cast}{b}"
        return f"({a} {sym} {b})"

    def expr_Compare(self, e: ir.Compare) -> str:
        return self.ordered([e.a, e.b], lambda c: f"(uint64_t){self.compare_code(e.op, c[0], e.a.type, c[1], e.b.type)}")

    def expr_Logic(self, e: ir.Logic) -> str:
        sym = "&&" if e.op == "and" else "||"
        return f"(uint64_t)(({self.expr(e.a)}) {sym} ({self.expr(e.b)}))"

    def expr_Select(self, e: ir.Select) -> str:
        return f"(({self.expr(e.cond)}) ? {self.expr(e.a)} : {self.expr(e.b)})"

    def expr_Cast(self, e: ir.Cast) -> str:
        a = self.expr(e.a)
        if fits(e.a.type, e.type):
            return self.conv(a, e.a.type, e.type)
        if e.type.signed:
            return f"dc_sx((uint64_t)({a}), {e.type.width})"
        return f"dc_zx((uint64_t)({a}), {e.type.width})"

    expr_Reinterpret = expr_Cast

    def expr_Slice(self, e: ir.Slice) -> str:
        return f"dc_zx((uint64_t)({self.expr(e.a)}) >> {e.lo}, {e.hi - e.lo + 1})"

    def expr_Concat(self, e: ir.Concat) -> str:
        def build(codes):
            out = None
            for p, c in zip(e.parts, codes):
                part = f"dc_zx((uint64_t)({c}), {p.type.width})"
                out = part if out is None else f"(({out}) << {p.type.width} | {part})"
            return out
        return self.ordered(list(e.parts), build)
