/* The log reader: lines from the capture byte source (mapped file, gzip, stdin, memory), handed
 * to the format's parser, whose exchanges become packets of a synthetic capture: GSMTAP-SIM on
 * UDP/IPv4 for the card, TCP/IPv4 for the LPA's HTTP, a note packet for each unusable line. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esim/apdu.h"
#include "esim/gsmtap.h"
#include "log_internal.h"

#define BLOCK (256u * 1024u)      /* bytes taken from the source at a time */
#define TCP_SEGMENT 16000u        /* payload per synthetic TCP segment */
#define HTTP_CLIENT_IP 0x0A000001u /* 10.0.0.1: the LPA */
#define HTTP_SERVER_IP 0x0A000002u /* 10.0.0.2: the SM-DP+ / SM-DS */
#define SIM_IP 0x7F000001u        /* 127.0.0.1 */

typedef struct queued {
    uint64_t line, line_last;
    int64_t sec;
    uint32_t nsec;
    uint32_t linktype, iface;
    size_t off, len;
} queued;

struct log_reader {
    esim_capture *c;
    const log_format_ops *ops;
    void *state;
    esim_capture_opts *o;
    esim_capture_opts own;    /* when the caller gave none */
    /* lines */
    const uint8_t *blk;
    size_t blk_len, blk_pos;
    char *buf;
    size_t buf_len, buf_cap;
    bool src_eof, too_long, done;
    uint64_t lineno;
    /* packets made from the current line(s) */
    queued *q;
    size_t q_n, q_pos, q_cap;
    uint8_t *arena;
    size_t arena_len, arena_cap;
    uint16_t ip_id;
    /* the open HTTP exchange: a request waiting for its response */
    bool http_open, http_answered;
    uint64_t http_line;       /* of the open request */
    uint16_t http_port;
    uint32_t cli_seq, srv_seq;
    unsigned http_conns;
};

/* ---- queue ---- */

static uint8_t *arena_alloc(log_reader *r, size_t n)
{
    if (r->arena_cap - r->arena_len < n) {
        size_t cap = r->arena_cap ? r->arena_cap : 65536;
        while (cap - r->arena_len < n)
            cap *= 2;
        uint8_t *a = realloc(r->arena, cap);
        if (!a)
            return NULL;
        r->arena = a;
        r->arena_cap = cap;
    }
    uint8_t *p = r->arena + r->arena_len;
    r->arena_len += n;
    return p;
}

static queued *enqueue(log_reader *r, size_t len, uint8_t **data)
{
    if (r->q_n == r->q_cap) {
        size_t cap = r->q_cap ? r->q_cap * 2 : 64;
        queued *q = realloc(r->q, cap * sizeof *q);
        if (!q)
            return NULL;
        r->q = q;
        r->q_cap = cap;
    }
    uint8_t *d = arena_alloc(r, len);
    if (!d)
        return NULL;
    queued *e = &r->q[r->q_n++];
    memset(e, 0, sizeof *e);
    e->off = (size_t)(d - r->arena);
    e->len = len;
    *data = d;
    return e;
}

void log_note(log_reader *r, uint64_t line, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    size_t n = strlen(text);
    uint8_t *d;
    queued *e = enqueue(r, n + 1, &d);
    r->o->stats.notes++;
    if (!e)
        return;
    memcpy(d, text, n + 1);
    e->len = n;
    e->line = e->line_last = line;
    e->linktype = ESIM_LINKTYPE_LOG_NOTE;
}

void log_count_record(log_reader *r)
{
    r->o->stats.records++;
}

void log_count_skipped(log_reader *r)
{
    r->o->stats.skipped++;
}

int64_t log_day(const log_reader *r)
{
    return r->o->log_day;
}

/* ---- IPv4, UDP, TCP ---- */

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v);
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (; n > 1; n -= 2, p += 2)
        s += (uint32_t)p[0] << 8 | p[1];
    if (n)
        s += (uint32_t)p[0] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

