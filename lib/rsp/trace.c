/* Capture → decoded ES10/ES9+ → sessions (see trace.h). */
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
#include "esim/es10_names.h"
#include "esim/es9p_json.h"
#include "esim/enum_names.h"
#include "esim/es9p_status.h"
#include "esim/hex.h"
#include "esim/saip.h"
#include "esim/trace.h"

#define INS_STORE_DATA 0xE2
#define BPP_SLOTS 4
#define BPP_MAX ESIM_HTTP_MAX_BODY
#define FLOW_TIDS 64

/* BPP parts in segment order (SGP.22 section 2.5.5): each of these is sent as its own
 * LoadBoundProfilePackage command: BF36 header + BF23; A0 header + first 87; each further 87;
 * A1 header; each 88; A2 header + first 87 (optional); A3 header; each 86. */
enum { PART_NONE = -1, PART_A0, PART_A1, PART_A2, PART_A3 };
static const char *const part_names[] = {"firstSequenceOf87", "sequenceOf88",
                                         "secondSequenceOf87", "sequenceOf86"};

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

const char *esim_severity_name(esim_severity s)
{
    return s == ESIM_SEV_ERROR ? "error" : s == ESIM_SEV_WARNING ? "warning" : "info";
}

/* ---- fields of interest in decoded messages ---- */

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

static void copy(char *dst, size_t cap, const char *s)
{
    if (!dst[0] && s)
        esim_str_copy(dst, cap, s);
}

/* {"value": n, "name": "..."} (a named number) or a plain integer. */
static bool enum_value(json_object *v, long *value, char *name, size_t cap)
{
    json_object *x;
    if (json_object_is_type(v, json_type_int)) {
        *value = (long)json_object_get_int64(v);
        name[0] = 0;
        return true;
    }
    if (json_object_is_type(v, json_type_object) && json_object_object_get_ex(v, "value", &x) &&
        json_object_is_type(x, json_type_int)) {
        *value = (long)json_object_get_int64(x);
        name[0] = 0;
        if (json_object_object_get_ex(v, "name", &x) && json_object_is_type(x, json_type_string))
            snprintf(name, cap, "%s", json_object_get_string(x));
        return true;
    }
    return false;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static const char *error_type_of(const char *member)
{
    static const struct { const char *member, *type; } map[] = {
        {"authenticateErrorCode", "AuthenticateErrorCode"},
        {"downloadErrorCode", "DownloadErrorCode"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].member, member))
            return map[i].type;
    return "";
}

static void scan(json_object *o, fields *f, int depth);
static const char *jget_str(json_object *o, const char *k);
static json_object *jget(json_object *o, const char *k);

static void scan_member(const char *k, json_object *v, fields *f, int depth)
{
    const char *s = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
    if (s) {
        if (!strcmp(k, "transactionId") && strlen(s) <= 2 * ESIM_SESSION_TID_MAX && !f->tid[0]) {
            snprintf(f->tid, sizeof f->tid, "%s", s);
            for (char *p = f->tid; *p; p++)
                *p = g_ascii_toupper(*p);
        } else if (!strcmp(k, "eid") || !strcmp(k, "eidValue"))
            copy(f->eid, sizeof f->eid, s);
        else if (!strcmp(k, "iccid") && strlen(s) <= 20)
            copy(f->iccid, sizeof f->iccid, s);
        else if (!strcmp(k, "matchingId"))
            copy(f->matching_id, sizeof f->matching_id, s);
        else if (!strcmp(k, "smdpAddress") || !strcmp(k, "serverAddress") ||
                 !strcmp(k, "smdsAddress"))
            copy(f->smdp, sizeof f->smdp, s);
        else if (!strcmp(k, "profileName"))
            copy(f->profile_name, sizeof f->profile_name, s);
        return;
    }
    if (!strcmp(k, "finalResult") && json_object_is_type(v, json_type_object)) {
        json_object *r;
        if (json_object_object_get_ex(v, "successResult", &r))
            f->final = 1;
        else if (json_object_object_get_ex(v, "errorResult", &r)) {
            f->final = 2;
            json_object *x;
            if (json_object_object_get_ex(r, "bppCommandId", &x))
                enum_value(x, &f->bpp_cmd, f->bpp_cmd_name, sizeof f->bpp_cmd_name);
            if (json_object_object_get_ex(r, "errorReason", &x))
                enum_value(x, &f->err_reason, f->err_reason_name, sizeof f->err_reason_name);
        }
    } else if (!strcmp(k, "reason") && !f->has_cancel &&
               enum_value(v, &f->cancel_value, f->cancel_name, sizeof f->cancel_name)) {
        f->has_cancel = true;
    } else if (ends_with(k, "Error") && !f->err_member[0]) {
        /* authenticateResponseError {transactionId, authenticateErrorCode},
         * downloadResponseError {..., downloadErrorCode}, or an ES9+/ES11 ASN.1 binding
         * error CHOICE member holding a named number (initiateAuthenticationError ...) */
        long val;
        char name[64];
        if (enum_value(v, &val, name, sizeof name)) {
            snprintf(f->err_member, sizeof f->err_member, "%s", k);
            f->err_value = val;
            snprintf(f->err_name, sizeof f->err_name, "%s", name);
        } else if (json_object_is_type(v, json_type_object)) {
            json_object_object_foreach(v, k2, v2) {
                if (ends_with(k2, "ErrorCode") && enum_value(v2, &val, name, sizeof name)) {
                    snprintf(f->err_member, sizeof f->err_member, "%s", k);
                    snprintf(f->err_type, sizeof f->err_type, "%s", error_type_of(k2));
                    f->err_value = val;
                    snprintf(f->err_name, sizeof f->err_name, "%s", name);
                    break;
                }
            }
        }
    }
    scan(v, f, depth + 1);
}

/* The EID in an eUICC certificate: subject serialNumber (OID 2.5.4.5) holding 32 digits
 * (SGP.22 section 4.5.2.1.0.2), here as the hex of its DER string. */
static void cert_eid(json_object *o, fields *f)
{
    const char *oid = jget_str(jget(o, "type"), "oid");
    json_object *v = jget(o, "value");
    if (!oid || strcmp(oid, "2.5.4.5") || !v || !json_object_is_type(v, json_type_string))
        return;
    const char *h = json_object_get_string(v);
    uint8_t b[40];
    long n = esim_unhex(h, strlen(h), b, sizeof b);
    if (n != 34 || (b[0] != 0x13 && b[0] != 0x0C) || b[1] != 32)
        return;
    char eid[33];
    for (int i = 0; i < 32; i++) {
        if (b[2 + i] < '0' || b[2 + i] > '9')
            return;
        eid[i] = (char)b[2 + i];
    }
    eid[32] = 0;
    copy(f->eid, sizeof f->eid, eid);
}

static void scan(json_object *o, fields *f, int depth)
{
    if (!o || depth > 40)
        return;
    if (json_object_is_type(o, json_type_object)) {
        cert_eid(o, f);
        json_object_object_foreach(o, k, v) scan_member(k, v, f, depth);
    } else if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            scan(json_object_array_get_idx(o, i), f, depth + 1);
    }
}

/* Adds what src found and dst did not. */
static void merge_fields(fields *dst, const fields *src)
{
    copy(dst->tid, sizeof dst->tid, src->tid);
    copy(dst->eid, sizeof dst->eid, src->eid);
    copy(dst->iccid, sizeof dst->iccid, src->iccid);
    copy(dst->matching_id, sizeof dst->matching_id, src->matching_id);
    copy(dst->smdp, sizeof dst->smdp, src->smdp);
    copy(dst->profile_name, sizeof dst->profile_name, src->profile_name);
    if (!dst->err_member[0] && src->err_member[0]) {
        esim_str_copy(dst->err_member, sizeof dst->err_member, src->err_member);
        esim_str_copy(dst->err_type, sizeof dst->err_type, src->err_type);
        esim_str_copy(dst->err_name, sizeof dst->err_name, src->err_name);
        dst->err_value = src->err_value;
    }
}

/* ---- the same fields without a tree: scan() over esim_tree_scan's stream. A member is taken
 * as JSON (and given to scan_member/scan) only where scan() would look at it itself: the named
 * leaves, finalResult/reason/...Error, and objects with "type" and "value" members (cert_eid);
 * every other container is descended into with scan()'s depth, every other leaf skipped. ---- */

#define SCAN_MAX_DEPTH 40 /* scan()'s bound */

typedef struct stream {
    fields *f;
    int root_depth;            /* scan() depth of the value's root */
    int depth[SCAN_MAX_DEPTH + 2];
    bool list[SCAN_MAX_DEPTH + 2];
    int top;                   /* open containers */
    int next_depth;            /* depth of the container want() let descend */
} stream;

