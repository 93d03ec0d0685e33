/* Any SGP.22 ASN.1 object as a Wireshark subtree: decoded by the core (esim_asn1_decode /
 * esim_asn1_detect, asn1c types), rendered from the core's generic tree (esim_tree_json, the same
 * view as `esimscope decode`), with the key values as esim.* fields and RSP error codes as expert
 * info. The core keeps no byte offsets below the outer object, so field items span the object. */
#include <string.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include "esim/asn1_decode.h"
#include "esim/asn1_tree.h"
#include "esim/es10_names.h"
#include "packet-esim.h"

#define MAX_ITEMS 4000   /* items per decoded object: keeps huge certificates/BPPs usable */
#define MAX_DEPTH 40

typedef struct render {
    tvbuff_t *tvb;
    int offset, len;
    unsigned items;
} render;

static void render_value(render *r, proto_tree *tree, const char *name, json_object *v, int depth);

/* {"value": n, "name": "..."}: a named number/enumeration as the core renders it. */
static bool named_number(json_object *v, long *value, const char **name)
{
    json_object *x, *n;
    if (json_object_is_type(v, json_type_int)) {
        *value = (long)json_object_get_int64(v);
        *name = NULL;
        return true;
    }
    if (json_object_is_type(v, json_type_object) && json_object_object_length(v) <= 2 &&
        json_object_object_get_ex(v, "value", &x) && json_object_is_type(x, json_type_int)) {
        *value = (long)json_object_get_int64(x);
        *name = json_object_object_get_ex(v, "name", &n) && json_object_is_type(n, json_type_string)
                    ? json_object_get_string(n) : NULL;
        return true;
    }
    return false;
}

static void leaf(render *r, proto_tree *tree, const char *name, const char *text)
{
    r->items++;
    proto_tree_add_string_format(tree, hf_esim_field, r->tvb, r->offset, r->len, text, "%s: %s",
                                 name, text);
}

static void render_value(render *r, proto_tree *tree, const char *name, json_object *v, int depth)
{
    if (r->items >= MAX_ITEMS || depth > MAX_DEPTH)
        return;
    long num;
    const char *nn;
    if (!v) {
        leaf(r, tree, name, "NULL");
    } else if (named_number(v, &num, &nn)) {
        char buf[128];
        if (nn)
            snprintf(buf, sizeof buf, "%s (%ld)", nn, num);
        else
            snprintf(buf, sizeof buf, "%ld", num);
        leaf(r, tree, name, buf);
    } else if (json_object_is_type(v, json_type_object)) {
        r->items++;
        proto_tree *st = proto_tree_add_subtree(tree, r->tvb, r->offset, r->len, ett_esim_asn1,
                                                NULL, name);
        json_object_object_foreach(v, k, m) render_value(r, st, k, m, depth + 1);
    } else if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        r->items++;
        proto_tree *st = proto_tree_add_subtree_format(tree, r->tvb, r->offset, r->len,
                                                       ett_esim_asn1, NULL, "%s [%zu]", name, n);
        for (size_t i = 0; i < n; i++) {
            char idx[24];
            snprintf(idx, sizeof idx, "[%zu]", i);
            render_value(r, st, idx, json_object_array_get_idx(v, i), depth + 1);
        }
    } else {
        leaf(r, tree, name, json_object_get_string(v));
    }
}

