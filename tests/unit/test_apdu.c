/* APDU layer: T=0 GET RESPONSE / 6Cxx folding, logical channels, ISD-R tracking, STORE DATA
 * chaining into ES10 commands, INS/SW tables, GSMTAP-SIM (both variants). The real SIMtrace
 * capture is checked in test_capture_real.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/apdu.h"
#include "esim/apdu_names.h"
#include "esim/gsmtap.h"
#include "testutil.h"

/* Events copied out of the callback. */
typedef struct rec {
    esim_apdu_ev_type type;
    uint64_t f1, f2;
    uint8_t cla, ins, p1, p2, channel;
    bool isd_r;
    uint8_t cmd[64], rsp[128];
    size_t cmd_len, rsp_len, cmd_full;
    uint16_t sw;
    unsigned getresp, blocks;
    bool reissued;
    char name[40], text[160];
} rec;

typedef struct log {
    rec r[64];
    size_t n;
    unsigned count[4];
} log_t;

static void on_event(const esim_apdu_event *ev, void *user)
{
    log_t *l = user;
    l->count[ev->type]++;
    if (l->n == sizeof l->r / sizeof l->r[0])
        return;
    rec *r = &l->r[l->n++];
    *r = (rec){.type = ev->type, .f1 = ev->frame_first, .f2 = ev->frame_last, .cla = ev->cla,
               .ins = ev->ins, .p1 = ev->p1, .p2 = ev->p2, .channel = ev->channel,
               .isd_r = ev->isd_r, .sw = ev->sw, .getresp = ev->get_responses,
               .blocks = ev->blocks, .reissued = ev->reissued};
    r->cmd_full = ev->cmd_len;
    r->cmd_len = ev->cmd_len < sizeof r->cmd ? ev->cmd_len : sizeof r->cmd;
    r->rsp_len = ev->rsp_len < sizeof r->rsp ? ev->rsp_len : sizeof r->rsp;
    if (r->cmd_len)
        memcpy(r->cmd, ev->cmd_data, r->cmd_len);
    if (r->rsp_len)
        memcpy(r->rsp, ev->rsp_data, r->rsp_len);
    snprintf(r->name, sizeof r->name, "%s", ev->ins_name ? ev->ins_name : "");
    snprintf(r->text, sizeof r->text, "%s", ev->text ? ev->text : "");
}

static uint64_t frame;

/* Feeds a T=0 message given in hex (header, data, SW). */
static void t0(esim_apdu_ctx *c, const char *hex)
{
    uint8_t m[600];
    long n = tu_unhex(hex, m, sizeof m);
    assert_true(n > 0);
    esim_error err = {{0}};
    assert_int_equal(esim_apdu_feed_t0(c, ++frame, 1000, 0, m, (size_t)n, &err), 0);
}

/* n bytes 00 01 02 ... as hex */
static const char *seq_hex(size_t n)
{
    static char h[1024];
    for (size_t i = 0; i < n; i++)
        sprintf(h + 2 * i, "%02X", (unsigned)(i & 0xFF));
    h[2 * n] = 0;
    return h;
}

static void t0_cat(esim_apdu_ctx *c, const char *a, const char *b, const char *d)
{
    char h[1200];
    snprintf(h, sizeof h, "%s%s%s", a, b, d);
    t0(c, h);
}

