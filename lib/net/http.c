/* HTTP/1.1 message parsing over reassembled TCP streams (see http.h). RFC 9112: message
 * framing (clause 6.3 body length rules, clause 7.1 chunked coding), RFC 9110 for the fields. */
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esim/str.h"
#include "esim/http.h"

enum state { S_START, S_HEADERS, S_BODY_LEN, S_CHUNK_SIZE, S_CHUNK_DATA, S_CHUNK_END, S_TRAILER,
             S_BODY_EOF, S_RESYNC };

#define MAX_LINE 1024 /* chunk-size and trailer lines */

typedef struct half {
    enum state st;
    char *hdr;            /* header block, NUL-terminated pieces after parsing */
    size_t hdr_len, hdr_cap;
    uint8_t *body;
    size_t body_len, body_cap;
    bool body_dropped;    /* over ESIM_HTTP_MAX_BODY: counted, not kept */
    uint64_t remaining;
    size_t line_len;
    bool is_request, chunked;
    const char *method, *uri, *reason, *ctype, *admin;
    int status;
    uint64_t req_frame;
    bool paired;
    uint64_t frame_first, frame_last;
    int64_t sec;
    uint32_t nsec;
    bool active;          /* a message has started */
    /* buffers last: not zeroed by esim_http_new, written before they are read */
    char line[MAX_LINE];
    char req_method[16], req_uri[512]; /* the request a response answers (when paired) */
} half;

typedef struct pending {
    char method[16];
    char uri[512];
    uint64_t frame;
} pending;

struct esim_http {
    uint64_t flow_id;
    esim_http_cb cb;
    void *user;
    size_t fifo_head, fifo_n;
    bool hunting;         /* caught mid-connection, no start line found yet */
    uint64_t hunted;      /* bytes searched for it */
    half h[2];
    pending fifo[ESIM_HTTP_MAX_PENDING]; /* written before read */
};

esim_http *esim_http_new(uint64_t flow_id, esim_http_cb cb, void *user)
{
    /* ~20 KB, mostly line and URI buffers: only the state in front of them is zeroed */
    esim_http *h = malloc(sizeof *h);
    if (!h)
        return NULL;
    memset(h, 0, offsetof(esim_http, h));
    for (int i = 0; i < 2; i++)
        memset(&h->h[i], 0, offsetof(half, line));
    h->flow_id = flow_id;
    h->cb = cb;
    h->user = user;
    return h;
}

void esim_http_free(esim_http *h)
{
    if (!h)
        return;
    for (int i = 0; i < 2; i++) {
        free(h->h[i].hdr);
        free(h->h[i].body);
    }
    free(h);
}

static void reset(half *s, enum state st)
{
    s->st = st;
    s->hdr_len = s->body_len = s->line_len = 0;
    s->body_dropped = s->chunked = s->active = s->paired = false;
    s->method = s->uri = s->reason = s->ctype = s->admin = NULL;
    s->status = 0;
    s->remaining = 0;
    s->req_frame = 0;
}

