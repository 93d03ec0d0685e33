/* Bound Profile Package (SGP.22 2.5.4) as carried whole in the ES9+ getBoundProfilePackage
 * response: the parts and segments with their byte ranges (core esim_bpp_parse), and with an
 * eSIM key log (preference) every segment's MAC checked and decrypted by the core
 * (esim_bpp_open); the same for the BPP the LPA sends to the eUICC piece by piece over ES10
 * (esim_bpp_stream_*). Plaintexts without secrets (ConfigureISDP, StoreMetadata) become new data
 * sources; the profile (UPP) and ReplaceSessionKeys carry keys and are shown only as masked
 * trees unless the "show key material" preference is set. */
#include <string.h>
#include <glib/gstdio.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include "esim/bpp.h"
#include "esim/keylog.h"
#include "esim/tlv.h"
#include "packet-esim.h"

static int hf_bpp_mac_ok = -1;
static int hf_bpp_keys = -1;
static gint ett_bpp_whole = -1, ett_bpp_plain = -1;
static expert_field ei_bpp_mac = EI_INIT;
static expert_field ei_bpp_nokeys = EI_INIT;


/* The key log named by the preference, reloaded when the name or the file changes. */
static esim_keylog *keylog(packet_info *pinfo, proto_item *pi)
{
    static esim_keylog *kl;
    static char path[1024];
    static gint64 mtime;
    const char *want = esim_pref_keylog ? esim_pref_keylog : "";
    GStatBuf st;
    gint64 mt = (want[0] && g_stat(want, &st) == 0) ? (gint64)st.st_mtime : -1;
    if (strcmp(want, path) || mt != mtime) {
        if (kl)
            esim_keylog_free(kl);
        kl = NULL;
        g_strlcpy(path, want, sizeof path);
        mtime = mt;
        if (want[0]) {
            esim_error err;
            kl = esim_keylog_new();
            if (kl && esim_keylog_load(kl, want, &err) != 0) {
                if (pi)
                    expert_add_info_format(pinfo, pi, &ei_bpp_nokeys, "eSIM key log %s: %s",
                                           want, err.msg);
                esim_keylog_free(kl);
                kl = NULL;
            }
        }
    }
    return kl;
}

/* A decrypted object, or with `many` the UPP: a sequence of ProfileElements (SAIP). */
static void plain_tree(tvbuff_t *t, packet_info *pinfo, proto_tree *st, const uint8_t *p,
                       size_t n, bool many)
{
    esim_asn1_summary sum;
    if (!many) {
        esim_dissect_asn1(t, 0, (int)n, pinfo, st, NULL, ESIM_ASN1_COMMAND, &sum);
        return;
    }
    esim_tlv_iter it;
    esim_tlv tl;
    esim_error err;
    esim_tlv_iter_init(&it, p, n, 0);
    for (int i = 0; i < 200 && esim_tlv_next(&it, &tl, &err) == 1; i++)
        esim_dissect_asn1(t, (int)tl.offset, (int)esim_tlv_total(&tl), pinfo, st,
                          "ProfileElement", ESIM_ASN1_COMMAND, &sum);
}

static void plaintext(tvbuff_t *parent, packet_info *pinfo, proto_tree *tree, const char *name,
                      const uint8_t *p, size_t n, bool secret, bool many)
{
    if (!p || !n)
        return;
    guint8 *copy = (guint8 *)wmem_memdup(pinfo->pool, p, n);
    tvbuff_t *t = tvb_new_child_real_data(parent, copy, (guint)n, (gint)n);
    if (secret && !esim_pref_show_keys) {
        /* dissected from a private copy, wiped afterwards; the key fields are masked
         * (esim-rsp.cnf) */
        proto_tree *st = proto_tree_add_subtree_format(tree, parent, 0, 0, ett_bpp_plain, NULL,
                                                       "%s (decrypted, %zu bytes, key material "
                                                       "masked)", name, n);
        plain_tree(t, pinfo, st, p, n, many);
        memset(copy, 0, n);
        return;
    }
    add_new_data_source(pinfo, t, name);
    proto_tree *st = proto_tree_add_subtree_format(tree, t, 0, (int)n, ett_bpp_plain, NULL,
                                                   "%s (decrypted, %zu bytes)", name, n);
    plain_tree(t, pinfo, st, p, n, many);
}

