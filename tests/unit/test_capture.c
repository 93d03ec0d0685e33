/* Capture reader and link/IP/UDP/TCP decoding on synthetic pcap/pcapng files (both byte orders,
 * mixed link types, several sections, gzip). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>
#include "esim/capture.h"
#include "esim/netdecode.h"
#include "test_capture_util.h"

static const uint8_t p1[] = {1, 2, 3, 4, 5};
static const uint8_t p2[] = {0xAA, 0xBB, 0xCC};

static void pcap_both_orders(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++)
        for (int nsec = 0; nsec < 2; nsec++) {
            tbuf b = {0};
            pcap_start(&b, be, nsec, 220);
            pcap_rec(&b, 1700000000, nsec ? 123456789 : 123456, p1, sizeof p1);
            pcap_rec(&b, 1700000001, 5, p2, sizeof p2);
            esim_error err = {{0}};
            esim_capture *c = esim_capture_open_mem(b.p, b.n, &err);
            assert_non_null(c);
            assert_int_equal(esim_capture_get_format(c), ESIM_CAPTURE_PCAP);
            esim_packet pk;
            assert_int_equal(esim_capture_next(c, &pk, &err), 1);
            assert_int_equal(pk.frame, 1);
            assert_int_equal(pk.linktype, 220);
            assert_int_equal(pk.ts_sec, 1700000000);
            assert_int_equal(pk.ts_nsec, nsec ? 123456789 : 123456000);
            assert_int_equal(pk.caplen, sizeof p1);
            assert_memory_equal(pk.data, p1, sizeof p1);
            assert_int_equal(esim_capture_next(c, &pk, &err), 1);
            assert_int_equal(pk.frame, 2);
            assert_int_equal(pk.ts_nsec, nsec ? 5 : 5000);
            assert_memory_equal(pk.data, p2, sizeof p2);
            assert_int_equal(esim_capture_next(c, &pk, &err), 0);
            esim_capture_close(c);
            free(b.p);
        }
}

/* Two sections (little- then big-endian), mixed link types, tsresol 10^-9 and 2^-10, an SPB and
 * unknown blocks that must be skipped. */
static tbuf build_pcapng(void)
{
    tbuf b = {0};
    png_shb(&b, false);
    png_idb(&b, ESIM_LINKTYPE_ETHERNET, -1);
    png_idb(&b, ESIM_LINKTYPE_USB_LINUX_MMAPPED, 9);
    size_t at = png_begin(&b, 0x00000BAD); /* custom/unknown block */
    tb_u32(&b, 0xDEADBEEF);
    png_end(&b, at);
    png_epb(&b, 0, 1700000000ULL * 1000000 + 250000, p1, sizeof p1);
    png_epb(&b, 1, 1700000002ULL * 1000000000 + 7, p2, sizeof p2);
    png_spb(&b, p1, sizeof p1);
    png_shb(&b, true);
    png_idb(&b, ESIM_LINKTYPE_USBPCAP, 0x80 | 10);
    at = png_begin(&b, 5); /* interface statistics: skipped */
    tb_u32(&b, 0); tb_u32(&b, 0); tb_u32(&b, 0);
    png_end(&b, at);
    png_epb(&b, 0, (1700000003ULL << 10) | 512, p2, sizeof p2);
    return b;
}

static void check_pcapng(esim_capture *c)
{
    esim_error err = {{0}};
    esim_packet pk;
    assert_int_equal(esim_capture_get_format(c), ESIM_CAPTURE_PCAPNG);
    assert_int_equal(esim_capture_next(c, &pk, &err), 1);
    assert_int_equal(pk.frame, 1);
    assert_int_equal(pk.iface, 0);
    assert_int_equal(pk.linktype, ESIM_LINKTYPE_ETHERNET);
    assert_int_equal(pk.ts_sec, 1700000000);
    assert_int_equal(pk.ts_nsec, 250000000);
    assert_memory_equal(pk.data, p1, sizeof p1);
    assert_int_equal(esim_capture_next(c, &pk, &err), 1);
    assert_int_equal(pk.frame, 2);
    assert_int_equal(pk.iface, 1);
    assert_int_equal(pk.linktype, ESIM_LINKTYPE_USB_LINUX_MMAPPED);
    assert_int_equal(pk.ts_sec, 1700000002);
    assert_int_equal(pk.ts_nsec, 7);
    assert_int_equal(pk.caplen, sizeof p2);
    assert_int_equal(esim_capture_next(c, &pk, &err), 1);
    assert_int_equal(pk.frame, 3); /* SPB: interface 0, no timestamp */
    assert_int_equal(pk.linktype, ESIM_LINKTYPE_ETHERNET);
    assert_int_equal(pk.caplen, sizeof p1);
    assert_int_equal(esim_capture_next(c, &pk, &err), 1);
    assert_int_equal(pk.frame, 4); /* second, big-endian section */
    assert_int_equal(pk.iface, 0);
    assert_int_equal(pk.linktype, ESIM_LINKTYPE_USBPCAP);
    assert_int_equal(pk.ts_sec, 1700000003);
    assert_int_equal(pk.ts_nsec, 500000000);
    assert_memory_equal(pk.data, p2, sizeof p2);
    assert_int_equal(esim_capture_next(c, &pk, &err), 0);
}