static bool string_key(const char *k)
{
    static const char *const keys[] = {"transactionId", "eid", "eidValue", "iccid", "matchingId",
                                       "smdpAddress", "serverAddress", "smdsAddress",
                                       "profileName"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (k[0] == keys[i][0] && !strcmp(k, keys[i])) /* first letters: most keys differ there */
            return true;
    return false;
}

static bool object_key(const char *k)
{
    return !strcmp(k, "finalResult") || !strcmp(k, "reason") || ends_with(k, "Error");
}

static bool has_type_and_value(asn_TYPE_descriptor_t *td)
{
    bool type = false, value = false;
    for (int i = 0; i < td->elements_count; i++) {
        type |= td->elements[i].name && !strcmp(td->elements[i].name, "type");
        value |= td->elements[i].name && !strcmp(td->elements[i].name, "value");
    }
    return type && value;
}

static esim_tree_want stream_want(void *user, const char *name, asn_TYPE_descriptor_t *td,
                                  bool container, bool list)
{
    stream *s = user;
    bool member = s->top > 0 && !s->list[s->top - 1] && name;
    if (member && !container)
        return string_key(name) || object_key(name) ? ESIM_TREE_JSON : ESIM_TREE_SKIP;
    if (!container)
        return ESIM_TREE_SKIP; /* the root or a list item: scan() ignores plain values there */
    if (member && object_key(name))
        return ESIM_TREE_JSON;
    if (!list && has_type_and_value(td))
        return ESIM_TREE_JSON;
    int d = s->top == 0 ? s->root_depth : s->depth[s->top - 1] + 1;
    if (d > SCAN_MAX_DEPTH || s->top >= (int)(sizeof s->depth / sizeof s->depth[0]))
        return ESIM_TREE_SKIP;
    s->next_depth = d;
    return ESIM_TREE_DESCEND;
}

static void stream_enter(void *user, const char *name, bool list)
{
    stream *s = user;
    (void)name;
    s->depth[s->top] = s->next_depth;
    s->list[s->top++] = list;
}

static void stream_leave(void *user)
{
    stream *s = user;
    s->top--;
}

static void stream_value(void *user, const char *name, json_object *json)
{
    stream *s = user;
    if (s->top == 0)
        scan(json, s->f, s->root_depth);
    else if (s->list[s->top - 1] || !name)
        scan(json, s->f, s->depth[s->top - 1] + 1);
    else
        scan_member(name, json, s->f, s->depth[s->top - 1]);
}

/* What scan(tree, f, depth) finds in the tree of value, without building the tree. */
static void scan_value(esim_trace *t, asn_TYPE_descriptor_t *td, const void *value, fields *f,
                       int depth)
{
    stream s = {.f = f, .root_depth = depth};
    esim_tree_scanner sc = {stream_want, stream_enter, stream_value, stream_leave, &s};
    esim_tree_scan(td, value, &t->topts, &sc);
}

static void fields_to_session(const fields *f, esim_session *se)
{
    esim_session_set(se->eid, sizeof se->eid, f->eid);
    esim_session_set(se->iccid, sizeof se->iccid, f->iccid);
    esim_session_set(se->matching_id, sizeof se->matching_id, f->matching_id);
    esim_session_set(se->smdp_address, sizeof se->smdp_address, f->smdp);
    esim_session_set(se->profile_name, sizeof se->profile_name, f->profile_name);
}

/* ---- helpers ---- */

static void emit(esim_trace *t, esim_trace_event *ev)
{
    if (t->cb)
        t->cb(ev, t->user);
}

static void finding(esim_trace *t, esim_severity sev, uint64_t frame, int64_t sec, uint32_t nsec,
                    int card, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void finding(esim_trace *t, esim_severity sev, uint64_t frame, int64_t sec, uint32_t nsec,
                    int card, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (sev == ESIM_SEV_ERROR)
        t->st.findings_error++;
    else
        t->st.findings_warning++;
    esim_trace_event ev = {.type = ESIM_TRACE_EV_FINDING, .frame = frame, .frame_last = frame,
                           .sec = sec, .nsec = nsec, .card = card, .severity = sev, .text = text};
    emit(t, &ev);
}

/* Type descriptors by name, looked up once (the lookup walks every type). */
static asn_TYPE_descriptor_t *type_cached(const char *name)
{
    static struct { const char *name; asn_TYPE_descriptor_t *td; } cache[64];
    static unsigned n;
    for (unsigned i = 0; i < n; i++)
        if (cache[i].name == name || !strcmp(cache[i].name, name))
            return cache[i].td;
    asn_TYPE_descriptor_t *td = esim_asn1_type(name);
    if (td && n < sizeof cache / sizeof cache[0]) {
        esim_asn1_resolve(td);
        cache[n].name = name;
        cache[n++].td = td;
    }
    return td;
}

static json_object *tree_of(esim_trace *t, asn_TYPE_descriptor_t *td, void *value)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "type", json_object_new_string(td->name));
    json_object_object_add(o, "value", esim_tree_json(td, value, &t->topts));
    return o;
}

/* ---- fast path: the session fields of AuthenticateServer and PrepareDownload (whose
 * certificates make a full tree costly) straight from the asn1c structures ---- */

static void os_tid(fields *f, const OCTET_STRING_t *os)
{
    if (!f->tid[0] && os->buf && os->size > 0 && os->size <= ESIM_SESSION_TID_MAX)
        esim_hex(os->buf, (size_t)os->size, f->tid);
}

static void os_text(char *dst, size_t cap, const OCTET_STRING_t *os)
{
    if (!dst[0] && os && os->buf && os->size > 0)
        snprintf(dst, cap, "%.*s", os->size, (const char *)os->buf);
}

static void ctx_params(fields *f, const CtxParams1_t *c)
{
    if (c->present == CtxParams1_PR_ctxParamsForCommonAuthentication)
        os_text(f->matching_id, sizeof f->matching_id,
                c->choice.ctxParamsForCommonAuthentication.matchingId);
}

/* The EID in the eUICC certificate's subject: serialNumber (06 03 55 04 05) as a
 * PrintableString/UTF8String of 32 digits (SGP.22 section 4.5.2.1.0.2). */
static void eid_in_der(fields *f, const uint8_t *d, size_t n)
{
    static const uint8_t oid[] = {0x06, 0x03, 0x55, 0x04, 0x05};
    for (size_t i = 0; !f->eid[0] && i + sizeof oid + 2 + 32 <= n; i++) {
        if (memcmp(d + i, oid, sizeof oid))
            continue;
        const uint8_t *v = d + i + sizeof oid;
        if ((v[0] != 0x13 && v[0] != 0x0C) || v[1] != 32)
            continue;
        size_t k = 0;
        while (k < 32 && v[2 + k] >= '0' && v[2 + k] <= '9')
            k++;
        if (k == 32)
            snprintf(f->eid, sizeof f->eid, "%.32s", (const char *)v + 2);
    }
}

/* Fills f from an AuthenticateServerRequest/Response without building a tree. Returns false
 * when the type is not one of them or does not decode (the caller then decodes normally). */
static void error_code(fields *f, const char *member, const char *type, const INTEGER_t *v)
{
    long code = 0;
    if (f->err_member[0] || asn_INTEGER2long(v, &code) != 0)
        return;
    const char *name = esim_enum_lookup(type, code);
    snprintf(f->err_member, sizeof f->err_member, "%s", member);
    snprintf(f->err_type, sizeof f->err_type, "%s", type);
    snprintf(f->err_name, sizeof f->err_name, "%s", name ? name : "");
    f->err_value = code;
}

/* PrepareDownload (its request carries CERT.DPpb): transactionId and the eUICC's error. */
static bool fast_prepare(asn_TYPE_descriptor_t *td, const uint8_t *d, size_t n, fields *f)
{
    asn_codec_ctx_t ctx = {64 * 1024};
    void *value = NULL;
    asn_dec_rval_t rv = ber_decode(&ctx, td, &value, d, n);
    bool ok = rv.code == RC_OK;
    if (ok && td == &asn_DEF_PrepareDownloadRequest) {
        os_tid(f, &((const PrepareDownloadRequest_t *)value)->smdpSigned2.transactionId);
    } else if (ok) {
        const PrepareDownloadResponse_t *r = value;
        if (r->present == PrepareDownloadResponse_PR_downloadResponseOk) {
            os_tid(f, &r->choice.downloadResponseOk.euiccSigned2.transactionId);
        } else if (r->present == PrepareDownloadResponse_PR_downloadResponseError) {
            os_tid(f, &r->choice.downloadResponseError.transactionId);
            error_code(f, "downloadResponseError", "DownloadErrorCode",
                       &r->choice.downloadResponseError.downloadErrorCode);
        } else {
            ok = false;
        }
    }
    if (value)
        td->free_struct(td, value, 0);
    return ok;
}

