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
#define NOTIF_ADDR SG_SMDP_ADDRESS

typedef struct fl {
    const sg_drbg *d;
    const sg_pki *pki;
    sg_scenario sc;
    sg_transcript *t;
    uint8_t tid[16], eid[16], iccid[10];
    char iccid_digits[21];
    char tid_hex[33];
} fl;

/* flow_util.c: transcript entries, HTTP/JSON, signatures */
uint8_t *dup_bytes(const void *p, size_t n);
void es10(fl *f, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn);
void plain_apdu(fl *f, const char *hdr_hex, const char *data_hex, bool want, const char *rsp_hex);
void http(fl *f, int host, const char *path, const char *body, const char *status_line,
          const char *rbody, bool chunked);
void js_b64(GString *s, const char *name, const uint8_t *p, size_t n);
void js_str(GString *s, const char *name, const char *v);
GString *js_ok(void);
char *js_failed(const char *subject, const char *reason, const char *msg);
/* '5F37' TLV with the ECDSA signature of a || b by the key of certificate who (checked). */
void sign_tlv(fl *f, int who, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
              uint8_t out[3 + 64]);
uint8_t *finish(sg_der *d, size_t *n);
void keylog_line(FILE *kl, esim_keylog_kind kind, fl *f, const uint8_t *scalar,
                 const esim_bsp_keys *k);

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

/* flow_es11.c */
void event_retrieval(fl *f, const uint8_t *info1, size_t info1_n);
#endif