static void ipv4(log_reader *r, uint8_t *p, size_t total, uint8_t proto, uint32_t src, uint32_t dst)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, (uint32_t)total);
    put16(p + 4, r->ip_id++);
    p[6] = 0x40; /* don't fragment */
    p[8] = 64;
    p[9] = proto;
    put32(p + 12, src);
    put32(p + 16, dst);
    put16(p + 10, fold(sum16(p, 20, 0)));
}

void log_emit_t0(log_reader *r, unsigned slot, uint64_t line, uint64_t line_last, int64_t sec,
                 uint32_t nsec, const uint8_t *msg, size_t len)
{
    size_t total = 20 + 8 + 16 + len;
    uint8_t *p;
    queued *e = enqueue(r, total, &p);
    if (!e)
        return;
    r->o->stats.exchanges++;
    ipv4(r, p, total, 17, SIM_IP, SIM_IP);
    uint8_t *u = p + 20;
    put16(u, 50000 + slot);
    put16(u + 2, ESIM_GSMTAP_PORT);
    put16(u + 4, (uint32_t)(8 + 16 + len));
    put16(u + 6, 0);
    uint8_t *g = u + 8;
    memset(g, 0, 16);
    g[0] = 2;                  /* GSMTAP version */
    g[1] = 4;                  /* header length in 32-bit words */
    g[2] = ESIM_GSMTAP_TYPE_SIM;
    g[12] = ESIM_GSMTAP_SIM_APDU;
    g[14] = (uint8_t)slot;     /* sub_slot: the card slot */
    memcpy(g + 16, msg, len);
    e->line = line;
    e->line_last = line_last;
    e->sec = sec;
    e->nsec = nsec;
    e->linktype = ESIM_LINKTYPE_RAW;
    e->iface = slot;
}

void log_emit_apdu(log_reader *r, unsigned slot, uint64_t line, uint64_t line_last, int64_t sec,
                   uint32_t nsec, const uint8_t *cmd, size_t cmd_len, const uint8_t *rsp,
                   size_t rsp_len)
{
    if (cmd_len < 4) {
        log_note(r, line, "command APDU of %zu bytes is shorter than its header", cmd_len);
        return;
    }
    if (rsp_len < 2) {
        log_note(r, line_last, "response to the command at line %llu has no status word",
                 (unsigned long long)line);
        return;
    }
    esim_apdu_body b = {0};
    bool ok = esim_apdu_parse_body(cmd, cmd_len, &b);
    if (ok && b.extended) {
        log_note(r, line, "extended-length APDU (%zu bytes): not carried in a T=0 GSMTAP-SIM "
                          "message, skipped", cmd_len);
        return;
    }
    if (!ok) {
        log_note(r, line, "command APDU of %zu bytes matches no ISO 7816-3 case (Lc %u)",
                 cmd_len, cmd_len > 4 ? cmd[4] : 0);
        b.data_off = cmd_len > 5 ? 5 : 0;
        b.data_len = cmd_len > 5 ? cmd_len - 5 : 0;
    }
    uint8_t msg[5 + 65536 + 2];
    if (b.data_len > 255 || rsp_len > 65536)
        return;
    memcpy(msg, cmd, 4);
    msg[4] = b.data_len ? (uint8_t)b.data_len : (uint8_t)(b.has_le ? b.le : 0);
    memcpy(msg + 5, cmd + b.data_off, b.data_len);
    memcpy(msg + 5 + b.data_len, rsp, rsp_len);
    log_emit_t0(r, slot, line, line_last, sec, nsec, msg, 5 + b.data_len + rsp_len);
}

