"""One instruction's semantics as a C function (`exec_<NAME>`), for `cgen`.

Statements and expressions follow `interp.py` exactly (see `cgen`'s docstring for the value
rules); indexed state and memory accesses are bounds-checked where types and loop ranges do
not prove them, and an outermost loop whose checks can be proved at its entry comes in two
versions (`cversion`).
"""
from __future__ import annotations

from pathlib import Path

from spec import ir
from spec.errors import Loc
from spec.types import IntType

from . import cversion, dirty
from .cgen_ir import (C_RESERVED, FaultSite, c_division, c_int, calls_host, ctype, element_ctype, fits, may_fault,
                      state_used, walk)


COPY_MAX = 256                    # elements: larger read-only arrays are read in place
# the C type of a small read-only array's local copy in an outlined nest: a product of two
# elements fits its lane. Baseline x86-64 (SSE2) multiplies 16-bit lanes (pmullw/pmulhw), AVX2
# 32-bit ones (vpmulld): measured on the NPU's COMPUTE, each build is fastest with its own
WIDER = {"int8_t": "int16_t", "uint8_t": "uint16_t", "int16_t": "int32_t", "uint16_t": "uint32_t",
         "int32_t": "int64_t", "uint32_t": "uint64_t"}
WIDER_AVX2 = {**WIDER, "int8_t": "int32_t", "uint8_t": "uint32_t"}


