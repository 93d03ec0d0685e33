/* TCP stream reassembly (see tcp_reasm.h). Sequence numbers compare modulo 2^32 (RFC 9293
 * clause 3.4). Out-of-order segments are kept sorted per direction; when the buffer limits are
 * reached the missing range is declared a gap and reassembly continues after it. */
#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include "esim/tcp_reasm.h"

const esim_tcp_limits esim_tcp_default_limits = {
    .max_flows = 1024, .max_ooo_bytes = 1u << 20, .max_ooo_segments = 512, .idle_seconds = 300};

typedef struct seg {
    struct seg *next;
    uint32_t seq;
    size_t len;
    uint64_t frame;
    uint8_t data[];
} seg;

typedef struct half {
    bool have_isn;
    uint32_t next;  /* next expected sequence number */
    bool fin, fin_done;
    uint32_t fin_seq;
    seg *ooo;       /* sorted by seq */
    size_t ooo_bytes, ooo_n;
} half;

typedef struct fkey {
    uint8_t ipv;
    uint8_t a[16], b[16];
    uint16_t pa, pb;
} fkey;

typedef struct flow {
    fkey key;
    uint64_t id;
    uint8_t ipv;
    esim_tcp_endpoint ep[2]; /* ep[0] = opener */
    half h[2];
    int64_t last_sec;
    void *user;
    bool ignored;             /* the consumer wants no more bytes */
    struct flow *prev, *next; /* activity list, most recent first */
} flow;

struct esim_tcp_reasm {
    esim_tcp_cb cb;
    void *user;
    esim_tcp_limits lim;
    GHashTable *flows;
    flow *head, *tail;
    flow *last;               /* flow of the previous packet: bulk traffic comes in runs */
    uint64_t next_id;
    /* the packet being processed (for event stamps) */
    uint64_t frame;
    int64_t sec;
    uint32_t nsec;
};

static guint key_hash(gconstpointer k)
{
    /* FNV-1a over 32-bit words of the key (zero-filled by make_key, padding included) */
    uint32_t w[(sizeof(fkey) + 3) / 4] = {0};
    memcpy(w, k, sizeof(fkey));
    guint h = 2166136261u;
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        h = (h ^ w[i]) * 16777619u;
    return h ^ (h >> 15);
}

static gboolean key_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(fkey)) == 0;
}

esim_tcp_reasm *esim_tcp_new(esim_tcp_cb cb, void *user, const esim_tcp_limits *lim)
{
    esim_tcp_reasm *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->cb = cb;
    r->user = user;
    r->lim = lim ? *lim : esim_tcp_default_limits;
    if (!r->lim.max_flows)
        r->lim.max_flows = 1;
    r->flows = g_hash_table_new(key_hash, key_equal);
    return r;
}

static void emit(esim_tcp_reasm *r, flow *f, esim_tcp_ev_type type, int dir, const uint8_t *d,
                 size_t n, uint64_t gap, uint64_t frame)
{
    if (f->ignored && (type == ESIM_TCP_EV_DATA || type == ESIM_TCP_EV_GAP))
        return;
    esim_tcp_event ev = {.type = type, .flow_id = f->id, .dir = dir, .ip_version = f->ipv,
                         .src = f->ep[dir], .dst = f->ep[!dir], .data = d, .len = n, .gap = gap,
                         .frame = frame, .ts_sec = r->sec, .ts_nsec = r->nsec,
                         .flow_user = &f->user, .ignore_flow = &f->ignored};
    r->cb(&ev, r->user);
}

static void check_fin(esim_tcp_reasm *r, flow *f, int dir)
{
    half *h = &f->h[dir];
    if (h->fin && !h->fin_done && h->next == h->fin_seq) {
        h->fin_done = true;
        emit(r, f, ESIM_TCP_EV_FIN, dir, NULL, 0, 0, r->frame);
    }
}