static void get_response_and_channels(void **state)
{
    (void)state;
    log_t l = {0};
    esim_apdu_ctx *c = esim_apdu_new(on_event, &l);
    frame = 0;
    uint8_t atr[] = {0x3B, 0x9F, 0x96};
    esim_apdu_atr(c, ++frame, 1000, 0, atr, sizeof atr);
    /* SELECT MF, 61 2F, GET RESPONSE 2F + 47 bytes: one event over frames 2-3 */
    t0(c, "00A40004023F00612F");
    t0_cat(c, "00C000002F", seq_hex(47), "9000");
    /* MANAGE CHANNEL open (P2 = 0): the card assigns channel 1 */
    t0(c, "007000000101" "9000");
    /* SELECT ISD-R on channel 1; the response comes in two GET RESPONSEs (6120 then 6110) */
    t0(c, "01A4040010A0000005591010FFFFFFFF8900000100" "6130");
    t0_cat(c, "01C0000020", seq_hex(32), "6110");
    t0_cat(c, "01C0000010", seq_hex(16), "9000");
    /* READ BINARY with wrong Le: 6C 10, re-issued with Le = 16 */
    t0(c, "00B00000006C10");
    t0_cat(c, "00B0000010", seq_hex(16), "9000");
    /* extended channel 5 (CLA 41), never opened: a finding, then an unknown INS */
    t0(c, "41F2000000" "6D00");
    t0(c, "00708001009000");  /* close channel 1 */
    t0(c, "81E2910003BF2E00" "9000"); /* on a closed channel: finding, no ES10 */
    esim_apdu_flush(c);

    assert_int_equal(l.count[ESIM_APDU_EV_ATR], 1);
    assert_int_equal(l.count[ESIM_APDU_EV_APDU], 7);
    assert_int_equal(l.count[ESIM_APDU_EV_ES10], 0);
    assert_int_equal(l.count[ESIM_APDU_EV_FINDING], 2);
    rec *r = &l.r[1];
    assert_string_equal(r->name, "SELECT");
    assert_int_equal(r->f1, 2);
    assert_int_equal(r->f2, 3);
    assert_int_equal(r->sw, 0x9000);
    assert_int_equal(r->getresp, 1);
    assert_int_equal(r->cmd_len, 2);
    assert_int_equal(r->rsp_len, 47);
    assert_int_equal(r->rsp[46], 46);
    r = &l.r[2];
    assert_string_equal(r->name, "MANAGE CHANNEL");
    assert_int_equal(r->rsp_len, 1);
    r = &l.r[3];
    assert_int_equal(r->channel, 1);
    assert_int_equal(r->f1, 5);
    assert_int_equal(r->f2, 7);
    assert_int_equal(r->getresp, 2);
    assert_int_equal(r->rsp_len, 48);
    assert_int_equal(r->cmd_len, 16);
    assert_false(r->isd_r); /* flag is what the channel held before this SELECT */
    r = &l.r[4];
    assert_string_equal(r->name, "READ BINARY");
    assert_true(r->reissued);
    assert_int_equal(r->f1, 8);
    assert_int_equal(r->f2, 9);
    assert_int_equal(r->p2, 0);
    assert_int_equal(r->rsp_len, 16);
    assert_int_equal(l.r[5].type, ESIM_APDU_EV_FINDING);
    assert_non_null(strstr(l.r[5].text, "channel 5"));
    r = &l.r[6];
    assert_int_equal(r->channel, 5);
    assert_string_equal(r->name, "STATUS");
    assert_string_equal(r->text, "instruction code not supported or invalid");
    assert_int_equal(l.r[7].type, ESIM_APDU_EV_APDU);  /* MANAGE CHANNEL close */
    assert_int_equal(l.r[8].type, ESIM_APDU_EV_FINDING); /* STORE DATA on closed channel 1 */
    assert_int_equal(l.r[9].type, ESIM_APDU_EV_APDU);
    assert_false(l.r[9].isd_r);
    esim_apdu_free(c);
}

