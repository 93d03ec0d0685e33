/* ES10 over card APDUs (SGP.22 section 5.7): STORE DATA to the ISD-R carries the ES10a/b/c
 * commands, chained over blocks (5.7.2, GlobalPlatform STORE DATA: P1 b8 = last block, P2 = block
 * number); a T=0 eUICC answers 61xx and the LPA fetches the response with GET RESPONSE. This part
 * tracks per conversation which logical channel has the ISD-R selected (MANAGE CHANNEL, SELECT by
 * AID), reassembles the command blocks and the GET RESPONSE chain with Wireshark's reassembly API,
 * decodes both with the core and hands every other APDU to Wireshark's own gsm_sim dissector.
 * Sources: GSMTAP-SIM (one message = header + data + SW, as SIMtrace sends it) here, USB CCID
 * readers through esim_es10_parts (packet-esim-ccid.c). */
#include <string.h>
#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/expert.h>
#include <epan/reassemble.h>
#include <epan/to_str.h>
#include "esim/apdu.h"
#include "esim/apdu_names.h"
#include "esim/card.h"
#include "esim/es10_names.h"
#include "esim/hex.h"
#include "esim/tlv.h"
#include "packet-esim.h"

#define GSMTAP_TYPE_SIM 4
#define GSMTAP_SIM_APDU 0
#define GSMTAP_SIM_ATR 1

static int hf_es10_command = -1;
static int hf_es10_iface = -1;
static int hf_es10_channel = -1;
int hf_esim_ccid_slot = -1;
static int hf_es10_block = -1;
static int hf_es10_sw = -1;
static int hf_es10_direction = -1;
static int hf_es10_request_in = -1;
static int hf_es10_response_in = -1;
static int hf_es10_time = -1;
static int hf_bpp_segment = -1;
static int hf_bpp_part = -1;
static int hf_frags = -1, hf_frag = -1, hf_frag_overlap = -1, hf_frag_overlap_conflict = -1,
           hf_frag_multiple_tails = -1, hf_frag_too_long = -1, hf_frag_error = -1,
           hf_frag_count = -1, hf_reassembled_in = -1, hf_reassembled_length = -1,
           hf_reassembled_data = -1;
static gint ett_es10 = -1, ett_frag = -1, ett_frags = -1, ett_bpp = -1;
static expert_field ei_sw_error = EI_INIT;
static expert_field ei_incomplete = EI_INIT;
static expert_field ei_unpaired = EI_INIT;
static expert_field ei_isdr_assumed = EI_INIT;
static expert_field ei_not_es10 = EI_INIT;
static int hf_es10_isdr_assumed = -1;

static dissector_handle_t gsm_sim_handle;
static reassembly_table cmd_table, rsp_table;

static const fragment_items es10_frag_items = {
    &ett_frag, &ett_frags, &hf_frags, &hf_frag, &hf_frag_overlap, &hf_frag_overlap_conflict,
    &hf_frag_multiple_tails, &hf_frag_too_long, &hf_frag_error, &hf_frag_count,
    &hf_reassembled_in, &hf_reassembled_length, &hf_reassembled_data, "STORE DATA blocks"};

static const value_string bpp_segment_vals[] = {
    {0x87, "87: ConfigureISDP / ReplaceSessionKeys (encrypted + MAC)"},
    {0x88, "88: StoreMetadata (MAC only)"},
    {0x86, "86: profile elements (encrypted + MAC)"},
    {0, NULL}};

/* Per card (first pass only): a GSMTAP conversation or a USB reader. */
typedef struct frame_info frame_info;

struct card_state {
    uint32_t index;                        /* distinguishes cards in reassembly ids */
    int slot;                              /* CCID bSlot of the card, -1: not on CCID */
    esim_card *card;                       /* channels, ISD-R, ES10 chaining: the core's rules */
    uint32_t cmd_frame[ESIM_CARD_CHANNELS];/* frame with the last block of the ES10 command */
    nstime_t cmd_ts[ESIM_CARD_CHANNELS];   /* its time */
    wmem_map_t *rsp_of;                    /* command frame -> frame completing its response */
    /* the command waiting for its response (CCID: they travel in separate frames) */
    bool have_cmd;
    uint32_t cmd_num;
    esim_card_cmd cls;                     /* what the core made of it */
    struct frame_info *cmd_fi;             /* frame_info of that command's frame */
    char last_tid[33];                     /* last transactionId seen on this card */
    esim_bpp_stream *bpp;                  /* the BPP sent to this card so far */
};

typedef enum { K_OTHER = 0, K_BLOCK, K_GETRSP } frame_kind;

/* What the first pass decided for the command and/or response part of a frame. */
struct frame_info {
    frame_kind kind;    /* of the command part */
    frame_kind rkind;   /* of the response part (K_OTHER: none / not ES10) */
    uint8_t channel;
    bool more;          /* BLOCK: more blocks follow */
    bool rsp_here;      /* response data of the ES10 command is (partly) in this frame */
    bool rsp_more;      /* ... and continues with GET RESPONSE */
    uint32_t id;        /* reassembly id of the chain */
    uint16_t tag;       /* ES10 tag of the command */
    uint32_t cmd_frame; /* frame completing the command (for responses) */
    uint32_t rsp_frame; /* GETRSP command: filled for display */
    const char *tid;    /* transactionId of the card's session at this frame (for the tap) */
    bool rejected;      /* BLOCK: the eUICC answered with an error SW */
    bool assumed;       /* the core took the channel for the ISD-R without a SELECT */
    bool assumed_here;  /* ... because of this frame's STORE DATA */
    esim_card_note note;/* a STORE DATA the core did not take as ES10, and why */
    nstime_t cmd_ts;    /* responses: time of the command's last block */
};

