/* The ES9+ / ES11 layer of trace: each HTTP message of the JSON (SGP.22 6.5) or the ASN.1
 * binding (6.6), its function and interface, status codes, session and BPP (see
 * trace_internal.h). */
#include "trace_internal.h"

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
 * the fast-path fields in *fast, the others, as tr_scan_member() over every member but
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
                tr_decode_msg(t, b, n, type, fast, false, &m);
            g_free(b);
        }
        bool scanned = strcmp(k, "transactionId") && strcmp(k, "header");
        if (m.value) {
            /* tr_scan_member(k, {"type", "value": tree}, 0): k is no key scan_member looks at */
            if (scanned)
                tr_scan_msg(t, &m, inner, 1);
            tr_decoded_msg_free(&m);
        } else if (scanned) {
            tr_scan_member(k, v, inner, 0);
        }
    }
}

void tr_on_http(const esim_http_event *ev, void *user)
{
    esim_trace *t = user;
    if (ev->type == ESIM_HTTP_EV_ERROR) {
        tr_finding(t, ESIM_SEV_WARNING, ev->frame_last, ev->ts_sec, ev->ts_nsec, -1,
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
        body = tr_decode_tree(t, ev->body, ev->body_len, request ? "RemoteProfileProvisioningRequest"
                                                              : "RemoteProfileProvisioningResponse",
                           NULL);
        if (!body)
            tr_finding(t, ESIM_SEV_WARNING, ev->frame_last, ev->ts_sec, ev->ts_nsec, -1,
                    "%s %s: ASN.1 binding body (%zu bytes) not decodable", iface,
                    request ? "request" : "response", ev->body_len);
        json_object *v = tr_jget(body, "value");
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
        tr_scan(body, &f, 0);
    } else if (ev->body_len) {
        esim_error err = {{0}};
        raw = t->tok ? esim_es9p_json_parse_with(t->tok, (const char *)ev->body, ev->body_len,
                                                 &err)
                     : esim_es9p_json_parse((const char *)ev->body, ev->body_len, &err);
        if (!raw) {
            tr_finding(t, ESIM_SEV_WARNING, ev->frame_last, ev->ts_sec, ev->ts_nsec, -1,
                    "%s %s %s: body %s", iface, fn, request ? "request" : "response", err.msg);
        } else if (json_object_is_type(raw, json_type_object)) {
            json_object_object_foreach(raw, k, v) {
                const char *s = json_object_is_type(v, json_type_string)
                                    ? json_object_get_string(v) : NULL;
                bool ok = !s || !base64_member(k) || valid_base64(s, strlen(s));
                if (s && !strcmp(k, "boundProfilePackage"))
                    bpp_b64_ok = ok;
                if (!ok)
                    tr_finding(t, ESIM_SEV_WARNING, ev->frame_last, ev->ts_sec, ev->ts_nsec, -1,
                            "%s %s: field %s is not valid base64", iface, fn, k);
            }
            json_object *fes = tr_jget(tr_jget(raw, "header"), "functionExecutionStatus");
            status = tr_jget_str(fes, "status");
            json_object *scd = tr_jget(fes, "statusCodeData");
            subject = tr_jget_str(scd, "subjectCode");
            reason = tr_jget_str(scd, "reasonCode");
            message = tr_jget_str(scd, "message");
            fields fast = {0}, inner = {0};
            if (t->o.decode_trees) {
                body = esim_es9p_json_annotate(raw, &t->topts);
                json_object_object_foreach(body, k2, v2) {
                    if (strcmp(k2, "transactionId") && strcmp(k2, "header"))
                        tr_scan_member(k2, v2, &inner, 0);
                }
            } else {
                scan_fields(t, raw, &fast, &inner);
            }
            /* the top-level transactionId first, then the ones inside the ASN.1 fields */
            const char *top = tr_jget_str(raw, "transactionId");
            if (top)
                tr_scan_member("transactionId", tr_jget(raw, "transactionId"), &f, 0);
            tr_merge_fields(&inner, &fast);
            esim_str_copy(inner_tid, sizeof inner_tid, inner.tid);
            char keep[sizeof f.tid];
            esim_str_copy(keep, sizeof keep, f.tid);
            f = inner;
            esim_str_copy(f.tid, sizeof f.tid, keep[0] ? keep : inner.tid);
            if (tr_jget(raw, "smdpAddress"))
                tr_scan_member("smdpAddress", tr_jget(raw, "smdpAddress"), &f, 0);
            if (tr_jget(raw, "smdsAddress"))
                tr_scan_member("smdsAddress", tr_jget(raw, "smdsAddress"), &f, 0);
        }
    }
    if (inner_tid[0] && f.tid[0] && strcmp(inner_tid, f.tid))
        tr_finding(t, ESIM_SEV_ERROR, ev->frame_last, ev->ts_sec, ev->ts_nsec, -1,
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
    esim_session *se = esim_sessions_get_hex(t->ss, f.tid);
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
                esim_session_fail(se, ev->frame_last,
                                  !strcmp(iface, "ES11") ? ESIM_SIDE_SMDS : ESIM_SIDE_SMDP, fn,
                                  code, name, "%s", summary);
        } else if (ev->status >= 400) {
            failed = true;
            snprintf(summary, sizeof summary, "%s: HTTP %d %s", fn, ev->status,
                     ev->reason ? ev->reason : "");
            if (se) {
                char code[32];
                snprintf(code, sizeof code, "HTTP %d", ev->status);
                esim_session_fail(se, ev->frame_last,
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
                esim_session_fail(se, ev->frame_last,
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
        if (!strcmp(iface, "ES11") && !se->seen_es11)
            relabel_es11(se);
        tr_fields_to_session(&f, se);
        esim_session_note(se, &(esim_rsp_note){
                                  .iface = iface_known ? iface : "ES9+/ES11", .function = fn,
                                  .request = request, .failed = failed, .pir = (int)f.final,
                                  .cancel_reason = f.cancel_name[0] ? f.cancel_name : NULL});
        if (f.final == 2 && !failed) {
            char code[64];
            snprintf(code, sizeof code, "errorReason %ld", f.err_reason);
            esim_session_fail(se, ev->frame_last, ESIM_SIDE_EUICC, "LoadBoundProfilePackage",
                              code, f.err_reason_name,
                              "eUICC reported errorReason %ld %s at bppCommandId %ld (%s) in "
                              "its notification", f.err_reason, f.err_reason_name, f.bpp_cmd,
                              f.bpp_cmd_name);
        }
        esim_session_add_step(se, ev->frame_last, ev->ts_sec, ev->ts_nsec, iface, fn, failed, "%s",
                          summary);
        /* the BPP as the SM-DP+ sent it (base64 in JSON, a component in the ASN.1 binding) */
        const char *b64 = !request ? tr_jget_str(raw, "boundProfilePackage") : NULL;
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
                tr_write_file(t, se, "es9p", bpp, blen, ev->frame_last);
                bpp_slot *sl = tr_slot_for(t, se);
                free(sl->es9);
                sl->es9 = malloc(blen);
                if (sl->es9) {
                    memcpy(sl->es9, bpp, blen);
                    sl->es9_len = blen;
                    tr_open_bpp(t, se, sl, sl->es9, sl->es9_len, ev->frame_last, ev->ts_sec,
                             ev->ts_nsec);
                    tr_compare_bpp(t, se, sl, ev->frame_last, ev->ts_sec, ev->ts_nsec, -1);
                }
            }
            g_free(bpp);
        }
    }
    esim_trace_event te = {.type = ESIM_TRACE_EV_ES9P, .frame = ev->frame_last,
                           .frame_last = ev->frame_last, .sec = ev->ts_sec, .nsec = ev->ts_nsec,
                           .card = -1, .function = fn,
                           /* the event goes out now: say so when the binding leaves it open */
                           .iface = iface_known || !strcmp(iface, "ES11") ? iface : "ES9+/ES11",
                           .tid_hex = f.tid, .summary = summary, .request = request,
                           .http_status = request ? 0 : ev->status, .uri = ev->uri,
                           .status = status, .subject_code = subject, .reason_code = reason,
                           .body = t->o.decode_trees ? body : NULL};
    tr_emit(t, &te);
    json_object_put(body);
    json_object_put(raw);
}

