/* Compiled core of the packet-level network model (network/packet.py).
 *
 * The same event loop as PacketModel's Python reference, statement for statement, so the
 * two give bit-identical delivery times: events are ordered by (time, seq) with `seq`
 * unique, so any correct priority queue pops them in the same order, and every sequence
 * number is handed out at the same point as in Python. Floating point follows the same
 * expressions in the same order; contraction into fused multiply-adds is switched off
 * (a fused s + x * inv_bw rounds once, Python rounds twice).
 *
 * Python precomputes everything that needs the topology (routes with a -1 sentinel, the
 * dependents as CSR, per-link 1/bandwidth and hop latency) and keeps the arrays alive;
 * the core only allocates its queues. pk_run processes at most `budget` events per call
 * so that Python gets control back now and then (Ctrl-C, progress).
 */
#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { READY = -3, INJECT = -1, RESEND = -2, DONE = -4 };

typedef struct { uint64_t tk, seq; int32_t m, hop; double x; } Ev;   /* tk: enc(time) */
typedef struct { int64_t k; int32_t m; } Offer;
typedef struct { double done, size; } Held;

/* FIFO ring buffers (power-of-two capacity), one type per element kind */
#define RING(NAME, T)                                                                     \
    typedef struct { T *a; int64_t head, len, cap; } NAME;                                \
    static int NAME##_push(NAME *q, T v) {                                                \
        if (q->len == q->cap) {                                                           \
            int64_t cap = q->cap ? 2 * q->cap : 4;                                        \
            T *a = (T *)malloc((size_t)cap * sizeof(T));                                  \
            if (!a) return -1;                                                            \
            for (int64_t i = 0; i < q->len; i++) a[i] = q->a[(q->head + i) & (q->cap - 1)]; \
            free(q->a);                                                                   \
            q->a = a; q->head = 0; q->cap = cap;                                          \
        }                                                                                 \
        q->a[(q->head + q->len) & (q->cap - 1)] = v;                                      \
        q->len++;                                                                         \
        return 0;                                                                         \
    }                                                                                     \
    static inline T *NAME##_front(NAME *q) { return &q->a[q->head]; }                     \
    static inline void NAME##_pop(NAME *q) { q->head = (q->head + 1) & (q->cap - 1); q->len--; }

RING(EvQ, Ev)
RING(OfQ, Offer)
RING(HeldQ, Held)

typedef struct {
    int64_t n, n_links;
    const int64_t *route_off; const int32_t *route;     /* route of m: route[route_off[m]..], -1 ends it */
    const int64_t *lastk; const double *lastsz;         /* index and size of m's last packet */
    const double *start, *duration;
    const int64_t *dep_off; const int32_t *dep;         /* dependents of m: dep[dep_off[m]..dep_off[m+1]) */
    const double *inv_bw, *hop_lat;
    double mtu, cap, rto; int finite;
    int32_t *waiting; int64_t *remaining;               /* Python's arrays, updated in place */
    double *ready, *finish;
    double *free_, *queued; uint8_t *offering;          /* ours */
    EvQ *wire; OfQ *offer; HeldQ *held;
    Ev *heap; int64_t hn, hcap;
    int64_t seq, events, drops;
} Ctx;

/* Events are ordered by (time, seq). The time is kept as its bits mapped to an unsigned
   integer that orders like the double (negative times too), so that the pair compares as
   one 128-bit integer without branches: a data-dependent branch per heap level cost half
   the run time. The map is a bijection, so the time comes back exactly. -0.0 would order
   below +0.0, unlike the doubles; the caller normalises start times, and no sum of the
   loop yields -0.0 from non-negative terms. */
static inline uint64_t enc(double t) {
    uint64_t b;
    memcpy(&b, &t, 8);
    return b >> 63 ? ~b : b | (1ull << 63);
}
static inline double dec(uint64_t k) {
    uint64_t b = k >> 63 ? k & ~(1ull << 63) : ~k;
    double t;
    memcpy(&t, &b, 8);
    return t;
}
static inline int before(const Ev *a, const Ev *b) {
    unsigned __int128 ka = ((unsigned __int128)a->tk << 64) | a->seq;
    unsigned __int128 kb = ((unsigned __int128)b->tk << 64) | b->seq;
    return ka < kb;
}

