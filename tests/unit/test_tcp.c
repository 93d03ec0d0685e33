/* TCP reassembly: in-order delivery, out-of-order buffering, retransmission/overlap trimming,
 * gaps (missing and forced by limits), FIN/RST, sequence wrap-around, bounded flow table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/tcp_reasm.h"

typedef struct sink {
    uint8_t data[2][4096];
    size_t len[2];
    uint64_t gaps[2];
    unsigned n_gap, n_fin, n_rst, n_close, n_data;
    char order[64]; /* event letters: D G F R C */
    size_t n_order;
} sink;

static bool ignore_after_first_data;

static void on_tcp(const esim_tcp_event *ev, void *user)
{
    sink *s = user;
    if (ignore_after_first_data && ev->type == ESIM_TCP_EV_DATA)
        *ev->ignore_flow = true;
    const char *letters = "DGFRC";
    if (s->n_order < sizeof s->order - 1)
        s->order[s->n_order++] = letters[ev->type];
    switch (ev->type) {
    case ESIM_TCP_EV_DATA:
        s->n_data++;
        assert_true(s->len[ev->dir] + ev->len <= sizeof s->data[0]);
        memcpy(s->data[ev->dir] + s->len[ev->dir], ev->data, ev->len);
        s->len[ev->dir] += ev->len;
        break;
    case ESIM_TCP_EV_GAP: s->n_gap++; s->gaps[ev->dir] += ev->gap; break;
    case ESIM_TCP_EV_FIN: s->n_fin++; break;
    case ESIM_TCP_EV_RST: s->n_rst++; break;
    case ESIM_TCP_EV_CLOSE: s->n_close++; break;
    }
}

static const uint8_t A[4] = {10, 0, 0, 1}, B[4] = {10, 0, 0, 2};

/* A segment from A:1000 to B:443 (dir 0) or back (dir 1). */
static void seg(esim_tcp_reasm *r, int dir, uint32_t seq, uint8_t flags, const char *payload,
                int64_t t)
{
    static uint64_t frame;
    esim_net n = {.ip_version = 4, .proto = ESIM_IPPROTO_TCP, .l4 = true, .seq = seq,
                  .tcp_flags = flags, .payload = (const uint8_t *)payload,
                  .payload_len = payload ? strlen(payload) : 0};
    memcpy(n.src, dir ? B : A, 4);
    memcpy(n.dst, dir ? A : B, 4);
    n.sport = dir ? 443 : 1000;
    n.dport = dir ? 1000 : 443;
    esim_tcp_feed(r, ++frame, t, 0, &n);
}

static void in_order_and_close(void **state)
{
    (void)state;
    sink s = {0};
    esim_tcp_reasm *r = esim_tcp_new(on_tcp, &s, NULL);
    seg(r, 0, 100, ESIM_TCP_SYN, NULL, 0);
    seg(r, 1, 5000, ESIM_TCP_SYN | ESIM_TCP_ACK, NULL, 0);
    seg(r, 0, 101, ESIM_TCP_ACK, "hello ", 0);
    seg(r, 0, 107, ESIM_TCP_ACK | ESIM_TCP_PSH, "world", 0);
    seg(r, 1, 5001, ESIM_TCP_ACK, "ok", 0);
    assert_int_equal(esim_tcp_flow_count(r), 1);
    seg(r, 0, 112, ESIM_TCP_FIN | ESIM_TCP_ACK, NULL, 0);
    seg(r, 1, 5003, ESIM_TCP_FIN | ESIM_TCP_ACK, NULL, 0);
    assert_int_equal(esim_tcp_flow_count(r), 0); /* evicted once both sides finished */
    assert_int_equal(s.len[0], 11);
    assert_memory_equal(s.data[0], "hello world", 11);
    assert_memory_equal(s.data[1], "ok", 2);
    assert_string_equal(s.order, "DDDFFC");
    esim_tcp_free(r);
}

static void out_of_order_and_retransmission(void **state)
{
    (void)state;
    sink s = {0};
    esim_tcp_reasm *r = esim_tcp_new(on_tcp, &s, NULL);
    seg(r, 0, 0, ESIM_TCP_SYN, NULL, 0);
    /* the stream is "ABCDEFGHIJKLMN" from sequence number 1 */
    seg(r, 0, 9, ESIM_TCP_ACK, "IJK", 0);   /* ahead: buffered */
    seg(r, 0, 1, ESIM_TCP_ACK, "ABCD", 0);
    seg(r, 0, 1, ESIM_TCP_ACK, "ABCD", 0);  /* retransmitted */
    seg(r, 0, 3, ESIM_TCP_ACK, "CDEF", 0);  /* overlaps delivered bytes */
    seg(r, 0, 7, ESIM_TCP_ACK, "GHIJ", 0);  /* overlaps the buffered segment */
    seg(r, 0, 12, ESIM_TCP_ACK, "LMN", 0);
    esim_tcp_flush(r);
    assert_int_equal(s.len[0], 14);
    assert_memory_equal(s.data[0], "ABCDEFGHIJKLMN", 14);
    assert_int_equal(s.n_data, 5); /* ABCD, EF, GHIJ, K (rest of IJK), LMN */
    assert_int_equal(s.n_gap, 0);
    esim_tcp_free(r);
}

