/* Modem carriers: MBIM UICC low-level access (lib/card/mbim.c), QMI UIM (lib/card/qmi.c), the
 * CDC encapsulated messages on usbmon / USBPcap control transfers (lib/card/usb_cdc.c), the
 * channel coding of modem APDUs (lib/card/modem_apdu.c) and the pipeline that ties them to
 * cards (lib/capture/capture_pipe.c). Messages are built here byte by byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/apdu.h"
#include "esim/capture_pipe.h"
#include "esim/mbim.h"
#include "esim/modem_apdu.h"
#include "esim/qmi.h"
#include "esim/usb_cdc.h"
#include "testutil.h"

#define ISDR "A0000005591010FFFFFFFF8900000100"

typedef struct sink {
    unsigned apdus, es10, atrs, findings;
    esim_apdu_event last;
    bool last_isd_r, last_assumed;
    uint8_t last_cla;
    uint16_t last_sw;
    char card[64];
} sink;

static void on_event(const esim_apdu_event *ev, void *user)
{
    sink *s = user;
    if (ev->type == ESIM_APDU_EV_APDU) {
        s->apdus++;
        s->last_isd_r = ev->isd_r;
        s->last_assumed = ev->isdr_assumed;
        s->last_cla = ev->cla;
        s->last_sw = ev->sw;
    } else if (ev->type == ESIM_APDU_EV_ES10) {
        s->es10++;
    } else if (ev->type == ESIM_APDU_EV_ATR) {
        s->atrs++;
    } else {
        s->findings++;
    }
}

/* err.msg of fixture x contains text (the message is printed when not) */
#define assert_err(x, text)                                                                  \
    do {                                                                                     \
        if (!strstr((x).err.msg, text)) {                                                    \
            fprintf(stderr, "error message: %s\n", (x).err.msg);                             \
            fail();                                                                          \
        }                                                                                    \
    } while (0)

static void le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- channel coding ---- */

static void test_cla_with_channel(void **state)
{
    (void)state;
    assert_int_equal(esim_cla_with_channel(0x80, 1), 0x81);
    assert_int_equal(esim_cla_with_channel(0x81, 1), 0x81);
    assert_int_equal(esim_cla_with_channel(0x80, 5), 0xC1);   /* further interindustry */
    assert_int_equal(esim_cla_with_channel(0x00, 19), 0x4F);
    assert_int_equal(esim_cla_with_channel(0xC1, 2), 0x82);
    assert_int_equal(esim_cla_with_channel(0x0C, 3), 0x0F);   /* SM bits kept */
    assert_int_equal(esim_cla_with_channel(0xFF, 1), 0xFF);   /* no channel coding */
    assert_int_equal(esim_cla_with_channel(0x80, 20), 0x80);  /* out of range */
}

/* ---- MBIM ---- */

/* A COMMAND (done = false) or COMMAND_DONE of the UICC service with info, as n fragments of
 * at most max bytes; out gets the fragments back to back, lens their sizes. */
static size_t mbim_msg(uint8_t *out, size_t *lens, bool done, uint32_t tid, uint32_t cid,
                       uint32_t type_or_status, const uint8_t *info, size_t in, size_t max)
{
    uint8_t body[2048];
    memcpy(body, esim_mbim_uuid_uicc, 16);
    le32(body + 16, cid);
    le32(body + 20, type_or_status);
    le32(body + 24, (uint32_t)in);
    memcpy(body + 28, info, in);
    size_t bn = 28 + in, room = max - 20, total = (bn + room - 1) / room, w = 0;
    for (size_t i = 0; i < total; i++) {
        size_t k = bn - i * room > room ? room : bn - i * room;
        le32(out + w, done ? 0x80000003u : 3);
        le32(out + w + 4, (uint32_t)(20 + k));
        le32(out + w + 8, tid);
        le32(out + w + 12, (uint32_t)total);
        le32(out + w + 16, (uint32_t)i);
        memcpy(out + w + 20, body + i * room, k);
        lens[i] = 20 + k;
        w += 20 + k;
    }
    return total;
}

