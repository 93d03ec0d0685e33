/* APDU exchange layer (see apdu.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esim/apdu.h"
#include "esim/apdu_names.h"
#include "esim/card.h"

const uint8_t esim_aid_isd_r[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
const uint8_t esim_aid_ecasd[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};


typedef struct bytes {
    uint8_t *p;
    size_t n, cap;
} bytes;

/* One command with the response gathered so far. */
typedef struct exchange {
    uint64_t frame_first, frame_last;
    int64_t sec;
    uint32_t nsec;
    uint8_t cla, ins, p1, p2;
    int channel;
    bytes cmd, rsp;
    uint16_t sw;
    unsigned get_responses;
    bool reissued;
    bool isd_r, ecasd;        /* the channel's selection when the command was sent */
    esim_card_cmd cls;        /* what the card layer made of the command */
} exchange;

struct esim_apdu_ctx {
    esim_apdu_cb cb;
    void *user;
    esim_card *card;          /* channel state and the ES10 rules (card.h) */
    bool warned_closed[ESIM_APDU_CHANNELS];
    exchange pend;            /* waiting for GET RESPONSE (61xx/9Fxx) or a re-issue (6Cxx) */
    enum { PEND_NONE, PEND_GET_RESPONSE, PEND_REISSUE } pend_kind;
    exchange cur;             /* the exchange being processed */
    /* STORE DATA chain on the ISD-R channel */
    bool sd_active;
    int sd_channel;
    unsigned sd_next, sd_blocks;
    uint64_t sd_frame;
    int64_t sd_sec;
    uint32_t sd_nsec;
    bool sd_overflow;
    bytes sd;
    char text[160];
};

int esim_apdu_channel(uint8_t cla)
{
    if (cla == 0xFF)
        return -1;
    if (cla & 0x40) /* 4X, 6X, CX, EX: further interindustry / extended: channels 4..19 */
        return 4 + (cla & 0x0F);
    return cla & 0x03; /* 0X, 8X, AX (and 2X, 9X, BX): channels 0..3 */
}

static bool put(bytes *b, const uint8_t *d, size_t n)
{
    if (n > ESIM_APDU_MAX_REASSEMBLY - b->n)
        return false;
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p)
            return false;
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
    return true;
}

static void vreport(esim_apdu_ctx *c, bool note, uint64_t frame, int64_t sec, uint32_t nsec,
                    int chan, const char *fmt, va_list ap) __attribute__((format(printf, 7, 0)));
static void vreport(esim_apdu_ctx *c, bool note, uint64_t frame, int64_t sec, uint32_t nsec,
                    int chan, const char *fmt, va_list ap)
{
    char msg[sizeof c->text];
    vsnprintf(msg, sizeof msg, fmt, ap);
    esim_apdu_event ev = {.type = ESIM_APDU_EV_FINDING, .frame_first = frame, .frame_last = frame,
                          .ts_sec = sec, .ts_nsec = nsec, .channel = (uint8_t)(chan < 0 ? 0 : chan),
                          .note = note, .text = msg};
    c->cb(&ev, c->user);
}

static void finding(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec, int chan,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void finding(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec, int chan,
                    const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, false, frame, sec, nsec, chan, fmt, ap);
    va_end(ap);
}

/* An assumption the output must state (the mid-stream rule), not something wrong. */
static void note(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec, int chan,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void note(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec, int chan,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, true, frame, sec, nsec, chan, fmt, ap);
    va_end(ap);
}

esim_apdu_ctx *esim_apdu_new(esim_apdu_cb cb, void *user)
{
    esim_apdu_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cb = cb;
    c->user = user;
    c->card = esim_card_new();
    if (!c->card) {
        free(c);
        return NULL;
    }
    return c;
}

void esim_apdu_free(esim_apdu_ctx *c)
{
    if (!c)
        return;
    free(c->pend.cmd.p);
    free(c->pend.rsp.p);
    free(c->cur.cmd.p);
    free(c->cur.rsp.p);
    free(c->sd.p);
    esim_card_free(c->card);
    free(c);
}

void esim_apdu_set_isdr_aid(esim_apdu_ctx *c, const uint8_t *aid, size_t len)
{
    esim_card_set_isdr_aid(c->card, aid, len);
}

static void sd_reset(esim_apdu_ctx *c)
{
    c->sd_active = false;
    c->sd.n = 0;
    c->sd_next = c->sd_blocks = 0;
    c->sd_overflow = false;
}

/* SGP.22 section 5.7.2: an ES10 command is sent as STORE DATA blocks, P1 = '11' for every block
 * but the last ('91': b8 = last block, GlobalPlatform 11.11.2), P2 = block number from '00'. */