void esim_dissect_bpp(tvbuff_t *tvb, int off, int len, packet_info *pinfo, proto_tree *tree,
                      esim_asn1_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    const uint8_t *p = tvb_get_ptr(tvb, off, len);
    esim_bpp bpp;
    esim_error err;
    proto_item *ti = proto_tree_add_string(tree, hf_esim_asn1_type, tvb, off, len,
                                           "BoundProfilePackage");
    proto_tree *bt = proto_item_add_subtree(ti, ett_bpp_whole);
    if (esim_bpp_parse_partial(p, (size_t)len, &bpp, &err) != 0) {
        expert_add_info_format(pinfo, ti, &ei_esim_malformed, "Malformed BoundProfilePackage: %s",
                               err.msg);
        return;
    }
    g_strlcpy(sum->type, "BoundProfilePackage", sizeof sum->type);
    esim_tlv isc;
    if (esim_tlv_parse(p + bpp.isc_offset, (size_t)len - bpp.isc_offset, bpp.isc_offset, &isc,
                       &err) == 0)
        esim_dissect_asn1(tvb, off + (int)isc.offset, (int)esim_tlv_total(&isc), pinfo, bt,
                          "InitialiseSecureChannelRequest", ESIM_ASN1_COMMAND, sum);
    if (bpp.truncated)
        expert_add_info_format(pinfo, ti, &ei_esim_malformed,
                               "BoundProfilePackage cut short: %zu of %zu bytes", (size_t)len,
                               bpp.full_len);
    esim_keylog *kl = keylog(pinfo, ti);
    esim_bpp_opened op;
    bool opened = false;
    memset(&op, 0, sizeof op);
    if (kl) {
        if (esim_bpp_open(&bpp, kl, &op, &err) == 0) {
            opened = true;
            proto_item_set_generated(proto_tree_add_string(
                bt, hf_bpp_keys, tvb, off, len, esim_bpp_keysrc_name(op.session_src)));
        } else {
            expert_add_info_format(pinfo, ti, &ei_bpp_nokeys, "BPP not opened: %s", err.msg);
        }
    }
    for (int part = 0; part < ESIM_BPP_PART_COUNT; part++) {
        if (!bpp.has_part[part])
            continue;
        proto_tree *pt = proto_tree_add_subtree_format(
            bt, tvb, off + (int)bpp.part_offset[part], (int)bpp.part_len[part], ett_bpp_whole,
            NULL, "%s (%zu segments)", esim_bpp_part_name((esim_bpp_part)part), bpp.nseg[part]);
        for (size_t i = 0; i < bpp.nseg[part]; i++) {
            const esim_bpp_segment *sg = &bpp.seg[part][i];
            proto_item *si = esim_add_bpp_segment(pt, tvb, off + (int)sg->offset,
                                                  (int)sg->total_len,
                                                  esim_bpp_part_seg_tag((esim_bpp_part)part));
            if (opened && op.seg[part] && op.seg[part][i].checked) {
                const esim_bsp_check *c = &op.seg[part][i].chk;
                proto_tree *st = proto_item_add_subtree(si, ett_bpp_plain);
                proto_item *mi = proto_tree_add_boolean(st, hf_bpp_mac_ok, tvb,
                                                        off + (int)sg->offset + (int)sg->total_len - 8,
                                                        8, c->mac_ok);
                proto_item_set_generated(mi);
                if (!c->mac_ok || !c->pad_ok)
                    expert_add_info_format(pinfo, mi, &ei_bpp_mac,
                                           "%s segment %zu: %s", esim_bpp_part_name((esim_bpp_part)part), i,
                                           !c->mac_ok ? "C-MAC check failed (wrong keys or "
                                                        "corrupted segment)"
                                                      : "bad padding after decryption");
            }
        }
    }
    if (opened) {
        plaintext(tvb, pinfo, bt, "ConfigureISDP", op.configure_isdp, op.configure_isdp_len,
                  false, false);
        plaintext(tvb, pinfo, bt, "StoreMetadata", op.store_metadata, op.store_metadata_len,
                  false, false);
        plaintext(tvb, pinfo, bt, "ReplaceSessionKeys", op.rsk, op.rsk_len, true, false);
        plaintext(tvb, pinfo, bt, "Profile (UPP)", op.upp, op.upp_len, true, true);
        esim_bpp_opened_free(&op);
    }
    esim_bpp_clear(&bpp);
}

/* ---- the BPP as the LPA sends it to the eUICC, one STORE DATA sequence at a time ---- */

struct esim_bpp_stream {
    uint8_t *buf;      /* file scope */
    size_t len, cap;
    bool active;       /* a BF36 piece started it */
};

esim_bpp_stream *esim_bpp_stream_new(void)
{
    return wmem_new0(wmem_file_scope(), esim_bpp_stream);
}

#define STREAM_MAX (2u << 20)