static bool fast_fields(asn_TYPE_descriptor_t *td, const uint8_t *d, size_t n, fields *f)
{
    if (td == &asn_DEF_PrepareDownloadRequest || td == &asn_DEF_PrepareDownloadResponse)
        return fast_prepare(td, d, n, f);
    bool req = td == &asn_DEF_AuthenticateServerRequest;
    if (!req && td != &asn_DEF_AuthenticateServerResponse)
        return false;
    asn_codec_ctx_t ctx = {64 * 1024};
    void *value = NULL;
    asn_dec_rval_t rv = ber_decode(&ctx, td, &value, d, n);
    bool ok = rv.code == RC_OK;
    if (ok && req) {
        const AuthenticateServerRequest_t *r = value;
        os_tid(f, &r->serverSigned1.transactionId);
        os_text(f->smdp, sizeof f->smdp, &r->serverSigned1.serverAddress);
        ctx_params(f, &r->ctxParams1);
    } else if (ok) {
        const AuthenticateServerResponse_t *r = value;
        if (r->present == AuthenticateServerResponse_PR_authenticateResponseOk) {
            const EuiccSigned1_t *s1 = &r->choice.authenticateResponseOk.euiccSigned1;
            os_tid(f, &s1->transactionId);
            os_text(f->smdp, sizeof f->smdp, &s1->serverAddress);
            ctx_params(f, &s1->ctxParams1);
            eid_in_der(f, d, n);
        } else if (r->present == AuthenticateServerResponse_PR_authenticateResponseError) {
            const AuthenticateResponseError_t *e = &r->choice.authenticateResponseError;
            os_tid(f, &e->transactionId);
            error_code(f, "authenticateResponseError", "AuthenticateErrorCode",
                       &e->authenticateErrorCode);
        } else {
            ok = false;
        }
    }
    if (value)
        td->free_struct(td, value, 0);
    return ok;
}

/* A decoded message: its tree, or (when no tree is wanted) the asn1c value itself. */
typedef struct decoded_msg {
    json_object *tree;
    asn_TYPE_descriptor_t *td;
    void *value;
} decoded_msg;

/* Decodes one DER object as expected_type when given (the type the protocol step names: plain
 * BER decoding, no trial of other types), else by its tag (esim_asn1_detect). With want_tree the
 * result is a tree (m->tree), else the decoded value (m->td, m->value); nothing when it does not
 * decode or when the fast path filled *fast. */
static void decode_msg(esim_trace *t, const uint8_t *d, size_t n, const char *expected_type,
                       fields *fast, bool want_tree, decoded_msg *m)
{
    *m = (decoded_msg){0};
    if (!n)
        return;
    asn_TYPE_descriptor_t *td = expected_type ? type_cached(expected_type) : NULL;
    if (td && fast && !t->o.decode_trees && fast_fields(td, d, n, fast))
        return;
    if (td) {
        asn_codec_ctx_t ctx = {64 * 1024};
        void *value = NULL;
        asn_dec_rval_t rv = ber_decode(&ctx, td, &value, d, n);
        if (rv.code == RC_OK) {
            if (!want_tree) {
                m->td = td;
                m->value = value;
                return;
            }
            m->tree = tree_of(t, td, value);
            td->free_struct(td, value, 0);
            return;
        }
        if (value)
            td->free_struct(td, value, 0);
    }
    esim_decoded dec;
    esim_error err;
    if (esim_asn1_detect(d, n, &dec, &err) != 0)
        return;
    if (!want_tree) {
        m->td = dec.td;
        m->value = dec.value;
        return;
    }
    m->tree = tree_of(t, dec.td, dec.value);
    esim_decoded_free(&dec);
}

static json_object *decode_tree(esim_trace *t, const uint8_t *d, size_t n,
                                const char *expected_type, fields *fast)
{
    decoded_msg m;
    decode_msg(t, d, n, expected_type, fast, true, &m);
    return m.tree;
}

/* scan(tree_of(...), f, depth) of a decoded message, with or without its tree. */
static void scan_msg(esim_trace *t, const decoded_msg *m, fields *f, int depth)
{
    if (m->tree)
        scan(m->tree, f, depth);
    else if (m->value && depth + 1 <= SCAN_MAX_DEPTH)
        scan_value(t, m->td, m->value, f, depth + 1);
}

static void decoded_msg_free(decoded_msg *m)
{
    json_object_put(m->tree);
    if (m->value)
        m->td->free_struct(m->td, m->value, 0);
    *m = (decoded_msg){0};
}

/* Tag and length of a BER TLV header (1- or 2-byte tag, definite length). */
static bool tlv_header(const uint8_t *d, size_t n, size_t *hdr, size_t *len)
{
    size_t i = 1;
    if (n < 2)
        return false;
    if ((d[0] & 0x1F) == 0x1F) {
        while (i < n && (d[i] & 0x80))
            i++;
        i++;
    }
    if (i >= n)
        return false;
    uint8_t l = d[i++];
    if (l < 0x80) {
        *len = l;
    } else {
        unsigned k = l & 0x7F;
        if (k == 0 || k > 4 || i + k > n)
            return false;
        size_t v = 0;
        for (unsigned j = 0; j < k; j++)
            v = (v << 8) | d[i + j];
        i += k;
        *len = v;
    }
    *hdr = i;
    return true;
}

static bool tid_from_hex(const char *hex, uint8_t *tid, size_t *len)
{
    long n = esim_unhex(hex, strlen(hex), tid, ESIM_SESSION_TID_MAX);
    if (n <= 0)
        return false;
    *len = (size_t)n;
    return true;
}

static esim_session *session_for(esim_trace *t, const char *tid_hex)
{
    uint8_t tid[ESIM_SESSION_TID_MAX];
    size_t n;
    if (!tid_hex || !tid_hex[0] || !tid_from_hex(tid_hex, tid, &n))
        return NULL;
    esim_session *se = esim_sessions_get(t->ss, tid, n);
    return se;
}

/* ---- BPP slots: the two copies of a session's BPP until they are compared ---- */

static bpp_slot *slot_for(esim_trace *t, esim_session *se)
{
    bpp_slot *oldest = &t->slots[0];
    for (int i = 0; i < BPP_SLOTS; i++) {
        if (t->slots[i].se == se)
            return &t->slots[i];
        if (t->slots[i].age < oldest->age)
            oldest = &t->slots[i];
    }
    free(oldest->es9);
    free(oldest->sd);
    *oldest = (bpp_slot){.se = se, .age = ++t->slot_clock};
    return oldest;
}

static void write_file(esim_trace *t, const esim_session *se, const char *what,
                       const uint8_t *d, size_t n, uint64_t frame)
{
    if (!t->o.extract_dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/session%u-%s-%s.bpp", t->o.extract_dir, se->id, se->tid_hex,
             what);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n) {
        finding(t, ESIM_SEV_ERROR, frame, 0, 0, -1, "cannot write %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return;
    }
    fclose(f);
    t->st.bpps_extracted++;
}

/* With a key log: opens the BPP and adds what it holds to the session's timeline. */
static void open_bpp(esim_trace *t, esim_session *se, bpp_slot *sl, const uint8_t *d, size_t n,
                     uint64_t frame, int64_t sec, uint32_t nsec)
{
    if (!t->o.keylog || sl->opened || se->bpp_opened)
        return;
    sl->opened = se->bpp_opened = true;
    esim_bpp bpp;
    esim_error err = {{0}};
    if (esim_bpp_parse(d, n, &bpp, &err) != 0) {
        esim_session_add_step(se, frame, sec, nsec, "BPP", "decrypt", true, "BPP not parsed: %s",
                          err.msg);
        return;
    }
    esim_bpp_opened op;
    if (esim_bpp_open(&bpp, t->o.keylog, &op, &err) != 0) {
        esim_session_add_step(se, frame, sec, nsec, "BPP", "decrypt", false, "not decrypted: %s",
                          err.msg);
        esim_bpp_clear(&bpp);
        return;
    }
    char prof[700] = "";
    esim_metadata md;
    esim_error merr;
    if (op.store_metadata &&
        esim_metadata_decode(op.store_metadata, op.store_metadata_len, &md, &merr) == 0) {
        char iccid[21] = "";
        if (md.has_iccid)
            esim_iccid_digits(md.iccid, sizeof md.iccid, iccid);
        snprintf(prof, sizeof prof, "; profile \"%s\" (%s) ICCID %s", md.name, md.spn,
                 iccid[0] ? iccid : "?");
        esim_session_set(se->iccid, sizeof se->iccid, iccid);
        esim_session_set(se->profile_name, sizeof se->profile_name, md.name);
    }
    /* the decrypted profile package (SAIP), summarised */
    char pkg[300] = "";
    esim_saip_summary sum;
    esim_saip_opts so = {0};
    esim_error serr = {{0}};
    if (op.upp && op.upp_complete) {
        if (esim_saip_decode(op.upp, op.upp_len, &so, &sum, &serr) == 0) {
            snprintf(pkg, sizeof pkg, ": %zu profile elements, type \"%s\", version %u.%u, "
                     "header ICCID %s%s%s", sum.pe_count, sum.profile_type, sum.major_version,
                     sum.minor_version, sum.iccid, sum.imsi[0] ? ", IMSI " : "", sum.imsi);
            esim_saip_summary_free(&sum);
        } else {
            snprintf(pkg, sizeof pkg, ": not a valid profile package (%.200s)", serr.msg);
        }
    }
    esim_session_add_step(se, frame, sec, nsec, "BPP", "decrypt", op.failed != 0,
                          "%zu segments checked, %zu failed (keys: %s)%s%s%s; profile package "
                          "%zu bytes%s%s",
                          op.checked, op.failed, esim_bpp_keysrc_name(op.session_src),
                          op.first_failure[0] ? ": " : "", op.first_failure, prof, op.upp_len,
                          op.upp_complete ? "" : " (incomplete)", pkg);
    esim_bpp_opened_free(&op);
    esim_bpp_clear(&bpp);
}