typedef struct mb {
    esim_mbim *m;
    esim_apdu_ctx *a;
    sink s;
    esim_error err;
    uint64_t frame;
} mb;

/* Feeds every fragment; returns the last feed's result (and -1 when any failed). */
static int mb_feed(mb *x, bool to_device, const uint8_t *msg, const size_t *lens, size_t n)
{
    int rc = 0;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (esim_mbim_feed(x->m, ++x->frame, 0, 0, to_device, msg + off, lens[i], &x->err) < 0)
            rc = -1;
        off += lens[i];
    }
    return rc;
}

static void mb_init(mb *x)
{
    memset(x, 0, sizeof *x);
    x->a = esim_apdu_new(on_event, &x->s);
    x->m = esim_mbim_new(x->a);
    assert_non_null(x->m);
}

static void mb_free(mb *x)
{
    esim_apdu_flush(x->a);
    esim_mbim_free(x->m);
    esim_apdu_free(x->a);
}

/* OPEN_CHANNEL with the ISD-R AID, answered with channel 1 and 9000 */
static void mb_open_isdr(mb *x, uint32_t tid)
{
    uint8_t info[64], msg[512];
    size_t lens[4];
    memset(info, 0, sizeof info);
    le32(info, 16);     /* AppId size, offset */
    le32(info + 4, 16);
    le32(info + 12, 1); /* ChannelGroup */
    assert_int_equal(tu_unhex(ISDR, info + 16, 16), 16);
    size_t n = mbim_msg(msg, lens, false, tid, ESIM_MBIM_UICC_OPEN_CHANNEL, 1, info, 32, 4096);
    assert_int_equal(mb_feed(x, true, msg, lens, n), 0);
    memset(info, 0, sizeof info);
    le32(info, 0x0090); /* SW1 90, SW2 00 */
    le32(info + 4, 1);
    n = mbim_msg(msg, lens, true, tid, ESIM_MBIM_UICC_OPEN_CHANNEL, 0, info, 16, 4096);
    assert_int_equal(mb_feed(x, false, msg, lens, n), 0);
}

/* APDU on channel ch (cmd hex), answered with data hex and status */
static int mb_apdu(mb *x, uint32_t tid, uint32_t ch, const char *cmd, const char *rsp,
                   uint32_t status, size_t max)
{
    uint8_t info[1024], msg[2048];
    size_t lens[16];
    memset(info, 0, sizeof info);
    le32(info, ch);
    le32(info + 8, 1);
    long cn = tu_unhex(cmd, info + 20, 600);
    le32(info + 12, (uint32_t)cn);
    le32(info + 16, 20);
    size_t n = mbim_msg(msg, lens, false, tid, ESIM_MBIM_UICC_APDU, 1, info,
                        20 + (((size_t)cn + 3) & ~(size_t)3), max);
    int rc = mb_feed(x, true, msg, lens, n);
    memset(info, 0, sizeof info);
    le32(info, status);
    long rn = tu_unhex(rsp, info + 12, 600);
    le32(info + 4, (uint32_t)rn);
    le32(info + 8, rn ? 12 : 0);
    n = mbim_msg(msg, lens, true, tid, ESIM_MBIM_UICC_APDU, 0, info,
                 12 + (((size_t)rn + 3) & ~(size_t)3), max);
    return mb_feed(x, false, msg, lens, n) < 0 ? -1 : rc;
}

