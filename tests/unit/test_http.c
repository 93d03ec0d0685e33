/* HTTP/1.1 parsing: Content-Length and chunked bodies at any split, pipelining and pairing,
 * bodies delimited by close, no-body responses, bounds and malformed framing, gaps; and an
 * ES9+-like exchange in a synthetic pcap with out-of-order and retransmitted TCP segments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/capture.h"
#include "esim/http.h"
#include "esim/netdecode.h"
#include "esim/tcp_reasm.h"
#include "test_capture_util.h"

typedef struct msg {
    esim_http_ev_type type;
    char method[16], uri[128], ctype[64], admin[64], text[256];
    int status;
    bool chunked;
    char body[512];
    size_t body_len;
    uint64_t f1, f2, req_frame;
} msg;

typedef struct sink {
    msg m[16];
    size_t n;
} sink;

static void on_http(const esim_http_event *ev, void *user)
{
    sink *s = user;
    assert_true(s->n < 16);
    msg *m = &s->m[s->n++];
    memset(m, 0, sizeof *m);
    m->type = ev->type;
    snprintf(m->method, sizeof m->method, "%s", ev->method ? ev->method : "");
    snprintf(m->uri, sizeof m->uri, "%s", ev->uri ? ev->uri : "");
    snprintf(m->ctype, sizeof m->ctype, "%s", ev->content_type ? ev->content_type : "");
    snprintf(m->admin, sizeof m->admin, "%s", ev->admin_protocol ? ev->admin_protocol : "");
    snprintf(m->text, sizeof m->text, "%s", ev->text ? ev->text : "");
    m->status = ev->status;
    m->chunked = ev->chunked;
    m->body_len = ev->body_len;
    m->f1 = ev->frame_first;
    m->f2 = ev->frame_last;
    m->req_frame = ev->request_frame;
    if (ev->body_len && ev->body_len < sizeof m->body)
        memcpy(m->body, ev->body, ev->body_len);
}

static const char req[] =
    "POST /gsma/rsp2/es9plus/initiateAuthentication HTTP/1.1\r\n"
    "Host: smdp.example\r\n"
    "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
    "Content-Type: application/json;charset=UTF-8\r\n"
    "Content-Length: 17\r\n\r\n"
    "{\"euiccInfo1\":\"\"}";
static const char rsp_chunked[] =
    "HTTP/1.1 200 OK\r\n"
    "X-Admin-Protocol: gsma/rsp/v2.2.0\r\n"
    "Transfer-Encoding: chunked\r\n"
    "Content-Type: application/json\r\n\r\n"
    "5;ext=1\r\n{\"hea\r\n"
    "B\r\nder\":{}, \"x\r\n"
    "2\r\n\"}\r\n"
    "0\r\nTrailer: t\r\n\r\n";

static void feed(esim_http *h, int dir, const char *s, size_t step)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += step)
        esim_http_data(h, dir, (const uint8_t *)s + i, n - i < step ? n - i : step, i + 1, 0, 0);
}

static void content_length_and_chunked_any_split(void **state)
{
    (void)state;
    for (size_t step = 1; step <= 64; step = step * 2 + 1) {
        sink s = {0};
        esim_http *h = esim_http_new(1, on_http, &s);
        feed(h, 0, req, step);
        feed(h, 1, rsp_chunked, step);
        assert_int_equal(s.n, 2);
        assert_int_equal(s.m[0].type, ESIM_HTTP_EV_REQUEST);
        assert_string_equal(s.m[0].method, "POST");
        assert_string_equal(s.m[0].uri, "/gsma/rsp2/es9plus/initiateAuthentication");
        assert_string_equal(s.m[0].admin, "gsma/rsp/v2.2.0");
        assert_string_equal(s.m[0].ctype, "application/json;charset=UTF-8");
        assert_int_equal(s.m[0].body_len, 17);
        assert_memory_equal(s.m[0].body, "{\"euiccInfo1\":\"\"}", 17);
        assert_int_equal(s.m[1].type, ESIM_HTTP_EV_RESPONSE);
        assert_int_equal(s.m[1].status, 200);
        assert_true(s.m[1].chunked);
        assert_string_equal(s.m[1].uri, "/gsma/rsp2/es9plus/initiateAuthentication");
        assert_int_equal(s.m[1].body_len, 18);
        assert_memory_equal(s.m[1].body, "{\"header\":{}, \"x\"}", 18);
        esim_http_free(h);
    }
}

static void pipelining_and_no_body(void **state)
{
    (void)state;
    sink s = {0};
    esim_http *h = esim_http_new(1, on_http, &s);
    feed(h, 0, "\r\nGET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\n\r\n"
               "POST /c HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi", 1000);
    feed(h, 1, "HTTP/1.1 100 Continue\r\n\r\n"
               "HTTP/1.1 204 No Content\r\n\r\n"
               "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n" /* HEAD: no body */
               "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close", 1000);
    assert_int_equal(s.n, 6);
    esim_http_end(h, 1, 99);
    assert_int_equal(s.n, 7);
    assert_string_equal(s.m[0].uri, "/a");
    assert_string_equal(s.m[2].uri, "/c");
    assert_memory_equal(s.m[2].body, "hi", 2);
    assert_int_equal(s.m[3].status, 100);
    assert_string_equal(s.m[3].uri, ""); /* interim: not paired */
    assert_int_equal(s.m[4].status, 204);
    assert_string_equal(s.m[4].uri, "/a");
    assert_string_equal(s.m[5].method, "HEAD");
    assert_int_equal(s.m[5].body_len, 0);
    assert_string_equal(s.m[6].uri, "/c");
    assert_int_equal(s.m[6].body_len, 11);
    assert_int_equal(s.m[6].f2, 1); /* last data frame, not the closing one */
    esim_http_free(h);
}

