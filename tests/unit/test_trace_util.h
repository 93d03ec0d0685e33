/* Builders of synthetic eSIM captures for the trace tests (header-only): DER from hex pieces
 * with computed lengths, ES10 exchanges as GSMTAP-SIM T=0 messages on the ISD-R channel, and
 * ES9+ JSON over HTTP/1.1 on TCP. Everything goes into one Ethernet pcap. */
#ifndef ESIM_TEST_TRACE_UTIL_H
#define ESIM_TEST_TRACE_UTIL_H
#include <glib.h>
#include <stdarg.h>
#include "esim/apdu.h"
#include "esim/capture.h"
#include "test_capture_util.h"

/* ---- DER from hex strings; results live in an arena freed by der_free_all ---- */
static GPtrArray *der_arena;

static const char *keep(char *s)
{
    if (!der_arena)
        der_arena = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(der_arena, s);
    return s;
}

static void der_free_all(void)
{
    if (der_arena)
        g_ptr_array_free(der_arena, TRUE);
    der_arena = NULL;
}

/* T("BF37", part, part, ..., NULL): tag + DER length + the concatenated hex parts. */
static const char *T(const char *tag, ...)
{
    GString *c = g_string_new(NULL);
    va_list ap;
    va_start(ap, tag);
    for (const char *p; (p = va_arg(ap, const char *));)
        g_string_append(c, p);
    va_end(ap);
    size_t n = c->len / 2;
    GString *o = g_string_new(tag);
    if (n < 0x80)
        g_string_append_printf(o, "%02zX", n);
    else if (n < 0x100)
        g_string_append_printf(o, "81%02zX", n);
    else if (n < 0x10000)
        g_string_append_printf(o, "82%04zX", n);
    else
        g_string_append_printf(o, "83%06zX", n);
    g_string_append(o, c->str);
    g_string_free(c, TRUE);
    return keep(g_string_free(o, FALSE));
}

/* Concatenation of hex parts. */
static const char *CAT(const char *first, ...)
{
    GString *c = g_string_new(first);
    va_list ap;
    va_start(ap, first);
    for (const char *p; (p = va_arg(ap, const char *));)
        g_string_append(c, p);
    va_end(ap);
    return keep(g_string_free(c, FALSE));
}

/* n bytes of value b as hex. */
static const char *FILL(unsigned b, size_t n)
{
    GString *c = g_string_new(NULL);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(c, "%02X", b & 0xFF);
    return keep(g_string_free(c, FALSE));
}

static const char *UTF8(const char *s)
{
    GString *c = g_string_new(NULL);
    for (const char *p = s; *p; p++)
        g_string_append_printf(c, "%02X", (unsigned char)*p);
    return keep(g_string_free(c, FALSE));
}

static uint8_t *bytes_of(const char *hex, size_t *n)
{
    size_t len = strlen(hex) / 2;
    uint8_t *b = g_malloc(len + 1);
    long r = esim_unhex(hex, strlen(hex), b, len + 1);
    *n = r < 0 ? 0 : (size_t)r;
    return b;
}

/* ---- the capture ---- */
typedef struct cap {
    tbuf f;            /* the pcap file */
    uint32_t t_ms;     /* capture clock */
    uint32_t seq[2];   /* TCP sequence numbers, client / server */
} cap;

static void cap_start(cap *c)
{
    memset(c, 0, sizeof *c);
    pcap_start(&c->f, false, false, 1 /* Ethernet */);
    c->t_ms = 1000;
    c->seq[0] = 1000;
    c->seq[1] = 5000;
}

static void cap_packet(cap *c, const tbuf *p)
{
    c->t_ms += 10;
    pcap_rec(&c->f, 1700000000u + c->t_ms / 1000, (c->t_ms % 1000) * 1000u, p->p, (uint32_t)p->n);
}

/* One GSMTAP-SIM message (sub-type 0: a whole T=0 exchange as hex). */
static void cap_gsmtap(cap *c, const char *hex)
{
    size_t n;
    uint8_t *d = bytes_of(hex, &n);
    uint8_t m[16 + 600] = {2, 4, 4};
    memcpy(m + 16, d, n);
    g_free(d);
    tbuf p = {0};
    pkt_udp(&p, 1111, 4729, m, 16 + n);
    cap_packet(c, &p);
    free(p.p);
}