static void test_mbim_open_and_store_data(void **state)
{
    (void)state;
    mb x;
    mb_init(&x);
    mb_open_isdr(&x, 1);
    /* MANAGE CHANNEL + SELECT synthesized from the open */
    assert_int_equal(x.s.apdus, 2);
    /* GetEuiccChallenge sent with CLA 80: the channel comes from the MBIM Channel field */
    assert_int_equal(mb_apdu(&x, 2, 1, "80E2910003BF2E00", "BF2E128010000102030405060708090A0B0C0D0E0F",
                             0x0090, 4096), 0);
    assert_int_equal(x.s.apdus, 3);
    assert_int_equal(x.s.last_cla, 0x81);
    assert_true(x.s.last_isd_r);
    assert_int_equal(x.s.last_sw, 0x9000);
    assert_int_equal(x.s.es10, 1);
    assert_int_equal(x.s.findings, 0);
    mb_free(&x);
}

static void test_mbim_fragments(void **state)
{
    (void)state;
    mb x;
    mb_init(&x);
    mb_open_isdr(&x, 1);
    /* a 200-byte STORE DATA in 64-byte transfers: 5 fragments each way */
    char cmd[2 * 205 + 1] = "81E29100C8";
    for (int i = 0; i < 200; i++)
        memcpy(cmd + 10 + 2 * i, i ? "00" : "BF", 2);
    assert_int_equal(mb_apdu(&x, 2, 1, cmd, "", 0x0090, 64), 0);
    assert_int_equal(x.s.apdus, 3);
    assert_int_equal(x.s.last_sw, 0x9000);
    mb_free(&x);
}

static void test_mbim_fragment_missing(void **state)
{
    (void)state;
    mb x;
    mb_init(&x);
    uint8_t info[200] = {0}, msg[1024];
    size_t lens[8];
    le32(info, 1);
    le32(info + 12, 100);
    le32(info + 16, 20);
    size_t n = mbim_msg(msg, lens, false, 7, ESIM_MBIM_UICC_APDU, 1, info, 120, 64);
    assert_true(n >= 3);
    /* fragments 1 and 3: the second is missing */
    assert_int_equal(esim_mbim_feed(x.m, 1, 0, 0, true, msg, lens[0], &x.err), 0);
    assert_int_equal(esim_mbim_feed(x.m, 2, 0, 0, true, msg + lens[0] + lens[1], lens[2], &x.err),
                     -1);
    assert_err(x, "fragment 2 of 4 missing");
    /* a fragment without its first one */
    assert_int_equal(esim_mbim_feed(x.m, 3, 0, 0, true, msg + lens[0], lens[1], &x.err), -1);
    assert_err(x, "without the fragments before it");
    /* a first fragment left alone at the end */
    assert_int_equal(esim_mbim_feed(x.m, 4, 0, 0, true, msg, lens[0], &x.err), 0);
    assert_int_equal(esim_mbim_finish(x.m, &x.err), -1);
    assert_err(x, "capture ends after fragment 1 of");
    assert_int_equal(x.s.apdus, 0);
    mb_free(&x);
}

