/* lpac debug output (stderr with LIBEUICC_DEBUG_APDU=1 and LIBEUICC_DEBUG_HTTP=1):
 *   [DEBUG] [APDU] [TX] CLA: 80, INS: E2, P1: 91, P2: 00, Lc: 03, Data: BF 2E 00
 *   [DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 2E ...
 *   [DEBUG] [HTTP] [TX] url: https://smdp.example/gsma/rsp2/es9plus/initiateAuthentication, data: {...}
 *   [DEBUG] [HTTP] [RX] rcode: 200, data: {...}
 * (later lpac versions write "URL:", "Data:", "RCode:"; some "url: ..., bytes: N, data: ...").
 * lpac writes no times; the card is one slot. */
#include <string.h>
#include "log_internal.h"

typedef struct lpac {
    bool pending;
    uint64_t line;
    size_t cmd_len;
    uint8_t cmd[5 + 256 + 1];
    uint8_t rsp[65536 + 2];
} lpac;

/* "NAME: XX" in s..e: the byte, or -1. */
static int field(const char *s, const char *e, const char *name)
{
    const char *p = log_find(s, (size_t)(e - s), name);
    if (!p)
        return -1;
    p = log_skip_ws(p + strlen(name), e);
    uint8_t b;
    const char *stop;
    if (e - p < 2 || log_hex_bytes(p, 2, &b, 1, &stop) != 1)
        return -1;
    return b;
}

/* The hex after "Data:" up to the end of the line. */
static long data(log_reader *r, uint64_t lineno, const char *s, const char *e, uint8_t *out,
                 size_t cap)
{
    const char *p = log_find(s, (size_t)(e - s), "Data:");
    if (!p)
        return 0;
    p += 5;
    const char *stop;
    long k = log_hex_bytes(p, (size_t)(e - p), out, cap, &stop);
    stop = log_skip_ws(stop, e);
    if (k < 0 || stop < e) {
        log_note(r, lineno, "APDU data %s", k < 0 ? "with an odd hex digit count or too long"
                                                   : "with a non-hex character");
        return -1;
    }
    return k;
}

static void apdu_tx(log_reader *r, lpac *st, uint64_t lineno, const char *s, const char *e)
{
    if (st->pending)
        log_note(r, st->line, "command APDU without a response logged after it");
    st->pending = false;
    int cla = field(s, e, "CLA:"), ins = field(s, e, "INS:"), p1 = field(s, e, "P1:"),
        p2 = field(s, e, "P2:"), lc = field(s, e, "Lc:");
    if (cla < 0 || ins < 0 || p1 < 0 || p2 < 0) {
        log_note(r, lineno, "APDU TX line without CLA, INS, P1 and P2");
        return;
    }
    uint8_t d[257];
    long k = data(r, lineno, s, e, d, sizeof d);
    if (k < 0)
        return;
    st->cmd[0] = (uint8_t)cla;
    st->cmd[1] = (uint8_t)ins;
    st->cmd[2] = (uint8_t)p1;
    st->cmd[3] = (uint8_t)p2;
    size_t n = (size_t)k;
    if (lc >= 0 && n != (size_t)lc && n != (size_t)lc + 1)
        log_note(r, lineno, "Lc %02X but %zu data bytes: the data bytes are taken", lc, n);
    if (n > 256 || (n == 256 && lc != 255)) {
        log_note(r, lineno, "command data of %zu bytes: too long for a short APDU", n);
        return;
    }
    bool le = lc >= 0 && n == (size_t)lc + 1; /* lpac appended Le */
    size_t dl = le ? n - 1 : n;
    st->cmd_len = 4;
    if (dl) {
        st->cmd[4] = (uint8_t)dl;
        memcpy(st->cmd + 5, d, dl);
        st->cmd_len = 5 + dl;
    }
    if (le || !dl)
        st->cmd[st->cmd_len++] = le ? d[n - 1] : 0;
    st->pending = true;
    st->line = lineno;
}

