/* BER/DER TLV walker (exact byte ranges) and writer. See ISO/IEC 8825-1 8.1 for the
 * identifier and length octets. */
#include "esim/tlv.h"
#include "esim/hex.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int esim_tlv_parse(const uint8_t *buf, size_t avail, size_t origin_off, esim_tlv *t,
                   esim_error *err)
{
    if (avail == 0)
        return esim_error_set(err, "offset %zu: TLV expected, no bytes left", origin_off);
    size_t i = 0;
    uint32_t tag = buf[i++];
    if ((tag & 0x1F) == 0x1F) {
        /* high tag number form: more bytes while bit 8 is set */
        for (;;) {
            if (i >= avail)
                return esim_error_set(err, "offset %zu: tag truncated", origin_off);
            if (i >= 4)
                return esim_error_set(err, "offset %zu: tag longer than 4 bytes", origin_off);
            uint8_t b = buf[i++];
            tag = (tag << 8) | b;
            if (!(b & 0x80))
                break;
        }
    }
    if (i >= avail)
        return esim_error_set(err, "offset %zu: tag %X without length", origin_off, tag);
    uint8_t l0 = buf[i++];
    size_t len;
    if (l0 < 0x80) {
        len = l0;
    } else if (l0 == 0x80) {
        return esim_error_set(err, "offset %zu: tag %X uses an indefinite length (not DER)",
                              origin_off, tag);
    } else {
        unsigned n = l0 & 0x7F;
        if (n > 4)
            return esim_error_set(err, "offset %zu: tag %X has a %u-byte length field",
                                  origin_off, tag, n);
        if (avail - i < n)
            return esim_error_set(err, "offset %zu: tag %X length field truncated", origin_off,
                                  tag);
        uint64_t v = 0;
        for (unsigned k = 0; k < n; k++)
            v = (v << 8) | buf[i++];
        if (v > SIZE_MAX)
            return esim_error_set(err, "offset %zu: tag %X length too large", origin_off, tag);
        len = (size_t)v;
    }
    if (len > avail - i)
        return esim_error_set(err,
                              "offset %zu: tag %X claims %zu value bytes but only %zu remain",
                              origin_off, tag, len, avail - i);
    t->tag = tag;
    t->constructed = (buf[0] & 0x20) != 0;
    t->offset = origin_off;
    t->hdr_len = i;
    t->len = len;
    t->raw = buf;
    t->value = buf + i;
    return 0;
}

void esim_tlv_iter_init(esim_tlv_iter *it, const uint8_t *buf, size_t len, size_t origin_off)
{
    it->p = buf;
    it->left = len;
    it->off = origin_off;
}

void esim_tlv_iter_children(esim_tlv_iter *it, const esim_tlv *parent)
{
    esim_tlv_iter_init(it, parent->value, parent->len, parent->offset + parent->hdr_len);
}

int esim_tlv_next(esim_tlv_iter *it, esim_tlv *t, esim_error *err)
{
    if (it->left == 0)
        return 0;
    if (esim_tlv_parse(it->p, it->left, it->off, t, err) != 0)
        return -1;
    size_t n = esim_tlv_total(t);
    it->p += n;
    it->left -= n;
    it->off += n;
    return 1;
}

int esim_tlv_find(const uint8_t *buf, size_t len, size_t origin_off, uint32_t tag, esim_tlv *t,
                  esim_error *err)
{
    esim_tlv_iter it;
    esim_tlv_iter_init(&it, buf, len, origin_off);
    int r;
    while ((r = esim_tlv_next(&it, t, err)) == 1)
        if (t->tag == tag)
            return 1;
    return r;
}

int esim_tlv_find_child(const esim_tlv *parent, uint32_t tag, esim_tlv *t, esim_error *err)
{
    return esim_tlv_find(parent->value, parent->len, parent->offset + parent->hdr_len, tag, t,
                         err);
}

