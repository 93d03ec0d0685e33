/* A small DER writer with nesting: open a constructed TLV, write its children, close it (the
 * length is filled in at close). Built on esim_buf from the core library. */
#ifndef SG_DER_H
#define SG_DER_H
#include <stddef.h>
#include <stdint.h>
#include "esim/tlv.h"

#define SG_DER_DEPTH 24

typedef struct sg_der {
    esim_buf b;
    size_t open_at[SG_DER_DEPTH];
    uint32_t open_tag[SG_DER_DEPTH];
    int depth;
    int failed;
} sg_der;

void sg_der_init(sg_der *d);
void sg_der_open(sg_der *d, uint32_t tag);
void sg_der_close(sg_der *d);
void sg_der_put(sg_der *d, uint32_t tag, const void *v, size_t n);
void sg_der_raw(sg_der *d, const void *v, size_t n);         /* pre-encoded TLVs */
void sg_der_str(sg_der *d, uint32_t tag, const char *s);
void sg_der_uint(sg_der *d, uint32_t tag, unsigned long v);  /* INTEGER, minimal */
void sg_der_bool(sg_der *d, uint32_t tag, int v);
/* BIT STRING with the named bits set (bit 0 = most significant bit of the first byte). */
void sg_der_bits(sg_der *d, uint32_t tag, const int *bits, size_t nbits);
/* OBJECT IDENTIFIER from dotted text. */
void sg_der_oid(sg_der *d, uint32_t tag, const char *dotted);
/* Result (owned by the caller, free()); NULL on failure or unbalanced nesting. */
uint8_t *sg_der_finish(sg_der *d, size_t *len);
#endif