static void pcapng_sections_mixed_links(void **state)
{
    (void)state;
    tbuf b = build_pcapng();
    esim_error err = {{0}};
    esim_capture *c = esim_capture_open_mem(b.p, b.n, &err);
    assert_non_null(c);
    check_pcapng(c);
    esim_capture_close(c);
    free(b.p);
}

/* A plain file larger than the mapped window: records straddle window ends, the last one is
 * cut short; the file reader gives what the memory reader gives. */
static void file_mapped_across_windows(void **state)
{
    (void)state;
    tbuf b = {0};
    pcap_start(&b, false, false, ESIM_LINKTYPE_ETHERNET);
    static uint8_t d[70000];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)(i * 13 + 5);
    for (uint32_t i = 0; b.n < 3 * (4u << 20); i++)
        pcap_rec(&b, i, 0, d + i % 97, 1 + (i * 7919u) % 69000u);
    b.n -= 10; /* the last record truncated */
    char path[] = "/tmp/esim-test-capture-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.p, b.n), (ssize_t)b.n);
    close(fd);
    esim_error e1 = {{0}}, e2 = {{0}};
    esim_capture *f = esim_capture_open(path, &e1), *m = esim_capture_open_mem(b.p, b.n, &e2);
    assert_non_null(f);
    assert_non_null(m);
    esim_packet pf, pm;
    int rf, rm;
    uint64_t frames = 0;
    do {
        rf = esim_capture_next(f, &pf, &e1);
        rm = esim_capture_next(m, &pm, &e2);
        assert_int_equal(rf, rm);
        if (rf == 1) {
            frames++;
            assert_int_equal(pf.ts_sec, pm.ts_sec);
            assert_int_equal(pf.caplen, pm.caplen);
            assert_memory_equal(pf.data, pm.data, pf.caplen);
        }
    } while (rf == 1);
    assert_int_equal(rf, -1);
    assert_string_equal(e1.msg, e2.msg);
    assert_true(frames > 300);
    esim_capture_close(f);
    esim_capture_close(m);
    unlink(path);
    free(b.p);
}

static void file_plain_and_gzip(void **state)
{
    (void)state;
    tbuf b = build_pcapng();
    char path[] = "/tmp/esim-test-capture-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (int gz = 0; gz < 2; gz++) {
        gzFile g = gzopen(path, gz ? "wb" : "wbT"); /* T = no compression */
        assert_non_null(g);
        assert_int_equal(gzwrite(g, b.p, (unsigned)b.n), (int)b.n);
        gzclose(g);
        esim_error err = {{0}};
        esim_capture *c = esim_capture_open(path, &err);
        assert_non_null(c);
        check_pcapng(c);
        esim_capture_close(c);
    }
    /* "-" reads standard input (here the gzip file) */
    assert_non_null(freopen(path, "rb", stdin));
    esim_error serr = {{0}};
    esim_capture *sc = esim_capture_open("-", &serr);
    assert_non_null(sc);
    check_pcapng(sc);
    esim_capture_close(sc);
    unlink(path);
    free(b.p);
    esim_error err = {{0}};
    assert_null(esim_capture_open("/nonexistent/x.pcap", &err));
    assert_non_null(strstr(err.msg, "/nonexistent/x.pcap"));
}

static void expect_bad(const tbuf *b, const char *what)
{
    esim_error err = {{0}};
    esim_capture *c = esim_capture_open_mem(b->p, b->n, &err);
    if (c) {
        esim_packet pk;
        int r;
        while ((r = esim_capture_next(c, &pk, &err)) == 1)
            ;
        assert_int_equal(r, -1);
        esim_capture_close(c);
    }
    if (!strstr(err.msg, what))
        fail_msg("expected '%s' in '%s'", what, err.msg);
}

