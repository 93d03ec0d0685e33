/* esimscope trace: the glue from a capture to eSIM sessions. Runs the capture pipeline
 * (capture_pipe.h), decodes every ES10 command/response (STORE DATA on the ISD-R) and every
 * ES9+/ES11 HTTP message (JSON binding, SGP.22 section 6.5, or ASN.1 binding
 * application/x-gsma-rsp-asn1, section 6.6), groups them into sessions by transactionId
 * (session.h), reassembles the Bound Profile Package from the LoadBoundProfilePackage segments
 * (SGP.22 section 2.5.5) and compares it with the one the SM-DP+ sent, and reports findings. */
#ifndef ESIM_TRACE_H
#define ESIM_TRACE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>
#include "esim/capture_pipe.h"
#include "esim/error.h"
#include "esim/keylog.h"
#include "esim/session.h"

typedef enum {
    ESIM_TRACE_EV_APDU,     /* every APDU exchange (GET RESPONSE folded) and ATR */
    ESIM_TRACE_EV_ES10,     /* a complete ES10 command with its response, decoded */
    ESIM_TRACE_EV_ES9P,     /* an ES9+/ES11 HTTP request or response, decoded */
    ESIM_TRACE_EV_FINDING,  /* a protocol violation or an undecodable input */
    ESIM_TRACE_EV_SESSION,  /* at the end: one per session */
} esim_trace_ev_type;

typedef enum { ESIM_SEV_INFO, ESIM_SEV_WARNING, ESIM_SEV_ERROR } esim_severity;
const char *esim_severity_name(esim_severity s);

typedef struct esim_trace_event {
    esim_trace_ev_type type;
    uint64_t frame, frame_last;
    int64_t sec;
    uint32_t nsec;
    int card;                          /* card index, -1 for HTTP / global */
    /* APDU and ES10: the APDU-layer event */
    const esim_apdu_event *apdu;
    /* ES10 / ES9P */
    const char *function;              /* "AuthenticateServer", "authenticateClient" */
    const char *iface;                 /* "ES10b", "ES9+", "ES11" */
    uint16_t tag;                      /* ES10 tag (0 when not a BFxx command: BPP segment) */
    const char *tid_hex;               /* transactionId found in the message ("" none) */
    const char *summary;               /* one line: outcome / notable fields */
    json_object *command, *response;   /* ES10: decoded trees (NULL when not decodable) */
    /* ES9P */
    bool request;
    int http_status;                   /* response */
    const char *uri;
    const char *status;                /* functionExecutionStatus.status, NULL when absent */
    const char *subject_code, *reason_code;
    json_object *body;                 /* decoded body (JSON binding annotated / ASN.1 tree) */
    /* FINDING */
    esim_severity severity;
    const char *text;
    const esim_tls_report *tls;        /* a TLS connection that could not be read, or NULL */
    /* SESSION */
    const esim_session *session;
} esim_trace_event;

typedef void (*esim_trace_cb)(const esim_trace_event *ev, void *user);

typedef struct esim_trace_opts {
    bool decode_trees;         /* fill command/response/body trees (for detailed output) */
    bool no_es10_trees;        /* without decode_trees: the callback does not read command/
                                  response, so session ES10 messages need no trees either */
    bool show_keys;            /* trees show key material */
    const char *extract_dir;   /* write BPPs here (NULL: no) */
    const esim_keylog *keylog; /* decrypt BPPs with these keys (NULL: no) */
    esim_tls_keylog *tls_keylog; /* decrypt TLS with these secrets (NULL: only the capture's own,
                                  * from pcapng Decryption Secrets Blocks, which are added here) */
    void (*progress)(uint64_t packets, void *user); /* every 65536 packets (NULL: none) */
    void *progress_user;
} esim_trace_opts;

typedef struct esim_trace_stats {
    esim_pipe_stats pipe;
    uint64_t apdus, es10, es9p, findings_error, findings_warning, bpps_extracted;
    size_t sessions, sessions_dropped;
    unsigned verdicts[5];      /* by esim_verdict */
} esim_trace_stats;

typedef struct esim_trace esim_trace;

esim_trace *esim_trace_new(const esim_trace_opts *o, esim_trace_cb cb, void *user);
void esim_trace_free(esim_trace *t);
/* The pipeline handlers that feed this trace (to run a pipe yourself). */
esim_pipe_handlers esim_trace_handlers(esim_trace *t);
/* End of input: emits the SESSION events (after the pipe was finished). */
void esim_trace_finish(esim_trace *t);
const esim_trace_stats *esim_trace_get_stats(const esim_trace *t);
esim_sessions *esim_trace_sessions(esim_trace *t);

/* Runs a whole capture ("-" = stdin): pipeline, then esim_trace_finish. Returns -1 (err) when
 * the input cannot be opened or is not a pcap/pcapng capture. A capture that breaks off
 * (truncated, malformed block) is read up to there and reported as an error FINDING. */
int esim_trace_run_file(esim_trace *t, const char *path, esim_error *err);
/* Same over a capture already opened (esim_capture_open_ex: logs, --format); closes it. name
 * labels messages. */
int esim_trace_run_capture(esim_trace *t, esim_capture *c, const char *name, esim_error *err);
/* Same over a capture in memory (fuzzing, tests). */
int esim_trace_run_mem(esim_trace *t, const uint8_t *d, size_t n, esim_error *err);
#endif
