/* What a decoded ES10 / ES9+ / ES11 message carries for its session: transactionId, EID, ICCID,
 * matching ID, SM-DP+ address, results and error codes (see trace_internal.h). From a tree, from
 * asn1c's value stream without a tree, or by the fast path for the messages every download has. */
#include "trace_internal.h"

/* ---- fields of interest in decoded messages ---- */


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


void tr_scan_member(const char *k, json_object *v, fields *f, int depth)
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
    tr_scan(v, f, depth + 1);
}

/* The EID in an eUICC certificate: subject serialNumber (OID 2.5.4.5) holding 32 digits
 * (SGP.22 section 4.5.2.1.0.2), here as the hex of its DER string. */
static void cert_eid(json_object *o, fields *f)
{
    const char *oid = tr_jget_str(tr_jget(o, "type"), "oid");
    json_object *v = tr_jget(o, "value");
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

void tr_scan(json_object *o, fields *f, int depth)
{
    if (!o || depth > 40)
        return;
    if (json_object_is_type(o, json_type_object)) {
        cert_eid(o, f);
        json_object_object_foreach(o, k, v) tr_scan_member(k, v, f, depth);
    } else if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            tr_scan(json_object_array_get_idx(o, i), f, depth + 1);
    }
}

/* Adds what src found and dst did not. */
void tr_merge_fields(fields *dst, const fields *src)
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

/* ---- the same fields without a tree: tr_scan() over esim_tree_scan's stream. A member is taken
 * as JSON (and given to scan_member/scan) only where tr_scan() would look at it itself: the named
 * leaves, finalResult/reason/...Error, and objects with "type" and "value" members (cert_eid);
 * every other container is descended into with tr_scan()'s depth, every other leaf skipped. ---- */

#define SCAN_MAX_DEPTH 40 /* tr_scan()'s bound */

typedef struct stream {
    fields *f;
    int root_depth;            /* tr_scan() depth of the value's root */
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
        return ESIM_TREE_SKIP; /* the root or a list item: tr_scan() ignores plain values there */
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
        tr_scan(json, s->f, s->root_depth);
    else if (s->list[s->top - 1] || !name)
        tr_scan(json, s->f, s->depth[s->top - 1] + 1);
    else
        tr_scan_member(name, json, s->f, s->depth[s->top - 1]);
}

/* What tr_scan(tree, f, depth) finds in the tree of value, without building the tree. */
static void scan_value(esim_trace *t, asn_TYPE_descriptor_t *td, const void *value, fields *f,
                       int depth)
{
    stream s = {.f = f, .root_depth = depth};
    esim_tree_scanner sc = {stream_want, stream_enter, stream_value, stream_leave, &s};
    esim_tree_scan(td, value, &t->topts, &sc);
}

void tr_fields_to_session(const fields *f, esim_session *se)
{
    esim_session_set(se->eid, sizeof se->eid, f->eid);
    esim_session_set(se->iccid, sizeof se->iccid, f->iccid);
    esim_session_set(se->matching_id, sizeof se->matching_id, f->matching_id);
    esim_session_set(se->smdp_address, sizeof se->smdp_address, f->smdp);
    esim_session_set(se->profile_name, sizeof se->profile_name, f->profile_name);
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

static void eid_in_der(fields *f, const uint8_t *d, size_t n)
{
    if (!f->eid[0])
        esim_eid_in_certificate(d, n, f->eid);
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

/* Decodes one DER object as expected_type when given (the type the protocol step names: plain
 * BER decoding, no trial of other types), else by its tag (esim_asn1_detect). With want_tree the
 * result is a tree (m->tree), else the decoded value (m->td, m->value); nothing when it does not
 * decode or when the fast path filled *fast. */
void tr_decode_msg(esim_trace *t, const uint8_t *d, size_t n, const char *expected_type,
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

json_object *tr_decode_tree(esim_trace *t, const uint8_t *d, size_t n,
                                const char *expected_type, fields *fast)
{
    decoded_msg m;
    tr_decode_msg(t, d, n, expected_type, fast, true, &m);
    return m.tree;
}

/* tr_scan(tree_of(...), f, depth) of a decoded message, with or without its tree. */
void tr_scan_msg(esim_trace *t, const decoded_msg *m, fields *f, int depth)
{
    if (m->tree)
        tr_scan(m->tree, f, depth);
    else if (m->value && depth + 1 <= SCAN_MAX_DEPTH)
        scan_value(t, m->td, m->value, f, depth + 1);
}

void tr_decoded_msg_free(decoded_msg *m)
{
    json_object_put(m->tree);
    if (m->value)
        m->td->free_struct(m->td, m->value, 0);
    *m = (decoded_msg){0};
}

/* Tag and length of a BER TLV header (1- or 2-byte tag, definite length). */
bool tr_tlv_header(const uint8_t *d, size_t n, size_t *hdr, size_t *len)
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

const char *tr_jget_str(json_object *o, const char *k)
{
    json_object *v;
    if (o && json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

json_object *tr_jget(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