static void test_mbim_unmatched_and_bad(void **state)
{
    (void)state;
    mb x;
    mb_init(&x);
    uint8_t info[64] = {0}, msg[512];
    size_t lens[4];
    le32(info, 0x0090);
    size_t n = mbim_msg(msg, lens, true, 9, ESIM_MBIM_UICC_APDU, 0, info, 12, 4096);
    assert_int_equal(mb_feed(&x, false, msg, lens, n), -1);
    assert_err(x, "APDU response (TransactionId 9) without its command");
    /* MessageLength beyond the transfer */
    le32(msg + 4, (uint32_t)lens[0] + 8);
    assert_int_equal(esim_mbim_feed(x.m, 1, 0, 0, false, msg, lens[0], &x.err), -1);
    assert_err(x, "MessageLength");
    /* InformationBufferLength beyond the message */
    n = mbim_msg(msg, lens, false, 10, ESIM_MBIM_UICC_APDU, 1, info, 20, 4096);
    le32(msg + 44, 500);
    assert_int_equal(mb_feed(&x, true, msg, lens, n), -1);
    assert_err(x, "InformationBufferLength 500");
    /* a byte array outside the InformationBuffer */
    memset(info, 0, sizeof info);
    le32(info + 12, 40); /* CommandSize 40 at offset 20 of a 24-byte buffer */
    le32(info + 16, 20);
    n = mbim_msg(msg, lens, false, 11, ESIM_MBIM_UICC_APDU, 1, info, 24, 4096);
    assert_int_equal(mb_feed(&x, true, msg, lens, n), -1);
    assert_err(x, "outside the 24-byte InformationBuffer");
    /* a failed operation: MBIM status */
    mb_open_isdr(&x, 12);
    memset(info, 0, sizeof info);
    le32(info, 1);
    le32(info + 12, 4);
    le32(info + 16, 20);
    memcpy(info + 20, "\x81\xE2\x91\x00", 4);
    n = mbim_msg(msg, lens, false, 13, ESIM_MBIM_UICC_APDU, 1, info, 24, 4096);
    assert_int_equal(mb_feed(&x, true, msg, lens, n), 0);
    n = mbim_msg(msg, lens, true, 13, ESIM_MBIM_UICC_APDU, 0x87430003u, info, 0, 4096);
    assert_int_equal(mb_feed(&x, false, msg, lens, n), -1);
    assert_err(x, "MS_INVALID_LOGICAL_CHANNEL");
    /* a command never answered */
    n = mbim_msg(msg, lens, false, 14, ESIM_MBIM_UICC_CLOSE_CHANNEL, 1, info, 8, 4096);
    assert_int_equal(mb_feed(&x, true, msg, lens, n), 0);
    assert_int_equal(esim_mbim_finish(x.m, &x.err), -1);
    assert_err(x, "CLOSE_CHANNEL (TransactionId 14");
    mb_free(&x);
}

static void test_mbim_uicc_parse(void **state)
{
    (void)state;
    uint8_t info[40] = {0};
    esim_mbim_uicc u;
    esim_error err;
    /* ATR: size first, offset after it (the reverse of MBIM's usual offset/size) */
    le32(info, 3);
    le32(info + 4, 8);
    memcpy(info + 8, "\x3B\x02\x14", 3);
    assert_int_equal(esim_mbim_uicc_parse(ESIM_MBIM_UICC_ATR, true, false, info, 12, &u, &err), 0);
    assert_int_equal(u.bytes_len, 3);
    assert_memory_equal(u.bytes, "\x3B\x02\x14", 3);
    /* status SW1, SW2 in a little-endian UINT32 */
    le32(info, 0x8269); /* 69 82 */
    assert_int_equal(esim_mbim_uicc_parse(ESIM_MBIM_UICC_CLOSE_CHANNEL, true, true, info, 4, &u,
                                          &err), 0);
    assert_int_equal(u.sw, 0x6982);
    assert_int_equal(esim_mbim_uicc_parse(ESIM_MBIM_UICC_APDU, false, true, info, 12, &u, &err),
                     -1);
    assert_true(esim_mbim_looks_like((const uint8_t *)"\x01\0\0\0\x10\0\0\0\x01\0\0\0\0\x10\0\0",
                                     16));
    assert_false(esim_mbim_looks_like((const uint8_t *)"\x01\0\0\0\x11\0\0\0\x01\0\0\0\0\x10\0\0",
                                      16));
}

/* ---- QMI ---- */

typedef struct qm {
    esim_qmi *q;
    esim_apdu_ctx *a[3];
    sink s[3];
    esim_error err;
    uint64_t frame;
} qm;

static esim_apdu_ctx *qm_slot(void *user, unsigned slot)
{
    qm *x = user;
    return slot >= 1 && slot <= 2 ? x->a[slot] : NULL;
}

static void qm_init(qm *x)
{
    memset(x, 0, sizeof *x);
    x->a[1] = esim_apdu_new(on_event, &x->s[1]);
    x->a[2] = esim_apdu_new(on_event, &x->s[2]);
    x->q = esim_qmi_new(qm_slot, x);
}