static void http_error(esim_http *h, int dir, uint64_t frame, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void http_error(esim_http *h, int dir, uint64_t frame, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    half *s = &h->h[dir];
    esim_http_event ev = {.type = ESIM_HTTP_EV_ERROR, .flow_id = h->flow_id, .dir = dir,
                          .frame_first = s->active ? s->frame_first : frame, .frame_last = frame,
                          .ts_sec = s->sec, .ts_nsec = s->nsec, .text = msg};
    h->cb(&ev, h->user);
    reset(s, S_RESYNC);
}

static void emit(esim_http *h, int dir)
{
    half *s = &h->h[dir];
    if (s->body_dropped) {
        http_error(h, dir, s->frame_last, "HTTP body over %u bytes: not decoded", ESIM_HTTP_MAX_BODY);
        reset(s, S_START);
        return;
    }
    esim_http_event ev = {
        .type = s->is_request ? ESIM_HTTP_EV_REQUEST : ESIM_HTTP_EV_RESPONSE,
        .flow_id = h->flow_id, .dir = dir, .frame_first = s->frame_first,
        .frame_last = s->frame_last, .ts_sec = s->sec, .ts_nsec = s->nsec,
        .method = s->is_request ? s->method : (s->paired ? s->req_method : NULL),
        .uri = s->is_request ? s->uri : (s->paired ? s->req_uri : NULL),
        .request_frame = s->paired ? s->req_frame : 0, .status = s->status, .reason = s->reason,
        .content_type = s->ctype, .admin_protocol = s->admin, .chunked = s->chunked,
        .body = s->body, .body_len = s->body_len};
    h->cb(&ev, h->user);
    reset(s, S_START);
}

static bool grow(void **p, size_t *cap, size_t need, size_t limit)
{
    if (need <= *cap)
        return true;
    if (need > limit)
        return false;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    if (c > limit)
        c = limit;
    void *q = realloc(*p, c);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static void body_add(half *s, const uint8_t *d, size_t n)
{
    if (s->body_dropped)
        return;
    if (!grow((void **)&s->body, &s->body_cap, s->body_len + n, ESIM_HTTP_MAX_BODY)) {
        s->body_dropped = true;
        return;
    }
    memcpy(s->body + s->body_len, d, n);
    s->body_len += n;
}

static char *trim(char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    size_t n = strlen(p);
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
        p[--n] = 0;
    return p;
}

static bool is_token(const char *p)
{
    if (!*p)
        return false;
    for (; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("!#$%&'*+-.^_`|~", *p))
            return false;
    return true;
}

/* Parses the start line; fills method/uri or status/reason. */
static bool start_line(half *s, char *line)
{
    if (!strncmp(line, "HTTP/1.", 7)) {
        s->is_request = false;
        char *p = line + 7;
        if (!isdigit((unsigned char)p[0]) || p[1] != ' ' || !isdigit((unsigned char)p[2]) ||
            !isdigit((unsigned char)p[3]) || !isdigit((unsigned char)p[4]) ||
            (p[5] != ' ' && p[5] != 0))
            return false;
        s->status = (p[2] - '0') * 100 + (p[3] - '0') * 10 + (p[4] - '0');
        s->reason = p[5] ? p + 6 : p + 5;
        return true;
    }
    s->is_request = true;
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7))
        return false;
    *sp1 = *sp2 = 0;
    s->method = line;
    s->uri = sp1 + 1;
    return is_token(s->method) && *s->uri;
}

static void pop_request(esim_http *h, half *s)
{
    if (!h->fifo_n)
        return;
    pending *p = &h->fifo[h->fifo_head];
    memcpy(s->req_method, p->method, sizeof s->req_method);
    memcpy(s->req_uri, p->uri, sizeof s->req_uri);
    s->req_frame = p->frame;
    s->paired = true;
    h->fifo_head = (h->fifo_head + 1) % ESIM_HTTP_MAX_PENDING;
    h->fifo_n--;
}

static void push_request(esim_http *h, const half *s)
{
    if (h->fifo_n == ESIM_HTTP_MAX_PENDING) { /* drop the oldest */
        h->fifo_head = (h->fifo_head + 1) % ESIM_HTTP_MAX_PENDING;
        h->fifo_n--;
    }
    pending *p = &h->fifo[(h->fifo_head + h->fifo_n++) % ESIM_HTTP_MAX_PENDING];
    esim_str_copy(p->method, sizeof p->method, s->method);
    esim_str_copy(p->uri, sizeof p->uri, s->uri);
    p->frame = s->frame_first;
}

/* The header block is complete (hdr[0..hdr_len) ends with an empty line). Returns false after
 * reporting an error. */
