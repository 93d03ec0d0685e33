#include "render.h"
#include <stdlib.h>
#include <string.h>

typedef struct rctx {
    const sg_render_opts *o;
    sg_reader reader;
    uint16_t ipid;
    bool t0;
    sg_tcp tcp[2];
    bool open[2];
    sg_tls *tls[2];
    unsigned conns;          /* connections opened (per_call: each from a new client port) */
    bool failed;
} rctx;

/* One exchange on the wire (T=0: a TPDU; T=1: an APDU). */
static void wire(rctx *r, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    if (r->o->ccid_port)
        sg_reader_exchange(&r->reader, cmd, n, rsp, rn);
    if (r->o->gsmtap_port) {
        uint8_t *m = malloc(n + rn);
        memcpy(m, cmd, n);
        memcpy(m + n, rsp, rn);
        sg_gsmtap_emit(r->o->gsmtap_port, r->o->ccid_port ? 30 : (unsigned)(500 + (n + rn) * 10),
                       &r->ipid, 0, m, n + rn);
        free(m);
    }
}

/* One APDU with its response; T=0 turns response data into 61xx + GET RESPONSE (TS 102 221
 * 7.3.1.1.4), T=1 returns up to 256 bytes at once. */
static void apdu(rctx *r, const uint8_t hdr[4], const uint8_t *data, size_t n, bool want,
                 const uint8_t *rsp, size_t rn, uint16_t sw)
{
    uint8_t cmd[5 + 256], buf[258];
    memcpy(cmd, hdr, 4);
    size_t cn = 4;
    if (n) {
        cmd[cn++] = (uint8_t)n;
        memcpy(cmd + cn, data, n);
        cn += n;
    }
    bool le_in_cmd = want && (!r->t0 || n == 0);
    if (le_in_cmd || (r->t0 && n == 0))
        cmd[cn++] = r->t0 && rn && rn < 256 ? (uint8_t)rn : 0;  /* T=0 case 1/2: P3 */
    size_t first = 0;
    if (!r->t0 || n == 0)
        first = rn > 256 ? 256 : rn;
    size_t left = rn - first;
    if (first)
        memcpy(buf, rsp, first);
    uint16_t s = left ? (uint16_t)(0x6100 | (left > 255 ? 0 : left)) : sw;
    buf[first] = (uint8_t)(s >> 8);
    buf[first + 1] = (uint8_t)s;
    wire(r, cmd, cn, buf, first + 2);
    size_t off = first;
    while (left) {
        size_t k = left > 256 ? 256 : left;
        uint8_t gr[5] = {(uint8_t)(hdr[0] & 0x03), 0xC0, 0x00, 0x00, (uint8_t)(k == 256 ? 0 : k)};
        left -= k;
        memcpy(buf, rsp + off, k);
        off += k;
        s = left ? (uint16_t)(0x6100 | (left > 255 ? 0 : left)) : sw;
        buf[k] = (uint8_t)(s >> 8);
        buf[k + 1] = (uint8_t)s;
        wire(r, gr, 5, buf, k + 2);
    }
}

static int es10(rctx *r, const sg_ev *e, uint8_t channel)
{
    size_t nblocks = (e->cmd_len + 254) / 255, off = 0;
    for (size_t b = 0; b < nblocks; b++) {
        size_t k = e->cmd_len - off > 255 ? 255 : e->cmd_len - off;
        bool last = b + 1 == nblocks;
        uint8_t hdr[4] = {(uint8_t)(0x80 | channel), 0xE2, last ? 0x91 : 0x11, (uint8_t)b};
        if ((int)b == e->fail_block) {
            apdu(r, hdr, e->cmd + off, k, false, NULL, 0, e->sw);
            return 0;
        }
        if (last)
            apdu(r, hdr, e->cmd + off, k, e->rsp_len > 0, e->rsp, e->rsp_len, e->sw);
        else
            apdu(r, hdr, e->cmd + off, k, false, NULL, 0, 0x9000);
        off += k;
        if (e->cut_after_blocks && (int)b + 1 >= e->cut_after_blocks)
            return 1;
    }
    return 0;
}

