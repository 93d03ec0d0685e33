/* bench_tls: TLS decryption throughput of the trace pipeline's TLS layer (esim/tls.h).
 *   bench_tls [--size MB] [--iterations N]
 * Makes one real TLS connection per suite with OpenSSL on memory BIOs (TLS 1.2
 * ECDHE-ECDSA-AES128-GCM-SHA256 and TLS 1.3 TLS_AES_128_GCM_SHA256), the server sending --size MB
 * of application data in full 16 KiB records, records the wire as 1448-byte TCP segments with the
 * key log, then times esim_tls_on_tcp over it (best of N, wall clock and process CPU time) and
 * checks that every plaintext byte came out. bench/run_tls.sh sets the figures beside
 * `openssl speed -evp aes-128-gcm`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "esim/tls.h"

#define SEG 1448

typedef struct rec {
    uint8_t *wire[2];     /* bytes per direction in order */
    size_t len[2], cap[2];
    size_t order_n;
    struct { int dir; size_t off, n; } *order; /* segments in time order */
    size_t order_cap;
    char keylog[4096];
} rec;

static rec *cur;

static void keylog_cb(const SSL *s, const char *line)
{
    (void)s;
    size_t h = strlen(cur->keylog);
    snprintf(cur->keylog + h, sizeof cur->keylog - h, "%s\n", line);
}

static void put(rec *r, int dir, const uint8_t *d, size_t n)
{
    while (n) {
        size_t k = n > SEG ? SEG : n;
        if (r->len[dir] + k > r->cap[dir]) {
            r->cap[dir] = (r->cap[dir] + k) * 2;
            r->wire[dir] = realloc(r->wire[dir], r->cap[dir]);
        }
        if (r->order_n == r->order_cap) {
            r->order_cap = r->order_cap ? r->order_cap * 2 : 1024;
            r->order = realloc(r->order, r->order_cap * sizeof *r->order);
        }
        memcpy(r->wire[dir] + r->len[dir], d, k);
        r->order[r->order_n].dir = dir;
        r->order[r->order_n].off = r->len[dir];
        r->order[r->order_n++].n = k;
        r->len[dir] += k;
        d += k;
        n -= k;
    }
}

static void pump(BIO *from, BIO *to, int dir, rec *r)
{
    static uint8_t buf[1 << 16];
    int n;
    while ((n = BIO_read(from, buf, sizeof buf)) > 0) {
        put(r, dir, buf, (size_t)n);
        BIO_write(to, buf, n);
    }
}

static int record_connection(rec *r, int version, const char *suite, size_t bytes)
{
    memset(r, 0, sizeof *r);
    cur = r;
    EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    X509_set_version(x, 2);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pk);
    X509_sign(x, pk, EVP_sha256());
    SSL_CTX *cx = SSL_CTX_new(TLS_client_method()), *sx = SSL_CTX_new(TLS_server_method());
    SSL_CTX *both[2] = {cx, sx};
    for (int i = 0; i < 2; i++) {
        SSL_CTX_set_min_proto_version(both[i], version);
        SSL_CTX_set_max_proto_version(both[i], version);
        if (version == TLS1_3_VERSION)
            SSL_CTX_set_ciphersuites(both[i], suite);
        else
            SSL_CTX_set_cipher_list(both[i], suite);
    }
    SSL_CTX_use_certificate(sx, x);
    SSL_CTX_use_PrivateKey(sx, pk);
    SSL_CTX_set_keylog_callback(cx, keylog_cb);
    SSL *c = SSL_new(cx), *s = SSL_new(sx);
    BIO *cb, *cn, *sb, *sn;
    BIO_new_bio_pair(&cb, 1 << 20, &cn, 1 << 20);
    BIO_new_bio_pair(&sb, 1 << 20, &sn, 1 << 20);
    SSL_set_bio(c, cb, cb);
    SSL_set_bio(s, sb, sb);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    int ok = 0;
    for (int i = 0; i < 20 && !ok; i++) {
        int rc = SSL_do_handshake(c);
        pump(cn, sn, 0, r);
        int rs = SSL_do_handshake(s);
        pump(sn, cn, 1, r);
        ok = rc == 1 && rs == 1;
    }
    uint8_t *chunk = malloc(1 << 16), *sink = malloc(1 << 16);
    for (size_t i = 0; i < (1 << 16); i++)
        chunk[i] = (uint8_t)i;
    for (size_t sent = 0; ok && sent < bytes; sent += 1 << 16) {
        ok = SSL_write(s, chunk, 1 << 16) == 1 << 16;
        pump(sn, cn, 1, r);
        while (SSL_read(c, sink, 1 << 16) > 0)
            ;
        pump(cn, sn, 0, r);
    }
    free(chunk);
    free(sink);
    SSL_free(c);
    SSL_free(s);
    BIO_free(cn);
    BIO_free(sn);
    SSL_CTX_free(cx);
    SSL_CTX_free(sx);
    X509_free(x);
    EVP_PKEY_free(pk);
    return ok ? 0 : -1;
}

