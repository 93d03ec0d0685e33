/* Internal to lib/rsp/trace*.c and msg_fields.c: the trace engine's state and the functions its
 * parts share. trace.c orchestrates (API, events, findings), msg_fields.c says what a decoded
 * message carries for a session, trace_es10.c and trace_es9p.c are the ES10 and ES9+/ES11 layers,
 * trace_bpp.c follows the BPP on both paths. Not installed. */
#ifndef ESIM_TRACE_INTERNAL_H
#define ESIM_TRACE_INTERNAL_H
#include <errno.h>
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "AuthenticateServerRequest.h"
#include "AuthenticateServerResponse.h"
#include "PrepareDownloadRequest.h"
#include "PrepareDownloadResponse.h"
#include "esim/str.h"
#include "esim/apdu_names.h"
#include "esim/asn1_decode.h"
#include "esim/asn1_tree.h"
#include "esim/bpp.h"
#include "esim/eid.h"
#include "esim/es10_names.h"
#include "esim/es9p_json.h"
#include "esim/enum_names.h"
#include "esim/es9p_status.h"
#include "esim/hex.h"
#include "esim/saip.h"
#include "esim/session_rules.h"
#include "esim/trace.h"

#define BPP_SLOTS 4
#define BPP_MAX ESIM_HTTP_MAX_BODY
#define FLOW_TIDS 64

/* BPP parts in segment order (SGP.22 section 2.5.5): each of these is sent as its own
 * LoadBoundProfilePackage command: BF36 header + BF23; A0 header + first 87; each further 87;
 * A1 header; each 88; A2 header + first 87 (optional); A3 header; each 86. */
enum { PART_NONE = -1, PART_A0, PART_A1, PART_A2, PART_A3 };

typedef struct card_state {
    esim_session *se;          /* session this card works on (last transactionId seen) */
    bool loading;              /* BF36 seen, BPP not complete */
    uint8_t *bpp;
    size_t len, cap, total;
    unsigned segments;
    int part;
    bool overflow;
} card_state;

typedef struct bpp_slot {
    esim_session *se;
    uint8_t *es9, *sd;         /* from getBoundProfilePackage / from STORE DATA */
    size_t es9_len, sd_len;
    bool opened;
    uint64_t age;
} bpp_slot;

struct esim_trace {
    esim_trace_opts o;
    esim_tree_opts topts;
    esim_trace_cb cb;
    void *user;
    esim_sessions *ss;
    card_state cards[ESIM_PIPE_MAX_CARDS];
    bpp_slot slots[BPP_SLOTS];
    uint64_t slot_clock;
    struct {
        uint64_t flow;
        char tid[2 * ESIM_SESSION_TID_MAX + 1];
        char fn[64];           /* function of that request (ASN.1 binding: not in the URI) */
    } flow_tid[FLOW_TIDS];     /* last transactionId requested per HTTP flow */
    unsigned flow_next;
    esim_trace_stats st;
    json_tokener *tok;         /* for ES9+ JSON bodies */
    bool finished;
};

/* ---- fields of interest in decoded messages (msg_fields.c) ---- */
typedef struct fields {
    char tid[2 * ESIM_SESSION_TID_MAX + 1];
    char eid[33], iccid[21], matching_id[130], smdp[256], profile_name[130];
    int final;                 /* 0 none, 1 successResult, 2 errorResult */
    long bpp_cmd, err_reason;
    char bpp_cmd_name[48], err_reason_name[64];
    char err_member[48];       /* e.g. "authenticateResponseError" */
    char err_type[40];         /* ASN.1 type of the error code, for explanations */
    long err_value;
    char err_name[64];
    bool has_cancel;
    long cancel_value;
    char cancel_name[40];
} fields;

typedef struct decoded_msg {
    json_object *tree;
    asn_TYPE_descriptor_t *td;
    void *value;
} decoded_msg;

/* Decodes one DER object as expected_type when given, else by its tag; a tree with want_tree,
 * else the value; fast: filled by the tree-less fast path when it applies (msg_fields.c). */
void tr_decode_msg(esim_trace *t, const uint8_t *d, size_t n, const char *expected_type,
                   fields *fast, bool want_tree, decoded_msg *m);
json_object *tr_decode_tree(esim_trace *t, const uint8_t *d, size_t n, const char *expected_type,
                            fields *fast);
void tr_scan_msg(esim_trace *t, const decoded_msg *m, fields *f, int depth);
void tr_decoded_msg_free(decoded_msg *m);
void tr_scan(json_object *o, fields *f, int depth);
void tr_scan_member(const char *k, json_object *v, fields *f, int depth);
void tr_merge_fields(fields *dst, const fields *src);
void tr_fields_to_session(const fields *f, esim_session *se);
bool tr_tlv_header(const uint8_t *d, size_t n, size_t *hdr, size_t *len);
const char *tr_jget_str(json_object *o, const char *k);
json_object *tr_jget(json_object *o, const char *k);

/* ---- trace.c ---- */
void tr_emit(esim_trace *t, esim_trace_event *ev);
void tr_finding(esim_trace *t, esim_severity sev, uint64_t frame, int64_t sec, uint32_t nsec,
                int card, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* ---- the BPP on both paths (trace_bpp.c) ---- */
bpp_slot *tr_slot_for(esim_trace *t, esim_session *se);
void tr_write_file(esim_trace *t, const esim_session *se, const char *what, const uint8_t *d,
                   size_t n, uint64_t frame);
void tr_open_bpp(esim_trace *t, esim_session *se, bpp_slot *sl, const uint8_t *d, size_t n,
                 uint64_t frame, int64_t sec, uint32_t nsec);
void tr_compare_bpp(esim_trace *t, esim_session *se, bpp_slot *sl, uint64_t frame, int64_t sec,
                    uint32_t nsec, int card);
bool tr_is_segment_start(uint8_t b);
void tr_bpp_append(esim_trace *t, card_state *cs, const uint8_t *d, size_t n,
                   const esim_apdu_event *ev, int card);
void tr_segment_order(esim_trace *t, card_state *cs, uint8_t b, const esim_apdu_event *ev,
                      int card, char *desc, size_t cap);
void tr_bpp_complete(esim_trace *t, card_state *cs, esim_session *se, const esim_apdu_event *ev,
                     int card);

/* ---- the layers: pipe callbacks ---- */
void tr_on_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user); /* trace_es10.c */
void tr_on_http(const esim_http_event *ev, void *user);                              /* trace_es9p.c */
#endif
