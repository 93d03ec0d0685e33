/* ES9+ / ES11 over HTTP (SGP.22 section 6): the JSON binding (6.5, every ASN.1 object as a
 * base64 string) on the URIs /gsma/rsp2/es9plus/<function> and /gsma/rsp2/es11/<function>, and
 * the ASN.1 binding (6.6, media type application/x-gsma-rsp-asn1). The JSON dissector still
 * shows the body; this part adds the function, the status and each base64 field decoded as its
 * ASN.1 type (a new data source per field). */
#include <string.h>
#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/expert.h>
#include <epan/dissectors/packet-http.h>
#include <json-c/json.h>
#include "esim/es9p_json.h"
#include "esim/es9p_status.h"
#include "packet-esim.h"

static int hf_es9p_function = -1;
static int hf_es9p_iface = -1;
static int hf_es9p_status = -1;
static int hf_es9p_subject = -1;
static int hf_es9p_reason = -1;
static int hf_es9p_field = -1;
static int hf_es9p_raw = -1;
static gint ett_es9p = -1, ett_es9p_field = -1;
static expert_field ei_es9p_failed = EI_INIT;
static expert_field ei_es9p_json = EI_INIT;

static dissector_handle_t json_handle;
static int proto_http = -1;

typedef struct es9p_frame {
    const char *uri;   /* request URI of the exchange (file scope), NULL: not ES9+/ES11 */
    const char *tid;   /* transactionId of the request of this exchange (responses) */
} es9p_frame;

static wmem_map_t *request_tid;  /* HTTP conversation -> transactionId of its last request */
static wmem_map_t *request_fn;   /* HTTP conversation -> "iface\tfunction" of its request that
                                  * waits for a response (first pass) */

/* First pass: the function of a request, for a response that comes without a body (204 to
 * handleNotification, SGP.22 6.5.2.4), which no media type brings to this dissector. */
static void note_exchange(packet_info *pinfo, bool response, const char *iface, const char *fn)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (!conv || PINFO_FD_VISITED(pinfo))
        return;
    if (response)
        wmem_map_remove(request_fn, conv);
    else
        wmem_map_insert(request_fn, conv,
                        wmem_strdup_printf(wmem_file_scope(), "%s\t%s", iface, fn));
}

static const char *exchange_uri(packet_info *pinfo)
{
    es9p_frame *f = (es9p_frame *)p_get_proto_data(wmem_file_scope(), pinfo, proto_esim, 1);
    if (!f) {
        f = wmem_new0(wmem_file_scope(), es9p_frame);
        /* first pass: the HTTP conversation holds the URI of the request being answered */
        conversation_t *conv = find_conversation_pinfo(pinfo, 0);
        http_conv_t *hc = conv && proto_http > 0
                              ? (http_conv_t *)conversation_get_proto_data(conv, proto_http) : NULL;
        if (hc && hc->request_uri && strstr(hc->request_uri, "/gsma/rsp2/"))
            f->uri = wmem_strdup(wmem_file_scope(), hc->request_uri);
        p_add_proto_data(wmem_file_scope(), pinfo, proto_esim, 1, f);
    }
    return f->uri;
}

/* A response without transactionId (a Failed status, an ASN.1 binding error alternative) belongs
 * to the session of its request: the transactionId of the last request on the HTTP conversation.
 * Needs the frame's es9p_frame (exchange_uri). */
static void exchange_tid(packet_info *pinfo, bool response, char *tid, size_t cap)
{
    es9p_frame *f = (es9p_frame *)p_get_proto_data(wmem_file_scope(), pinfo, proto_esim, 1);
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    if (f && conv && !PINFO_FD_VISITED(pinfo)) {
        if (!response && tid[0])
            wmem_map_insert(request_tid, conv, wmem_strdup(wmem_file_scope(), tid));
        else if (response)
            f->tid = (const char *)wmem_map_lookup(request_tid, conv);
    }
    if (!tid[0] && f && f->tid)
        g_strlcpy(tid, f->tid, cap);
}

