/* PC/SC traces.
 * pcsc-spy (pcsc-lite): each call is a block; SCardTransmit shows the send and receive buffers
 * as hex dumps (" i  0000 00 A4 04 00 ...  ascii"), and " => " ends the call with its result:
 *   SCardTransmit
 *    i hCard: 0x0A31B2C4
 *    i bSendBuffer
 *    i  0000 81 E2 91 00 03 BF 2E 00                          ........
 *    o bRecvBuffer
 *    o  0000 BF 2E 03 ... 90 00
 *    => Command successful. (SCARD_S_SUCCESS [0x00000000])  [0.000052]
 * (newer versions say pbSendBuffer / pbRecvBuffer; calls of a second thread are indented).
 * Each hCard is a card of its own. pcsc-spy writes no absolute times.
 * Generic hex logs: one APDU per line after a direction marker: TX / RX, >> / <<,
 * "Send APDU:" / "Recv APDU:", C-APDU / R-APDU; the command line, then its response (data
 * and SW1 SW2); a time stamp before the marker is taken. */
#include <string.h>
#include "log_internal.h"

#define MAX_BUF (65536 + 2)

typedef struct spy {
    bool in_call;
    int mode;                 /* 0 none, 1 send buffer, 2 receive buffer */
    uint64_t line;
    unsigned slot;
    char cards[ESIM_LOG_MAX_SLOTS][24];
    unsigned ncards;
    size_t send_len, recv_len;
    bool bad;
    uint8_t send[MAX_BUF], recv[MAX_BUF];
} spy;

static unsigned card_of(log_reader *r, spy *s, uint64_t line, const char *h, size_t n)
{
    if (n >= sizeof s->cards[0])
        n = sizeof s->cards[0] - 1;
    for (unsigned i = 0; i < s->ncards; i++)
        if (strlen(s->cards[i]) == n && !memcmp(s->cards[i], h, n))
            return i + 1;
    if (s->ncards == ESIM_LOG_MAX_SLOTS) {
        log_note(r, line, "more than %u card handles: this one is read as the last",
                 ESIM_LOG_MAX_SLOTS);
        return ESIM_LOG_MAX_SLOTS;
    }
    memcpy(s->cards[s->ncards], h, n);
    s->cards[s->ncards][n] = 0;
    return ++s->ncards;
}

/* " i  0000 00 A4 ...": up to 16 bytes after the offset. */
static bool dump_line(const char *p, const char *e, uint8_t *out, size_t *len, size_t cap)
{
    p = log_skip_ws(p, e);
    for (int i = 0; i < 4; i++, p++)
        if (p >= e || !((*p >= '0' && *p <= '9') || (*p >= 'A' && *p <= 'F')))
            return false;
    for (int i = 0; i < 16; i++) {
        if (e - p < 3 || p[0] != ' ' || p[1] == ' ')
            break;
        uint8_t b;
        if (log_hex_bytes(p + 1, 2, &b, 1, NULL) != 1 || (e - p > 3 && p[3] != ' '))
            break;
        if (*len == cap)
            return false;
        out[(*len)++] = b;
        p += 3;
    }
    return true;
}

static void spy_line(log_reader *r, void *state, uint64_t lineno, const char *l, size_t n)
{
    spy *s = state;
    const char *e = l + n, *p = log_skip_ws(l, e), *q;
    size_t rest = (size_t)(e - p);
    if (rest >= 13 && !memcmp(p, "SCardTransmit", 13)) {
        log_count_record(r);
        if (s->in_call)
            log_note(r, s->line, "SCardTransmit without its result line");
        s->in_call = true;
        s->mode = 0;
        s->line = lineno;
        s->slot = 1;
        s->send_len = s->recv_len = 0;
        s->bad = false;
        return;
    }
    if (!s->in_call) {
        log_count_skipped(r);
        return;
    }
    log_count_record(r);
    if (rest >= 3 && (p[0] == 'i' || p[0] == 'o') && p[1] == ' ') {
        const char *v = p + 2;
        if ((q = log_find(v, (size_t)(e - v), "hCard: "))) {
            q += 7;
            s->slot = card_of(r, s, lineno, q, (size_t)(e - q));
        } else if (log_find(v, (size_t)(e - v), "SendBuffer"))
            s->mode = 1;
        else if (log_find(v, (size_t)(e - v), "RecvBuffer"))
            s->mode = 2;
        else if (s->mode && !log_find(v, (size_t)(e - v), "Length") &&
                 !log_find(v, (size_t)(e - v), "Pci") && !log_find(v, (size_t)(e - v), "NULL")) {
            bool ok = s->mode == 1 ? dump_line(v, e, s->send, &s->send_len, MAX_BUF)
                                   : dump_line(v, e, s->recv, &s->recv_len, MAX_BUF);
            if (!ok && !s->bad) {
                log_note(r, lineno, "hex dump line of the SCardTransmit at line %llu is malformed",
                         (unsigned long long)s->line);
                s->bad = true;
            }
        }
        return;
    }
    if ((q = log_find(p, rest, "=> "))) {
        s->in_call = false;
        if (!log_find(q, (size_t)(e - q), "SCARD_S_SUCCESS")) {
            log_note(r, lineno, "SCardTransmit at line %llu failed: %.*s",
                     (unsigned long long)s->line, (int)((e - q - 3) > 80 ? 80 : e - q - 3), q + 3);
            return;
        }
        if (s->bad)
            return;
        log_emit_apdu(r, s->slot, s->line, lineno, log_day(r), 0, s->send, s->send_len, s->recv,
                      s->recv_len);
    }
}