static void expect_error(const char *text, const char *what)
{
    sink s = {0};
    esim_http *h = esim_http_new(1, on_http, &s);
    feed(h, 0, text, 7);
    /* the parser recovers on the next message */
    feed(h, 0, "\r\nGET /next HTTP/1.1\r\n\r\n", 1000);
    assert_true(s.n >= 2);
    assert_int_equal(s.m[0].type, ESIM_HTTP_EV_ERROR);
    if (!strstr(s.m[0].text, what))
        fail_msg("expected '%s' in '%s'", what, s.m[0].text);
    assert_int_equal(s.m[s.n - 1].type, ESIM_HTTP_EV_REQUEST);
    assert_string_equal(s.m[s.n - 1].uri, "/next");
    esim_http_free(h);
}

static void malformed_and_bounds(void **state)
{
    (void)state;
    expect_error("FOO\r\n\r\n", "start line");
    expect_error("HTTP/1.1 2x0 OK\r\n\r\n", "start line");
    expect_error("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", "Content-Length");
    expect_error("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "conflicting");
    expect_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "chunk size");
    expect_error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n", "CRLF");
    expect_error("POST / HTTP/1.1\r\nbad header\r\n\r\n", "header line");
    char *big = malloc(ESIM_HTTP_MAX_HEADER + 100);
    strcpy(big, "GET / HTTP/1.1\r\nX: ");
    size_t n = strlen(big);
    memset(big + n, 'a', ESIM_HTTP_MAX_HEADER);
    big[n + ESIM_HTTP_MAX_HEADER] = 0;
    expect_error(big, "exceeds");
    free(big);

    /* gap inside a body: message dropped, next one parsed */
    sink s = {0};
    esim_http *h = esim_http_new(1, on_http, &s);
    feed(h, 0, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc", 1000);
    esim_http_gap(h, 0, 5, 7);
    feed(h, 0, "de\r\nGET /z HTTP/1.1\r\n\r\n", 1000);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.m[0].type, ESIM_HTTP_EV_ERROR);
    assert_non_null(strstr(s.m[0].text, "5 bytes missing"));
    assert_string_equal(s.m[1].uri, "/z");
    /* closed inside a message */
    feed(h, 0, "GET /half HTTP/1.1\r\nHo", 1000);
    esim_http_end(h, 0, 9);
    assert_int_equal(s.m[2].type, ESIM_HTTP_EV_ERROR);
    esim_http_free(h);
}

static void tcp_to_http(const esim_tcp_event *ev, void *user)
{
    esim_http_on_tcp(ev, on_http, user);
}

