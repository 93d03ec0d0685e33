/* Internals of the simulated session (flow*.c): the session state and the helpers that build
 * ES10 / ES9+ / ES11 messages into the transcript. */
#ifndef SG_FLOW_INTERNAL_H
#define SG_FLOW_INTERNAL_H
#include <glib.h>
#include <stdbool.h>
#include <stdio.h>
#include "der.h"
#include "esim/keylog.h"
#include "flow.h"

#define ISDP_AID "A0000005591010FFFFFFFF8900001000"
#define ICCID_BASE "8999000000000001234" /* + Luhn digit */
/* IMSI of the profile: MCC 901 (E.212 shared code of international networks), MNC 99, not a
 * test PLMN (001/999), so that the package looks like a production one to `esimscope audit` */
#define PROFILE_IMSI "901990000012340"
#define NOTIF_ADDR SG_SMDP_ADDRESS

typedef struct fl {
    const sg_drbg *d;
    const sg_pki *pki;
    sg_scenario sc;
    sg_transcript *t;
    sg_binding binding;
    uint8_t tid[16], eid[16], iccid[10];
    char iccid_digits[21];
    char tid_hex[33];
} fl;

/* flow_util.c: transcript entries, HTTP/JSON, signatures */
uint8_t *dup_bytes(const void *p, size_t n);
void es10(fl *f, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn);
void plain_apdu(fl *f, const char *hdr_hex, const char *data_hex, bool want, const char *rsp_hex);
void http(fl *f, int host, const char *path, const char *content_type, const uint8_t *body,
          size_t body_len, const char *status_line, const uint8_t *rbody, size_t rbody_len,
          bool chunked);
void js_b64(GString *s, const char *name, const uint8_t *p, size_t n);
void js_str(GString *s, const char *name, const char *v);
GString *js_ok(void);
char *js_failed(const char *subject, const char *reason, const char *msg);
/* '5F37' TLV with the ECDSA signature of a || b by the key of certificate who (checked). */
void sign_tlv(fl *f, int who, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
              uint8_t out[3 + 64]);
uint8_t *finish(sg_der *d, size_t *n);
/* The eUICC's signed answer tag { [0] { tbs, '5F37' signature over tbs || extra } }, the ok
 * alternative of CancelSessionResponse and PrepareDownloadResponse. */
uint8_t *euicc_signed_ok(fl *f, uint32_t tag, const uint8_t *tbs, size_t tbs_n,
                         const uint8_t *extra, size_t extra_n, size_t *n);
void keylog_line(FILE *kl, esim_keylog_kind kind, fl *f, const uint8_t *scalar,
                 const esim_bsp_keys *k);

/* flow_binding.c: one ES9+/ES11 function call, described member by member and rendered in the
 * flow's binding (JSON: SGP.22 6.5, ASN.1: 6.6) */
typedef enum {
    RM_DER,     /* an ASN.1 object (DER TLV): base64 in JSON, the component in ASN.1 */
    RM_OCTETS,  /* OCTET STRING content: base64 in JSON */
    RM_TID,     /* TransactionID: hex in JSON */
    RM_TEXT,    /* UTF8String */
    RM_EVENT,   /* eventEntries with one entry: eventId s, rspServerAddress s2 */
} rsp_member_kind;
typedef struct rsp_member {
    const char *json;          /* JSON member name */
    const char *asn1;          /* ASN.1 component name when it differs, else NULL */
    rsp_member_kind kind;
    const uint8_t *p;
    size_t n;
    const char *s, *s2;
} rsp_member;
typedef struct rsp_failure {
    const char *subject, *reason, *message; /* JSON: statusCodeData (SGP.22 5.2.6) */
    long asn1_error;                        /* ASN.1: the function's ...Error value */
} rsp_failure;
typedef struct rsp_call {
    int host;                  /* http(): 0 SM-DP+ (ES9+), 1 SM-DS (ES11) */
    const char *function;      /* "initiateAuthentication", ... */
    const rsp_member *req, *rsp;
    size_t nreq, nrsp;
    const rsp_failure *fail;   /* the function failed (no rsp members) */
    bool no_response;          /* 204 No Content (handleNotification) */
    bool chunked;              /* response in chunked transfer encoding */
} rsp_call;
void rsp_exchange(fl *f, const rsp_call *c);
#define RSP_DER(nm, ptr, len) {.json = (nm), .kind = RM_DER, .p = (ptr), .n = (len)}
#define RSP_OCTETS(nm, ptr, len) {.json = (nm), .kind = RM_OCTETS, .p = (ptr), .n = (len)}
#define RSP_TID(ptr) {.json = "transactionId", .kind = RM_TID, .p = (ptr), .n = 16}

/* flow_objects.c: ES10 data objects and the profile */
uint8_t *euicc_info1(fl *f, size_t *n);
void euicc_info2(fl *f, sg_der *d);
void ctx_params1(fl *f, sg_der *d, bool with_matching_id);
void notif_metadata(fl *f, sg_der *d, unsigned seq, int event_bit);
uint8_t *store_metadata(fl *f, size_t *n);
uint8_t *profile(fl *f, size_t *n);

/* flow_bpp.c: the BPP as the SM-DP+ signs it and as the eUICC opens it */
int resign_isc(fl *f, uint8_t *bpp, size_t n, const uint8_t *euicc_otpk);
int euicc_open_bpp(fl *f, const uint8_t *bpp, size_t n, const uint8_t *otsk, const uint8_t *upp,
                   size_t upp_n, int *fail_part, int *fail_idx);

/* flow_auth.c: the common mutual authentication with an SM-DP+ (ES9+) or an SM-DS (ES11) */
typedef struct auth_peer {
    int host;                  /* http(): 0 SM-DP+, 1 SM-DS */
    const char *address;       /* the server's FQDN */
    const char *address_field; /* "smdpAddress" / "smdsAddress" in initiateAuthentication */
    int server_cert;           /* SG_CERT_DPAUTH / SG_CERT_DSAUTH */
    int eum_cert;              /* the EUM certificate the eUICC presents */
    bool with_matching_id;     /* ctxParams1 carries the matchingId */
} auth_peer;
typedef struct auth_result {
    uint8_t *asp;              /* AuthenticateServerResponse (free()) */
    size_t asp_n;
    uint8_t esig1[3 + 64];     /* euiccSignature1 ('5F37' TLV) */
} auth_result;
/* ES10b.GetEUICCChallenge, initiateAuthentication (HTTP), ES10b.AuthenticateServer. */
void mutual_auth(fl *f, const auth_peer *p, const uint8_t tid[16], const uint8_t echal[16], const uint8_t schal[16], const uint8_t *info1,
                 size_t info1_n, auth_result *r);

/* flow_es11.c */
void event_retrieval(fl *f, const uint8_t *info1, size_t info1_n);
#endif
