/* GSMTAP header and GSMTAP-SIM to APDU exchanges (see gsmtap.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "esim/gsmtap.h"

int esim_gsmtap_parse(const uint8_t *p, size_t len, esim_gsmtap *out, esim_error *err)
{
    /* struct gsmtap_hdr: version, hdr_len (32-bit words), type, timeslot, arfcn(2), signal_dbm,
     * snr_db, frame_number(4), sub_type, antenna_nr, sub_slot, res = 16 bytes */
    if (len < 16)
        return esim_error_set(err, "GSMTAP header truncated (%zu bytes)", len);
    if (p[0] != 2)
        return esim_error_set(err, "GSMTAP version %u not supported (expected 2)", p[0]);
    size_t hl = (size_t)p[1] * 4;
    if (hl < 16 || hl > len)
        return esim_error_set(err, "GSMTAP header length %zu invalid for %zu bytes", hl, len);
    out->version = p[0];
    out->type = p[2];
    out->frame_nr = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
    out->sub_type = p[12];
    out->payload = p + hl;
    out->payload_len = len - hl;
    return 0;
}

/* Split-TPDU assembly: at most header + 255 command bytes, 256 response bytes + SW. */
struct esim_gsmtap_sim {
    esim_apdu_ctx *apdu;
    bool have_hdr;
    uint64_t frame;
    int64_t sec;
    uint32_t nsec;
    uint8_t cmd[5 + 255];
    size_t cmd_len;
    uint8_t rsp[256 + 2];
    size_t rsp_len;
};

esim_gsmtap_sim *esim_gsmtap_sim_new(esim_apdu_ctx *apdu)
{
    esim_gsmtap_sim *s = calloc(1, sizeof *s);
    if (s)
        s->apdu = apdu;
    return s;
}

void esim_gsmtap_sim_free(esim_gsmtap_sim *s)
{
    free(s);
}

static int split_part(esim_gsmtap_sim *s, uint64_t frame, const esim_gsmtap *g, esim_error *err)
{
    const uint8_t *d = g->payload;
    size_t n = g->payload_len;
    if (g->sub_type == ESIM_GSMTAP_SIM_TPDU_HDR) {
        if (n != 5)
            return esim_error_set(err, "frame %llu: GSMTAP-SIM TPDU header of %zu bytes (expected 5)",
                                  (unsigned long long)frame, n);
        memcpy(s->cmd, d, 5);
        s->cmd_len = 5;
        s->rsp_len = 0;
        s->have_hdr = true;
        return 0;
    }
    if (!s->have_hdr)
        return esim_error_set(err, "frame %llu: GSMTAP-SIM TPDU part without a header before it",
                              (unsigned long long)frame);
    uint8_t *dst = g->sub_type == ESIM_GSMTAP_SIM_TPDU_CMD ? s->cmd : s->rsp;
    size_t *have = g->sub_type == ESIM_GSMTAP_SIM_TPDU_CMD ? &s->cmd_len : &s->rsp_len;
    size_t cap = g->sub_type == ESIM_GSMTAP_SIM_TPDU_CMD ? sizeof s->cmd : sizeof s->rsp - 2;
    if (g->sub_type == ESIM_GSMTAP_SIM_TPDU_SW) {
        if (n != 2)
            return esim_error_set(err, "frame %llu: GSMTAP-SIM status word of %zu bytes",
                                  (unsigned long long)frame, n);
        dst = s->rsp;
        have = &s->rsp_len;
        cap = sizeof s->rsp;
    }
    if (n > cap - *have) {
        s->have_hdr = false;
        return esim_error_set(err, "frame %llu: GSMTAP-SIM TPDU body longer than T=0 allows",
                              (unsigned long long)frame);
    }
    memcpy(dst + *have, d, n);
    *have += n;
    if (g->sub_type == ESIM_GSMTAP_SIM_TPDU_SW) {
        s->have_hdr = false;
        esim_apdu_feed(s->apdu, s->frame, frame, s->sec, s->nsec, s->cmd, s->cmd_len, s->rsp,
                       s->rsp_len);
    }
    return 0;
}

int esim_gsmtap_sim_feed(esim_gsmtap_sim *s, uint64_t frame, int64_t sec, uint32_t nsec,
                         const esim_gsmtap *g, esim_error *err)
{
    if (g->type != ESIM_GSMTAP_TYPE_SIM)
        return 0;
    switch (g->sub_type) {
    case ESIM_GSMTAP_SIM_APDU:
        return esim_apdu_feed_t0(s->apdu, frame, sec, nsec, g->payload, g->payload_len, err);
    case ESIM_GSMTAP_SIM_ATR:
        s->have_hdr = false;
        esim_apdu_atr(s->apdu, frame, sec, nsec, g->payload, g->payload_len);
        return 0;
    case ESIM_GSMTAP_SIM_TPDU_HDR:
        s->frame = frame;
        s->sec = sec;
        s->nsec = nsec;
        /* fall through */
    case ESIM_GSMTAP_SIM_TPDU_CMD:
    case ESIM_GSMTAP_SIM_TPDU_RSP:
    case ESIM_GSMTAP_SIM_TPDU_SW:
        return split_part(s, frame, g, err);
    default:
        return 0; /* PPS and unknown sub-types carry no APDU */
    }
}