/* The request and the chunked response as TCP segments in a pcap: the response arrives in
 * three segments out of order with one retransmission. */
static void over_tcp_in_pcap(void **state)
{
    (void)state;
    static const uint8_t cli[4] = {192, 168, 1, 2}, srv[4] = {203, 0, 113, 9};
    tbuf cap = {0};
    pcap_start(&cap, false, false, ESIM_LINKTYPE_ETHERNET);
    struct { int dir; uint32_t off; uint8_t flags; const char *d; size_t n; } segs[] = {
        {0, 0, ESIM_TCP_SYN, NULL, 0},
        {1, 0, ESIM_TCP_SYN | ESIM_TCP_ACK, NULL, 0},
        {0, 1, ESIM_TCP_ACK, req, 60},
        {0, 61, ESIM_TCP_ACK | ESIM_TCP_PSH, req + 60, sizeof req - 1 - 60},
        {1, 1 + 100, ESIM_TCP_ACK, rsp_chunked + 100, 40},
        {1, 1, ESIM_TCP_ACK, rsp_chunked, 100},
        {1, 1, ESIM_TCP_ACK, rsp_chunked, 100}, /* retransmission */
        {1, 1 + 140, ESIM_TCP_ACK | ESIM_TCP_PSH, rsp_chunked + 140, sizeof rsp_chunked - 1 - 140},
        {0, (uint32_t)sizeof req, ESIM_TCP_FIN | ESIM_TCP_ACK, NULL, 0},
        {1, (uint32_t)sizeof rsp_chunked, ESIM_TCP_FIN | ESIM_TCP_ACK, NULL, 0},
    };
    for (size_t i = 0; i < sizeof segs / sizeof segs[0]; i++) {
        tbuf p = {0};
        int d = segs[i].dir;
        pkt_tcp(&p, d ? srv : cli, d ? 443 : 50000, d ? cli : srv, d ? 50000 : 443,
                (d ? 7000u : 0xFFFFFF00u) + segs[i].off, 0, segs[i].flags, segs[i].d, segs[i].n);
        cap.be = false;
        pcap_rec(&cap, 1700000000 + (uint32_t)i, 0, p.p, (uint32_t)p.n);
        free(p.p);
    }
    esim_error err = {{0}};
    esim_capture *c = esim_capture_open_mem(cap.p, cap.n, &err);
    assert_non_null(c);
    sink s = {0};
    esim_tcp_reasm *r = esim_tcp_new(tcp_to_http, &s, NULL);
    esim_packet pk;
    while (esim_capture_next(c, &pk, &err) == 1) {
        esim_net n;
        assert_int_equal(esim_net_decode(pk.linktype, pk.data, pk.caplen, &n, &err), 0);
        esim_tcp_feed(r, pk.frame, pk.ts_sec, pk.ts_nsec, &n);
    }
    assert_int_equal(esim_tcp_flow_count(r), 0); /* FIN both ways: evicted */
    esim_tcp_free(r);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.m[0].type, ESIM_HTTP_EV_REQUEST);
    assert_int_equal(s.m[0].f1, 3);
    assert_int_equal(s.m[0].f2, 4);
    assert_int_equal(s.m[0].body_len, 17);
    assert_int_equal(s.m[1].type, ESIM_HTTP_EV_RESPONSE);
    assert_int_equal(s.m[1].req_frame, 3);
    assert_string_equal(s.m[1].uri, "/gsma/rsp2/es9plus/initiateAuthentication");
    assert_int_equal(s.m[1].body_len, 18);
    assert_memory_equal(s.m[1].body, "{\"header\":{}, \"x\"}", 18);
    esim_capture_close(c);
    free(cap.p);
}

/* The TCP glue: a TLS flow is ignored, a flow caught mid-message is picked up at the next start
 * line without errors, the parser is freed on CLOSE. */