static void compare_bpp(esim_trace *t, esim_session *se, bpp_slot *sl, uint64_t frame,
                        int64_t sec, uint32_t nsec, int card)
{
    if (!sl->es9 || !sl->sd)
        return;
    size_t n = sl->es9_len < sl->sd_len ? sl->es9_len : sl->sd_len, i = 0;
    while (i < n && sl->es9[i] == sl->sd[i])
        i++;
    se->bpp_match = i == n && sl->es9_len == sl->sd_len;
    se->bpp_diff_at = i;
    if (!se->bpp_match)
        finding(t, ESIM_SEV_ERROR, frame, sec, nsec, card,
                "session %s: the BPP loaded into the eUICC (%zu bytes) differs from the one the "
                "SM-DP+ sent (%zu bytes) from byte %zu on", se->tid_hex, sl->sd_len,
                sl->es9_len, i);
    esim_session_add_step(se, frame, sec, nsec, "BPP", "compare", !se->bpp_match,
                      se->bpp_match ? "BPP from ES9+ and from STORE DATA identical (%zu bytes)"
                                    : "BPP from ES9+ and from STORE DATA differ at byte %zu",
                      se->bpp_match ? sl->sd_len : i);
    free(sl->es9);
    free(sl->sd);
    *sl = (bpp_slot){0};
}

/* ---- ES10 ---- */

static bool is_segment_start(uint8_t b)
{
    return b == 0xA0 || b == 0xA1 || b == 0xA2 || b == 0xA3 || b == 0x86 || b == 0x87 ||
           b == 0x88;
}

static void bpp_append(esim_trace *t, card_state *cs, const uint8_t *d, size_t n,
                       const esim_apdu_event *ev, int card)
{
    if (cs->overflow)
        return;
    if (cs->len + n > BPP_MAX) {
        cs->overflow = true;
        finding(t, ESIM_SEV_WARNING, ev->frame_first, ev->ts_sec, ev->ts_nsec, card,
                "BPP over %u bytes: not reassembled", BPP_MAX);
        return;
    }
    if (cs->len + n > cs->cap) {
        size_t cap = (cs->len + n) * 2;
        if (cap > BPP_MAX)
            cap = BPP_MAX;
        uint8_t *p = realloc(cs->bpp, cap);
        if (!p) {
            cs->overflow = true;
            return;
        }
        cs->bpp = p;
        cs->cap = cap;
    }
    memcpy(cs->bpp + cs->len, d, n);
    cs->len += n;
}

/* Checks the order of a BPP segment (SGP.22 section 2.5.5); returns its description. */
static void segment_order(esim_trace *t, card_state *cs, uint8_t b, const esim_apdu_event *ev,
                          int card, char *desc, size_t cap)
{
    int want;
    switch (b) {
    case 0xA0: want = PART_A0; break;
    case 0xA1: want = PART_A1; break;
    case 0xA2: want = PART_A2; break;
    case 0xA3: want = PART_A3; break;
    default: want = PART_NONE; break;
    }
    if (want != PART_NONE) {
        bool ok = (want == PART_A0 && cs->part == PART_NONE) ||
                  (want == PART_A1 && cs->part == PART_A0) ||
                  (want == PART_A2 && cs->part == PART_A1) ||
                  (want == PART_A3 && (cs->part == PART_A1 || cs->part == PART_A2));
        if (!ok)
            finding(t, ESIM_SEV_ERROR, ev->frame_first, ev->ts_sec, ev->ts_nsec, card,
                    "BPP segment %u: %s ('%02X') out of order (after %s)", cs->segments, 
                    part_names[want], b, cs->part == PART_NONE ? "InitialiseSecureChannel"
                                                               : part_names[cs->part]);
        cs->part = want;
        snprintf(desc, cap, "%s", part_names[want]);
        return;
    }
    int expect = b == 0x88 ? PART_A1 : b == 0x86 ? PART_A3 : PART_A0;
    bool ok = cs->part == expect || (b == 0x87 && cs->part == PART_A2);
    if (!ok)
        finding(t, ESIM_SEV_ERROR, ev->frame_first, ev->ts_sec, ev->ts_nsec, card,
                "BPP segment %u: %s'%02X' segment out of order (inside %s, expected in %s)",
                cs->segments, b == 0x88 ? "MAC-only " : "", b,
                cs->part == PART_NONE ? "InitialiseSecureChannel" : part_names[cs->part],
                part_names[expect]);
    snprintf(desc, cap, "'%02X' segment", b);
}

static void bpp_complete(esim_trace *t, card_state *cs, esim_session *se,
                         const esim_apdu_event *ev, int card)
{
    cs->loading = false;
    if (cs->overflow || !se)
        return;
    se->bpp_len = cs->len;
    write_file(t, se, "storedata", cs->bpp, cs->len, ev->frame_last);
    bpp_slot *sl = slot_for(t, se);
    free(sl->sd);
    sl->sd = cs->bpp;
    sl->sd_len = cs->len;
    cs->bpp = NULL;
    cs->len = cs->cap = 0;
    open_bpp(t, se, sl, sl->sd, sl->sd_len, ev->frame_last, ev->ts_sec, ev->ts_nsec);
    compare_bpp(t, se, sl, ev->frame_last, ev->ts_sec, ev->ts_nsec, card);
}

/* One line for an ES10 step: what it was and the identities it carried. */
static void describe(char *out, size_t cap, const char *desc, const fields *f, uint16_t sw)
{
    /* pieces appended up to cap - 1 bytes: the same text, and truncation, as one snprintf */
    size_t n = 0;
#define PUT(s)                                                                                     \
    do {                                                                                           \
        const char *s_ = (s);                                                                      \
        size_t k_ = strlen(s_);                                                                    \
        if (k_ > cap - 1 - n)                                                                      \
            k_ = cap - 1 - n;                                                                      \
        memcpy(out + n, s_, k_);                                                                   \
        n += k_;                                                                                   \
    } while (0)
    if (!cap)
        return;
    PUT(desc);
    bool any = desc[0];
    const struct { const char *label, *value; } items[] = {
        {"transactionId", f->tid}, {"EID", f->eid}, {"server", f->smdp},
        {"matchingId", f->matching_id}, {"ICCID", f->iccid}, {"profile", f->profile_name}};
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        if (items[i].value[0]) {
            if (any)
                PUT(", ");
            PUT(items[i].label);
            PUT(" ");
            PUT(items[i].value);
            any = true;
        }
    static const char hex[] = "0123456789ABCDEF";
    char swt[8] = {'S', 'W', ' ', hex[sw >> 12], hex[(sw >> 8) & 15], hex[(sw >> 4) & 15],
                   hex[sw & 15], 0};
    if (any)
        PUT(", ");
    PUT(swt);
#undef PUT
    out[n] = 0;
}

/* ES10 commands whose request or response carries session data (transactionId, EID, matching
 * ID, results): decoded even when no trees are wanted. */
static bool session_tag(uint16_t tag)
{
    return tag == 0xBF38 || tag == 0xBF21 || tag == 0xBF41 || tag == 0xBF3E || tag == 0xBF37;
}

static bool pre_session_tag(uint16_t tag)
{
    return tag == 0xBF20 || tag == 0xBF22 || tag == 0xBF2E || tag == 0xBF3C || tag == 0xBF3E;
}

