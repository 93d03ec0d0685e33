/* The small requests carried inside a BPP (SGP.22 5.5.2-5.5.4): ConfigureISDPRequest,
 * StoreMetadataRequest, ReplaceSessionKeysRequest. Walked as TLVs (automatic tags of
 * RSPDefinitions), so a damaged plaintext still shows what it has. */
#include "esim/bpp.h"
#include "esim/hex.h"
#include <stdio.h>
#include <string.h>

static void copy_text(char *dst, size_t cap, const esim_tlv *t)
{
    size_t n = t->len < cap - 1 ? t->len : cap - 1;
    memcpy(dst, t->value, n);
    dst[n] = '\0';
}

static int small_int(const esim_tlv *t, int *out)
{
    if (t->len < 1 || t->len > 2)
        return -1;
    int v = (int8_t)t->value[0];
    if (t->len == 2)
        v = v * 256 + t->value[1];
    *out = v;
    return 0;
}

static uint8_t bits_of(const esim_tlv *t)
{
    /* BIT STRING: unused-bits count, then the bits (first named bit = MSB) */
    return t->len >= 2 ? t->value[1] : 0;
}

int esim_metadata_decode(const uint8_t *der, size_t len, esim_metadata *m, esim_error *err)
{
    memset(m, 0, sizeof *m);
    m->icon_type = m->profile_class = -1;
    esim_tlv top, t;
    if (esim_tlv_parse(der, len, 0, &top, err) != 0)
        return esim_error_prefix(err, "StoreMetadataRequest");
    if (top.tag != 0xBF25)
        return esim_error_set(err, "StoreMetadataRequest ('BF25') expected, found tag %X",
                              top.tag);
    esim_tlv_iter it;
    esim_tlv_iter_children(&it, &top);
    int r;
    while ((r = esim_tlv_next(&it, &t, err)) == 1) {
        switch (t.tag) {
        case 0x5A:
            if (t.len != 10)
                return esim_error_set(err, "StoreMetadataRequest: iccid of %zu bytes (10 expected)",
                                      t.len);
            memcpy(m->iccid, t.value, 10);
            m->has_iccid = true;
            break;
        case 0x91: copy_text(m->spn, sizeof m->spn, &t); break;
        case 0x92: copy_text(m->name, sizeof m->name, &t); break;
        case 0x93:
            if (small_int(&t, &m->icon_type))
                return esim_error_set(err, "StoreMetadataRequest: bad iconType");
            break;
        case 0x94: m->icon = t.value; m->icon_len = t.len; break;
        case 0x95:
            if (small_int(&t, &m->profile_class))
                return esim_error_set(err, "StoreMetadataRequest: bad profileClass");
            break;
        case 0xB6: {
            esim_tlv_iter ni;
            esim_tlv seq, f;
            esim_tlv_iter_children(&ni, &t);
            while ((r = esim_tlv_next(&ni, &seq, err)) == 1 && m->n_notif < ESIM_META_NOTIF_MAX) {
                if (seq.tag != 0x30)
                    continue;
                /* automatic tags: profileManagementOperation [0], notificationAddress [1] */
                if (esim_tlv_find_child(&seq, 0x80, &f, err) == 1)
                    m->notif[m->n_notif].events = bits_of(&f);
                if (esim_tlv_find_child(&seq, 0x81, &f, err) == 1)
                    copy_text(m->notif[m->n_notif].address, sizeof m->notif[0].address, &f);
                m->n_notif++;
            }
            if (r < 0)
                return esim_error_prefix(err, "StoreMetadataRequest notificationConfigurationInfo");
            break;
        }
        case 0xB7: {
            esim_tlv f;
            if (esim_tlv_find_child(&t, 0x80, &f, err) == 1 && f.len == 3) {
                memcpy(m->owner_mccmnc, f.value, 3);
                m->has_owner = true;
            }
            break;
        }
        case 0x99:
            m->has_ppr = true;
            m->ppr = bits_of(&t);
            break;
        default:
            break; /* extensions */
        }
    }
    if (r < 0)
        return esim_error_prefix(err, "StoreMetadataRequest");
    if (!m->has_iccid)
        return esim_error_set(err, "StoreMetadataRequest without iccid ('5A')");
    return 0;
}

/* bits: named bits 0..7 as a mask, bit 0 = 0x80 */
static int put_bits(esim_buf *b, uint32_t tag, uint8_t bits)
{
    int set[8];
    size_t n = 0;
    for (int i = 0; i < 8; i++)
        if (bits & (0x80 >> i))
            set[n++] = i;
    return esim_tlv_put_bits(b, tag, set, n);
}