/* ---- key values and results (same names as the core's trace) ---- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

typedef struct scan_ctx {
    esim_asn1_summary *sum;
    packet_info *pinfo;
    proto_item *pi;
} scan_ctx;

static void copy_once(char *dst, size_t cap, const char *s)
{
    if (!dst[0] && s)
        g_strlcpy(dst, s, cap);
}

static void rsp_error(scan_ctx *c, const char *what, const char *type, long value, const char *name)
{
    const char *why = type ? esim_es10_error_explain(type, value) : NULL;
    char text[300];
    snprintf(text, sizeof text, "%s: %s (%ld)%s%s", what, name ? name : "unknown", value,
             why ? ": " : "", why ? why : "");
    if (!c->sum->error)
        g_strlcpy(c->sum->err_text, text, sizeof c->sum->err_text);
    c->sum->error = true;
    expert_add_info_format(c->pinfo, c->pi, &ei_esim_rsp_error, "%s", text);
}

static void scan(scan_ctx *c, json_object *o, int depth);

static void scan_member(scan_ctx *c, const char *k, json_object *v, int depth)
{
    esim_asn1_summary *s = c->sum;
    long num;
    const char *nn;
    if (json_object_is_type(v, json_type_string)) {
        const char *str = json_object_get_string(v);
        if (!strcmp(k, "transactionId") && strlen(str) < sizeof s->tid && !s->tid[0]) {
            g_strlcpy(s->tid, str, sizeof s->tid);
            for (char *p = s->tid; *p; p++)
                *p = g_ascii_toupper(*p);
        } else if (!strcmp(k, "eid") || !strcmp(k, "eidValue"))
            copy_once(s->eid, sizeof s->eid, str);
        else if (!strcmp(k, "iccid"))
            copy_once(s->iccid, sizeof s->iccid, str);
        else if (!strcmp(k, "matchingId"))
            copy_once(s->matching_id, sizeof s->matching_id, str);
        return;
    }
    if (!strcmp(k, "finalResult") && json_object_is_type(v, json_type_object)) {
        json_object *r, *x;
        if (json_object_object_get_ex(v, "successResult", &r))
            copy_once(s->result, sizeof s->result, "successResult");
        else if (json_object_object_get_ex(v, "errorResult", &r)) {
            long cmd = -1;
            const char *cmd_name = NULL;
            copy_once(s->result, sizeof s->result, "errorResult");
            if (json_object_object_get_ex(r, "bppCommandId", &x))
                named_number(x, &cmd, &cmd_name);
            if (json_object_object_get_ex(r, "errorReason", &x) && named_number(x, &num, &nn)) {
                char what[128];
                snprintf(what, sizeof what, "ProfileInstallationResult errorResult at %s",
                         cmd_name ? cmd_name : "bppCommandId ?");
                rsp_error(c, what, "ErrorReason", num, nn);
            }
        }
    } else if (ends_with(k, "Error") && json_object_is_type(v, json_type_object) &&
               !named_number(v, &num, &nn)) {
        /* authenticateResponseError {transactionId, authenticateErrorCode},
         * prepareDownloadResponseError {transactionId, downloadErrorCode} */
        copy_once(s->result, sizeof s->result, k);
        json_object_object_foreach(v, k2, v2) {
            if (ends_with(k2, "ErrorCode") && named_number(v2, &num, &nn)) {
                char type[64];
                g_strlcpy(type, k2, sizeof type);
                type[0] = g_ascii_toupper(type[0]);
                rsp_error(c, k, type, num, nn);
            }
        }
    } else if ((ends_with(k, "Result") || ends_with(k, "Error")) && named_number(v, &num, &nn)) {
        /* enableResult, disableResult, deleteResult, ..., or an ES9+ *Error code */
        char buf[96];
        snprintf(buf, sizeof buf, "%s", nn ? nn : "?");
        copy_once(s->result, sizeof s->result, buf);
        if (num != 0 || ends_with(k, "Error")) {
            char type[64];
            g_strlcpy(type, k, sizeof type);
            type[0] = g_ascii_toupper(type[0]);
            rsp_error(c, k, type, num, nn);
        }
    } else if (!strcmp(k, "reason") && named_number(v, &num, &nn) && depth <= 2) {
        copy_once(s->result, sizeof s->result, nn ? nn : "reason");
    } else if (depth == 0 && (ends_with(k, "Ok") || ends_with(k, "OK"))) {
        copy_once(s->result, sizeof s->result, k);
    }
    scan(c, v, depth + 1);
}

static void scan(scan_ctx *c, json_object *o, int depth)
{
    if (!o || depth > MAX_DEPTH)
        return;
    if (json_object_is_type(o, json_type_object)) {
        json_object_object_foreach(o, k, v) scan_member(c, k, v, depth);
    } else if (json_object_is_type(o, json_type_array)) {
        size_t n = json_object_array_length(o);
        for (size_t i = 0; i < n; i++)
            scan(c, json_object_array_get_idx(o, i), depth + 1);
    }
}

/* A known type: the core's esim_asn1_decode also re-encodes the value to tell whether the input
 * was exact DER, which the dissector does not show and which costs as much as the decoding;
 * here asn1c's BER decoder is called directly, with the same stack budget. */
