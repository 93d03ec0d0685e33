/* ES9+/ES11 status codes as facts (see es9p_status.h). Sources: GSMA SGP.22 v2.x section 5.2.6
 * ("Status code": subject and reason code lists, shared with SGP.02 section 5.1.6.4) and the
 * status code tables of ES9+.InitiateAuthentication (5.6.1), GetBoundProfilePackage (5.6.2),
 * AuthenticateClient (5.6.3), HandleNotification (5.6.4), CancelSession (5.6.5) and the ES11
 * functions (5.8), as implemented by public SM-DP+ sources (osmocom pySim osmo-smdpp). */
#include <stdio.h>
#include <string.h>
#include "esim/es9p_status.h"

static const esim_status_code subjects[] = {
    {"1.1", "Function requester", "v2.0"},
    {"1.2", "Function provider", "v2.0"},
    {"1.2.1", "Validity period", "v2.0"},
    {"1.3.1", "Function parameter", "v2.0"},
    {"1.6", "Function", "v2.0"},
    {"8.1", "eUICC", "v2.0"},
    {"8.1.1", "EID", "v2.0"},
    {"8.1.2", "EUM Certificate", "v2.0"},
    {"8.1.3", "eUICC Certificate", "v2.0"},
    {"8.2", "Profile", "v2.0"},
    {"8.2.1", "Profile ICCID", "v2.0"},
    {"8.2.5", "Profile Type", "v2.0"},
    {"8.2.6", "Matching ID", "v2.0"},
    {"8.2.7", "Confirmation Code", "v2.0"},
    {"8.8", "SM-DP+", "v2.0"},
    {"8.8.1", "SM-DP+ Address", "v2.0"},
    {"8.8.2", "Security configuration", "v2.0"},
    {"8.8.3", "Specification Version Number", "v2.0"},
    {"8.8.4", "SM-DP+ Certificate", "v2.0"},
    {"8.8.5", "Download order", "v2.0"},
    {"8.9", "SM-DS", "v2.0"},
    {"8.9.1", "SM-DS Address", "v2.0"},
    {"8.9.2", "SM-DS security configuration", "v2.0"},
    {"8.9.3", "SM-DS Specification Version Number", "v2.0"},
    {"8.9.4", "SM-DS Certificate", "v2.0"},
    {"8.9.5", "Event Record", "v2.0"},
    {"8.10.1", "TransactionId", "v2.0"},
    {"8.11.1", "CI Public Key", "v2.0"},
};

static const esim_status_code reasons[] = {
    {"1.1", "Unknown (identification or authentication)", "v2.0"},
    {"1.2", "Not allowed (authorisation)", "v2.0"},
    {"2.1", "Invalid", "v2.0"},
    {"2.2", "Mandatory element missing", "v2.0"},
    {"2.3", "Conditional element missing", "v2.0"},
    {"3.1", "Unsupported", "v2.0"},
    {"3.3", "Already in use", "v2.0"},
    {"3.7", "Unavailable", "v2.0"},
    {"3.8", "Refused", "v2.0"},
    {"3.9", "Unknown", "v2.0"},
    {"3.10", "Invalid association", "v2.0"},
    {"4.2", "Execution error", "v2.0"},
    {"4.3", "Stopped on warning", "v2.0"},
    {"4.4", "Busy", "v2.0"},
    {"4.10", "Time to live expired", "v2.0"},
    {"5.3", "Time to live expired", "v2.0"},
    {"5.4", "Delivered with no response", "v2.0"},
    {"6.1", "Verification failed", "v2.0"},
    {"6.3", "Expired", "v2.0"},
    {"6.4", "Maximum number of retries exceeded", "v2.0"},
};

static const esim_status_pair pairs[] = {
    {"1.1", "1.1", "the caller is unknown to the server", "any function"},
    {"1.1", "1.2", "the caller is not allowed to use this function", "any function"},
    {"1.2", "4.2", "internal error of the server (no more precise code available)", "any function"},
    {"1.2", "4.4", "the server is busy", "any function"},
    {"1.6", "2.1", "an input parameter is invalid (see the status message)", "any function"},
    {"1.6", "2.2", "a mandatory input parameter is missing", "any function"},
    {"1.6", "2.3", "a conditional input parameter is missing", "any function"},
    {"8.8.1", "3.8", "the SM-DP+ address sent is not this SM-DP+'s address",
     "InitiateAuthentication"},
    {"8.8.2", "3.1", "none of the eUICC's CI public key identifiers is supported by the SM-DP+",
     "InitiateAuthentication"},
    {"8.8.3", "3.1", "the eUICC's specification version is not supported by the SM-DP+",
     "InitiateAuthentication"},
    {"8.8.4", "3.7", "the SM-DP+ has no certificate signed by a CI the eUICC trusts",
     "InitiateAuthentication"},
    {"8.1.2", "6.1", "EUM certificate invalid (verification failed)", "AuthenticateClient"},
    {"8.1.2", "6.3", "EUM certificate expired", "AuthenticateClient"},
    {"8.1.3", "6.1", "eUICC certificate invalid (verification failed)", "AuthenticateClient"},
    {"8.1.3", "6.3", "eUICC certificate expired", "AuthenticateClient"},
    {"8.1", "6.1", "eUICC signature invalid or serverChallenge mismatch",
     "AuthenticateClient, GetBoundProfilePackage, CancelSession"},
    {"8.11.1", "3.9", "the CI of the EUM certificate is unknown to the SM-DP+",
     "AuthenticateClient"},
    {"8.1.1", "3.8", "EID refused: no download order for this eUICC / EID does not match",
     "AuthenticateClient"},
    {"8.2.6", "3.8", "matching ID refused: activation code token or EventID unknown or not "
                     "for this eUICC", "AuthenticateClient"},
    {"8.2", "1.2", "the profile has not been released for download", "AuthenticateClient"},
    {"8.2.5", "4.3", "no eligible profile for this eUICC/device", "AuthenticateClient"},
    {"8.8.5", "4.10", "the download order has expired", "AuthenticateClient"},
    {"8.8.5", "6.4", "maximum number of download retries exceeded", "AuthenticateClient"},
    {"8.10.1", "3.9", "the transactionId is unknown to the server (no such RSP session)",
     "AuthenticateClient, GetBoundProfilePackage, CancelSession"},
    {"8.2.7", "2.2", "confirmation code required but missing", "GetBoundProfilePackage"},
    {"8.2.7", "3.8", "confirmation code refused (wrong code)", "GetBoundProfilePackage"},
    {"8.2.7", "6.4", "maximum number of confirmation code attempts exceeded",
     "GetBoundProfilePackage"},
    {"8.8", "3.10", "the SM-DP+ OID in the cancel request is not this SM-DP+'s",
     "CancelSession"},
};

