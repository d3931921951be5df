"""C for a fetch machine's *program*: its basic blocks translated through the Spec IR.

Each instruction's body is the C backend's own (`cgen_instr.InstrGen`), rewritten as an
always-inlined function over a frame of locals (`dn_loc`): the small state elements (the
register file, pc) are copied into locals when a region is entered and back when it is
left, so the compiler keeps them in host registers; the operands of every instruction are
constants, so decode disappears. Blocks are grouped by address into *regions*, one C
function each; inside a region a block continues into a static successor with a `goto`
and an indirect jump through a `switch` on pc; leaving a region returns to `dn_run`, the
dispatcher, which finds the next region (binary search over block starts) or runs the
C interpreter for code that was not translated, and for a partial block before a stop.

Exactness: a block subtracts its length from the budget on entry (and runs only when the
whole block fits); it counts its own execution (`bx[block]`), and the kind counters are
brought up to date from those (`dn_flush`) before returning or calling the host. Every
way out of the middle of a block (a fault, a halt, a host call, a store into translated
code) writes back the locals, pc and retired as the interpreter would have them at that
instruction, and takes back the counts of the block's instructions that did not retire.
"""
from __future__ import annotations

import re
from pathlib import Path

from spec import ir

from . import dirty
from .cgen import PRELUDE, MachineGen
from .cgen_instr import InstrGen
from .cgen_ir import c_int, element_ctype
from .native_blocks import Block

NATIVE_VERSION = "4"
DN_CONT, DN_SHORT, DN_SMC, DN_STALE = 16, 17, 18, 19     # beside cgen's DC_* statuses
REGION_INSTRS = 3000         # instructions per region function: bounds the C compiler's time
LOCAL_MAX = 256              # state elements up to this many elements live in locals
GRAIN = 2                    # log2 bytes of the granules of translated code stores are checked against (a word:
                             # data beside code, e.g. small data after .rodata, seldom shares one)
MISS_SLOTS = 1024


def localized(machine: ir.Machine) -> list:
    """The state elements a region keeps in locals: small ones other than the fetch memory."""
    return [s for s in machine.state
            if s.name != machine.fetch.memory and s.size <= LOCAL_MAX and not dirty.is_tracked(s)]


class _NativeInstrGen(InstrGen):
    """`InstrGen` whose stores into the fetch memory also flag a hit on translated code."""

    def stmt_Store(self, s: ir.Store, ind: str) -> str:
        code = super().stmt_Store(s, ind)
        if s.mem != self.m.fetch.memory:
            return code
        addr = re.match(r"\s*\{ \w+ (t_\d+) = ", code).group(1)
        check = (f"{ind}  if (UNLIKELY(dn_code_hit((uint64_t){addr}) | "
                 f"dn_code_hit((uint64_t){addr} + {s.nbytes - 1}))) L_->flag |= 2;  /* self-modifying code */\n")
        assert code.endswith(f"{ind}}}\n")
        return code[:-len(f"{ind}}}\n")] + check + f"{ind}}}\n"