static void malformed_inputs(void **state)
{
    (void)state;
    tbuf b = {0};
    tb_put(&b, "hello world!", 12);
    expect_bad(&b, "not a pcap");
    b.n = 0;
    expect_bad(&b, "empty");

    b.n = 0; /* absurd pcap captured length */
    pcap_start(&b, false, false, 1);
    tb_u32(&b, 0); tb_u32(&b, 0); tb_u32(&b, 0x7FFFFFFF); tb_u32(&b, 0x7FFFFFFF);
    expect_bad(&b, "limit");

    b.n = 0; /* truncated packet */
    pcap_start(&b, true, false, 1);
    pcap_rec(&b, 0, 0, p1, sizeof p1);
    b.n -= 2;
    expect_bad(&b, "truncated");

    b.n = 0; /* absurd pcapng block length */
    png_shb(&b, false);
    png_idb(&b, 1, -1);
    tb_u32(&b, 6); tb_u32(&b, 0xFFFFFFF0);
    expect_bad(&b, "limit");

    b.n = 0; /* block length not a multiple of 4 */
    png_shb(&b, false);
    tb_u32(&b, 6); tb_u32(&b, 13);
    expect_bad(&b, "bad length");

    b.n = 0; /* EPB naming an interface that was never described */
    png_shb(&b, true);
    png_idb(&b, 1, -1);
    png_epb(&b, 3, 0, p1, sizeof p1);
    expect_bad(&b, "interface 3");

    b.n = 0; /* EPB captured length beyond its block */
    png_shb(&b, false);
    png_idb(&b, 1, -1);
    size_t at = b.n;
    png_epb(&b, 0, 0, p1, sizeof p1);
    tb_set_u32(&b, at + 20, 400);
    expect_bad(&b, "overruns");

    b.n = 0; /* trailing length mismatch */
    png_shb(&b, false);
    png_idb(&b, 1, -1);
    b.p[b.n - 1] = 0x77;
    expect_bad(&b, "trailing length");
    free(b.p);
}

/* ---- netdecode ---- */

static void net_eth_vlan_ipv4_udp(void **state)
{
    (void)state;
    /* Ethernet, 802.1Q VLAN 42, IPv4 with 4 bytes of options, UDP 4729, 3 bytes + 2 padding */
    uint8_t pkt[] = {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0x00, 0x00, 0x2A, 0x08, 0x00,
        0x46, 0, 0, 35, 0, 1, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0,
        0x30, 0x39, 0x12, 0x79, 0, 11, 0, 0, 0xDE, 0xAD, 0xBF, 0, 0};
    esim_net n;
    esim_error err = {{0}};
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_ETHERNET, pkt, sizeof pkt, &n, &err), 0);
    assert_int_equal(n.vlan, 42);
    assert_int_equal(n.ip_version, 4);
    assert_true(n.l4);
    assert_int_equal(n.proto, ESIM_IPPROTO_UDP);
    assert_int_equal(n.sport, 12345);
    assert_int_equal(n.dport, 4729);
    assert_int_equal(n.payload_len, 3);
    assert_int_equal(n.payload[0], 0xDE);
    char a[64];
    assert_string_equal(esim_net_addr_str(4, n.dst, a, sizeof a), "10.0.0.2");
    /* same packet as a fragment (MF set): transport not decoded */
    pkt[24] = 0x20;
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_ETHERNET, pkt, sizeof pkt, &n, &err), 0);
    assert_true(n.fragment);
    assert_false(n.l4);
    /* truncated inside the UDP header */
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_ETHERNET, pkt, 44, &n, &err), 0);
    pkt[24] = 0x40;
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_ETHERNET, pkt, 44, &n, &err), -1);
    assert_non_null(strstr(err.msg, "UDP"));
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_ETHERNET, pkt, 10, &n, &err), -1);
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_USB_LINUX, pkt, 10, &n, &err), -1);
}

