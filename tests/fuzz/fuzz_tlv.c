/* Fuzzes the TLV walker: every TLV, recursively into constructed ones, plus find. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "esim/tlv.h"

static size_t walk(const uint8_t *p, size_t n, size_t off, int depth)
{
    esim_tlv_iter it;
    esim_tlv t;
    size_t count = 0;
    esim_tlv_iter_init(&it, p, n, off);
    while (esim_tlv_next(&it, &t, NULL) == 1) {
        /* the ranges must stay inside the input */
        if (t.offset < off || t.offset - off + esim_tlv_total(&t) > n)
            abort();
        count++;
        if (t.constructed && depth < 32)
            count += walk(t.value, t.len, t.offset + t.hdr_len, depth + 1);
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_tlv t;
    esim_error e;
    walk(data, size, 0, 0);
    if (esim_tlv_parse(data, size, 0, &t, &e) == 0) {
        esim_tlv c;
        if (t.constructed)
            esim_tlv_find_child(&t, 0x86, &c, NULL);
        /* writing the same tag and length back gives a header that parses to the same */
        esim_buf b = { 0 };
        if (esim_tlv_put(&b, t.tag, t.value, t.len) == 0) {
            if (esim_tlv_parse(b.data, b.len, 0, &c, &e) != 0 || c.tag != t.tag || c.len != t.len ||
                memcmp(c.value, t.value, t.len) != 0)
                abort();
        }
        esim_buf_free(&b);
    }
    return 0;
}