typedef struct walk {
    tvbuff_t *tvb;
    packet_info *pinfo;
    proto_tree *tree;
    proto_item *top;
    unsigned fields;
    esim_asn1_summary agg;  /* what the message says, for the tap */
} walk;

static void merge(esim_asn1_summary *a, const esim_asn1_summary *b)
{
    if (!a->tid[0])
        g_strlcpy(a->tid, b->tid, sizeof a->tid);
    if (!a->eid[0])
        g_strlcpy(a->eid, b->eid, sizeof a->eid);
    if (!a->iccid[0])
        g_strlcpy(a->iccid, b->iccid, sizeof a->iccid);
    if (!a->matching_id[0])
        g_strlcpy(a->matching_id, b->matching_id, sizeof a->matching_id);
    if (!strcmp(b->type, "ProfileInstallationResult") || (!a->result[0] && b->result[0])) {
        g_strlcpy(a->type, b->type, sizeof a->type);
        g_strlcpy(a->result, b->result, sizeof a->result);
    }
    if (b->error && !a->error) {
        a->error = true;
        g_strlcpy(a->err_text, b->err_text, sizeof a->err_text);
    }
}

static void walk_json(walk *w, const char *key, json_object *o, int depth);

static void base64_field(walk *w, const char *key, const char *s)
{
    size_t slen = strlen(s);
    if (!esim_es9p_is_base64_field(s, slen) || w->fields >= 64)
        return;
    gsize n = 0;
    guchar *der = g_base64_decode(s, &n);
    if (!der || n == 0) {
        g_free(der);
        return;
    }
    w->fields++;
    /* Wireshark 4.0 does not export base64_to_tvb: a child tvb over the decoded bytes */
    guchar *copy = (guchar *)wmem_memdup(w->pinfo->pool, der, n);
    g_free(der);
    tvbuff_t *child = tvb_new_child_real_data(w->tvb, copy, (guint)n, (gint)n);
    add_new_data_source(w->pinfo, child, key);
    /* the string in the body (json-c keeps no offsets): its first occurrence */
    int at = 0, alen = -1;
    int blen = (int)tvb_captured_length(w->tvb);
    const char *body = (const char *)tvb_get_ptr(w->tvb, 0, blen);
    const char *hit = slen <= (size_t)blen ? g_strstr_len(body, blen, s) : NULL;
    if (hit) {
        at = (int)(hit - body);
        alen = (int)slen;
    }
    proto_tree *st = proto_tree_add_subtree_format(w->tree, w->tvb, at, alen, ett_es9p_field,
                                                   NULL, "%s (base64, %zu bytes)", key, (size_t)n);
    proto_tree_add_string(st, hf_es9p_field, w->tvb, at, alen, key);
    esim_asn1_summary sum;
    if (n >= 2 && copy[0] == 0xBF && copy[1] == 0x36)
        esim_dissect_bpp(child, 0, (int)n, w->pinfo, st, &sum);
    else if (!esim_try_asn1(child, 0, (int)n, w->pinfo, st, key, &sum))
        proto_tree_add_bytes_format(st, hf_es9p_raw, child, 0, (int)n, NULL,
                                    "%s: %zu bytes (not an SGP.22 ASN.1 object)", key, (size_t)n);
    merge(&w->agg, &sum);
}

static void walk_json(walk *w, const char *key, json_object *o, int depth)
{
    if (!o || depth > 16)
        return;
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v) walk_json(w, k, v, depth + 1);
    } else if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n && i < 256; i++)
            walk_json(w, key, json_object_array_get_idx(o, i), depth + 1);
    } else if (json_object_is_type(o, json_type_string)) {
        const char *s = json_object_get_string(o);
        if (!strcmp(key, "transactionId") && !w->agg.tid[0] && strlen(s) < sizeof w->agg.tid)
            g_strlcpy(w->agg.tid, s, sizeof w->agg.tid);
        if (!strcmp(key, "matchingId") && !w->agg.matching_id[0])
            g_strlcpy(w->agg.matching_id, s, sizeof w->agg.matching_id);
        if (!strcmp(key, "transactionId"))
            proto_item_set_generated(proto_tree_add_string(w->tree, hf_esim_transaction_id, w->tvb,
                                                           0, -1, s));
        else if (!strcmp(key, "matchingId"))
            proto_item_set_generated(proto_tree_add_string(w->tree, hf_esim_matching_id, w->tvb,
                                                           0, -1, s));
        else
            base64_field(w, key, s);
    }
}