/* The ISD-R AID of the preference (hex, 5 to 16 bytes), or NULL for SGP.22's default. */
static const uint8_t *isdr_aid(size_t *len)
{
    static uint8_t buf[16];
    static char last[64];
    static long blen;
    if (!esim_pref_isdr_aid || !esim_pref_isdr_aid[0])
        return NULL;
    if (strcmp(last, esim_pref_isdr_aid)) {
        g_strlcpy(last, esim_pref_isdr_aid, sizeof last);
        blen = esim_unhex(last, strlen(last), buf, sizeof buf);
    }
    if (blen < 5)
        return NULL; /* the core falls back to the default */
    *len = (size_t)blen;
    return buf;
}

static uint32_t card_counter;

void esim_cardview_reset(card_state *cs)
{
    esim_card_reset(cs->card);
    cs->have_cmd = false;
}

static gboolean free_card(wmem_allocator_t *allocator, wmem_cb_event_t event, void *data)
{
    esim_card_free((esim_card *)data);
    return FALSE;
}

card_state *esim_cardview_new(void)
{
    card_state *cs = wmem_new0(wmem_file_scope(), card_state);
    cs->rsp_of = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    cs->index = ++card_counter;
    cs->slot = -1;
    cs->card = esim_card_new();
    wmem_register_callback(wmem_file_scope(), free_card, cs->card);
    cs->bpp = esim_bpp_stream_new();
    size_t alen = 0;
    const uint8_t *aid = isdr_aid(&alen);
    esim_card_set_isdr_aid(cs->card, aid, alen);
    return cs;
}

void esim_cardview_set_slot(card_state *cs, uint8_t slot)
{
    cs->slot = slot;
}

static uint32_t chain_id(const card_state *cs, unsigned ch, uint32_t chain)
{
    return (chain << 16) ^ ((cs->index & 0x7ff) << 5) ^ ch;
}

#define BPP_PIECE_TAG 0x86
/* The tag a frame is named after: the ES10 command's, or '86' (named LoadBoundProfilePackage by
 * es10_name) for the pieces that follow the BF36 of a BPP. */
static uint16_t piece_tag(const esim_card_cmd *k)
{
    return k->tag ? k->tag : k->bpp_piece ? BPP_PIECE_TAG : 0;
}

/* First pass, command part: the core says whether the command is an ES10 STORE DATA block to
 * the ISD-R or the GET RESPONSE of an ES10 response; the card remembers it for its response. */
static void classify_cmd(packet_info *pinfo, card_state *cs, frame_info *fi, const uint8_t *cmd,
                         const uint8_t *data, size_t dlen)
{
    esim_card_cmd *k = &cs->cls;
    esim_card_command(cs->card, cmd, data, dlen, k);
    cs->have_cmd = true;
    cs->cmd_num = pinfo->num;
    cs->cmd_fi = NULL; /* set once the frame's info is kept */
    if (k->channel < 0)
        return;
    int ch = k->channel;
    fi->channel = (uint8_t)ch;
    fi->note = k->note;
    if (k->kind == ESIM_CARD_ES10_BLOCK) {
        fi->kind = K_BLOCK;
        fi->more = !k->last;
        fi->assumed = k->isdr_assumed;
        fi->assumed_here = k->assumed_here;
        if (k->last)
            cs->cmd_ts[ch] = pinfo->abs_ts;
    } else if (k->kind == ESIM_CARD_ES10_GETRSP) {
        fi->kind = K_GETRSP;
        fi->assumed = k->isdr_assumed;
    }
    fi->id = chain_id(cs, (unsigned)ch, k->chain);
    fi->tag = piece_tag(k);
    fi->cmd_frame = cs->cmd_frame[ch];
}

