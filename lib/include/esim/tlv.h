/* BER/DER TLV walking with exact byte ranges, and a small TLV writer.
 * Tags are held as their encoded bytes read as a big-endian number: 'BF36' -> 0xBF36,
 * '5F49' -> 0x5F49, '86' -> 0x86 (at most 4 tag bytes). Only definite lengths are accepted
 * (short form, or 0x81..0x84 followed by 1..4 length bytes), as DER and SGP.22 require. */
#ifndef ESIM_TLV_H
#define ESIM_TLV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/error.h"

typedef struct esim_tlv {
    uint32_t tag;          /* encoded tag bytes, e.g. 0xBF36 */
    bool constructed;      /* bit 6 of the first tag byte */
    size_t offset;         /* offset of the first tag byte, relative to the walk's origin */
    size_t hdr_len;        /* tag bytes + length bytes */
    size_t len;            /* value length */
    const uint8_t *raw;    /* first tag byte; the TLV is raw[0 .. hdr_len+len) */
    const uint8_t *value;  /* raw + hdr_len */
} esim_tlv;

static inline size_t esim_tlv_total(const esim_tlv *t) { return t->hdr_len + t->len; }

/* Parses the TLV at buf[0..avail). origin_off is the offset of buf[0] in the caller's
 * frame (used for t->offset and error messages). Fails (never reads past avail) on a
 * truncated tag or length, an indefinite or over-long length, or a value past the end. */
int esim_tlv_parse(const uint8_t *buf, size_t avail, size_t origin_off, esim_tlv *t,
                   esim_error *err);

/* Iterates the TLVs that fill buf[0..len) exactly. */
typedef struct esim_tlv_iter {
    const uint8_t *p;
    size_t left;
    size_t off;            /* offset of p in the caller's frame */
} esim_tlv_iter;

void esim_tlv_iter_init(esim_tlv_iter *it, const uint8_t *buf, size_t len, size_t origin_off);
/* Iterates the children of a constructed TLV (offsets stay in the parent's frame). */
void esim_tlv_iter_children(esim_tlv_iter *it, const esim_tlv *parent);
/* 1 = *t filled, 0 = end, -1 = malformed (err set). */
int esim_tlv_next(esim_tlv_iter *it, esim_tlv *t, esim_error *err);

/* Finds the first TLV with this tag among the TLVs of buf (not recursive).
 * 1 = found, 0 = absent, -1 = malformed. */
int esim_tlv_find(const uint8_t *buf, size_t len, size_t origin_off, uint32_t tag, esim_tlv *t,
                  esim_error *err);
/* Same among the children of parent. */
int esim_tlv_find_child(const esim_tlv *parent, uint32_t tag, esim_tlv *t, esim_error *err);

/* Tag as text ("BF36"); buf needs 9 bytes. */
const char *esim_tlv_tag_str(uint32_t tag, char buf[9]);

/* --- writer --- */
typedef struct esim_buf {
    uint8_t *data;
    size_t len, cap;
    bool oom;              /* an allocation failed: everything after is dropped */
} esim_buf;

/* Appends n bytes (returns 0, or -1 when memory ran out). */
int esim_buf_append(esim_buf *b, const void *p, size_t n);
/* Makes room for n more bytes (returns 0 / -1); data + len is then writable for n bytes. */
int esim_buf_reserve(esim_buf *b, size_t n);
/* Wipes (the buffer may hold key material) and frees. */
void esim_buf_free(esim_buf *b);
/* Takes the bytes out of b (b becomes empty); NULL when b->oom. */
uint8_t *esim_buf_steal(esim_buf *b, size_t *len);

/* Size of a tag + length header. */
size_t esim_tlv_header_size(uint32_t tag, size_t len);
/* Encodes tag + definite length into out (at most 10 bytes); returns the byte count. */
size_t esim_tlv_encode_header(uint32_t tag, size_t len, uint8_t out[10]);
/* Writes tag + definite length; returns 0 / -1 (out of memory). */
int esim_tlv_put_header(esim_buf *b, uint32_t tag, size_t len);
/* Writes tag + length + value. */
int esim_tlv_put(esim_buf *b, uint32_t tag, const void *value, size_t len);
/* Writes a BIT STRING of named bits with the bits[0..n) set (bit 0 = most significant bit of
 * the first byte; numbers outside 0..63 are ignored), in DER: no trailing zero bits (X.690
 * 11.2.2), so the empty set is '03 01 00'-shaped. */
int esim_tlv_put_bits(esim_buf *b, uint32_t tag, const int *bits, size_t n);
#endif
