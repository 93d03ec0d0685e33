/* ES9+ / ES11 function execution status codes (SGP.22 section 5.2.6 and the status code tables
 * of each function in sections 5.6 and 5.8): subjectCode + reasonCode, their names, and the
 * meaning of the pairs the functions define. Data, not code: see es9p_status.c. */
#ifndef ESIM_ES9P_STATUS_H
#define ESIM_ES9P_STATUS_H

typedef struct esim_status_code {
    const char *code;      /* "8.2.6" */
    const char *name;      /* "Matching ID" */
    const char *since;     /* SGP.22 version that defines it, e.g. "v2.0" */
} esim_status_code;

typedef struct esim_status_pair {
    const char *subject, *reason;
    const char *meaning;   /* one line, e.g. "matching ID (activation code token or EventID) refused" */
    const char *where;     /* functions/sections that return it */
} esim_status_pair;

/* Name of a subject code / reason code, or NULL when not in the table. */
const esim_status_code *esim_es9p_subject(const char *code);
const esim_status_code *esim_es9p_reason(const char *code);
/* Meaning of a subject/reason pair defined by an ES9+/ES11 function, or NULL. */
const esim_status_pair *esim_es9p_pair(const char *subject, const char *reason);
/* One-line explanation of a pair into buf: the pair's meaning if defined, else
 * "<subject name>: <reason name>" with "unknown" for codes not in the tables. Returns buf. */
const char *esim_es9p_explain(const char *subject, const char *reason, char *buf, unsigned cap);
/* The status code pair an ASN.1 binding error stands for (SGP.22 6.6): the error INTEGER `value`
 * of the response alternative `alternative` of RemoteProfileProvisioningResponse (e.g.
 * "authenticateClientResponseEs9", 6 matchingIdRefused -> 8.2.6 / 3.8), or NULL. */
const esim_status_pair *esim_es9p_asn1_error(const char *alternative, long value);
#endif