static void qm_free(qm *x)
{
    esim_qmi_free(x->q);
    esim_apdu_free(x->a[1]);
    esim_apdu_free(x->a[2]);
}

/* A UIM message: QMUX header, service header, TLVs given as hex ("tt llll vv..." joined). */
static size_t qmux(uint8_t *out, bool response, uint16_t tid, uint16_t msg, const char *tlvs)
{
    long tn = tu_unhex(tlvs, out + 13, 1024);
    assert_true(tn >= 0);
    size_t n = 13 + (size_t)tn;
    out[0] = 1;
    out[1] = (uint8_t)(n - 1);
    out[2] = (uint8_t)((n - 1) >> 8);
    out[3] = response ? 0x80 : 0x00;
    out[4] = 0x0B;
    out[5] = 2;
    out[6] = response ? 2 : 0;
    out[7] = (uint8_t)tid;
    out[8] = (uint8_t)(tid >> 8);
    out[9] = (uint8_t)msg;
    out[10] = (uint8_t)(msg >> 8);
    out[11] = (uint8_t)tn;
    out[12] = (uint8_t)(tn >> 8);
    return n;
}

static int qm_feed(qm *x, bool response, uint16_t tid, uint16_t msg, const char *tlvs)
{
    uint8_t b[1100];
    size_t n = qmux(b, response, tid, msg, tlvs);
    assert_true(esim_qmux_looks_like(b, n));
    return esim_qmi_feed(x->q, ++x->frame, 0, 0, b, n, &x->err);
}

static void test_qmi_slots(void **state)
{
    (void)state;
    qm x;
    qm_init(&x);
    /* slot 2: OPEN_LOGICAL_CHANNEL with the ISD-R AID -> channel 2, 9000, FCI */
    assert_int_equal(qm_feed(&x, false, 1, 0x42, "01010002" "101100" "10" ISDR), 0);
    assert_int_equal(qm_feed(&x, true, 1, 0x42,
                             "02040000000000" "10010002" "1102009000" "1203000262FF"), 0);
    assert_int_equal(x.s[2].apdus, 2);
    assert_int_equal(x.s[1].apdus, 0);
    /* SEND_APDU with CLA 80 and channel id 2: the CLA gets the channel */
    assert_int_equal(qm_feed(&x, false, 2, 0x3B,
                             "01010002" "020A00" "0800" "80E2910003BF2E00" "10010002"), 0);
    assert_int_equal(qm_feed(&x, true, 2, 0x3B, "02040000000000" "10040002009000"), 0);
    assert_int_equal(x.s[2].apdus, 3);
    assert_int_equal(x.s[2].last_cla, 0x82);
    assert_true(x.s[2].last_isd_r);
    assert_int_equal(x.s[2].es10, 1);
    /* slot 1 is another card: nothing selected there */
    assert_int_equal(qm_feed(&x, false, 3, 0x3B, "01010001" "020A00" "0800" "80E2910003BF2E00"),
                     0);
    assert_int_equal(qm_feed(&x, true, 3, 0x3B, "02040000000000" "10040002009000"), 0);
    assert_int_equal(x.s[1].apdus, 1);
    /* no open or SELECT on slot 1: the ISD-R only by the mid-stream rule (card.h) */
    assert_true(x.s[1].last_assumed);
    assert_false(x.s[2].last_assumed);
    /* close: LOGICAL_CHANNEL with channel id 0x11 */
    assert_int_equal(qm_feed(&x, false, 4, 0x3F, "01010002" "11010002"), 0);
    assert_int_equal(qm_feed(&x, true, 4, 0x3F, "02040000000000"), 0);
    assert_int_equal(x.s[2].apdus, 4);
    assert_int_equal(esim_qmi_finish(x.q, &x.err), 0);
    qm_free(&x);
}