static void glue_tls_and_midstream(void **state)
{
    (void)state;
    sink s = {0};
    void *slot[2] = {NULL, NULL};
    const char *tls = "\x16\x03\x01\x02\x00GET / HTTP/1.1\r\n\r\n";
    const char *mid = "ody\"}\r\nGET /n HTTP/1.1\r\n\r\n";
    esim_tcp_event ev = {.type = ESIM_TCP_EV_DATA, .flow_id = 1, .data = (const uint8_t *)tls,
                         .len = strlen(tls), .frame = 1, .flow_user = &slot[0]};
    esim_http_on_tcp(&ev, on_http, &s);
    ev.flow_id = 2;
    ev.flow_user = &slot[1];
    ev.data = (const uint8_t *)mid;
    ev.len = strlen(mid);
    esim_http_on_tcp(&ev, on_http, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.m[0].type, ESIM_HTTP_EV_REQUEST);
    assert_string_equal(s.m[0].uri, "/n");
    ev.flow_user = &slot[0];
    ev.data = (const uint8_t *)"GET /x HTTP/1.1\r\n\r\n";
    ev.len = strlen((const char *)ev.data);
    esim_http_on_tcp(&ev, on_http, &s); /* still TLS for us */
    assert_int_equal(s.n, 1);
    for (int i = 0; i < 2; i++) {
        esim_tcp_event close = {.type = ESIM_TCP_EV_CLOSE, .flow_user = &slot[i]};
        esim_http_on_tcp(&close, on_http, &s);
        assert_null(slot[i]);
    }
}

/* A flow caught mid-connection that shows no start line within ESIM_HTTP_MAX_HUNT bytes of
 * binary data is dropped (and the TCP layer told to ignore it); one within the bound, or after
 * any amount of text, is picked up. */
static void hunt_bounded(void **state)
{
    (void)state;
    sink s = {0};
    void *slot = NULL;
    bool ignored = false;
    static uint8_t bulk[1448];
    for (size_t i = 0; i < sizeof bulk; i++)
        bulk[i] = (uint8_t)(i * 7); /* binary, with '\n' in it */
    static char text[4096];
    memset(text, 'x', sizeof text - 1);
    text[700] = '\n';
    esim_tcp_event ev = {.type = ESIM_TCP_EV_DATA, .flow_id = 1, .data = bulk, .len = sizeof bulk,
                         .frame = 1, .flow_user = &slot, .ignore_flow = &ignored};
    size_t sent = 0;
    while (sent + sizeof bulk < ESIM_HTTP_MAX_HUNT) {
        esim_http_on_tcp(&ev, on_http, &s);
        sent += sizeof bulk;
    }
    assert_false(ignored);
    const char *get = "GET /late HTTP/1.1\r\n\r\n";
    ev.data = (const uint8_t *)get;
    ev.len = strlen(get);
    esim_http_on_tcp(&ev, on_http, &s); /* still within the bound: found */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.m[0].uri, "/late");
    esim_tcp_event close = {.type = ESIM_TCP_EV_CLOSE, .flow_user = &slot};
    esim_http_on_tcp(&close, on_http, &s);

    ev.data = bulk;
    ev.len = sizeof bulk;
    for (sent = 0; sent < ESIM_HTTP_MAX_HUNT; sent += sizeof bulk) {
        assert_false(ignored);
        esim_http_on_tcp(&ev, on_http, &s);
    }
    assert_true(ignored);
    ev.data = (const uint8_t *)get;
    ev.len = strlen(get);
    esim_http_on_tcp(&ev, on_http, &s);
    assert_int_equal(s.n, 1);
    esim_http_on_tcp(&close, on_http, &s);
    assert_null(slot);

    ignored = false;
    ev.data = (const uint8_t *)text;
    ev.len = strlen(text);
    for (sent = 0; sent < 4 * ESIM_HTTP_MAX_HUNT; sent += ev.len)
        esim_http_on_tcp(&ev, on_http, &s);
    assert_false(ignored);
    ev.data = (const uint8_t *)get;
    ev.len = strlen(get);
    esim_http_on_tcp(&ev, on_http, &s);
    assert_int_equal(s.n, 2);
    esim_http_on_tcp(&close, on_http, &s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_length_and_chunked_any_split),
        cmocka_unit_test(pipelining_and_no_body),
        cmocka_unit_test(malformed_and_bounds),
        cmocka_unit_test(over_tcp_in_pcap),
        cmocka_unit_test(glue_tls_and_midstream),
        cmocka_unit_test(hunt_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