class NativeGen:
    """The C source for a set of blocks of `machine`'s program."""

    def __init__(self, machine: ir.Machine, blocks: dict[int, Block], infos: dict, memory):
        self.m, self.f, self.memory = machine, machine.fetch, memory
        self.blocks = [blocks[k] for k in sorted(blocks)]
        self.ids = {b.start: k for k, b in enumerate(self.blocks)}
        self.infos = infos
        self.local = localized(machine)
        self.local_names = {s.name for s in self.local}
        self.pc_el = machine.state_element(self.f.pc)
        self.pc_t = element_ctype(self.pc_el)
        self.regions = self.split_regions()
        self.region_of = {b.start: r for r, blocks in enumerate(self.regions) for b in blocks}
        self.mg = MachineGen(machine)
        self.lo, self.hi = self.code_span()

    def split_regions(self) -> list[list[Block]]:
        regions, cur, n = [], [], 0
        for b in self.blocks:
            if cur and n + len(b.pcs) > REGION_INSTRS:
                regions.append(cur)
                cur, n = [], 0
            cur.append(b)
            n += len(b.pcs)
        if cur:
            regions.append(cur)
        return regions

    def code_span(self) -> tuple[int, int]:
        lo = min(b.start for b in self.blocks) - self.f.base
        hi = max(b.pcs[-1] for b in self.blocks) + self.f.ilen - self.f.base
        return lo, hi

    def region_ranges(self) -> list[list[tuple[int, int]]]:
        """Per region, the merged byte ranges (fetch-memory indices) its instructions occupy."""
        out = []
        for blocks in self.regions:
            spans = sorted((b.start - self.f.base, b.pcs[-1] + self.f.ilen - self.f.base) for b in blocks)
            merged: list[list[int]] = []
            for lo, hi in spans:
                if merged and lo <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], hi)
                else:
                    merged.append([lo, hi])
            out.append([tuple(r) for r in merged])
        return out

    # ------------------------------------------------------------ source
    def source(self) -> str:
        instr_fns = [self.instr_function(i) for i in self.m.instructions]   # sites numbered as cgen's
        parts = [f"/* Generated by dcsim fastforward/native_gen.py (v{NATIVE_VERSION}) from "
                 f"{Path(self.m.path).name}, machine '{self.m.name}' {self.m.digest[:12]}: "
                 f"{len(self.blocks)} blocks in {len(self.regions)} regions. Do not edit. */",
                 PRELUDE, self.mg.ctx_struct(self.mg_fields()), self.frame_types(), self.tables(),
                 self.host_sync(), *instr_fns]
        parts += [self.region(r, blocks) for r, blocks in enumerate(self.regions)]
        parts.append(self.dispatcher())
        return "\n".join(parts)

    def mg_fields(self):
        from .cgen import ctx_fields
        return ctx_fields(self.m)

    def frame_types(self) -> str:
        lines = ["typedef struct {"]
        for s in self.local:
            lines.append(f"    {element_ctype(s)} {s.name}[{s.size}];")
        for s in self.m.state:
            if s.name not in self.local_names:
                lines.append(f"    {element_ctype(s)} *p_{s.name};")
        for s in dirty.tracked(self.m):
            lines.append(f"    uint8_t *d_{s.name};")
        lines += ["    int flag;            /* 1: the host was called; 2: a store hit translated code */",
                  "    int64_t bid, bpc, bleft, r0, left0;   /* current block, budget before it; at region entry */",
                  "} dn_loc;",
                  "typedef int (*dn_interp_fn)(dc_ctx *, int64_t);",
                  "typedef struct {",
                  "    int64_t *bx;           /* executions of each block since the last flush */",
                  "    uint8_t *valid;        /* regions still matching memory */",
                  "    dn_interp_fn interp;   /* the C backend's dc_run */",
                  "    int64_t stale, smc, interpreted, last_miss;",
                  f"    uint64_t miss_pc[{MISS_SLOTS}];",
                  f"    int64_t miss_count[{MISS_SLOTS}];",
                  "} dn_x;",
                  "static dn_x *DN_X;"]
        return "\n".join(lines)

    def tables(self) -> str:
        nb = len(self.blocks)
        kinds = ", ".join("{" + ", ".join(str(i.opcode_index) for i, _ in b.instrs) + "}" for b in self.blocks)
        width = max(len(b.pcs) for b in self.blocks)
        starts = ", ".join(c_int(b.start, False) for b in self.blocks)
        lens = ", ".join(str(len(b.pcs)) for b in self.blocks)
        regions = ", ".join(str(self.region_of[b.start]) for b in self.blocks)
        grains = bytearray(((self.hi - self.lo) >> GRAIN) + 2)
        for b in self.blocks:
            for pc in b.pcs:
                for byte in (pc - self.f.base, pc - self.f.base + self.f.ilen - 1):
                    grains[(byte - self.lo) >> GRAIN] = 1
        grain_txt = ",".join(map(str, grains))
        return f"""enum {{ DN_CONT = {DN_CONT}, DN_SHORT = {DN_SHORT}, DN_SMC = {DN_SMC}, DN_STALE = {DN_STALE} }};
#define DN_NB {nb}
static const int16_t DN_KINDS[{nb}][{width}] = {{ {kinds} }};
static const uint8_t DN_LEN[{nb}] = {{ {lens} }};
static const uint64_t DN_START[{nb}] = {{ {starts} }};
static const int32_t DN_REGION[{nb}] = {{ {regions} }};
static const uint8_t DN_GRAIN[{len(grains)}] = {{ {grain_txt} }};
/* does fetch-memory byte a lie in a granule holding translated instructions? */
static inline int dn_code_hit(uint64_t a) {{
    uint64_t g = a - UINT64_C({self.lo});
    return g < UINT64_C({self.hi - self.lo}) && DN_GRAIN[g >> {GRAIN}];
}}
/* kind counters from block executions */
static __attribute__((noinline)) void dn_flush(dc_ctx *ctx, dn_x *x) {{
    for (int64_t b = 0; b < DN_NB; b++) {{
        int64_t n = x->bx[b];
        if (!n) continue;
        for (int j = 0; j < DN_LEN[b]; j++) ctx->counts[DN_KINDS[b][j]] += n;
        x->bx[b] = 0;
    }}
}}
/* the counts of instructions k.. of block b, which were counted on entry but did not retire */
static inline void dn_unretire(dc_ctx *ctx, int64_t b, int64_t k, int64_t sign) {{
    for (int64_t j = k; j < DN_LEN[b]; j++) ctx->counts[DN_KINDS[b][j]] -= sign;
}}
"""

    def copy_out(self, ind: str) -> str:
        return "".join(f"{ind}memcpy(ctx->m_{s.name}, L_->{s.name}, sizeof L_->{s.name});\n" for s in self.local)

    def copy_in(self, ind: str) -> str:
        lines = "".join(f"{ind}memcpy(L_->{s.name}, ctx->m_{s.name}, sizeof L_->{s.name});\n" for s in self.local)
        lines += "".join(f"{ind}L_->p_{s.name} = ctx->m_{s.name};\n" for s in self.m.state
                         if s.name not in self.local_names)
        lines += "".join(f"{ind}L_->d_{s.name} = ctx->d_{s.name};\n" for s in dirty.tracked(self.m))
        return lines

    def host_sync(self) -> str:
        """Around a host call: the state as the interpreter has it at that instruction."""
        return f"""static inline __attribute__((always_inline)) int64_t dn_index(dn_loc *L_) {{
    return (int64_t)(({self.pc_t})(L_->{self.f.pc}[0] - ({self.pc_t})L_->bpc) / {self.f.ilen});
}}
static inline __attribute__((always_inline)) void dn_out(dc_ctx *ctx, dn_loc *L_) {{
{self.copy_out('    ')}    int64_t k = dn_index(L_);
    ctx->retired = L_->r0 + (L_->left0 - L_->bleft) + k;
    dn_flush(ctx, DN_X);
    dn_unretire(ctx, L_->bid, k, 1);
}}
static inline __attribute__((always_inline)) void dn_in(dc_ctx *ctx, dn_loc *L_) {{
{self.copy_in('    ')}    dn_unretire(ctx, L_->bid, dn_index(L_), -1);
    L_->flag |= 1;
}}
static inline __attribute__((always_inline)) int dn_env(dc_ctx *ctx, dn_loc *L_, int64_t kind) {{
    dn_out(ctx, L_);
    int r = ctx->env_call(kind);
    dn_in(ctx, L_);
    return r;
}}
static inline __attribute__((always_inline)) int dn_watch(dc_ctx *ctx, dn_loc *L_, int64_t index) {{
    dn_out(ctx, L_);
    int r = ctx->on_watch(index);
    dn_in(ctx, L_);
    return r;
}}
"""

    def instr_function(self, instr: ir.Instruction) -> str:
        text = _NativeInstrGen(self.mg, instr).function()
        head = f"static int exec_{instr.name}(dc_ctx *ctx, const uint64_t *op, uint64_t *npc) {{"
        assert head in text, instr.name
        text = text.replace(head, f"static inline __attribute__((always_inline)) int nx_{instr.name}("
                                  f"dc_ctx *ctx, const uint64_t *op, uint64_t *npc, dn_loc *L_) {{")

        def state_ref(m):
            name = m.group(1)
            return f"L_->{name}" if name in self.local_names else f"L_->p_{name}"
        names = "|".join(re.escape(s.name) for s in sorted(self.m.state, key=lambda s: -len(s.name)))
        text = re.sub(rf"ctx->m_({names})\b", state_ref, text)
        text = re.sub(r"ctx->d_(\w+)\[", r"L_->d_\1[", text)
        text = re.sub(r"ctx->env_call\((\d+)\)", r"dn_env(ctx, L_, \1)", text)
        return text.replace("ctx->on_watch(w_[k_])", "dn_watch(ctx, L_, w_[k_])")

    # ------------------------------------------------------------ regions
    def region(self, r: int, blocks: list[Block]) -> str:
        pc_t, pcn = self.pc_t, self.f.pc
        out = [f"static int dn_region_{r}(dc_ctx *ctx, dn_x *x, int64_t *leftp, int64_t entry) {{",
               "    dn_loc Lv, *L_ = &Lv;",
               self.copy_in("    ").rstrip("\n"),
               "    L_->flag = 0; L_->r0 = ctx->retired; L_->left0 = *leftp; L_->bid = 0; L_->bpc = 0; L_->bleft = 0;",
               "    int64_t left = *leftp, *bx = x->bx, xk = 0, xb = 0, xbl = 0;",
               "    uint64_t npc = 0, xpc = 0;",
               "    int st = DC_OK;",
               "    switch (entry) {"]
        out += [f"    case {self.ids[b.start]}: goto B{self.ids[b.start]};" for b in blocks]
        out += ["    default: xpc = DN_START[entry]; st = DN_CONT; goto out;", "    }"]
        for b in blocks:
            out.append(self.block(b))
        out.append(f"""dispatch:   /* an indirect jump, or a successor in another region */
{self.dispatch_table(blocks)}
status:     /* instruction xk of the current block returned st */
    if (st == DC_HALTED) {{ xk++; xpc = ({pc_t})npc; }}
    else xpc = ({pc_t})L_->{pcn}[0];
    goto partial;
flagged:    /* after instruction xk: the host was called or translated code was written */
    xk++; xpc = ({pc_t})npc;
    if (L_->flag & 2) x->smc = 1;
    st = ctx->halted ? DC_HALTED : DN_CONT;
partial:    /* leaving block xb (entered with xbl left) with its first xk instructions retired */
    left = xbl - xk;
    dn_unretire(ctx, xb, xk, 1);
out:
{self.copy_out('    ')}    ctx->m_{pcn}[0] = ({pc_t})xpc;
    ctx->retired = L_->r0 + (L_->left0 - left);
    *leftp = left;
    return st;
}}
""")
        return "\n".join(out)

    def dispatch_table(self, blocks: list[Block]) -> str:
        """C that jumps to the block of this region starting at xpc, or leaves the region.

        A `switch` on the instruction index (xpc - first start) / ilen, dense enough for the
        compiler to make a jump table: one bounds test and one indirect jump, where a `switch`
        over the sparse pcs compiles to a tree of compares (returns and other indirect jumps
        come through here). (Label addresses, `goto *`, measured 13% slower on qsort: they
        tie the register allocation of the whole region.) Regions spread thinly over memory
        switch on pc, to keep the table small."""
        ilen = self.f.ilen
        lo = min(b.start for b in blocks)
        slots = (max(b.start for b in blocks) - lo) // ilen + 1
        if slots > 8 * REGION_INSTRS:
            cases = "\n".join(f"    case {c_int(b.start, False)}: goto B{self.ids[b.start]};" for b in blocks)
            return f"    switch (xpc) {{\n{cases}\n    default: st = DN_CONT; goto out;\n    }}"
        cases = "\n".join(f"    case {(b.start - lo) // ilen}: goto B{self.ids[b.start]};" for b in blocks)
        return f"""    if ((xpc - {c_int(lo, False)}) % {ilen} == 0)
    switch ((xpc - {c_int(lo, False)}) / {ilen}) {{
{cases}
    }}
    st = DN_CONT; goto out;"""

    def block(self, b: Block) -> str:
        bid, n = self.ids[b.start], len(b.pcs)
        pc_t, pcn = self.pc_t, self.f.pc
        host = any(self.infos[i.name].host for i, _ in b.instrs)
        lines = [f"B{bid}:  /* {b.start:#x}, {n} instructions */",
                 f"    if (UNLIKELY(left < {n})) {{ xpc = {c_int(b.start, False)}; st = DN_SHORT; goto out; }}"]
        if host:                 # where a host call finds the block (dn_out): only blocks that may call it
            lines.append(f"    L_->bid = {bid}; L_->bpc = {c_int(b.start, False)}; L_->bleft = left;")
        lines.append(f"    left -= {n}; bx[{bid}]++;")
        exit_ = f"xb = {bid}; xbl = left + {n};"
        for k, (pc, (instr, operands)) in enumerate(zip(b.pcs, b.instrs)):
            ops = ", ".join(c_int(v & (2**64 - 1), False) for v in operands) or "0"
            info = self.infos[instr.name]
            lines += [f"    {{ static const uint64_t o[] = {{ {ops} }};  /* {instr.name} */",
                      f"      L_->{pcn}[0] = ({pc_t}){c_int(pc, False)}; npc = {c_int(pc + self.f.ilen, False)};",
                      f"      st = nx_{instr.name}(ctx, o, &npc, L_);",
                      f"      if (UNLIKELY(st != DC_OK)) {{ xk = {k}; {exit_} goto status; }}",
                      f"      npc = ({pc_t})npc; }}"]
            if info.host:
                lines.append(f"    if (UNLIKELY(L_->flag || ctx->halted)) {{ xk = {k}; {exit_} goto flagged; }}")
        targets = [s for s in b.successors if self.region_of.get(s) == self.region_of[b.start]]
        for s in targets:
            lines.append(f"    if (npc == {c_int(s, False)}) goto B{self.ids[s]};")
        lines.append("    xpc = npc; goto dispatch;")
        return "\n".join(lines)

    # -------------------------------------------------------- dispatcher
    def code_check(self, memory) -> str:
        """dn_changed(r): do region r's code bytes differ from those it was translated from?
        (The interpreter's stores do not flag translated code: checked on the way back.)"""
        mem = memory.reshape(-1)
        arrays, cases = [], []
        for r, ranges in enumerate(self.region_ranges()):
            tests = []
            for k, (lo, hi) in enumerate(ranges):
                data = ",".join(map(str, mem[lo:hi].tobytes()))
                arrays.append(f"static const uint8_t DN_CODE_{r}_{k}[{hi - lo}] = {{ {data} }};")
                tests.append(f"memcmp(ctx->m_{self.f.memory} + {lo}, DN_CODE_{r}_{k}, {hi - lo})")
            cases.append(f"    case {r}: return {' || '.join(tests)};")
        return "\n".join(arrays) + ("\nstatic int dn_changed(dc_ctx *ctx, int64_t r) {\n    switch (r) {\n"
                                    + "\n".join(cases) + "\n    }\n    return 1;\n}\n")

    def dispatcher(self) -> str:
        pcn, pc_t, ilen = self.f.pc, self.pc_t, self.f.ilen
        regions = ", ".join(f"dn_region_{r}" for r in range(len(self.regions)))
        return self.code_check(self.memory) + f"""typedef int (*dn_region_fn)(dc_ctx *, dn_x *, int64_t *, int64_t);
static const dn_region_fn DN_REGIONS[{len(self.regions)}] = {{ {regions} }};

static int64_t dn_block_at(uint64_t pc) {{
    int64_t lo = 0, hi = DN_NB;
    while (lo < hi) {{
        int64_t mid = (lo + hi) / 2;
        if (DN_START[mid] < pc) lo = mid + 1; else hi = mid;
    }}
    return lo < DN_NB && DN_START[lo] == pc ? lo : -1;
}}

/* run up to n instructions: translated blocks where they are valid and fit, else the interpreter */
int dn_run(dc_ctx *ctx, dn_x *x, int64_t n) {{
    DN_X = x;
    int64_t left = n;
    int st = DC_OK;
    uint64_t last_end = ~UINT64_C(0);
    int interpreted = 0;                      /* since the last check of translated code */
    while (left > 0) {{
        if (ctx->halted) {{ st = DC_HALTED; break; }}
        if (x->stale || x->smc) {{ st = x->smc ? DN_SMC : DN_STALE; break; }}
        uint64_t pc = ({pc_t})ctx->m_{pcn}[0];
        int64_t b = dn_block_at(pc);
        if (b >= 0 && x->valid[DN_REGION[b]]) {{
            if (interpreted) {{                    /* an interpreted store may have rewritten code */
                interpreted = 0;
                if (dn_changed(ctx, DN_REGION[b])) {{ x->smc = 1; continue; }}
            }}
            st = DN_REGIONS[DN_REGION[b]](ctx, x, &left, b);
            last_end = ~UINT64_C(0);
            if (st == DN_CONT) {{ st = DC_OK; continue; }}
            if (st != DN_SHORT) break;
            int64_t before = ctx->retired;        /* the last partial block: interpreted */
            st = x->interp(ctx, left);
            left -= ctx->retired - before;
            break;
        }}
        if (pc != last_end) {{                    /* where untranslated code is entered */
            uint64_t h = (pc / {ilen}) % {MISS_SLOTS};
            if (x->miss_count[h] == 0 || x->miss_pc[h] == pc) {{ x->miss_pc[h] = pc; x->miss_count[h]++; }}
        }}
        int64_t before = ctx->retired;
        st = x->interp(ctx, 1);
        interpreted = 1;
        left -= ctx->retired - before;
        x->interpreted += ctx->retired - before;
        last_end = ({pc_t})(pc + {ilen});
        if (st != DC_OK) break;
    }}
    dn_flush(ctx, x);
    return st;
}}
int64_t dn_nblocks(void) {{ return DN_NB; }}
int64_t dn_x_size(void) {{ return (int64_t)sizeof(dn_x); }}
"""
