/* eSIM download sessions (SGP.22 section 3.1.3): the ES9+/ES11 and ES10 steps of one RSP session,
 * grouped by the transactionId that the SM-DP+ assigns in InitiateAuthentication and that both
 * sides carry afterwards; identities (EID, ICCID, matching ID, SM-DP+ address, profile name), a
 * timeline and a verdict. Pure bookkeeping: decoding happens in trace.c. */
#ifndef ESIM_SESSION_H
#define ESIM_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ESIM_SESSION_MAX_STEPS 128   /* per session; later steps are counted, not kept */
#define ESIM_SESSION_MAX 1024        /* sessions per capture; later ones are counted */
#define ESIM_SESSION_TID_MAX 16

typedef enum {
    ESIM_VERDICT_INCOMPLETE,  /* the capture ended before a result */
    ESIM_VERDICT_INSTALLED,   /* ProfileInstallationResult successResult */
    ESIM_VERDICT_FAILED,      /* an error from the eUICC, the SM-DP+/SM-DS or the card interface */
    ESIM_VERDICT_CANCELLED,   /* CancelSession without an earlier failure */
    ESIM_VERDICT_DISCOVERED,  /* authentication only: an SM-DS (ES11) event retrieval, or an ES10
                               * AuthenticateServer followed by another session (no download) */
} esim_verdict;

typedef enum {
    ESIM_SIDE_NONE,
    ESIM_SIDE_EUICC,
    ESIM_SIDE_SMDP,
    ESIM_SIDE_SMDS,
    ESIM_SIDE_LPA,
} esim_side;

typedef struct esim_session_step {
    uint64_t frame;
    int64_t sec;
    uint32_t nsec;
    char iface[8];            /* "ES9+", "ES11", "ES10b", "APDU" */
    char function[40];
    char detail[320];
    bool failed;
} esim_session_step;

typedef struct esim_session {
    unsigned id;                       /* 1, 2, ... in order of creation */
    uint8_t tid[ESIM_SESSION_TID_MAX];
    size_t tid_len;
    char tid_hex[2 * ESIM_SESSION_TID_MAX + 1];
    char eid[33], iccid[21], matching_id[130], smdp_address[256], profile_name[130];
    bool seen_es9p, seen_es11, seen_es10, seen_bpp;
    bool seen_download;       /* PrepareDownload / getBoundProfilePackage / BPP */
    bool auth_only;           /* only authenticated, and another session followed */
    bool bpp_opened;          /* a BPP of this session was decrypted (--keylog) */
    bool installed, cancelled, failed;
    char cancel_reason[64];
    /* first failure */
    uint64_t fail_frame;
    esim_side fail_side;
    char fail_step[48];
    char fail_code[64];       /* "8.2.6/3.8", "errorReason 8", "SW 6A80" */
    char fail_name[96];       /* "Matching ID: Refused", "scp03tSecurityError" */
    char fail_text[320];      /* one-line human explanation */
    uint64_t first_frame, last_frame;
    int64_t t0_sec;           /* time of the first step */
    uint32_t t0_nsec;
    int64_t t1_sec;           /* time of the last step */
    uint32_t t1_nsec;
    esim_session_step *steps;
    size_t nsteps, steps_dropped;
    unsigned bpp_segments;    /* LoadBoundProfilePackage segments sent */
    int bpp_match;            /* -1 not compared, 0 the ES9+ and STORE DATA BPPs differ, 1 equal */
    size_t bpp_len;           /* of the BPP (ES9+ or reassembled) */
    size_t bpp_diff_at;       /* first differing byte when bpp_match == 0 */
} esim_session;

typedef struct esim_sessions esim_sessions;

esim_sessions *esim_sessions_new(void);
void esim_sessions_free(esim_sessions *s);
/* The session with this transactionId, or NULL. */
esim_session *esim_sessions_find(esim_sessions *s, const uint8_t *tid, size_t len);
/* Find or create (NULL when the table is full or tid is empty/too long). A new session takes
 * over the pending steps and identities (see esim_sessions_pending). */
esim_session *esim_sessions_get(esim_sessions *s, const uint8_t *tid, size_t len);
/* Steps seen before any transactionId (GetEuiccChallenge, ES9+ InitiateAuthentication
 * request...): kept here and moved into the next session created. */
esim_session *esim_sessions_pending(esim_sessions *s);
size_t esim_sessions_count(const esim_sessions *s);
esim_session *esim_sessions_at(esim_sessions *s, size_t i);
/* Sessions that could not be created because the table was full. */
size_t esim_sessions_dropped(const esim_sessions *s);

void esim_session_add_step(esim_session *se, uint64_t frame, int64_t sec, uint32_t nsec,
                       const char *iface, const char *function, bool failed, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* Records a failure; the first one is kept (later ones only add steps). */
void esim_session_fail(esim_session *se, uint64_t frame, esim_side side, const char *step,
                       const char *code, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 7, 8)));
/* Sets an identity field (eid, iccid, ...) when it is still empty. */
void esim_session_set(char *field, size_t cap, const char *value);

esim_verdict esim_session_verdict(const esim_session *se);
const char *esim_verdict_name(esim_verdict v);
const char *esim_side_name(esim_side s);
/* Seconds from the session's first step to t. */
double esim_session_reltime(const esim_session *se, int64_t sec, uint32_t nsec);
#endif