static bool headers_done(esim_http *h, int dir, uint64_t frame)
{
    half *s = &h->h[dir];
    s->hdr[s->hdr_len] = 0;
    char *save = NULL;
    char *line = strtok_r(s->hdr, "\n", &save);
    if (!line || !start_line(s, trim(line))) {
        http_error(h, dir, frame, "malformed HTTP start line");
        return false;
    }
    bool have_len = false;
    uint64_t clen = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        char *colon = strchr(line, ':');
        if (!colon) {
            if (*trim(line))
                return http_error(h, dir, frame, "malformed HTTP header line"), false;
            continue;
        }
        *colon = 0;
        char *name = line, *value = trim(colon + 1);
        if (!is_token(name))
            return http_error(h, dir, frame, "malformed HTTP header name"), false;
        if (!strcasecmp(name, "Content-Type"))
            s->ctype = value;
        else if (!strcasecmp(name, "X-Admin-Protocol"))
            s->admin = value;
        else if (!strcasecmp(name, "Transfer-Encoding")) {
            size_t n = strlen(value); /* chunked must be the final coding */
            s->chunked = n >= 7 && !strcasecmp(value + n - 7, "chunked");
        } else if (!strcasecmp(name, "Content-Length")) {
            uint64_t v = 0;
            if (!*value)
                return http_error(h, dir, frame, "empty Content-Length"), false;
            for (const char *p = value; *p; p++) {
                if (!isdigit((unsigned char)*p) || v > (UINT64_C(1) << 50))
                    return http_error(h, dir, frame, "invalid Content-Length '%.40s'", value), false;
                v = v * 10 + (uint64_t)(*p - '0');
            }
            if (have_len && v != clen)
                return http_error(h, dir, frame, "conflicting Content-Length values"), false;
            have_len = true;
            clen = v;
        }
    }
    if (s->is_request) {
        push_request(h, s);
    } else if (s->status >= 200) { /* 1xx responses are interim: the request is still open */
        pop_request(h, s);
    }
    /* RFC 9112 clause 6.3 */
    bool no_body = !s->is_request && (s->status < 200 || s->status == 204 || s->status == 304 ||
                                      (s->paired && !strcmp(s->req_method, "HEAD")));
    if (no_body) {
        emit(h, dir);
    } else if (s->chunked) {
        s->st = S_CHUNK_SIZE;
    } else if (have_len) {
        s->remaining = clen;
        s->st = S_BODY_LEN;
        if (clen == 0)
            emit(h, dir);
    } else if (s->is_request) {
        emit(h, dir);
    } else {
        s->st = S_BODY_EOF;
    }
    return true;
}

/* Collects one line into s->line; returns the bytes consumed and sets *done at its end. */
static size_t take_line(half *s, const uint8_t *d, size_t n, bool *done, bool *overflow)
{
    const uint8_t *nl = memchr(d, '\n', n);
    size_t k = nl ? (size_t)(nl - d) + 1 : n;
    *done = nl != NULL;
    *overflow = false;
    if (s->line_len + k >= sizeof s->line) {
        *overflow = true;
        return k;
    }
    memcpy(s->line + s->line_len, d, k);
    s->line_len += k;
    if (*done) {
        s->line[s->line_len] = 0;
        s->line_len = 0;
        trim(s->line);
        char *end = s->line + strlen(s->line);
        while (end > s->line && (end[-1] == '\n' || end[-1] == '\r'))
            *--end = 0;
    }
    return k;
}

static bool method_start(const uint8_t *d, size_t n)
{
    static const struct { const char *s; size_t n; } starts[] = {
        {"HTTP/1.", 7}, {"GET ", 4}, {"POST ", 5}, {"PUT ", 4}, {"HEAD ", 5}, {"DELETE ", 7},
        {"OPTIONS ", 8}, {"PATCH ", 6}};
    if (!n)
        return false;
    switch (d[0]) { /* most bytes of other traffic end here */
    case 'H': case 'G': case 'P': case 'D': case 'O': break;
    default: return false;
    }
    for (size_t i = 0; i < sizeof starts / sizeof starts[0]; i++)
        if (n >= starts[i].n && !memcmp(d, starts[i].s, starts[i].n))
            return true;
    return false;
}

