/* The TLS layer between TCP reassembly and HTTP (see esim/tls.h): per flow, the record layer
 * (RFC 8446 5.1, RFC 5246 6.2), handshake message reassembly (only the hellos, Finished and
 * KeyUpdate are kept; other messages are skipped by length), the moments keys change (TLS 1.2:
 * ChangeCipherSpec per direction; TLS 1.3: handshake keys after the ServerHello, application
 * keys after each side's Finished, KeyUpdate), and the report of what could not be read. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>
#include <inttypes.h>
#include "esim/hex.h"
#include "esim/netdecode.h"
#include "tls_internal.h"

#define REC_MAX (16384u + 2048u) /* TLSCiphertext.length limit (RFC 5246 6.2.3) */
#define HS_KEEP_MAX (64u * 1024u) /* a kept handshake message (ClientHello) larger than this is
                                   * taken for garbage */

enum { CT_CCS = 20, CT_ALERT = 21, CT_HANDSHAKE = 22, CT_APP = 23, CT_HEARTBEAT = 24 };
enum {
    HS_CLIENT_HELLO = 1,
    HS_SERVER_HELLO = 2,
    HS_NEW_SESSION_TICKET = 4,
    HS_FINISHED = 20,
    HS_KEY_UPDATE = 24,
};

typedef enum { C_DETECT, C_PLAIN, C_TLS } conn_kind;
typedef enum { K_NONE, K_HANDSHAKE, K_APP } key_phase;

typedef struct half {
    uint8_t *rec;           /* record being assembled (header + body) */
    size_t have;
    /* handshake message reassembly */
    uint8_t hs_hdr[4];
    size_t hs_hdr_have;
    uint8_t *hs;            /* body of a kept message */
    size_t hs_have, hs_need;
    bool hs_keep;
    /* record protection */
    tls_keys keys;
    key_phase phase;        /* K_NONE: records in clear */
} half;

typedef struct conn {
    conn_kind kind;
    void *inner;            /* the downstream consumer's per-flow pointer */
    bool inner_ignored;
    half h[2];
    int client_dir;         /* TCP direction of the ClientHello */
    esim_tls_hello ch, sh;
    bool have_ch, have_sh;
    const tls_suite *suite;
    uint16_t version;
    bool no_key;            /* keys missing: records after the switch are counted, not read */
    uint8_t master[48];     /* TLS 1.2 */
    bool have_master;
    uint8_t app_secret[2][ESIM_TLS_MAX_SECRET]; /* TLS 1.3: traffic secret 0 per direction */
    size_t app_secret_len[2];
    bool decrypted;         /* application data was read */
    bool lost;              /* record boundaries lost (gap, garbage): bytes are only counted */
    /* the first problem */
    bool dead;
    esim_tls_problem problem;
    char text[200];
    uint64_t problem_frame;
    int64_t problem_sec;
    uint32_t problem_nsec;
    uint64_t unread;        /* encrypted bytes not read */
    uint8_t pre[6];         /* the first bytes, while too few to tell TLS from the rest */
    size_t pre_n;
    int pre_dir;
    uint8_t ipv;
    esim_tcp_endpoint ep[2]; /* by TCP direction: ep[d] = source of direction d */
} conn;

/* TLS 1.2 sessions seen with their master secret, by session ID and by ticket: a connection
 * resuming one (RFC 5246 7.4.1.2, RFC 5077 3.1) whose own client random is not in the key log
 * still decrypts. */
#define SESSION_CACHE 64
typedef struct cached_session {
    uint8_t id[32], id_len;   /* session ID, or (id_len 0, ticket) SHA-256 of a ticket */
    bool ticket;
    uint8_t master[48];
} cached_session;

struct esim_tls {
    cached_session sessions[SESSION_CACHE];
    unsigned next_session;
    esim_tcp_cb plain;
    void *plain_user;
    const esim_tls_keylog *keys;
    esim_tls_report_cb report;
    void *report_user;
    esim_tls_stats st;
};

esim_tls *esim_tls_new(esim_tcp_cb plain, void *plain_user, const esim_tls_keylog *keys,
                       esim_tls_report_cb report, void *report_user)
{
    esim_tls *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    *t = (esim_tls){.plain = plain, .plain_user = plain_user, .keys = keys, .report = report,
                    .report_user = report_user};
    return t;
}

void esim_tls_free(esim_tls *t)
{
    if (t)
        OPENSSL_cleanse(t->sessions, sizeof t->sessions);
    free(t);
}