/* One TCP segment of the synthetic connection (to_server: LPA -> server). */
static void tcp(log_reader *r, uint64_t line, int64_t sec, uint32_t nsec, bool to_server,
                uint8_t flags, const uint8_t *d, size_t n)
{
    size_t total = 20 + 20 + n;
    uint8_t *p;
    queued *e = enqueue(r, total, &p);
    if (!e)
        return;
    uint32_t src = to_server ? HTTP_CLIENT_IP : HTTP_SERVER_IP;
    uint32_t dst = to_server ? HTTP_SERVER_IP : HTTP_CLIENT_IP;
    ipv4(r, p, total, 6, src, dst);
    uint8_t *t = p + 20;
    memset(t, 0, 20);
    put16(t, to_server ? r->http_port : 80);
    put16(t + 2, to_server ? 80 : r->http_port);
    put32(t + 4, to_server ? r->cli_seq : r->srv_seq);
    put32(t + 8, (flags & 0x10) ? (to_server ? r->srv_seq : r->cli_seq) : 0);
    t[12] = 5 << 4;
    t[13] = flags;
    put16(t + 14, 65535);
    if (n)
        memcpy(t + 20, d, n);
    uint8_t ph[12];
    put32(ph, src);
    put32(ph + 4, dst);
    ph[8] = 0;
    ph[9] = 6;
    put16(ph + 10, (uint32_t)(20 + n));
    put16(t + 16, fold(sum16(t, 20 + n, sum16(ph, 12, 0))));
    uint32_t adv = (uint32_t)n + ((flags & 0x03) ? 1 : 0); /* SYN and FIN count one */
    if (to_server)
        r->cli_seq += adv;
    else
        r->srv_seq += adv;
    e->line = e->line_last = line;
    e->sec = sec;
    e->nsec = nsec;
    e->linktype = ESIM_LINKTYPE_RAW;
    e->iface = 0;
}

enum { TCP_FIN = 0x01, TCP_SYN = 0x02, TCP_PSH = 0x08, TCP_ACK = 0x10 };

static void tcp_data(log_reader *r, uint64_t line, int64_t sec, uint32_t nsec, bool to_server,
                     const uint8_t *d, size_t n)
{
    for (size_t off = 0; off < n; off += TCP_SEGMENT) {
        size_t k = n - off < TCP_SEGMENT ? n - off : TCP_SEGMENT;
        tcp(r, line, sec, nsec, to_server, TCP_ACK | TCP_PSH, d + off, k);
    }
}

static void http_close(log_reader *r, uint64_t line, int64_t sec, uint32_t nsec)
{
    if (!r->http_open)
        return;
    if (!r->http_answered)
        log_note(r, r->http_line, "HTTP request without a response in the log (the LPA logs "
                                  "none when the connection or TLS fails)");
    tcp(r, line, sec, nsec, true, TCP_FIN | TCP_ACK, NULL, 0);
    tcp(r, line, sec, nsec, false, TCP_FIN | TCP_ACK, NULL, 0);
    tcp(r, line, sec, nsec, true, TCP_ACK, NULL, 0);
    r->http_open = false;
}

/* Builds "head" + body in one buffer and sends it as data segments. */
static void http_message(log_reader *r, uint64_t line, int64_t sec, uint32_t nsec, bool to_server,
                         const char *head, const char *body, size_t body_len)
{
    size_t hl = strlen(head);
    uint8_t *m = malloc(hl + body_len + 1);
    if (!m) {
        log_note(r, line, "out of memory for an HTTP message of %zu bytes", body_len);
        return;
    }
    memcpy(m, head, hl);
    if (body_len)
        memcpy(m + hl, body, body_len);
    tcp_data(r, line, sec, nsec, to_server, m, hl + body_len);
    free(m);
}