const char *esim_tlv_tag_str(uint32_t tag, char buf[9])
{
    snprintf(buf, 9, "%02X", tag);
    if (strlen(buf) % 2) /* keep whole bytes: 0x5F49 -> "5F49" */
        snprintf(buf, 9, "0%X", tag);
    return buf;
}

/* --- writer --- */

int esim_buf_reserve(esim_buf *b, size_t n)
{
    if (b->oom)
        return -1;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap - b->len < n) {
            if (cap > SIZE_MAX / 2) {
                b->oom = true;
                return -1;
            }
            cap *= 2;
        }
        uint8_t *d = malloc(cap);
        if (!d) {
            b->oom = true;
            return -1;
        }
        /* copy + wipe rather than realloc: old blocks may hold key material */
        if (b->len)
            memcpy(d, b->data, b->len);
        if (b->data) {
            esim_wipe(b->data, b->cap);
            free(b->data);
        }
        b->data = d;
        b->cap = cap;
    }
    return 0;
}

int esim_buf_append(esim_buf *b, const void *p, size_t n)
{
    if (esim_buf_reserve(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void esim_buf_free(esim_buf *b)
{
    if (b->data) {
        esim_wipe(b->data, b->cap);
        free(b->data);
    }
    memset(b, 0, sizeof *b);
}

uint8_t *esim_buf_steal(esim_buf *b, size_t *len)
{
    if (b->oom) {
        esim_buf_free(b);
        return NULL;
    }
    uint8_t *d = b->data ? b->data : malloc(1);
    *len = b->len;
    memset(b, 0, sizeof *b);
    return d;
}

static size_t tag_bytes(uint32_t tag)
{
    return tag > 0xFFFFFF ? 4 : tag > 0xFFFF ? 3 : tag > 0xFF ? 2 : 1;
}

static size_t len_bytes(size_t len)
{
    if (len < 0x80) return 1;
    if (len <= 0xFF) return 2;
    if (len <= 0xFFFF) return 3;
    if (len <= 0xFFFFFF) return 4;
    return 5;
}

size_t esim_tlv_header_size(uint32_t tag, size_t len)
{
    return tag_bytes(tag) + len_bytes(len);
}

size_t esim_tlv_encode_header(uint32_t tag, size_t len, uint8_t h[10])
{
    size_t n = 0;
    for (size_t k = tag_bytes(tag); k-- > 0;)
        h[n++] = (uint8_t)(tag >> (8 * k));
    size_t lb = len_bytes(len);
    if (lb == 1) {
        h[n++] = (uint8_t)len;
    } else {
        h[n++] = (uint8_t)(0x80 | (lb - 1));
        for (size_t k = lb - 1; k-- > 0;)
            h[n++] = (uint8_t)(len >> (8 * k));
    }
    return n;
}

int esim_tlv_put_header(esim_buf *b, uint32_t tag, size_t len)
{
    uint8_t h[10];
    if ((uint64_t)len > 0xFFFFFFFFu) {
        b->oom = true;
        return -1;
    }
    return esim_buf_append(b, h, esim_tlv_encode_header(tag, len, h));
}

int esim_tlv_put(esim_buf *b, uint32_t tag, const void *value, size_t len)
{
    if (esim_tlv_put_header(b, tag, len) != 0)
        return -1;
    return esim_buf_append(b, value, len);
}

int esim_tlv_put_bits(esim_buf *b, uint32_t tag, const int *bits, size_t n)
{
    uint8_t v[1 + 8] = { 0 };
    int hi = -1;
    for (size_t i = 0; i < n; i++) {
        if (bits[i] < 0 || bits[i] >= 64)
            continue;
        v[1 + bits[i] / 8] |= (uint8_t)(0x80 >> (bits[i] % 8));
        if (bits[i] > hi)
            hi = bits[i];
    }
    size_t bytes = hi < 0 ? 0 : (size_t)(hi / 8 + 1);
    v[0] = bytes ? (uint8_t)(7 - hi % 8) : 0; /* unused bits in the last byte */
    return esim_tlv_put(b, tag, v, 1 + bytes);
}