class InstrGen:
    """One instruction's body as a C function."""

    def __init__(self, mg, instr: ir.Instruction):         # mg: the machine's generator (cgen)
        self.mg, self.m, self.instr = mg, mg.m, instr
        self.ntmp = 0
        self.ranges: dict[int, tuple] = {}        # loop slot -> (lo, hi) proved interval
        self.proved: set[int] | None = None       # ids of index/address expressions checked at loop entry
        self.slots = self.collect_slots()
        self.depth = 0                            # loops around the statement being generated
        self.nests: list[str] = []                # outlined loop nests (`outline`), emitted before the function

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
        restrict = "restrict " if not calls_host(self.m, self.instr.body) else ""
        for name in state_used(self.m, self.instr.body):
            el = self.m.state_element(name)
            head.insert(3, f"    {element_ctype(el)} *{restrict}m_{name} = ctx->m_{name};")
        return "".join(self.nests) + "\n".join(head) + "\n" + body + "    return DC_OK;\n}\n"

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
        ref = f"m_{el.name}"
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
        fast = self.outline(s, ind + "    ") if self.depth == 0 else self.loop(s, ind + "    ")
        self.proved = None
        return f"{ind}if ({condition}) {{\n{fast}{ind}}} else {{\n{self.loop(s, ind + '    ')}{ind}}}\n"

    def outline(self, s: ir.For, ind: str) -> str:
        """The checked-at-entry version of a loop nest as a call of its own function, when the
        nest's locals are its own, it cannot call the host or leave the instruction and writes
        no page-tracked memory; else inline. Measured on the NPU's COMPUTE (fast-forward of
        `long`, docs/fastforward.md): GCC vectorises the nest only as a separate function whose
        state arrays are `restrict` parameters and whose small read-only arrays are local
        copies wider than the elements (`WIDER`, `WIDER_AVX2`), so that a product of two
        elements fits a vector lane; inline, or with the copies as they are, it stays scalar
        (0.21 -> 0.11 CPU-s for the whole run; 0.085 with the AVX2 build)."""
        nodes = list(walk(s))
        inside = {id(n) for n in nodes}
        mine = {n.slot for n in nodes if isinstance(n, ir.SlotTarget)}
        outside = {n.slot for stmt in self.instr.body for n in walk(stmt)
                   if id(n) not in inside and isinstance(n, (ir.SlotRef, ir.SlotTarget))}
        if mine & outside or calls_host(self.m, [s]) or any(isinstance(n, (ir.Jump, ir.Halt)) for n in nodes):
            return self.loop(s, ind)
        written = {n.state for n in nodes if isinstance(n, ir.StateTarget)} | \
                  {n.mem for n in nodes if isinstance(n, ir.Store)}
        if any(dirty.is_tracked(self.m.state_element(n)) for n in written):
            return self.loop(s, ind)     # its page marks stay with ctx (native_gen rewrites them there)
        loaded = {n.mem for n in nodes if isinstance(n, ir.Load)}
        params, args, copies = ["dc_ctx *ctx"], ["ctx"], []
        for name in state_used(self.m, [s]):
            el = self.m.state_element(name)
            t = element_ctype(el)
            if name not in written and name not in loaded and el.shape and el.size <= COPY_MAX and t in WIDER:
                params.append(f"const {t} *restrict m_{name}_in")
                copies.append((name, el.size, t))
            else:
                params.append(f"{'const ' if name not in written else ''}{t} *restrict m_{name}")
            args.append(f"m_{name}")
        slots = sorted({n.slot for n in nodes if isinstance(n, (ir.SlotRef, ir.SlotTarget))})
        for slot in slots:
            cname, t = self.slots[slot]
            if slot not in mine:
                params.append(f"{ctype(t)} {cname}")
                args.append(cname)
        local = "".join(f"    {ctype(self.slots[k][1])} {self.slots[k][0]} = 0; (void){self.slots[k][0]};\n"
                        for k in slots if k in mine)
        body = local + self.loop(s, "    ") + "    return DC_OK;\n}\n"

        def copy(wider):
            return "".join(f"    {wider[t]} m_{n}[{size}];  /* read-only: a wider local copy */\n"
                           f"    for (int64_t i_ = 0; i_ < {size}; i_++) m_{n}[i_] = m_{n}_in[i_];\n"
                           for n, size, t in copies)
        name = f"exec_{self.instr.name}_nest{len(self.nests)}"
        self.nests.append(f"/* {self.instr.name}: the loop nest at {Path(s.loc.path).name}:{s.loc.line}, "
                          f"its checks proved at entry (cgen_instr.outline); on x86-64 also built for AVX2 */\n"
                          f"#if DC_AVX2\n"
                          f"static __attribute__((noinline, target(\"avx2\"))) "
                          f"int {name}_avx2({', '.join(params)}) {{\n"
                          f"{copy(WIDER_AVX2)}{body}#endif\n"
                          f"static __attribute__((noinline)) int {name}({', '.join(params)}) {{\n"
                          f"{copy(WIDER)}{body}\n")
        st = self.tmp()
        return f"{ind}{{ int {st} = DC_NEST({name})({', '.join(args)}); if ({st} != DC_OK) return {st}; }}\n"

    def loop(self, s: ir.For, ind: str) -> str:
        var, vt = self.slots[s.var.slot]
        (slo, _), (_, ehi) = self.interval(s.start), self.interval(s.stop)
        self.ranges[s.var.slot] = (slo, ehi - 1)
        self.depth += 1
        body = self.block(s.body, ind + "    ")
        self.depth -= 1
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
                f"{ind}  dc_store(m_{s.mem} + {a}, {self.expr(s.value)}, {s.nbytes});\n")
        el = self.m.state_element(s.mem)
        if dirty.is_tracked(el):                # the first and last byte's pages (fastforward/dirty.py)
            shift = dirty.page_shift(el)
            code += (f"{ind}  ctx->d_{s.mem}[(uint64_t){a} >> {shift}] = 1; "
                     f"ctx->d_{s.mem}[((uint64_t){a} + {s.nbytes - 1}) >> {shift}] = 1;\n")
        if self.m.fetch and s.mem == self.m.fetch.memory:
            code += (f"{ind}  if (UNLIKELY(ctx->nwatch)) {{ const int64_t *w_ = &ctx->watch0;"
                     f"  /* watched bytes: HTIF tohost, a system's doorbells */\n"
                     f"{ind}    for (int64_t k_ = 0; k_ < ctx->nwatch; k_++)\n"
                     f"{ind}      if ((uint64_t)w_[k_] - (uint64_t){a} < {s.nbytes} && ctx->on_watch(w_[k_])) "
                     f"return DC_HOST_ERROR; }}\n")
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
        return f"({ctype(e.type)})m_{self.m.fetch.pc}[0]"

    def expr_StateRead(self, e: ir.StateRead) -> str:
        el = self.m.state_element(e.state)
        index = self.flat_index(el, e.indices, e.loc) if e.indices else "0"
        return f"({ctype(e.type)})m_{el.name}[{index}]"

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
                f"dc_load(m_{e.mem} + {a}, {e.nbytes}); }})")

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
        if op in ("div", "rem"):
            return self.ordered([e.a, e.b], lambda c: c_division(op, c[0], e.a.type, c[1], e.b.type, t,
                                                                 (self.tmp(), self.tmp())))
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
        cond, a, b = self.expr(e.cond), self.expr(e.a), self.expr(e.b)
        if self.proved is not None and "return" not in a + b:
            # in a nest whose checks are proved, an arm without a check cannot fault and has no
            # effect: evaluated up front, the select is a blend GCC can vectorise (`x if j < cols
            # else 0` in the NPU's MVIN: a branch per element otherwise)
            ta, tb = self.tmp(), self.tmp()
            return f"({{ {ctype(e.a.type)} {ta} = {a}; {ctype(e.b.type)} {tb} = {b}; (({cond}) ? {ta} : {tb}); }})"
        return f"(({cond}) ? {a} : {b})"

    def expr_Cast(self, e: ir.Cast) -> str:
        if not fits(e.a.type, e.type) and e.type.width in (8, 16, 32) and isinstance(e.a, ir.Binary) \
                and e.a.op in ("add", "sub", "mul"):
            return self.wrapped(e)
        a = self.expr(e.a)
        if fits(e.a.type, e.type):
            return self.conv(a, e.a.type, e.type)
        if e.type.signed:
            return f"dc_sx((uint64_t)({a}), {e.type.width})"
        return f"dc_zx((uint64_t)({a}), {e.type.width})"

    def wrapped(self, e: ir.Cast) -> str:
        """A wrap to 8, 16 or 32 bits of a sum, difference or product, computed in uint32_t:
        the low bits of a + b, a - b or a * b depend only on the low bits of a and b, so
        this is exact, and a reduction `s += x * y` into an s32 then stays in 32-bit
        arithmetic, which GCC vectorises (the 64-bit add and sign extension it does not)."""
        b = e.a
        sym = {"add": "+", "sub": "-", "mul": "*"}[b.op]
        value = self.ordered([b.a, b.b], lambda c: f"((uint32_t)({c[0]}) {sym} (uint32_t)({c[1]}))")
        target = f"{'' if e.type.signed else 'u'}int{e.type.width}_t"
        return f"({ctype(e.type)})({target})({value})"

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
