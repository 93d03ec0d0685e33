#include "tls.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

struct sg_tls {
    sg_tcp *tcp;
    sg_tls_cfg *cfg;
    int slot;               /* cfg->session index: 0 SM-DP+, 1 SM-DS */
    SSL *c, *s;
    BIO *c_net, *s_net;     /* the network side of each end's BIO pair */
};

static GString *keylog_target;

static void keylog_cb(const SSL *ssl, const char *line)
{
    if (keylog_target)
        g_string_append_printf(keylog_target, "%s\n", line);
}

/* Moves what one end wrote onto the wire (as TCP segments) and into the other end. */
static void pump(sg_tls *s, int dir)
{
    BIO *from = dir == 0 ? s->c_net : s->s_net, *to = dir == 0 ? s->s_net : s->c_net;
    size_t pending = BIO_ctrl_pending(from);
    if (!pending)
        return;
    uint8_t *buf = malloc(pending);
    int n = BIO_read(from, buf, (int)pending);
    if (n > 0) {
        sg_tcp_send(s->tcp, dir, buf, (size_t)n);
        BIO_write(to, buf, n);
    }
    free(buf);
}

static SSL_CTX *ctx(bool server, const sg_tls_cfg *cfg)
{
    SSL_CTX *x = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
    if (!x)
        return NULL;
    /* SGP.22 2.6.6: TLS 1.2, TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 (or AES_128_CBC_SHA256);
     * SGP.22 v3: TLS 1.3 */
    int v = cfg->version ? cfg->version : TLS1_2_VERSION;
    SSL_CTX_set_min_proto_version(x, v);
    SSL_CTX_set_max_proto_version(x, v);
    if (v == TLS1_3_VERSION)
        SSL_CTX_set_ciphersuites(x, cfg->suite ? cfg->suite : "TLS_AES_128_GCM_SHA256");
    else
        SSL_CTX_set_cipher_list(x, cfg->suite ? cfg->suite : "ECDHE-ECDSA-AES128-GCM-SHA256");
    if (!cfg->resume)
        SSL_CTX_set_options(x, SSL_OP_NO_TICKET);
    if (server) {
        SSL_CTX_set_session_id_context(x, (const unsigned char *)"esim-samplegen", 14);
        SSL_CTX_use_certificate(x, cfg->cert);
        SSL_CTX_use_PrivateKey(x, cfg->key);
    } else {
        X509_STORE_add_cert(SSL_CTX_get_cert_store(x), cfg->ca);
        X509_VERIFY_PARAM_set_flags(SSL_CTX_get0_param(x), X509_V_FLAG_NO_CHECK_TIME);
        SSL_CTX_set_verify(x, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_keylog_callback(x, keylog_cb);
    }
    return x;
}

void sg_tls_cfg_clear(sg_tls_cfg *cfg)
{
    SSL_CTX_free(cfg->cctx);
    SSL_CTX_free(cfg->sctx);
    SSL_SESSION_free(cfg->session[0]);
    SSL_SESSION_free(cfg->session[1]);
    cfg->cctx = cfg->sctx = NULL;
    cfg->session[0] = cfg->session[1] = NULL;
}

sg_tls *sg_tls_start(sg_tcp *t, sg_tls_cfg *cfg, const char *sni)
{
    sg_tls *s = calloc(1, sizeof *s);
    BIO *cb = NULL, *sb = NULL;
    keylog_target = cfg->keylog;
    s->tcp = t;
    s->cfg = cfg;
    s->slot = strstr(sni, "smds") ? 1 : 0;
    if (!cfg->cctx)
        cfg->cctx = ctx(false, cfg);
    if (!cfg->sctx)
        cfg->sctx = ctx(true, cfg);
    if (!cfg->cctx || !cfg->sctx || !(s->c = SSL_new(cfg->cctx)) || !(s->s = SSL_new(cfg->sctx)) ||
        !BIO_new_bio_pair(&cb, 0, &s->c_net, 0) || !BIO_new_bio_pair(&sb, 0, &s->s_net, 0))
        goto fail;
    SSL_set_bio(s->c, cb, cb);
    SSL_set_bio(s->s, sb, sb);
    SSL_set_tlsext_host_name(s->c, sni);
    if (cfg->resume && cfg->session[s->slot])
        SSL_set_session(s->c, cfg->session[s->slot]);
    SSL_set_connect_state(s->c);
    SSL_set_accept_state(s->s);
    for (int i = 0; i < 20; i++) {
        int rc = SSL_do_handshake(s->c);
        pump(s, 0);
        int rs = SSL_do_handshake(s->s);
        pump(s, 1);
        if (rc == 1 && rs == 1)
            return s;
    }
fail:
    fprintf(stderr, "esim-samplegen: TLS handshake failed\n");
    ERR_print_errors_fp(stderr);
    sg_tls_end(s, false);
    return NULL;
}

static int move(sg_tls *s, int dir, const uint8_t *d, size_t n)
{
    SSL *w = dir == 0 ? s->c : s->s, *r = dir == 0 ? s->s : s->c;
    if (SSL_write(w, d, (int)n) != (int)n)
        return -1;
    pump(s, dir);
    uint8_t *buf = malloc(n);
    size_t got = 0;
    while (got < n) {
        int k = SSL_read(r, buf + got, (int)(n - got));
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    int ok = got == n && memcmp(buf, d, n) == 0;
    free(buf);
    return ok ? 0 : -1;
}

int sg_tls_exchange(sg_tls *s, const uint8_t *req, size_t n, const uint8_t *rsp, size_t rn)
{
    return move(s, 0, req, n) == 0 && move(s, 1, rsp, rn) == 0 ? 0 : -1;
}

void sg_tls_end(sg_tls *s, bool notify)
{
    if (!s)
        return;
    if (s->cfg && s->cfg->resume && s->c && SSL_is_init_finished(s->c)) {
        SSL_SESSION_free(s->cfg->session[s->slot]);
        s->cfg->session[s->slot] = SSL_get1_session(s->c);
    }
    if (notify && s->c && s->s && SSL_is_init_finished(s->c)) {
        SSL_shutdown(s->c);
        pump(s, 0);
        SSL_shutdown(s->s);
        pump(s, 1);
    }
    SSL_free(s->c);
    SSL_free(s->s);
    BIO_free(s->c_net);
    BIO_free(s->s_net);
    keylog_target = NULL;
    free(s);
}
