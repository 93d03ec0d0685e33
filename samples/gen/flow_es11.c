/* ES11: event retrieval at the SM-DS. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>
#include "esim/hex.h"

/* ES11 event retrieval at the SM-DS (SGP.22 3.6.2): common mutual authentication with the SM-DS
 * (its own TransactionID), then the event that points the LPA at the SM-DP+. */
void event_retrieval(fl *f, const uint8_t *info1, size_t info1_n)
{
    const sg_pki *pki = f->pki;
    uint8_t tid[16], echal[16], schal[16];
    char tid_hex[33], label[48];
    snprintf(label, sizeof label, "es11/%d", (int)f->sc);
    uint8_t r[48];
    sg_drbg_bytes(f->d, label, r, sizeof r);
    memcpy(tid, r, 16);
    memcpy(echal, r + 16, 16);
    memcpy(schal, r + 32, 16);
    esim_hex(tid, 16, tid_hex);
    uint8_t chal_rsp[21] = {0xBF, 0x2E, 0x12, 0x80, 0x10};
    memcpy(chal_rsp + 5, echal, 16);
    es10(f, (const uint8_t *)"\xBF\x2E\x00", 3, chal_rsp, sizeof chal_rsp);

    sg_der dd;
    sg_der_init(&dd);
    sg_der_open(&dd, 0x30);
    sg_der_put(&dd, 0x80, tid, 16);
    sg_der_put(&dd, 0x81, echal, 16);
    sg_der_str(&dd, 0x83, SG_SMDS_ADDRESS);
    sg_der_put(&dd, 0x84, schal, 16);
    sg_der_close(&dd);
    size_t ss1_n;
    uint8_t *ss1 = finish(&dd, &ss1_n), sig1[67];
    sign_tlv(f, SG_CERT_DSAUTH, ss1, ss1_n, NULL, 0, sig1);
    uint8_t ciid[22] = {0x04, 0x14};
    memcpy(ciid + 2, pki->c[SG_CERT_CI].ski, 20);
    const sg_cert *ds = &pki->c[SG_CERT_DSAUTH];
    GString *js = g_string_new("{");
    js_str(js, "smdsAddress", SG_SMDS_ADDRESS);
    js_b64(js, "euiccChallenge", echal, 16);
    js_b64(js, "euiccInfo1", info1, info1_n);
    g_string_append(js, "}");
    GString *jr = js_ok();
    js_str(jr, "transactionId", tid_hex);
    js_b64(jr, "serverSigned1", ss1, ss1_n);
    js_b64(jr, "serverSignature1", sig1, sizeof sig1);
    js_b64(jr, "euiccCiPKIdToBeUsed", ciid, sizeof ciid);
    js_b64(jr, "serverCertificate", ds->der, ds->der_len);
    g_string_append(jr, "}");
    http(f, 1, "/gsma/rsp2/es11/initiateAuthentication", js->str, "200 OK", jr->str, false);
    g_string_free(js, TRUE);
    g_string_free(jr, TRUE);

    sg_der_init(&dd);
    sg_der_open(&dd, 0xBF38);
    sg_der_raw(&dd, ss1, ss1_n);
    sg_der_raw(&dd, sig1, sizeof sig1);
    sg_der_raw(&dd, ciid, sizeof ciid);
    sg_der_raw(&dd, ds->der, ds->der_len);
    ctx_params1(f, &dd, false);
    sg_der_close(&dd);
    size_t asr_n;
    uint8_t *asr = finish(&dd, &asr_n);
    sg_der_init(&dd);
    sg_der_open(&dd, 0x30);
    sg_der_put(&dd, 0x80, tid, 16);
    sg_der_str(&dd, 0x83, SG_SMDS_ADDRESS);
    sg_der_put(&dd, 0x84, schal, 16);
    euicc_info2(f, &dd);
    ctx_params1(f, &dd, false);
    sg_der_close(&dd);
    size_t es1_n;
    uint8_t *es1 = finish(&dd, &es1_n), esig1[67];
    sign_tlv(f, SG_CERT_EUICC, es1, es1_n, NULL, 0, esig1);
    sg_der_init(&dd);
    sg_der_open(&dd, 0xBF38);
    sg_der_open(&dd, 0xA0);
    sg_der_raw(&dd, es1, es1_n);
    sg_der_raw(&dd, esig1, sizeof esig1);
    sg_der_raw(&dd, pki->c[SG_CERT_EUICC].der, pki->c[SG_CERT_EUICC].der_len);
    sg_der_raw(&dd, pki->c[SG_CERT_EUM].der, pki->c[SG_CERT_EUM].der_len);
    sg_der_close(&dd);
    sg_der_close(&dd);
    size_t asp_n;
    uint8_t *asp = finish(&dd, &asp_n);
    es10(f, asr, asr_n, asp, asp_n);

    js = g_string_new("{");
    js_str(js, "transactionId", tid_hex);
    js_b64(js, "authenticateServerResponse", asp, asp_n);
    g_string_append(js, "}");
    jr = js_ok();
    js_str(jr, "transactionId", tid_hex);
    g_string_append_printf(jr, ",\"eventEntries\":[{\"eventId\":\"%s\",\"rspServerAddress\":\"%s\"}]}",
                           SG_MATCHING_ID, SG_SMDP_ADDRESS);
    http(f, 1, "/gsma/rsp2/es11/authenticateClient", js->str, "200 OK", jr->str, false);
    g_string_free(js, TRUE);
    g_string_free(jr, TRUE);
    sg_tr_add(f->t, SG_EV_HTTP_CLOSE)->host = 1; /* done with the SM-DS */
    free(ss1);
    free(asr);
    free(es1);
    free(asp);
}