/* First pass, response part (data without SW, and SW) of the remembered command. */
static void classify_rsp(packet_info *pinfo, card_state *cs, frame_info *fi, const uint8_t *rsp,
                         size_t rsp_len, uint16_t sw)
{
    if (!cs->have_cmd)
        return;
    cs->have_cmd = false;
    esim_card_rsp r;
    esim_card_response(cs->card, rsp, rsp_len, sw, &r);
    const esim_card_cmd *k = &cs->cls;
    if (k->channel < 0 || k->kind == ESIM_CARD_OTHER)
        return;
    int ch = k->channel;
    fi->channel = (uint8_t)ch;
    fi->id = chain_id(cs, (unsigned)ch, k->chain);
    fi->tag = piece_tag(k);
    fi->cmd_ts = cs->cmd_ts[ch];
    if (k->kind == ESIM_CARD_ES10_BLOCK) {
        fi->rkind = K_BLOCK;
        if (r.rejected) {
            if (cs->cmd_num == pinfo->num)
                fi->rejected = true;
            else if (cs->cmd_fi)
                cs->cmd_fi->rejected = true;
            return;
        }
        if (k->last) { /* last block: the ES10 response starts here */
            fi->cmd_frame = cs->cmd_frame[ch] = cs->cmd_num;
            fi->rsp_here = rsp_len > 0;
            fi->rsp_more = r.more;
            if (r.complete)
                wmem_map_insert(cs->rsp_of, GUINT_TO_POINTER(cs->cmd_num),
                                GUINT_TO_POINTER(pinfo->num));
        }
    } else {
        fi->rkind = K_GETRSP;
        fi->cmd_frame = cs->cmd_frame[ch];
        fi->rsp_here = true;
        fi->rsp_more = r.more;
        if (r.complete)
            wmem_map_insert(cs->rsp_of, GUINT_TO_POINTER(cs->cmd_frame[ch]),
                            GUINT_TO_POINTER(pinfo->num));
    }
}

proto_item *esim_add_bpp_segment(proto_tree *tree, tvbuff_t *tvb, int off, int len, guint8 tag)
{
    return proto_tree_add_uint(tree, hf_bpp_segment, tvb, off, len, tag);
}

static const char *es10_name(uint16_t tag, const char **iface)
{
    const esim_es10_info *e = esim_es10_lookup(tag);
    *iface = e ? e->iface : "ES10b";
    if (e)
        return e->function;
    switch (tag) {
    case 0xA0: case 0xA1: case 0xA2: case 0xA3: case 0x86: case 0x87: case 0x88:
        *iface = "ES10b";
        return "LoadBoundProfilePackage";
    }
    *iface = "ES10";
    return "Unknown";
}

/* One STORE DATA sequence of LoadBoundProfilePackage (SGP.22 5.7.2: BF36 header +
 * InitialiseSecureChannel, A0 with its 87s, A1/A2/A3 headers, then each 88/87/86 on its own). */
static void dissect_bpp_piece(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, GString *info,
                              esim_asn1_summary *sum, card_state *cs)
{
    int len = (int)tvb_reported_length(tvb);
    if (len < 1)
        return;
    const uint8_t *p = tvb_get_ptr(tvb, 0, len);
    /* MAC results with the key log: computed on the first pass over the card's BPP so far */
    esim_bpp_piece *macs = (esim_bpp_piece *)p_get_proto_data(wmem_file_scope(), pinfo,
                                                               proto_esim, 2);
    if (!PINFO_FD_VISITED(pinfo) && !macs) {
        macs = esim_bpp_stream_piece(cs->bpp, p, (size_t)len, pinfo);
        if (macs)
            p_add_proto_data(wmem_file_scope(), pinfo, proto_esim, 2, macs);
    }
    /* plaintexts of the parts this piece completes (ConfigureISDP, StoreMetadata, ...) */
    esim_bpp_piece_plaintexts(tvb, pinfo, tree, macs);
    esim_tlv t;
    esim_error err;
    size_t hdr;
    /* a header-only piece: the tag and length of a part whose content follows in later pieces */
    if (p[0] == 0xBF) {
        if (esim_tlv_parse(p, (size_t)len, 0, &t, &err) == 0 || len < 4)
            goto whole;
        hdr = (p[2] & 0x80) ? 3 + (p[2] & 0x7f) : 3;
        proto_tree_add_uint_format(tree, hf_bpp_part, tvb, 0, (int)MIN(hdr, (size_t)len), 0xBF36,
                                   "BoundProfilePackage header (BF36)");
        if (hdr < (size_t)len) {
            esim_dissect_asn1(tvb, (int)hdr, len - (int)hdr, pinfo, tree, NULL, ESIM_ASN1_COMMAND,
                              sum);
            g_string_append(info, " InitialiseSecureChannel");
        }
        return;
    }
    esim_tlv_iter it;
    esim_tlv_iter_init(&it, p, (size_t)len, 0);
    int rc;
    while ((rc = esim_tlv_next(&it, &t, &err)) == 1) {
        if (t.tag == 0x86 || t.tag == 0x87 || t.tag == 0x88) {
            proto_item *si = proto_tree_add_uint(tree, hf_bpp_segment, tvb, (int)t.offset,
                                                 (int)esim_tlv_total(&t), t.tag);
            esim_bpp_segment_result(si, tvb, pinfo, macs, (int)t.offset, (int)esim_tlv_total(&t));
            g_string_append_printf(info, " %02X(%zu)", t.tag, t.len);
        } else if (t.tag >= 0xA0 && t.tag <= 0xA3) {
            proto_item *pi = proto_tree_add_uint(tree, hf_bpp_part, tvb, (int)t.offset,
                                                 (int)esim_tlv_total(&t), t.tag);
            proto_tree *st = proto_item_add_subtree(pi, ett_bpp);
            esim_tlv_iter ci;
            esim_tlv c;
            esim_tlv_iter_children(&ci, &t);
            g_string_append_printf(info, " %02X{", t.tag);
            while (esim_tlv_next(&ci, &c, &err) == 1) {
                proto_item *si = proto_tree_add_uint(st, hf_bpp_segment, tvb, (int)c.offset,
                                                     (int)esim_tlv_total(&c), c.tag);
                esim_bpp_segment_result(si, tvb, pinfo, macs, (int)c.offset,
                                        (int)esim_tlv_total(&c));
                g_string_append_printf(info, " %02X(%zu)", c.tag, c.len);
            }
            g_string_append(info, " }");
        }
    }
    if (rc == 0)
        return;
    /* a part header alone (A1/A2/A3 tag + length, its segments follow) is not a complete TLV */
    if ((p[0] >= 0xA0 && p[0] <= 0xA3) && len <= 5) {
        proto_tree_add_uint_format(tree, hf_bpp_part, tvb, 0, len, p[0], "BPP part %02X header",
                                   p[0]);
        g_string_append_printf(info, " %02X header", p[0]);
        return;
    }
whole:
    esim_dissect_asn1(tvb, 0, len, pinfo, tree, NULL, ESIM_ASN1_COMMAND, sum);
}