static uint64_t plain_bytes;

static void on_plain(const esim_tcp_event *ev, void *user)
{
    (void)user;
    if (ev->type == ESIM_TCP_EV_DATA)
        plain_bytes += ev->len;
}

static double now(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int run(const char *name, int version, const char *suite, size_t mb, int iters)
{
    rec r;
    if (record_connection(&r, version, suite, mb << 20) != 0) {
        fprintf(stderr, "bench_tls: %s: handshake failed\n", name);
        return -1;
    }
    esim_tls_keylog *k = esim_tls_keylog_new();
    esim_tls_keylog_add_text(k, r.keylog, strlen(r.keylog));
    double best_wall = 1e9, best_cpu = 1e9;
    for (int it = 0; it < iters; it++) {
        plain_bytes = 0;
        esim_tls *t = esim_tls_new(on_plain, NULL, k, NULL, NULL);
        void *slot = NULL;
        bool ign = false;
        esim_tcp_event ev = {.type = ESIM_TCP_EV_DATA, .flow_id = 1, .ip_version = 4,
                             .flow_user = &slot, .ignore_flow = &ign};
        double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
        for (size_t i = 0; i < r.order_n; i++) {
            ev.dir = r.order[i].dir;
            ev.frame = i + 1;
            ev.data = r.wire[ev.dir] + r.order[i].off;
            ev.len = r.order[i].n;
            esim_tls_on_tcp(t, &ev);
        }
        ev.type = ESIM_TCP_EV_CLOSE;
        esim_tls_on_tcp(t, &ev);
        double w = now(CLOCK_MONOTONIC) - w0, c = now(CLOCK_PROCESS_CPUTIME_ID) - c0;
        esim_tls_free(t);
        if (plain_bytes < (uint64_t)mb << 20) {
            fprintf(stderr, "bench_tls: %s: only %llu plaintext bytes\n", name,
                    (unsigned long long)plain_bytes);
            return -1;
        }
        best_wall = w < best_wall ? w : best_wall;
        best_cpu = c < best_cpu ? c : best_cpu;
    }
    double mbytes = (double)plain_bytes / 1e6;
    printf("%s_plaintext_MB %.1f\n", name, mbytes);
    printf("%s_decrypt_wall_MBps %.1f\n", name, mbytes / best_wall);
    printf("%s_decrypt_cpu_MBps %.1f\n", name, mbytes / best_cpu);
    esim_tls_keylog_free(k);
    free(r.wire[0]);
    free(r.wire[1]);
    free(r.order);
    return 0;
}

int main(int argc, char **argv)
{
    size_t mb = 64;
    int iters = 5;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--size"))
            mb = (size_t)atol(argv[i + 1]);
        else if (!strcmp(argv[i], "--iterations"))
            iters = atoi(argv[i + 1]);
    }
    if (!mb || iters < 1) {
        fprintf(stderr, "usage: bench_tls [--size MB] [--iterations N]\n");
        return 2;
    }
    if (run("tls12_aes128gcm", TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256", mb, iters) ||
        run("tls13_aes128gcm", TLS1_3_VERSION, "TLS_AES_128_GCM_SHA256", mb, iters))
        return 1;
    return 0;
}
