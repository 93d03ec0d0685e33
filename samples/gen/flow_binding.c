/* ES9+ / ES11 function calls of the simulated session in either HTTP binding: the JSON binding
 * (SGP.22 6.5: POST /gsma/rsp2/es9plus/<function> or /gsma/rsp2/es11/<function>, every ASN.1
 * object base64 in a JSON member) or the ASN.1 binding (SGP.22 6.6: POST /gsma/rsp2/asn1,
 * Content-Type application/x-gsma-rsp-asn1, the body the DER of a RemoteProfileProvisioningRequest
 * / -Response, encoded here with the asn1c types of asn1/). The flow describes each call once,
 * member by member; this file renders it. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>
#include "RemoteProfileProvisioningRequest.h"
#include "RemoteProfileProvisioningResponse.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "esim/hex.h"

/* ---- JSON binding ---- */

static void json_member(GString *s, const rsp_member *m)
{
    char hex[2 * 16 + 1];
    switch (m->kind) {
    case RM_DER:
    case RM_OCTETS:
        js_b64(s, m->json, m->p, m->n);
        break;
    case RM_TID:
        esim_hex(m->p, m->n < 16 ? m->n : 16, hex);
        js_str(s, m->json, hex);
        break;
    case RM_TEXT:
        js_str(s, m->json, m->s);
        break;
    case RM_EVENT:
        g_string_append_printf(s, "%s\"%s\":[{\"eventId\":\"%s\",\"rspServerAddress\":\"%s\"}]",
                               s->len > 1 ? "," : "", m->json, m->s, m->s2);
        break;
    }
}

static void json_call(fl *f, const rsp_call *c)
{
    GString *rq = g_string_new("{");
    for (size_t i = 0; i < c->nreq; i++)
        json_member(rq, &c->req[i]);
    g_string_append(rq, "}");
    char *rs = NULL;
    if (c->fail) {
        rs = js_failed(c->fail->subject, c->fail->reason, c->fail->message);
    } else if (!c->no_response) {
        GString *r = js_ok();
        for (size_t i = 0; i < c->nrsp; i++)
            json_member(r, &c->rsp[i]);
        g_string_append(r, "}");
        rs = g_string_free(r, FALSE);
    }
    char *path = g_strdup_printf("/gsma/rsp2/%s/%s", c->host ? "es11" : "es9plus", c->function);
    http(f, c->host, path, "application/json", (const uint8_t *)rq->str, rq->len,
         c->no_response ? "204 No Content" : "200 OK", (const uint8_t *)rs, rs ? strlen(rs) : 0,
         c->chunked);
    g_free(path);
    g_free(rs);
    g_string_free(rq, TRUE);
}

/* ---- ASN.1 binding ---- */

static asn_TYPE_member_t *member_named(asn_TYPE_descriptor_t *td, const char *name)
{
    for (int i = 0; i < td->elements_count; i++)
        if (!strcmp(td->elements[i].name, name))
            return &td->elements[i];
    fprintf(stderr, "esim-samplegen: %s has no component %s\n", td->name, name);
    abort();
}

/* Makes alternative e of the CHOICE td at sptr the present one; returns its storage. */
static void *choose(asn_TYPE_descriptor_t *td, void *sptr, asn_TYPE_member_t *e)
{
    const asn_CHOICE_specifics_t *sp = td->specifics;
    if (sp->pres_size != sizeof(int))
        abort();
    *(int *)((char *)sptr + sp->pres_offset) = (int)(e - td->elements) + 1;
    return (char *)sptr + e->memb_offset;
}

static void fill_sequence(asn_TYPE_descriptor_t *td, void *sptr, const rsp_member *m, size_t n);

/* The storage of component e of the structure at sptr (allocated when it is a pointer). */
static void *component(asn_TYPE_member_t *e, void *sptr, size_t size)
{
    void *mp = (char *)sptr + e->memb_offset;
    if (!(e->flags & ATF_POINTER))
        return mp;
    void **slot = mp;
    if (!*slot && !(*slot = calloc(1, size)))
        abort();
    return *slot;
}

static void fill_member(asn_TYPE_member_t *e, void *sptr, const rsp_member *m)
{
    switch (m->kind) {
    case RM_OCTETS:
    case RM_TID:
    case RM_TEXT: { /* OCTET STRING, TransactionId, UTF8String: all OCTET_STRING_t */
        OCTET_STRING_t *os = component(e, sptr, sizeof *os);
        const void *v = m->kind == RM_TEXT ? (const void *)m->s : m->p;
        size_t n = m->kind == RM_TEXT ? strlen(m->s) : m->n;
        if (OCTET_STRING_fromBuf(os, v, (int)n) != 0)
            abort();
        break;
    }
    case RM_DER: {
        /* the object as the flow encoded (and maybe signed) it, decoded into its component: an
         * implicitly tagged one (-1) with its tag as given, not checked against the type's; an
         * explicit tag (+1: an untagged CHOICE under automatic tags, e.g. HandleNotification's
         * pendingNotification [0]) is written by the encoder around the object */
        void *mp = (char *)sptr + e->memb_offset, *target = mp;
        void **slot = (e->flags & ATF_POINTER) ? mp : &target;
        asn_dec_rval_t rv = e->type->ber_decoder(NULL, e->type, slot, m->p, m->n,
                                                 e->tag_mode > 0 ? 0 : e->tag_mode);
        if (rv.code != RC_OK || rv.consumed != m->n) {
            fprintf(stderr, "esim-samplegen: %s does not decode as %s (%d, %zu of %zu, mode %d)\n",
                    m->json, e->type->name, (int)rv.code, rv.consumed, m->n, e->tag_mode);
            abort();
        }
        break;
    }
    case RM_EVENT: { /* eventEntries: SEQUENCE OF EventEntries with one entry */
        asn_TYPE_descriptor_t *item_td = e->type->elements[0].type;
        const asn_SEQUENCE_specifics_t *sp = item_td->specifics;
        void *item = calloc(1, (size_t)sp->struct_size);
        if (!item)
            abort();
        const rsp_member fields[] = {{.json = "eventId", .kind = RM_TEXT, .s = m->s},
                                     {.json = "rspServerAddress", .kind = RM_TEXT, .s = m->s2}};
        fill_sequence(item_td, item, fields, 2);
        if (asn_sequence_add((char *)sptr + e->memb_offset, item) != 0)
            abort();
        break;
    }
    }
}

