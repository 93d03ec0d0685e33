/* USB CCID carriers: usbmon (both header sizes) and USBPcap captures with T=0 TPDU-level,
 * APDU-level and T=1 readers, built here as pcap/pcapng files and read back through the capture
 * reader, down to APDU and ES10 events. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/apdu.h"
#include "esim/capture.h"
#include "esim/ccid.h"
#include "test_capture_util.h"
#include "testutil.h"

#define ISDR "A0000005591010FFFFFFFF8900000100"

typedef struct sink {
    unsigned count[4];
    esim_apdu_event last_apdu, last_es10;
    uint8_t es10_cmd[64], es10_rsp[64], apdu_rsp[64];
    uint64_t apdu_frames[16][2];
    unsigned n_apdu;
    char finding[160];
} sink;

static void on_event(const esim_apdu_event *ev, void *user)
{
    sink *s = user;
    s->count[ev->type]++;
    if (ev->type == ESIM_APDU_EV_APDU) {
        s->last_apdu = *ev;
        if (s->n_apdu < 16) {
            s->apdu_frames[s->n_apdu][0] = ev->frame_first;
            s->apdu_frames[s->n_apdu][1] = ev->frame_last;
        }
        s->n_apdu++;
        if (ev->rsp_len && ev->rsp_len <= sizeof s->apdu_rsp)
            memcpy(s->apdu_rsp, ev->rsp_data, ev->rsp_len);
    } else if (ev->type == ESIM_APDU_EV_ES10) {
        s->last_es10 = *ev;
        assert_true(ev->cmd_len <= sizeof s->es10_cmd && ev->rsp_len <= sizeof s->es10_rsp);
        memcpy(s->es10_cmd, ev->cmd_data, ev->cmd_len);
        if (ev->rsp_len)
            memcpy(s->es10_rsp, ev->rsp_data, ev->rsp_len);
    } else if (ev->type == ESIM_APDU_EV_FINDING) {
        snprintf(s->finding, sizeof s->finding, "%s", ev->text);
    }
}

/* CCID message: type, dwLength, slot 0, seq, 3 bytes (b7..b9), data */
static size_t ccid(uint8_t *out, uint8_t type, uint8_t seq, uint8_t b7, uint8_t b8,
                   const char *hex)
{
    long n = hex ? tu_unhex(hex, out + 10, 1024) : 0;
    assert_true(n >= 0);
    out[0] = type;
    out[1] = (uint8_t)n, out[2] = (uint8_t)(n >> 8), out[3] = out[4] = 0;
    out[5] = 0, out[6] = seq, out[7] = b7, out[8] = b8, out[9] = 0;
    return 10 + (size_t)n;
}

/* usbmon packet (little-endian host) for a bulk transfer; hl = 48 or 64 */
static void usbmon(tbuf *b, size_t hl, char type, uint8_t ep, const uint8_t *d, size_t n)
{
    uint8_t h[64] = {0};
    h[8] = (uint8_t)type;
    h[9] = ESIM_USB_XFER_BULK;
    h[10] = ep;
    h[11] = 5; /* device */
    h[12] = 1; /* bus */
    h[14] = '-'; /* no setup */
    h[15] = n ? 0 : '<';
    h[32] = (uint8_t)n, h[33] = (uint8_t)(n >> 8);
    h[36] = (uint8_t)n, h[37] = (uint8_t)(n >> 8);
    b->n = 0;
    tb_put(b, h, hl);
    tb_put(b, d, n);
}

/* USBPcap packet for a bulk transfer */
static void usbpcap(tbuf *b, bool completion, uint8_t ep, const uint8_t *d, size_t n)
{
    uint8_t h[27] = {27, 0};
    h[16] = completion ? 1 : 0;
    h[17] = 1, h[19] = 3;
    h[21] = ep;
    h[22] = ESIM_USB_XFER_BULK;
    h[23] = (uint8_t)n, h[24] = (uint8_t)(n >> 8);
    b->n = 0;
    tb_put(b, h, sizeof h);
    tb_put(b, d, n);
}