static const esim_status_code *find(const esim_status_code *t, size_t n, const char *code)
{
    if (!code)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(t[i].code, code))
            return &t[i];
    return NULL;
}

const esim_status_code *esim_es9p_subject(const char *code)
{
    return find(subjects, sizeof subjects / sizeof subjects[0], code);
}

const esim_status_code *esim_es9p_reason(const char *code)
{
    return find(reasons, sizeof reasons / sizeof reasons[0], code);
}

const esim_status_pair *esim_es9p_pair(const char *subject, const char *reason)
{
    if (!subject || !reason)
        return NULL;
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        if (!strcmp(pairs[i].subject, subject) && !strcmp(pairs[i].reason, reason))
            return &pairs[i];
    return NULL;
}

const char *esim_es9p_explain(const char *subject, const char *reason, char *buf, unsigned cap)
{
    const esim_status_pair *p = esim_es9p_pair(subject, reason);
    if (p) {
        snprintf(buf, cap, "%s", p->meaning);
        return buf;
    }
    const esim_status_code *s = esim_es9p_subject(subject), *r = esim_es9p_reason(reason);
    snprintf(buf, cap, "%s: %s", s ? s->name : "unknown subject", r ? r->name : "unknown reason");
    return buf;
}

/* The ASN.1 binding (SGP.22 6.6) answers a failed function with the error INTEGER of the
 * response CHOICE instead of a statusCodeData; each named number stands for a row of the
 * function's status code table (5.6.2, 5.6.3, 5.6.5, 5.8.2). Numbers without such a row
 * (insufficientMemory, bppRebindingRefused, undefinedError, ES11 eventIdUnknown) are left out.
 * initiateAuthenticationError is left out too: ES9+ and ES11 share its type but not its codes. */
static const struct {
    const char *alternative;
    long value;
    const char *subject, *reason;
} asn1_errors[] = {
    {"authenticateClientResponseEs9", 1, "8.1.2", "6.1"},
    {"authenticateClientResponseEs9", 2, "8.1.2", "6.3"},
    {"authenticateClientResponseEs9", 3, "8.1.3", "6.1"},
    {"authenticateClientResponseEs9", 4, "8.1.3", "6.3"},
    {"authenticateClientResponseEs9", 5, "8.1", "6.1"},
    {"authenticateClientResponseEs9", 6, "8.2.6", "3.8"},
    {"authenticateClientResponseEs9", 7, "8.1.1", "3.8"},
    {"authenticateClientResponseEs9", 8, "8.2.5", "4.3"},
    {"authenticateClientResponseEs9", 9, "8.11.1", "3.9"},
    {"authenticateClientResponseEs9", 10, "8.10.1", "3.9"},
    {"authenticateClientResponseEs11", 1, "8.1.2", "6.1"},
    {"authenticateClientResponseEs11", 2, "8.1.2", "6.3"},
    {"authenticateClientResponseEs11", 3, "8.1.3", "6.1"},
    {"authenticateClientResponseEs11", 4, "8.1.3", "6.3"},
    {"authenticateClientResponseEs11", 5, "8.1", "6.1"},
    {"authenticateClientResponseEs11", 7, "8.10.1", "3.9"},
    {"getBoundProfilePackageResponse", 1, "8.1", "6.1"},
    {"getBoundProfilePackageResponse", 2, "8.2.7", "2.2"},
    {"getBoundProfilePackageResponse", 3, "8.2.7", "3.8"},
    {"getBoundProfilePackageResponse", 4, "8.2.7", "6.4"},
    {"getBoundProfilePackageResponse", 6, "8.8.5", "4.10"},
    {"getBoundProfilePackageResponse", 95, "8.10.1", "3.9"},
    {"cancelSessionResponseEs9", 1, "8.10.1", "3.9"},
    {"cancelSessionResponseEs9", 2, "8.1", "6.1"},
};

const esim_status_pair *esim_es9p_asn1_error(const char *alternative, long value)
{
    if (!alternative)
        return NULL;
    for (size_t i = 0; i < sizeof asn1_errors / sizeof asn1_errors[0]; i++)
        if (asn1_errors[i].value == value && !strcmp(asn1_errors[i].alternative, alternative))
            return esim_es9p_pair(asn1_errors[i].subject, asn1_errors[i].reason);
    return NULL;
}