static void session_put(esim_tls *t, const uint8_t *id, size_t len, bool ticket,
                        const uint8_t master[48])
{
    if (!len)
        return;
    cached_session *e = &t->sessions[t->next_session++ % SESSION_CACHE];
    memcpy(e->id, id, len);
    e->id_len = (uint8_t)len;
    e->ticket = ticket;
    memcpy(e->master, master, 48);
}

static bool session_find(const esim_tls *t, const uint8_t *id, size_t len, bool ticket,
                         uint8_t master[48])
{
    for (unsigned i = 0; i < SESSION_CACHE; i++) {
        const cached_session *e = &t->sessions[i];
        if (e->id_len && e->id_len == len && e->ticket == ticket && !memcmp(e->id, id, len)) {
            memcpy(master, e->master, 48);
            return true;
        }
    }
    return false;
}

/* The master secret of the session this ServerHello resumes by ID (it echoes the ClientHello's
 * non-empty session ID), when seen earlier in the capture. */
static bool session_get(const esim_tls *t, const esim_tls_hello *ch, const esim_tls_hello *sh,
                        uint8_t master[48])
{
    if (!sh->session_id_len || sh->session_id_len != ch->session_id_len ||
        memcmp(sh->session_id, ch->session_id, sh->session_id_len))
        return false;
    return session_find(t, sh->session_id, sh->session_id_len, false, master) ||
           (ch->have_ticket && session_find(t, ch->ticket_hash, 32, true, master));
}

const esim_tls_stats *esim_tls_get_stats(const esim_tls *t)
{
    return &t->st;
}

static void conn_free(conn *c)
{
    for (int d = 0; d < 2; d++) {
        free(c->h[d].rec);
        free(c->h[d].hs);
        tls_keys_clear(&c->h[d].keys);
    }
    OPENSSL_cleanse(c->app_secret, sizeof c->app_secret);
    OPENSSL_cleanse(c->master, sizeof c->master);
    free(c);
}

/* The first problem of a connection: from here on its records are counted, not read. */
static void fail(conn *c, const esim_tcp_event *ev, esim_tls_problem p, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void fail(conn *c, const esim_tcp_event *ev, esim_tls_problem p, const char *fmt, ...)
{
    if (c->dead)
        return;
    c->dead = true;
    c->lost = true; /* from here on the connection's bytes are only counted (cheap, no buffers) */
    c->problem = p;
    c->problem_frame = ev->frame;
    c->problem_sec = ev->ts_sec;
    c->problem_nsec = ev->ts_nsec;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->text, sizeof c->text, fmt, ap);
    va_end(ap);
}

/* Passes an event of the flow downstream, with the consumer's own per-flow pointer. */
static void forward(esim_tls *t, conn *c, const esim_tcp_event *ev, esim_tcp_ev_type type,
                    const uint8_t *d, size_t n)
{
    if (c->inner_ignored && (type == ESIM_TCP_EV_DATA || type == ESIM_TCP_EV_GAP))
        return;
    esim_tcp_event e = *ev;
    e.type = type;
    e.data = d;
    e.len = n;
    e.flow_user = &c->inner;
    e.ignore_flow = &c->inner_ignored;
    t->plain(&e, t->plain_user);
}

static void report(esim_tls *t, conn *c, uint64_t flow_id)
{
    if (!c->dead || (c->problem == ESIM_TLS_NO_KEY && !c->unread))
        return;
    int cd = c->client_dir;
    esim_tls_report r = {.problem = c->problem, .text = c->text, .flow_id = flow_id,
                         .frame = c->problem_frame, .ts_sec = c->problem_sec,
                         .ts_nsec = c->problem_nsec, .ip_version = c->ipv,
                         .client = c->ep[cd], .server = c->ep[!cd],
                         .sni = c->have_ch ? c->ch.sni : "", .have_random = c->have_ch,
                         .version = c->have_sh ? c->version : 0,
                         .cipher_suite = c->have_sh ? c->sh.cipher_suite : 0,
                         .bytes = c->unread};
    if (c->have_ch)
        memcpy(r.client_random, c->ch.random, 32);
    t->st.unreadable++;
    if (t->report)
        t->report(&r, t->report_user);
}

