/* ES11: event retrieval at the SM-DS. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>
#include "esim/hex.h"

/* ES11 event retrieval at the SM-DS (SGP.22 3.6.2): common mutual authentication with the SM-DS
 * (its own TransactionID), then the event that points the LPA at the SM-DP+. */
void event_retrieval(fl *f, const uint8_t *info1, size_t info1_n)
{
    uint8_t tid[16], echal[16], schal[16];
    char tid_hex[33], label[48];
    snprintf(label, sizeof label, "es11/%d", (int)f->sc);
    uint8_t r[48];
    sg_drbg_bytes(f->d, label, r, sizeof r);
    memcpy(tid, r, 16);
    memcpy(echal, r + 16, 16);
    memcpy(schal, r + 32, 16);
    esim_hex(tid, 16, tid_hex);
    static const auth_peer smds = {1, SG_SMDS_ADDRESS, "smdsAddress",
                                   "/gsma/rsp2/es11/initiateAuthentication", SG_CERT_DSAUTH,
                                   SG_CERT_EUM, false};
    auth_result ar;
    mutual_auth(f, &smds, tid, tid_hex, echal, schal, info1, info1_n, &ar);

    GString *js = g_string_new("{");
    js_str(js, "transactionId", tid_hex);
    js_b64(js, "authenticateServerResponse", ar.asp, ar.asp_n);
    g_string_append(js, "}");
    GString *jr = js_ok();
    js_str(jr, "transactionId", tid_hex);
    g_string_append_printf(jr, ",\"eventEntries\":[{\"eventId\":\"%s\",\"rspServerAddress\":\"%s\"}]}",
                           SG_MATCHING_ID, SG_SMDP_ADDRESS);
    http(f, 1, "/gsma/rsp2/es11/authenticateClient", js->str, "200 OK", jr->str, false);
    g_string_free(js, TRUE);
    g_string_free(jr, TRUE);
    sg_tr_add(f->t, SG_EV_HTTP_CLOSE)->host = 1; /* done with the SM-DS */
    free(ar.asp);
}