static void test_qmi_problems(void **state)
{
    (void)state;
    qm x;
    qm_init(&x);
    /* response without request */
    assert_int_equal(qm_feed(&x, true, 5, 0x3B, "02040000000000" "10020000009000"), -1);
    assert_err(x, "SEND_APDU response (client 2, transaction 5) without its "
                                      "request");
    /* failed with a QMI error */
    assert_int_equal(qm_feed(&x, false, 6, 0x42, "01010001" "101100" "10" ISDR), 0);
    assert_int_equal(qm_feed(&x, true, 6, 0x42, "0204000100" "3000"), -1);
    assert_err(x, "failed: error 48 (INVALID_ARGUMENT)");
    /* TLV overrunning the message */
    assert_int_equal(qm_feed(&x, false, 7, 0x3B, "01010001" "024000" "0400" "80CA9F7F"), -1);
    assert_err(x, "TLV overruns");
    /* response without result TLV */
    assert_int_equal(qm_feed(&x, false, 8, 0x3B, "01010001" "020600" "0400" "80CA9F7F"), 0);
    assert_int_equal(qm_feed(&x, true, 8, 0x3B, "10040002009000"), -1);
    assert_err(x, "without its result TLV");
    /* APDU response without SW */
    assert_int_equal(qm_feed(&x, false, 9, 0x3B, "01010001" "020600" "0400" "80CA9F7F"), 0);
    assert_int_equal(qm_feed(&x, true, 9, 0x3B, "02040000000000" "1003000100" "90"), -1);
    assert_err(x, "no status word");
    /* a request left without answer */
    assert_int_equal(qm_feed(&x, false, 10, 0x3B, "01010001" "020600" "0400" "80CA9F7F"), 0);
    assert_int_equal(esim_qmi_finish(x.q, &x.err), -1);
    assert_err(x, "transaction 10");
    /* QMUX length beyond the transfer */
    uint8_t b[64];
    size_t n = qmux(b, false, 11, 0x3B, "01010001");
    b[1] += 4;
    assert_false(esim_qmux_looks_like(b, n));
    assert_int_equal(esim_qmi_feed(x.q, 99, 0, 0, b, n, &x.err), -1);
    qm_free(&x);
}

/* ---- CDC on usbmon / USBPcap, and the pipeline ---- */

/* usbmon (64-byte header) control / interrupt packet */
static size_t usbmon(uint8_t *f, uint64_t id, char type, uint8_t xfer, uint8_t ep,
                     const uint8_t *setup, const uint8_t *d, size_t n)
{
    memset(f, 0, 64);
    le32(f, (uint32_t)id);
    le32(f + 4, (uint32_t)(id >> 32));
    f[8] = (uint8_t)type;
    f[9] = xfer;
    f[10] = ep;
    f[11] = 7;
    f[12] = 1;
    f[14] = setup ? 0 : '-';
    f[15] = n ? 0 : '<';
    le32(f + 32, (uint32_t)n);
    le32(f + 36, (uint32_t)n);
    if (setup)
        memcpy(f + 40, setup, 8);
    if (n)
        memcpy(f + 64, d, n);
    return 64 + n;
}

/* USBPcap control packet (28-byte header with the stage) */
static size_t usbpcap(uint8_t *f, uint64_t id, bool completion, uint8_t ep, uint8_t stage,
                      const uint8_t *d, size_t n)
{
    memset(f, 0, 28);
    f[0] = 28;
    le32(f + 2, (uint32_t)id);
    le32(f + 6, (uint32_t)(id >> 32));
    f[14] = 0x08;
    f[16] = completion ? 1 : 0;
    f[17] = 1;
    f[19] = 7;
    f[21] = ep;
    f[22] = 2;
    le32(f + 23, (uint32_t)n);
    f[27] = stage;
    if (n)
        memcpy(f + 28, d, n);
    return 28 + n;
}

typedef struct pipe_sink {
    unsigned apdus, warnings;
    char card[64];
    bool isd_r;
} pipe_sink;