void esim_tls_report_format(const esim_tls_report *r, char *out, size_t cap)
{
    char addr[46], server[64], random[65] = "";
    esim_net_addr_str(r->ip_version, r->server.addr, addr, sizeof addr);
    snprintf(server, sizeof server, r->ip_version == 6 ? "[%s]:%u" : "%s:%u", addr,
             r->server.port);
    if (r->have_random)
        esim_hex(r->client_random, 32, random);
    snprintf(out, cap, "TLS connection to %s%s%s%s: %" PRIu64 " bytes not read (%s)%s%s", server,
             r->sni[0] ? " (SNI " : "", r->sni, r->sni[0] ? ")" : "", r->bytes, r->text,
             random[0] ? ", client random " : "", random);
}

/* ---- keys ---- */

static bool find(const esim_tls *t, conn *c, esim_tls_secret_kind k, uint8_t *out, size_t *len)
{
    *len = esim_tls_keylog_find(t->keys, c->ch.random, k, out);
    return *len > 0;
}

/* After the ServerHello: the suite and the secrets of the connection. */
static void server_hello(esim_tls *t, conn *c, const esim_tcp_event *ev)
{
    const tls_suite *s = tls_suite_find(c->sh.cipher_suite);
    c->version = c->sh.version;
    bool v13 = c->version == 0x0304;
    if (!c->have_ch) {
        fail(c, ev, ESIM_TLS_NO_HANDSHAKE, "ServerHello without a ClientHello: client random "
             "unknown");
        return;
    }
    if (c->version != 0x0303 && !v13) {
        fail(c, ev, ESIM_TLS_UNSUPPORTED, "%s is not decrypted (TLS 1.2 and 1.3 are)",
             esim_tls_version_name(c->version));
        return;
    }
    if (!s || s->tls13 != v13) {
        fail(c, ev, ESIM_TLS_UNSUPPORTED, "cipher suite 0x%04X is not decrypted",
             c->sh.cipher_suite);
        return;
    }
    c->suite = s;
    uint8_t a[ESIM_TLS_MAX_SECRET], b[ESIM_TLS_MAX_SECRET];
    size_t al, bl;
    int cd = c->client_dir;
    if (!v13) {
        /* TLS 1.2 (also a resumed session: its new ClientHello random names the master secret) */
        bool have = find(t, c, ESIM_TLS_SECRET_MASTER, a, &al) || session_get(t, &c->ch, &c->sh, a);
        if (have) {
            session_put(t, c->sh.session_id, c->sh.session_id_len, false, a);
            memcpy(c->master, a, 48); /* for a NewSessionTicket */
            c->have_master = true;
        }
        if (!have) {
            c->no_key = true;
        } else if (tls12_keys(s, c->sh.etm && s->mode == TLS_MODE_CBC, a, c->ch.random,
                              c->sh.random, &c->h[cd].keys, &c->h[!cd].keys) < 0) {
            fail(c, ev, ESIM_TLS_BROKEN, "key derivation failed");
        }
        OPENSSL_cleanse(a, sizeof a);
        return;
    }
    /* TLS 1.3: from here on the records of both sides are protected with handshake keys */
    if (c->ch.early_data) {
        fail(c, ev, ESIM_TLS_UNSUPPORTED, "the client offered 0-RTT early data, which is not "
             "decrypted");
        return;
    }
    if (!find(t, c, ESIM_TLS_SECRET_CLIENT_HS, a, &al) ||
        !find(t, c, ESIM_TLS_SECRET_SERVER_HS, b, &bl) ||
        !find(t, c, ESIM_TLS_SECRET_CLIENT_APP, c->app_secret[cd], &c->app_secret_len[cd]) ||
        !find(t, c, ESIM_TLS_SECRET_SERVER_APP, c->app_secret[!cd], &c->app_secret_len[!cd])) {
        c->no_key = true;
    } else if (tls13_keys(s, a, al, &c->h[cd].keys) < 0 ||
               tls13_keys(s, b, bl, &c->h[!cd].keys) < 0) {
        fail(c, ev, ESIM_TLS_BROKEN, "key derivation failed");
    }
    c->h[0].phase = c->h[1].phase = K_HANDSHAKE;
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
}

/* ---- handshake messages ---- */

