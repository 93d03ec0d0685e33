/* APDU exchange layer (see apdu.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esim/apdu.h"
#include "esim/apdu_names.h"

const uint8_t esim_aid_isd_r[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00};
const uint8_t esim_aid_ecasd[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x02, 0x00};

enum { INS_MANAGE_CHANNEL = 0x70, INS_SELECT = 0xA4, INS_GET_RESPONSE = 0xC0,
       INS_STORE_DATA = 0xE2 };

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
} exchange;

typedef struct channel {
    bool open;
    uint8_t aid[16];
    size_t aid_len;
    bool isd_r, ecasd;
} channel;

struct esim_apdu_ctx {
    esim_apdu_cb cb;
    void *user;
    channel ch[ESIM_APDU_CHANNELS];
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
    bool atr_seen; /* channel state is known from a reset on */
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

static void finding(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec, int chan,
                    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static void finding(esim_apdu_ctx *c, uint64_t frame, int64_t sec, uint32_t nsec, int chan,
                    const char *fmt, ...)
{
    char msg[sizeof c->text];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    esim_apdu_event ev = {.type = ESIM_APDU_EV_FINDING, .frame_first = frame, .frame_last = frame,
                          .ts_sec = sec, .ts_nsec = nsec, .channel = (uint8_t)(chan < 0 ? 0 : chan),
                          .text = msg};
    c->cb(&ev, c->user);
}

esim_apdu_ctx *esim_apdu_new(esim_apdu_cb cb, void *user)
{
    esim_apdu_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->cb = cb;
    c->user = user;
    c->ch[0].open = true;
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
    free(c);
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
    bool last = x->p1 & 0x80;
    if (c->sd_active && c->sd_channel != x->channel) {
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "STORE DATA on channel %d while a chain on channel %d is unfinished "
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
        if (x->p2 != 0)
            finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                    "STORE DATA chain starts at block %u, not 0 (earlier blocks missing)", x->p2);
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
            .ts_sec = c->sd_sec, .ts_nsec = c->sd_nsec, .cla = x->cla, .ins = x->ins,
            .p1 = x->p1, .p2 = x->p2, .channel = (uint8_t)x->channel, .isd_r = true,
            .cmd_data = c->sd.p, .cmd_len = c->sd.n, .rsp_data = x->rsp.p, .rsp_len = x->rsp.n,
            .sw = x->sw, .get_responses = x->get_responses, .blocks = c->sd_blocks,
            .ins_name = "STORE DATA (ES10)", .text = esim_sw_meaning(x->sw, m, sizeof m)};
        c->cb(&ev, c->user);
    }
    sd_reset(c);
}

static void apply_select(esim_apdu_ctx *c, const exchange *x)
{
    channel *ch = &c->ch[x->channel];
    /* P1 = 04: selection by DF name (AID). Other selections (by FID / path) stay within the
     * current application as far as the ISD-R flag is concerned. */
    if ((x->p1 & 0xFC) != 0x04)
        return;
    if (!(esim_sw_ok(x->sw) || (x->sw >> 8) == 0x62 || (x->sw >> 8) == 0x63))
        return;
    ch->aid_len = x->cmd.n < sizeof ch->aid ? x->cmd.n : sizeof ch->aid;
    memcpy(ch->aid, x->cmd.p ? x->cmd.p : ch->aid, ch->aid_len);
    ch->isd_r = x->cmd.n == 16 && !memcmp(x->cmd.p, esim_aid_isd_r, 16);
    ch->ecasd = x->cmd.n == 16 && !memcmp(x->cmd.p, esim_aid_ecasd, 16);
    ch->open = true;
}

static void apply_manage_channel(esim_apdu_ctx *c, const exchange *x)
{
    if (!esim_sw_ok(x->sw))
        return;
    if (x->p1 == 0x00) { /* open: the card assigns a number (P2 = 0, in the response) or P2 */
        int n = x->p2 ? x->p2 : (x->rsp.n ? x->rsp.p[0] : -1);
        if (n <= 0 || n >= ESIM_APDU_CHANNELS) {
            finding(c, x->frame_last, x->sec, x->nsec, x->channel,
                    "MANAGE CHANNEL open: channel number %d out of range", n);
            return;
        }
        if (c->ch[n].open)
            finding(c, x->frame_last, x->sec, x->nsec, n,
                    "MANAGE CHANNEL opened channel %d, which was already open", n);
        c->ch[n] = (channel){.open = true};
    } else if (x->p1 == 0x80) { /* close P2 (the channel of CLA when P2 = 0) */
        int n = x->p2 ? x->p2 : x->channel;
        if (n <= 0 || n >= ESIM_APDU_CHANNELS)
            return;
        if (c->sd_active && c->sd_channel == n) {
            finding(c, x->frame_last, x->sec, x->nsec, n,
                    "channel %d closed inside a STORE DATA chain", n);
            sd_reset(c);
        }
        c->ch[n] = (channel){0};
    }
}

/* Emits the completed exchange and applies its effect on the channel state. */
static void complete(esim_apdu_ctx *c, exchange *x)
{
    channel *ch = &c->ch[x->channel];
    if (!ch->open && c->atr_seen && x->ins != INS_MANAGE_CHANNEL)
        finding(c, x->frame_first, x->sec, x->nsec, x->channel,
                "command on logical channel %d, which is not open", x->channel);
    ch->open = true; /* report once */
    char m[96];
    esim_apdu_event ev = {
        .type = ESIM_APDU_EV_APDU, .frame_first = x->frame_first, .frame_last = x->frame_last,
        .ts_sec = x->sec, .ts_nsec = x->nsec, .cla = x->cla, .ins = x->ins, .p1 = x->p1,
        .p2 = x->p2, .channel = (uint8_t)x->channel, .isd_r = ch->isd_r, .ecasd = ch->ecasd,
        .cmd_data = x->cmd.p, .cmd_len = x->cmd.n, .rsp_data = x->rsp.p, .rsp_len = x->rsp.n,
        .sw = x->sw, .get_responses = x->get_responses, .reissued = x->reissued,
        .ins_name = esim_ins_name(x->ins, x->p1), .text = esim_sw_meaning(x->sw, m, sizeof m)};
    c->cb(&ev, c->user);
    bool was_isd_r = ch->isd_r;
    switch (x->ins) {
    case INS_SELECT: apply_select(c, x); break;
    case INS_MANAGE_CHANNEL: apply_manage_channel(c, x); break;
    case INS_STORE_DATA:
        if (was_isd_r)
            store_data(c, x);
        break;
    default: break;
    }
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
    if (c->pend_kind == PEND_GET_RESPONSE && x->ins == INS_GET_RESPONSE &&
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
    if ((x->sw >> 8) == 0x6C && x->rsp.n == 0 && x->ins != INS_GET_RESPONSE) {
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
    memset(c->ch, 0, sizeof c->ch);
    c->ch[0].open = true;
    c->atr_seen = true;
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