static void add_summary_info(GString *info, const esim_asn1_summary *s)
{
    if (s->tid[0])
        g_string_append_printf(info, " tid=%s", s->tid);
    if (s->iccid[0])
        g_string_append_printf(info, " iccid=%s", s->iccid);
    if (s->eid[0])
        g_string_append_printf(info, " eid=%s", s->eid);
    if (s->matching_id[0])
        g_string_append_printf(info, " matchingId=%s", s->matching_id);
    if (s->result[0])
        g_string_append_printf(info, " result=%s", s->result);
}

/* Tap record of a decoded ES10 message; messages without a transactionId of their own belong to
 * the card's current session, except those that start a new one. */
static void tap_es10(packet_info *pinfo, card_state *cs, const frame_info *fi, const char *iface,
                     const char *fn, bool response, esim_asn1_summary *sum)
{
    if (sum->tid[0] && !PINFO_FD_VISITED(pinfo))
        g_strlcpy(cs->last_tid, sum->tid, sizeof cs->last_tid);
    esim_tap_es10(pinfo, cs->index, fi->tag == BPP_PIECE_TAG ? 0 : fi->tag,
                  fi->tag == BPP_PIECE_TAG || fi->tag == 0xBF36, iface, fn, response, sum, NULL,
                  NULL);
}

static void dissect_es10_command(tvbuff_t *ctvb, packet_info *pinfo, proto_tree *tree,
                                 GString *info, uint16_t tag, card_state *cs, const frame_info *fi)
{
    const char *iface;
    const char *fn = es10_name(tag, &iface);
    proto_tree_add_string(tree, hf_es10_command, ctvb, 0, -1, fn);
    proto_tree_add_string(tree, hf_es10_iface, ctvb, 0, -1, iface);
    g_string_append_printf(info, "%s %s", iface, fn);
    esim_asn1_summary sum;
    memset(&sum, 0, sizeof sum);
    if (!strcmp(fn, "LoadBoundProfilePackage"))
        dissect_bpp_piece(ctvb, pinfo, tree, info, &sum, cs);
    else {
        const esim_es10_info *e = esim_es10_lookup(tag);
        esim_dissect_asn1(ctvb, 0, (int)tvb_reported_length(ctvb), pinfo, tree,
                          e ? e->request_type : NULL, ESIM_ASN1_COMMAND, &sum);
    }
    add_summary_info(info, &sum);
    tap_es10(pinfo, cs, fi, iface, fn, false, &sum);
}

static void dissect_es10_response(tvbuff_t *rtvb, packet_info *pinfo, proto_tree *tree,
                                  GString *info, uint16_t tag, card_state *cs,
                                  const frame_info *fi)
{
    const char *iface;
    const char *fn = es10_name(tag, &iface);
    proto_tree_add_string(tree, hf_es10_command, rtvb, 0, -1, fn);
    proto_tree_add_string(tree, hf_es10_iface, rtvb, 0, -1, iface);
    g_string_append_printf(info, "%s %s response", iface, fn);
    esim_asn1_summary sum;
    /* the type of the ES10 table when the response carries the command's tag, else detected
     * from the response's own tag (BF37 for a PIR after any BPP piece) */
    const esim_es10_info *e = esim_es10_lookup(tag);
    int n = (int)tvb_reported_length(rtvb);
    bool same_tag = e && e->response_type && n >= 2 &&
                    esim_es10_tag(tvb_get_ptr(rtvb, 0, 2), 2) == tag;
    esim_dissect_asn1(rtvb, 0, n, pinfo, tree, same_tag ? e->response_type : NULL,
                      ESIM_ASN1_RESPONSE, &sum);
    add_summary_info(info, &sum);
    tap_es10(pinfo, cs, fi, iface, fn, true, &sum);
}