static int decode_known(asn_TYPE_descriptor_t *td, const uint8_t *buf, size_t len,
                        esim_decoded *out, esim_error *err)
{
    memset(out, 0, sizeof *out);
    asn_codec_ctx_t ctx = {64 * 1024};
    void *value = NULL;
    esim_asn1_resolve(td);
    asn_dec_rval_t rv = ber_decode(&ctx, td, &value, buf, len);
    if (rv.code != RC_OK) {
        if (value)
            td->free_struct(td, value, 0);
        return esim_error_set(err, "%s: %s near byte %zu", td->name,
                              rv.code == RC_WMORE ? "truncated" : "malformed encoding",
                              rv.consumed);
    }
    out->td = td;
    out->value = value;
    out->consumed = rv.consumed;
    out->exact = -1;  /* not checked */
    return 0;
}

static void add_key_field(proto_tree *tree, int hf, tvbuff_t *tvb, int off, int len,
                          const char *value)
{
    if (value[0])
        proto_item_set_generated(proto_tree_add_string(tree, hf, tvb, off, len, value));
}

static bool dissect(tvbuff_t *tvb, int offset, int len, packet_info *pinfo, proto_tree *tree,
                    const char *type, esim_asn1_summary *sum, bool quiet)
{
    memset(sum, 0, sizeof *sum);
    if (len <= 0)
        return false;
    const uint8_t *p = tvb_get_ptr(tvb, offset, len);
    esim_decoded d;
    esim_error err;
    asn_TYPE_descriptor_t *td = type ? esim_asn1_type(type) : NULL;
    int rc = td ? decode_known(td, p, (size_t)len, &d, &err)
                : esim_asn1_detect(p, (size_t)len, &d, &err);
    if (rc != 0 && quiet)
        return false;
    if (rc != 0) {
        proto_item *e = proto_tree_add_string_format_value(tree, hf_esim_asn1_type, tvb, offset,
                                                           len, type ? type : "",
                                                           "%s (not decoded)", type ? type : "?");
        expert_add_info_format(pinfo, e, &ei_esim_malformed, "Malformed %s: %s",
                               type ? type : "ASN.1 object", err.msg);
        return false;
    }
    g_strlcpy(sum->type, d.td->name, sizeof sum->type);
    int olen = d.consumed > 0 && d.consumed <= (size_t)len ? (int)d.consumed : len;
    proto_item *ti = proto_tree_add_string(tree, hf_esim_asn1_type, tvb, offset, olen, d.td->name);
    proto_tree *st = proto_item_add_subtree(ti, ett_esim_asn1);
    esim_tree_opts opts = {.show_keys = false, .full_hex = false};
    json_object *j = esim_tree_json(d.td, d.value, &opts);
    scan_ctx c = {.sum = sum, .pinfo = pinfo, .pi = ti};
    scan(&c, j, 0);
    add_key_field(st, hf_esim_transaction_id, tvb, offset, olen, sum->tid);
    add_key_field(st, hf_esim_eid, tvb, offset, olen, sum->eid);
    add_key_field(st, hf_esim_iccid, tvb, offset, olen, sum->iccid);
    add_key_field(st, hf_esim_matching_id, tvb, offset, olen, sum->matching_id);
    add_key_field(st, hf_esim_es10_result, tvb, offset, olen, sum->result);
    if (st) {
        render r = {.tvb = tvb, .offset = offset, .len = olen};
        if (json_object_is_type(j, json_type_object)) {
            json_object_object_foreach(j, k, v) render_value(&r, st, k, v, 0);
        } else {
            render_value(&r, st, d.td->name, j, 0);
        }
    }
    json_object_put(j);
    esim_decoded_free(&d);
    return true;
}

bool esim_dissect_asn1(tvbuff_t *tvb, int offset, int len, packet_info *pinfo, proto_tree *tree,
                       const char *type, esim_asn1_summary *sum)
{
    return dissect(tvb, offset, len, pinfo, tree, type, sum, false);
}

bool esim_try_asn1(tvbuff_t *tvb, int offset, int len, packet_info *pinfo, proto_tree *tree,
                   esim_asn1_summary *sum)
{
    return dissect(tvb, offset, len, pinfo, tree, NULL, sum, true);
}