static void fill_sequence(asn_TYPE_descriptor_t *td, void *sptr, const rsp_member *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fill_member(member_named(td, m[i].asn1 ? m[i].asn1 : m[i].json), sptr, &m[i]);
}

static bool contains(const uint8_t *h, size_t hn, const uint8_t *n, size_t nn)
{
    for (size_t i = 0; nn && i + nn <= hn; i++)
        if (h[i] == n[0] && !memcmp(h + i, n, nn))
            return true;
    return false;
}

static int append_der(const void *p, size_t n, void *b)
{
    return esim_buf_append(b, p, n);
}

/* DER of a RemoteProfileProvisioningRequest / -Response built with asn1c; every DER member must
 * appear in it byte for byte (signatures are over those bytes). */
static uint8_t *encode(asn_TYPE_descriptor_t *td, void *v, const rsp_member *m, size_t n,
                       size_t *len)
{
    esim_buf b = {0};
    asn_enc_rval_t er = der_encode(td, v, append_der, &b);
    if (er.encoded < 0) {
        fprintf(stderr, "esim-samplegen: cannot encode %s\n", td->name);
        abort();
    }
    for (size_t i = 0; i < n; i++)
        if (m[i].kind == RM_DER && !contains(b.data, b.len, m[i].p, m[i].n))
            abort();
    ASN_STRUCT_FREE(*td, v);
    return esim_buf_steal(&b, len);
}

/* CHOICE alternatives of each function (SGP.22 6.6.1; ES11 answers authenticateClient with
 * authenticateClientResponseEs11, and its initiateAuthentication carries the SM-DS address in
 * smdpAddress). */
static const struct {
    const char *function, *request, *response, *response_es11;
} alternatives[] = {
    {"initiateAuthentication", "initiateAuthenticationRequest", "initiateAuthenticationResponse",
     "initiateAuthenticationResponse"},
    {"authenticateClient", "authenticateClientRequest", "authenticateClientResponseEs9",
     "authenticateClientResponseEs11"},
    {"getBoundProfilePackage", "getBoundProfilePackageRequest", "getBoundProfilePackageResponse",
     NULL},
    {"cancelSession", "cancelSessionRequestEs9", "cancelSessionResponseEs9", NULL},
    {"handleNotification", "handleNotification", NULL, NULL},
};

static void asn1_call(fl *f, const rsp_call *c)
{
    size_t a = 0;
    while (a < G_N_ELEMENTS(alternatives) && strcmp(alternatives[a].function, c->function))
        a++;
    if (a == G_N_ELEMENTS(alternatives))
        abort();
    asn_TYPE_descriptor_t *qtd = &asn_DEF_RemoteProfileProvisioningRequest;
    RemoteProfileProvisioningRequest_t *q = calloc(1, sizeof *q);
    if (!q)
        abort();
    asn_TYPE_member_t *qe = member_named(qtd, alternatives[a].request);
    fill_sequence(qe->type, choose(qtd, q, qe), c->req, c->nreq);
    size_t qn, rn = 0;
    uint8_t *qder = encode(qtd, q, c->req, c->nreq, &qn), *rder = NULL;

    if (!c->no_response) {
        asn_TYPE_descriptor_t *rtd = &asn_DEF_RemoteProfileProvisioningResponse;
        RemoteProfileProvisioningResponse_t *r = calloc(1, sizeof *r);
        const char *alt = c->host ? alternatives[a].response_es11 : alternatives[a].response;
        if (!r || !alt)
            abort();
        asn_TYPE_member_t *re = member_named(rtd, alt);
        /* the function's response CHOICE: the ...Ok SEQUENCE or the ...Error INTEGER */
        void *resp = choose(rtd, r, re);
        asn_TYPE_member_t *ok = &re->type->elements[0], *err = &re->type->elements[1];
        if (c->fail) {
            if (asn_long2INTEGER(choose(re->type, resp, err), c->fail->asn1_error) != 0)
                abort();
        } else {
            fill_sequence(ok->type, choose(re->type, resp, ok), c->rsp, c->nrsp);
        }
        rder = encode(rtd, r, c->rsp, c->fail ? 0 : c->nrsp, &rn);
    }
    http(f, c->host, "/gsma/rsp2/asn1", "application/x-gsma-rsp-asn1", qder, qn,
         c->no_response ? "204 No Content" : "200 OK", rder, rn, c->chunked);
    free(qder);
    free(rder);
}

void rsp_exchange(fl *f, const rsp_call *c)
{
    if (f->binding == SG_BINDING_ASN1)
        asn1_call(f, c);
    else
        json_call(f, c);
}