static void store_data(esim_apdu_ctx *c, const exchange *x)
{
    bool last = x->cls.last;
    if (c->sd_active && (x->cls.first || c->sd_channel != x->channel)) {
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "ES10 command on channel %d started while the one on channel %d is unfinished "
                "(%u blocks dropped)", x->channel, c->sd_channel, c->sd_blocks);
        sd_reset(c);
    }
    if (!c->sd_active) {
        sd_reset(c);
        c->sd_active = true;
        c->sd_channel = x->channel;
        c->sd_frame = x->frame_first;
        c->sd_sec = x->sec;
        c->sd_nsec = x->nsec;
    } else if (x->p2 != (c->sd_next & 0xFF)) {
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "STORE DATA block number %u, expected %u (blocks missing or repeated)", x->p2,
                c->sd_next & 0xFF);
    }
    c->sd_next = x->p2 + 1u;
    c->sd_blocks++;
    if (!c->sd_overflow && !put(&c->sd, x->cmd.p, x->cmd.n)) {
        c->sd_overflow = true;
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "ES10 command over %u bytes: not reassembled", ESIM_APDU_MAX_REASSEMBLY);
    }
    if (!last && x->sw != 0x9000) {
        char m[96];
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "STORE DATA block %u rejected with %04X (%s): ES10 command aborted", x->p2, x->sw,
                esim_sw_meaning(x->sw, m, sizeof m));
        sd_reset(c);
        return;
    }
    if (!last)
        return;
    if (!c->sd_overflow) {
        char m[96];
        esim_apdu_event ev = {
            .type = ESIM_APDU_EV_ES10, .frame_first = c->sd_frame, .frame_last = x->frame_last,
            .frame_cmd = x->frame_first,
            .ts_sec = c->sd_sec, .ts_nsec = c->sd_nsec, .cla = x->cla, .ins = x->ins,
            .p1 = x->p1, .p2 = x->p2, .channel = (uint8_t)x->channel, .isd_r = true,
            .isdr_assumed = x->cls.isdr_assumed, .cmd_data = c->sd.p, .cmd_len = c->sd.n, .rsp_data = x->rsp.p, .rsp_len = x->rsp.n,
            .sw = x->sw, .get_responses = x->get_responses, .blocks = c->sd_blocks,
            .ins_name = "STORE DATA (ES10)", .text = esim_sw_meaning(x->sw, m, sizeof m)};
        c->cb(&ev, c->user);
    }
    sd_reset(c);
}

static void note_not_es10(esim_apdu_ctx *c, const exchange *x)
{
    uint8_t b0 = x->cmd.n ? x->cmd.p[0] : 0;
    switch (x->cls.note) {
    case ESIM_CARD_NOTE_FIRST_BLOCK_MISSING:
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "STORE DATA block %u on channel %d without the blocks before it (the capture "
                "starts inside an ES10 command): not decoded", x->p2, x->channel);
        break;
    case ESIM_CARD_NOTE_NOT_ES10:
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "STORE DATA on the ISD-R channel %d carries no ES10 command (data starts %02X): "
                "listed, not decoded as ES10", x->channel, b0);
        break;
    case ESIM_CARD_NOTE_BPP_WITHOUT_HEADER:
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "STORE DATA on channel %d looks like a LoadBoundProfilePackage piece ('%02X') but "
                "no InitialiseSecureChannel (BF36) is in the capture: not decoded", x->channel, b0);
        break;
    case ESIM_CARD_NOTE_NONE: break;
    }
}

/* Emits the completed exchange; ES10 blocks go on to the STORE DATA chain. */
static void complete(esim_apdu_ctx *c, exchange *x)
{
    if (!esim_card_channel_open(c->card, x->channel) &&
        esim_card_channel_known(c->card, x->channel) && x->ins != ESIM_INS_MANAGE_CHANNEL &&
        !c->warned_closed[x->channel]) {
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "command on logical channel %d, which is not open", x->channel);
        c->warned_closed[x->channel] = true; /* report once */
    }
    if (x->cls.assumed_here)
        note(c, x->frame_first, x->sec, x->nsec, x->channel,
             "ISD-R assumed on channel %d: no SELECT in the capture, and the STORE DATA carries "
             "an ES10 command", x->channel);
    char m[96];
    esim_apdu_event ev = {
        .type = ESIM_APDU_EV_APDU, .frame_first = x->frame_first, .frame_last = x->frame_last,
        .ts_sec = x->sec, .ts_nsec = x->nsec, .cla = x->cla, .ins = x->ins, .p1 = x->p1,
        .p2 = x->p2, .channel = (uint8_t)x->channel, .isd_r = x->isd_r, .ecasd = x->ecasd,
        .isdr_assumed = x->cls.isdr_assumed, .es10_block = x->cls.kind == ESIM_CARD_ES10_BLOCK,
        .cmd_data = x->cmd.p, .cmd_len = x->cmd.n, .rsp_data = x->rsp.p, .rsp_len = x->rsp.n,
        .sw = x->sw, .get_responses = x->get_responses, .reissued = x->reissued,
        .ins_name = esim_ins_name(x->ins, x->p1), .text = esim_sw_meaning(x->sw, m, sizeof m)};
    c->cb(&ev, c->user);
    if (x->ins == ESIM_INS_MANAGE_CHANNEL && x->p1 == 0x80 && c->sd_active && esim_sw_ok(x->sw) &&
        (x->p2 ? x->p2 : x->channel) == c->sd_channel) {
        finding(c, x->frame_last, x->sec, x->nsec, c->sd_channel,
                "channel %d closed inside a STORE DATA chain", c->sd_channel);
        sd_reset(c);
    }
    if (x->cls.kind == ESIM_CARD_ES10_BLOCK)
        store_data(c, x);
    else
        note_not_es10(c, x);
}