static void gaps(void **state)
{
    (void)state;
    sink s = {0};
    esim_tcp_reasm *r = esim_tcp_new(on_tcp, &s, NULL);
    seg(r, 1, 1000, ESIM_TCP_ACK, "abc", 0);     /* mid-stream: no SYN seen */
    seg(r, 1, 1010, ESIM_TCP_ACK, "xyz", 0);     /* 7 bytes never captured */
    seg(r, 1, 1013, ESIM_TCP_FIN, NULL, 0);
    assert_int_equal(s.n_gap, 0);
    esim_tcp_flush(r);
    assert_int_equal(s.n_gap, 1);
    assert_int_equal(s.gaps[0], 7); /* the first packet's sender is direction 0 */
    assert_int_equal(s.len[0], 6);
    assert_memory_equal(s.data[0], "abcxyz", 6);
    assert_string_equal(s.order, "DGDFC");
    esim_tcp_free(r);

    /* limits force the gap before the end: at most 2 buffered segments */
    sink t = {0};
    esim_tcp_limits lim = esim_tcp_default_limits;
    lim.max_ooo_segments = 2;
    r = esim_tcp_new(on_tcp, &t, &lim);
    seg(r, 0, 0, ESIM_TCP_SYN, NULL, 0);
    seg(r, 0, 1, 0, "a", 0);
    seg(r, 0, 5, 0, "e", 0);
    seg(r, 0, 6, 0, "f", 0);
    assert_int_equal(t.n_gap, 0);
    seg(r, 0, 7, 0, "g", 0);
    assert_int_equal(t.n_gap, 1);
    assert_int_equal(t.gaps[0], 3);
    assert_memory_equal(t.data[0], "aefg", 4);
    seg(r, 0, 2, 0, "bcd", 0); /* too late: already skipped, trimmed away */
    assert_int_equal(t.len[0], 4);
    esim_tcp_free(r);
}

static void reset_and_wraparound(void **state)
{
    (void)state;
    sink s = {0};
    esim_tcp_reasm *r = esim_tcp_new(on_tcp, &s, NULL);
    seg(r, 0, 0xFFFFFFFDu, ESIM_TCP_SYN, NULL, 0);
    seg(r, 0, 0x00000001u, 0, "WXYZ", 0); /* after the wrap: out of order */
    seg(r, 0, 0xFFFFFFFEu, 0, "ABC", 0);
    assert_int_equal(s.len[0], 7);
    assert_memory_equal(s.data[0], "ABCWXYZ", 7);
    seg(r, 1, 77, ESIM_TCP_RST, NULL, 0);
    assert_int_equal(s.n_rst, 1);
    assert_int_equal(s.n_close, 1);
    assert_int_equal(esim_tcp_flow_count(r), 0);
    seg(r, 1, 77, ESIM_TCP_RST, NULL, 0); /* RST of an unknown flow: nothing */
    assert_int_equal(s.n_rst, 1);
    esim_tcp_free(r);
}

static void flow_table_stays_bounded(void **state)
{
    (void)state;
    sink s = {0};
    esim_tcp_limits lim = esim_tcp_default_limits;
    lim.max_flows = 64;
    lim.idle_seconds = 30;
    esim_tcp_reasm *r = esim_tcp_new(on_tcp, &s, &lim);
    size_t most = 0;
    for (uint32_t i = 0; i < 5000; i++) {
        esim_net n = {.ip_version = 4, .proto = ESIM_IPPROTO_TCP, .l4 = true, .seq = i,
                      .tcp_flags = ESIM_TCP_SYN, .sport = (uint16_t)(1024 + i % 60000),
                      .dport = 443};
        memcpy(n.src, A, 4);
        n.src[2] = (uint8_t)(i >> 8);
        memcpy(n.dst, B, 4);
        esim_tcp_feed(r, i + 1, i / 100, 0, &n);
        if (esim_tcp_flow_count(r) > most)
            most = esim_tcp_flow_count(r);
    }
    assert_int_equal(most, 64);
    assert_int_equal(s.n_close, 5000 - 64);
    /* idle eviction: one packet 31 s later evicts every other flow */
    seg(r, 0, 1, ESIM_TCP_SYN, NULL, 5000 / 100 + 31);
    assert_int_equal(esim_tcp_flow_count(r), 1);
    esim_tcp_free(r);
    assert_int_equal(s.n_close, 5001);
}

/* A flow the consumer ignores: no more DATA or GAP, nothing buffered, but FIN and CLOSE come
 * exactly when they would have (the sequence ranges are still followed). */
static void ignored_flow(void **state)
{
    (void)state;
    sink s = {0};
    esim_tcp_reasm *r = esim_tcp_new(on_tcp, &s, NULL);
    ignore_after_first_data = true;
    seg(r, 0, 0, ESIM_TCP_SYN, NULL, 0);
    seg(r, 0, 1, ESIM_TCP_ACK, "ABCD", 0);
    seg(r, 0, 9, ESIM_TCP_ACK, "IJK", 0);     /* ahead: kept as a range only */
    seg(r, 0, 12, ESIM_TCP_FIN, NULL, 0);
    assert_int_equal(s.n_fin, 0);            /* EFGH still missing */
    seg(r, 0, 5, ESIM_TCP_ACK, "EFGH", 0);
    assert_int_equal(s.n_fin, 1);
    seg(r, 1, 0, ESIM_TCP_SYN | ESIM_TCP_ACK, NULL, 0);
    seg(r, 1, 1, ESIM_TCP_FIN | ESIM_TCP_ACK, NULL, 0);
    assert_int_equal(esim_tcp_flow_count(r), 0);
    ignore_after_first_data = false;
    assert_string_equal(s.order, "DFFC");
    assert_int_equal(s.len[0], 4);
    esim_tcp_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(in_order_and_close),
        cmocka_unit_test(out_of_order_and_retransmission),
        cmocka_unit_test(gaps),
        cmocka_unit_test(reset_and_wraparound),
        cmocka_unit_test(flow_table_stays_bounded),
        cmocka_unit_test(ignored_flow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