static void on_es10(esim_trace *t, const esim_apdu_event *ev, int card)
{
    card_state *cs = card >= 0 && card < ESIM_PIPE_MAX_CARDS ? &t->cards[card] : NULL;
    const uint8_t *cmd = ev->cmd_data;
    size_t n = ev->cmd_len;
    uint16_t tag = esim_es10_tag(cmd, n);
    const esim_es10_info *info = esim_es10_lookup(tag);
    bool segment = tag == 0xBF36 || (!tag && n && is_segment_start(cmd[0]));
    const char *function = segment ? "LoadBoundProfilePackage" : info ? info->function : "unknown";
    const char *iface = info ? info->iface : segment ? "ES10b" : "ES10";
    char desc[96] = "";
    decoded_msg cm = {0}, rm = {0};
    bool want_tree = t->o.decode_trees || !t->o.no_es10_trees;
    fields f = {0};
    t->st.es10++;

    if (tag == 0xBF36) {
        size_t hdr, len;
        if (tlv_header(cmd, n, &hdr, &len)) {
            decode_msg(t, cmd + hdr, n - hdr, "InitialiseSecureChannelRequest", NULL, want_tree,
                       &cm);
            if (cs) {
                if (cs->loading)
                    finding(t, ESIM_SEV_WARNING, ev->frame_first, ev->ts_sec, ev->ts_nsec, card,
                            "new BPP (BF36) while the previous one was incomplete (%zu of %zu "
                            "bytes)", cs->len, cs->total);
                cs->loading = true;
                cs->len = 0;
                cs->overflow = false;
                cs->total = hdr + len;
                cs->segments = 1;
                cs->part = PART_NONE;
                bpp_append(t, cs, cmd, n, ev, card);
            }
        }
        snprintf(desc, sizeof desc, "segment 1: InitialiseSecureChannel");
    } else if (segment) {
        if (!cs || !cs->loading) {
            finding(t, ESIM_SEV_ERROR, ev->frame_first, ev->ts_sec, ev->ts_nsec, card,
                    "BPP segment ('%02X', %zu bytes) without a preceding InitialiseSecureChannel "
                    "(BF36/BF23)", cmd[0], n);
            snprintf(desc, sizeof desc, "segment without InitialiseSecureChannel");
        } else {
            cs->segments++;
            char d[48];
            segment_order(t, cs, cmd[0], ev, card, d, sizeof d);
            snprintf(desc, sizeof desc, "segment %u: %s", cs->segments, d);
            bpp_append(t, cs, cmd, n, ev, card);
        }
    } else if (tag && (t->o.decode_trees || session_tag(tag))) {
        decode_msg(t, cmd, n, info ? info->request_type : NULL, &f, want_tree, &cm);
    }
    const char *rtype = segment ? "ProfileInstallationResult" : info ? info->response_type : NULL;
    /* a BPP segment answered with data: the ProfileInstallationResult (or an early error) */
    if (ev->rsp_len && (t->o.decode_trees || segment || session_tag(tag)))
        decode_msg(t, ev->rsp_data, ev->rsp_len, rtype, &f, want_tree, &rm);

    scan_msg(t, &cm, &f, 0);
    scan_msg(t, &rm, &f, 0);
    esim_session *se = session_for(t, f.tid);
    if (se && cs) {
        /* AuthenticateServer opens a session; the other steps must carry its transactionId
         * while it is still going (SGP.22 section 3.1.3) */
        bool open = cs->se && !cs->se->installed && !cs->se->failed && !cs->se->cancelled;
        if (cs->se && cs->se != se && tag != 0xBF38 && (segment || open))
            finding(t, ESIM_SEV_ERROR, ev->frame_first, ev->ts_sec, ev->ts_nsec, card,
                    "transactionId mismatch: %s carries %s, the session on this card is %s",
                    function, f.tid, cs->se->tid_hex);
        cs->se = se;
    }
    if (!se && cs && cs->se && (segment || !pre_session_tag(tag)))
        se = cs->se;
    if (!se && pre_session_tag(tag))
        se = esim_sessions_pending(t->ss);

    char summary[400] = "";
    if (se) {
        se->seen_es10 = true;
        if (segment)
            se->seen_bpp = true, se->bpp_segments = cs ? cs->segments : se->bpp_segments + 1;
        if (segment || tag == 0xBF21)
            se->seen_download = true;
        fields_to_session(&f, se);
        bool failed = false;
        if (f.final == 1) {
            se->installed = true;
            snprintf(summary, sizeof summary, "ProfileInstallationResult: successResult");
        } else if (f.final == 2) {
            failed = true;
            const char *why = esim_es10_error_explain("ErrorReason", f.err_reason);
            char code[64], name[96];
            snprintf(code, sizeof code, "errorReason %ld", f.err_reason);
            snprintf(name, sizeof name, "%s", f.err_reason_name[0] ? f.err_reason_name : "?");
            snprintf(summary, sizeof summary,
                     "eUICC rejected BPP: errorReason %ld %s at bppCommandId %ld (%s)%s%s",
                     f.err_reason, name, f.bpp_cmd, f.bpp_cmd_name[0] ? f.bpp_cmd_name : "?",
                     why ? " — " : "", why ? why : "");
            esim_session_fail(se, ev->frame_last, ESIM_SIDE_EUICC, "LoadBoundProfilePackage", code,
                              name, "%s", summary);
        } else if (f.err_member[0]) {
            failed = true;
            const char *why = esim_es10_error_explain(f.err_type, f.err_value);
            char code[64];
            snprintf(code, sizeof code, "%s %ld", f.err_member, f.err_value);
            snprintf(summary, sizeof summary, "eUICC returned %s %ld %s%s%s", f.err_member,
                     f.err_value, f.err_name, why ? " — " : "", why ? why : "");
            esim_session_fail(se, ev->frame_last, ESIM_SIDE_EUICC, function, code, f.err_name,
                              "%s", summary);
        }
        if (tag == 0xBF41 && !failed) {
            se->cancelled = true;
            const char *why = f.has_cancel ? esim_es10_error_explain("CancelSessionReason",
                                                                     f.cancel_value) : NULL;
            snprintf(se->cancel_reason, sizeof se->cancel_reason, "%s",
                     f.cancel_name[0] ? f.cancel_name : "?");
            snprintf(summary, sizeof summary, "CancelSession reason %s%s%s", se->cancel_reason,
                     why ? ": " : "", why ? why : "");
        }
        if (!summary[0])
            describe(summary, sizeof summary, desc, &f, ev->sw);
        esim_session_add_step(se, ev->frame_first, ev->ts_sec, ev->ts_nsec, iface, function, failed,
                          "%s", summary);
    } else if (!summary[0]) {
        describe(summary, sizeof summary, desc, &f, ev->sw);
    }
    if (cs && cs->loading && cs->len >= cs->total && !cs->overflow) {
        if (cs->len > cs->total)
            finding(t, ESIM_SEV_ERROR, ev->frame_first, ev->ts_sec, ev->ts_nsec, card,
                    "BPP segments hold %zu bytes, more than the BF36 length (%zu)", cs->len,
                    cs->total);
        bpp_complete(t, cs, se, ev, card);
    } else if (cs && cs->loading && (f.final || !esim_sw_ok(ev->sw))) {
        cs->loading = false; /* the eUICC ended the load early */
    }

    esim_trace_event te = {.type = ESIM_TRACE_EV_ES10, .frame = ev->frame_first,
                           .frame_last = ev->frame_last, .sec = ev->ts_sec, .nsec = ev->ts_nsec,
                           .card = card, .apdu = ev, .function = function, .iface = iface,
                           .tag = tag, .tid_hex = f.tid, .summary = summary,
                           .command = cm.tree, .response = rm.tree};
    emit(t, &te);
    decoded_msg_free(&cm);
    decoded_msg_free(&rm);
}

/* A STORE DATA on the ISD-R answered with an error: the eUICC refused the ES10 command. */
static void store_data_error(esim_trace *t, const esim_apdu_event *ev, int card)
{
    card_state *cs = card >= 0 && card < ESIM_PIPE_MAX_CARDS ? &t->cards[card] : NULL;
    char m[96], text[300], code[32];
    esim_sw_meaning(ev->sw, m, sizeof m);
    if (cs && cs->loading)
        snprintf(text, sizeof text,
                 "STORE DATA %04X (%s) on LoadBoundProfilePackage segment %u, after segment %u "
                 "was accepted", ev->sw, m, cs->segments + 1, cs->segments);
    else
        snprintf(text, sizeof text, "STORE DATA block %u rejected with %04X (%s)", ev->p2, ev->sw,
                 m);
    finding(t, ESIM_SEV_ERROR, ev->frame_first, ev->ts_sec, ev->ts_nsec, card,
            "unexpected status word on the ISD-R: %s", text);
    esim_session *se = cs && cs->se ? cs->se : NULL;
    if (!se)
        return;
    snprintf(code, sizeof code, "SW %04X", ev->sw);
    esim_session_fail(se, ev->frame_first, ESIM_SIDE_EUICC,
                      cs->loading ? "LoadBoundProfilePackage" : "ES10 (STORE DATA)", code, m,
                      "%s", text);
    esim_session_add_step(se, ev->frame_first, ev->ts_sec, ev->ts_nsec, "APDU", "STORE DATA", true,
                      "%s", text);
}