static void swap_exchange(exchange *a, exchange *b)
{
    exchange t = *a;
    *a = *b;
    *b = t;
}

static void flush_pending(esim_apdu_ctx *c)
{
    if (c->pend_kind == PEND_NONE)
        return;
    c->pend_kind = PEND_NONE;
    complete(c, &c->pend);
}

static bool response_pending_sw(uint16_t sw)
{
    return (sw >> 8) == 0x61 || (sw >> 8) == 0x9F;
}

/* c->cur holds a new exchange (command data, response data, SW). */
static void process(esim_apdu_ctx *c)
{
    exchange *x = &c->cur;
    if (c->pend_kind == PEND_GET_RESPONSE && x->ins == ESIM_INS_GET_RESPONSE &&
        x->channel == c->pend.channel) {
        /* T=0 case 4 / long response: the data belongs to the pending command */
        exchange *p = &c->pend;
        if (!put(&p->rsp, x->rsp.p, x->rsp.n))
            finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                    "response over %u bytes: truncated", ESIM_APDU_MAX_REASSEMBLY);
        p->get_responses++;
        p->frame_last = x->frame_last;
        p->sw = x->sw;
        if (response_pending_sw(x->sw) || (x->sw >> 8) == 0x6C)
            return; /* more to fetch, or GET RESPONSE to be re-issued with the right Le */
        c->pend_kind = PEND_NONE;
        complete(c, p);
        return;
    }
    if (c->pend_kind == PEND_REISSUE && x->cla == c->pend.cla && x->ins == c->pend.ins &&
        x->p1 == c->pend.p1 && x->p2 == c->pend.p2) {
        x->frame_first = c->pend.frame_first; /* 6Cxx: the re-sent command replaces the first */
        x->sec = c->pend.sec;
        x->nsec = c->pend.nsec;
        x->reissued = true;
        c->pend_kind = PEND_NONE;
    } else {
        flush_pending(c);
    }
    if (response_pending_sw(x->sw)) {
        swap_exchange(&c->pend, &c->cur);
        c->pend_kind = PEND_GET_RESPONSE;
        return;
    }
    if ((x->sw >> 8) == 0x6C && x->rsp.n == 0 && x->ins != ESIM_INS_GET_RESPONSE) {
        swap_exchange(&c->pend, &c->cur);
        c->pend_kind = PEND_REISSUE;
        return;
    }
    complete(c, x);
}

static void start(esim_apdu_ctx *c, uint64_t frame, uint64_t frame_rsp, int64_t sec,
                  uint32_t nsec, const uint8_t hdr[4], const uint8_t *data, size_t dlen, const uint8_t *rsp,
                  size_t rlen)
{
    exchange *x = &c->cur;
    x->frame_first = frame;
    x->frame_last = frame_rsp;
    x->sec = sec;
    x->nsec = nsec;
    x->cla = hdr[0];
    x->ins = hdr[1];
    x->p1 = hdr[2];
    x->p2 = hdr[3];
    int ch = esim_apdu_channel(x->cla);
    x->channel = ch < 0 ? 0 : ch;
    x->cmd.n = x->rsp.n = 0;
    x->get_responses = 0;
    x->reissued = false;
    put(&x->cmd, data, dlen);
    put(&x->rsp, rsp, rlen - 2);
    x->sw = (uint16_t)(rsp[rlen - 2] << 8 | rsp[rlen - 1]);
    if (ch < 0)
        finding(c, frame, sec, nsec, 0, "CLA %02X has no channel coding", x->cla);
    esim_card_rsp r;
    esim_card_command(c->card, hdr, data, dlen, &x->cls);
    x->isd_r = esim_card_channel_isd_r(c->card, x->channel);
    x->ecasd = esim_card_channel_ecasd(c->card, x->channel);
    esim_card_response(c->card, rsp, rlen - 2, x->sw, &r);
    process(c);
}