static void store_data_chaining(void **state)
{
    (void)state;
    log_t l = {0};
    esim_apdu_ctx *c = esim_apdu_new(on_event, &l);
    frame = 0;
    /* ISD-R selected on the basic channel */
    t0(c, "00A4040010A0000005591010FFFFFFFF8900000100" "9000");
    /* GetEuiccChallenge BF2E 00 in two blocks, response 18 bytes through GET RESPONSE */
    t0(c, "80E2110001BF" "9000");
    t0(c, "80E2910102" "2E00" "6112");
    t0(c, "80C0000012" "BF2E1280100102030405060708090A0B0C0D0E0F10" "9000");
    /* block gap: 00, then 02 (last) */
    t0(c, "80E2110001BF" "9000");
    t0(c, "80E2910202" "2000" "9000");
    /* a single-block command sent as a full APDU (case 4, e.g. through a T=1 reader) */
    uint8_t cmd[] = {0x80, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x3E, 0x00, 0x00};
    uint8_t rsp[] = {0xBF, 0x3E, 0x03, 0x5A, 0x01, 0x89, 0x90, 0x00};
    ++frame;
    esim_apdu_feed(c, frame, frame, 0, 0, cmd, sizeof cmd, rsp, sizeof rsp);
    /* extended-length case 4 (Lc 00 01 00, 256 bytes, Le 00 00) and case 2 (Le 00 01 00) */
    uint8_t ext[4 + 3 + 256 + 2] = {0x80, 0xE2, 0x91, 0x00, 0x00, 0x01, 0x00};
    ext[7] = 0xBF, ext[8] = 0x22, ext[9] = 0x81, ext[10] = 0xFD;
    uint8_t ok[] = {0x90, 0x00};
    ++frame;
    esim_apdu_feed(c, frame, frame, 0, 0, ext, sizeof ext, ok, sizeof ok);
    uint8_t ext2[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00};
    ++frame;
    esim_apdu_feed(c, frame, frame, 0, 0, ext2, sizeof ext2, ok, sizeof ok);
    /* intermediate block rejected */
    t0(c, "80E2110001BF" "6A80");
    /* unfinished chain at the end */
    t0(c, "80E2110001BF" "9000");
    esim_apdu_flush(c);

    assert_int_equal(l.count[ESIM_APDU_EV_ES10], 4);
    rec *es10[4];
    size_t k = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.r[i].type == ESIM_APDU_EV_ES10)
            es10[k++] = &l.r[i];
    assert_int_equal(es10[0]->cmd_len, 3);
    assert_memory_equal(es10[0]->cmd, "\xBF\x2E\x00", 3);
    assert_int_equal(es10[0]->rsp_len, 21);
    assert_int_equal(es10[0]->rsp[0], 0xBF);
    assert_int_equal(es10[0]->blocks, 2);
    assert_int_equal(es10[0]->f1, 2);
    assert_int_equal(es10[0]->f2, 4);
    assert_int_equal(es10[0]->sw, 0x9000);
    assert_true(es10[0]->isd_r);
    assert_memory_equal(es10[1]->cmd, "\xBF\x20\x00", 3);
    assert_memory_equal(es10[2]->cmd, "\xBF\x3E\x00", 3);
    assert_int_equal(es10[2]->rsp_len, 6);
    assert_memory_equal(es10[3]->cmd, "\xBF\x22\x81\xFD", 4); /* extended: 256 data bytes */
    assert_int_equal(es10[3]->cmd_full, 256);
    bool seen_b0 = false;
    for (size_t i = 0; i < l.n; i++)
        if (l.r[i].type == ESIM_APDU_EV_APDU && l.r[i].ins == 0xB0) {
            assert_int_equal(l.r[i].cmd_full, 0); /* extended case 2: no command data */
            seen_b0 = true;
        }
    assert_true(seen_b0);
    /* findings: the gap, the rejected block, the unfinished chain */
    assert_int_equal(l.count[ESIM_APDU_EV_FINDING], 3);
    const char *want[] = {"expected 1", "rejected with 6A80", "ends inside"};
    k = 0;
    for (size_t i = 0; i < l.n; i++)
        if (l.r[i].type == ESIM_APDU_EV_FINDING) {
            if (!strstr(l.r[i].text, want[k]))
                fail_msg("finding %zu: '%s' lacks '%s'", k, l.r[i].text, want[k]);
            k++;
        }
    /* every STORE DATA block is an APDU event too, flagged as ISD-R */
    for (size_t i = 0; i < l.n; i++)
        if (l.r[i].type == ESIM_APDU_EV_APDU && l.r[i].ins == 0xE2)
            assert_true(l.r[i].isd_r);
    esim_apdu_free(c);
}