/* Reads a capture, feeds bulk CCID payloads of every USB packet to one reader. */
static void run(const tbuf *cap, sink *s, unsigned expect_errors)
{
    esim_error err = {{0}};
    esim_capture *c = esim_capture_open_mem(cap->p, cap->n, &err);
    assert_non_null(c);
    esim_apdu_ctx *a = esim_apdu_new(on_event, s);
    esim_ccid *r = esim_ccid_new(a);
    esim_packet pk;
    unsigned errors = 0;
    while (esim_capture_next(c, &pk, &err) == 1) {
        esim_usb_packet u;
        bool to_dev;
        assert_int_equal(esim_usb_decode(pk.linktype, pk.data, pk.caplen, &u, &err), 0);
        if (!esim_usb_bulk_payload(&u, &to_dev))
            continue;
        if (esim_ccid_feed(r, pk.frame, pk.ts_sec, pk.ts_nsec, to_dev, u.data, u.len, &err) < 0)
            errors++;
    }
    esim_apdu_flush(a);
    assert_int_equal(errors, expect_errors);
    esim_ccid_free(r);
    esim_apdu_free(a);
    esim_capture_close(c);
}

/* pcap, usbmon mmapped (64-byte header), T=0 TPDU-level reader: the host sends the TPDU and
 * fetches 61xx responses with GET RESPONSE itself. Each transfer appears twice (submission and
 * completion); only one carries the data. */
static void usbmon_t0_tpdu(void **state)
{
    (void)state;
    tbuf cap = {0}, p = {0};
    pcap_start(&cap, false, false, ESIM_LINKTYPE_USB_LINUX_MMAPPED);
    uint8_t m[600];
    struct { uint8_t type, b7; const char *hex; } x[] = {
        {0x62, 0, NULL},                                  /* IccPowerOn */
        {0x80, 0, "3B9F96801F878031E073FE211B674A4C753034054BA9"}, /* ATR */
        {0x6F, 0, "00A4040010" ISDR},                     /* SELECT ISD-R (case 3 TPDU) */
        {0x80, 0x80, NULL},                               /* time extension */
        {0x80, 0, "6112"},
        {0x6F, 0, "00C0000012"},
        {0x80, 0, "6F108410A0000005591010FFFFFFFF89000001009000"},
        {0x6F, 0, "80E2910003BF2E00"},                    /* GetEuiccChallenge, one block */
        {0x80, 0, "6115"},
        {0x6F, 0, "80C0000015"},
        {0x80, 0, "BF2E1280100102030405060708090A0B0C0D0E0F109000"},
    };
    uint8_t seq = 0;
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        bool out = x[i].type < 0x80;
        if (out && i)
            seq++;
        size_t n = ccid(m, x[i].type, seq, x[i].b7, 0, x[i].hex);
        uint8_t ep = out ? 0x02 : 0x82;
        /* OUT: data in the submission; IN: data in the completion */
        usbmon(&p, 64, 'S', ep, out ? m : NULL, out ? n : 0);
        cap.be = false;
        pcap_rec(&cap, 100, (uint32_t)(2 * i), p.p, (uint32_t)p.n);
        usbmon(&p, 64, 'C', ep, out ? NULL : m, out ? 0 : n);
        pcap_rec(&cap, 100, (uint32_t)(2 * i + 1), p.p, (uint32_t)p.n);
    }
    sink s = {0};
    run(&cap, &s, 0);
    assert_int_equal(s.count[ESIM_APDU_EV_ATR], 1);
    assert_int_equal(s.count[ESIM_APDU_EV_APDU], 2);
    assert_int_equal(s.count[ESIM_APDU_EV_ES10], 1);
    assert_int_equal(s.count[ESIM_APDU_EV_FINDING], 0);
    /* SELECT: frames 5 (submission of the XfrBlock) to 14 (completion of the last DataBlock) */
    assert_int_equal(s.apdu_frames[0][0], 5);
    assert_int_equal(s.apdu_frames[0][1], 14);
    assert_int_equal(s.last_es10.cmd_len, 3);
    assert_memory_equal(s.es10_cmd, "\xBF\x2E\x00", 3);
    assert_int_equal(s.last_es10.rsp_len, 21);
    assert_int_equal(s.last_es10.sw, 0x9000);
    assert_int_equal(s.last_es10.get_responses, 1);
    free(cap.p);
    free(p.p);
}

