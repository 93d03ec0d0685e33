/* AT command logs of a modem driven by an LPA (3GPP TS 27.007 +CSIM, +CCHO, +CGLA, +CCHC):
 *   AT+CCHO="A0000005591010FFFFFFFF8900000100"  ->  +CCHO: 1      open a logical channel
 *   AT+CGLA=1,10,"81E2910003BF2E00"             ->  +CGLA: 8,"BF2E009000"
 *   AT+CSIM=10,"0070000001"                      ->  +CSIM: 6,"019000"
 *   AT+CCHC=1                                    ->  OK             close it
 * with whatever the logging tool writes before each line (a time stamp is taken when it has
 * one). Also the modem's own APDU log of 3GPP TS 27.007 (+CLOGSIMAPDU,
 * +CLOGBUFFSIMAPDU): "+CLOGSIMAPDUTD: SIM SLOT:1,LSI:2,TX Data APDU: 80F2000C00" and
 * "...RD: SIM SLOT:1,LSI:2,RX Data APDU: 9000", one card per SIM SLOT. +CCHO becomes MANAGE CHANNEL + SELECT of the AID on that channel (what the modem does
 * on the card); +CCHC becomes MANAGE CHANNEL close. */
#include <string.h>
#include "esim/apdu.h"
#include "log_internal.h"

enum { NONE, CCHO, CGLA, CSIM };

/* +CLOGSIMAPDU: the command waiting for its response, per slot */
typedef struct clog {
    bool pending;
    uint64_t line;
    int64_t sec;
    uint32_t nsec;
    size_t cmd_len;
    uint8_t cmd[5 + 256 + 1];
} clog;

typedef struct at {
    clog slots[ESIM_LOG_MAX_SLOTS];
    int pending;
    uint64_t line;
    int64_t sec;
    uint32_t nsec;
    unsigned channel;
    size_t cmd_len;
    uint8_t cmd[5 + 65536 + 3];
    uint8_t rsp[65536 + 2];
} at;

static void when(log_reader *r, const char *l, size_t n, int64_t *sec, uint32_t *nsec)
{
    int64_t sod, day;
    bool has_day = false;
    *nsec = 0;
    if (!log_find_time(l, n, &sod, nsec, &day, &has_day))
        sod = 0;
    *sec = (has_day ? day : log_day(r)) + sod;
}

/* The hex between the first pair of double quotes after s: byte count, -1 when malformed. */
static long quoted(const char *s, const char *e, uint8_t *out, size_t cap, size_t *digits)
{
    const char *q = memchr(s, '"', (size_t)(e - s));
    if (!q)
        return -1;
    const char *q2 = memchr(q + 1, '"', (size_t)(e - q - 1));
    if (!q2)
        return -1;
    const char *stop;
    long k = log_hex_bytes(q + 1, (size_t)(q2 - q - 1), out, cap, &stop);
    if (stop != q2)
        return -1;
    *digits = (size_t)(q2 - q - 1);
    return k;
}

static uint8_t channel_cla(uint8_t cla, unsigned ch)
{
    if (ch == 0 || esim_apdu_channel(cla) != 0)
        return cla;
    if (ch <= 3)
        return (uint8_t)((cla & 0xFC) | ch);
    return (uint8_t)((cla & 0x80 ? 0xC0 : 0x40) | ((ch - 4) & 0x0F));
}

static void emit_simple(log_reader *r, at *a, uint64_t line, const uint8_t *cmd, size_t cl,
                        const uint8_t *rsp, size_t rl)
{
    log_emit_apdu(r, 1, line, line, a->sec, a->nsec, cmd, cl, rsp, rl);
}

