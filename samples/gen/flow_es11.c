/* ES11: event retrieval at the SM-DS. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>

/* ES11 event retrieval at the SM-DS (SGP.22 3.6.2): common mutual authentication with the SM-DS
 * (its own TransactionID), then the event that points the LPA at the SM-DP+. */
void event_retrieval(fl *f, const uint8_t *info1, size_t info1_n)
{
    uint8_t tid[16], echal[16], schal[16];
    char label[48];
    snprintf(label, sizeof label, "es11/%d", (int)f->sc);
    uint8_t r[48];
    sg_drbg_bytes(f->d, label, r, sizeof r);
    memcpy(tid, r, 16);
    memcpy(echal, r + 16, 16);
    memcpy(schal, r + 32, 16);
    static const auth_peer smds = {1, SG_SMDS_ADDRESS, "smdsAddress", SG_CERT_DSAUTH,
                                   SG_CERT_EUM, false};
    auth_result ar;
    mutual_auth(f, &smds, tid, echal, schal, info1, info1_n, &ar);

    const rsp_member rq[] = {
        RSP_TID(tid),
        RSP_DER("authenticateServerResponse", ar.asp, ar.asp_n),
    };
    const rsp_member rs[] = {
        RSP_TID(tid),
        {.json = "eventEntries", .kind = RM_EVENT, .s = SG_MATCHING_ID, .s2 = SG_SMDP_ADDRESS},
    };
    rsp_exchange(f, &(rsp_call){.host = 1, .function = "authenticateClient", .req = rq, .rsp = rs,
                                .nreq = G_N_ELEMENTS(rq), .nrsp = G_N_ELEMENTS(rs)});
    sg_tr_add(f->t, SG_EV_HTTP_CLOSE)->host = 1; /* done with the SM-DS */
    free(ar.asp);
}