/* T=1 I-block with LRC: NAD 00, PCB, LEN, INF, LRC */
static const char *t1_block(uint8_t pcb, const char *inf_hex)
{
    static char out[2][700];
    static int k;
    uint8_t b[300];
    long n = tu_unhex(inf_hex, b + 3, sizeof b - 4);
    assert_true(n >= 0);
    b[0] = 0, b[1] = pcb, b[2] = (uint8_t)n;
    uint8_t lrc = 0;
    for (long i = 0; i < n + 3; i++)
        lrc ^= b[i];
    b[n + 3] = lrc;
    char *o = out[k++ & 1];
    for (long i = 0; i < n + 4; i++)
        sprintf(o + 2 * i, "%02X", b[i]);
    return o;
}

/* pcapng, usbmon 48-byte header, T=1 reader: chained command (M bit) acknowledged by R-blocks,
 * a NAK and the retransmitted block, a WTX request, a chained response; once with SetParameters announcing T=1, once detected from
 * the block shape alone. */
static void usbmon_t1_chaining(void **state)
{
    (void)state;
    for (int announce = 0; announce < 2; announce++) {
        tbuf cap = {0}, p = {0};
        png_shb(&cap, false);
        png_idb(&cap, ESIM_LINKTYPE_USB_LINUX, -1);
        char blocks[16][2][700];
        size_t nb = 0;
#define XCHG(c, r) (snprintf(blocks[nb][0], 700, "%s", c), snprintf(blocks[nb][1], 700, "%s", r), nb++)
        XCHG(t1_block(0x00, "00A4040010" ISDR "00"), t1_block(0x00, "6F108410A0000005591010FFFFFFFF89000001009000"));
        XCHG(t1_block(0x60, "80E2910005BF2E"), t1_block(0x80, ""));   /* I(1, M), card R(0) */
        XCHG(t1_block(0x00, "020000"), t1_block(0x81, ""));           /* I(0), card R NAK (EDC) */
        XCHG(t1_block(0x00, "020000"), t1_block(0xC3, "01"));         /* I(0) again, S(WTX req) */
        XCHG(t1_block(0xE3, "01"), t1_block(0x60, "BF2E1280100102030405")); /* S(WTX resp), I(1, M) */
        XCHG(t1_block(0x80, ""), t1_block(0x00, "060708090A0B0C0D0E0F109000")); /* R(0), I(0) */
        uint8_t m[800];
        uint8_t seq = 0;
        uint64_t ts = 0;
        if (announce) {
            size_t n = ccid(m, 0x61, seq, 1, 0, "1110004500FE00"); /* SetParameters T=1, LRC */
            usbmon(&p, 48, 'S', 0x01, m, n);
            png_epb(&cap, 0, ts++, p.p, (uint32_t)p.n);
            n = ccid(m, 0x82, seq++, 0, 0, NULL);
            m[9] = 1;
            usbmon(&p, 48, 'C', 0x81, m, n);
            png_epb(&cap, 0, ts++, p.p, (uint32_t)p.n);
        }
        for (size_t i = 0; i < nb; i++, seq++) {
            size_t n = ccid(m, 0x6F, seq, 0, 0, blocks[i][0]);
            usbmon(&p, 48, 'S', 0x01, m, n);
            png_epb(&cap, 0, ts++, p.p, (uint32_t)p.n);
            n = ccid(m, 0x80, seq, 0, 0, blocks[i][1]);
            usbmon(&p, 48, 'C', 0x81, m, n);
            png_epb(&cap, 0, ts++, p.p, (uint32_t)p.n);
        }
        sink s = {0};
        run(&cap, &s, 0);
        assert_int_equal(s.count[ESIM_APDU_EV_APDU], 2);
        assert_int_equal(s.count[ESIM_APDU_EV_ES10], 1);
        assert_int_equal(s.last_es10.cmd_len, 5);
        assert_memory_equal(s.es10_cmd, "\xBF\x2E\x02\x00\x00", 5);
        assert_int_equal(s.last_es10.rsp_len, 21);
        assert_int_equal(s.es10_rsp[20], 0x10);
        assert_int_equal(s.last_es10.frame_first, announce ? 5 : 3);
        free(cap.p);
        free(p.p);
    }
}

