/* One simulated SGP.22 v2 profile download between an LPA, an eUICC and an SM-DP+, with real
 * signatures, one-time keys and a real BPP (esim_bpp_build), recorded as a transcript, plus the
 * key log lines that open its BPP. */
#ifndef SG_FLOW_H
#define SG_FLOW_H
#include <stdio.h>
#include "drbg.h"
#include "pki.h"
#include "transcript.h"

typedef enum {
    SG_SC_HAPPY,
    SG_SC_WRONG_MATCHING_ID,   /* ES9+ authenticateClient fails: 8.2.6 / 3.8 */
    SG_SC_UNKNOWN_EUM,         /* eUICC chain from an unknown CI: 8.1.2 / 6.1 */
    SG_SC_BPP_MAC_FAIL,        /* one '86' segment arrives with a wrong MAC */
    SG_SC_STORE_DATA_6A80,     /* the eUICC rejects a STORE DATA block */
    SG_SC_CANCEL_SESSION,      /* the end user declines: ES10 + ES9+ CancelSession */
    SG_SC_HAPPY_PPK,           /* as HAPPY, the profile protected with a PPK (ReplaceSessionKeys)
                                * derived from the seed */
    SG_SC_EXPIRED_EUM,         /* the eUICC's EUM certificate has expired: 8.1.2 / 6.3 */
} sg_scenario;

/* How ES9+/ES11 travel over HTTP (SGP.22 6.5 JSON, 6.6 ASN.1) */
typedef enum { SG_BINDING_JSON, SG_BINDING_ASN1 } sg_binding;

#define SG_SMDP_ADDRESS "smdpplus.esimscope.test"
#define SG_SMDS_ADDRESS "smds.esimscope.test"
#define SG_MATCHING_ID "SAMPLE-MATCHING-ID-0001"

int sg_flow_run(const sg_drbg *d, const sg_pki *pki, sg_scenario sc, sg_binding binding,
                sg_transcript *t, FILE *keylog);
#endif
