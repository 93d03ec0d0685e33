/* Qualcomm QCAT "parsed message file" (first line %MOBILE PARSED MESSAGE FILE): each record
 * starts with a header line
 *   2026 Mar 02  09:00:01.123  [5C]  0x19B7  UIM APDU
 * followed by "Key = value" lines (Sequence Number, Slot Id = SLOT_1, Message Type = TX|RX,
 * TX Data = { ... } / RX Data = { ... }) and QCAT's own "APDU Parsing" text, which is skipped.
 * Records of other log items are skipped. Sequence numbers that jump reveal lost records. */
#include <stddef.h>
#include <string.h>
#include "log_internal.h"

typedef struct qcat {
    log_t0 slots[ESIM_LOG_MAX_SLOTS];
    log_block blk;
    bool in_record, parsing_text, have_seq, have_type;
    uint64_t seq, seq_line;
} qcat;

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* "YYYY Mon DD  HH:MM:SS.mmm": midnight of the date; false when the line is no record header. */
static bool header(const char *l, size_t n, int64_t *day)
{
    if (n < 20)
        return false;
    for (int i = 0; i < 4; i++)
        if (l[i] < '0' || l[i] > '9')
            return false;
    if (l[4] != ' ')
        return false;
    const char *m = NULL;
    for (int i = 0; i < 12 && !m; i++)
        if (!memcmp(l + 5, months + 3 * i, 3))
            m = months + 3 * i;
    if (!m || l[8] != ' ')
        return false;
    const char *p = l + 9, *e = l + n;
    while (p < e && *p == ' ')
        p++;
    unsigned d = 0;
    while (p < e && *p >= '0' && *p <= '9' && d < 100)
        d = d * 10 + (unsigned)(*p++ - '0');
    if (d < 1 || d > 31)
        return false;
    int y = (l[0] - '0') * 1000 + (l[1] - '0') * 100 + (l[2] - '0') * 10 + (l[3] - '0');
    *day = log_days_from_civil(y, (unsigned)((m - months) / 3 + 1), d) * 86400;
    return true;
}

/* "Key = value" with the key at the start of the line (after blanks): the value, or NULL. */
static const char *key(const char *l, const char *e, const char *k)
{
    const char *p = log_skip_ws(l, e);
    size_t kl = strlen(k);
    if ((size_t)(e - p) < kl || memcmp(p, k, kl))
        return NULL;
    p = log_skip_ws(p + kl, e);
    return p < e && *p == '=' ? p + 1 : NULL;
}

static void record_start(log_reader *r, qcat *q, uint64_t lineno, const char *l, size_t n,
                         int64_t day)
{
    if (q->blk.open) {
        log_note(r, lineno, "data block of the record at line %llu has no closing brace",
                 (unsigned long long)q->blk.line);
        q->blk.open = false;
    }
    q->in_record = log_find(l, n, "0x19B7") != NULL;
    q->parsing_text = false;
    q->have_type = false;
    if (!q->in_record) {
        log_count_skipped(r);
        return;
    }
    log_count_record(r);
    log_block *b = &q->blk;
    memset(b, 0, offsetof(log_block, d));
    b->line = lineno;
    b->slot = 1;
    int64_t sod = 0;
    if (!log_find_time(l, n, &sod, &b->nsec, NULL, NULL))
        log_note(r, lineno, "0x19B7 record header without a time");
    b->sec = day + sod;
}

static void qcat_line(log_reader *r, void *state, uint64_t lineno, const char *l, size_t n)
{
    qcat *q = state;
    const char *e = l + n, *v;
    int64_t day;
    if (header(l, n, &day)) {
        record_start(r, q, lineno, l, n, day);
        return;
    }
    if (!q->in_record || q->parsing_text) {
        log_count_skipped(r);
        return;
    }
    log_count_record(r);
    log_block *b = &q->blk;
    if (b->open) {
        log_block_data(r, b, q->slots, lineno, l, e, true);
        return;
    }
    if ((v = key(l, e, "Sequence Number"))) {
        uint64_t s = 0;
        v = log_skip_ws(v, e);
        while (v < e && *v >= '0' && *v <= '9' && s < (1ull << 60))
            s = s * 10 + (uint64_t)(*v++ - '0');
        if (q->have_seq && s != q->seq + 1 && !(s == 0 && q->seq == 0xFFFF))
            log_note(r, lineno, "sequence number %llu follows %llu (line %llu): %s",
                     (unsigned long long)s, (unsigned long long)q->seq,
                     (unsigned long long)q->seq_line,
                     s > q->seq ? "records were lost in between" : "records out of order");
        q->seq = s;
        q->seq_line = lineno;
        q->have_seq = true;
    } else if ((v = key(l, e, "Slot Id")) || (v = key(l, e, "Slot"))) {
        unsigned k = log_slot_number(v, (size_t)(e - v));
        if (!k) { /* "Slot Id = 0" style: 0-based */
            const char *p = log_skip_ws(v, e);
            if (p < e && *p >= '0' && *p <= '9')
                k = (unsigned)(*p - '0') + 1;
        }
        b->slot = k;
    } else if ((v = key(l, e, "Message Type"))) {
        v = log_skip_ws(v, e);
        if (e - v >= 2 && (!memcmp(v, "TX", 2) || !memcmp(v, "RX", 2))) {
            b->tx = v[0] == 'T';
            q->have_type = true;
        } else
            log_note(r, lineno, "Message Type is neither TX nor RX");
    } else if ((v = key(l, e, "TX Data")) || (v = key(l, e, "RX Data")) ||
               (v = key(l, e, "Data"))) {
        const char *k = log_skip_ws(l, e);
        if (*k == 'T' || *k == 'R') {
            bool tx = *k == 'T';
            if (q->have_type && tx != b->tx)
                log_note(r, lineno, "%s Data in a record of Message Type %s", tx ? "TX" : "RX",
                         b->tx ? "TX" : "RX");
            b->tx = tx;
            q->have_type = true;
        }
        if (!q->have_type) {
            log_note(r, lineno, "data of a 0x19B7 record without a Message Type");
            return;
        }
        log_block_data(r, b, q->slots, lineno, v, e, false);
    } else if (log_find(l, n, "APDU Parsing"))
        q->parsing_text = true;
}

static void qcat_finish(log_reader *r, void *state)
{
    qcat *q = state;
    if (q->blk.open)
        log_note(r, q->blk.line, "log ends inside the data block of this record");
    for (unsigned i = 0; i < ESIM_LOG_MAX_SLOTS; i++)
        log_t0_finish(r, &q->slots[i]);
}

static int qcat_score(const char *l, size_t n)
{
    if (log_find(l, n < 64 ? n : 64, "%MOBILE PARSED MESSAGE FILE"))
        return 100;
    int64_t day;
    if (header(l, n, &day) && log_find(l, n, "0x19B7"))
        return 10;
    return 0;
}

const log_format_ops log_qcat_ops = {ESIM_LOG_QCAT, "qcat", qcat_score, sizeof(qcat), qcat_line,
                                     qcat_finish, NULL};
