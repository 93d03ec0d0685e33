/* Qualcomm QXDM text of log item 0x19B7 "UIM APDU", one record per line:
 *   [0x19B7]  12:00:01.123456  UIM APDU  <n>  SLOT_1  Type = TX  Data = { 80 E2 91 00 03 }
 * (the braces may continue over the next lines; a lone procedure byte has no braces:
 * "Data = E2"). Times have no date: --date gives it. Other log items are skipped. */
#include <stddef.h>
#include <string.h>
#include "log_internal.h"

typedef struct qxdm {
    log_t0 slots[ESIM_LOG_MAX_SLOTS];
    log_block blk;
    int64_t last_sod, days; /* times without a date: a step back of over 12 h is midnight */
} qxdm;

unsigned log_slot_number(const char *s, size_t n)
{
    const char *p = log_find(s, n, "SLOT_");
    if (!p)
        return 0;
    unsigned k = 0;
    for (p += 5; p < s + n && *p >= '0' && *p <= '9' && k < 1000; p++)
        k = k * 10 + (unsigned)(*p - '0');
    return k;
}

static void deliver(log_reader *r, log_block *b, log_t0 *slots)
{
    b->open = false;
    if (b->bad)
        return;
    if (!b->slot || b->slot > ESIM_LOG_MAX_SLOTS) {
        log_note(r, b->line, "APDU record of slot %u: only SLOT_1 to SLOT_%u are read", b->slot,
                 ESIM_LOG_MAX_SLOTS);
        return;
    }
    if (!b->n) {
        log_note(r, b->line, "APDU record with no data bytes");
        return;
    }
    log_t0_feed(r, &slots[b->slot - 1], b->slot, b->line, b->sec, b->nsec, b->tx, b->d, b->n);
}

void log_block_data(log_reader *r, log_block *b, log_t0 *slots, uint64_t line, const char *s,
                    const char *e, bool cont)
{
    s = log_skip_ws(s, e);
    if (!cont) {
        b->n = 0;
        b->bad = false;
        if (s < e && *s == '{') {
            s++;
            b->open = true;
        }
    }
    const char *stop;
    long k = log_hex_bytes(s, (size_t)(e - s), b->d + b->n, sizeof b->d - b->n, &stop);
    if (k < 0) {
        log_note(r, line, "data block of the record at line %llu: odd hex digit count or more "
                          "than %zu bytes", (unsigned long long)b->line, sizeof b->d);
        b->bad = true;
    } else
        b->n += (size_t)k;
    stop = log_skip_ws(stop, e);
    if (!b->open) {
        if (stop < e && !b->bad) {
            log_note(r, line, "non-hex character '%c' in the data of the record at line %llu",
                     *stop, (unsigned long long)b->line);
            b->bad = true;
        }
        deliver(r, b, slots);
        return;
    }
    if (stop < e && *stop == '}') {
        deliver(r, b, slots);
        return;
    }
    if (stop < e && !b->bad) {
        log_note(r, line, "non-hex character '%c' in the data block of the record at line %llu",
                 *stop, (unsigned long long)b->line);
        b->bad = true;
    }
    if (b->bad && memchr(stop, '}', (size_t)(e - stop))) /* the broken block ends here */
        deliver(r, b, slots);
}

static void qxdm_line(log_reader *r, void *state, uint64_t lineno, const char *l, size_t n)
{
    qxdm *q = state;
    const char *e = l + n;
    if (q->blk.open) {
        /* a new record line ends a block whose closing brace is missing */
        if (!log_find(l, n, "0x19B7")) {
            log_count_record(r);
            log_block_data(r, &q->blk, q->slots, lineno, l, e, true);
            return;
        }
        log_note(r, lineno, "data block of the record at line %llu has no closing brace",
                 (unsigned long long)q->blk.line);
        q->blk.bad = true;
        q->blk.open = false;
    }
    const char *tag = log_find(l, n, "0x19B7");
    if (!tag) {
        log_count_skipped(r);
        return;
    }
    log_count_record(r);
    log_block *b = &q->blk;
    memset(b, 0, offsetof(log_block, d));
    b->line = lineno;
    int64_t sod = 0, day = 0;
    bool has_day = false;
    if (!log_find_time(l, n, &sod, &b->nsec, &day, &has_day))
        log_note(r, lineno, "0x19B7 record without a time");
    if (!has_day && sod + 43200 < q->last_sod)
        q->days++;
    if (!has_day)
        q->last_sod = sod;
    b->sec = (has_day ? day : log_day(r) + q->days * 86400) + sod;
    b->slot = log_slot_number(l, n);
    const char *type = log_find(l, n, "Type");
    const char *data = log_find(l, n, "Data");
    const char *eq = data ? memchr(data, '=', (size_t)(e - data)) : NULL;
    if (!type || !data || !eq) {
        log_note(r, lineno, "0x19B7 record without %s", !type ? "Type = TX|RX" : "Data = ...");
        return;
    }
    const char *tv = log_skip_ws(type + 4, e);
    if (tv < e && *tv == '=')
        tv = log_skip_ws(tv + 1, e);
    if (e - tv >= 2 && (!memcmp(tv, "TX", 2) || !memcmp(tv, "RX", 2)))
        b->tx = tv[0] == 'T';
    else {
        log_note(r, lineno, "0x19B7 record whose Type is neither TX nor RX");
        return;
    }
    if (!b->slot)
        b->slot = 1; /* single-SIM devices may log no slot */
    log_block_data(r, b, q->slots, lineno, eq + 1, e, false);
}

static void qxdm_finish(log_reader *r, void *state)
{
    qxdm *q = state;
    if (q->blk.open)
        log_note(r, q->blk.line, "log ends inside the data block of this record");
    for (unsigned i = 0; i < ESIM_LOG_MAX_SLOTS; i++)
        log_t0_finish(r, &q->slots[i]);
}

static int qxdm_score(const char *l, size_t n)
{
    const char *p = log_find(l, n < 40 ? n : 40, "[0x19B7]");
    return p && log_find(l, n, "UIM APDU") ? 10 : 0;
}

const log_format_ops log_qxdm_ops = {ESIM_LOG_QXDM, "qxdm", qxdm_score, sizeof(qxdm),
                                     qxdm_line, qxdm_finish, NULL};
