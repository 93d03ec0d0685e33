/* Logs from a transcript (render_log.h). Each format's lines are shaped after the tool that
 * writes them (lib/capture/log_*.c reads them back). */
#include "render_log.h"
#include "card_apdu.h"
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef enum { F_QXDM, F_QCAT, F_LPAC, F_AT, F_SPY, F_HEX, F_COUNT } fmt;
static const char *const ext[F_COUNT] = {"qxdm.txt", "qcat.txt", "lpac.log", "at.log",
                                        "pcsc-spy.log", "hex.log"};

typedef struct w {
    FILE *f;
    fmt k;
    uint64_t us;              /* clock */
    unsigned seq;             /* QCAT sequence number / QXDM record counter */
    unsigned n;               /* exchanges written (for the interleaved lines) */
    unsigned channel;         /* AT: the channel CCHO opened */
} w;

static void hex(FILE *f, const uint8_t *d, size_t n, const char *sep)
{
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%02X", i ? sep : "", d[i]);
}

static void hms(w *x, char *out, size_t cap, int frac_digits)
{
    time_t s = (time_t)(x->us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    unsigned frac = (unsigned)(x->us % 1000000);
    if (frac_digits == 3)
        snprintf(out, cap, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec, frac / 1000);
    else
        snprintf(out, cap, "%02d:%02d:%02d.%06u", tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* ---- Qualcomm 0x19B7 records (T=0 blocks) ---- */

static void record(w *x, unsigned slot, bool tx, const uint8_t *d, size_t n)
{
    char t[32];
    x->us += tx ? 900 : 2100;
    if (x->k == F_QXDM) {
        hms(x, t, sizeof t, 6);
        fprintf(x->f, "[0x19B7]  %s  UIM APDU  %zu  SLOT_%u  Type = %s  Data = ", t, n, slot,
                tx ? "TX" : "RX");
        if (n == 1) { /* a lone procedure byte: no braces */
            fprintf(x->f, "%02X\n", d[0]);
            return;
        }
        fputs("{ ", x->f);
        for (size_t i = 0; i < n; i += 32) {
            if (i)
                fputs("\n                ", x->f);
            hex(x->f, d + i, n - i > 32 ? 32 : n - i, " ");
        }
        fputs(" }\n", x->f);
        return;
    }
    time_t s = (time_t)(x->us / 1000000);
    struct tm tm;
    gmtime_r(&s, &tm);
    char date[32];
    strftime(date, sizeof date, "%Y %b %d", &tm);
    hms(x, t, sizeof t, 3);
    fprintf(x->f, "%s  %s  [%02X]  0x19B7  UIM APDU\n", date, t, 0x40 + (x->seq & 0x3F));
    fprintf(x->f, "Sequence Number = %u\nSlot Id = SLOT_%u\nMessage Type = %s\n%s Data = { ",
            x->seq++, slot, tx ? "TX" : "RX", tx ? "TX" : "RX");
    for (size_t i = 0; i < n; i += 16) {
        if (i)
            fputs("\n            ", x->f);
        hex(x->f, d + i, n - i > 16 ? 16 : n - i, " ");
    }
    fputs(" }\nAPDU Parsing\n", x->f);
    if (tx && n >= 5)
        fprintf(x->f, "   Command: CLA 0x%02X INS 0x%02X P1 0x%02X P2 0x%02X P3 %u\n", d[0], d[1],
                d[2], d[3], d[4]);
    else
        fprintf(x->f, "   Response: %zu bytes\n", n);
    fputc('\n', x->f);
}

/* One TPDU: header; procedure byte and data out, or procedure byte + data in; SW. */
static void tpdu(w *x, unsigned slot, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    record(x, slot, true, cmd, 5);
    uint8_t buf[300];
    bool slow = cmd[1] == 0xE2 && cmd[2] == 0x91; /* the card asks for time: NULL bytes */
    if (n > 5) {
        record(x, slot, false, cmd + 1, 1);
        record(x, slot, true, cmd + 5, n - 5);
        size_t k = 0;
        if (slow)
            buf[k++] = 0x60;
        memcpy(buf + k, rsp, rn);
        record(x, slot, false, buf, k + rn);
    } else if (rn > 2) {
        buf[0] = cmd[1];
        memcpy(buf + 1, rsp, rn);
        record(x, slot, false, buf, rn + 1);
    } else
        record(x, slot, false, rsp, rn);
    /* the phone's other SIM, in SLOT_2, polled now and then */
    if (++x->n % 7 == 0) {
        static const uint8_t status[5] = {0x80, 0xF2, 0x00, 0x0C, 0x00}, ok[2] = {0x90, 0x00};
        record(x, 2, true, status, 5);
        record(x, 2, false, ok, 2);
    }
    if (x->n % 5 == 0 && x->k == F_QXDM) {
        char t[32];
        hms(x, t, sizeof t, 6);
        fprintf(x->f, "[0xB0C0]  %s  LTE RRC OTA Packet  --  DL_DCCH / RRCConnectionReconfiguration\n", t);
    }
    if (x->n % 5 == 0 && x->k == F_QCAT) {
        time_t s = (time_t)(x->us / 1000000);
        struct tm tm;
        gmtime_r(&s, &tm);
        char date[32], t[32];
        strftime(date, sizeof date, "%Y %b %d", &tm);
        hms(x, t, sizeof t, 3);
        fprintf(x->f, "%s  %s  [00]  0xB0C0  LTE RRC OTA Packet  --  DL_DCCH\nPkt Version = 27\n"
                      "RRC Release Number.Major.minor = 15.9.0\n\n", date, t);
    }
}

/* ---- APDU-level logs ---- */

static void apdu_line(w *x, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    char t[32];
    x->us += 1500;
    hms(x, t, sizeof t, 3);
    switch (x->k) {
    case F_LPAC: {
        size_t lc = n > 5 ? cmd[4] : 0;
        fprintf(x->f, "[DEBUG] [APDU] [TX] CLA: %02X, INS: %02X, P1: %02X, P2: %02X, Lc: %02zX, Data:",
                cmd[0], cmd[1], cmd[2], cmd[3], lc);
        for (size_t i = 5; i < n; i++)
            fprintf(x->f, " %02X", cmd[i]);
        if (n == 5) /* case 2: Le */
            fprintf(x->f, " %02X", cmd[4]);
        fprintf(x->f, "\n[DEBUG] [APDU] [RX] SW1: %02X, SW2: %02X, Data:", rsp[rn - 2], rsp[rn - 1]);
        for (size_t i = 0; i + 2 < rn; i++)
            fprintf(x->f, " %02X", rsp[i]);
        fputc('\n', x->f);
        return;
    }
    case F_AT: {
        bool open = cmd[1] == 0x70 && cmd[2] == 0x00, sel = cmd[1] == 0xA4 && cmd[2] == 0x04;
        bool close = cmd[1] == 0x70 && cmd[2] == 0x80;
        unsigned ch = cmd[0] & 0x03;
        if (open) { /* the modem opens the channel with +CCHO, below */
            x->channel = rsp[0];
            return;
        }
        if (sel && ch && ch == x->channel && n > 5) {
            fprintf(x->f, "Mar 02 %s host ModemManager[812]: [modem0/ttyUSB2/at] --> 'AT+CCHO=\"", t);
            hex(x->f, cmd + 5, cmd[4], "");
            fprintf(x->f, "\"<CR>'\nMar 02 %s host ModemManager[812]: [modem0/ttyUSB2/at] <-- "
                          "'<CR><LF>+CCHO: %u<CR><LF><CR><LF>OK<CR><LF>'\n", t, ch);
            return;
        }
        if (close) {
            fprintf(x->f, "Mar 02 %s host ModemManager[812]: [modem0/ttyUSB2/at] --> 'AT+CCHC=%u<CR>'\n"
                          "Mar 02 %s host ModemManager[812]: [modem0/ttyUSB2/at] <-- '<CR><LF>OK<CR><LF>'\n",
                    t, cmd[3], t);
            return;
        }
        fprintf(x->f, "Mar 02 %s host ModemManager[812]: [modem0/ttyUSB2/at] --> ", t);
        if (ch)
            fprintf(x->f, "'AT+CGLA=%u,%zu,\"", ch, 2 * n);
        else
            fprintf(x->f, "'AT+CSIM=%zu,\"", 2 * n);
        hex(x->f, cmd, n, "");
        fprintf(x->f, "\"<CR>'\nMar 02 %s host ModemManager[812]: [modem0/ttyUSB2/at] <-- '<CR><LF>+%s: %zu,\"",
                t, ch ? "CGLA" : "CSIM", 2 * rn);
        hex(x->f, rsp, rn, "");
        fputs("\"<CR><LF><CR><LF>OK<CR><LF>'\n", x->f);
        return;
    }
    case F_SPY: {
        fprintf(x->f, "SCardTransmit\n i hCard: 0x2A1B3C4D\n i pioSendPci\n i    dwProtocol: 2, "
                      "cbPciLength: 8\n i bSendLength 0x%04zX (%zu)\n i pbSendBuffer\n", n, n);
        const uint8_t *bufs[2] = {cmd, rsp};
        size_t lens[2] = {n, rn};
        for (int b = 0; b < 2; b++) {
            char io = b ? 'o' : 'i';
            if (b)
                fprintf(x->f, " o pioRecvPci\n o    dwProtocol: 2, cbPciLength: 8\n"
                              " o bRecvLength 0x%04zX (%zu)\n o pbRecvBuffer\n", rn, rn);
            for (size_t off = 0; off < lens[b]; off += 16) {
                size_t k = lens[b] - off > 16 ? 16 : lens[b] - off;
                fprintf(x->f, " %c  %04zX ", io, off);
                hex(x->f, bufs[b] + off, k, " ");
                fprintf(x->f, "%*s ", (int)(3 * (16 - k)), "");
                for (size_t i = 0; i < k; i++) {
                    uint8_t c = bufs[b][off + i];
                    fputc(c > 31 && c < 127 ? c : '.', x->f);
                }
                fputc('\n', x->f);
            }
        }
        fprintf(x->f, " => Command successful. (SCARD_S_SUCCESS [0x00000000])  [0.%09u]\n",
                (unsigned)(x->n * 7919 % 90000 + 30000));
        x->n++;
        return;
    }
    case F_HEX:
        fprintf(x->f, "2026-03-02 %s >> ", t);
        hex(x->f, cmd, n, " ");
        fprintf(x->f, "\n2026-03-02 %s << ", t);
        hex(x->f, rsp, rn, " ");
        fputc('\n', x->f);
        if (++x->n % 6 == 0)
            fprintf(x->f, "2026-03-02 %s reader: card present, T=1, IFSC 254\n", t);
        return;
    default:
        return;
    }
}

static void exchange(w *x, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    if (x->k == F_QXDM || x->k == F_QCAT)
        tpdu(x, 1, cmd, n, rsp, rn);
    else
        apdu_line(x, cmd, n, rsp, rn);
}

static void log_out(void *ctx, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    exchange(ctx, cmd, n, rsp, rn);
}

/* As render.c: T=0 (QXDM/QCAT) answers with 61xx + GET RESPONSE; the APDU-level logs get up to
 * 256 response bytes at once, and write a case 1 command with an Le of 00. */
static sg_card_out log_card(w *x)
{
    return (sg_card_out){.exchange = log_out, .ctx = x,
                         .t0 = x->k == F_QXDM || x->k == F_QCAT, .case1_p3 = true};
}

/* The body of an HTTP message (after the head), without chunked transfer coding (RFC 9112
 * 7.1): lpac logs what curl handed it. */
static GString *unchunk(const char *head, const char *b, const char *end)
{
    GString *o = g_string_new(NULL);
    if (!g_strstr_len(head, b - head, "Transfer-Encoding: chunked")) {
        g_string_append_len(o, b, end - b);
        return o;
    }
    while (b < end) {
        char *next;
        unsigned long n = strtoul(b, &next, 16);
        const char *crlf = g_strstr_len(next, end - next, "\r\n");
        if (!n || !crlf || (size_t)(end - crlf - 2) < n)
            break;
        g_string_append_len(o, crlf + 2, (gssize)n);
        b = crlf + 2 + n + 2;
    }
    return o;
}

/* lpac: the URL and the JSON bodies of one exchange (the ASN.1 binding is not logged as text). */
static void http(w *x, const sg_ev *e)
{
    const char *req = (const char *)e->cmd, *rend = req + e->cmd_len;
    const char *sp = memchr(req, ' ', e->cmd_len), *sp2 = sp ? memchr(sp + 1, ' ', (size_t)(rend - sp - 1)) : NULL;
    const char *host = g_strstr_len(req, (gssize)e->cmd_len, "Host: ");
    const char *body = g_strstr_len(req, (gssize)e->cmd_len, "\r\n\r\n");
    const char *rs = (const char *)e->rsp, *rsend = rs + e->rsp_len;
    const char *rbody = g_strstr_len(rs, (gssize)e->rsp_len, "\r\n\r\n");
    if (!sp || !sp2 || !host || !body || !rbody || e->rsp_len < 12)
        return;
    const char *hend = strstr(host, "\r\n");
    body += 4;
    rbody += 4;
    fprintf(x->f, "[DEBUG] [HTTP] [TX] url: https://%.*s%.*s, data: %.*s\n", (int)(hend - host - 6),
            host + 6, (int)(sp2 - sp - 1), sp + 1, (int)(rend - body), body);
    GString *rb = unchunk(rs, rbody, rsend);
    fprintf(x->f, "[DEBUG] [HTTP] [RX] rcode: %d, data: %s\n", atoi(rs + 9), rb->str);
    g_string_free(rb, TRUE);
    fprintf(x->f, "{\"type\":\"progress\",\"payload\":{\"code\":0,\"message\":\"http\",\"data\":null}}\n");
}

static int write_one(const sg_transcript *t, const char *path, fmt k, uint64_t t0_us)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    w x = {.f = f, .k = k, .us = t0_us, .seq = 4180};
    if (k == F_QCAT)
        fprintf(f, "%%MOBILE PARSED MESSAGE FILE\n%%QCAT VERSION       : QCAT 07.01.170\n"
                   "%%CREATED ON         : Mon Mar 02 09:30:00 2026\n\n");
    if (k == F_SPY)
        fprintf(f, "SCardConnect\n i hContext: 0x1E2D3C4B\n i szReader eSIM reader 00 00\n"
                   " i dwShareMode: SCARD_SHARE_SHARED (0x00000002)\n"
                   " o dwActiveProtocol: T=1 (0x00000002)\n"
                   " => Command successful. (SCARD_S_SUCCESS [0x00000000])  [0.002311]\n");
    bool asn1 = false;
    sg_card_out card = log_card(&x);
    for (size_t i = 0; i < t->n; i++) {
        const sg_ev *e = &t->ev[i];
        switch (e->kind) {
        case SG_EV_APDU:
            sg_card_apdu(&card, e->hdr, e->cmd, e->cmd_len, e->want_data, e->rsp, e->rsp_len,
                         e->sw);
            break;
        case SG_EV_ES10:
            sg_card_es10(&card, e, t->channel);
            break;
        case SG_EV_HTTP:
            if (k == F_LPAC && e->cmd_len && !g_strstr_len((const char *)e->cmd, (gssize)e->cmd_len,
                                                           "application/x-gsma-rsp-asn1"))
                http(&x, e);
            else
                asn1 = true;
            break;
        default:
            break;
        }
    }
    (void)asn1;
    return fclose(f) != 0;
}

int sg_render_logs(const sg_transcript *t, const char *dir, const char *base, uint64_t t0_us)
{
    int failures = 0;
    for (int k = 0; k < F_COUNT; k++) {
        char *name = g_strdup_printf("%s.%s", base, ext[k]);
        char *path = g_build_filename(dir, name, NULL);
        if (write_one(t, path, (fmt)k, t0_us) != 0) {
            fprintf(stderr, "esim-samplegen: cannot write %s\n", path);
            failures++;
        }
        g_free(name);
        g_free(path);
    }
    return failures;
}
