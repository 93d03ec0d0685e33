/* HTTPS for the samples: an in-process OpenSSL TLS 1.2 or 1.3 client (the LPA) and server (SM-DP+ / SM-DS,
 * with the DPtls certificate) talking over memory BIOs; every flight of TLS records goes into the
 * TCP connection model as it would on the wire, and the session secrets are written in the
 * SSLKEYLOGFILE format (SSL_CTX_set_keylog_callback) so Wireshark can decrypt the capture. TLS
 * randoms and ECDHE keys come from OpenSSL's RNG: TLS samples differ on every run. */
#ifndef SG_TLS_H
#define SG_TLS_H
#include <glib.h>
#include <openssl/ssl.h>
#include "net.h"

typedef struct sg_tls_cfg {
    X509 *cert;             /* server certificate (CERT.DP.TLS) */
    EVP_PKEY *key;
    X509 *ca;               /* the CI: the client's trust anchor */
    GString *keylog;        /* SSLKEYLOGFILE lines are appended here */
    int version;            /* TLS1_3_VERSION, or 0 = TLS 1.2 */
    const char *suite;      /* cipher (1.2) or ciphersuite (1.3); NULL = the SGP.22 default */
    bool resume;            /* a connection resumes the previous session to the same server */
    /* kept across connections (sg_tls_cfg_clear frees): the ends' contexts (the server's session
     * cache and ticket keys) and the last session per server name */
    SSL_CTX *cctx, *sctx;
    SSL_SESSION *session[2];
} sg_tls_cfg;

void sg_tls_cfg_clear(sg_tls_cfg *cfg);

typedef struct sg_tls sg_tls;

/* Runs the handshake over t (already connected). NULL on failure (message on stderr). */
sg_tls *sg_tls_start(sg_tcp *t, sg_tls_cfg *cfg, const char *sni);
/* One HTTP exchange inside the TLS session. Returns 0 / -1. */
int sg_tls_exchange(sg_tls *s, const uint8_t *req, size_t n, const uint8_t *rsp, size_t rn);
/* With notify: close_notify from the client, then the server's. Frees. */
void sg_tls_end(sg_tls *s, bool notify);
#endif