static void pipe_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user)
{
    pipe_sink *s = user;
    if (ev->type == ESIM_APDU_EV_APDU) {
        s->apdus++;
        s->isd_r = ev->isd_r;
        snprintf(s->card, sizeof s->card, "%s", card->name);
    }
}

static void pipe_warning(uint64_t frame, const char *msg, void *user)
{
    (void)frame;
    fprintf(stderr, "pipe warning: %s\n", msg);
    ((pipe_sink *)user)->warnings++;
}

/* One QMI exchange (open, then an APDU) over USBPcap or usbmon control transfers. */
static void run_pipe(uint32_t linktype, pipe_sink *s)
{
    esim_pipe_handlers h = {.apdu = pipe_apdu, .warning = pipe_warning, .user = s};
    esim_pipe *p = esim_pipe_new(&h);
    uint8_t msgs[4][128], f[256];
    size_t mn[4];
    mn[0] = qmux(msgs[0], false, 1, 0x42, "01010001" "101100" "10" ISDR);
    mn[1] = qmux(msgs[1], true, 1, 0x42, "02040000000000" "10010001" "1102009000" "12010000");
    mn[2] = qmux(msgs[2], false, 2, 0x3B, "01010001" "020A00" "0800" "80E2910003BF2E00"
                                         "10010001");
    mn[3] = qmux(msgs[3], true, 2, 0x3B, "02040000000000" "10040002009000");
    uint64_t frame = 0, id = 0x1000;
    for (int i = 0; i < 4; i++, id++) {
        bool out = i % 2 == 0;
        uint8_t setup[8] = {out ? 0x21 : 0xA1, out ? 0x00 : 0x01, 0, 0, 0, 0,
                            (uint8_t)(out ? mn[i] : 0), out ? 0 : 0x10};
        esim_packet pk = {.linktype = linktype};
        size_t n;
        if (linktype == ESIM_LINKTYPE_USBPCAP) {
            /* SETUP stage, then (OUT) the DATA stage or (IN) the completion with the data */
            n = usbpcap(f, id, false, out ? 0x00 : 0x80, 0, setup, 8);
            pk = (esim_packet){.frame = ++frame, .linktype = linktype, .caplen = (uint32_t)n,
                                   .origlen = (uint32_t)n, .data = f};
            esim_pipe_packet(p, &pk);
            n = out ? usbpcap(f, id, false, 0x00, 1, msgs[i], mn[i])
                    : usbpcap(f, id, true, 0x80, 3, msgs[i], mn[i]);
            pk = (esim_packet){.frame = ++frame, .linktype = linktype, .caplen = (uint32_t)n,
                                   .origlen = (uint32_t)n, .data = f};
            esim_pipe_packet(p, &pk);
            if (out) {
                n = usbpcap(f, id, true, 0x00, 3, NULL, 0);
                pk = (esim_packet){.frame = ++frame, .linktype = linktype, .caplen = (uint32_t)n,
                                   .origlen = (uint32_t)n, .data = f};
                esim_pipe_packet(p, &pk);
            }
        } else {
            if (!out) { /* RESPONSE_AVAILABLE first */
                static const uint8_t ra[8] = {0xA1, 0x01, 0, 0, 0, 0, 0, 0};
                n = usbmon(f, 0x99, 'C', 1, 0x81, NULL, ra, 8);
                pk = (esim_packet){.frame = ++frame, .linktype = linktype, .caplen = (uint32_t)n,
                                   .origlen = (uint32_t)n, .data = f};
                esim_pipe_packet(p, &pk);
            }
            n = usbmon(f, id, 'S', 2, out ? 0x00 : 0x80, setup, out ? msgs[i] : NULL,
                       out ? mn[i] : 0);
            pk = (esim_packet){.frame = ++frame, .linktype = linktype, .caplen = (uint32_t)n,
                                   .origlen = (uint32_t)n, .data = f};
            esim_pipe_packet(p, &pk);
            n = usbmon(f, id, 'C', 2, out ? 0x00 : 0x80, NULL, out ? NULL : msgs[i],
                       out ? 0 : mn[i]);
            pk = (esim_packet){.frame = ++frame, .linktype = linktype, .caplen = (uint32_t)n,
                                   .origlen = (uint32_t)n, .data = f};
            esim_pipe_packet(p, &pk);
        }
    }
    esim_pipe_finish(p);
    assert_int_equal(esim_pipe_get_stats(p)->modem, 4);
    esim_pipe_free(p);
}

