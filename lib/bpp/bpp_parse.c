/* BoundProfilePackage structure (SGP.22 2.5.4, rsp.asn BoundProfilePackage), walked as TLVs. */
#include "esim/bpp.h"
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    uint32_t seq_tag;
    uint8_t seg_tag;
} parts[ESIM_BPP_PART_COUNT] = {
    [ESIM_BPP_FIRST87] = { "firstSequenceOf87", 0xA0, 0x87 },
    [ESIM_BPP_SEQ88] = { "sequenceOf88", 0xA1, 0x88 },
    [ESIM_BPP_SECOND87] = { "secondSequenceOf87", 0xA2, 0x87 },
    [ESIM_BPP_SEQ86] = { "sequenceOf86", 0xA3, 0x86 },
};

const char *esim_bpp_part_name(esim_bpp_part p)
{
    return p < ESIM_BPP_PART_COUNT ? parts[p].name : "?";
}

uint8_t esim_bpp_part_seg_tag(esim_bpp_part p)
{
    return p < ESIM_BPP_PART_COUNT ? parts[p].seg_tag : 0;
}

void esim_bpp_clear(esim_bpp *bpp)
{
    for (int p = 0; p < ESIM_BPP_PART_COUNT; p++)
        free(bpp->seg[p]);
    memset(bpp, 0, sizeof *bpp);
}

static int parse_isc(const esim_tlv *isc, esim_bpp *bpp, esim_error *err)
{
    esim_tlv_iter it;
    esim_tlv t;
    int r;
    enum { F_OPID, F_TID, F_CRT, F_OTPK, F_SIGN, F_END } want = F_OPID;
    esim_tlv_iter_children(&it, isc);
    bpp->isc_offset = isc->offset;
    while ((r = esim_tlv_next(&it, &t, err)) == 1) {
        switch (want) {
        case F_OPID:
            if (t.tag != 0x82 || t.len < 1 || t.len > 4)
                return esim_error_set(err, "offset %zu: remoteOpId ('82') expected", t.offset);
            bpp->remote_op_id = 0;
            for (size_t i = 0; i < t.len; i++)
                bpp->remote_op_id = (bpp->remote_op_id << 8) | t.value[i];
            break;
        case F_TID:
            if (t.tag != 0x80 || t.len < 1 || t.len > ESIM_TID_MAX)
                return esim_error_set(err, "offset %zu: transactionId ('80', 1..16 bytes) expected",
                                      t.offset);
            memcpy(bpp->tid, t.value, t.len);
            bpp->tid_len = t.len;
            break;
        case F_CRT: {
            if (t.tag != 0xA6)
                return esim_error_set(err, "offset %zu: controlRefTemplate ('A6') expected",
                                      t.offset);
            esim_tlv c;
            if (esim_tlv_find_child(&t, 0x80, &c, err) != 1 || c.len != 1)
                return esim_error_set(err, "offset %zu: controlRefTemplate without keyType ('80')",
                                      t.offset);
            bpp->key_type = c.value[0];
            if (esim_tlv_find_child(&t, 0x81, &c, err) != 1 || c.len != 1)
                return esim_error_set(err, "offset %zu: controlRefTemplate without keyLen ('81')",
                                      t.offset);
            bpp->key_len = c.value[0];
            if (esim_tlv_find_child(&t, 0x84, &c, err) != 1 || c.len < 1 || c.len > 16)
                return esim_error_set(err,
                                      "offset %zu: controlRefTemplate without hostId ('84', 1..16 bytes)",
                                      t.offset);
            memcpy(bpp->host_id, c.value, c.len);
            bpp->host_id_len = c.len;
            break;
        }
        case F_OTPK:
            if (t.tag != 0x5F49)
                return esim_error_set(err, "offset %zu: smdpOtpk ('5F49') expected", t.offset);
            bpp->smdp_otpk = t.value;
            bpp->smdp_otpk_len = t.len;
            break;
        case F_SIGN:
            if (t.tag != 0x5F37)
                return esim_error_set(err, "offset %zu: smdpSign ('5F37') expected", t.offset);
            bpp->smdp_sign = t.value;
            bpp->smdp_sign_len = t.len;
            bpp->signed_part = isc->value;
            bpp->signed_part_len = (size_t)(t.raw - isc->value);
            break;
        case F_END:
            /* EXTENSIBILITY IMPLIED: later fields are tolerated */
            break;
        }
        if (want != F_END)
            want++;
    }
    if (r < 0)
        return -1;
    if (want != F_END)
        return esim_error_set(err, "offset %zu: InitialiseSecureChannelRequest ends before %s",
                              isc->offset,
                              want == F_OPID   ? "remoteOpId"
                              : want == F_TID  ? "transactionId"
                              : want == F_CRT  ? "controlRefTemplate"
                              : want == F_OTPK ? "smdpOtpk"
                                               : "smdpSign");
    return 0;
}