static json_object *get_path(json_object *o, const char *a, const char *b, const char *c)
{
    const char *path[3] = {a, b, c};
    for (int i = 0; i < 3 && path[i] && o; i++)
        if (!json_object_object_get_ex(o, path[i], &o))
            return NULL;
    return o;
}

static const char *str_at(json_object *o, const char *a, const char *b, const char *c)
{
    json_object *v = get_path(o, a, b, c);
    return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* "/gsma/rsp2/es9plus/authenticateClient" -> iface "ES9+", function "authenticateClient" */
static bool split_uri(const char *uri, char *iface, size_t icap, char *fn, size_t fcap)
{
    const char *p = uri ? strstr(uri, "/gsma/rsp2/") : NULL;
    if (!p)
        return false;
    p += strlen("/gsma/rsp2/");
    const char *slash = strchr(p, '/');
    if (!slash)
        return false;
    if (!strncmp(p, "es9plus", (size_t)(slash - p)))
        g_strlcpy(iface, "ES9+", icap);
    else if (!strncmp(p, "es11", (size_t)(slash - p)))
        g_strlcpy(iface, "ES11", icap);
    else
        g_snprintf(iface, (gulong)icap, "%.*s", (int)(slash - p), p);
    g_snprintf(fn, (gulong)fcap, "%.*s", (int)strcspn(slash + 1, "?/ "), slash + 1);
    return true;
}

static void add_function(proto_tree *tree, tvbuff_t *tvb, packet_info *pinfo, const char *iface,
                         const char *fn, bool response)
{
    proto_tree_add_string(tree, hf_es9p_function, tvb, 0, -1, fn);
    proto_tree_add_string(tree, hf_es9p_iface, tvb, 0, -1, iface);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "eSIM");
    col_add_fstr(pinfo->cinfo, COL_INFO, "%s %s%s", iface, fn, response ? " response" : "");
}

static int dissect_es9p_json(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    int len = (int)tvb_captured_length(tvb);
    if (json_handle)
        call_dissector_with_data(json_handle, tvb, pinfo, tree, data);
    const char *uri = exchange_uri(pinfo);
    char iface[16], fn[64];
    if (!split_uri(uri, iface, sizeof iface, fn, sizeof fn) || len <= 0)
        return len;
    http_message_info_t *mi = (http_message_info_t *)data;
    bool response = mi && mi->type == HTTP_RESPONSE;
    proto_item *ti = proto_tree_add_item(tree, proto_esim, tvb, 0, -1, ENC_NA);
    proto_tree *et = proto_item_add_subtree(ti, ett_es9p);
    add_function(et, tvb, pinfo, iface, fn, response);
    proto_item_append_text(ti, ": %s %s%s", iface, fn, response ? " response" : "");
    esim_error err;
    json_object *body = esim_es9p_json_parse((const char *)tvb_get_ptr(tvb, 0, len), (size_t)len, &err);
    if (!body) {
        expert_add_info_format(pinfo, ti, &ei_es9p_json, "Body is not JSON: %s", err.msg);
        return len;
    }
    char fail_code[64] = "", fail_text[256] = "";
    const char *status = str_at(body, "header", "functionExecutionStatus", "status");
    if (status) {
        proto_tree_add_string(et, hf_es9p_status, tvb, 0, -1, status);
        col_append_fstr(pinfo->cinfo, COL_INFO, " %s", status);
        json_object *scd = get_path(body, "header", "functionExecutionStatus", "statusCodeData");
        const char *s = scd ? str_at(scd, "subjectCode", NULL, NULL) : NULL;
        const char *r = scd ? str_at(scd, "reasonCode", NULL, NULL) : NULL;
        if (s)
            proto_tree_add_string(et, hf_es9p_subject, tvb, 0, -1, s);
        if (r)
            proto_tree_add_string(et, hf_es9p_reason, tvb, 0, -1, r);
        if (s && r) {
            char buf[256];
            esim_es9p_explain(s, r, buf, sizeof buf);
            snprintf(fail_code, sizeof fail_code, "%s/%s", s, r);
            snprintf(fail_text, sizeof fail_text, "%s", buf);
            col_append_fstr(pinfo->cinfo, COL_INFO, " %s/%s", s, r);
            expert_add_info_format(pinfo, ti, &ei_es9p_failed, "%s %s failed: subjectCode %s "
                                   "reasonCode %s: %s", iface, fn, s, r, buf);
        }
    }
    walk w = {.tvb = tvb, .pinfo = pinfo, .tree = et, .top = ti};
    walk_json(&w, "", body, 0);
    for (char *p = w.agg.tid; *p; p++)
        *p = g_ascii_toupper(*p);
    exchange_tid(pinfo, response, w.agg.tid, sizeof w.agg.tid);
    note_exchange(pinfo, response, iface, fn);
    esim_tap_message(pinfo, iface, fn, response, &w.agg, fail_code[0] ? fail_code : NULL,
                     fail_text[0] ? fail_text : NULL);
    json_object_put(body);
    return len;
}