/* A STORE DATA that the core did not take as ES10: Wireshark's APDU view, and why. */
static bool not_es10(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, const frame_info *fi,
                     int cmd_off, int cmd_len, dissector_handle_t apdu_handle, void *apdu_data,
                     proto_item *parent)
{
    static const char *why[] = {
        [ESIM_CARD_NOTE_FIRST_BLOCK_MISSING] = "STORE DATA block without the blocks before it "
                                               "(the capture starts inside an ES10 command): "
                                               "not decoded",
        [ESIM_CARD_NOTE_NOT_ES10] = "STORE DATA on the ISD-R channel carries no ES10 command: "
                                    "listed, not decoded as ES10",
        [ESIM_CARD_NOTE_BPP_WITHOUT_HEADER] = "looks like a LoadBoundProfilePackage piece, but "
                                              "no InitialiseSecureChannel (BF36) is in the "
                                              "capture: not decoded",
    };
    if (apdu_handle)
        call_dissector_with_data(apdu_handle, tvb, pinfo, tree, apdu_data);
    proto_item *ti = parent ? parent : proto_tree_add_item(tree, proto_esim, tvb, 0, -1, ENC_NA);
    proto_tree *et = proto_item_add_subtree(ti, ett_es10);
    proto_tree_add_uint(et, hf_es10_channel, tvb, cmd_len > 0 ? cmd_off : 0, cmd_len > 0 ? 1 : 0,
                        fi->channel);
    proto_item_append_text(ti, ": %s", why[fi->note]);
    expert_add_info_format(pinfo, ti, &ei_not_es10, "%s", why[fi->note]);
    return true;
}

static card_state *conv_state(conversation_t *conv)
{
    card_state *cs = (card_state *)conversation_get_proto_data(conv, proto_esim);
    if (!cs) {
        cs = esim_cardview_new();
        conversation_add_proto_data(conv, proto_esim, cs);
    }
    return cs;
}