static void hs_message(esim_tls *t, conn *c, int dir, uint8_t type, const uint8_t *b, size_t n,
                       const esim_tcp_event *ev)
{
    esim_error err;
    half *h = &c->h[dir];
    switch (type) {
    case HS_CLIENT_HELLO:
        if (h->phase != K_NONE) {
            fail(c, ev, ESIM_TLS_UNSUPPORTED, "renegotiation is not decrypted");
            return;
        }
        if (esim_tls_parse_client_hello(b, n, &c->ch, &err) < 0) {
            fail(c, ev, ESIM_TLS_BROKEN, "%s", err.msg);
            return;
        }
        c->have_ch = true;
        c->client_dir = dir;
        return;
    case HS_SERVER_HELLO:
        if (h->phase != K_NONE) {
            fail(c, ev, ESIM_TLS_UNSUPPORTED, "renegotiation is not decrypted");
            return;
        }
        if (esim_tls_parse_server_hello(b, n, &c->sh, &err) < 0) {
            fail(c, ev, ESIM_TLS_BROKEN, "%s", err.msg);
            return;
        }
        if (c->sh.hrr) /* HelloRetryRequest: a second ClientHello follows (same random) */
            return;
        c->have_sh = true;
        server_hello(t, c, ev);
        return;
    case HS_FINISHED:
        /* TLS 1.3: a side's records after its Finished use its application traffic secret */
        if (c->version == 0x0304 && h->phase == K_HANDSHAKE) {
            if (tls13_keys(c->suite, c->app_secret[dir], c->app_secret_len[dir], &h->keys) < 0)
                fail(c, ev, ESIM_TLS_BROKEN, "key derivation failed");
            OPENSSL_cleanse(c->app_secret[dir], sizeof c->app_secret[dir]);
            h->phase = K_APP;
        }
        return;
    case HS_NEW_SESSION_TICKET:
        /* TLS 1.2 (RFC 5077 3.3): lifetime (4), ticket<0..2^16-1>; remembered with the master
         * secret under its SHA-256, as a later ClientHello offers it */
        if (c->version == 0x0303 && c->have_master && n >= 6 &&
            ((size_t)b[4] << 8 | b[5]) == n - 6 && n > 6) {
            uint8_t hash[32];
            if (EVP_Digest(b + 6, n - 6, hash, NULL, EVP_sha256(), NULL) == 1)
                session_put(t, hash, 32, true, c->master);
        }
        return;
    case HS_KEY_UPDATE: /* RFC 8446 4.6.3: the sender's next records use the next secret */
        if (c->version == 0x0304 && h->phase == K_APP && tls13_key_update(&h->keys) < 0)
            fail(c, ev, ESIM_TLS_BROKEN, "key derivation failed");
        return;
    default: return;
    }
}

/* Handshake bytes of one direction (clear or decrypted): messages may span records. */
static void hs_bytes(esim_tls *t, conn *c, int dir, const uint8_t *d, size_t n,
                     const esim_tcp_event *ev)
{
    half *h = &c->h[dir];
    while (n && !c->dead) {
        if (h->hs_hdr_have < 4) {
            h->hs_hdr[h->hs_hdr_have++] = *d++;
            n--;
            if (h->hs_hdr_have < 4)
                continue;
            uint8_t type = h->hs_hdr[0];
            h->hs_need = (size_t)h->hs_hdr[1] << 16 | (size_t)h->hs_hdr[2] << 8 | h->hs_hdr[3];
            h->hs_have = 0;
            h->hs_keep = type == HS_CLIENT_HELLO || type == HS_SERVER_HELLO ||
                         type == HS_FINISHED || type == HS_KEY_UPDATE ||
                         (type == HS_NEW_SESSION_TICKET && c->have_master);
            if (h->hs_keep && h->hs_need > HS_KEEP_MAX) {
                fail(c, ev, ESIM_TLS_BROKEN, "handshake message type %u of %zu bytes", type,
                     h->hs_need);
                return;
            }
            if (h->hs_keep && h->hs_need) {
                free(h->hs);
                if (!(h->hs = malloc(h->hs_need))) {
                    fail(c, ev, ESIM_TLS_BROKEN, "out of memory");
                    return;
                }
            }
        }
        size_t k = h->hs_need - h->hs_have < n ? h->hs_need - h->hs_have : n;
        if (h->hs_keep && k)
            memcpy(h->hs + h->hs_have, d, k);
        h->hs_have += k;
        d += k;
        n -= k;
        if (h->hs_have == h->hs_need) {
            h->hs_hdr_have = 0;
            if (h->hs_keep)
                hs_message(t, c, dir, h->hs_hdr[0], h->hs, h->hs_need, ev);
            free(h->hs);
            h->hs = NULL;
        }
    }
}

