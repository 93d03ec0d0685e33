/* Card channel state and the ES10 rules of the card layer (see card.h). */
#include <stdlib.h>
#include <string.h>
#include "esim/apdu.h"
#include "esim/apdu_names.h"
#include "esim/card.h"
#include "esim/es10_names.h"


typedef struct channel {
    bool open, known;       /* known: a reset, MANAGE CHANNEL or SELECT was seen */
    bool isd_r, ecasd, assumed;
    bool in_chain;          /* an ES10 command's blocks are arriving */
    bool rsp_pending;       /* its response continues with GET RESPONSE */
    bool bpp;               /* LoadBoundProfilePackage pieces follow the BF36 */
    uint32_t chain;
    uint16_t tag;
} channel;

struct esim_card {
    channel ch[ESIM_CARD_CHANNELS];
    uint8_t isdr_aid[16];
    size_t isdr_aid_len;
    /* the command waiting for its answer */
    bool have_cmd;
    uint8_t hdr[4];
    uint8_t aid[16];
    size_t aid_len;
    esim_card_cmd cmd;
    bool open_pending;      /* MANAGE CHANNEL open answered 61xx: the number comes next */
    int open_pending_ch;
};

esim_card *esim_card_new(void)
{
    esim_card *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    esim_card_set_isdr_aid(c, NULL, 0);
    c->ch[0].open = true; /* the basic channel is always there; its selection is unknown */
    return c;
}

void esim_card_free(esim_card *c)
{
    free(c);
}

void esim_card_set_isdr_aid(esim_card *c, const uint8_t *aid, size_t len)
{
    if (!aid || len < 5 || len > sizeof c->isdr_aid) {
        aid = esim_aid_isd_r;
        len = sizeof esim_aid_isd_r;
    }
    memcpy(c->isdr_aid, aid, len);
    c->isdr_aid_len = len;
}

void esim_card_reset(esim_card *c)
{
    memset(c->ch, 0, sizeof c->ch);
    for (int i = 0; i < ESIM_CARD_CHANNELS; i++)
        c->ch[i].known = true; /* closed, or the MF on the basic channel */
    c->ch[0].open = true;
    c->have_cmd = c->open_pending = false;
}

bool esim_card_sw_done(uint16_t sw)
{
    uint8_t sw1 = sw >> 8;
    return sw == 0x9000 || sw1 == 0x91 || sw1 == 0x61 || sw1 == 0x92;
}

static size_t ber_header(const uint8_t *d, size_t n, size_t *len)
{
    /* ES10 tags are two bytes ('BFxx', tag numbers 31..127) */
    if (n < 3)
        return 0;
    uint8_t l = d[2];
    if (l < 0x80) {
        *len = l;
        return 3;
    }
    size_t k = l & 0x7F;
    if (k == 0 || k > 3 || n < 3 + k)
        return 0; /* indefinite or absurd lengths are not DER */
    size_t v = 0;
    for (size_t i = 0; i < k; i++)
        v = v << 8 | d[3 + i];
    *len = v;
    return 3 + k;
}

bool esim_card_looks_es10(const uint8_t *data, size_t dlen, bool last)
{
    uint16_t tag = esim_es10_tag(data, dlen);
    if (!tag || !esim_es10_lookup(tag))
        return false;
    size_t len, hdr = ber_header(data, dlen, &len);
    if (!hdr)
        return false;
    /* a single block holds exactly the TLV; a first block of several holds less than it */
    return last ? hdr + len == dlen : hdr + len > dlen;
}

static bool bpp_piece_start(uint8_t b)
{
    /* SGP.22 section 5.7.2: after the BF36 header + InitialiseSecureChannel, each STORE DATA
     * sequence starts with A0..A3 (a part header) or an '86'/'87'/'88' segment */
    return (b >= 0xA0 && b <= 0xA3) || b == 0x86 || b == 0x87 || b == 0x88;
}