esim_bpp_piece *esim_bpp_stream_piece(esim_bpp_stream *s, const uint8_t *piece, size_t n,
                                      packet_info *pinfo)
{
    esim_keylog *kl = keylog(pinfo, NULL);
    if (!kl || !n)
        return NULL;
    if (piece[0] == 0xBF) {  /* BF36 header + InitialiseSecureChannel: a new BPP */
        s->len = 0;
        s->active = true;
    }
    if (!s->active || s->len + n > STREAM_MAX)
        return NULL;
    if (s->len + n > s->cap) {
        size_t cap = MAX(s->cap * 2, s->len + n);
        s->buf = (uint8_t *)wmem_realloc(wmem_file_scope(), s->buf, cap);
        s->cap = cap;
    }
    size_t base = s->len;
    memcpy(s->buf + s->len, piece, n);
    s->len += n;
    esim_bpp bpp;
    esim_error err;
    if (esim_bpp_parse_partial(s->buf, s->len, &bpp, &err) != 0)
        return NULL;
    esim_bpp_piece *pc = wmem_new0(wmem_file_scope(), esim_bpp_piece);
    pc->macs = wmem_array_new(wmem_file_scope(), sizeof(esim_seg_result));
    /* a part is complete when its whole TLV is there; it completes here when its last byte
     * came with this piece */
    for (int part = 0; part < ESIM_BPP_PART_COUNT; part++) {
        esim_tlv t;
        size_t po = bpp.part_offset[part];
        if (bpp.has_part[part] && bpp.nseg[part] &&
            esim_tlv_parse(s->buf + po, s->len - po, po, &t, &err) == 0 &&
            po + esim_tlv_total(&t) > base)
            pc->parts |= 1u << part;
    }
    esim_bpp_opened op;
    memset(&op, 0, sizeof op);
    if (esim_bpp_open(&bpp, kl, &op, &err) == 0) {
        for (int part = 0; part < ESIM_BPP_PART_COUNT; part++)
            for (size_t i = 0; i < bpp.nseg[part]; i++) {
                const esim_bpp_segment *sg = &bpp.seg[part][i];
                if (sg->offset < base || sg->offset >= base + n || !op.seg[part])
                    continue;
                esim_seg_result r = {(uint32_t)(sg->offset - base), (uint32_t)sg->total_len,
                                     op.seg[part][i].checked,
                                     op.seg[part][i].chk.mac_ok && op.seg[part][i].chk.pad_ok};
                wmem_array_append_one(pc->macs, r);
            }
        esim_bpp_opened_free(&op);
    } else {
        pc->parts = 0;
    }
    if (pc->parts) {
        pc->bpp = (uint8_t *)wmem_memdup(wmem_file_scope(), s->buf, s->len);
        pc->bpp_len = s->len;
    }
    esim_bpp_clear(&bpp);
    return pc;
}

void esim_bpp_piece_plaintexts(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                               const esim_bpp_piece *pc)
{
    if (!pc || !pc->parts || !pc->bpp)
        return;
    esim_keylog *kl = keylog(pinfo, NULL);
    esim_bpp bpp;
    esim_error err;
    esim_bpp_opened op;
    if (!kl || esim_bpp_parse_partial(pc->bpp, pc->bpp_len, &bpp, &err) != 0)
        return;
    if (esim_bpp_open(&bpp, kl, &op, &err) == 0) {
        if (pc->parts & (1u << ESIM_BPP_FIRST87))
            plaintext(tvb, pinfo, tree, "ConfigureISDP", op.configure_isdp,
                      op.configure_isdp_len, false, false);
        if (pc->parts & (1u << ESIM_BPP_SEQ88))
            plaintext(tvb, pinfo, tree, "StoreMetadata", op.store_metadata,
                      op.store_metadata_len, false, false);
        if (pc->parts & (1u << ESIM_BPP_SECOND87))
            plaintext(tvb, pinfo, tree, "ReplaceSessionKeys", op.rsk, op.rsk_len, true, false);
        if (pc->parts & (1u << ESIM_BPP_SEQ86))
            plaintext(tvb, pinfo, tree, "Profile (UPP)", op.upp, op.upp_len, true, true);
        esim_bpp_opened_free(&op);
    }
    esim_bpp_clear(&bpp);
}

void esim_bpp_segment_result(proto_item *seg, tvbuff_t *tvb, packet_info *pinfo,
                             const esim_bpp_piece *pc, int off, int len)
{
    if (!pc || !pc->macs)
        return;
    wmem_array_t *results = pc->macs;
    for (guint i = 0; i < wmem_array_get_count(results); i++) {
        const esim_seg_result *r = (const esim_seg_result *)wmem_array_index(results, i);
        if ((int)r->off != off || !r->checked)
            continue;
        proto_tree *st = proto_item_add_subtree(seg, ett_bpp_plain);
        proto_item *mi = proto_tree_add_boolean(st, hf_bpp_mac_ok, tvb, off + len - 8, 8,
                                                r->mac_ok);
        proto_item_set_generated(mi);
        if (!r->mac_ok)
            expert_add_info_format(pinfo, mi, &ei_bpp_mac, "BPP segment: C-MAC check failed "
                                   "(wrong keys or corrupted segment)");
    }
}

void esim_register_bpp(void)
{
    static hf_register_info hf[] = {
        {&hf_bpp_mac_ok, {"MAC ok", "esim.bpp.mac_ok", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
                          "C-MAC of the segment verified with the key log's keys", HFILL}},
        {&hf_bpp_keys, {"Keys from", "esim.bpp.keys", FT_STRING, BASE_NONE, NULL, 0x0,
                        "Key log entry the session keys came from", HFILL}},
    };
    static gint *ett[] = {&ett_bpp_whole, &ett_bpp_plain};
    static ei_register_info ei[] = {
        {&ei_bpp_mac, {"esim.bpp.mac_failed", PI_SECURITY, PI_ERROR, "BPP segment MAC failed",
                       EXPFILL}},
        {&ei_bpp_nokeys, {"esim.bpp.no_keys", PI_UNDECODED, PI_NOTE, "BPP not decrypted",
                          EXPFILL}},
    };
    proto_register_field_array(proto_esim, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_esim), ei, array_length(ei));
}
