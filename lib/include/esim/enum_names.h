/* Names of ASN.1 named numbers / named bits, keyed by asn1c's compound type name
 * (e.g. "ErrorReason", "EUICCInfo2__euiccCategory"). Table generated at build time. */
#ifndef ESIM_ENUM_NAMES_H
#define ESIM_ENUM_NAMES_H
#include <stddef.h>

typedef struct esim_enum_name {
    const char *type;
    long value;
    const char *name;
} esim_enum_name;

extern const esim_enum_name esim_enum_names[];
extern const size_t esim_enum_names_count;

/* Name of value in the named-number list of type, or NULL. */
const char *esim_enum_lookup(const char *type, long value);
/* Whether type has any named values. */
int esim_enum_known(const char *type);
#endif
