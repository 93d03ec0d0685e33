/* Phone and LPA logs (esim/log.h): the T=0 TPDU assembly of 0x19B7 records (procedure bytes,
 * 61xx + GET RESPONSE with the C0 procedure byte, 6Cxx, NULL bytes, slots), QCAT sequence
 * gaps, AT +CCHO/+CGLA, format detection, hex runs, and line numbers as frame numbers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/capture_pipe.h"
#include "esim/log.h"

#define MAX_EV 32

typedef struct rec {
    esim_apdu_ev_type type;
    unsigned card;
    uint64_t frame, frame_last;
    uint8_t ins;
    uint16_t sw;
    size_t cmd_len, rsp_len;
    unsigned get_responses;
    bool reissued, isd_r;
    uint8_t channel;
} rec;

typedef struct sink {
    rec ev[MAX_EV];
    unsigned n, warnings, cards, http;
    char http_desc[4][160];
    char warning[8][200];
    uint64_t warning_line[8];
} sink;

static void on_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user)
{
    sink *s = user;
    /* ES10 events and the mid-stream rule's note ("ISD-R assumed") are not what these tests
     * are about: the exchanges the log readers make */
    if (s->n == MAX_EV || ev->type == ESIM_APDU_EV_ES10 || ev->note)
        return;
    s->ev[s->n++] = (rec){ev->type, card->index, ev->frame_first, ev->frame_last, ev->ins,
                          ev->sw, ev->cmd_len, ev->rsp_len, ev->get_responses, ev->reissued,
                          ev->isd_r, ev->channel};
}

static void on_http(const esim_http_event *ev, void *user)
{
    sink *s = user;
    if (s->http < 4)
        snprintf(s->http_desc[s->http], sizeof s->http_desc[0], "%s %s %d %zu %llu",
                 ev->type == ESIM_HTTP_EV_REQUEST ? "req" : "rsp", ev->uri ? ev->uri : "-",
                 ev->status, ev->body_len, (unsigned long long)ev->frame_first);
    s->http++;
}

static void on_warning(uint64_t frame, const char *msg, void *user)
{
    sink *s = user;
    if (s->warnings < 8) {
        snprintf(s->warning[s->warnings], sizeof s->warning[0], "%s", msg);
        s->warning_line[s->warnings] = frame;
    }
    s->warnings++;
}

static esim_log_format run(const char *text, esim_log_format f, sink *s)
{
    memset(s, 0, sizeof *s);
    esim_capture_opts co = {.log_format = f};
    esim_error err;
    esim_capture *c = esim_capture_open_mem_ex((const uint8_t *)text, strlen(text), &co, &err);
    assert_non_null(c);
    esim_pipe_handlers h = {.apdu = on_apdu, .http = on_http, .warning = on_warning, .user = s};
    esim_pipe *p = esim_pipe_new(&h);
    esim_packet pk;
    while (esim_capture_next(c, &pk, &err) == 1)
        esim_pipe_packet(p, &pk);
    esim_pipe_finish(p);
    s->cards = esim_pipe_get_stats(p)->cards;
    esim_pipe_free(p);
    esim_capture_close(c);
    return (esim_log_format)co.detected;
}

#define QX(slot, dir, data) "[0x19B7]  10:00:00.000100  UIM APDU  0  SLOT_" #slot "  Type = " dir "  Data = " data "\n"

static void t0_get_response_and_null_bytes(void **state)
{
    (void)state;
    sink s;
    const char *log = QX(1, "TX", "{ 80 E2 91 00 03 }")  /* header */
                      QX(1, "RX", "E2")                  /* procedure byte: send the data */
                      QX(1, "TX", "{ BF 2E 00 }")
                      QX(1, "RX", "{ 60 60 61 05 }")     /* NULL bytes, then 61 05 */
                      "other subsystem line\n"
                      QX(1, "TX", "{ 00 C0 00 00 05 }")
                      QX(1, "RX", "{ C0 BF 2E 02 80 00 90 00 }"); /* C0 + data + SW */
    assert_int_equal(run(log, ESIM_LOG_AUTO, &s), ESIM_LOG_QXDM);
    assert_int_equal(s.warnings, 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ev[0].ins, 0xE2);
    assert_int_equal(s.ev[0].sw, 0x9000);
    assert_int_equal(s.ev[0].cmd_len, 3);
    assert_int_equal(s.ev[0].rsp_len, 5);
    assert_int_equal(s.ev[0].get_responses, 1);
    assert_int_equal(s.ev[0].frame, 1);      /* the header's line */
    assert_int_equal(s.ev[0].frame_last, 6); /* the GET RESPONSE header's line */
}