static void command(log_reader *r, at *a, uint64_t lineno, const char *l, size_t n,
                    const char *p, int kind)
{
    const char *e = l + n;
    if (a->pending)
        log_note(r, a->line, "AT command without a response logged after it");
    a->pending = NONE;
    a->line = lineno;
    when(r, l, n, &a->sec, &a->nsec);
    const char *v = p + 8; /* after "AT+XXXX=" */
    size_t digits = 0;
    if (kind == CCHO) {
        long k = quoted(v, e, a->cmd + 5, 16, &digits);
        if (k < 5) {
            log_note(r, lineno, "AT+CCHO without an AID of 5 to 16 bytes in quotes");
            return;
        }
        a->cmd_len = (size_t)k;
        a->pending = CCHO;
        return;
    }
    if (kind == CGLA) {
        const char *end;
        unsigned long ch = log_number(v, e, &end);
        if (end == v || ch > 19) {
            log_note(r, lineno, "AT+CGLA without a channel (session id) of 0 to 19");
            return;
        }
        a->channel = (unsigned)ch;
        v = end;
    }
    unsigned long len = log_number(v + (v < e && *v == ',' ? 1 : 0), e, NULL);
    long k = quoted(v, e, a->cmd, sizeof a->cmd, &digits);
    if (k < 4) {
        log_note(r, lineno, "%s without a command APDU in quotes", kind == CGLA ? "AT+CGLA" : "AT+CSIM");
        return;
    }
    if (len != digits)
        log_note(r, lineno, "length %lu but %zu hex digits: the digits are taken", len, digits);
    a->cmd_len = (size_t)k;
    if (kind == CGLA)
        a->cmd[0] = channel_cla(a->cmd[0], a->channel);
    a->pending = kind;
}

static void response(log_reader *r, at *a, uint64_t lineno, const char *l, size_t n,
                     const char *p, int kind)
{
    const char *e = l + n;
    if (a->pending != kind) {
        log_note(r, lineno, "%.6s response without its command before it", p);
        return;
    }
    a->pending = NONE;
    if (kind == CCHO) {
        const char *v = log_skip_ws(p + 6, e);
        const char *end;
        unsigned long ch = log_number(v, e, &end);
        if (end == v || ch < 1 || ch > 19) {
            log_note(r, lineno, "+CCHO: session id is no logical channel 1 to 19");
            return;
        }
        /* MANAGE CHANNEL open (ISO/IEC 7816-4) and SELECT by AID on it */
        static const uint8_t open[5] = {0x00, 0x70, 0x00, 0x00, 0x01};
        uint8_t orsp[3] = {(uint8_t)ch, 0x90, 0x00};
        emit_simple(r, a, a->line, open, 5, orsp, 3);
        uint8_t sel[5 + 16 + 1];
        sel[0] = channel_cla(0x00, (unsigned)ch);
        sel[1] = 0xA4;
        sel[2] = 0x04;
        sel[3] = 0x00;
        sel[4] = (uint8_t)a->cmd_len;
        memcpy(sel + 5, a->cmd + 5, a->cmd_len);
        static const uint8_t ok[2] = {0x90, 0x00};
        log_emit_apdu(r, 1, a->line, lineno, a->sec, a->nsec, sel, 5 + a->cmd_len, ok, 2);
        return;
    }
    size_t digits = 0;
    long k = quoted(p, e, a->rsp, sizeof a->rsp, &digits);
    if (k < 2) {
        log_note(r, lineno, "%.5s: response without data and status word in quotes", p);
        return;
    }
    log_emit_apdu(r, 1, a->line, lineno, a->sec, a->nsec, a->cmd, a->cmd_len, a->rsp, (size_t)k);
}

/* "+CLOG[BUFF]SIMAPDUTD/RD: SIM SLOT:<k>[,LSI:<n>],TX|RX Data APDU: <hex>" */
static void clog_line(log_reader *r, at *a, uint64_t lineno, const char *l, size_t n,
                      const char *p, bool tx)
{
    const char *e = l + n, *s = log_find(l, (size_t)(p - l), "SLOT:");
    unsigned slot = s ? (unsigned)log_number(log_skip_ws(s + 5, e), e, NULL) : 1;
    if (slot < 1 || slot > ESIM_LOG_MAX_SLOTS) {
        log_note(r, lineno, "APDU log of SIM SLOT %u: only 1 to %u are read", slot,
                 ESIM_LOG_MAX_SLOTS);
        return;
    }
    clog *c = &a->slots[slot - 1];
    uint8_t rsp[256 + 2];
    const char *v = p + 13, *stop; /* after "TX Data APDU:" */
    long k = log_hex_bytes(v, (size_t)(e - v), tx ? c->cmd : rsp, tx ? sizeof c->cmd : sizeof rsp,
                           &stop);
    if (k < 0 || log_skip_ws(stop, e) != e || (tx ? k < 4 : k < 2)) {
        log_note(r, lineno, "%s Data APDU that is no %s", tx ? "TX" : "RX",
                 tx ? "command APDU in hex" : "response with a status word in hex");
        if (!tx)
            c->pending = false;
        return;
    }
    if (tx) {
        if (c->pending)
            log_note(r, c->line, "TX Data APDU without an RX Data APDU after it");
        c->pending = true;
        c->cmd_len = (size_t)k;
        c->line = lineno;
        when(r, l, (size_t)(p - l), &c->sec, &c->nsec);
        return;
    }
    if (!c->pending) {
        log_note(r, lineno, "RX Data APDU without a TX Data APDU before it");
        return;
    }
    c->pending = false;
    log_emit_apdu(r, slot, c->line, lineno, c->sec, c->nsec, c->cmd, c->cmd_len, rsp, (size_t)k);
}

