/* SAIP (TCA eUICC Profile Package v3.3.1) profile package decoding for `esimscope profile`:
 * the sequence of ProfileElement DER values is walked with bounds checks, each PE decoded with
 * the asn1c types, and a summary produced as a C structure (the most used facts) and a json-c
 * object (everything), plus a text rendering of the same JSON. */
#ifndef ESIM_SAIP_H
#define ESIM_SAIP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "esim/error.h"

typedef struct esim_saip_opts {
    bool show_keys; /* include K/OPc, SD key values, PIN/PUK values */
} esim_saip_opts;

typedef struct esim_saip_summary {
    char iccid[21];               /* from ProfileHeader.iccid, digits */
    bool iccid_plain;             /* header ICCID was plain BCD (not nibble-swapped) */
    char ef_iccid[21];            /* from EF.ICCID content in the MF PE ("" when absent) */
    char imsi[17];                /* from EF.IMSI in the USIM PE ("" when absent) */
    char profile_type[101];
    unsigned major_version, minor_version;
    size_t pe_count;              /* all PEs, header and end included */
    size_t has_end;               /* number of end PEs seen */
    json_object *json;            /* full summary, owned */
} esim_saip_summary;

/* Decodes a package. On error, err names the PE index and byte offset. */
int esim_saip_decode(const uint8_t *der, size_t len, const esim_saip_opts *opts,
                     esim_saip_summary *out, esim_error *err);
void esim_saip_summary_free(esim_saip_summary *s);
/* Overwrites the key, PIN and PUK buffers of a decoded asn1c ProfileElement_t (before it is
 * freed). */
void esim_saip_pe_wipe(void *profile_element);
/* Human-readable rendering of s->json. */
void esim_saip_print_text(FILE *out, const esim_saip_summary *s);
#endif