static void test_pipe_usbpcap_and_usbmon(void **state)
{
    (void)state;
    uint32_t lts[2] = {ESIM_LINKTYPE_USBPCAP, ESIM_LINKTYPE_USB_LINUX_MMAPPED};
    for (int i = 0; i < 2; i++) {
        pipe_sink s = {0};
        run_pipe(lts[i], &s);
        assert_int_equal(s.apdus, 3); /* MANAGE CHANNEL, SELECT, STORE DATA */
        assert_true(s.isd_r);
        assert_string_equal(s.card, "usb 1.7 qmi");
        assert_int_equal(s.warnings, 0);
    }
}

static void test_cdc_classify(void **state)
{
    (void)state;
    esim_cdc *c = esim_cdc_new();
    uint8_t f[128];
    esim_usb_packet u;
    esim_cdc_msg m;
    esim_error err;
    /* a GET_DESCRIPTOR completion: not CDC, taken only as an unmatched IN completion */
    static const uint8_t setup_desc[8] = {0x80, 0x06, 0, 1, 0, 0, 18, 0};
    size_t n = usbmon(f, 5, 'S', 2, 0x80, setup_desc, NULL, 0);
    assert_int_equal(esim_usb_decode(ESIM_LINKTYPE_USB_LINUX_MMAPPED, f, n, &u, &err), 0);
    assert_true(u.has_setup);
    assert_int_equal(esim_cdc_packet(c, &u, &m), ESIM_CDC_NONE);
    n = usbmon(f, 5, 'C', 2, 0x80, NULL, (const uint8_t *)"\x12\x01\x00\x02", 4);
    esim_usb_decode(ESIM_LINKTYPE_USB_LINUX_MMAPPED, f, n, &u, &err);
    assert_int_equal(esim_cdc_packet(c, &u, &m), ESIM_CDC_RESPONSE);
    assert_true(m.unmatched);
    assert_false(esim_qmux_looks_like(m.data, m.len) || esim_mbim_looks_like(m.data, m.len));
    /* notification */
    n = usbmon(f, 6, 'C', 1, 0x81, NULL, (const uint8_t *)"\xA1\x01\x00\x00\x02\x00\x00\x00", 8);
    esim_usb_decode(ESIM_LINKTYPE_USB_LINUX_MMAPPED, f, n, &u, &err);
    assert_int_equal(esim_cdc_packet(c, &u, &m), ESIM_CDC_NOTIFY);
    assert_int_equal(m.notification, ESIM_CDC_RESPONSE_AVAILABLE);
    assert_int_equal(m.interface, 2);
    /* a bulk packet is not CDC control */
    f[9] = 3;
    esim_usb_decode(ESIM_LINKTYPE_USB_LINUX_MMAPPED, f, n, &u, &err);
    assert_int_equal(esim_cdc_packet(c, &u, &m), ESIM_CDC_NONE);
    esim_cdc_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cla_with_channel),
        cmocka_unit_test(test_mbim_open_and_store_data),
        cmocka_unit_test(test_mbim_fragments),
        cmocka_unit_test(test_mbim_fragment_missing),
        cmocka_unit_test(test_mbim_unmatched_and_bad),
        cmocka_unit_test(test_mbim_uicc_parse),
        cmocka_unit_test(test_qmi_slots),
        cmocka_unit_test(test_qmi_problems),
        cmocka_unit_test(test_cdc_classify),
        cmocka_unit_test(test_pipe_usbpcap_and_usbmon),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