void log_emit_http_request(log_reader *r, uint64_t line, int64_t sec, uint32_t nsec,
                           const char *url, size_t url_len, const char *body, size_t body_len)
{
    http_close(r, line, sec, nsec); /* a request without its response before it */
    const char *u = url, *ue = url + url_len;
    const char *scheme = log_find(u, url_len, "://");
    if (scheme)
        u = scheme + 3;
    const char *path = memchr(u, '/', (size_t)(ue - u));
    size_t host_len = (size_t)((path ? path : ue) - u);
    if (host_len > 255)
        host_len = 255;
    size_t path_len = path ? (size_t)(ue - path) : 1;
    if (path_len > 2048)
        path_len = 2048;
    char head[2600];
    snprintf(head, sizeof head,
             "POST %.*s HTTP/1.1\r\nHost: %.*s\r\nUser-Agent: gsma-rsp-lpad\r\n"
             "X-Admin-Protocol: gsma/rsp/v2.2.0\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n",
             (int)path_len, path ? path : "/", (int)host_len, u, body_len);
    r->http_open = true;
    r->http_answered = false;
    r->http_line = line;
    r->http_port = (uint16_t)(40000 + r->http_conns++ % 20000);
    r->cli_seq = 0x10000000u + r->http_conns * 0x10000u;
    r->srv_seq = 0x20000000u + r->http_conns * 0x10000u;
    tcp(r, line, sec, nsec, true, TCP_SYN, NULL, 0);
    tcp(r, line, sec, nsec, false, TCP_SYN | TCP_ACK, NULL, 0);
    tcp(r, line, sec, nsec, true, TCP_ACK, NULL, 0);
    http_message(r, line, sec, nsec, true, head, body, body_len);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

void log_emit_http_response(log_reader *r, uint64_t line, int64_t sec, uint32_t nsec, int status,
                            const char *body, size_t body_len)
{
    if (!r->http_open) {
        log_note(r, line, "HTTP response without a request before it: skipped");
        return;
    }
    char head[300];
    if (body_len)
        snprintf(head, sizeof head,
                 "HTTP/1.1 %d %s\r\nX-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
                 "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
                 status, reason(status), body_len);
    else
        snprintf(head, sizeof head,
                 "HTTP/1.1 %d %s\r\nX-Admin-Protocol: gsma/rsp/v2.2.0\r\nContent-Length: 0\r\n\r\n",
                 status, reason(status));
    http_message(r, line, sec, nsec, false, head, body, body_len);
    r->http_answered = true;
    http_close(r, line, sec, nsec);
}

/* ---- lines ---- */

static bool append(log_reader *r, const uint8_t *d, size_t n)
{
    if (r->too_long)
        return true;
    if (r->buf_len + n > ESIM_LOG_MAX_LINE) {
        r->too_long = true;
        return true;
    }
    if (r->buf_cap - r->buf_len < n) {
        size_t cap = r->buf_cap ? r->buf_cap : 4096;
        while (cap - r->buf_len < n)
            cap *= 2;
        char *b = realloc(r->buf, cap);
        if (!b)
            return false;
        r->buf = b;
        r->buf_cap = cap;
    }
    memcpy(r->buf + r->buf_len, d, n);
    r->buf_len += n;
    return true;
}

/* Next line without its end of line: 1, 0 at the end, -1 on a read error. */
static int next_line(log_reader *r, const char **line, size_t *n, esim_error *err)
{
    r->buf_len = 0;
    r->too_long = false;
    bool have = false;
    for (;;) {
        if (r->blk_pos == r->blk_len) {
            if (!r->src_eof) {
                long k = capture_take(r->c, BLOCK, &r->blk, err);
                if (k < 0)
                    return -1;
                r->blk_len = (size_t)k;
                r->blk_pos = 0;
                r->src_eof = k == 0;
                continue;
            }
            if (!have)
                return 0;
            *line = r->buf;
            *n = r->buf_len;
            return 1;
        }
        const uint8_t *s = r->blk + r->blk_pos;
        size_t left = r->blk_len - r->blk_pos;
        const uint8_t *nl = memchr(s, '\n', left);
        if (nl && !have) { /* the whole line is in the block: no copy */
            *line = (const char *)s;
            *n = (size_t)(nl - s);
            r->blk_pos += *n + 1;
            return 1;
        }
        size_t k = nl ? (size_t)(nl - s) : left;
        if (!append(r, s, k))
            return esim_error_set(err, "out of memory for line %llu",
                                  (unsigned long long)r->lineno + 1);
        have = true;
        r->blk_pos += k + (nl ? 1 : 0);
        if (nl) {
            *line = r->buf;
            *n = r->buf_len;
            return 1;
        }
    }
}

/* Terminal colour codes (lpac and pcsc-spy colour their output on a terminal; `script` keeps
 * them): CSI sequences are dropped. Returns the cleaned line (in buf, or the line itself). */
static const char *strip_ansi(log_reader *r, const char *l, size_t *n)
{
    char *o = malloc(*n ? *n : 1);
    if (!o)
        return l;
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (l[i] == 0x1B && i + 1 < *n && l[i + 1] == '[') {
            i += 2;
            while (i < *n && !((l[i] >= '@' && l[i] <= '~')))
                i++;
            continue;
        }
        o[k++] = l[i];
    }
    /* the cleaned copy replaces the line buffer */
    free(r->buf);
    r->buf = o;
    r->buf_cap = *n ? *n : 1;
    r->buf_len = k;
    *n = k;
    return o;
}