int esim_metadata_encode(const esim_metadata *m, esim_buf *out, esim_error *err)
{
    esim_buf in = { 0 }, nb = { 0 };
    uint8_t v;
    esim_tlv_put(&in, 0x5A, m->iccid, 10);
    esim_tlv_put(&in, 0x91, m->spn, strlen(m->spn));
    esim_tlv_put(&in, 0x92, m->name, strlen(m->name));
    if (m->icon_type >= 0) {
        v = (uint8_t)m->icon_type;
        esim_tlv_put(&in, 0x93, &v, 1);
        esim_tlv_put(&in, 0x94, m->icon, m->icon_len);
    }
    if (m->profile_class >= 0) {
        v = (uint8_t)m->profile_class;
        esim_tlv_put(&in, 0x95, &v, 1);
    }
    if (m->n_notif) {
        for (size_t i = 0; i < m->n_notif && i < ESIM_META_NOTIF_MAX; i++) {
            esim_buf one = { 0 };
            put_bits(&one, 0x80, m->notif[i].events);
            esim_tlv_put(&one, 0x81, m->notif[i].address, strlen(m->notif[i].address));
            esim_tlv_put(&nb, 0x30, one.data, one.len);
            if (one.oom)
                nb.oom = true;
            esim_buf_free(&one);
        }
        esim_tlv_put(&in, 0xB6, nb.data, nb.len);
    }
    if (m->has_owner) {
        uint8_t o[5] = { 0x80, 3, m->owner_mccmnc[0], m->owner_mccmnc[1], m->owner_mccmnc[2] };
        esim_tlv_put(&in, 0xB7, o, sizeof o);
    }
    if (m->has_ppr)
        put_bits(&in, 0x99, m->ppr);
    int rc = 0;
    if (in.oom || nb.oom || esim_tlv_put(out, 0xBF25, in.data, in.len) != 0)
        rc = esim_error_set(err, "out of memory");
    esim_buf_free(&in);
    esim_buf_free(&nb);
    return rc;
}

static void oid_text(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t w = 0;
    uint64_t v = 0;
    bool first = true;
    out[0] = '\0';
    for (size_t i = 0; i < n && w < cap; i++) {
        if (v > (UINT64_MAX >> 7)) {
            snprintf(out, cap, "(malformed OID)");
            return;
        }
        v = (v << 7) | (p[i] & 0x7F);
        if (p[i] & 0x80)
            continue;
        if (first) {
            unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
            w += (size_t)snprintf(out + w, cap - w, "%u.%llu", a,
                                  (unsigned long long)(v - 40u * a));
            first = false;
        } else {
            w += (size_t)snprintf(out + w, cap - w, ".%llu", (unsigned long long)v);
        }
        v = 0;
    }
}

int esim_configure_isdp_decode(const uint8_t *der, size_t len, char *oid, size_t cap,
                               esim_error *err)
{
    esim_tlv top, b8, o;
    oid[0] = '\0';
    if (esim_tlv_parse(der, len, 0, &top, err) != 0)
        return esim_error_prefix(err, "ConfigureISDPRequest");
    if (top.tag != 0xBF24)
        return esim_error_set(err, "ConfigureISDPRequest ('BF24') expected, found tag %X",
                              top.tag);
    int r = esim_tlv_find_child(&top, 0xB8, &b8, err);
    if (r < 0)
        return esim_error_prefix(err, "ConfigureISDPRequest");
    if (r == 1) {
        /* DpProprietaryData is automatically tagged: dpOid [0] -> '80' */
        r = esim_tlv_find_child(&b8, 0x80, &o, err);
        if (r < 0)
            return esim_error_prefix(err, "ConfigureISDPRequest dpProprietaryData");
        if (r == 1)
            oid_text(o.value, o.len, oid, cap);
    }
    return 0;
}

int esim_rsk_decode(const uint8_t *der, size_t len, esim_bsp_keys *ppk, esim_error *err)
{
    esim_tlv top, t;
    if (esim_tlv_parse(der, len, 0, &top, err) != 0)
        return esim_error_prefix(err, "ReplaceSessionKeysRequest");
    if (top.tag != 0xBF26)
        return esim_error_set(err, "ReplaceSessionKeysRequest ('BF26') expected, found tag %X",
                              top.tag);
    static const struct { uint32_t tag; const char *name; size_t off; } f[] = {
        { 0x80, "initialMacChainingValue", offsetof(esim_bsp_keys, mcv) },
        { 0x81, "ppkEnc", offsetof(esim_bsp_keys, s_enc) },
        { 0x82, "ppkCmac", offsetof(esim_bsp_keys, s_mac) },
    };
    for (size_t i = 0; i < 3; i++) {
        int r = esim_tlv_find_child(&top, f[i].tag, &t, err);
        if (r < 0)
            return esim_error_prefix(err, "ReplaceSessionKeysRequest");
        if (r == 0 || t.len != 16)
            return esim_error_set(err, "ReplaceSessionKeysRequest: %s missing or not 16 bytes",
                                  f[i].name);
        memcpy((uint8_t *)ppk + f[i].off, t.value, 16);
    }
    return 0;
}

int esim_rsk_encode(const esim_bsp_keys *ppk, esim_buf *out)
{
    uint8_t v[3 * 18];
    const uint8_t *k[3] = { ppk->mcv, ppk->s_enc, ppk->s_mac };
    for (int i = 0; i < 3; i++) {
        v[18 * i] = (uint8_t)(0x80 + i);
        v[18 * i + 1] = 16;
        memcpy(v + 18 * i + 2, k[i], 16);
    }
    int rc = esim_tlv_put(out, 0xBF26, v, sizeof v);
    esim_wipe(v, sizeof v);
    return rc;
}