/* a binary min-heap; the child to follow is chosen without a branch (see before) */
static void sift_down(Ev *h, int64_t n, int64_t i, Ev e) {
    for (;;) {
        int64_t l = 2 * i + 1;
        if (l >= n) break;
        if (l + 1 < n) l += before(&h[l + 1], &h[l]);
        if (!before(&h[l], &e)) break;
        h[i] = h[l];
        i = l;
    }
    h[i] = e;
}

static int heap_push(Ctx *c, Ev e) {
    if (c->hn == c->hcap) {
        int64_t cap = c->hcap ? 2 * c->hcap : 64;
        Ev *h = (Ev *)realloc(c->heap, (size_t)cap * sizeof(Ev));
        if (!h) return -1;
        c->heap = h; c->hcap = cap;
    }
    Ev *h = c->heap;
    int64_t i = c->hn++;
    while (i > 0) {
        int64_t p = (i - 1) >> 1;
        if (!before(&e, &h[p])) break;
        h[i] = h[p];
        i = p;
    }
    h[i] = e;
    return 0;
}

static Ev heap_pop(Ctx *c) {
    Ev top = c->heap[0];
    Ev last = c->heap[--c->hn];
    if (c->hn) sift_down(c->heap, c->hn, 0, last);
    return top;
}

static int push(Ctx *c, double t, int32_t m, int32_t hop, double x) {
    Ev e = {enc(t), (uint64_t)c->seq++, m, hop, x};
    return heap_push(c, e);
}

/* message m is delivered at t: release the messages that waited only for it */
static int complete(Ctx *c, int32_t m, double t) {
    c->finish[m] = t;
    for (int64_t j = c->dep_off[m]; j < c->dep_off[m + 1]; j++) {
        int32_t d = c->dep[j];
        if (--c->waiting[d] == 0) {
            double s = c->start[d];
            if (push(c, s > t ? s : t, d, READY, 0.0)) return -1;
        }
    }
    return 0;
}

/* a packet of m that leaves `link` at `done` arrives at the far end as hop `hop` */
static int send_on(Ctx *c, int32_t link, double done, int32_t m, int32_t hop, double x) {
    Ev e = {enc(done + c->hop_lat[link]), (uint64_t)c->seq++, m, hop, x};
    EvQ *q = &c->wire[link];
    if (!q->len && heap_push(c, e)) return -1;
    return EvQ_push(q, e);
}

void pk_free(Ctx *c) {
    if (!c) return;
    for (int64_t l = 0; l < c->n_links; l++) {
        if (c->wire) free(c->wire[l].a);
        if (c->offer) free(c->offer[l].a);
        if (c->held) free(c->held[l].a);
    }
    free(c->wire); free(c->offer); free(c->held);
    free(c->free_); free(c->queued); free(c->offering); free(c->heap);
    free(c);
}

Ctx *pk_new(int64_t n, int64_t n_links, const int64_t *route_off, const int32_t *route,
            const int64_t *lastk, const double *lastsz, const double *start,
            const double *duration, const int64_t *dep_off, const int32_t *dep,
            int32_t *waiting, int64_t *remaining, double *ready, double *finish,
            const double *inv_bw, const double *hop_lat, double mtu, int finite, double cap,
            double rto) {
    Ctx *c = (Ctx *)calloc(1, sizeof(Ctx));
    if (!c) return NULL;
    c->n = n; c->n_links = n_links;
    c->route_off = route_off; c->route = route; c->lastk = lastk; c->lastsz = lastsz;
    c->start = start; c->duration = duration; c->dep_off = dep_off; c->dep = dep;
    c->inv_bw = inv_bw; c->hop_lat = hop_lat;
    c->mtu = mtu; c->cap = cap; c->rto = rto; c->finite = finite;
    c->waiting = waiting; c->remaining = remaining; c->ready = ready; c->finish = finish;
    size_t nl = (size_t)(n_links ? n_links : 1);
    c->free_ = (double *)calloc(nl, sizeof(double));
    c->queued = (double *)calloc(nl, sizeof(double));
    c->offering = (uint8_t *)calloc(nl, 1);
    c->wire = (EvQ *)calloc(nl, sizeof(EvQ));
    c->offer = (OfQ *)calloc(nl, sizeof(OfQ));
    c->held = (HeldQ *)calloc(nl, sizeof(HeldQ));
    if (!c->free_ || !c->queued || !c->offering || !c->wire || !c->offer || !c->held) {
        pk_free(c);
        return NULL;
    }
    /* messages without dependencies are ready at their start; their seq is their id */
    for (int64_t i = 0; i < n; i++) {
        if (waiting[i] == 0) {
            Ev e = {enc(start[i]), (uint64_t)i, (int32_t)i, READY, 0.0};
            if (heap_push(c, e)) { pk_free(c); return NULL; }
        }
    }
    c->seq = n;
    return c;
}

