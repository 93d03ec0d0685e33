#include "der.h"
#include <stdlib.h>
#include <string.h>

void sg_der_init(sg_der *d)
{
    memset(d, 0, sizeof *d);
}

void sg_der_open(sg_der *d, uint32_t tag)
{
    if (d->depth >= SG_DER_DEPTH) {
        d->failed = 1;
        return;
    }
    d->open_at[d->depth] = d->b.len;
    d->open_tag[d->depth] = tag;
    d->depth++;
}

void sg_der_close(sg_der *d)
{
    if (d->depth <= 0) {
        d->failed = 1;
        return;
    }
    d->depth--;
    size_t at = d->open_at[d->depth];
    size_t vlen = d->b.len - at;
    esim_buf hdr = {0};
    if (esim_tlv_put_header(&hdr, d->open_tag[d->depth], vlen) != 0) {
        d->failed = 1;
        esim_buf_free(&hdr);
        return;
    }
    if (esim_buf_append(&d->b, hdr.data, hdr.len) != 0) {
        d->failed = 1;
    } else {
        memmove(d->b.data + at + hdr.len, d->b.data + at, vlen);
        memcpy(d->b.data + at, hdr.data, hdr.len);
    }
    esim_buf_free(&hdr);
}

void sg_der_put(sg_der *d, uint32_t tag, const void *v, size_t n)
{
    if (esim_tlv_put(&d->b, tag, v, n) != 0)
        d->failed = 1;
}

void sg_der_raw(sg_der *d, const void *v, size_t n)
{
    if (esim_buf_append(&d->b, v, n) != 0)
        d->failed = 1;
}

void sg_der_str(sg_der *d, uint32_t tag, const char *s)
{
    sg_der_put(d, tag, s, strlen(s));
}

void sg_der_uint(sg_der *d, uint32_t tag, unsigned long v)
{
    uint8_t b[9];
    int n = 0;
    for (int i = 7; i >= 0; i--) {
        uint8_t x = (uint8_t)(v >> (8 * i));
        if (n == 0 && x == 0 && i > 0)
            continue;
        if (n == 0 && (x & 0x80))
            b[n++] = 0;
        b[n++] = x;
    }
    sg_der_put(d, tag, b, (size_t)n);
}

void sg_der_bool(sg_der *d, uint32_t tag, int v)
{
    uint8_t b = v ? 0xFF : 0x00;
    sg_der_put(d, tag, &b, 1);
}

void sg_der_bits(sg_der *d, uint32_t tag, const int *bits, size_t nbits)
{
    if (esim_tlv_put_bits(&d->b, tag, bits, nbits) != 0)
        d->failed = 1;
}

void sg_der_oid(sg_der *d, uint32_t tag, const char *dotted)
{
    unsigned long arcs[32];
    int n = 0;
    const char *p = dotted;
    while (*p && n < 32) {
        char *end;
        arcs[n++] = strtoul(p, &end, 10);
        p = *end == '.' ? end + 1 : end;
        if (*end != '.' && *end != '\0')
            break;
    }
    if (n < 2) {
        d->failed = 1;
        return;
    }
    uint8_t out[128];
    size_t m = 0;
    for (int i = 1; i < n && m < sizeof out - 10; i++) {
        unsigned long v = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
        uint8_t tmp[10];
        int t = 0;
        do {
            tmp[t++] = (uint8_t)(v & 0x7F);
            v >>= 7;
        } while (v);
        while (t > 0) {
            t--;
            out[m++] = (uint8_t)(tmp[t] | (t ? 0x80 : 0));
        }
    }
    sg_der_put(d, tag, out, m);
}

uint8_t *sg_der_finish(sg_der *d, size_t *len)
{
    if (d->failed || d->depth != 0 || d->b.oom) {
        esim_buf_free(&d->b);
        return NULL;
    }
    return esim_buf_steal(&d->b, len);
}