/* pcap, USBPcap, APDU-level reader (case 4 short APDU with Le), the DataBlock split over two bulk
 * transfers; then malformed messages. */
static void usbpcap_apdu_level_and_errors(void **state)
{
    (void)state;
    tbuf cap = {0}, p = {0};
    pcap_start(&cap, false, true, ESIM_LINKTYPE_USBPCAP);
    uint8_t m[600];
    size_t n = ccid(m, 0x6F, 7, 0, 0, "00A4040010" ISDR "00");
    usbpcap(&p, false, 0x02, m, n);
    cap.be = false;
    pcap_rec(&cap, 1, 0, p.p, (uint32_t)p.n);
    usbpcap(&p, true, 0x02, NULL, 0);
    pcap_rec(&cap, 1, 1, p.p, (uint32_t)p.n);
    n = ccid(m, 0x80, 7, 0, 0, "6F108410A0000005591010FFFFFFFF89000001009000");
    usbpcap(&p, true, 0x82, m, 16);
    pcap_rec(&cap, 1, 2, p.p, (uint32_t)p.n);
    usbpcap(&p, true, 0x82, m + 16, n - 16);
    pcap_rec(&cap, 1, 3, p.p, (uint32_t)p.n);
    /* malformed: shorter than a CCID header; absurd dwLength; a failed XfrBlock */
    usbpcap(&p, false, 0x02, (const uint8_t *)"\x6F\x01", 2);
    pcap_rec(&cap, 1, 4, p.p, (uint32_t)p.n);
    uint8_t big[10] = {0x6F, 0xFF, 0xFF, 0xFF, 0x7F};
    usbpcap(&p, false, 0x02, big, sizeof big);
    pcap_rec(&cap, 1, 5, p.p, (uint32_t)p.n);
    n = ccid(m, 0x6F, 8, 0, 0, "00B0000000");
    usbpcap(&p, false, 0x02, m, n);
    pcap_rec(&cap, 1, 6, p.p, (uint32_t)p.n);
    n = ccid(m, 0x80, 8, 0x40, 0xFE, NULL);
    usbpcap(&p, true, 0x82, m, n);
    pcap_rec(&cap, 1, 7, p.p, (uint32_t)p.n);
    sink s = {0};
    run(&cap, &s, 3);
    assert_int_equal(s.count[ESIM_APDU_EV_APDU], 1);
    assert_int_equal(s.last_apdu.cmd_len, 16);
    assert_int_equal(s.last_apdu.rsp_len, 20);
    assert_int_equal(s.last_apdu.sw, 0x9000);
    assert_int_equal(s.apdu_frames[0][0], 1);
    free(cap.p);
    free(p.p);

    /* header decoding errors */
    esim_usb_packet u;
    esim_error err = {{0}};
    uint8_t h[27] = {40};
    assert_int_equal(esim_usb_decode(ESIM_LINKTYPE_USBPCAP, h, sizeof h, &u, &err), -1);
    assert_int_equal(esim_usb_decode(ESIM_LINKTYPE_USB_LINUX_MMAPPED, h, sizeof h, &u, &err), -1);
    assert_non_null(strstr(err.msg, "usbmon"));
    assert_int_equal(esim_usb_decode(ESIM_LINKTYPE_ETHERNET, h, sizeof h, &u, &err), -1);
    /* T=1 shape */
    uint8_t blk[] = {0x00, 0x40, 0x02, 0x90, 0x00, 0xD2};
    assert_true(esim_t1_looks_like(blk, sizeof blk));
    blk[5] ^= 1;
    assert_false(esim_t1_looks_like(blk, sizeof blk));
    uint8_t apdu[] = {0x00, 0xA4, 0x04, 0x00, 0x02, 0x3F, 0x00};
    assert_false(esim_t1_looks_like(apdu, sizeof apdu));
    assert_true(esim_ccid_looks_like(m, 10, false));
    assert_false(esim_ccid_looks_like(m, 10, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(usbmon_t0_tpdu),
        cmocka_unit_test(usbmon_t1_chaining),
        cmocka_unit_test(usbpcap_apdu_level_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