/* A STORE DATA (INS E2 with a proprietary class, GlobalPlatform 11.11) on channel ch. */
static void store_data(esim_card *c, channel *ch, const uint8_t hdr[4], const uint8_t *data,
                       size_t dlen, esim_card_cmd *out)
{
    bool last = hdr[2] & 0x80;
    uint8_t block = hdr[3];
    if (!ch->in_chain) {
        uint16_t tag = esim_es10_tag(data, dlen);
        bool bpp_piece = false;
        if (block != 0) {
            if (ch->isd_r || (!ch->known && (hdr[2] == 0x11 || hdr[2] == 0x91)))
                out->note = ESIM_CARD_NOTE_FIRST_BLOCK_MISSING;
            return;
        }
        if (!ch->isd_r) {
            /* the mid-stream rule: no SELECT seen on this channel, and the data is a well-formed
             * ES10 command: the channel is taken to hold the ISD-R */
            if (ch->known)
                return;
            if (!esim_card_looks_es10(data, dlen, last)) {
                if (dlen && bpp_piece_start(data[0]) && (hdr[2] == 0x11 || hdr[2] == 0x91))
                    out->note = ESIM_CARD_NOTE_BPP_WITHOUT_HEADER;
                return;
            }
            ch->isd_r = ch->assumed = ch->open = true;
            out->assumed_here = true;
        }
        if (tag == 0xBF36) {
            ch->bpp = bpp_piece = true;
        } else if (!tag && dlen && bpp_piece_start(data[0])) {
            bpp_piece = true; /* without a BF36 before it, trace says so */
        } else if (dlen && data[0] != 0xBF) {
            /* every ES10 command is a 'BFxx' object; a first block may end inside the tag */
            out->note = ESIM_CARD_NOTE_NOT_ES10;
            return;
        } else if (tag) {
            ch->bpp = false; /* another ES10 command: the BPP load is over */
        }
        ch->in_chain = true;
        ch->chain++;
        ch->tag = tag;
        out->first = true;
        out->bpp_piece = bpp_piece;
    } else {
        out->bpp_piece = ch->bpp;
    }
    out->kind = ESIM_CARD_ES10_BLOCK;
    out->last = last;
    out->block = block;
    out->chain = ch->chain;
    out->tag = ch->tag;
    out->isdr_assumed = ch->assumed;
    ch->rsp_pending = false;
    if (last)
        ch->in_chain = false;
}

void esim_card_command(esim_card *c, const uint8_t hdr[4], const uint8_t *data, size_t dlen,
                       esim_card_cmd *out)
{
    memset(out, 0, sizeof *out);
    int n = esim_apdu_channel(hdr[0]);
    out->channel = n;
    c->have_cmd = true;
    memcpy(c->hdr, hdr, sizeof c->hdr);
    c->aid_len = dlen <= sizeof c->aid ? dlen : 0;
    if (c->aid_len)
        memcpy(c->aid, data, c->aid_len);
    if (n < 0) {
        c->cmd = *out;
        return;
    }
    channel *ch = &c->ch[n];
    uint8_t ins = hdr[1];
    /* INS E2 with an interindustry class (CLA b8 = 0) is ISO 7816-4 APPEND RECORD, not STORE
     * DATA: only a proprietary class (80-83, C0-CF) carries ES10 (SGP.22 section 5.7.2) */
    if (ins == ESIM_INS_STORE_DATA && (hdr[0] & 0x80)) {
        store_data(c, ch, hdr, data, dlen, out);
    } else if (ins == ESIM_INS_GET_RESPONSE && ch->rsp_pending) {
        out->kind = ESIM_CARD_ES10_GETRSP;
        out->chain = ch->chain;
        out->tag = ch->tag;
        out->bpp_piece = ch->bpp;
        out->isdr_assumed = ch->assumed;
    } else if (ins != ESIM_INS_GET_RESPONSE) {
        ch->rsp_pending = false;
    }
    c->cmd = *out;
}

static void apply_select(esim_card *c, channel *ch, uint16_t sw, esim_card_rsp *out)
{
    /* P1 = 04: selection by DF name. Other selections (by FID / path) stay within the current
     * application as far as the ISD-R is concerned. */
    if ((c->hdr[2] & 0xFC) != 0x04)
        return;
    uint8_t sw1 = sw >> 8;
    if (!(esim_card_sw_done(sw) || sw1 == 0x62 || sw1 == 0x63))
        return; /* a failed SELECT leaves the current selection (ISO 7816-4 clause 7.1.1) */
    size_t n = c->aid_len;
    /* selection by a partial DF name (ISO 7816-4 clause 7.1.1, P2 first occurrence): the AID
     * given may be a right-truncated one, of 5 bytes (RID) or more */
    bool isd_r = n >= 5 && n <= c->isdr_aid_len && !memcmp(c->aid, c->isdr_aid, n);
    bool ecasd = n >= 5 && n <= sizeof esim_aid_ecasd && !memcmp(c->aid, esim_aid_ecasd, n) &&
                 !isd_r;
    *ch = (channel){.open = true, .known = true, .isd_r = isd_r, .ecasd = ecasd,
                    .chain = ch->chain};
    out->isdr_selected = isd_r;
}