/* ---- records ---- */

static void record(esim_tls *t, conn *c, int dir, uint8_t *r, size_t n, const esim_tcp_event *ev)
{
    half *h = &c->h[dir];
    uint8_t type = r[0];
    uint16_t ver = (uint16_t)(r[1] << 8 | r[2]);
    uint8_t *body = r + 5;
    size_t len = n - 5;
    t->st.records++;
    bool v13 = c->version == 0x0304;
    bool protected_rec = h->phase != K_NONE && !(v13 && type != CT_APP);
    if (protected_rec && c->no_key) {
        fail(c, ev, ESIM_TLS_NO_KEY, "no %s for this client random in the TLS key log",
             v13 ? "TLS 1.3 traffic secrets" : "CLIENT_RANDOM master secret");
        c->unread += len;
        return;
    }
    if (type == CT_CCS) {
        /* TLS 1.2: this side's next records are protected (RFC 5246 7.1); TLS 1.3: ignored */
        if (!v13 && c->have_sh)
            h->phase = K_APP;
        return;
    }
    uint8_t *plain = body;
    long pl = (long)len;
    uint8_t inner = type;
    if (protected_rec) {
        pl = tls_decrypt(&h->keys, type, ver, body, len, &plain, &inner);
        if (pl < 0) {
            fail(c, ev, ESIM_TLS_BAD_KEY, "record %llu from the %s (%zu bytes) does not "
                 "authenticate: wrong key in the TLS key log, or corrupt capture",
                 (unsigned long long)h->keys.seq, dir == c->client_dir ? "client" : "server",
                 len);
            if (type == CT_APP)
                c->unread += len;
            return;
        }
    }
    switch (inner) {
    case CT_HANDSHAKE: hs_bytes(t, c, dir, plain, (size_t)pl, ev); break;
    case CT_APP:
        if (!protected_rec) {
            fail(c, ev, ESIM_TLS_BROKEN, "application data before the handshake ended");
            c->unread += len;
            return;
        }
        if (!c->decrypted) {
            c->decrypted = true;
            t->st.decrypted++;
        }
        t->st.plaintext_bytes += (uint64_t)pl;
        if (pl)
            forward(t, c, ev, ESIM_TCP_EV_DATA, plain, (size_t)pl);
        break;
    default: break; /* alerts, heartbeat */
    }
}

/* Stream bytes of one direction, cut into records. */
static void tls_bytes(esim_tls *t, conn *c, int dir, const uint8_t *d, size_t n,
                      const esim_tcp_event *ev)
{
    half *h = &c->h[dir];
    while (n && !c->lost) {
        size_t want = h->have < 5 ? 5 : 5 + ((size_t)h->rec[3] << 8 | h->rec[4]);
        size_t k = want - h->have < n ? want - h->have : n;
        memcpy(h->rec + h->have, d, k);
        h->have += k;
        d += k;
        n -= k;
        if (h->have == 5) {
            size_t len = (size_t)h->rec[3] << 8 | h->rec[4];
            if (h->rec[0] < CT_CCS || h->rec[0] > CT_HEARTBEAT || h->rec[1] != 3 || !len ||
                len > REC_MAX) {
                fail(c, ev, ESIM_TLS_BROKEN, "not a TLS record (type %u, version %u.%u, length "
                     "%zu)", h->rec[0], h->rec[1], h->rec[2], len);
                c->lost = true;
                h->have = 0;
                break;
            }
            continue;
        }
        if (h->have > 5 && h->have == 5 + ((size_t)h->rec[3] << 8 | h->rec[4])) {
            record(t, c, dir, h->rec, h->have, ev);
            h->have = 0;
        }
    }
    if (c->lost) {
        c->unread += n;
        for (int i = 0; i < 2; i++) {
            free(c->h[i].rec);
            c->h[i].rec = NULL;
        }
    }
}

/* ---- TCP glue ---- */

/* The flow's first bytes (the first 6, or fewer at its end) say whether it is TLS: a hello,
 * or a record header mid-connection. */