/* Delivers buffered segments that now start at or before the expected sequence number. */
static void drain(esim_tcp_reasm *r, flow *f, int dir)
{
    half *h = &f->h[dir];
    while (h->ooo && (int32_t)(h->ooo->seq - h->next) <= 0) {
        seg *s = h->ooo;
        h->ooo = s->next;
        h->ooo_n--;
        h->ooo_bytes -= s->len;
        uint32_t skip = h->next - s->seq; /* overlap with bytes already delivered */
        if (skip < s->len) {
            emit(r, f, ESIM_TCP_EV_DATA, dir, s->data + skip, s->len - skip, 0, s->frame);
            h->next += (uint32_t)(s->len - skip);
        }
        free(s);
    }
    check_fin(r, f, dir);
}

/* Declares the bytes before the first buffered segment missing and continues after them. */
static void force_gap(esim_tcp_reasm *r, flow *f, int dir)
{
    half *h = &f->h[dir];
    if (!h->ooo)
        return;
    uint32_t gap = h->ooo->seq - h->next;
    emit(r, f, ESIM_TCP_EV_GAP, dir, NULL, 0, gap, h->ooo->frame);
    h->next = h->ooo->seq;
    drain(r, f, dir);
}

static void store(esim_tcp_reasm *r, flow *f, int dir, uint32_t seq, const uint8_t *d, size_t n)
{
    half *h = &f->h[dir];
    /* an ignored flow keeps only the sequence ranges: FIN and eviction come as before */
    seg *s = malloc(sizeof *s + (f->ignored ? 0 : n));
    if (!s)
        return;
    s->seq = seq;
    s->len = n;
    s->frame = r->frame;
    if (!f->ignored)
        memcpy(s->data, d, n);
    seg **pp = &h->ooo;
    while (*pp && (int32_t)((*pp)->seq - seq) <= 0)
        pp = &(*pp)->next;
    s->next = *pp;
    *pp = s;
    h->ooo_n++;
    h->ooo_bytes += n;
    while (h->ooo && (h->ooo_bytes > r->lim.max_ooo_bytes || h->ooo_n > r->lim.max_ooo_segments))
        force_gap(r, f, dir);
}

static void segment(esim_tcp_reasm *r, flow *f, int dir, const esim_net *n)
{
    half *h = &f->h[dir];
    uint32_t seq = n->seq;
    const uint8_t *d = n->payload;
    size_t len = n->payload_len;
    if (n->tcp_flags & ESIM_TCP_SYN) {
        if (!h->have_isn || (int32_t)(seq + 1 - h->next) > 0)
            h->next = seq + 1;
        h->have_isn = true;
        seq++; /* SYN occupies one sequence number */
    }
    if (!h->have_isn) { /* capture started mid-connection */
        h->next = seq;
        h->have_isn = true;
    }
    if ((n->tcp_flags & ESIM_TCP_FIN) && !h->fin) {
        h->fin = true;
        h->fin_seq = seq + (uint32_t)len;
    }
    int32_t off = (int32_t)(seq - h->next);
    if (off < 0) { /* retransmission or overlap: trim what was delivered */
        uint64_t trim = (uint64_t)(-(int64_t)off);
        if (trim >= len)
            len = 0;
        else {
            d += trim;
            len -= trim;
            seq = h->next;
            off = 0;
        }
    }
    if (len == 0) {
        check_fin(r, f, dir);
        return;
    }
    if (off == 0) {
        emit(r, f, ESIM_TCP_EV_DATA, dir, d, len, 0, r->frame);
        h->next += (uint32_t)len;
        drain(r, f, dir);
    } else {
        store(r, f, dir, seq, d, len);
    }
}

static void unlink_flow(esim_tcp_reasm *r, flow *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        r->head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        r->tail = f->prev;
    f->prev = f->next = NULL;
}

static void to_front(esim_tcp_reasm *r, flow *f)
{
    if (r->head == f)
        return;
    if (f->prev || f->next || r->tail == f)
        unlink_flow(r, f);
    f->next = r->head;
    if (r->head)
        r->head->prev = f;
    r->head = f;
    if (!r->tail)
        r->tail = f;
}

