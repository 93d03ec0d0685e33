/* Private to lib/capture/log_*.c: the log reader (line source, per-format parser, queue of the
 * packets made from the lines) and the helpers the format parsers share. */
#ifndef ESIM_LOG_INTERNAL_H
#define ESIM_LOG_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "capture_internal.h"
#include "esim/log.h"

typedef struct log_reader log_reader;

/* One format: a parser fed line by line (line without its end-of-line, not NUL-terminated). */
typedef struct log_format_ops {
    esim_log_format id;
    const char *name;
    /* how strongly a line marks this format: 0 not at all, 1 typical, 100 unmistakable */
    int (*score)(const char *line, size_t n);
    size_t state_size;
    void (*line)(log_reader *r, void *state, uint64_t lineno, const char *line, size_t n);
    void (*finish)(log_reader *r, void *state);  /* end of input (may be NULL) */
    void (*free)(void *state);                   /* may be NULL */
} log_format_ops;

extern const log_format_ops log_qxdm_ops, log_qcat_ops, log_lpac_ops, log_at_ops,
    log_pcsc_spy_ops, log_hex_ops;
const log_format_ops *log_format_find(esim_log_format f);

/* ---- output of the parsers ---- */

/* A T=0 exchange as SIMtrace shows it: 5-byte header, command data, response data, SW1 SW2. */
void log_emit_t0(log_reader *r, unsigned slot, uint64_t line, uint64_t line_last, int64_t sec,
                 uint32_t nsec, const uint8_t *msg, size_t len);
/* A command APDU (ISO 7816-3 cases 1-4, short) and its response (data + SW1 SW2), made into
 * the T=0 form; extended lengths become a note. */
void log_emit_apdu(log_reader *r, unsigned slot, uint64_t line, uint64_t line_last, int64_t sec,
                   uint32_t nsec, const uint8_t *cmd, size_t cmd_len, const uint8_t *rsp,
                   size_t rsp_len);
/* An HTTP request (url = "https://host/path") or response (status) of the LPA, with its body,
 * as one exchange on a synthetic TCP connection (request and response on the same one). */
void log_emit_http_request(log_reader *r, uint64_t line, int64_t sec, uint32_t nsec,
                           const char *url, size_t url_len, const char *body, size_t body_len);
void log_emit_http_response(log_reader *r, uint64_t line, int64_t sec, uint32_t nsec, int status,
                            const char *body, size_t body_len);
/* A malformed or inconsistent line: becomes a note packet (a warning finding downstream). */
void log_note(log_reader *r, uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The line carried (part of) a record / was of other content. */
void log_count_record(log_reader *r);
void log_count_skipped(log_reader *r);
int64_t log_day(const log_reader *r);

/* ---- text helpers (log_text.c) ---- */

/* First occurrence of needle (NUL-terminated) in s[0..n), or NULL. */
const char *log_find(const char *s, size_t n, const char *needle);
/* Hex bytes "00 A4 04", "00A404", "0x00, 0xA4" (separators: spaces, tabs, commas, colons;
 * optional 0x prefixes) from s[0..n) into out. Stops at the first character that is none of
 * these. Returns the byte count, -1 on an odd digit run / overflow of cap; *end (optional) is
 * where it stopped. */
long log_hex_bytes(const char *s, size_t n, uint8_t *out, size_t cap, const char **end);
/* "HH:MM:SS", optionally ".fraction", anywhere in s[0..n): seconds of the day and nanoseconds.
 * Returns false when there is none. A "YYYY-MM-DD" or "YYYY/MM/DD" right before it sets
 * *day (midnight UTC, epoch seconds) and *has_day. */
bool log_find_time(const char *s, size_t n, int64_t *sod, uint32_t *nsec, int64_t *day,
                   bool *has_day);
/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
int64_t log_days_from_civil(int64_t y, unsigned m, unsigned d);
/* A decimal number at s (bounded by e; the lines are not NUL-terminated); *end (optional) after
 * its digits (== s when there are none). Saturates at ULONG_MAX / 10. */
unsigned long log_number(const char *s, const char *e, const char **end);
/* Skips spaces and tabs. */
const char *log_skip_ws(const char *s, const char *end);

/* ---- T=0 TPDU assembly (log_t0.c) for logs at the T=0 level (QXDM, QCAT) ---- */

typedef struct log_t0 {
    int state;                /* 0 idle, 1 header sent, 2 procedure byte seen, 3 data sent */
    uint64_t line, line_last;
    int64_t sec;
    uint32_t nsec;
    size_t cmd_len, rsp_len;  /* header + command data; response data */
    uint8_t rsp[256 + 2 + 64];
    uint8_t msg[5 + 255 + 256 + 2 + 64];
} log_t0;

/* One TX (terminal to card) or RX (card to terminal) block of slot. */
void log_t0_feed(log_reader *r, log_t0 *t, unsigned slot, uint64_t line, int64_t sec,
                 uint32_t nsec, bool tx, const uint8_t *d, size_t n);
/* End of input: an exchange still open is a note. */
void log_t0_finish(log_reader *r, log_t0 *t);

/* ---- 0x19B7 data blocks shared by QXDM and QCAT (log_qxdm.c) ---- */

/* One TX or RX record: "Data = { 00 A4 04 00 10 }" (the braces may span lines) or a lone
 * byte "Data = 51". */
typedef struct log_block {
    bool open;                /* inside braces: the next lines continue it */
    bool tx, bad;
    unsigned slot;            /* 1-based */
    uint64_t line;
    int64_t sec;
    uint32_t nsec;
    size_t n;
    uint8_t d[1100];
} log_block;

/* Parses the value of a Data key, s..e after the '=' (cont: a continuation line inside the
 * braces). When the block is complete (or broken), it goes to the slot's T=0 assembly. */
void log_block_data(log_reader *r, log_block *b, log_t0 *slots, uint64_t line, const char *s,
                    const char *e, bool cont);
/* "SLOT_<k>" in s..e: k (1-based), 0 when absent. */
unsigned log_slot_number(const char *s, size_t n);

/* ---- the reader (log_reader.c), used by capture.c ---- */

/* Takes over reading c: detection already happened (format != AUTO). */
log_reader *log_reader_new(esim_capture *c, esim_log_format f, esim_capture_opts *o,
                           esim_error *err);
int log_reader_next(log_reader *r, esim_packet *pkt, esim_error *err);
void log_reader_free(log_reader *r);
/* Format of the first bytes of c (peeked, not consumed). */
esim_log_format log_reader_detect(esim_capture *c, esim_error *err);
#endif