static void net_cooked_and_raw_ipv6_tcp(void **state)
{
    (void)state;
    /* IPv6 with a hop-by-hop header (8 bytes) then TCP (24-byte header: 4 bytes of options) */
    uint8_t ip6[40 + 8 + 24 + 4] = {0x60, 0, 0, 0, 0, 36, 0 /* next: hop-by-hop */, 64};
    ip6[8 + 15] = 1;  /* src ::1 */
    ip6[24 + 15] = 2; /* dst ::2 */
    uint8_t *h = ip6 + 40;
    h[0] = 6; /* next: TCP */
    uint8_t *t = h + 8;
    t[0] = 0x01; t[1] = 0xBB; t[2] = 0xC0; t[3] = 0x00;
    t[4] = 0, t[5] = 0, t[6] = 0x10, t[7] = 0x00;  /* seq 4096 */
    t[11] = 9;                                     /* ack 9 */
    t[12] = 0x60;                                  /* 24-byte header */
    t[13] = ESIM_TCP_PSH | ESIM_TCP_ACK;
    memcpy(t + 24, "GET ", 4);
    esim_net n;
    esim_error err = {{0}};
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_RAW, ip6, sizeof ip6, &n, &err), 0);
    assert_int_equal(n.ip_version, 6);
    assert_int_equal(n.proto, ESIM_IPPROTO_TCP);
    assert_int_equal(n.sport, 443);
    assert_int_equal(n.seq, 4096);
    assert_int_equal(n.ack, 9);
    assert_int_equal(n.tcp_flags, ESIM_TCP_PSH | ESIM_TCP_ACK);
    assert_int_equal(n.payload_len, 4);
    assert_memory_equal(n.payload, "GET ", 4);
    char a[64];
    assert_string_equal(esim_net_addr_str(6, n.src, a, sizeof a), "::1");

    /* the same behind SLL (16 bytes, protocol last) and SLL2 (20 bytes, protocol first) */
    uint8_t sll[16 + sizeof ip6] = {0};
    sll[14] = 0x86, sll[15] = 0xDD;
    memcpy(sll + 16, ip6, sizeof ip6);
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_LINUX_SLL, sll, sizeof sll, &n, &err), 0);
    assert_int_equal(n.payload_len, 4);
    uint8_t sll2[20 + sizeof ip6] = {0x86, 0xDD};
    memcpy(sll2 + 20, ip6, sizeof ip6);
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_LINUX_SLL2, sll2, sizeof sll2, &n, &err), 0);
    assert_int_equal(n.dport, 0xC000);
    /* bad TCP data offset */
    t[12] = 0x20;
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_RAW, ip6, sizeof ip6, &n, &err), -1);
    assert_non_null(strstr(err.msg, "TCP"));
    /* extension header overrunning the payload */
    h[1] = 200;
    assert_int_equal(esim_net_decode(ESIM_LINKTYPE_RAW, ip6, sizeof ip6, &n, &err), -1);
}

/* A run of ESIM_CAPTURE_MAX_EMPTY_RUN empty (or zero-filled) frames is damage: the reader stops
 * with -1 naming the run; a shorter run, broken by a real frame, is read on. */
static void empty_frame_runs(void **state)
{
    (void)state;
    static const uint8_t zeros[60];
    for (int zero_filled = 0; zero_filled < 2; zero_filled++) {
        tbuf b = {0};
        pcap_start(&b, false, false, ESIM_LINKTYPE_ETHERNET);
        for (unsigned i = 0; i < ESIM_CAPTURE_MAX_EMPTY_RUN - 1; i++)
            pcap_rec(&b, 1700000000, i, zeros, zero_filled ? sizeof zeros : 0);
        pcap_rec(&b, 1700000001, 0, p1, sizeof p1); /* breaks the run */
        for (unsigned i = 0; i < ESIM_CAPTURE_MAX_EMPTY_RUN + 5; i++)
            pcap_rec(&b, 1700000002, i, zeros, zero_filled ? sizeof zeros : 0);
        esim_error err = {{0}};
        esim_capture *c = esim_capture_open_mem(b.p, b.n, &err);
        assert_non_null(c);
        esim_packet pk;
        uint64_t frames = 0;
        int r;
        while ((r = esim_capture_next(c, &pk, &err)) == 1)
            frames++;
        assert_int_equal(r, -1);
        /* the first run (999) and the real frame pass; the second stops at its 1000th frame */
        assert_int_equal(frames, ESIM_CAPTURE_MAX_EMPTY_RUN - 1 + 1 + ESIM_CAPTURE_MAX_EMPTY_RUN - 1);
        char want[96];
        snprintf(want, sizeof want, "frames %u-%u are all empty", ESIM_CAPTURE_MAX_EMPTY_RUN + 1,
                 2 * ESIM_CAPTURE_MAX_EMPTY_RUN);
        assert_non_null(strstr(err.msg, want));
        esim_capture_close(c);
        free(b.p);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pcap_both_orders),
        cmocka_unit_test(pcapng_sections_mixed_links),
        cmocka_unit_test(file_plain_and_gzip),
        cmocka_unit_test(file_mapped_across_windows),
        cmocka_unit_test(malformed_inputs),
        cmocka_unit_test(empty_frame_runs),
        cmocka_unit_test(net_eth_vlan_ipv4_udp),
        cmocka_unit_test(net_cooked_and_raw_ipv6_tcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
