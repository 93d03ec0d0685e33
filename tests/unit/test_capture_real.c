/* The real SIMtrace capture in ../shared (skipped when absent): the reader, the APDU layer and
 * the pipeline against figures obtained independently with tshark. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "esim/apdu.h"
#include "esim/capture.h"
#include "esim/capture_pipe.h"
#include "esim/gsmtap.h"
#include "esim/netdecode.h"
#include "testutil.h"

static char trace[4096];
static const char *have_trace; /* trace, or NULL when the reference data is absent */

/* The real SIMtrace capture: 957 frames, all Ethernet/IPv4/UDP to port 4729. Figures from
 * `capinfos` and `tshark -T fields -e frame.time_epoch` (first 1689929999.922593878, last
 * 1689930281.040183596); the UDP count from `tshark -Y 'udp.dstport==4729' | wc -l`. */
static void real_simtrace_capture(void **state)
{
    (void)state;
    TU_NEED_SHARED(have_trace, "data/traces/simtrace-gsmtap-uicc.pcapng");
    const char *path = trace;
    esim_error err = {{0}};
    esim_capture *c = esim_capture_open(path, &err);
    assert_non_null(c);
    esim_packet pk, last = {0};
    int r;
    unsigned n = 0, udp4729 = 0;
    while ((r = esim_capture_next(c, &pk, &err)) == 1) {
        if (++n == 1) {
            assert_int_equal(pk.ts_sec, 1689929999);
            assert_int_equal(pk.ts_nsec, 922593878);
        }
        assert_int_equal(pk.linktype, ESIM_LINKTYPE_ETHERNET);
        esim_net net;
        assert_int_equal(esim_net_decode(pk.linktype, pk.data, pk.caplen, &net, &err), 0);
        if (net.l4 && net.proto == ESIM_IPPROTO_UDP && net.dport == 4729)
            udp4729++;
        last = pk;
    }
    assert_int_equal(r, 0);
    assert_int_equal(n, 957);
    assert_int_equal(udp4729, 957);
    assert_int_equal(last.frame, 957);
    assert_int_equal(last.ts_sec, 1689930281);
    assert_int_equal(last.ts_nsec, 40183596);
    esim_capture_close(c);
}

typedef struct real_stats {
    unsigned count[4], per_channel[ESIM_APDU_CHANNELS], getresp, sw6a82, sw9000, findings;
} real_stats;

static void on_real(const esim_apdu_event *ev, void *user)
{
    real_stats *s = user;
    s->count[ev->type]++;
    if (ev->type == ESIM_APDU_EV_FINDING) {
        fprintf(stderr, "  finding frame %llu: %s\n", (unsigned long long)ev->frame_first,
                ev->text);
        return;
    }
    if (ev->type != ESIM_APDU_EV_APDU)
        return;
    s->per_channel[ev->channel]++;
    s->getresp += ev->get_responses;
    s->sw6a82 += ev->sw == 0x6A82;
    s->sw9000 += ev->sw == 0x9000;
}

/* Expected figures, obtained independently of this code: `tshark -T fields -e udp.payload
 * -e gsm_sim.apdu.cla.log_chan -e gsm_sim.apdu.ins -e gsm_sim.apdu.sw` gives 957 GSMTAP-SIM
 * messages, 25 of sub-type 1 (ATR, payload byte 12), 932 APDUs of which 275 are GET RESPONSE
 * (INS C0) each directly after a 61xx on the same channel; folding them leaves 657 exchanges:
 * 558 on channel 0, 91 on channel 1, 8 on channel 2. tshark counts 38 responses 6A82 (all
 * final) and 608 messages ending in 9000 (each ends exactly one exchange: all 275 GET RESPONSEs
 * end in 9000). */