/* ASN.1 binding (SGP.22 6.6): every function of ES9+ and ES11 posts to /gsma/rsp2/asn1; the
 * body is a RemoteProfileProvisioningRequest / -Response ([2] CHOICE, tag A2) whose alternative
 * names the function. ES9+ and ES11 share initiateAuthentication and the authenticateClient
 * request (interface "ES9+/11"); the authenticateClient response tells them apart (BF3B / BF40). */
static const struct {
    guint32 tag;
    const char *function, *iface;
} asn1_functions[] = {
    {0xBF39, "initiateAuthentication", "ES9+/11"},
    {0xBF3B, "authenticateClient", "ES9+"},
    {0xBF40, "authenticateClient", "ES11"},
    {0xBF3A, "getBoundProfilePackage", "ES9+"},
    {0xBF41, "cancelSession", "ES9+"},
    {0xBF3D, "handleNotification", "ES9+"},
};

/* The TLV at off (tag as written, e.g. 0xBF3A); false when it does not fit in [off, end). */
static bool tlv_at(tvbuff_t *tvb, int off, int end, guint32 *tag, int *hdr, int *total)
{
    guint8 b[8];
    int avail = end - off < (int)sizeof b ? end - off : (int)sizeof b;
    if (avail < 2)
        return false;
    tvb_memcpy(tvb, b, off, avail);
    /* tag of at most 3 bytes, definite length of at most 4 bytes (DER) */
    size_t tl = (b[0] & 0x1f) == 0x1f ? ((b[1] & 0x80) ? 3 : 2) : 1;
    if ((int)tl >= avail)
        return false;
    size_t ll = b[tl] < 0x80 ? 1 : 1 + (size_t)(b[tl] & 0x7f);
    if ((int)(tl + ll) > avail || ll > 4)
        return false;
    size_t len = b[tl] < 0x80 ? b[tl] : 0;
    for (size_t i = 1; i < ll; i++)
        len = len << 8 | b[tl + i];
    *tag = 0;
    for (size_t i = 0; i < tl; i++)
        *tag = *tag << 8 | b[i];
    *hdr = (int)(tl + ll);
    if (len > (size_t)(end - off - *hdr))
        return false;
    *total = *hdr + (int)len;
    return true;
}