static void detect(esim_tls *t, conn *c, const esim_tcp_event *ev, bool could)
{
    bool hello = esim_tls_looks_like(c->pre, c->pre_n);
    c->kind = hello || could ? C_TLS : C_PLAIN;
    if (c->kind != C_TLS)
        return;
    t->st.connections++;
    c->client_dir = c->pre_dir; /* until a ClientHello says otherwise */
    c->h[0].rec = malloc(5 + REC_MAX);
    c->h[1].rec = malloc(5 + REC_MAX);
    if (!c->h[0].rec || !c->h[1].rec)
        fail(c, ev, ESIM_TLS_BROKEN, "out of memory");
    else if (!hello)
        fail(c, ev, ESIM_TLS_NO_HANDSHAKE, "the capture starts inside the TLS connection: "
             "without its hellos the client random is unknown");
}

/* Bytes held back by the detection, when the flow ends or turns before 6 bytes came. */
static void detect_flush(esim_tls *t, conn *c, const esim_tcp_event *ev)
{
    if (c->kind != C_DETECT || !c->pre_n)
        return;
    detect(t, c, ev, false);
    esim_tcp_event e = *ev;
    e.type = ESIM_TCP_EV_DATA;
    e.dir = c->pre_dir;
    e.src = c->ep[c->pre_dir];
    e.dst = c->ep[!c->pre_dir];
    if (c->kind == C_PLAIN)
        forward(t, c, &e, ESIM_TCP_EV_DATA, c->pre, c->pre_n);
}

void esim_tls_on_tcp(esim_tls *t, const esim_tcp_event *ev)
{
    conn *c = *ev->flow_user;
    if (c && c->kind == C_DETECT && c->pre_n && (ev->type != ESIM_TCP_EV_DATA ||
                                                 ev->dir != c->pre_dir))
        detect_flush(t, c, ev);
    if (ev->type == ESIM_TCP_EV_CLOSE) {
        if (c) {
            if (c->kind == C_TLS)
                report(t, c, ev->flow_id);
            forward(t, c, ev, ESIM_TCP_EV_CLOSE, NULL, 0);
            conn_free(c);
        }
        *ev->flow_user = NULL;
        return;
    }
    if (!c) {
        if (!(c = calloc(1, sizeof *c)))
            return;
        *ev->flow_user = c;
        c->ipv = ev->ip_version;
        c->ep[ev->dir] = ev->src;
        c->ep[!ev->dir] = ev->dst;
    }
    if (c->kind == C_DETECT && ev->type == ESIM_TCP_EV_DATA && ev->len) {
        /* the first 6 bytes decide; a shorter start that could be TLS is held back */
        size_t k = sizeof c->pre - c->pre_n < ev->len ? sizeof c->pre - c->pre_n : ev->len;
        memcpy(c->pre + c->pre_n, ev->data, k);
        c->pre_n += k;
        c->pre_dir = ev->dir;
        const uint8_t *p = c->pre;
        bool could = p[0] >= CT_CCS && p[0] <= CT_APP && (c->pre_n < 2 || p[1] == 3) &&
                     (c->pre_n < 3 || p[2] <= 4);
        if (could && c->pre_n < sizeof c->pre)
            return;
        detect(t, c, ev, could);
        esim_tcp_event e = *ev;
        e.data = c->pre;
        e.len = c->pre_n;
        if (c->kind == C_TLS) {
            tls_bytes(t, c, ev->dir, c->pre, c->pre_n, ev);
        } else {
            forward(t, c, &e, ESIM_TCP_EV_DATA, c->pre, c->pre_n);
        }
        if (k == ev->len)
            return;
        e.data = ev->data + k;
        e.len = ev->len - k;
        esim_tls_on_tcp(t, &e);
        return;
    }
    if (c->kind != C_TLS) { /* not (yet) known as TLS: the events go on unchanged */
        forward(t, c, ev, ev->type, ev->data, ev->len);
        if (c->inner_ignored && ev->ignore_flow)
            *ev->ignore_flow = true;
        return;
    }
    switch (ev->type) {
    case ESIM_TCP_EV_DATA:
        tls_bytes(t, c, ev->dir, ev->data, ev->len, ev);
        break;
    case ESIM_TCP_EV_GAP:
        /* the records after a gap cannot be found (nor, with sequence numbers in the nonce or
         * MAC, decrypted): the rest of the connection is counted */
        fail(c, ev, ESIM_TLS_BROKEN, "%llu bytes of the connection are missing from the capture",
             (unsigned long long)ev->gap);
        c->lost = true;
        c->unread += ev->gap;
        forward(t, c, ev, ESIM_TCP_EV_GAP, NULL, 0);
        break;
    default: /* FIN, RST */
        forward(t, c, ev, ev->type, NULL, 0);
        break;
    }
}