static void spy_finish(log_reader *r, void *state)
{
    spy *s = state;
    if (s->in_call)
        log_note(r, s->line, "log ends inside this SCardTransmit");
}

static int spy_score(const char *l, size_t n)
{
    if (log_find(l, n, "bSendBuffer") || log_find(l, n, "bRecvBuffer"))
        return 10;
    return log_find(l, n, "SCardTransmit") ? 2 : 0;
}

const log_format_ops log_pcsc_spy_ops = {ESIM_LOG_PCSC_SPY, "pcsc-spy", spy_score, sizeof(spy),
                                         spy_line, spy_finish, NULL};

/* ---- generic hex logs ---- */

typedef struct hexlog {
    bool pending;
    uint64_t line;
    int64_t sec;
    uint32_t nsec;
    size_t cmd_len;
    uint8_t cmd[MAX_BUF], rsp[MAX_BUF];
} hexlog;

static bool alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool at_word(const char *l, const char *p, const char *e, const char *w, size_t k)
{
    return e - p >= (long)k && !memcmp(p, w, k) && (p == l || !alnum(p[-1])) &&
           (p + k == e || !alnum(p[k]));
}

/* The first direction marker of a line, in one pass: 1 command, 2 response, 0 none; *after =
 * after it (and the separators that follow). */
static int marker(const char *l, size_t n, const char **after)
{
    const char *e = l + n;
    for (const char *p = l; p < e; p++) {
        int dir = 0;
        size_t k = 0;
        switch (*p) {
        case 'C': if (e - p >= 6 && !memcmp(p, "C-APDU", 6)) dir = 1, k = 6; break;
        case 'R':
            if (e - p >= 6 && !memcmp(p, "R-APDU", 6)) dir = 2, k = 6;
            else if (e - p >= 10 && !memcmp(p, "Recv APDU:", 10)) dir = 2, k = 10;
            else if (at_word(l, p, e, "RX", 2)) dir = 2, k = 2;
            break;
        case 'S': if (e - p >= 10 && !memcmp(p, "Send APDU:", 10)) dir = 1, k = 10; break;
        case 'T': if (at_word(l, p, e, "TX", 2)) dir = 1, k = 2; break;
        case '>': if (e - p >= 2 && p[1] == '>') dir = 1, k = 2; break;
        case '<': if (e - p >= 2 && p[1] == '<') dir = 2, k = 2; break;
        default: break;
        }
        if (!dir)
            continue;
        p += k;
        while (p < e && (*p == ':' || *p == ']' || *p == ' ' || *p == '\t' || *p == '=' ||
                         *p == '>' || *p == '-'))
            p++;
        *after = p;
        return dir;
    }
    return 0;
}

static void hex_line(log_reader *r, void *state, uint64_t lineno, const char *l, size_t n)
{
    hexlog *h = state;
    const char *e = l + n, *p, *stop;
    int dir = marker(l, n, &p);
    if (!dir) {
        log_count_skipped(r);
        return;
    }
    uint8_t *dst = dir == 1 ? h->cmd : h->rsp;
    long k = log_hex_bytes(p, (size_t)(e - p), dst, MAX_BUF, &stop);
    stop = log_skip_ws(stop, e);
    if (k <= 0 && stop == p) { /* a marker but no hex: some other line */
        log_count_skipped(r);
        return;
    }
    log_count_record(r);
    if (k < 0 || stop < e) {
        log_note(r, lineno, "%s line with %s", dir == 1 ? "command" : "response",
                 k < 0 ? "an odd hex digit count or too much data" : "a non-hex character");
        if (dir == 2)
            h->pending = false;
        return;
    }
    if (dir == 1) {
        if (h->pending)
            log_note(r, h->line, "command without a response line after it");
        int64_t sod, day;
        bool has_day = false;
        h->nsec = 0;
        if (!log_find_time(l, (size_t)(p - l), &sod, &h->nsec, &day, &has_day))
            sod = 0;
        h->sec = (has_day ? day : log_day(r)) + sod;
        h->cmd_len = (size_t)k;
        h->line = lineno;
        h->pending = true;
        return;
    }
    if (!h->pending) {
        log_note(r, lineno, "response line without a command before it");
        return;
    }
    h->pending = false;
    log_emit_apdu(r, 1, h->line, lineno, h->sec, h->nsec, h->cmd, h->cmd_len, h->rsp, (size_t)k);
}

static void hex_finish(log_reader *r, void *state)
{
    hexlog *h = state;
    if (h->pending)
        log_note(r, h->line, "log ends after this command, before its response");
}

static int hex_score(const char *l, size_t n)
{
    const char *p, *stop;
    uint8_t b[MAX_BUF];
    if (!marker(l, n, &p))
        return 0;
    long k = log_hex_bytes(p, (size_t)(l + n - p), b, sizeof b, &stop);
    return k >= 2 && log_skip_ws(stop, l + n) == l + n ? 1 : 0;
}

const log_format_ops log_hex_ops = {ESIM_LOG_HEX, "hex", hex_score, sizeof(hexlog), hex_line,
                                    hex_finish, NULL};