static int dissect_es9p_asn1(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    int len = (int)tvb_captured_length(tvb);
    (void)exchange_uri(pinfo); /* marks the frame as read by an ES9+ dissector */
    proto_item *ti = proto_tree_add_item(tree, proto_esim, tvb, 0, -1, ENC_NA);
    proto_tree *et = proto_item_add_subtree(ti, ett_es9p);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "eSIM");
    esim_asn1_summary sum;
    http_message_info_t *mi = (http_message_info_t *)data;
    bool response = mi && mi->type == HTTP_RESPONSE;
    /* both are [2] CHOICE (SGP.22 6.6.1): the HTTP message type tells them apart */
    const char *type = response ? "RemoteProfileProvisioningResponse"
                                : "RemoteProfileProvisioningRequest";
    guint32 tag = 0, inner = 0;
    int hdr = 0, total = 0, ihdr = 0, itotal = 0;
    bool wrapped = tlv_at(tvb, 0, len, &tag, &hdr, &total) && tag == 0xA2 &&
                   tlv_at(tvb, hdr, total, &inner, &ihdr, &itotal);
    if (len >= 1 && tvb_get_guint8(tvb, 0) != 0xA2)
        type = NULL;
    const char *fn = NULL, *iface = "ES9+";
    for (size_t i = 0; wrapped && i < G_N_ELEMENTS(asn1_functions); i++)
        if (asn1_functions[i].tag == inner) {
            fn = asn1_functions[i].function;
            /* the authenticateClient request (BF3B) goes to an SM-DP+ or an SM-DS */
            iface = inner == 0xBF3B && !response ? "ES9+/11" : asn1_functions[i].iface;
        }
    if (fn) {
        add_function(et, tvb, pinfo, iface, fn, response);
        proto_item_append_text(ti, ": %s %s%s (ASN.1 binding)", iface, fn,
                               response ? " response" : "");
    }
    if (!esim_dissect_asn1(tvb, 0, len, pinfo, et, type, ESIM_ASN1_ANY, &sum))
        return len;
    if (!fn) {
        proto_tree_add_string(et, hf_es9p_function, tvb, 0, -1, sum.type);
        col_add_fstr(pinfo->cinfo, COL_INFO, "ES9+ ASN.1 %s", sum.type);
        return len;
    }
    /* inside the alternative: the getBoundProfilePackageOk [0] with the BPP, or the
     * PendingNotification of handleNotification ([0] EXPLICIT around a CHOICE) */
    int off = hdr + ihdr, end = hdr + itotal;
    guint32 t1, t2;
    int h1, n1, h2, n2;
    if (tlv_at(tvb, off, end, &t1, &h1, &n1) && t1 == 0xA0) {
        for (int o = off + h1; tlv_at(tvb, o, off + n1, &t2, &h2, &n2); o += n2) {
            if (inner == 0xBF3A && response && t2 == 0xBF36) {
                esim_asn1_summary bs;
                proto_tree *bt = proto_tree_add_subtree(et, tvb, o, n2, ett_es9p_field, NULL,
                                                        "Bound Profile Package");
                esim_dissect_bpp(tvb, o, n2, pinfo, bt, &bs);
            }
            if (inner == 0xBF3D && t2 == 0xBF37) /* the PIR: the session's result */
                g_strlcpy(sum.type, "ProfileInstallationResult", sizeof sum.type);
        }
    }
    for (char *p = sum.tid; *p; p++)
        *p = g_ascii_toupper(*p);
    (void)exchange_uri(pinfo);
    exchange_tid(pinfo, response, sum.tid, sizeof sum.tid);
    note_exchange(pinfo, response, iface, fn);
    esim_tap_message(pinfo, iface, fn, response, &sum, NULL, NULL);
    return len;
}

/* Post-dissector: an HTTP response without a body to an ES9+/ES11 request (the 204 No Content
 * of handleNotification) is shown as that function's response, as `esimscope trace` lists it. */