static void apdu_rx(log_reader *r, lpac *st, uint64_t lineno, const char *s, const char *e)
{
    int sw1 = field(s, e, "SW1:"), sw2 = field(s, e, "SW2:");
    if (sw1 < 0 || sw2 < 0) {
        log_note(r, lineno, "APDU RX line without SW1 and SW2");
        st->pending = false;
        return;
    }
    long k = data(r, lineno, s, e, st->rsp, sizeof st->rsp - 2);
    if (!st->pending) {
        log_note(r, lineno, "APDU response without a command before it");
        return;
    }
    st->pending = false;
    if (k < 0)
        return;
    st->rsp[k] = (uint8_t)sw1;
    st->rsp[k + 1] = (uint8_t)sw2;
    log_emit_apdu(r, 1, st->line, lineno, log_day(r), 0, st->cmd, st->cmd_len, st->rsp,
                  (size_t)k + 2);
}

/* Value after the first of the markers (", data: " / ", Data: "): start, or NULL. */
static const char *after(const char *s, const char *e, const char *const *marks, const char **at)
{
    for (; *marks; marks++) {
        const char *p = log_find(s, (size_t)(e - s), *marks);
        if (p) {
            if (at)
                *at = p;
            return p + strlen(*marks);
        }
    }
    return NULL;
}

static const char *const url_marks[] = {"url: ", "URL: ", NULL};
static const char *const data_marks[] = {", data: ", ", Data: ", NULL};
static const char *const bytes_marks[] = {", bytes: ", NULL};
static const char *const rcode_marks[] = {"rcode: ", "RCode: ", NULL};

static void body(const char **b, const char *e, size_t *len)
{
    *len = (size_t)(e - *b);
    if (*len == 6 && !memcmp(*b, "(null)", 6))
        *len = 0;
}

static void http_tx(log_reader *r, uint64_t lineno, const char *s, const char *e)
{
    const char *u = after(s, e, url_marks, NULL), *dat, *b;
    if (!u || !(b = after(u, e, data_marks, &dat))) {
        log_note(r, lineno, "HTTP TX line without url and data");
        return;
    }
    const char *ue = dat, *bytes;
    if (after(u, dat + 1, bytes_marks, &bytes))
        ue = bytes;
    size_t len;
    body(&b, e, &len);
    log_emit_http_request(r, lineno, log_day(r), 0, u, (size_t)(ue - u), b, len);
}

static void http_rx(log_reader *r, uint64_t lineno, const char *s, const char *e)
{
    const char *c = after(s, e, rcode_marks, NULL), *b;
    if (!c || !(b = after(c, e, data_marks, NULL))) {
        log_note(r, lineno, "HTTP RX line without rcode and data");
        return;
    }
    int code = (int)log_number(c, e, NULL);
    if (code < 100 || code > 999) {
        log_note(r, lineno, "HTTP RX with rcode %d (no HTTP status): skipped", code);
        return;
    }
    size_t len;
    body(&b, e, &len);
    log_emit_http_response(r, lineno, log_day(r), 0, code, b, len);
}

static void lpac_line(log_reader *r, void *state, uint64_t lineno, const char *l, size_t n)
{
    lpac *st = state;
    const char *e = l + n, *p;
    /* the tags open the line (after whatever prefix a logger adds); an HTTP body may be MBs */
    size_t head = n < 256 ? n : 256;
    if ((p = log_find(l, head, "[APDU] [TX]"))) {
        log_count_record(r);
        apdu_tx(r, st, lineno, p + 11, e);
    } else if ((p = log_find(l, head, "[APDU] [RX]"))) {
        log_count_record(r);
        apdu_rx(r, st, lineno, p + 11, e);
    } else if ((p = log_find(l, head, "[HTTP] [TX]"))) {
        log_count_record(r);
        http_tx(r, lineno, p + 11, e);
    } else if ((p = log_find(l, head, "[HTTP] [RX]"))) {
        log_count_record(r);
        http_rx(r, lineno, p + 11, e);
    } else
        log_count_skipped(r);
}

static void lpac_finish(log_reader *r, void *state)
{
    lpac *st = state;
    if (st->pending)
        log_note(r, st->line, "log ends after this command APDU, before its response");
}

static int lpac_score(const char *l, size_t n)
{
    size_t head = n < 256 ? n : 256;
    return log_find(l, head, "[DEBUG] [APDU] [") || log_find(l, head, "[DEBUG] [HTTP] [") ? 100 : 0;
}

const log_format_ops log_lpac_ops = {ESIM_LOG_LPAC, "lpac", lpac_score, sizeof(lpac), lpac_line,
                                     lpac_finish, NULL};