/* Printable ASCII and whitespace only: could be the rest of a header section or JSON body. */
static bool is_text(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n;) { /* 64 bytes at a time, without a branch per byte */
        size_t end = n - i > 64 ? i + 64 : n;
        unsigned bad = 0;
        for (; i < end; i++) {
            uint8_t c = d[i];
            bad |= (c > 0x7E) | ((c < 0x20) & (c != '\t') & (c != '\r') & (c != '\n'));
        }
        if (bad)
            return false;
    }
    return true;
}

void esim_http_data(esim_http *h, int dir, const uint8_t *d, size_t n, uint64_t frame,
                    int64_t sec, uint32_t nsec)
{
    half *s = &h->h[dir & 1];
    dir &= 1;
    while (n > 0) {
        size_t k = 0;
        bool done, overflow;
        if (s->active)
            s->frame_last = frame;
        switch (s->st) {
        case S_RESYNC: { /* a start line at the beginning of a segment or after a '\n' */
            size_t i = 0;
            while (!method_start(d + i, n - i)) {
                const uint8_t *nl = memchr(d + i, '\n', n - i);
                i = nl ? (size_t)(nl - d) + 1 : n;
                if (i == n)
                    break;
            }
            k = i;
            if (i < n) {
                s->st = S_START;
                h->hunting = false;
            } else if (h->hunting && !is_text(d, k)) {
                h->hunted += k;
            }
            break;
        }
        case S_START:
            if (*d == '\r' || *d == '\n') { /* RFC 9112 clause 2.2: ignore leading empty lines */
                k = 1;
                break;
            }
            s->active = true;
            s->frame_first = s->frame_last = frame;
            s->sec = sec;
            s->nsec = nsec;
            s->st = S_HEADERS;
            break;
        case S_HEADERS: {
            size_t from = s->hdr_len > 3 ? s->hdr_len - 3 : 0;
            size_t room = ESIM_HTTP_MAX_HEADER - s->hdr_len;
            size_t take = n < room ? n : room;
            if (!grow((void **)&s->hdr, &s->hdr_cap, s->hdr_len + take + 1, ESIM_HTTP_MAX_HEADER + 1))
                return;
            memcpy(s->hdr + s->hdr_len, d, take);
            size_t total = s->hdr_len + take, end = 0;
            for (size_t i = from; i < total && !end; i++) {
                if (s->hdr[i] != '\n')
                    continue;
                if (i >= 1 && s->hdr[i - 1] == '\n')
                    end = i + 1;
                else if (i >= 2 && s->hdr[i - 1] == '\r' && s->hdr[i - 2] == '\n')
                    end = i + 1;
            }
            if (!end) {
                s->hdr_len = total;
                k = take;
                if (s->hdr_len == ESIM_HTTP_MAX_HEADER)
                    http_error(h, dir, frame, "HTTP header section exceeds %u bytes",
                          ESIM_HTTP_MAX_HEADER);
                break;
            }
            k = end - s->hdr_len;
            s->hdr_len = end;
            headers_done(h, dir, frame);
            break;
        }
        case S_BODY_LEN:
            k = n < s->remaining ? n : (size_t)s->remaining;
            body_add(s, d, k);
            s->remaining -= k;
            if (!s->remaining)
                emit(h, dir);
            break;
        case S_BODY_EOF:
            k = n;
            body_add(s, d, k);
            break;
        case S_CHUNK_SIZE: {
            k = take_line(s, d, n, &done, &overflow);
            if (overflow) {
                http_error(h, dir, frame, "chunk-size line too long");
                break;
            }
            if (!done)
                break;
            char *p = s->line;
            uint64_t v = 0;
            if (!isxdigit((unsigned char)*p)) {
                http_error(h, dir, frame, "invalid chunk size '%.20s'", s->line);
                break;
            }
            for (; isxdigit((unsigned char)*p) && v < (UINT64_C(1) << 40); p++)
                v = v * 16 + (uint64_t)(isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10));
            if (isxdigit((unsigned char)*p) || (*p && *p != ';' && *p != ' ' && *p != '\t')) {
                http_error(h, dir, frame, "invalid chunk size '%.20s'", s->line);
                break;
            }
            s->remaining = v;
            s->st = v ? S_CHUNK_DATA : S_TRAILER;
            break;
        }
        case S_CHUNK_DATA:
            k = n < s->remaining ? n : (size_t)s->remaining;
            body_add(s, d, k);
            s->remaining -= k;
            if (!s->remaining)
                s->st = S_CHUNK_END;
            break;
        case S_CHUNK_END:
        case S_TRAILER:
            k = take_line(s, d, n, &done, &overflow);
            if (overflow) {
                http_error(h, dir, frame, "chunk trailer line too long");
                break;
            }
            if (!done)
                break;
            if (s->st == S_CHUNK_END) {
                if (s->line[0])
                    http_error(h, dir, frame, "chunk data not followed by CRLF");
                else
                    s->st = S_CHUNK_SIZE;
            } else if (!s->line[0]) {
                emit(h, dir); /* trailer fields are not used */
            }
            break;
        }
        d += k;
        n -= k;
    }
}