bool esim_es10_parts(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, card_state *cs,
                     int cmd_off, int cmd_len, int rsp_off, int rsp_len, int sw_off,
                     dissector_handle_t apdu_handle, void *apdu_data, proto_item *parent)
{
    /* the command's data field: after Lc (short or extended, ISO 7816-3 12.1); a T=0 TPDU
     * or a body of no case: everything after the 5-byte header */
    int data_off = cmd_off + 5, data_len = cmd_len - 5;
    if (cmd_len >= 5) {
        esim_apdu_body body;
        if (esim_apdu_parse_body(tvb_get_ptr(tvb, cmd_off, cmd_len), (size_t)cmd_len, &body) &&
            body.data_len) {
            data_off = cmd_off + (int)body.data_off;
            data_len = (int)body.data_len;
        }
    }
    frame_info *fi = (frame_info *)p_get_proto_data(wmem_file_scope(), pinfo, proto_esim, 0);
    if (!fi) {
        if (PINFO_FD_VISITED(pinfo))
            return false;
        /* state is kept only for frames that carry eSIM data: the others cost nothing */
        frame_info tmp;
        memset(&tmp, 0, sizeof tmp);
        if (cmd_len >= 5)
            classify_cmd(pinfo, cs, &tmp, tvb_get_ptr(tvb, cmd_off, cmd_len),
                         tvb_get_ptr(tvb, data_off, data_len), (size_t)data_len);
        if (sw_off >= 0)
            classify_rsp(pinfo, cs, &tmp, rsp_len > 0 ? tvb_get_ptr(tvb, rsp_off, rsp_len) : NULL,
                         (size_t)rsp_len, tvb_get_ntohs(tvb, sw_off));
        bool keep = tmp.kind != K_OTHER || tmp.rkind != K_OTHER || tmp.note != ESIM_CARD_NOTE_NONE;
        fi = keep ? (frame_info *)wmem_memdup(wmem_file_scope(), &tmp, sizeof tmp) : NULL;
        if (cmd_len >= 5 && tmp.kind == K_BLOCK)
            cs->cmd_fi = fi;
        if (!fi)
            return false;
        if (cs->last_tid[0])
            fi->tid = wmem_strdup(wmem_file_scope(), cs->last_tid);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_esim, 0, fi);
    }
    if (fi->kind == K_OTHER && fi->rkind == K_OTHER)
        return not_es10(tvb, pinfo, tree, fi, cmd_off, cmd_len, apdu_handle, apdu_data, parent);

    /* the APDU itself (CLA/INS/P1/P2/P3, SW) stays Wireshark's */
    if (apdu_handle)
        call_dissector_with_data(apdu_handle, tvb, pinfo, tree, apdu_data);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "eSIM");
    col_clear(pinfo->cinfo, COL_INFO);
    GString *info = g_string_new(NULL);
    proto_item *ti = parent ? parent : proto_tree_add_item(tree, proto_esim, tvb, 0, -1, ENC_NA);
    proto_tree *et = proto_item_add_subtree(ti, ett_es10);
    if (cs->slot >= 0 && !parent) /* a parent (T=1) shows it already */
        proto_item_set_generated(proto_tree_add_uint(et, hf_esim_ccid_slot, tvb, 0, 0,
                                                     (guint32)cs->slot));
    proto_tree_add_uint(et, hf_es10_channel, tvb, cmd_len > 0 ? cmd_off : 0, cmd_len > 0 ? 1 : 0,
                        fi->channel);
    if (fi->assumed) {
        proto_item *ai = proto_tree_add_boolean(et, hf_es10_isdr_assumed, tvb, 0, 0, TRUE);
        proto_item_set_generated(ai);
        if (fi->assumed_here)
            expert_add_info_format(pinfo, ai, &ei_isdr_assumed,
                                   "ISD-R assumed on channel %u: no SELECT in the capture, and "
                                   "the STORE DATA carries an ES10 command", fi->channel);
    }
    const char *iface;

    if (fi->kind == K_BLOCK) {
        uint8_t block = tvb_get_guint8(tvb, cmd_off + 3);
        proto_tree_add_uint(et, hf_es10_block, tvb, cmd_off + 3, 1, block);
        proto_tree_add_string(et, hf_es10_direction, tvb, cmd_off, cmd_len, "command");
        tvbuff_t *dtvb = tvb_new_subset_length(tvb, data_off, data_len);
        fragment_head *fh = fragment_add_seq_next(&cmd_table, dtvb, 0, pinfo, fi->id, NULL,
                                                  (guint32)data_len, fi->more);
        tvbuff_t *ctvb = process_reassembled_data(dtvb, 0, pinfo, "Reassembled ES10 command", fh,
                                                  &es10_frag_items, NULL, et);
        if (ctvb) {
            dissect_es10_command(ctvb, pinfo, et, info, fi->tag, cs, fi);
            guint32 rf = GPOINTER_TO_UINT(wmem_map_lookup(cs->rsp_of, GUINT_TO_POINTER(pinfo->num)));
            if (rf)
                proto_item_set_generated(proto_tree_add_uint(et, hf_es10_response_in, tvb, 0, 0, rf));
            else if (PINFO_FD_VISITED(pinfo) && !fi->rejected)
                expert_add_info_format(pinfo, ti, &ei_unpaired,
                                       "ES10 %s without a complete response in the capture",
                                       es10_name(fi->tag, &iface));
        } else {
            g_string_append_printf(info, "STORE DATA block %u of %s%s", block,
                                   es10_name(fi->tag, &iface), fi->more ? " (more follow)" : "");
            if (fi->more && PINFO_FD_VISITED(pinfo) &&
                !fragment_get_reassembled_id(&cmd_table, pinfo, fi->id))
                expert_add_info_format(pinfo, ti, &ei_incomplete,
                                       "ES10 command never completed: later STORE DATA blocks "
                                       "are missing (truncated capture or rejected block)");
        }
    } else if (fi->kind == K_GETRSP) {
        g_string_append_printf(info, "GET RESPONSE (%s response)", es10_name(fi->tag, &iface));
    }

    tvbuff_t *rtvb = NULL;
    if (sw_off >= 0 && fi->rkind != K_OTHER) {
        uint16_t sw = tvb_get_ntohs(tvb, sw_off);
        proto_item *swi = proto_tree_add_uint(et, hf_es10_sw, tvb, sw_off, 2, sw);
        char swbuf[128];
        const char *swtext = esim_sw_meaning(sw, swbuf, sizeof swbuf);
        proto_item_append_text(swi, " (%s)", swtext);
        if (!esim_sw_ok(sw) && (sw >> 8) != 0x61) {
            expert_add_info_format(pinfo, swi, &ei_sw_error, "%s %s rejected: SW %04X (%s)",
                                   es10_name(fi->tag, &iface),
                                   fi->rkind == K_BLOCK ? "STORE DATA block" : "GET RESPONSE",
                                   sw, swtext);
            if (info->len)
                g_string_append(info, ", ");
            g_string_append_printf(info, "%s rejected: SW %04X %s", es10_name(fi->tag, &iface),
                                   sw, swtext);
            esim_asn1_summary fs;
            memset(&fs, 0, sizeof fs);
            if (fi->tid)
                g_strlcpy(fs.tid, fi->tid, sizeof fs.tid);
            char code[16], text[200];
            snprintf(code, sizeof code, "SW %04X", sw);
            snprintf(text, sizeof text, "the eUICC rejected a STORE DATA block of %s: %s",
                     es10_name(fi->tag, &iface), swtext);
            esim_tap_es10(pinfo, cs->index, fi->tag == BPP_PIECE_TAG ? 0 : fi->tag,
                          fi->tag == BPP_PIECE_TAG || fi->tag == 0xBF36, iface,
                          es10_name(fi->tag, &iface), true, &fs, code, text);
        }
        if (fi->rkind == K_BLOCK) {
            if (fi->rsp_here)
                proto_tree_add_string(et, hf_es10_direction, tvb, rsp_off, rsp_len, "response");
            if (fi->rsp_here && !fi->rsp_more)
                rtvb = tvb_new_subset_length(tvb, rsp_off, rsp_len);
            else if (fi->rsp_here)
                fragment_add_seq_next(&rsp_table, tvb_new_subset_length(tvb, rsp_off, rsp_len), 0,
                                      pinfo, fi->id, NULL, (guint32)rsp_len, TRUE);
            if (fi->rsp_more)
                g_string_append(info, info->len ? ", response follows" : "response follows");
            else if (!info->len && !fi->rsp_here)
                g_string_append_printf(info, "STORE DATA block of %s accepted (SW %04X)",
                                       es10_name(fi->tag, &iface), sw);
        } else {
            proto_tree_add_string(et, hf_es10_direction, tvb, rsp_off, rsp_len, "response");
            tvbuff_t *dtvb = tvb_new_subset_length(tvb, rsp_off, rsp_len);
            fragment_head *fh = fragment_add_seq_next(&rsp_table, dtvb, 0, pinfo, fi->id, NULL,
                                                      (guint32)rsp_len, fi->rsp_more);
            rtvb = process_reassembled_data(dtvb, 0, pinfo, "Reassembled ES10 response", fh,
                                            &es10_frag_items, NULL, et);
            if (!rtvb)
                g_string_append_printf(info, "%sresponse part of %s%s", info->len ? ", " : "",
                                       es10_name(fi->tag, &iface),
                                       fi->rsp_more ? " (more follows)" : "");
        }
    }
    if (rtvb && tvb_reported_length(rtvb) > 0) {
        if (fi->kind == K_GETRSP)
            g_string_truncate(info, 0);
        if (info->len)
            g_string_append(info, "; ");
        dissect_es10_response(rtvb, pinfo, et, info, fi->tag, cs, fi);
        if (fi->cmd_frame && fi->cmd_frame != pinfo->num)
            proto_item_set_generated(
                proto_tree_add_uint(et, hf_es10_request_in, tvb, 0, 0, fi->cmd_frame));
        if (fi->cmd_frame) {
            nstime_t delta;
            nstime_delta(&delta, &pinfo->abs_ts, &fi->cmd_ts);
            proto_item_set_generated(proto_tree_add_time(et, hf_es10_time, tvb, 0, 0, &delta));
        }
    }
    if (cs->slot > 0)
        g_string_append_printf(info, " (slot %d)", cs->slot);
    col_add_str(pinfo->cinfo, COL_INFO, info->str);
    proto_item_append_text(ti, ": %s", info->str);
    g_string_free(info, TRUE);
    return true;
}

