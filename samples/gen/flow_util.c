/* Helpers of the simulated session: transcript entries, HTTP, JSON members, signatures,
 * key log lines. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>
#include "esim/hex.h"

uint8_t *dup_bytes(const void *p, size_t n)
{
    uint8_t *d = malloc(n ? n : 1);
    if (!d)
        abort();
    if (n)
        memcpy(d, p, n);
    return d;
}

void es10(fl *f, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    sg_ev *e = sg_tr_add(f->t, SG_EV_ES10);
    e->cmd = dup_bytes(cmd, n);
    e->cmd_len = n;
    e->rsp = dup_bytes(rsp, rn);
    e->rsp_len = rn;
}

void plain_apdu(fl *f, const char *hdr_hex, const char *data_hex, bool want,
                const char *rsp_hex)
{
    uint8_t buf[300];
    sg_ev *e = sg_tr_add(f->t, SG_EV_APDU);
    esim_unhex(hdr_hex, strlen(hdr_hex), e->hdr, 4);
    long n = esim_unhex(data_hex, strlen(data_hex), buf, sizeof buf);
    e->cmd = dup_bytes(buf, (size_t)n);
    e->cmd_len = (size_t)n;
    e->want_data = want;
    n = esim_unhex(rsp_hex, strlen(rsp_hex), buf, sizeof buf);
    e->rsp = dup_bytes(buf, (size_t)n);
    e->rsp_len = (size_t)n;
}

/* ---- HTTP (SGP.22 6.5 / 6.6: either binding over HTTP/1.1) ---- */

void http(fl *f, int host, const char *path, const char *content_type, const uint8_t *body,
          size_t body_len, const char *status_line, const uint8_t *rbody, size_t rbody_len,
          bool chunked)
{
    GString *rq = g_string_new(NULL), *rs = g_string_new(NULL);
    g_string_append_printf(rq,
                           "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: esimscope-sample-lpa/1.0\r\n"
                           "X-Admin-Protocol: gsma/rsp/v2.2.0\r\nContent-Type: %s\r\n"
                           "Content-Length: %zu\r\n\r\n",
                           path, host ? SG_SMDS_ADDRESS : SG_SMDP_ADDRESS, content_type, body_len);
    g_string_append_len(rq, (const char *)body, (gssize)body_len);
    g_string_append_printf(rs, "HTTP/1.1 %s\r\nX-Admin-Protocol: gsma/rsp/v2.2.0\r\n", status_line);
    if (!rbody) {
        g_string_append(rs, "\r\n");
    } else if (chunked) {
        g_string_append_printf(rs, "Content-Type: %s\r\nTransfer-Encoding: chunked\r\n\r\n",
                               content_type);
        for (size_t off = 0; off < rbody_len; off += 2000) {
            size_t k = rbody_len - off > 2000 ? 2000 : rbody_len - off;
            g_string_append_printf(rs, "%zx\r\n", k);
            g_string_append_len(rs, (const char *)rbody + off, (gssize)k);
            g_string_append(rs, "\r\n");
        }
        g_string_append(rs, "0\r\n\r\n");
    } else {
        g_string_append_printf(rs, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                               content_type, rbody_len);
        g_string_append_len(rs, (const char *)rbody, (gssize)rbody_len);
    }
    sg_ev *e = sg_tr_add(f->t, SG_EV_HTTP);
    e->host = host;
    e->cmd_len = rq->len;
    e->cmd = (uint8_t *)g_string_free(rq, FALSE);
    e->rsp_len = rs->len;
    e->rsp = (uint8_t *)g_string_free(rs, FALSE);
}

void js_b64(GString *s, const char *name, const uint8_t *p, size_t n)
{
    gchar *b = g_base64_encode(p, n);
    g_string_append_printf(s, "%s\"%s\":\"%s\"", s->len > 1 ? "," : "", name, b);
    g_free(b);
}

void js_str(GString *s, const char *name, const char *v)
{
    g_string_append_printf(s, "%s\"%s\":\"%s\"", s->len > 1 ? "," : "", name, v);
}

GString *js_ok(void)
{
    return g_string_new("{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}");
}

char *js_failed(const char *subject, const char *reason, const char *msg)
{
    return g_strdup_printf("{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                           "\"statusCodeData\":{\"subjectCode\":\"%s\",\"reasonCode\":\"%s\","
                           "\"message\":\"%s\"}}}}",
                           subject, reason, msg);
}

/* ---- signatures ---- */

void sign_tlv(fl *f, int who, const uint8_t *a, size_t an, const uint8_t *b, size_t bn,
              uint8_t out[3 + 64])
{
    uint8_t *m = malloc(an + bn + 1);
    memcpy(m, a, an);
    if (bn)
        memcpy(m + an, b, bn);
    out[0] = 0x5F;
    out[1] = 0x37;
    out[2] = 0x40;
    const sg_key *k = &f->pki->c[who].key;
    if (sg_sign_raw(k, f->d, m, an + bn, out + 3) != 0 || !sg_verify_raw(k->pk, m, an + bn, out + 3))
        abort();
    free(m);
}

uint8_t *finish(sg_der *d, size_t *n)
{
    uint8_t *p = sg_der_finish(d, n);
    if (!p)
        abort();
    return p;
}

uint8_t *euicc_signed_ok(fl *f, uint32_t tag, const uint8_t *tbs, size_t tbs_n,
                         const uint8_t *extra, size_t extra_n, size_t *n)
{
    uint8_t sig[3 + 64];
    sign_tlv(f, SG_CERT_EUICC, tbs, tbs_n, extra, extra_n, sig);
    sg_der d;
    sg_der_init(&d);
    sg_der_open(&d, tag);
    sg_der_open(&d, 0xA0);
    sg_der_raw(&d, tbs, tbs_n);
    sg_der_raw(&d, sig, sizeof sig);
    sg_der_close(&d);
    sg_der_close(&d);
    return finish(&d, n);
}

void keylog_line(FILE *kl, esim_keylog_kind kind, fl *f, const uint8_t *scalar,
                 const esim_bsp_keys *k)
{
    if (!kl)
        return;
    esim_keylog_entry e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    memcpy(e.tid, f->tid, 16);
    e.tid_len = 16;
    if (scalar) {
        memcpy(e.scalar, scalar, 32);
        memcpy(e.eid, f->eid, 16);
        e.eid_len = 16;
    }
    if (k)
        e.keys = *k;
    esim_keylog_write(kl, &e);
    esim_wipe(&e, sizeof e);
}
