/* The session rules of SGP.22 section 3.1.3, once for both faces: which session a message
 * belongs to and what it says for the session's verdict. `esimscope trace` (lib/rsp/trace.c)
 * and the plugin's `-z esim,sessions` tap (plugin/packet-esim-tap.c) both call these. */
#ifndef ESIM_SESSION_RULES_H
#define ESIM_SESSION_RULES_H
#include <stdbool.h>
#include <stdint.h>
#include "esim/session.h"

/* What one decoded ES10 / ES9+ / ES11 message says for its session. */
typedef struct esim_rsp_note {
    const char *iface;         /* "ES10a/b/c", "ES9+", "ES11", "ES9+/ES11" (binding not yet told) */
    const char *function;      /* "LoadBoundProfilePackage", "getBoundProfilePackage", ... */
    bool request;              /* ES10: the command alone (the response comes as its own note);
                                * false for a response, or a whole ES10 exchange */
    bool failed;               /* the message reports an error (recorded by the caller) */
    int pir;                   /* a ProfileInstallationResult in it: 1 successResult,
                                * 2 errorResult, 0 none */
    const char *cancel_reason; /* CancelSession: the reason's name (NULL: none given) */
    const char *eid, *iccid, *matching_id;
} esim_rsp_note;

/* Applies the note: interfaces seen, download started, BPP loaded, installed, cancelled,
 * identities. */
void esim_session_note(esim_session *se, const esim_rsp_note *n);

/* The session of an ES10 message (SGP.22 section 3.1.3): by its transactionId when it has one
 * (that session becomes the card's current one; *mismatch tells when the card was in another
 * unfinished session); a BPP piece or any other command without one belongs to the card's
 * current session; the commands that come before a session exists (GetEuiccInfo1/2,
 * GetEuiccChallenge, GetEuiccConfiguredAddresses, GetEID) wait in the pending session.
 * current: the card's current session (in/out). tag: the ES10 tag (0 for a BPP piece after the
 * BF36). Returns NULL when the message belongs to no session. */
esim_session *esim_sessions_route_es10(esim_sessions *ss, esim_session **current,
                                       const char *tid_hex, uint16_t tag, bool bpp_piece,
                                       bool *mismatch);
/* The session of a transactionId given in hex (NULL for none or a bad one). */
esim_session *esim_sessions_get_hex(esim_sessions *ss, const char *tid_hex);
/* End of input: a session that stopped after authentication while a later one went on is an
 * SM-DS event retrieval or a server probe (verdict "discovered"), not an interrupted
 * download. */
void esim_sessions_finish(esim_sessions *ss);
#endif