void esim_apdu_feed(esim_apdu_ctx *c, uint64_t frame, uint64_t frame_rsp, int64_t sec,
                    uint32_t nsec, const uint8_t *cmd, size_t cmd_len, const uint8_t *rsp,
                    size_t rsp_len)
{
    if (cmd_len < 4 || rsp_len < 2) {
        finding(c, frame, sec, nsec, 0, "%s too short (%zu bytes)",
                cmd_len < 4 ? "command APDU" : "response APDU", cmd_len < 4 ? cmd_len : rsp_len);
        return;
    }
    esim_apdu_body body;
    const uint8_t *data = NULL;
    size_t dlen = 0;
    if (!esim_apdu_parse_body(cmd, cmd_len, &body)) {
        finding(c, frame, sec, nsec, 0,
                "command APDU %02X %02X: body of %zu bytes matches no ISO 7816-3 case", cmd[0],
                cmd[1], cmd_len - 4);
        data = cmd + 4; /* keep the bytes: better something than nothing */
        dlen = cmd_len - 4;
    } else if (body.data_len) {
        data = cmd + body.data_off;
        dlen = body.data_len;
    }
    start(c, frame, frame_rsp, sec, nsec, cmd, data, dlen, rsp, rsp_len);
}

bool esim_apdu_parse_body(const uint8_t *cmd, size_t cmd_len, esim_apdu_body *out)
{
    memset(out, 0, sizeof *out);
    if (cmd_len < 4)
        return false;
    /* ISO 7816-3 clause 12.1: cases by body length. */
    size_t body = cmd_len - 4;
    const uint8_t *b = cmd + 4;
    if (body == 0)
        return true; /* case 1 */
    if (body == 1) {
        out->has_le = true; /* case 2 short */
        out->le = b[0] ? b[0] : 256;
        return true;
    }
    if (b[0] != 0 && (body == 1u + b[0] || body == 2u + b[0])) {
        out->data_off = 5; /* case 3 or 4 short */
        out->data_len = b[0];
        out->has_le = body == 2u + b[0];
        if (out->has_le)
            out->le = b[body - 1] ? b[body - 1] : 256;
        return true;
    }
    if (b[0] != 0 || body < 3)
        return false;
    out->extended = true;
    size_t v = (size_t)b[1] << 8 | b[2];
    if (body == 3) {
        out->has_le = true; /* case 2 extended */
        out->le = v ? (uint32_t)v : 65536;
        return true;
    }
    if (v && (body == 3 + v || body == 5 + v)) {
        out->data_off = 7; /* case 3 or 4 extended */
        out->data_len = v;
        out->has_le = body == 5 + v;
        if (out->has_le) {
            uint32_t le = (uint32_t)b[body - 2] << 8 | b[body - 1];
            out->le = le ? le : 65536;
        }
        return true;
    }
    out->extended = false;
    return false;
}

size_t esim_apdu_t0_split(const uint8_t *msg, size_t len)
{
    size_t body = len - 7, p3 = msg[4];
    const esim_ins_info *info = esim_ins_lookup(msg[1], msg[2]);
    esim_t0_dir dir = info ? info->dir : (body <= p3 ? ESIM_T0_IN : ESIM_T0_OUT);
    if (dir == ESIM_T0_OUT)
        return 5;
    return 5 + (body < p3 ? body : p3);
}

int esim_apdu_feed_t0(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec,
                      const uint8_t *msg, size_t len, esim_error *err)
{
    if (len < 7)
        return esim_error_set(err, "frame %llu: T=0 exchange of %zu bytes is shorter than header "
                              "+ status word", (unsigned long long)frame, len);
    size_t n = esim_apdu_t0_split(msg, len);
    start(c, frame, frame, sec, nsec, msg, msg + 5, n - 5, msg + n, len - n);
    return 0;
}

void esim_apdu_atr(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec,
                   const uint8_t *atr, size_t len)
{
    flush_pending(c);
    if (c->sd_active)
        finding(c, frame, sec, nsec, c->sd_channel,
                "card reset inside a STORE DATA chain (%u blocks dropped)", c->sd_blocks);
    sd_reset(c);
    esim_card_reset(c->card);
    memset(c->warned_closed, 0, sizeof c->warned_closed);
    esim_apdu_event ev = {.type = ESIM_APDU_EV_ATR, .frame_first = frame, .frame_last = frame,
                          .ts_sec = sec, .ts_nsec = nsec, .cmd_data = atr, .cmd_len = len,
                          .ins_name = "ATR", .text = "answer to reset"};
    c->cb(&ev, c->user);
}

void esim_apdu_flush(esim_apdu_ctx *c)
{
    flush_pending(c);
    if (c->sd_active)
        finding(c, c->cur.frame_last, c->cur.sec, c->cur.nsec, c->sd_channel,
                "capture ends inside a STORE DATA chain (%u blocks, no last block)", c->sd_blocks);
    sd_reset(c);
}
