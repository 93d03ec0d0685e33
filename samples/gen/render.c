#include "render.h"
#include "card_apdu.h"
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

static void wire_out(void *ctx, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    wire(ctx, cmd, n, rsp, rn);
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
                sg_card_apdu(&(sg_card_out){.exchange = wire_out, .ctx = &r, .t0 = r.t0}, e->hdr, e->cmd,
                             e->cmd_len, e->want_data, e->rsp, e->rsp_len, e->sw);
            break;
        case SG_EV_ES10:
            if (card)
                cut = sg_card_es10(&(sg_card_out){.exchange = wire_out, .ctx = &r, .t0 = r.t0}, e,
                                   t->channel);
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