/* ATR, MANAGE CHANNEL open (channel 1) and SELECT ISD-R on channel 1. */
static void cap_card_setup(cap *c)
{
    uint8_t m[16 + 3] = {2, 4, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0x3B, 0x00, 0x00};
    tbuf p = {0};
    pkt_udp(&p, 1111, 4729, m, sizeof m);
    cap_packet(c, &p);
    free(p.p);
    cap_gsmtap(c, "00700000010190 00");
    cap_gsmtap(c, "01A4040010A0000005591010FFFFFFFF89000001009000");
}

/* An ES10 command on channel 1 as STORE DATA blocks of at most 255 bytes, answered with
 * rsp_hex (may be "") and sw (the last block; earlier blocks get 9000 unless fail_block >= 0
 * names the block that gets sw instead and ends the chain). */
static void cap_es10_sw(cap *c, const char *cmd_hex, const char *rsp_hex, unsigned sw,
                        int fail_block)
{
    size_t n = strlen(cmd_hex) / 2, off = 0;
    unsigned block = 0;
    do {
        size_t k = n - off > 255 ? 255 : n - off;
        bool last = off + k == n;
        bool failing = fail_block >= 0 && (int)block == fail_block;
        GString *m = g_string_new(NULL);
        g_string_append_printf(m, "81E2%02X%02X%02zX", last ? 0x91 : 0x11, block, k);
        g_string_append_len(m, cmd_hex + 2 * off, (gssize)(2 * k));
        size_t rl = strlen(rsp_hex) / 2;
        if (failing || !last || !rl) {
            g_string_append_printf(m, "%04X", failing || last ? sw : 0x9000);
            cap_gsmtap(c, m->str);
        } else {
            g_string_append_printf(m, "61%02zX", rl > 255 ? 0 : rl);
            cap_gsmtap(c, m->str);
            g_string_truncate(m, 0);
            g_string_append_printf(m, "81C00000%02zX%s%04X", rl, rsp_hex, sw);
            cap_gsmtap(c, m->str);
        }
        g_string_free(m, TRUE);
        if (failing)
            return;
        off += k;
        block++;
    } while (off < n);
}

static void cap_es10(cap *c, const char *cmd_hex, const char *rsp_hex)
{
    cap_es10_sw(c, cmd_hex, rsp_hex, 0x9000, -1);
}

static void cap_tcp(cap *c, int dir, const char *data, size_t n)
{
    static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    for (size_t off = 0; off < n;) {
        size_t k = n - off > 1400 ? 1400 : n - off;
        tbuf p = {0};
        if (dir == 0)
            pkt_tcp(&p, a, 40000, b, 80, c->seq[0], c->seq[1], ESIM_TCP_ACK, data + off, k);
        else
            pkt_tcp(&p, b, 80, a, 40000, c->seq[1], c->seq[0], ESIM_TCP_ACK, data + off, k);
        c->seq[dir] += (uint32_t)k;
        cap_packet(c, &p);
        free(p.p);
        off += k;
    }
}

/* ES9+ request (function, JSON body) and response (JSON body). */
static void cap_es9p(cap *c, const char *fn, const char *req_json, const char *rsp_json)
{
    char *req = g_strdup_printf("POST /gsma/rsp2/es9plus/%s HTTP/1.1\r\nHost: smdp.example.com\r\n"
                                "Content-Type: application/json\r\nX-Admin-Protocol: "
                                "gsma/rsp/v2.2.0\r\nContent-Length: %zu\r\n\r\n%s",
                                fn, strlen(req_json), req_json);
    cap_tcp(c, 0, req, strlen(req));
    g_free(req);
    if (!rsp_json)
        return;
    char *rsp = g_strdup_printf("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                "X-Admin-Protocol: gsma/rsp/v2.2.0\r\nContent-Length: %zu\r\n\r\n%s",
                                strlen(rsp_json), rsp_json);
    cap_tcp(c, 1, rsp, strlen(rsp));
    g_free(rsp);
}

static char *b64_of(const char *hex)
{
    size_t n;
    uint8_t *b = bytes_of(hex, &n);
    char *s = g_base64_encode(b, n);
    g_free(b);
    return s;
}
#endif