static void tables_and_split(void **state)
{
    (void)state;
    char b[128];
    assert_string_equal(esim_sw_meaning(0x9000, b, sizeof b), "normal ending of the command");
    assert_string_equal(esim_sw_meaning(0x6A82, b, sizeof b), "file or application not found");
    assert_non_null(strstr(esim_sw_meaning(0x6123, b, sizeof b), "35 bytes"));
    assert_non_null(strstr(esim_sw_meaning(0x6100, b, sizeof b), "256 bytes"));
    assert_non_null(strstr(esim_sw_meaning(0x6C10, b, sizeof b), "16 bytes"));
    assert_non_null(strstr(esim_sw_meaning(0x63C2, b, sizeof b), "2 retries"));
    assert_non_null(strstr(esim_sw_meaning(0x910B, b, sizeof b), "11 bytes"));
    assert_non_null(strstr(esim_sw_meaning(0x6F42, b, sizeof b), "42"));
    assert_non_null(strstr(esim_sw_meaning(0x1234, b, sizeof b), "unknown"));
    assert_true(esim_sw_ok(0x9000) && esim_sw_ok(0x9110) && !esim_sw_ok(0x9240));
    assert_string_equal(esim_ins_name(0xF2, 0x00), "STATUS");
    assert_string_equal(esim_ins_name(0xF2, 0x80), "GET STATUS");
    assert_string_equal(esim_ins_name(0xE2, 0x91), "STORE DATA");
    assert_string_equal(esim_ins_name(0x01, 0x00), "UNKNOWN INS");
    assert_int_equal(esim_apdu_channel(0x00), 0);
    assert_int_equal(esim_apdu_channel(0x83), 3);
    assert_int_equal(esim_apdu_channel(0xA0), 0);
    assert_int_equal(esim_apdu_channel(0x40), 4);
    assert_int_equal(esim_apdu_channel(0x6F), 19);
    assert_int_equal(esim_apdu_channel(0xC1), 5);
    assert_int_equal(esim_apdu_channel(0xEF), 19);
    assert_int_equal(esim_apdu_channel(0xFF), -1);
    /* READ BINARY (case 2): all data is response */
    uint8_t rb[] = {0x00, 0xB0, 0, 0, 2, 0xAA, 0xBB, 0x90, 0x00};
    assert_int_equal(esim_apdu_t0_split(rb, sizeof rb), 5);
    /* UPDATE BINARY (case 3) */
    uint8_t ub[] = {0x00, 0xD6, 0, 0, 2, 0xAA, 0xBB, 0x90, 0x00};
    assert_int_equal(esim_apdu_t0_split(ub, sizeof ub), 7);
    /* unknown INS: data up to P3 taken as command data, more than P3 as response */
    uint8_t u1[] = {0x80, 0x01, 0, 0, 2, 0xAA, 0xBB, 0x90, 0x00};
    assert_int_equal(esim_apdu_t0_split(u1, sizeof u1), 7);
    uint8_t u2[] = {0x80, 0x01, 0, 0, 1, 0xAA, 0xBB, 0x90, 0x00};
    assert_int_equal(esim_apdu_t0_split(u2, sizeof u2), 5);
    /* short/malformed input */
    log_t l = {0};
    esim_apdu_ctx *c = esim_apdu_new(on_event, &l);
    esim_error err = {{0}};
    assert_int_equal(esim_apdu_feed_t0(c, 1, 0, 0, ub, 6, &err), -1);
    assert_non_null(strstr(err.msg, "shorter"));
    esim_apdu_feed(c, 2, 2, 0, 0, ub, 3, ub, 2);
    uint8_t bad[] = {0x00, 0xA4, 0x04, 0x00, 0x05, 0x01};
    esim_apdu_feed(c, 3, 3, 0, 0, bad, sizeof bad, rb + 7, 2);
    assert_int_equal(l.count[ESIM_APDU_EV_FINDING], 2);
    assert_int_equal(l.count[ESIM_APDU_EV_APDU], 1);
    esim_apdu_free(c);
}