static int parse_seq(const esim_tlv *seq, esim_bpp_part p, esim_bpp *bpp, bool cut,
                     esim_error *err)
{
    esim_tlv_iter it;
    esim_tlv t;
    int r;
    size_t cap = 0;
    bpp->has_part[p] = true;
    bpp->part_offset[p] = seq->offset;
    bpp->part_len[p] = esim_tlv_total(seq);
    esim_tlv_iter_children(&it, seq);
    while ((r = esim_tlv_next(&it, &t, err)) == 1) {
        if (t.tag != parts[p].seg_tag)
            return esim_error_set(err, "%s: offset %zu: segment tag %02X, expected %02X",
                                  parts[p].name, t.offset, t.tag, parts[p].seg_tag);
        if (bpp->nseg[p] == cap) {
            cap = cap ? cap * 2 : 8;
            esim_bpp_segment *ns = realloc(bpp->seg[p], cap * sizeof *ns);
            if (!ns)
                return esim_error_set(err, "out of memory");
            bpp->seg[p] = ns;
        }
        esim_bpp_segment *s = &bpp->seg[p][bpp->nseg[p]++];
        s->offset = t.offset;
        s->total_len = esim_tlv_total(&t);
        s->value = t.value;
        s->len = t.len;
    }
    if (r < 0 && cut)
        return 0; /* the cut falls inside this segment: keep the complete ones */
    if (r < 0)
        return esim_error_prefix(err, "%s", parts[p].name);
    if (bpp->nseg[p] == 0 && p != ESIM_BPP_SECOND87 && !cut)
        return esim_error_set(err, "%s at offset %zu has no segments", parts[p].name,
                              seq->offset);
    return 0;
}

/* A TLV whose value may run past the available bytes (a cut capture): the value is clamped
 * to what is there and *full gets the announced total. 1 = clamped, 0 = complete, -1 = even
 * the header is unreadable. */
static int parse_clamped(const uint8_t *buf, size_t avail, size_t off, esim_tlv *t,
                         size_t *full, esim_error *err)
{
    if (esim_tlv_parse(buf, avail, off, t, err) == 0) {
        *full = esim_tlv_total(t);
        return 0;
    }
    size_t i = 0;
    uint32_t tag = buf[i++];
    if ((tag & 0x1F) == 0x1F) {
        for (;;) {
            if (i >= avail || i >= 4)
                return -1;
            uint8_t c = buf[i++];
            tag = (tag << 8) | c;
            if (!(c & 0x80))
                break;
        }
    }
    if (i >= avail)
        return -1;
    uint8_t l0 = buf[i++];
    uint64_t len = l0;
    if (l0 >= 0x80) {
        unsigned n = l0 & 0x7F;
        if (n == 0 || n > 4 || avail - i < n)
            return -1;
        len = 0;
        for (unsigned k = 0; k < n; k++)
            len = (len << 8) | buf[i++];
    }
    t->tag = tag;
    t->constructed = (buf[0] & 0x20) != 0;
    t->offset = off;
    t->hdr_len = i;
    t->raw = buf;
    t->value = buf + i;
    t->len = avail - i;
    *full = (size_t)(i + len);
    return 1;
}

