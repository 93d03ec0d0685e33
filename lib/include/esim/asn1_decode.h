/* Typed decoding of one DER object with the project's asn1c types: by type name, or detected
 * from its outermost tag (any ES8+/ES9+/ES10/ES11 message, BPP, profile element, certificate). */
#ifndef ESIM_ASN1_DECODE_H
#define ESIM_ASN1_DECODE_H
#include <stddef.h>
#include <stdint.h>
#include "asn_application.h"
#include "esim/error.h"

typedef struct esim_decoded {
    asn_TYPE_descriptor_t *td;
    void *value;
    size_t consumed;  /* bytes of the input this object occupies */
    int exact;        /* 1 when re-encoding gives the same bytes (DER, nothing skipped) */
} esim_decoded;

/* Type descriptor by ASN.1 type name (case-insensitive), or NULL. */
asn_TYPE_descriptor_t *esim_asn1_type(const char *name);
/* Decodes the object at the start of buf as td. Trailing bytes are allowed (see consumed). */
int esim_asn1_decode(asn_TYPE_descriptor_t *td, const uint8_t *buf, size_t len, esim_decoded *out,
                     esim_error *err);
/* Detects the type of the object at the start of buf from its tag, trying every type with that
 * outermost tag and keeping the one that decodes the whole TLV and re-encodes to the same bytes. */
int esim_asn1_detect(const uint8_t *buf, size_t len, esim_decoded *out, esim_error *err);
void esim_decoded_free(esim_decoded *d);
/* Makes td's function pointers those of its base type (asn1c fills derived types lazily). */
void esim_asn1_resolve(asn_TYPE_descriptor_t *td);
/* Calls fn for every known type name (for --type help). */
void esim_asn1_each_type(void (*fn)(const char *name, void *ctx), void *ctx);
#endif