static void http(rctx *r, const sg_ev *e)
{
    static const sg_ep lpa = {0xC0000264, 0, {0x02, 0x00, 0x5E, 0x10, 0x00, 0x01}};
    static const sg_ep srv[2] = {
        {0xC6336414, 0, {0x02, 0x00, 0x5E, 0x20, 0x00, 0x02}},  /* SM-DP+ 198.51.100.20 */
        {0xCB00711E, 0, {0x02, 0x00, 0x5E, 0x20, 0x00, 0x03}},  /* SM-DS 203.0.113.30 */
    };
    int h = e->host & 1;
    if (!r->open[h]) {
        sg_ep c = lpa, s = srv[h];
        uint32_t n = r->o->per_call ? r->conns : 0;
        c.port = (uint16_t)(49152 + 3 * h + 17 + 2 * n);
        s.port = r->o->http_port_no;
        sg_tcp_init(&r->tcp[h], r->o->http_port, &c, &s,
                    0x3A1C5D00u + (uint32_t)h * 0x1000000u + n * 0x10000u,
                    0x9B2E7700u + (uint32_t)h * 0x2000000u + n * 0x20000u, r->o->mss);
        r->conns++;
        sg_tcp_connect(&r->tcp[h]);
        r->open[h] = true;
        if (r->o->tls)
            r->tls[h] = sg_tls_start(&r->tcp[h], r->o->tls,
                                     h ? "smds.esimscope.test" : "smdpplus.esimscope.test");
    }
    if (r->o->tls) {
        if (!r->tls[h] || sg_tls_exchange(r->tls[h], e->cmd, e->cmd_len, e->rsp, e->rsp_len) != 0)
            r->failed = true;
    } else {
        sg_tcp_send(&r->tcp[h], 0, e->cmd, e->cmd_len);
        sg_tcp_send(&r->tcp[h], 1, e->rsp, e->rsp_len);
    }
    if (r->o->per_call) { /* one connection per function: close_notify, then FIN */
        sg_tls_end(r->tls[h], true);
        r->tls[h] = NULL;
        sg_tcp_close(&r->tcp[h]);
        r->open[h] = false;
    }
}

int sg_render(const sg_transcript *t, const sg_render_opts *o)
{
    rctx r;
    memset(&r, 0, sizeof r);
    r.o = o;
    r.t0 = !(o->ccid_port && o->t1);
    bool card = o->gsmtap_port || o->ccid_port;
    r.ipid = 0x4d21;
    if (o->ccid_port)
        sg_reader_init(&r.reader, o->ccid_port, o->t1);
    int cut = 0;
    for (size_t i = 0; i < t->n && !cut; i++) {
        const sg_ev *e = &t->ev[i];
        switch (e->kind) {
        case SG_EV_ATR:
            if (o->ccid_port)
                sg_reader_power_on(&r.reader, e->cmd, e->cmd_len);
            if (o->gsmtap_port)
                sg_gsmtap_emit(o->gsmtap_port, 1000, &r.ipid, 1, e->cmd, e->cmd_len);
            break;
        case SG_EV_APDU:
            if (card)
                apdu(&r, e->hdr, e->cmd, e->cmd_len, e->want_data, e->rsp, e->rsp_len, e->sw);
            break;
        case SG_EV_ES10:
            if (card)
                cut = es10(&r, e, t->channel);
            break;
        case SG_EV_HTTP:
            if (o->http_port)
                http(&r, e);
            break;
        case SG_EV_HTTP_CLOSE:
            if (r.open[e->host & 1]) {
                sg_tls_end(r.tls[e->host & 1], true);
                r.tls[e->host & 1] = NULL;
                sg_tcp_close(&r.tcp[e->host & 1]);
                r.open[e->host & 1] = false;
            }
            break;
        }
    }
    for (int h = 0; h < 2; h++) {
        sg_tls_end(r.tls[h], !cut);
        if (r.open[h] && !cut)
            sg_tcp_close(&r.tcp[h]);
    }
    return r.failed ? -1 : cut;
}
