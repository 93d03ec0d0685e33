/* Session routing and verdict rules (see session_rules.h). */
#include <string.h>
#include "esim/hex.h"
#include "esim/session_rules.h"

void esim_session_note(esim_session *se, const esim_rsp_note *n)
{
    const char *fn = n->function ? n->function : "";
    const char *iface = n->iface ? n->iface : "";
    bool es10 = !strncmp(iface, "ES10", 4);
    if (es10)
        se->seen_es10 = true;
    else if (!strcmp(iface, "ES11"))
        se->seen_es11 = true;
    else if (!strcmp(iface, "ES9+"))
        se->seen_es9p = true;
    if (!strcmp(fn, "LoadBoundProfilePackage"))
        se->seen_bpp = se->seen_download = true;
    else if (!strcmp(fn, "PrepareDownload") || !strcmp(fn, "getBoundProfilePackage"))
        se->seen_download = true;
    if (n->pir == 1)
        se->installed = true;
    /* a cancellation counts when the eUICC confirms it (ES10 CancelSession answered without
     * an error), or when the LPA tells the SM-DP+ (ES9+ cancelSession request, section 5.6.5) */
    bool cancel = es10 ? !strcmp(fn, "CancelSession") && !n->request && !n->failed
                       : !strcmp(fn, "cancelSession") && n->request;
    if (cancel) {
        se->cancelled = true;
        if (!se->cancel_reason[0] || n->cancel_reason)
            esim_session_set(se->cancel_reason, sizeof se->cancel_reason,
                             n->cancel_reason ? n->cancel_reason : "?");
    }
    esim_session_set(se->eid, sizeof se->eid, n->eid);
    esim_session_set(se->iccid, sizeof se->iccid, n->iccid);
    esim_session_set(se->matching_id, sizeof se->matching_id, n->matching_id);
}

esim_session *esim_sessions_get_hex(esim_sessions *ss, const char *tid_hex)
{
    uint8_t tid[ESIM_SESSION_TID_MAX];
    if (!tid_hex || !tid_hex[0])
        return NULL;
    long n = esim_unhex(tid_hex, strlen(tid_hex), tid, sizeof tid);
    return n > 0 ? esim_sessions_get(ss, tid, (size_t)n) : NULL;
}

static bool pre_session_tag(uint16_t tag)
{
    /* GetEuiccInfo1, GetEuiccInfo2, GetEuiccChallenge, GetEuiccConfiguredAddresses, GetEID */
    return tag == 0xBF20 || tag == 0xBF22 || tag == 0xBF2E || tag == 0xBF3C || tag == 0xBF3E;
}

esim_session *esim_sessions_route_es10(esim_sessions *ss, esim_session **current,
                                       const char *tid_hex, uint16_t tag, bool bpp_piece,
                                       bool *mismatch)
{
    *mismatch = false;
    esim_session *se = esim_sessions_get_hex(ss, tid_hex);
    esim_session *cur = *current;
    if (se) {
        /* AuthenticateServer (BF38) opens a session; the other steps must carry the
         * transactionId of the one still going */
        bool open = cur && !cur->installed && !cur->failed && !cur->cancelled;
        *mismatch = cur && cur != se && tag != 0xBF38 && (bpp_piece || open);
        *current = se;
        return se;
    }
    if (cur && (bpp_piece || !pre_session_tag(tag)))
        return cur;
    if (pre_session_tag(tag))
        return esim_sessions_pending(ss);
    return NULL;
}

void esim_sessions_finish(esim_sessions *ss)
{
    size_t n = esim_sessions_count(ss);
    for (size_t i = 0; i + 1 < n; i++) {
        esim_session *se = esim_sessions_at(ss, i);
        for (size_t j = i + 1; j < n; j++)
            if (esim_sessions_at(ss, j)->first_frame > se->last_frame)
                se->auth_only = true;
    }
}