static void on_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user)
{
    esim_trace *t = user;
    int ci = (int)card->index;
    switch (ev->type) {
    case ESIM_APDU_EV_ES10:
        on_es10(t, ev, ci);
        return;
    case ESIM_APDU_EV_FINDING:
        finding(t, ESIM_SEV_WARNING, ev->frame_first, ev->ts_sec, ev->ts_nsec, ci, "%s (%s)",
                ev->text, card->name);
        return;
    case ESIM_APDU_EV_APDU:
        t->st.apdus++;
        break;
    case ESIM_APDU_EV_ATR:
        break;
    }
    esim_trace_event te = {.type = ESIM_TRACE_EV_APDU, .frame = ev->frame_first,
                           .frame_last = ev->frame_last, .sec = ev->ts_sec, .nsec = ev->ts_nsec,
                           .card = ci, .apdu = ev};
    emit(t, &te);
    if (ev->type == ESIM_APDU_EV_APDU && ev->ins == INS_STORE_DATA && ev->isd_r &&
        !esim_sw_ok(ev->sw))
        store_data_error(t, ev, ci);
}

/* ---- ES9+ / ES11 ---- */

/* Function and interface from the URI (SGP.22 section 6.5.1: /gsma/rsp2/es9plus/<function>,
 * /gsma/rsp2/es11/<function>; the ASN.1 binding (6.6) posts every function of both to
 * /gsma/rsp2/asn1: no function, *iface NULL). */
static bool uri_function(const char *uri, const char **iface, char *fn, size_t cap)
{
    static const struct { const char *prefix, *iface; } p[] = {
        {"/gsma/rsp2/es9plus/", "ES9+"},
        {"/gsma/rsp2/es11/", "ES11"},
        {"/gsma/rsp2/asn1", NULL},
    };
    if (!uri)
        return false;
    const char *u = uri;
    if (!strncmp(u, "http://", 7) || !strncmp(u, "https://", 8)) { /* absolute form */
        u = strchr(u + 8, '/');
        if (!u)
            return false;
    }
    for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) {
        size_t l = strlen(p[i].prefix);
        if (!strncmp(u, p[i].prefix, l)) {
            *iface = p[i].iface;
            if (!p[i].iface) {
                fn[0] = 0;
                return true;
            }
            const char *f = u + l;
            size_t k = strcspn(f, "?/");
            if (k >= cap)
                k = cap - 1;
            memcpy(fn, f, k);
            fn[k] = 0;
            return true;
        }
    }
    return false;
}

