/* The capture pipeline: one pcapng with GSMTAP-SIM from two sources, a USB CCID reader, a
 * non-CCID USB device, an HTTP flow, a TLS flow and a malformed packet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/capture_pipe.h"
#include "esim/ccid.h"
#include "test_capture_util.h"
#include "testutil.h"

typedef struct sink {
    unsigned apdu[ESIM_PIPE_MAX_CARDS], atr, es10, findings, http_req, http_rsp, http_err, warnings;
    char names[4][64];
    char last_uri[128];
} sink;

static void on_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user)
{
    sink *s = user;
    if (card->index < 4)
        snprintf(s->names[card->index], sizeof s->names[0], "%s", card->name);
    switch (ev->type) {
    case ESIM_APDU_EV_APDU: s->apdu[card->index]++; break;
    case ESIM_APDU_EV_ATR: s->atr++; break;
    case ESIM_APDU_EV_ES10: s->es10++; break;
    case ESIM_APDU_EV_FINDING: s->findings++; break;
    }
}

static void on_http(const esim_http_event *ev, void *user)
{
    sink *s = user;
    if (ev->type == ESIM_HTTP_EV_REQUEST) {
        s->http_req++;
        snprintf(s->last_uri, sizeof s->last_uri, "%s", ev->uri);
    } else if (ev->type == ESIM_HTTP_EV_RESPONSE)
        s->http_rsp++;
    else
        s->http_err++;
}

static void on_warning(uint64_t frame, const char *msg, void *user)
{
    (void)frame;
    (void)msg;
    ((sink *)user)->warnings++;
}

static void gsmtap_from(tbuf *p, uint16_t sport, uint8_t sub, const char *hex)
{
    uint8_t m[300] = {2, 4, 4};
    m[12] = sub;
    long n = tu_unhex(hex, m + 16, sizeof m - 16);
    assert_true(n >= 0);
    p->n = 0;
    pkt_udp(p, sport, 4729, m, 16 + (size_t)n);
}

static void usbmon_bulk(tbuf *p, uint8_t dev, char type, uint8_t ep, const uint8_t *d, size_t n)
{
    uint8_t h[64] = {0};
    h[8] = (uint8_t)type, h[9] = ESIM_USB_XFER_BULK, h[10] = ep, h[11] = dev, h[12] = 1;
    h[14] = '-', h[15] = n ? 0 : '<';
    h[32] = h[36] = (uint8_t)n;
    p->n = 0;
    tb_put(p, h, 64);
    tb_put(p, d, n);
}

static void mixed_pcapng(void **state)
{
    (void)state;
    tbuf cap = {0}, p = {0};
    png_shb(&cap, false);
    png_idb(&cap, ESIM_LINKTYPE_ETHERNET, -1);
    png_idb(&cap, ESIM_LINKTYPE_USB_LINUX_MMAPPED, -1);
    uint64_t ts = 0;
#define ETH() png_epb(&cap, 0, ts++, p.p, (uint32_t)p.n)
#define USB() png_epb(&cap, 1, ts++, p.p, (uint32_t)p.n)
    gsmtap_from(&p, 1111, 1, "3B9F96");                       ETH(); /* card 0: ATR */
    gsmtap_from(&p, 1111, 0, "00A40004023F00612F");           ETH();
    gsmtap_from(&p, 2222, 0, "00B000000200019000");           ETH(); /* card 1 */
    gsmtap_from(&p, 1111, 0, "00C0000002AABB9000");           ETH();
    p.n = 0; /* malformed: IPv4 header length 4 */
    pkt_udp(&p, 1, 4729, (const uint8_t *)"x", 1);
    p.p[14] = 0x41;                                           ETH();
    /* USB device 7 is a mass-storage device: its bulk data never looks like CCID */
    usbmon_bulk(&p, 7, 'S', 0x02, (const uint8_t *)"USBC\x01\x00\x00\x00", 8); USB();
    /* USB device 5: a CCID reader (card 2) */
    uint8_t m[64] = {0x6F, 5, 0, 0, 0, 0, 1, 0, 0, 0, 0x00, 0xB0, 0x00, 0x00, 0x00};
    usbmon_bulk(&p, 5, 'S', 0x02, m, 15);                     USB();
    uint8_t r[64] = {0x80, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0xAA, 0xBB, 0x90, 0x00};
    usbmon_bulk(&p, 5, 'C', 0x82, r, 14);                     USB();
    /* HTTP flow and a TLS flow */
    static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
    const char *req = "GET /gsma/rsp2/es9plus/x HTTP/1.1\r\n\r\n";
    p.n = 0; pkt_tcp(&p, a, 4000, b, 80, 1, 0, ESIM_TCP_ACK, req, strlen(req)); ETH();
    const char *rsp = "HTTP/1.1 204 No Content\r\n\r\n";
    p.n = 0; pkt_tcp(&p, b, 80, a, 4000, 1, 0, ESIM_TCP_ACK, rsp, strlen(rsp)); ETH();
    p.n = 0; pkt_tcp(&p, a, 4001, b, 443, 1, 0, ESIM_TCP_ACK, "\x16\x03\x01\x00\x05hello", 10); ETH();
    p.n = 0; pkt_tcp(&p, b, 443, a, 4001, 1, 0, ESIM_TCP_ACK, "\x16\x03\x03\x00\x01x", 6); ETH();

    esim_error err = {{0}};
    esim_capture *c = esim_capture_open_mem(cap.p, cap.n, &err);
    assert_non_null(c);
    sink s = {0};
    esim_pipe_handlers h = {.apdu = on_apdu, .http = on_http, .warning = on_warning, .user = &s};
    esim_pipe *pipe = esim_pipe_new(&h);
    esim_packet pk;
    while (esim_capture_next(c, &pk, &err) == 1)
        esim_pipe_packet(pipe, &pk);
    esim_pipe_finish(pipe);
    const esim_pipe_stats *st = esim_pipe_get_stats(pipe);
    assert_int_equal(st->packets, 12);
    assert_int_equal(st->cards, 3);
    assert_int_equal(st->gsmtap, 4);
    assert_int_equal(st->ccid, 2);
    assert_int_equal(st->tcp, 4);
    assert_int_equal(st->warnings, 1);
    assert_int_equal(s.warnings, 1);
    assert_int_equal(s.atr, 1);
    assert_int_equal(s.apdu[0], 1); /* SELECT with its GET RESPONSE folded */
    assert_int_equal(s.apdu[1], 1);
    assert_int_equal(s.apdu[2], 1);
    assert_string_equal(s.names[0], "gsmtap 127.0.0.1:1111");
    assert_string_equal(s.names[1], "gsmtap 127.0.0.1:2222");
    assert_string_equal(s.names[2], "usb 1.5");
    assert_int_equal(s.http_req, 1);
    assert_int_equal(s.http_rsp, 1);
    assert_int_equal(s.http_err, 0); /* the TLS flow is not taken for HTTP */
    assert_string_equal(s.last_uri, "/gsma/rsp2/es9plus/x");
    esim_pipe_free(pipe);
    esim_capture_close(c);
    free(cap.p);
    free(p.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mixed_pcapng),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