/* Delivers what is buffered (after gaps), then CLOSE, then frees the flow. */
static void evict(esim_tcp_reasm *r, flow *f)
{
    for (int dir = 0; dir < 2; dir++) {
        while (f->h[dir].ooo)
            force_gap(r, f, dir);
        if (f->h[dir].fin && !f->h[dir].fin_done) {
            f->h[dir].fin_done = true;
            emit(r, f, ESIM_TCP_EV_FIN, dir, NULL, 0, 0, r->frame);
        }
    }
    emit(r, f, ESIM_TCP_EV_CLOSE, 0, NULL, 0, 0, r->frame);
    if (r->last == f)
        r->last = NULL;
    unlink_flow(r, f);
    g_hash_table_remove(r->flows, &f->key);
    free(f);
}

/* Capture times can be anything: compare without signed overflow. */
static bool idle_expired(int64_t now, int64_t last, int64_t idle)
{
    return now > last && (uint64_t)now - (uint64_t)last > (uint64_t)idle;
}

static void make_key(const esim_net *n, fkey *k, bool *src_is_a)
{
    memset(k, 0, sizeof *k);
    size_t alen = n->ip_version == 6 ? 16 : 4;
    int c = memcmp(n->src, n->dst, alen);
    *src_is_a = c < 0 || (c == 0 && n->sport <= n->dport);
    k->ipv = n->ip_version;
    memcpy(k->a, *src_is_a ? n->src : n->dst, alen);
    memcpy(k->b, *src_is_a ? n->dst : n->src, alen);
    k->pa = *src_is_a ? n->sport : n->dport;
    k->pb = *src_is_a ? n->dport : n->sport;
}

void esim_tcp_feed(esim_tcp_reasm *r, uint64_t frame, int64_t sec, uint32_t nsec,
                   const esim_net *n)
{
    if (!n->l4 || n->proto != ESIM_IPPROTO_TCP)
        return;
    r->frame = frame;
    r->sec = sec;
    r->nsec = nsec;
    /* idle flows first: memory stays flat over long captures */
    while (r->tail && idle_expired(sec, r->tail->last_sec, r->lim.idle_seconds))
        evict(r, r->tail);
    fkey k;
    bool src_is_a;
    make_key(n, &k, &src_is_a);
    flow *f = r->last && !memcmp(&r->last->key, &k, sizeof k) ? r->last
                                                             : g_hash_table_lookup(r->flows, &k);
    if (!f) {
        if (n->tcp_flags & ESIM_TCP_RST)
            return; /* nothing to reset */
        while (g_hash_table_size(r->flows) >= r->lim.max_flows && r->tail)
            evict(r, r->tail);
        f = calloc(1, sizeof *f);
        if (!f)
            return;
        f->key = k;
        f->id = ++r->next_id;
        f->ipv = n->ip_version;
        /* the opener is the SYN sender; a SYN+ACK comes from the other side */
        bool synack = (n->tcp_flags & (ESIM_TCP_SYN | ESIM_TCP_ACK)) == (ESIM_TCP_SYN | ESIM_TCP_ACK);
        int s = synack ? 1 : 0;
        memcpy(f->ep[s].addr, n->src, 16);
        f->ep[s].port = n->sport;
        memcpy(f->ep[!s].addr, n->dst, 16);
        f->ep[!s].port = n->dport;
        g_hash_table_insert(r->flows, &f->key, f);
    }
    r->last = f;
    f->last_sec = sec;
    to_front(r, f);
    int dir = (n->sport == f->ep[0].port && !memcmp(n->src, f->ep[0].addr, 16)) ? 0 : 1;
    if (n->tcp_flags & ESIM_TCP_RST) {
        emit(r, f, ESIM_TCP_EV_RST, dir, NULL, 0, 0, frame);
        evict(r, f);
        return;
    }
    segment(r, f, dir, n);
    if (f->h[0].fin_done && f->h[1].fin_done)
        evict(r, f);
}

void esim_tcp_flush(esim_tcp_reasm *r)
{
    while (r->tail)
        evict(r, r->tail);
}

void esim_tcp_free(esim_tcp_reasm *r)
{
    if (!r)
        return;
    esim_tcp_flush(r);
    g_hash_table_destroy(r->flows);
    free(r);
}

size_t esim_tcp_flow_count(const esim_tcp_reasm *r)
{
    return g_hash_table_size(r->flows);
}