static void real_simtrace_apdus(void **state)
{
    (void)state;
    TU_NEED_SHARED(have_trace, "data/traces/simtrace-gsmtap-uicc.pcapng");
    const char *path = trace;
    real_stats st;
    memset(&st, 0, sizeof st);
    esim_apdu_ctx *c = esim_apdu_new(on_real, &st);
    esim_gsmtap_sim *s = esim_gsmtap_sim_new(c);
    esim_error err = {{0}};
    esim_capture *cap = esim_capture_open(path, &err);
    assert_non_null(cap);
    esim_packet pk;
    int r;
    while ((r = esim_capture_next(cap, &pk, &err)) == 1) {
        esim_net n;
        esim_gsmtap g;
        assert_int_equal(esim_net_decode(pk.linktype, pk.data, pk.caplen, &n, &err), 0);
        if (!n.l4 || n.proto != ESIM_IPPROTO_UDP || n.dport != ESIM_GSMTAP_PORT)
            continue;
        assert_int_equal(esim_gsmtap_parse(n.payload, n.payload_len, &g, &err), 0);
        if (esim_gsmtap_sim_feed(s, pk.frame, pk.ts_sec, pk.ts_nsec, &g, &err) < 0)
            fail_msg("%s", err.msg);
    }
    assert_int_equal(r, 0);
    esim_apdu_flush(c);
    assert_int_equal(st.count[ESIM_APDU_EV_ATR], 25);
    assert_int_equal(st.count[ESIM_APDU_EV_APDU], 657);
    assert_int_equal(st.getresp, 275);
    /* when tshark is installed, ask it again: every INS C0 message is one folded GET RESPONSE */
    char cmd[4300];
    snprintf(cmd, sizeof cmd, "tshark -r '%s' -T fields -e gsm_sim.apdu.ins 2>/dev/null", path);
    FILE *ts = access("/usr/bin/tshark", X_OK) == 0 ? popen(cmd, "r") : NULL;
    if (ts) {
        char line[64];
        unsigned c0 = 0, lines = 0;
        while (fgets(line, sizeof line, ts)) {
            lines++;
            c0 += !strncmp(line, "0xc0", 4);
        }
        if (pclose(ts) == 0 && lines) {
            assert_int_equal(lines, 957);
            assert_int_equal(c0, st.getresp);
        }
    }
    assert_int_equal(st.per_channel[0], 558);
    assert_int_equal(st.per_channel[1], 91);
    assert_int_equal(st.per_channel[2], 8);
    assert_int_equal(st.sw6a82, 38);
    assert_int_equal(st.sw9000, 608);
    assert_int_equal(st.count[ESIM_APDU_EV_ES10], 0); /* no RSP traffic in this capture */
    esim_capture_close(cap);
    esim_gsmtap_sim_free(s);
    esim_apdu_free(c);
}

typedef struct pipe_sink {
    unsigned apdu, atr, warnings;
} pipe_sink;

static void pipe_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user)
{
    pipe_sink *s = user;
    assert_int_equal(card->index, 0);
    s->apdu += ev->type == ESIM_APDU_EV_APDU;
    s->atr += ev->type == ESIM_APDU_EV_ATR;
}

static void pipe_warning(uint64_t frame, const char *msg, void *user)
{
    fprintf(stderr, "  warning frame %llu: %s\n", (unsigned long long)frame, msg);
    ((pipe_sink *)user)->warnings++;
}

/* End to end on the real capture: the same figures as real_simtrace_apdus (see there how they
 * were obtained), through esim_pipe_run_file. */
static void real_simtrace_pipe(void **state)
{
    (void)state;
    TU_NEED_SHARED(have_trace, "data/traces/simtrace-gsmtap-uicc.pcapng");
    const char *path = trace;
    pipe_sink s = {0};
    esim_pipe_handlers h = {.apdu = pipe_apdu, .warning = pipe_warning, .user = &s};
    esim_pipe_stats st;
    esim_error err = {{0}};
    assert_int_equal(esim_pipe_run_file(path, &h, &st, &err), 0);
    assert_int_equal(st.packets, 957);
    assert_int_equal(st.gsmtap, 957);
    assert_int_equal(st.cards, 1);
    assert_int_equal(s.atr, 25);
    assert_int_equal(s.apdu, 657);
    assert_int_equal(s.warnings, 0);
    assert_int_equal(esim_pipe_run_file("/nonexistent.pcap", &h, &st, &err), -1);
}

int main(void)
{
    const char *p = tu_shared_path("data/traces/simtrace-gsmtap-uicc.pcapng");
    if (p) /* else each case skips */
        snprintf(trace, sizeof trace, "%s", p);
    have_trace = p ? trace : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_simtrace_capture),
        cmocka_unit_test(real_simtrace_apdus),
        cmocka_unit_test(real_simtrace_pipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