static const char *jget_str(json_object *o, const char *k)
{
    json_object *v;
    if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static json_object *jget(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* The ASN.1 binding names the function by the CHOICE alternative of RemoteProfileProvisioning-
 * Request / -Response (SGP.22 6.6). ES9+ and ES11 share initiateAuthentication and the
 * authenticateClient request: only the authenticateClient response (Es9 / Es11) and the ES9+-only
 * functions name the interface (iface NULL: either). */
static const struct { const char *member, *function, *iface; } asn1_alternatives[] = {
    {"initiateAuthenticationRequest", "initiateAuthentication", NULL},
    {"initiateAuthenticationResponse", "initiateAuthentication", NULL},
    {"authenticateClientRequest", "authenticateClient", NULL},
    {"authenticateClientResponseEs9", "authenticateClient", "ES9+"},
    {"authenticateClientResponseEs11", "authenticateClient", "ES11"},
    {"getBoundProfilePackageRequest", "getBoundProfilePackage", "ES9+"},
    {"getBoundProfilePackageResponse", "getBoundProfilePackage", "ES9+"},
    {"cancelSessionRequestEs9", "cancelSession", "ES9+"},
    {"cancelSessionResponseEs9", "cancelSession", "ES9+"},
    {"handleNotification", "handleNotification", "ES9+"},
};

/* The BPP in an ASN.1 binding getBoundProfilePackage response: A2 { BF3A { A0 (the Ok
 * alternative) { 80 transactionId, BF36 ... } } }. */
static bool asn1_binding_bpp(const uint8_t *body, size_t n, const uint8_t **bpp, size_t *len)
{
    esim_tlv top, fn, ok, b;
    esim_error err;
    esim_tlv_iter it;
    if (esim_tlv_parse(body, n, 0, &top, &err) != 0 || top.tag != 0xA2)
        return false;
    esim_tlv_iter_children(&it, &top);
    if (esim_tlv_next(&it, &fn, &err) != 1 || fn.tag != 0xBF3A)
        return false;
    esim_tlv_iter_children(&it, &fn);
    if (esim_tlv_next(&it, &ok, &err) != 1 || ok.tag != 0xA0 ||
        esim_tlv_find_child(&ok, 0xBF36, &b, &err) != 1)
        return false;
    *bpp = b.raw;
    *len = esim_tlv_total(&b);
    return true;
}

/* An ES11 session learnt late (ASN.1 binding): its steps that could be either are ES11. */
static void relabel_es11(esim_session *se)
{
    for (size_t i = 0; i < se->nsteps; i++)
        if (!strcmp(se->steps[i].iface, "ES9+") &&
            (!strcmp(se->steps[i].function, "initiateAuthentication") ||
             !strcmp(se->steps[i].function, "authenticateClient")))
            snprintf(se->steps[i].iface, sizeof se->steps[i].iface, "ES11");
}

/* JSON fields of the ES9+/ES11 binding that carry base64 (SGP.22 section 6.5.2). */
static bool base64_member(const char *k)
{
    static const char *const names[] = {
        "euiccChallenge", "euiccInfo1", "serverSigned1", "serverSignature1",
        "euiccCiPKIdToBeUsed", "serverCertificate", "authenticateServerResponse",
        "profileMetadata", "smdpSigned2", "smdpSignature2", "smdpCertificate",
        "prepareDownloadResponse", "boundProfilePackage", "pendingNotification",
        "cancelSessionResponse", "euiccCiPKId", "eventEntries"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (k[0] == names[i][0] && !strcmp(names[i], k))
            return true;
    return false;
}

static bool valid_base64(const char *s, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static bool table[256], ready;
    if (!ready) {
        for (const char *a = alphabet; *a; a++)
            table[(uint8_t)*a] = true;
        ready = true;
    }
    if (n % 4)
        return false;
    size_t body = n;
    while (body > 0 && n - body < 2 && s[body - 1] == '=') /* at most two '=' at the end */
        body--;
    for (size_t i = 0; i < body; i++)
        if (!table[(uint8_t)s[i]])
            return false;
    return true;
}

/* Base64 ASN.1 fields of the JSON binding that carry what a session needs (transactionId, EID,
 * matching ID, ICCID, profile name, results), with their types (SGP.22 section 6.5.2). */
static const struct { const char *member, *type; } session_fields[] = {
    {"serverSigned1", "ServerSigned1"},
    {"authenticateServerResponse", "AuthenticateServerResponse"},
    {"profileMetadata", "StoreMetadataRequest"},
    {"smdpSigned2", "SmdpSigned2"},
    {"prepareDownloadResponse", "PrepareDownloadResponse"},
    {"pendingNotification", "PendingNotification"},
    {"cancelSessionResponse", "CancelSessionResponse"},
};

/* What scanning the body with only the session fields decoded finds (fast path of
 * esim_es9p_json_annotate, which decodes every field, without building the decoded trees):
 * the fast-path fields in *fast, the others, as scan_member() over every member but
 * transactionId and header, in *inner. */
static void scan_fields(esim_trace *t, json_object *raw, fields *fast, fields *inner)
{
    json_object_object_foreach(raw, k, v) {
        const char *type = NULL;
        for (size_t i = 0; i < sizeof session_fields / sizeof session_fields[0]; i++)
            if (k[0] == session_fields[i].member[0] && !strcmp(k, session_fields[i].member))
                type = session_fields[i].type;
        decoded_msg m = {0};
        if (type && json_object_is_type(v, json_type_string)) {
            gsize n = 0;
            guchar *b = g_base64_decode(json_object_get_string(v), &n);
            if (b && n)
                decode_msg(t, b, n, type, fast, false, &m);
            g_free(b);
        }
        bool scanned = strcmp(k, "transactionId") && strcmp(k, "header");
        if (m.value) {
            /* scan_member(k, {"type", "value": tree}, 0): k is no key scan_member looks at */
            if (scanned)
                scan_msg(t, &m, inner, 1);
            decoded_msg_free(&m);
        } else if (scanned) {
            scan_member(k, v, inner, 0);
        }
    }
}

static void on_http(const esim_http_event *ev, void *user)
{
    esim_trace *t = user;
    if (ev->type == ESIM_HTTP_EV_ERROR) {
        finding(t, ESIM_SEV_WARNING, ev->frame_first, ev->ts_sec, ev->ts_nsec, -1,
                "HTTP flow %llu: %s", (unsigned long long)ev->flow_id, ev->text);
        return;
    }
    bool request = ev->type == ESIM_HTTP_EV_REQUEST;
    const char *iface = NULL;
    char fn[64] = "";
    bool asn1 = ev->content_type && strstr(ev->content_type, "x-gsma-rsp-asn1");
    if (!uri_function(ev->uri, &iface, fn, sizeof fn) && !asn1)
        return; /* not an RSP exchange */
    bool iface_known = iface != NULL; /* the ASN.1 binding may leave ES9+ / ES11 open */
    t->st.es9p++;

    json_object *raw = NULL, *body = NULL;
    fields f = {0};
    const char *status = NULL, *subject = NULL, *reason = NULL, *message = NULL;
    char inner_tid[2 * ESIM_SESSION_TID_MAX + 1] = "";
    char alternative[64] = ""; /* the RemoteProfileProvisioningRequest/-Response alternative */
    bool bpp_b64_ok = false;   /* the boundProfilePackage member is valid base64 */
    if (ev->body_len && asn1) {
        body = decode_tree(t, ev->body, ev->body_len, request ? "RemoteProfileProvisioningRequest"
                                                              : "RemoteProfileProvisioningResponse",
                           NULL);
        if (!body)
            finding(t, ESIM_SEV_WARNING, ev->frame_first, ev->ts_sec, ev->ts_nsec, -1,
                    "%s %s: ASN.1 binding body (%zu bytes) not decodable", iface,
                    request ? "request" : "response", ev->body_len);
        json_object *v = jget(body, "value");
        if (v && json_object_is_type(v, json_type_object) && !fn[0]) {
            json_object_object_foreach(v, k, x) {
                (void)x;
                snprintf(alternative, sizeof alternative, "%s", k);
                snprintf(fn, sizeof fn, "%s", k); /* an alternative of a later version */
                for (size_t i = 0; i < sizeof asn1_alternatives / sizeof *asn1_alternatives; i++)
                    if (!strcmp(k, asn1_alternatives[i].member)) {
                        snprintf(fn, sizeof fn, "%s", asn1_alternatives[i].function);
                        if (asn1_alternatives[i].iface && !iface_known) {
                            iface = asn1_alternatives[i].iface;
                            iface_known = true;
                        }
                    }
                break;
            }
        }
        scan(body, &f, 0);
    } else if (ev->body_len) {
        esim_error err = {{0}};
        raw = t->tok ? esim_es9p_json_parse_with(t->tok, (const char *)ev->body, ev->body_len,
                                                 &err)
                     : esim_es9p_json_parse((const char *)ev->body, ev->body_len, &err);
        if (!raw) {
            finding(t, ESIM_SEV_WARNING, ev->frame_first, ev->ts_sec, ev->ts_nsec, -1,
                    "%s %s %s: body %s", iface, fn, request ? "request" : "response", err.msg);
        } else if (json_object_is_type(raw, json_type_object)) {
            json_object_object_foreach(raw, k, v) {
                const char *s = json_object_is_type(v, json_type_string)
                                    ? json_object_get_string(v) : NULL;
                bool ok = !s || !base64_member(k) || valid_base64(s, strlen(s));
                if (s && !strcmp(k, "boundProfilePackage"))
                    bpp_b64_ok = ok;
                if (!ok)
                    finding(t, ESIM_SEV_WARNING, ev->frame_first, ev->ts_sec, ev->ts_nsec, -1,
                            "%s %s: field %s is not valid base64", iface, fn, k);
            }
            json_object *fes = jget(jget(raw, "header"), "functionExecutionStatus");
            status = jget_str(fes, "status");
            json_object *scd = jget(fes, "statusCodeData");
            subject = jget_str(scd, "subjectCode");
            reason = jget_str(scd, "reasonCode");
            message = jget_str(scd, "message");
            fields fast = {0}, inner = {0};
            if (t->o.decode_trees) {
                body = esim_es9p_json_annotate(raw, &t->topts);
                json_object_object_foreach(body, k2, v2) {
                    if (strcmp(k2, "transactionId") && strcmp(k2, "header"))
                        scan_member(k2, v2, &inner, 0);
                }
            } else {
                scan_fields(t, raw, &fast, &inner);
            }
            /* the top-level transactionId first, then the ones inside the ASN.1 fields */
            const char *top = jget_str(raw, "transactionId");
            if (top)
                scan_member("transactionId", jget(raw, "transactionId"), &f, 0);
            merge_fields(&inner, &fast);
            esim_str_copy(inner_tid, sizeof inner_tid, inner.tid);
            char keep[sizeof f.tid];
            esim_str_copy(keep, sizeof keep, f.tid);
            f = inner;
            esim_str_copy(f.tid, sizeof f.tid, keep[0] ? keep : inner.tid);
            if (jget(raw, "smdpAddress"))
                scan_member("smdpAddress", jget(raw, "smdpAddress"), &f, 0);
            if (jget(raw, "smdsAddress"))
                scan_member("smdsAddress", jget(raw, "smdsAddress"), &f, 0);
        }
    }
    if (inner_tid[0] && f.tid[0] && strcmp(inner_tid, f.tid))
        finding(t, ESIM_SEV_ERROR, ev->frame_first, ev->ts_sec, ev->ts_nsec, -1,
                "transactionId mismatch in %s %s: %s outside, %s inside the signed data", iface,
                fn, f.tid, inner_tid);

    /* a response without transactionId (e.g. a failed one: header only) belongs to the
     * session of its request; without a body in the ASN.1 binding (204) also to its function */
    if (request && (f.tid[0] || !iface_known)) {
        unsigned i = t->flow_next++ % FLOW_TIDS;
        t->flow_tid[i].flow = ev->flow_id;
        snprintf(t->flow_tid[i].tid, sizeof t->flow_tid[i].tid, "%s", f.tid);
        snprintf(t->flow_tid[i].fn, sizeof t->flow_tid[i].fn, "%s", fn);
    } else if (!request && !fn[0]) {
        for (unsigned k = 1; k <= FLOW_TIDS; k++) {
            unsigned i = (t->flow_next - k) % FLOW_TIDS;
            if (t->flow_tid[i].flow == ev->flow_id) {
                snprintf(fn, sizeof fn, "%s", t->flow_tid[i].fn);
                break;
            }
        }
    }
    if (!request && !f.tid[0]) {
        for (unsigned k = 1; k <= FLOW_TIDS; k++) {
            unsigned i = (t->flow_next - k) % FLOW_TIDS;
            if (t->flow_tid[i].tid[0] && t->flow_tid[i].flow == ev->flow_id) {
                snprintf(f.tid, sizeof f.tid, "%s", t->flow_tid[i].tid);
                break;
            }
        }
    }
    esim_session *se = session_for(t, f.tid);
    if (!se && request && !strcmp(fn, "initiateAuthentication"))
        se = esim_sessions_pending(t->ss);
    if (!iface_known && se && se->seen_es11)
        iface = "ES11";
    if (!iface)
        iface = "ES9+"; /* until the session shows otherwise (relabel_es11) */
    char summary[600] = "";
    bool failed = false;
    if (!request) {
        if (status && strcmp(status, "Executed-Success") && strcmp(status, "Executed-WithWarning")) {
            failed = true;
            char expl[200], code[64], name[96];
            esim_es9p_explain(subject, reason, expl, sizeof expl);
            const esim_status_code *sc = esim_es9p_subject(subject), *rc = esim_es9p_reason(reason);
            snprintf(code, sizeof code, "%s/%s", subject ? subject : "?", reason ? reason : "?");
            snprintf(name, sizeof name, "%s: %s", sc ? sc->name : "unknown subject",
                     rc ? rc->name : "unknown reason");
            snprintf(summary, sizeof summary, "%s %s %s (%s) — %s%s%s%s", fn, status, code, name,
                     expl, message ? " (\"" : "", message ? message : "", message ? "\")" : "");
            if (se)
                esim_session_fail(se, ev->frame_first,
                                  !strcmp(iface, "ES11") ? ESIM_SIDE_SMDS : ESIM_SIDE_SMDP, fn,
                                  code, name, "%s", summary);
        } else if (ev->status >= 400) {
            failed = true;
            snprintf(summary, sizeof summary, "%s: HTTP %d %s", fn, ev->status,
                     ev->reason ? ev->reason : "");
            if (se) {
                char code[32];
                snprintf(code, sizeof code, "HTTP %d", ev->status);
                esim_session_fail(se, ev->frame_first,
                                  !strcmp(iface, "ES11") ? ESIM_SIDE_SMDS : ESIM_SIDE_SMDP, fn,
                                  code, ev->reason, "%s", summary);
            }
        } else if (f.err_member[0]) {
            failed = true;
            /* an ASN.1 binding error: explained as the status code it stands for */
            const esim_status_pair *sp = esim_es9p_asn1_error(alternative, f.err_value);
            char expl[200] = "";
            if (sp) {
                const esim_status_code *sc = esim_es9p_subject(sp->subject),
                                       *rc = esim_es9p_reason(sp->reason);
                snprintf(expl, sizeof expl, " — %s (%s/%s %s: %s)", sp->meaning, sp->subject,
                         sp->reason, sc ? sc->name : "?", rc ? rc->name : "?");
            }
            snprintf(summary, sizeof summary, "%s: %s %ld %s%s", fn, f.err_member, f.err_value,
                     f.err_name, expl);
            if (se) {
                char code[64];
                snprintf(code, sizeof code, "%s %ld", f.err_member, f.err_value);
                esim_session_fail(se, ev->frame_first,
                                  !strcmp(iface, "ES11") ? ESIM_SIDE_SMDS : ESIM_SIDE_SMDP, fn,
                                  code, f.err_name, "%s", summary);
            }
        } else {
            snprintf(summary, sizeof summary, "%s response %d%s%s", fn, ev->status,
                     status ? " " : "", status ? status : "");
        }
    } else {
        snprintf(summary, sizeof summary, "%s request%s%s", fn, f.tid[0] ? " " : "", f.tid);
    }
    if (se) {
        if (!strcmp(iface, "ES11")) {
            if (!se->seen_es11)
                relabel_es11(se);
            se->seen_es11 = true;
        } else if (iface_known) {
            se->seen_es9p = true;
        }
        fields_to_session(&f, se);
        if (!strcmp(fn, "getBoundProfilePackage"))
            se->seen_download = true;
        if (f.final == 1)
            se->installed = true;
        if (f.final == 2 && !failed) {
            char code[64];
            snprintf(code, sizeof code, "errorReason %ld", f.err_reason);
            esim_session_fail(se, ev->frame_first, ESIM_SIDE_EUICC, "LoadBoundProfilePackage",
                              code, f.err_reason_name,
                              "eUICC reported errorReason %ld %s at bppCommandId %ld (%s) in "
                              "its notification", f.err_reason, f.err_reason_name, f.bpp_cmd,
                              f.bpp_cmd_name);
        }
        if (request && !strcmp(fn, "cancelSession")) {
            se->cancelled = true;
            snprintf(se->cancel_reason, sizeof se->cancel_reason, "%s",
                     f.cancel_name[0] ? f.cancel_name : "?");
        }
        esim_session_add_step(se, ev->frame_first, ev->ts_sec, ev->ts_nsec, iface, fn, failed, "%s",
                          summary);
        /* the BPP as the SM-DP+ sent it (base64 in JSON, a component in the ASN.1 binding) */
        const char *b64 = !request ? jget_str(raw, "boundProfilePackage") : NULL;
        const uint8_t *der = NULL;
        size_t der_len = 0;
        if (!request && asn1 && body && se->tid_len)
            asn1_binding_bpp(ev->body, ev->body_len, &der, &der_len);
        if ((b64 && se->tid_len && bpp_b64_ok) || der) {
            gsize blen = der_len;
            guchar *bpp = der ? g_memdup2(der, der_len) : g_base64_decode(b64, &blen);
            if (bpp && blen && blen <= BPP_MAX) {
                se->seen_bpp = true;
                se->bpp_len = blen;
                write_file(t, se, "es9p", bpp, blen, ev->frame_first);
                bpp_slot *sl = slot_for(t, se);
                free(sl->es9);
                sl->es9 = malloc(blen);
                if (sl->es9) {
                    memcpy(sl->es9, bpp, blen);
                    sl->es9_len = blen;
                    open_bpp(t, se, sl, sl->es9, sl->es9_len, ev->frame_first, ev->ts_sec,
                             ev->ts_nsec);
                    compare_bpp(t, se, sl, ev->frame_first, ev->ts_sec, ev->ts_nsec, -1);
                }
            }
            g_free(bpp);
        }
    }
    esim_trace_event te = {.type = ESIM_TRACE_EV_ES9P, .frame = ev->frame_first,
                           .frame_last = ev->frame_last, .sec = ev->ts_sec, .nsec = ev->ts_nsec,
                           .card = -1, .function = fn,
                           /* the event goes out now: say so when the binding leaves it open */
                           .iface = iface_known || !strcmp(iface, "ES11") ? iface : "ES9+/ES11",
                           .tid_hex = f.tid, .summary = summary, .request = request,
                           .http_status = request ? 0 : ev->status, .uri = ev->uri,
                           .status = status, .subject_code = subject, .reason_code = reason,
                           .body = t->o.decode_trees ? body : NULL};
    emit(t, &te);
    json_object_put(body);
    json_object_put(raw);
}

static void on_warning(uint64_t frame, const char *msg, void *user)
{
    finding(user, ESIM_SEV_WARNING, frame, 0, 0, -1, "%s", msg);
}

/* ---- public ---- */

esim_trace *esim_trace_new(const esim_trace_opts *o, esim_trace_cb cb, void *user)
{
    esim_trace *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (o)
        t->o = *o;
    t->topts.show_keys = t->o.show_keys;
    t->cb = cb;
    t->user = user;
    t->ss = esim_sessions_new();
    if (!t->ss) {
        free(t);
        return NULL;
    }
    t->tok = json_tokener_new_ex(64);
    for (int i = 0; i < ESIM_PIPE_MAX_CARDS; i++)
        t->cards[i].part = PART_NONE;
    return t;
}

void esim_trace_free(esim_trace *t)
{
    if (!t)
        return;
    for (int i = 0; i < ESIM_PIPE_MAX_CARDS; i++)
        free(t->cards[i].bpp);
    for (int i = 0; i < BPP_SLOTS; i++) {
        free(t->slots[i].es9);
        free(t->slots[i].sd);
    }
    esim_sessions_free(t->ss);
    if (t->tok)
        json_tokener_free(t->tok);
    free(t);
}

esim_pipe_handlers esim_trace_handlers(esim_trace *t)
{
    return (esim_pipe_handlers){.apdu = on_apdu, .http = on_http, .warning = on_warning,
                                .user = t};
}

void esim_trace_finish(esim_trace *t)
{
    if (t->finished)
        return;
    t->finished = true;
    for (int i = 0; i < ESIM_PIPE_MAX_CARDS; i++) {
        card_state *cs = &t->cards[i];
        if (cs->loading && cs->se && !cs->se->failed)
            esim_session_add_step(cs->se, cs->se->last_frame, cs->se->t1_sec, cs->se->t1_nsec,
                              "ES10b", "LoadBoundProfilePackage", false,
                              "capture ended during the BPP load: %u segments, %zu of %zu bytes",
                              cs->segments, cs->len, cs->total);
    }
    size_t n = esim_sessions_count(t->ss);
    /* a session that stopped after authentication while a later one went on: an SM-DS event
     * retrieval (or a server probe), not an interrupted download */
    for (size_t i = 0; i + 1 < n; i++) {
        esim_session *se = esim_sessions_at(t->ss, i);
        for (size_t j = i + 1; j < n; j++)
            if (esim_sessions_at(t->ss, j)->first_frame > se->last_frame)
                se->auth_only = true;
    }
    for (size_t i = 0; i < n; i++) {
        esim_session *se = esim_sessions_at(t->ss, i);
        esim_verdict v = esim_session_verdict(se);
        t->st.verdicts[v]++;
        esim_trace_event te = {.type = ESIM_TRACE_EV_SESSION, .frame = se->first_frame,
                               .frame_last = se->last_frame, .sec = se->t0_sec,
                               .nsec = se->t0_nsec, .card = -1, .session = se};
        emit(t, &te);
    }
    t->st.sessions = n;
    t->st.sessions_dropped = esim_sessions_dropped(t->ss);
}

const esim_trace_stats *esim_trace_get_stats(const esim_trace *t)
{
    return &t->st;
}

esim_sessions *esim_trace_sessions(esim_trace *t)
{
    return t->ss;
}

static int run(esim_trace *t, esim_capture *c, const char *name, esim_error *err)
{
    esim_pipe_handlers h = esim_trace_handlers(t);
    esim_pipe *p = esim_pipe_new(&h);
    if (!p) {
        esim_capture_close(c);
        return esim_error_set(err, "out of memory");
    }
    esim_packet pk;
    int r;
    uint64_t count = 0;
    while ((r = esim_capture_next(c, &pk, err)) == 1) {
        esim_pipe_packet(p, &pk);
        if (t->o.progress && !(++count & 0xFFFF))
            t->o.progress(count, t->o.progress_user);
    }
    esim_pipe_finish(p);
    t->st.pipe = *esim_pipe_get_stats(p);
    esim_pipe_free(p);
    esim_capture_close(c);
    if (r < 0) {
        esim_error_prefix(err, "%s", name);
        finding(t, ESIM_SEV_ERROR, 0, 0, 0, -1, "capture breaks off: %s", err->msg);
    }
    esim_trace_finish(t);
    return 0;
}

int esim_trace_run_file(esim_trace *t, const char *path, esim_error *err)
{
    esim_capture *c = esim_capture_open(path, err);
    if (!c)
        return -1;
    return run(t, c, path, err);
}

int esim_trace_run_capture(esim_trace *t, esim_capture *c, const char *name, esim_error *err)
{
    return run(t, c, name, err);
}

int esim_trace_run_mem(esim_trace *t, const uint8_t *d, size_t n, esim_error *err)
{
    esim_capture *c = esim_capture_open_mem(d, n, err);
    if (!c)
        return -1;
    return run(t, c, "capture", err);
}
