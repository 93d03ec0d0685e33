/* T=0 TPDU assembly for logs that show the card interface byte blocks (Qualcomm 0x19B7): the
 * terminal sends the 5-byte header; the card answers with a procedure byte (ISO/IEC 7816-3 T=0
 * protocol: INS = send all remaining data / receive all; INS ^ FF = one byte; 60 = NULL, more
 * time) or directly with SW1 SW2; then the command data go out or the response data come in,
 * and SW1 SW2 end the exchange. 61xx (GET RESPONSE follows, whose data block starts with the
 * procedure byte C0) and 6Cxx (repeat with Le = xx) are left to the APDU layer, which folds
 * them. Each exchange becomes one message: header + command data + response data + SW. */
#include <string.h>
#include "log_internal.h"

enum { IDLE, HEADER, PROCEDURE, DATA_SENT };

static bool is_sw1(uint8_t b)
{
    return (b & 0xF0) == 0x90 || ((b & 0xF0) == 0x60 && b != 0x60);
}

static void start(log_t0 *t, uint64_t line, int64_t sec, uint32_t nsec, const uint8_t *hdr)
{
    t->state = HEADER;
    t->line = t->line_last = line;
    t->sec = sec;
    t->nsec = nsec;
    memcpy(t->msg, hdr, 5);
    t->cmd_len = 5;
    t->rsp_len = 0;
}

static void drop(log_reader *r, log_t0 *t, uint64_t line, const char *why)
{
    log_note(r, line, "T=0 exchange begun at line %llu (INS %02X) %s: dropped",
             (unsigned long long)t->line, t->msg[1], why);
    t->state = IDLE;
}

static void complete(log_reader *r, log_t0 *t, unsigned slot, uint64_t line)
{
    memcpy(t->msg + t->cmd_len, t->rsp, t->rsp_len);
    log_emit_t0(r, slot, t->line, line, t->sec, t->nsec, t->msg, t->cmd_len + t->rsp_len);
    t->state = IDLE;
}

static bool add_cmd(log_reader *r, log_t0 *t, uint64_t line, const uint8_t *d, size_t n)
{
    if (n > sizeof t->msg - 2 - 256 - t->cmd_len || t->cmd_len - 5 + n > 255) {
        drop(r, t, line, "sends more command data than T=0 allows");
        return false;
    }
    memcpy(t->msg + t->cmd_len, d, n);
    t->cmd_len += n;
    return true;
}

static void tx(log_reader *r, log_t0 *t, uint64_t line, int64_t sec, uint32_t nsec,
               const uint8_t *d, size_t n)
{
    size_t p3 = t->msg[4];
    if (t->state == HEADER && n && n == p3 && n != 5) {
        log_note(r, line, "command data without a procedure byte from the card after the "
                          "header at line %llu (expected %02X)",
                 (unsigned long long)t->line, t->msg[1]);
        if (add_cmd(r, t, line, d, n))
            t->state = DATA_SENT;
        return;
    }
    if (t->state == PROCEDURE && t->cmd_len - 5 + n <= p3) {
        if (add_cmd(r, t, line, d, n) && t->cmd_len - 5 >= p3)
            t->state = DATA_SENT;
        return;
    }
    if (t->state != IDLE)
        drop(r, t, line, "got no status word before the next command");
    if (n < 5) {
        log_note(r, line, "TX of %zu bytes is no command header", n);
        return;
    }
    start(t, line, sec, nsec, d);
    if (n > 5) {
        log_note(r, line, "command header and data in one TX block: no procedure byte logged");
        if (add_cmd(r, t, line, d + 5, n - 5))
            t->state = DATA_SENT;
    }
}

static void rx(log_reader *r, log_t0 *t, unsigned slot, uint64_t line, const uint8_t *d,
               size_t n)
{
    if (t->state == IDLE) {
        log_note(r, line, "RX of %zu bytes without a command before it", n);
        return;
    }
    t->line_last = line;
    size_t i = 0;
    while (i < n && d[i] == 0x60) /* NULL procedure bytes: the card asks for more time */
        i++;
    uint8_t ins = t->msg[1], one_byte = (uint8_t)(0xFFu - ins);
    /* a procedure byte: after the header, after all data, or between data sent piecewise */
    bool sending = t->state == PROCEDURE && t->cmd_len > 5;
    if (i < n && (t->state != PROCEDURE || sending) && (d[i] == ins || d[i] == one_byte)) {
        i++;
        t->state = PROCEDURE;
    }
    size_t m = n - i;
    if (!m)
        return;
    if (t->state == PROCEDURE) {
        /* response data (case 2), ending with SW1 SW2 */
        if (t->rsp_len + m > sizeof t->rsp) {
            drop(r, t, line, "returns more data than T=0 allows");
            return;
        }
        memcpy(t->rsp + t->rsp_len, d + i, m);
        t->rsp_len += m;
        if (t->rsp_len >= 2 && is_sw1(t->rsp[t->rsp_len - 2]))
            complete(r, t, slot, line);
        return;
    }
    if (m < 2 || !is_sw1(d[n - 2])) {
        if (t->state == HEADER)
            log_note(r, line, "byte %02X is neither the procedure byte (%02X) nor a status word "
                              "after the header at line %llu",
                     d[i], ins, (unsigned long long)t->line);
        else
            log_note(r, line, "answer of %zu bytes to the command at line %llu ends without a "
                              "status word", m, (unsigned long long)t->line);
        t->state = IDLE;
        return;
    }
    if (m > sizeof t->rsp) {
        drop(r, t, line, "returns more data than T=0 allows");
        return;
    }
    memcpy(t->rsp, d + i, m);
    t->rsp_len = m;
    complete(r, t, slot, line);
}

void log_t0_feed(log_reader *r, log_t0 *t, unsigned slot, uint64_t line, int64_t sec,
                 uint32_t nsec, bool is_tx, const uint8_t *d, size_t n)
{
    if (is_tx)
        tx(r, t, line, sec, nsec, d, n);
    else
        rx(r, t, slot, line, d, n);
}

void log_t0_finish(log_reader *r, log_t0 *t)
{
    if (t->state != IDLE)
        log_note(r, t->line_last, "log ends inside the T=0 exchange begun at line %llu (INS %02X)",
                 (unsigned long long)t->line, t->msg[1]);
    t->state = IDLE;
}