void esim_http_gap(esim_http *h, int dir, uint64_t bytes, uint64_t frame)
{
    half *s = &h->h[dir & 1];
    if (s->active)
        http_error(h, dir & 1, frame, "%llu bytes missing from the capture: HTTP message dropped",
              (unsigned long long)bytes);
    reset(s, S_RESYNC);
}

void esim_http_end(esim_http *h, int dir, uint64_t frame)
{
    half *s = &h->h[dir & 1];
    if (s->st == S_BODY_EOF)
        emit(h, dir & 1);
    else if (s->active)
        http_error(h, dir & 1, frame, "connection closed inside an HTTP message");
    reset(s, S_START);
}

/* Marks a flow that is not (or no longer) looked at: TLS, or no start line found. */
static char not_http;

static void ignore(const esim_tcp_event *ev)
{
    *ev->flow_user = &not_http;
    if (ev->ignore_flow)
        *ev->ignore_flow = true;
}

void esim_http_on_tcp(const esim_tcp_event *ev, esim_http_cb cb, void *user)
{
    esim_http *h = *ev->flow_user;
    if (ev->type == ESIM_TCP_EV_CLOSE) {
        if (h && h != (esim_http *)&not_http) {
            for (int d = 0; d < 2; d++)
                if (h->h[d].st == S_BODY_EOF)
                    esim_http_end(h, d, ev->frame);
            esim_http_free(h);
        }
        *ev->flow_user = NULL;
        return;
    }
    if (h == (esim_http *)&not_http)
        return;
    if (!h) {
        if (ev->type != ESIM_TCP_EV_DATA)
            return;
        /* TLS records (content type 20-23, version 3.x) are left alone */
        if (ev->len >= 2 && ev->data[0] >= 0x14 && ev->data[0] <= 0x17 && ev->data[1] == 0x03) {
            ignore(ev);
            return;
        }
        h = *ev->flow_user = esim_http_new(ev->flow_id, cb, user);
        if (!h)
            return;
        /* a capture that starts inside a connection: wait for the next start line, quietly */
        if (!method_start(ev->data, ev->len)) {
            h->h[0].st = h->h[1].st = S_RESYNC;
            h->hunting = true;
        }
    }
    switch (ev->type) {
    case ESIM_TCP_EV_DATA:
        esim_http_data(h, ev->dir, ev->data, ev->len, ev->frame, ev->ts_sec, ev->ts_nsec);
        /* nothing started in either direction (both halves searching): nothing to report */
        if (h->hunting && h->hunted >= ESIM_HTTP_MAX_HUNT && h->h[0].st == S_RESYNC &&
            h->h[1].st == S_RESYNC) {
            esim_http_free(h);
            ignore(ev);
        }
        break;
    case ESIM_TCP_EV_GAP: esim_http_gap(h, ev->dir, ev->gap, ev->frame); break;
    case ESIM_TCP_EV_FIN:
    case ESIM_TCP_EV_RST: esim_http_end(h, ev->dir, ev->frame); break;
    default: break;
    }
}