void pk_stats(const Ctx *c, int64_t *out) {
    out[0] = c->events; out[1] = c->drops; out[2] = c->seq;
}

/* 0: the heap is empty; 1: `budget` events done, call again; -1: out of memory */
int pk_run(Ctx *c, int64_t budget) {
    int64_t stop = c->events + budget;
    const double *inv_bw = c->inv_bw;
    double *free_ = c->free_;
    while (c->hn > 0) {
        if (c->events >= stop) return 1;
        Ev e = heap_pop(c);
        c->events++;
        double t = dec(e.tk), x = e.x;
        int32_t m = e.m, hop = e.hop, link;
        if (hop > 0) {                                    /* packet of m, x bytes, arrives */
            const int32_t *r = c->route + c->route_off[m];
            EvQ *q = &c->wire[r[hop - 1]];
            EvQ_pop(q);
            if (q->len && heap_push(c, *EvQ_front(q))) return -1;
            link = r[hop];
            if (link < 0) {                               /* at its destination */
                if (--c->remaining[m] == 0) {
                    if (c->duration[m] > 0) {
                        if (push(c, t + c->duration[m], m, DONE, 0.0)) return -1;
                    } else if (complete(c, m, t)) return -1;
                }
                continue;
            }
            HeldQ *h = &c->held[link];
            if (c->finite) {
                while (h->len && HeldQ_front(h)->done <= t) {
                    c->queued[link] -= HeldQ_front(h)->size;
                    HeldQ_pop(h);
                }
                if (c->queued[link] + x > c->cap) {
                    c->drops++;
                    if (push(c, t + c->rto, m, RESEND, x)) return -1;
                    continue;
                }
            }
            double f = free_[link];
            double done = (t > f ? t : f) + x * inv_bw[link];
            free_[link] = done;
            if (c->finite) {
                Held v = {done, x};
                if (HeldQ_push(h, v)) return -1;
                c->queued[link] += x;
            }
            if (send_on(c, link, done, m, hop + 1, x)) return -1;
            continue;
        }
        if (hop == INJECT) {                              /* source port m offers a packet */
            link = m;
            OfQ *rr = &c->offer[link];
            Offer entry = *OfQ_front(rr);
            OfQ_pop(rr);
            m = entry.m;
            if (entry.k != c->lastk[m]) {
                x = c->mtu;
                entry.k++;
                if (OfQ_push(rr, entry)) return -1;
            } else {
                x = c->lastsz[m];
            }
        } else if (hop == READY) {
            c->ready[m] = t;
            link = c->route[c->route_off[m]];
            if (link < 0) {                               /* src == dst: nothing to move */
                c->remaining[m] = 0;
                if (c->duration[m] > 0) {
                    if (push(c, t + c->duration[m], m, DONE, 0.0)) return -1;
                } else if (complete(c, m, t)) return -1;
                continue;
            }
            Offer entry = {0, m};
            if (OfQ_push(&c->offer[link], entry)) return -1;
            if (!c->offering[link]) {
                c->offering[link] = 1;
                if (push(c, t, link, INJECT, 0.0)) return -1;
            }
            continue;
        } else if (hop == DONE) {                         /* a compute task's time is up */
            if (complete(c, m, t)) return -1;
            continue;
        } else {                                          /* RESEND a dropped packet of x B */
            link = c->route[c->route_off[m]];
        }
        double f = free_[link];
        double s = t > f ? t : f;
        double done = s + x * inv_bw[link];
        free_[link] = done;
        if (send_on(c, link, done, m, 1, x)) return -1;
        if (hop == INJECT) {
            if (c->offer[link].len) {                     /* offer the next when this starts */
                if (push(c, s, link, INJECT, 0.0)) return -1;
            } else {
                c->offering[link] = 0;
            }
        }
    }
    return 0;
}