static void t0_byte_by_byte(void **state)
{
    (void)state;
    sink s;
    /* INS ^ FF: the card asks for one data byte at a time */
    const char *log = QX(1, "TX", "{ 00 A4 00 04 02 }")
                      QX(1, "RX", "5B")
                      QX(1, "TX", "3F")
                      QX(1, "RX", "5B")
                      QX(1, "TX", "00")
                      QX(1, "RX", "{ 90 00 }");
    run(log, ESIM_LOG_QXDM, &s);
    assert_int_equal(s.warnings, 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ev[0].cmd_len, 2);
    assert_int_equal(s.ev[0].sw, 0x9000);
}

static void qxdm_layouts(void **state)
{
    (void)state;
    sink s;
    /* time before the item code, no slot (single-SIM), 0x-prefixed bytes with commas, a data
     * block continued on the next line */
    const char *log = "10:00:00.100  [0x19B7]  UIM APDU  Type = TX  Data = { 0x80, 0xF2, 0x00, 0x0C, 0x00 }\n"
                      "10:00:00.101  [0x1544]  MCS QCSI Payload Packet\n"
                      "10:00:00.102  [0x19B7]  UIM APDU  Type = RX  Data = { 90\n"
                      "    00 }\n";
    assert_int_equal(run(log, ESIM_LOG_AUTO, &s), ESIM_LOG_QXDM);
    assert_int_equal(s.warnings, 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ev[0].ins, 0xF2);
    assert_int_equal(s.ev[0].sw, 0x9000);
}

static void t0_6cxx_and_slots(void **state)
{
    (void)state;
    sink s;
    const char *log = QX(1, "TX", "{ 00 B0 00 00 00 }")
                      QX(2, "TX", "{ 80 F2 00 0C 00 }")  /* the other card, interleaved */
                      QX(1, "RX", "{ 6C 04 }")
                      QX(2, "RX", "{ 90 00 }")
                      QX(1, "TX", "{ 00 B0 00 00 04 }")
                      QX(1, "RX", "{ B0 01 02 03 04 90 00 }");
    run(log, ESIM_LOG_QXDM, &s);
    assert_int_equal(s.warnings, 0);
    assert_int_equal(s.cards, 2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.ev[0].card, 1); /* STATUS on SLOT_2 completes first */
    assert_int_equal(s.ev[0].ins, 0xF2);
    assert_int_equal(s.ev[1].card, 0);
    assert_true(s.ev[1].reissued);
    assert_int_equal(s.ev[1].rsp_len, 4);
}

static int64_t last_time(const char *text, int64_t day)
{
    esim_capture_opts co = {.log_day = day};
    esim_error err;
    esim_capture *c = esim_capture_open_mem_ex((const uint8_t *)text, strlen(text), &co, &err);
    assert_non_null(c);
    esim_packet pk;
    int64_t t = -1;
    while (esim_capture_next(c, &pk, &err) == 1)
        if (pk.linktype != ESIM_LINKTYPE_LOG_NOTE)
            t = pk.ts_sec;
    esim_capture_close(c);
    return t;
}

static void qxdm_midnight(void **state)
{
    (void)state;
    const char *before = "[0x19B7]  23:59:59.900000  UIM APDU  5  SLOT_1  Type = TX  Data = { 80 F2 00 0C 00 }\n"
                         "[0x19B7]  23:59:59.950000  UIM APDU  2  SLOT_1  Type = RX  Data = { 90 00 }\n";
    const char *after = "[0x19B7]  23:59:59.900000  UIM APDU  5  SLOT_1  Type = TX  Data = { 80 F2 00 0C 00 }\n"
                        "[0x19B7]  23:59:59.950000  UIM APDU  2  SLOT_1  Type = RX  Data = { 90 00 }\n"
                        "[0x19B7]  00:00:00.010000  UIM APDU  5  SLOT_1  Type = TX  Data = { 80 F2 00 0C 00 }\n"
                        "[0x19B7]  00:00:01.010000  UIM APDU  2  SLOT_1  Type = RX  Data = { 90 00 }\n";
    assert_int_equal(last_time(before, 1772409600), 1772409600 + 86399);
    assert_int_equal(last_time(after, 1772409600), 1772409600 + 86400); /* the next day */
}