static const char *find_any(const char *l, size_t n, const char *upper, const char *lower)
{
    const char *p = log_find(l, n, upper);
    return p ? p : log_find(l, n, lower);
}

static void at_line(log_reader *r, void *state, uint64_t lineno, const char *l, size_t n)
{
    at *a = state;
    static const char *const cmds[][2] = {{"AT+CCHO=", "at+ccho="}, {"AT+CGLA=", "at+cgla="},
                                          {"AT+CSIM=", "at+csim="}, {"AT+CCHC=", "at+cchc="}};
    static const char *const rsps[] = {"+CCHO:", "+CGLA:", "+CSIM:"};
    const char *p;
    if ((p = log_find(l, n, "X Data APDU:")) && p > l && (p[-1] == 'T' || p[-1] == 'R')) {
        log_count_record(r);
        clog_line(r, a, lineno, l, n, p - 1, p[-1] == 'T');
        return;
    }
    for (int i = 0; i < 4; i++)
        if ((p = find_any(l, n, cmds[i][0], cmds[i][1]))) {
            log_count_record(r);
            if (i < 3) {
                command(r, a, lineno, l, n, p, i + 1);
                return;
            }
            unsigned long ch = log_number(p + 8, l + n, NULL);
            if (ch < 1 || ch > 19) {
                log_note(r, lineno, "AT+CCHC of no logical channel 1 to 19");
                return;
            }
            when(r, l, n, &a->sec, &a->nsec);
            const uint8_t close[4] = {0x00, 0x70, 0x80, (uint8_t)ch};
            static const uint8_t ok[2] = {0x90, 0x00};
            emit_simple(r, a, lineno, close, 4, ok, 2);
            return;
        }
    for (int i = 0; i < 3; i++)
        if ((p = log_find(l, n, rsps[i]))) {
            log_count_record(r);
            response(r, a, lineno, l, n, p, i + 1);
            return;
        }
    if (a->pending && (p = log_find(l, n, "ERROR"))) {
        log_count_record(r);
        const char *e = l + n;
        const char *s = p > l + 5 && !memcmp(p - 5, "+CME ", 5) ? p - 5 : p;
        log_note(r, lineno, "the AT command at line %llu failed: %.*s",
                 (unsigned long long)a->line, (int)(e - s > 80 ? 80 : e - s), s);
        a->pending = NONE;
        return;
    }
    log_count_skipped(r);
}

static void at_finish(log_reader *r, void *state)
{
    at *a = state;
    if (a->pending)
        log_note(r, a->line, "log ends after this AT command, before its response");
    for (unsigned i = 0; i < ESIM_LOG_MAX_SLOTS; i++)
        if (a->slots[i].pending)
            log_note(r, a->slots[i].line, "log ends after this TX Data APDU, before its response");
}

static int at_score(const char *l, size_t n)
{
    static const char *const m[] = {"AT+CGLA=", "AT+CCHO=", "AT+CSIM=", "+CGLA:", "+CSIM:",
                                    "at+cgla=", "at+csim=", "TX Data APDU:", "RX Data APDU:"};
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        if (log_find(l, n, m[i]))
            return 10;
    return 0;
}

const log_format_ops log_at_ops = {ESIM_LOG_AT, "at", at_score, sizeof(at), at_line, at_finish,
                                   NULL};