static void feed_line(log_reader *r, const char *l, size_t n)
{
    r->lineno++;
    r->o->stats.lines++;
    if (r->too_long) {
        log_note(r, r->lineno, "line longer than %u bytes: skipped", ESIM_LOG_MAX_LINE);
        return;
    }
    if (n && l[n - 1] == '\r')
        n--;
    if (memchr(l, 0x1B, n)) {
        if (l != r->buf) { /* make it ours before cleaning */
            r->buf_len = 0;
            if (!append(r, (const uint8_t *)l, n))
                return;
            l = r->buf;
        }
        l = strip_ansi(r, l, &n);
    }
    r->ops->line(r, r->state, r->lineno, l, n);
}

/* ---- public (to capture.c) ---- */

log_reader *log_reader_new(esim_capture *c, esim_log_format f, esim_capture_opts *o,
                           esim_error *err)
{
    const log_format_ops *ops = log_format_find(f);
    if (!ops) {
        esim_error_set(err, "unknown log format");
        return NULL;
    }
    log_reader *r = calloc(1, sizeof *r);
    if (r)
        r->state = calloc(1, ops->state_size ? ops->state_size : 1);
    if (!r || !r->state) {
        free(r);
        esim_error_set(err, "out of memory");
        return NULL;
    }
    r->c = c;
    r->ops = ops;
    r->o = o ? o : &r->own;
    r->o->detected = f;
    memset(&r->o->stats, 0, sizeof r->o->stats);
    return r;
}

int log_reader_next(log_reader *r, esim_packet *pkt, esim_error *err)
{
    while (r->q_pos == r->q_n) {
        r->q_pos = r->q_n = 0;
        r->arena_len = 0;
        if (r->done)
            return 0;
        const char *l = NULL;
        size_t n = 0;
        int k = next_line(r, &l, &n, err);
        if (k < 0)
            return -1;
        if (k == 0) {
            r->done = true;
            if (r->ops->finish)
                r->ops->finish(r, r->state);
            http_close(r, r->lineno, 0, 0);
            continue;
        }
        feed_line(r, l, n);
    }
    const queued *e = &r->q[r->q_pos++];
    pkt->frame = e->line;
    pkt->line_last = e->line_last;
    pkt->from_log = true;
    pkt->ts_sec = e->sec;
    pkt->ts_nsec = e->nsec;
    pkt->linktype = e->linktype;
    pkt->iface = e->iface;
    pkt->caplen = pkt->origlen = (uint32_t)e->len;
    pkt->data = r->arena + e->off;
    return 1;
}

void log_reader_free(log_reader *r)
{
    if (!r)
        return;
    if (r->ops->free)
        r->ops->free(r->state);
    free(r->state);
    free(r->buf);
    free(r->q);
    free(r->arena);
    free(r);
}

esim_log_format log_reader_detect(esim_capture *c, esim_error *err)
{
    const uint8_t *p;
    long k = capture_peek(c, 256u * 1024u, &p, err);
    if (k <= 0)
        return ESIM_LOG_AUTO;
    return esim_log_detect((const char *)p, (size_t)k);
}