static void t0_damage(void **state)
{
    (void)state;
    sink s;
    const char *log = QX(1, "TX", "{ 80 E2 91 00 03 }")
                      QX(1, "TX", "{ BF 2E 00 }")        /* no procedure byte before the data */
                      QX(1, "RX", "{ 90 00 }")
                      QX(1, "RX", "{ 90 00 }")           /* an answer to nothing */
                      QX(1, "TX", "{ 00 A4 04 }")        /* too short for a header */
                      QX(1, "TX", "{ 00 A4 04 00 10 }")
                      QX(1, "RX", "{ 12 }")              /* neither INS nor SW */
                      QX(1, "TX", "{ 00 A4 04 00 02 }"); /* log ends inside */
    run(log, ESIM_LOG_QXDM, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.warnings, 5);
    assert_non_null(strstr(s.warning[0], "without a procedure byte"));
    assert_int_equal(s.warning_line[0], 2);
    assert_int_equal(s.warning_line[1], 4);
    assert_int_equal(s.warning_line[2], 5);
    assert_non_null(strstr(s.warning[3], "neither the procedure byte"));
    assert_non_null(strstr(s.warning[4], "log ends inside"));
    assert_int_equal(s.warning_line[4], 8);
}

static void qcat_sequence_gap(void **state)
{
    (void)state;
    sink s;
    const char *log = "%MOBILE PARSED MESSAGE FILE\n\n"
                      "2026 Mar 02  10:00:00.001  [41]  0x19B7  UIM APDU\n"
                      "Sequence Number = 7\nSlot Id = SLOT_1\nMessage Type = TX\n"
                      "TX Data = { 80 F2 00 0C 00 }\nAPDU Parsing\n  Command: STATUS\n\n"
                      "2026 Mar 02  10:00:00.002  [42]  0x19B7  UIM APDU\n"
                      "Sequence Number = 9\nSlot Id = SLOT_1\nMessage Type = RX\n"
                      "RX Data = { 90\n  00 }\n";
    assert_int_equal(run(log, ESIM_LOG_AUTO, &s), ESIM_LOG_QCAT);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.warnings, 1);
    assert_non_null(strstr(s.warning[0], "records were lost"));
    assert_int_equal(s.warning_line[0], 12);
}

static void at_logical_channel(void **state)
{
    (void)state;
    sink s;
    const char *log = "12:00:00.100 > AT+CCHO=\"A0000005591010FFFFFFFF8900000100\"\n"
                      "12:00:00.150 < +CCHO: 2\n12:00:00.151 < OK\n"
                      "12:00:00.200 > AT+CGLA=2,16,\"80E2910003BF2E00\"\n"
                      "12:00:00.260 < +CGLA: 14,\"BF2E0280009000\"\n"
                      "12:00:00.300 > AT+CCHC=2\n";
    assert_int_equal(run(log, ESIM_LOG_AUTO, &s), ESIM_LOG_AT);
    assert_int_equal(s.warnings, 0);
    assert_int_equal(s.n, 4); /* MANAGE CHANNEL, SELECT, STORE DATA, MANAGE CHANNEL close */
    assert_int_equal(s.ev[1].ins, 0xA4);
    assert_int_equal(s.ev[2].channel, 2); /* CLA 80 put on the session's channel */
    assert_true(s.ev[2].isd_r);
    assert_int_equal(s.ev[2].frame, 4);
    assert_int_equal(s.ev[2].frame_last, 4);
}

static void at_clogsimapdu(void **state)
{
    (void)state;
    sink s;
    /* TS 27.007 +CLOGBUFFSIMAPDU output: two slots */
    const char *log = "AT+CLOGBUFFSIMAPDU=1,2\n"
                      "+CLOGBUFFSIMAPDUTD: SIM SLOT:1,LSI:2,TX Data APDU: 80F2000C00\n"
                      "+CLOGBUFFSIMAPDUTD: SIM SLOT:2,TX Data APDU: 00B0000004\n"
                      "+CLOGBUFFSIMAPDURD: SIM SLOT:1,LSI:2,RX Data APDU: 9000\n"
                      "+CLOGBUFFSIMAPDURD: SIM SLOT:2,RX Data APDU: 010203049000\n"
                      "+CLOGBUFFSIMAPDURD: SIM SLOT:2,RX Data APDU: 9X00\n"
                      "OK\n";
    assert_int_equal(run(log, ESIM_LOG_AUTO, &s), ESIM_LOG_AT);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.cards, 2);
    assert_int_equal(s.ev[0].ins, 0xF2);
    assert_int_equal(s.ev[0].frame, 2);
    assert_int_equal(s.ev[0].frame_last, 2);
    assert_int_equal(s.ev[1].rsp_len, 4);
    assert_int_equal(s.warnings, 1);
    assert_int_equal(s.warning_line[0], 6);
}

