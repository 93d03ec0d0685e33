/* ES10a/b/c commands by their outermost tag (SGP.22 section 5.7, rsp.asn), with the ASN.1 types
 * of request and response, and one-line explanations of the eUICC's error codes. */
#ifndef ESIM_ES10_NAMES_H
#define ESIM_ES10_NAMES_H
#include <stddef.h>
#include <stdint.h>

typedef struct esim_es10_info {
    uint16_t tag;               /* e.g. 0xBF38 */
    const char *function;       /* "AuthenticateServer" */
    const char *iface;          /* "ES10a", "ES10b", "ES10c" */
    const char *request_type;   /* ASN.1 type of the command data */
    const char *response_type;  /* ASN.1 type of the response data (NULL: none) */
} esim_es10_info;

/* Table entry for a tag, or NULL. */
const esim_es10_info *esim_es10_lookup(uint16_t tag);
/* Two-byte tag 'BFxx' at the start of d (0 when d does not start with a BF tag). */
uint16_t esim_es10_tag(const uint8_t *d, size_t n);

/* One-line human explanation of an eUICC error value of an ASN.1 error type ("ErrorReason",
 * "AuthenticateErrorCode", "DownloadErrorCode", "CancelSessionReason", ...), or NULL. */
const char *esim_es10_error_explain(const char *type, long value);
#endif