static int dissect_es9p_bodiless(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    /* (the esim layer is always in the frame here: this dissector is registered as esim; a
     * frame whose body an ES9+ dissector read has its es9p_frame) */
    if (!proto_is_frame_protocol(pinfo->layers, "http") ||
        p_get_proto_data(wmem_file_scope(), pinfo, proto_esim, 1))
        return 0;
    const char *rec = (const char *)p_get_proto_data(wmem_file_scope(), pinfo, proto_esim, 3);
    if (!rec && !PINFO_FD_VISITED(pinfo)) {
        conversation_t *conv = find_conversation_pinfo(pinfo, 0);
        const char *req = conv ? (const char *)wmem_map_lookup(request_fn, conv) : NULL;
        http_conv_t *hc = conv && proto_http > 0
                              ? (http_conv_t *)conversation_get_proto_data(conv, proto_http) : NULL;
        if (!req || !hc)
            return 0;
        wmem_map_remove(request_fn, conv);
        const char *tid = (const char *)wmem_map_lookup(request_tid, conv);
        rec = wmem_strdup_printf(wmem_file_scope(), "%s\t%u\t%s", req, hc->response_code,
                                 tid ? tid : "");
        p_add_proto_data(wmem_file_scope(), pinfo, proto_esim, 3, (void *)rec);
    }
    if (!rec)
        return 0;
    gchar **f = g_strsplit(rec, "\t", 4);
    if (g_strv_length(f) == 4) {
        proto_item *ti = proto_tree_add_item(tree, proto_esim, tvb, 0, 0, ENC_NA);
        proto_tree *et = proto_item_add_subtree(ti, ett_es9p);
        add_function(et, tvb, pinfo, f[0], f[1], true);
        col_append_fstr(pinfo->cinfo, COL_INFO, " HTTP %s, no body", f[2]);
        proto_item_append_text(ti, ": %s %s response (HTTP %s, no body)", f[0], f[1], f[2]);
        esim_asn1_summary sum;
        memset(&sum, 0, sizeof sum);
        g_strlcpy(sum.tid, f[3], sizeof sum.tid);
        esim_tap_message(pinfo, f[0], f[1], true, &sum, NULL, NULL);
    }
    g_strfreev(f);
    (void)data;
    return 0;
}

void esim_register_es9p(void)
{
    static hf_register_info hf[] = {
        {&hf_es9p_function, {"Function", "esim.es9p.function", FT_STRING, BASE_NONE, NULL, 0x0,
                             "ES9+/ES11 function (from the request URI)", HFILL}},
        {&hf_es9p_iface, {"Interface", "esim.es9p.interface", FT_STRING, BASE_NONE, NULL, 0x0,
                          "ES9+ or ES11", HFILL}},
        {&hf_es9p_status, {"Status", "esim.es9p.status", FT_STRING, BASE_NONE, NULL, 0x0,
                           "functionExecutionStatus.status", HFILL}},
        {&hf_es9p_subject, {"Subject code", "esim.es9p.subject_code", FT_STRING, BASE_NONE, NULL,
                            0x0, NULL, HFILL}},
        {&hf_es9p_reason, {"Reason code", "esim.es9p.reason_code", FT_STRING, BASE_NONE, NULL,
                           0x0, NULL, HFILL}},
        {&hf_es9p_field, {"Base64 field", "esim.es9p.field", FT_STRING, BASE_NONE, NULL, 0x0,
                          "JSON member holding a base64 ASN.1 object", HFILL}},
        {&hf_es9p_raw, {"Base64 data", "esim.es9p.data", FT_BYTES, BASE_NONE, NULL, 0x0,
                        "Decoded base64 field that is not an ASN.1 object", HFILL}},
    };
    static gint *ett[] = {&ett_es9p, &ett_es9p_field};
    static ei_register_info ei[] = {
        {&ei_es9p_failed, {"esim.es9p.failed", PI_RESPONSE_CODE, PI_WARN,
                           "ES9+/ES11 function failed", EXPFILL}},
        {&ei_es9p_json, {"esim.es9p.bad_json", PI_MALFORMED, PI_ERROR,
                         "ES9+/ES11 body is not JSON", EXPFILL}},
    };
    proto_register_field_array(proto_esim, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_esim), ei, array_length(ei));
    request_tid = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash,
                                         g_direct_equal);
    request_fn = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash,
                                        g_direct_equal);
}

void esim_handoff_es9p(void)
{
    json_handle = find_dissector_add_dependency("json", proto_esim);
    proto_http = proto_get_id_by_filter_name("http");
    /* takes the media type over from the JSON dissector, which it then calls itself */
    dissector_add_string("media_type", "application/json",
                         create_dissector_handle(dissect_es9p_json, proto_esim));
    dissector_add_string("media_type", "application/x-gsma-rsp-asn1",
                         create_dissector_handle(dissect_es9p_asn1, proto_esim));
    register_postdissector(create_dissector_handle(dissect_es9p_bodiless, proto_esim));
}