static void lpac_spellings(void **state)
{
    (void)state;
    sink s;
    /* the spellings of lpac's versions, colour codes of a terminal, lpac's own JSON lines */
    const char *log =
        "\x1b[0;32m[DEBUG] [HTTP] [TX] url: https://dp.example/gsma/rsp2/es9plus/initiateAuthentication, "
        "bytes: 12, data: {\"a\":\"b, c\"}\x1b[0;0m\n"
        "[DEBUG] [HTTP] [RX] rcode: 200, data: {\"x\":1}\n"
        "{\"type\":\"progress\",\"payload\":{\"code\":0}}\n"
        "[DEBUG] [HTTP] [TX] URL: https://dp.example/gsma/rsp2/es9plus/handleNotification, Data: {}\n"
        "[DEBUG] [HTTP] [RX] RCode: 204, Data: \n"
        "[DEBUG] [APDU] [TX] CLA: 80, INS: E2, P1: 91, P2: 00, Lc: 03, Data: BF 2E 00 00\n"
        "[DEBUG] [APDU] [RX] SW1: 90, SW2: 00, Data: BF 2E 00\n"
        "[DEBUG] [HTTP] [TX] url: https://dp.example/gsma/rsp2/es9plus/getBoundProfilePackage, data: {}\n";
    assert_int_equal(run(log, ESIM_LOG_AUTO, &s), ESIM_LOG_LPAC);
    assert_int_equal(s.warnings, 1); /* the last request, unanswered */
    assert_int_equal(s.warning_line[0], 8);
    assert_non_null(strstr(s.warning[0], "without a response"));
    assert_int_equal(s.http, 5);
    assert_string_equal(s.http_desc[0], "req /gsma/rsp2/es9plus/initiateAuthentication 0 12 1");
    assert_string_equal(s.http_desc[1], "rsp /gsma/rsp2/es9plus/initiateAuthentication 200 7 2");
    assert_string_equal(s.http_desc[3], "rsp /gsma/rsp2/es9plus/handleNotification 204 0 5");
    assert_int_equal(s.n, 1); /* Data had Le after the Lc bytes */
    assert_int_equal(s.ev[0].cmd_len, 3);
    assert_int_equal(s.ev[0].rsp_len, 3);
}

static void detection(void **state)
{
    (void)state;
    const char *lpac = "[DEBUG] [APDU] [TX] CLA: 80, INS: E2, P1: 91, P2: 00, Lc: 03, Data: BF 2E 00\n";
    assert_int_equal(esim_log_detect(lpac, strlen(lpac)), ESIM_LOG_LPAC);
    const char *spy = "SCardTransmit\n i hCard: 0x1\n i bSendBuffer\n i  0000 00 A4 04 00\n";
    assert_int_equal(esim_log_detect(spy, strlen(spy)), ESIM_LOG_PCSC_SPY);
    const char *hex = "TX: 00 A4 04 00 02 3F 00\nRX: 90 00\n";
    assert_int_equal(esim_log_detect(hex, strlen(hex)), ESIM_LOG_HEX);
    const char *none = "hello\nTX power 23 dBm\n";
    assert_int_equal(esim_log_detect(none, strlen(none)), ESIM_LOG_AUTO);
    const char bin[] = "ab\0cd";
    assert_int_equal(esim_log_detect(bin, sizeof bin), ESIM_LOG_AUTO);
    esim_log_format f;
    assert_int_equal(esim_log_format_parse("pcsc-spy", &f), 0);
    assert_int_equal(f, ESIM_LOG_PCSC_SPY);
    assert_int_equal(esim_log_format_parse("pcsc", &f), -1);
    int64_t day;
    assert_int_equal(esim_log_parse_date("2026-03-02", &day), 0);
    assert_int_equal(day, 1772409600);
    assert_int_equal(esim_log_parse_date("2026-3-2", &day), -1);
}

static void hex_log_pairs(void **state)
{
    (void)state;
    sink s;
    const char *log = "2026-03-02 10:00:00.5 Send APDU: 00A4040002 3F00\n"
                      "2026-03-02 10:00:00.6 Recv APDU: 9000\n"
                      "RX: 90 00\n"                   /* no command before it */
                      "C-APDU 00 B0 00 00 0Z\n";      /* non-hex */
    run(log, ESIM_LOG_HEX, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.ev[0].sw, 0x9000);
    assert_int_equal(s.warnings, 2);
    assert_int_equal(s.warning_line[0], 3);
    assert_int_equal(s.warning_line[1], 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(t0_get_response_and_null_bytes), cmocka_unit_test(t0_6cxx_and_slots),
        cmocka_unit_test(t0_byte_by_byte), cmocka_unit_test(qxdm_layouts),
        cmocka_unit_test(t0_damage),        cmocka_unit_test(qcat_sequence_gap),
        cmocka_unit_test(at_logical_channel), cmocka_unit_test(at_clogsimapdu),
        cmocka_unit_test(lpac_spellings),   cmocka_unit_test(detection),
        cmocka_unit_test(hex_log_pairs),    cmocka_unit_test(qxdm_midnight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