static void gsmtap_variants(void **state)
{
    (void)state;
    esim_gsmtap g;
    esim_error err = {{0}};
    uint8_t hdr[16 + 9] = {2, 4, 4};
    memcpy(hdr + 16, "\x00\xA4\x00\x04\x02\x3F\x00\x90\x00", 9);
    assert_int_equal(esim_gsmtap_parse(hdr, sizeof hdr, &g, &err), 0);
    assert_int_equal(g.type, ESIM_GSMTAP_TYPE_SIM);
    assert_int_equal(g.payload_len, 9);
    hdr[0] = 3;
    assert_int_equal(esim_gsmtap_parse(hdr, sizeof hdr, &g, &err), -1);
    hdr[0] = 2;
    hdr[1] = 9; /* 36 bytes: beyond the message */
    assert_int_equal(esim_gsmtap_parse(hdr, sizeof hdr, &g, &err), -1);
    assert_int_equal(esim_gsmtap_parse(hdr, 10, &g, &err), -1);

    /* split variant: HDR, CMD, SW then HDR, RSP, SW; a stray RSP is an error */
    log_t l = {0};
    esim_apdu_ctx *c = esim_apdu_new(on_event, &l);
    esim_gsmtap_sim *s = esim_gsmtap_sim_new(c);
    struct { uint8_t st; const char *hex; int rc; } parts[] = {
        {ESIM_GSMTAP_SIM_TPDU_RSP, "AABB", -1},
        {ESIM_GSMTAP_SIM_TPDU_HDR, "00A4000402", 0}, {ESIM_GSMTAP_SIM_TPDU_CMD, "3F00", 0},
        {ESIM_GSMTAP_SIM_TPDU_SW, "9000", 0},
        {ESIM_GSMTAP_SIM_TPDU_HDR, "00B0000002", 0}, {ESIM_GSMTAP_SIM_TPDU_RSP, "AABB", 0},
        {ESIM_GSMTAP_SIM_TPDU_SW, "9000", 0},
        {ESIM_GSMTAP_SIM_PPS_REQ, "FF1096", 0},
        {ESIM_GSMTAP_SIM_TPDU_HDR, "00B00000", -1},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        uint8_t d[16];
        long n = tu_unhex(parts[i].hex, d, sizeof d);
        esim_gsmtap m = {.version = 2, .type = ESIM_GSMTAP_TYPE_SIM, .sub_type = parts[i].st,
                         .payload = d, .payload_len = (size_t)n};
        assert_int_equal(esim_gsmtap_sim_feed(s, i + 1, 0, 0, &m, &err), parts[i].rc);
    }
    esim_apdu_flush(c);
    assert_int_equal(l.count[ESIM_APDU_EV_APDU], 2);
    assert_int_equal(l.r[0].cmd_len, 2);
    assert_int_equal(l.r[0].f1, 2);
    assert_int_equal(l.r[0].f2, 4); /* header to status word */
    assert_int_equal(l.r[1].rsp_len, 2);
    assert_int_equal(l.r[1].rsp[1], 0xBB);
    esim_gsmtap_sim_free(s);
    esim_apdu_free(c);
}

/* ISO 7816-3 12.1: the data field and Le of every command case, short and extended */
static void apdu_cases(void **state)
{
    (void)state;
    esim_apdu_body b;
    const uint8_t c1[] = {0x00, 0x70, 0x00, 0x00};
    assert_true(esim_apdu_parse_body(c1, sizeof c1, &b));
    assert_int_equal(b.data_len, 0);
    assert_false(b.has_le);
    const uint8_t c2s[] = {0x00, 0xC0, 0x00, 0x00, 0x00};
    assert_true(esim_apdu_parse_body(c2s, sizeof c2s, &b));
    assert_true(b.has_le);
    assert_int_equal(b.le, 256);
    const uint8_t c4s[] = {0x81, 0xE2, 0x91, 0x00, 0x02, 0xBF, 0x20, 0x00};
    assert_true(esim_apdu_parse_body(c4s, sizeof c4s, &b));
    assert_int_equal(b.data_off, 5);
    assert_int_equal(b.data_len, 2);
    assert_true(b.has_le);
    assert_false(b.extended);
    uint8_t c4e[4 + 3 + 300 + 2] = {0x81, 0xE2, 0x91, 0x00, 0x00, 0x01, 0x2C};
    assert_true(esim_apdu_parse_body(c4e, sizeof c4e, &b));
    assert_true(b.extended);
    assert_int_equal(b.data_off, 7);
    assert_int_equal(b.data_len, 300);
    assert_true(b.has_le);
    assert_int_equal(b.le, 65536);
    assert_true(esim_apdu_parse_body(c4e, sizeof c4e - 2, &b));
    assert_false(b.has_le);
    assert_int_equal(b.data_len, 300);
    const uint8_t c2e[] = {0x00, 0xB0, 0x00, 0x00, 0x00, 0x01, 0x00};
    assert_true(esim_apdu_parse_body(c2e, sizeof c2e, &b));
    assert_true(b.extended);
    assert_int_equal(b.le, 256);
    assert_int_equal(b.data_len, 0);
    const uint8_t bad[] = {0x00, 0xA4, 0x04, 0x00, 0x05, 0x01};
    assert_false(esim_apdu_parse_body(bad, sizeof bad, &b));
    assert_false(esim_apdu_parse_body(bad, 3, &b));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_response_and_channels),
        cmocka_unit_test(store_data_chaining),
        cmocka_unit_test(tables_and_split),
        cmocka_unit_test(gsmtap_variants),
        cmocka_unit_test(apdu_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