static int parse(const uint8_t *der, size_t len, esim_bpp *bpp, bool partial, esim_error *err)
{
    memset(bpp, 0, sizeof *bpp);
    bpp->der = der;
    bpp->der_len = len;
    esim_tlv top, t;
    size_t full = 0;
    if (len == 0)
        return esim_error_set(err, "BoundProfilePackage: no bytes");
    int cut = partial ? parse_clamped(der, len, 0, &top, &full, err)
                      : esim_tlv_parse(der, len, 0, &top, err);
    if (cut < 0)
        return esim_error_prefix(err, "BoundProfilePackage");
    bpp->truncated = cut == 1;
    bpp->full_len = cut == 1 ? full : esim_tlv_total(&top);
    if (top.tag != 0xBF36)
        return esim_error_set(err, "not a BoundProfilePackage: tag %X, expected BF36", top.tag);
    if (esim_tlv_total(&top) != len)
        return esim_error_set(err, "%zu bytes after the BoundProfilePackage",
                              len - esim_tlv_total(&top));
    esim_tlv_iter it;
    esim_tlv_iter_children(&it, &top);
    int r = esim_tlv_next(&it, &t, err);
    if (r < 0) {
        esim_error_prefix(err, "initialiseSecureChannelRequest");
        goto fail;
    }
    if (r == 0 || t.tag != 0xBF23) {
        esim_error_set(err, "offset %zu: initialiseSecureChannelRequest ('BF23') expected",
                       r ? t.offset : top.hdr_len);
        goto fail;
    }
    if (parse_isc(&t, bpp, err) != 0) {
        esim_error_prefix(err, "initialiseSecureChannelRequest");
        goto fail;
    }
    esim_bpp_part next = ESIM_BPP_FIRST87;
    for (;;) {
        bool part_cut = false;
        if (bpp->truncated && it.left > 0) {
            size_t f;
            int c = parse_clamped(it.p, it.left, it.off, &t, &f, err);
            if (c < 0)
                break; /* the cut is inside a part header: nothing more to read */
            part_cut = c == 1;
            size_t n = esim_tlv_total(&t);
            it.p += n;
            it.left -= n;
            it.off += n;
            r = 1;
        } else {
            r = esim_tlv_next(&it, &t, err);
        }
        if (r != 1)
            break;
        esim_bpp_part p = next;
        while (p < ESIM_BPP_PART_COUNT && parts[p].seq_tag != t.tag &&
               p == ESIM_BPP_SECOND87)
            p++; /* the optional one may be skipped */
        if (p >= ESIM_BPP_PART_COUNT || parts[p].seq_tag != t.tag) {
            if (next >= ESIM_BPP_PART_COUNT)
                esim_error_set(err, "offset %zu: unexpected tag %X after sequenceOf86", t.offset,
                               t.tag);
            else
                esim_error_set(err, "offset %zu: %s ('%X') expected, found tag %X", t.offset,
                               parts[next].name, parts[next].seq_tag, t.tag);
            goto fail;
        }
        if (parse_seq(&t, p, bpp, part_cut, err) != 0)
            goto fail;
        next = p + 1;
    }
    if (bpp->truncated)
        return 0; /* missing parts are the cut's doing */
    if (r < 0) {
        esim_error_prefix(err, "%s", next < ESIM_BPP_PART_COUNT ? parts[next].name : "BPP");
        goto fail;
    }
    if (next != ESIM_BPP_PART_COUNT) {
        esim_error_set(err, "BoundProfilePackage ends at offset %zu without %s", len,
                       parts[next == ESIM_BPP_SECOND87 ? ESIM_BPP_SEQ86 : next].name);
        goto fail;
    }
    return 0;
fail:
    esim_bpp_clear(bpp);
    return -1;
}

int esim_bpp_parse(const uint8_t *der, size_t len, esim_bpp *bpp, esim_error *err)
{
    return parse(der, len, bpp, false, err);
}

int esim_bpp_parse_partial(const uint8_t *der, size_t len, esim_bpp *bpp, esim_error *err)
{
    return parse(der, len, bpp, true, err);
}