/* One whole exchange as SIMtrace sends it: header, data, SW1 SW2. */
static bool dissect_t0_exchange(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    int len = (int)tvb_captured_length(tvb);
    if (len < 7 || len != (int)tvb_reported_length(tvb))
        return false;
    size_t cmd_len = esim_apdu_t0_split(tvb_get_ptr(tvb, 0, len), (size_t)len);
    if (cmd_len < 5 || cmd_len > (size_t)len - 2)
        return false;
    card_state *cs = conv_state(find_or_create_conversation(pinfo));
    return esim_es10_parts(tvb, pinfo, tree, cs, 0, (int)cmd_len, (int)cmd_len,
                           len - (int)cmd_len - 2, len - 2, gsm_sim_handle, NULL, NULL);
}

/* GSMTAP type SIM: the payload, with the sub-type read from the GSMTAP v2 header in front of
 * it (Wireshark 4.0's GSMTAP dissector does not pass it on). */
static int gsmtap_sub_type(tvbuff_t *tvb, packet_info *pinfo)
{
    if (!pinfo->data_src || !pinfo->data_src->data)
        return -1;
    tvbuff_t *frame = get_data_source_tvb((struct data_source *)pinfo->data_src->data);
    int raw = tvb_raw_offset(tvb);
    for (int words = 4; frame && words <= 8; words++) {
        int h = raw - 4 * words;
        if (h < 0)
            break;
        if (tvb_get_guint8(frame, h) == 2 && tvb_get_guint8(frame, h + 1) == words &&
            tvb_get_guint8(frame, h + 2) == GSMTAP_TYPE_SIM)
            return tvb_get_guint8(frame, h + 12);
    }
    return -1;
}

static int dissect_gsmtap_sim(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    int sub = gsmtap_sub_type(tvb, pinfo);
    if (sub == GSMTAP_SIM_ATR && !PINFO_FD_VISITED(pinfo)) {
        /* card reset: only the basic channel, nothing selected */
        conversation_t *conv = find_conversation_pinfo(pinfo, 0);
        card_state *cs = conv ? (card_state *)conversation_get_proto_data(conv, proto_esim) : NULL;
        if (cs)
            esim_cardview_reset(cs);
    }
    if ((sub == GSMTAP_SIM_APDU || sub < 0) && dissect_t0_exchange(tvb, pinfo, tree))
        return (int)tvb_captured_length(tvb);
    return call_dissector_with_data(gsm_sim_handle, tvb, pinfo, tree, data);
}