static void open_channel(esim_card *c, int n)
{
    if (n <= 0 || n >= ESIM_CARD_CHANNELS)
        return;
    uint32_t chain = c->ch[n].chain;
    c->ch[n] = (channel){.open = true, .known = true, .chain = chain};
}

static void apply_manage_channel(esim_card *c, int cla_ch, const uint8_t *rsp, size_t rlen,
                                 uint16_t sw)
{
    uint8_t p1 = c->hdr[2], p2 = c->hdr[3];
    if (!esim_card_sw_done(sw))
        return;
    if (p1 == 0x00) { /* open: P2 names the channel, or P2 = 0 and the card assigns one */
        if (p2)
            open_channel(c, p2);
        else if (rlen)
            open_channel(c, rsp[0]);
        else if ((sw >> 8) == 0x61) {
            c->open_pending = true; /* T=0: the number comes with GET RESPONSE */
            c->open_pending_ch = cla_ch;
        }
    } else if (p1 == 0x80) { /* close: P2 names the channel, P2 = 0 the channel of CLA
                              * (ISO 7816-4 clause 11.1.2) */
        int n = p2 ? p2 : cla_ch;
        if (n <= 0 || n >= ESIM_CARD_CHANNELS)
            return;
        uint32_t chain = c->ch[n].chain;
        c->ch[n] = (channel){.known = true, .chain = chain};
    }
}

void esim_card_response(esim_card *c, const uint8_t *rsp, size_t rlen, uint16_t sw,
                        esim_card_rsp *out)
{
    memset(out, 0, sizeof *out);
    out->channel = -1;
    if (!c->have_cmd)
        return;
    c->have_cmd = false;
    const esim_card_cmd *cmd = &c->cmd;
    out->kind = cmd->kind;
    out->channel = cmd->channel;
    if (cmd->channel < 0)
        return;
    channel *ch = &c->ch[cmd->channel];
    uint8_t sw1 = sw >> 8, ins = c->hdr[1];
    bool more = sw1 == 0x61;
    if (cmd->kind == ESIM_CARD_ES10_BLOCK) {
        if (!esim_card_sw_done(sw)) {
            out->rejected = true;
            ch->in_chain = ch->rsp_pending = false;
            if (cmd->bpp_piece)
                ch->bpp = false; /* a refused segment ends the load */
            return;
        }
        if (!cmd->last)
            return;
        out->es10_response = true;
        out->more = ch->rsp_pending = more;
        out->complete = !more;
    } else if (cmd->kind == ESIM_CARD_ES10_GETRSP) {
        out->es10_response = true;
        out->more = more;
        out->complete = !more;
        ch->rsp_pending = more;
    } else if (ins == ESIM_INS_GET_RESPONSE && c->open_pending && cmd->channel == c->open_pending_ch) {
        c->open_pending = false;
        if (esim_card_sw_done(sw) && rlen)
            open_channel(c, rsp[0]);
        return;
    } else if (ins == ESIM_INS_SELECT) {
        apply_select(c, ch, sw, out);
        return;
    } else if (ins == ESIM_INS_MANAGE_CHANNEL) {
        apply_manage_channel(c, cmd->channel, rsp, rlen, sw);
        return;
    } else {
        return;
    }
    /* the ProfileInstallationResult (BF37) ends a BPP load (SGP.22 section 5.7.6) */
    if (out->es10_response && rlen >= 2 && rsp[0] == 0xBF && rsp[1] == 0x37)
        ch->bpp = false;
}

static const channel *chan(const esim_card *c, int n)
{
    return n >= 0 && n < ESIM_CARD_CHANNELS ? &c->ch[n] : NULL;
}

bool esim_card_channel_isd_r(const esim_card *c, int n)
{
    const channel *ch = chan(c, n);
    return ch && ch->isd_r;
}

bool esim_card_channel_ecasd(const esim_card *c, int n)
{
    const channel *ch = chan(c, n);
    return ch && ch->ecasd;
}

bool esim_card_channel_open(const esim_card *c, int n)
{
    const channel *ch = chan(c, n);
    return ch && ch->open;
}

bool esim_card_channel_known(const esim_card *c, int n)
{
    const channel *ch = chan(c, n);
    return ch && ch->known;
}