void esim_register_es10(void)
{
    static hf_register_info hf[] = {
        {&hf_es10_command, {"ES10 function", "esim.es10.command", FT_STRING, BASE_NONE, NULL, 0x0,
                            "ES10 command (SGP.22 5.7)", HFILL}},
        {&hf_es10_iface, {"Interface", "esim.es10.interface", FT_STRING, BASE_NONE, NULL, 0x0,
                          "ES10a / ES10b / ES10c", HFILL}},
        {&hf_esim_ccid_slot, {"CCID slot", "esim.ccid.slot", FT_UINT8, BASE_DEC, NULL, 0x0,
                              "Card slot of the USB CCID reader (bSlot): each slot holds its "
                              "own card", HFILL}},
        {&hf_es10_channel, {"Logical channel", "esim.es10.channel", FT_UINT8, BASE_DEC, NULL, 0x0,
                            NULL, HFILL}},
        {&hf_es10_isdr_assumed, {"ISD-R assumed", "esim.es10.isdr_assumed", FT_BOOLEAN,
                                 BASE_NONE, NULL, 0x0,
                                 "No SELECT of the ISD-R in the capture: the channel is taken for "
                                 "the ISD-R because its STORE DATA carries ES10 commands", HFILL}},
        {&hf_es10_block, {"STORE DATA block", "esim.es10.block", FT_UINT8, BASE_DEC, NULL, 0x0,
                          "Block number (P2)", HFILL}},
        {&hf_es10_sw, {"Status word", "esim.es10.sw", FT_UINT16, BASE_HEX, NULL, 0x0, NULL, HFILL}},
        {&hf_es10_direction, {"Direction", "esim.es10.direction", FT_STRING, BASE_NONE, NULL, 0x0,
                              NULL, HFILL}},
        {&hf_es10_request_in, {"Request in", "esim.es10.request_in", FT_FRAMENUM, BASE_NONE,
                               FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0,
                               "Frame with the last STORE DATA block of the command", HFILL}},
        {&hf_es10_response_in, {"Response in", "esim.es10.response_in", FT_FRAMENUM, BASE_NONE,
                                FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
                                "Frame completing the response", HFILL}},
        {&hf_es10_time, {"Time since command", "esim.es10.time", FT_RELATIVE_TIME, BASE_NONE,
                         NULL, 0x0, "From the last STORE DATA block to the end of the response",
                         HFILL}},
        {&hf_bpp_segment, {"BPP segment", "esim.bpp.segment", FT_UINT8, BASE_HEX,
                           VALS(bpp_segment_vals), 0x0, "Bound Profile Package segment tag",
                           HFILL}},
        {&hf_bpp_part, {"BPP part", "esim.bpp.part", FT_UINT16, BASE_HEX, NULL, 0x0,
                        "A0 firstSequenceOf87, A1 sequenceOf88, A2 secondSequenceOf87, "
                        "A3 sequenceOf86", HFILL}},
        {&hf_frags, {"STORE DATA blocks", "esim.es10.fragments", FT_NONE, BASE_NONE, NULL, 0x0,
                     NULL, HFILL}},
        {&hf_frag, {"Block", "esim.es10.fragment", FT_FRAMENUM, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_frag_overlap, {"Overlap", "esim.es10.fragment.overlap", FT_BOOLEAN, BASE_NONE, NULL,
                            0x0, NULL, HFILL}},
        {&hf_frag_overlap_conflict, {"Conflicting data", "esim.es10.fragment.overlap.conflicts",
                                     FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_frag_multiple_tails, {"Multiple last blocks", "esim.es10.fragment.multipletails",
                                   FT_BOOLEAN, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_frag_too_long, {"Too long", "esim.es10.fragment.toolongfragment", FT_BOOLEAN,
                             BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_frag_error, {"Reassembly error", "esim.es10.fragment.error", FT_FRAMENUM, BASE_NONE,
                          NULL, 0x0, NULL, HFILL}},
        {&hf_frag_count, {"Block count", "esim.es10.fragment.count", FT_UINT32, BASE_DEC, NULL,
                          0x0, NULL, HFILL}},
        {&hf_reassembled_in, {"Reassembled in", "esim.es10.reassembled.in", FT_FRAMENUM,
                              BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_reassembled_length, {"Reassembled length", "esim.es10.reassembled.length",
                                  FT_UINT32, BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_reassembled_data, {"Reassembled data", "esim.es10.reassembled.data", FT_BYTES,
                                BASE_NONE, NULL, 0x0, NULL, HFILL}},
    };
    static gint *ett[] = {&ett_es10, &ett_frag, &ett_frags, &ett_bpp};
    static ei_register_info ei[] = {
        {&ei_sw_error, {"esim.es10.sw_error", PI_RESPONSE_CODE, PI_WARN,
                        "The eUICC rejected an ES10 APDU", EXPFILL}},
        {&ei_unpaired, {"esim.es10.unpaired", PI_SEQUENCE, PI_WARN,
                        "ES10 command without response", EXPFILL}},
        {&ei_incomplete, {"esim.es10.incomplete", PI_SEQUENCE, PI_WARN,
                          "ES10 command not reassembled", EXPFILL}},
        {&ei_isdr_assumed, {"esim.es10.isdr_assumed.here", PI_ASSUMPTION, PI_NOTE,
                            "ISD-R assumed: no SELECT in the capture", EXPFILL}},
        {&ei_not_es10, {"esim.es10.not_es10", PI_SEQUENCE, PI_WARN,
                        "STORE DATA not decoded as ES10", EXPFILL}},
    };
    proto_register_field_array(proto_esim, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_esim), ei, array_length(ei));
    reassembly_table_register(&cmd_table, &addresses_reassembly_table_functions);
    reassembly_table_register(&rsp_table, &addresses_reassembly_table_functions);
}

void esim_handoff_es10(void)
{
    gsm_sim_handle = find_dissector_add_dependency("gsm_sim", proto_esim);
    dissector_handle_t h = create_dissector_handle(dissect_gsmtap_sim, proto_esim);
    dissector_add_uint("gsmtap.type", GSMTAP_TYPE_SIM, h);
}
