/* TLS decryption (esim/tls.h) against real OpenSSL connections made in the test: an in-process
 * client and server on memory BIOs, their wire bytes and key log (SSL_CTX_set_keylog_callback)
 * fed to the TLS layer as TCP events. Every suite decrypted (TLS 1.2 AES-GCM, AES-CBC-HMAC with
 * and without encrypt-then-MAC, ChaCha20-Poly1305; TLS 1.3 AES-GCM and ChaCha20-Poly1305),
 * records larger than one TCP segment, KeyUpdate, HelloRetryRequest, resumed sessions (1.2
 * session ID, 1.3 ticket), the stream cut at every offset, a wrong key (report, nothing passed
 * on), no key (report with SNI, client random, bytes), a capture started mid-connection, the key
 * log parser and the hello parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include "esim/capture.h"
#include "esim/tls.h"
#include "test_capture_util.h"

/* ---- a recorded TLS connection ---- */

typedef struct chunk {
    int dir;            /* 0 client -> server */
    uint8_t *d;
    size_t n;
} chunk;

typedef struct wire {
    chunk c[256];
    size_t n;
    char keylog[8192];
    uint8_t client_random[32];
    uint8_t sent[2][70000]; /* application bytes per direction, in order */
    size_t sent_n[2];
} wire;

typedef struct conf {
    int version;             /* TLS1_2_VERSION or TLS1_3_VERSION */
    const char *ciphers;     /* 1.2 cipher list or 1.3 ciphersuites */
    bool no_etm;
    bool no_ticket;          /* 1.2: resumption by session ID instead of a ticket */
    bool key_update;         /* 1.3: the client updates its keys halfway */
    bool hrr;                /* 1.3: the client's first key share is refused */
    SSL_SESSION *resume;     /* resume this session */
    SSL_SESSION **keep;      /* store the session here */
} conf;

static wire *keylog_target;

static void keylog_cb(const SSL *ssl, const char *line)
{
    (void)ssl;
    size_t have = strlen(keylog_target->keylog);
    snprintf(keylog_target->keylog + have, sizeof keylog_target->keylog - have, "%s\n", line);
}

static EVP_PKEY *pkey;
static X509 *cert;
static SSL_CTX *server_ctx12, *server_ctx13; /* kept: the server's session cache for resumption */

static void make_cert(void)
{
    pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert), "CN", MBSTRING_ASC,
                               (const unsigned char *)"smdp.test", -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(cert));
    X509_set_pubkey(cert, pkey);
    assert_true(X509_sign(cert, pkey, EVP_sha256()) > 0);
}

static SSL_CTX *server_ctx(int version)
{
    SSL_CTX **slot = version == TLS1_3_VERSION ? &server_ctx13 : &server_ctx12;
    if (*slot)
        return *slot;
    SSL_CTX *x = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_min_proto_version(x, version);
    SSL_CTX_set_max_proto_version(x, version);
    SSL_CTX_set_cipher_list(x, "ALL");
    SSL_CTX_use_certificate(x, cert);
    SSL_CTX_use_PrivateKey(x, pkey);
    SSL_CTX_set_session_id_context(x, (const unsigned char *)"t", 1);
    SSL_CTX_set1_groups_list(x, "P-256");
    *slot = x;
    return x;
}

static void pump(SSL *from_ssl, BIO *from, BIO *to, int dir, wire *w)
{
    (void)from_ssl;
    size_t pending = BIO_ctrl_pending(from);
    while (pending) {
        /* segments of at most 1460 bytes, as TCP would carry them */
        size_t k = pending > 1460 ? 1460 : pending;
        assert_true(w->n < 256);
        chunk *c = &w->c[w->n++];
        c->dir = dir;
        c->d = malloc(k);
        c->n = (size_t)BIO_read(from, c->d, (int)k);
        BIO_write(to, c->d, (int)c->n);
        pending -= c->n;
    }
}

typedef struct ends {
    SSL *c, *s;
    BIO *cn, *sn;
} ends;

static void flush(ends *e, wire *w)
{
    pump(e->c, e->cn, e->sn, 0, w);
    pump(e->s, e->sn, e->cn, 1, w);
}

static void send_app(ends *e, wire *w, int dir, size_t n, uint8_t fill)
{
    SSL *wr = dir ? e->s : e->c, *rd = dir ? e->c : e->s;
    uint8_t *buf = malloc(n), *got = malloc(n);
    for (size_t i = 0; i < n; i++)
        buf[i] = (uint8_t)(fill + i * 7);
    assert_int_equal(SSL_write(wr, buf, (int)n), (int)n);
    flush(e, w);
    size_t have = 0;
    while (have < n) {
        int k = SSL_read(rd, got + have, (int)(n - have));
        assert_true(k > 0);
        have += (size_t)k;
    }
    flush(e, w); /* e.g. the tickets of TLS 1.3 */
    assert_memory_equal(buf, got, n);
    assert_true(w->sent_n[dir] + n <= sizeof w->sent[dir]);
    memcpy(w->sent[dir] + w->sent_n[dir], buf, n);
    w->sent_n[dir] += n;
    free(buf);
    free(got);
}

static void record(wire *w, const conf *cf)
{
    memset(w, 0, sizeof *w);
    keylog_target = w;
    SSL_CTX *cx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_min_proto_version(cx, cf->version);
    SSL_CTX_set_max_proto_version(cx, cf->version);
    if (cf->version == TLS1_3_VERSION)
        assert_int_equal(SSL_CTX_set_ciphersuites(cx, cf->ciphers), 1);
    else
        assert_int_equal(SSL_CTX_set_cipher_list(cx, cf->ciphers), 1);
    if (cf->no_etm)
        SSL_CTX_set_options(cx, SSL_OP_NO_ENCRYPT_THEN_MAC);
    if (cf->no_ticket)
        SSL_CTX_set_options(cx, SSL_OP_NO_TICKET);
    if (cf->hrr)
        SSL_CTX_set1_groups_list(cx, "X25519:P-256");
    SSL_CTX_set_keylog_callback(cx, keylog_cb);
    ends e = {SSL_new(cx), SSL_new(server_ctx(cf->version)), NULL, NULL};
    BIO *cb, *sb;
    assert_true(BIO_new_bio_pair(&cb, 1 << 18, &e.cn, 1 << 18));
    assert_true(BIO_new_bio_pair(&sb, 1 << 18, &e.sn, 1 << 18));
    SSL_set_bio(e.c, cb, cb);
    SSL_set_bio(e.s, sb, sb);
    SSL_set_tlsext_host_name(e.c, "smdp.test");
    if (cf->resume)
        SSL_set_session(e.c, cf->resume);
    SSL_set_connect_state(e.c);
    SSL_set_accept_state(e.s);
    int rc = 0, rs = 0;
    for (int i = 0; i < 20 && !(rc == 1 && rs == 1); i++) {
        rc = SSL_do_handshake(e.c);
        flush(&e, w);
        rs = SSL_do_handshake(e.s);
        flush(&e, w);
    }
    assert_int_equal(rc, 1);
    assert_int_equal(rs, 1);
    if (cf->resume)
        assert_int_equal(SSL_session_reused(e.c), 1);
    SSL_get_client_random(e.c, w->client_random, 32);
    send_app(&e, w, 0, 300, 1);        /* a request */
    send_app(&e, w, 1, 20000, 2);      /* a response over two records and many segments */
    if (cf->key_update) {
        assert_int_equal(SSL_key_update(e.c, SSL_KEY_UPDATE_NOT_REQUESTED), 1);
        send_app(&e, w, 0, 100, 3);
    }
    send_app(&e, w, 0, 5, 4);
    send_app(&e, w, 1, 1, 5);
    if (cf->keep)
        *cf->keep = SSL_get1_session(e.c);
    SSL_shutdown(e.c);
    flush(&e, w);
    SSL_shutdown(e.s); /* (a server session not shut down is dropped from its cache) */
    flush(&e, w);
    SSL_free(e.c);
    SSL_free(e.s);
    BIO_free(e.cn);
    BIO_free(e.sn);
    SSL_CTX_free(cx);
    keylog_target = NULL;
}

static void wire_free(wire *w)
{
    for (size_t i = 0; i < w->n; i++)
        free(w->c[i].d);
    w->n = 0;
}

/* ---- feeding it to the layer ---- */

typedef struct sink {
    uint8_t got[2][70000];
    size_t got_n[2];
    esim_tls_report rep[4];
    char rep_text[4][200], rep_sni[4][64];
    size_t nrep;
    uint64_t last_frame[2];
    bool closed;
} sink;

static void on_plain(const esim_tcp_event *ev, void *user)
{
    sink *s = user;
    if (ev->type == ESIM_TCP_EV_CLOSE) {
        s->closed = true;
        return;
    }
    if (ev->type != ESIM_TCP_EV_DATA)
        return;
    assert_true(s->got_n[ev->dir] + ev->len <= sizeof s->got[ev->dir]);
    memcpy(s->got[ev->dir] + s->got_n[ev->dir], ev->data, ev->len);
    s->got_n[ev->dir] += ev->len;
    assert_true(ev->frame >= s->last_frame[ev->dir]);
    s->last_frame[ev->dir] = ev->frame;
}

static void on_report(const esim_tls_report *r, void *user)
{
    sink *s = user;
    assert_true(s->nrep < 4);
    s->rep[s->nrep] = *r;
    snprintf(s->rep_text[s->nrep], 200, "%s", r->text);
    snprintf(s->rep_sni[s->nrep], 64, "%s", r->sni);
    s->rep[s->nrep].text = s->rep_text[s->nrep];
    s->rep[s->nrep].sni = s->rep_sni[s->nrep];
    s->nrep++;
}

/* Feeds the wire from chunk `from`, each chunk cut in two at byte `cut` of the whole stream
 * (0: no cut; SIZE_MAX: one byte per event). */
static void feed_on(esim_tls *t, uint64_t flow, const wire *w, size_t from, size_t cut)
{
    void *slot = NULL;
    bool ignored = false;
    esim_tcp_event ev = {.flow_id = flow, .ip_version = 4, .flow_user = &slot,
                         .ignore_flow = &ignored};
    size_t off = 0;
    for (size_t i = from; i < w->n; i++) {
        const chunk *c = &w->c[i];
        ev.type = ESIM_TCP_EV_DATA;
        ev.dir = c->dir;
        ev.frame = flow * 10000 + i + 1;
        ev.src.port = c->dir ? 8443 : 49152;
        ev.dst.port = c->dir ? 49152 : 8443;
        if (cut == SIZE_MAX) {
            for (size_t b = 0; b < c->n; b++) {
                ev.data = c->d + b;
                ev.len = 1;
                esim_tls_on_tcp(t, &ev);
            }
        } else if (cut > off && cut < off + c->n) {
            ev.data = c->d;
            ev.len = cut - off;
            esim_tls_on_tcp(t, &ev);
            ev.data = c->d + (cut - off);
            ev.len = c->n - (cut - off);
            esim_tls_on_tcp(t, &ev);
        } else {
            ev.data = c->d;
            ev.len = c->n;
            esim_tls_on_tcp(t, &ev);
        }
        off += c->n;
    }
    ev.type = ESIM_TCP_EV_CLOSE;
    esim_tls_on_tcp(t, &ev);
    assert_null(slot);
}

static void feed(const wire *w, const esim_tls_keylog *k, sink *s, size_t from, size_t cut)
{
    memset(s, 0, sizeof *s);
    esim_tls *t = esim_tls_new(on_plain, s, k, on_report, s);
    feed_on(t, 1, w, from, cut);
    esim_tls_free(t);
}

static esim_tls_keylog *keys_of(const wire *w)
{
    esim_tls_keylog *k = esim_tls_keylog_new();
    esim_tls_keylog_add_text(k, w->keylog, strlen(w->keylog));
    return k;
}

static void assert_plaintext(const wire *w, const sink *s)
{
    for (int d = 0; d < 2; d++) {
        assert_int_equal(s->got_n[d], w->sent_n[d]);
        assert_memory_equal(s->got[d], w->sent[d], w->sent_n[d]);
    }
    assert_int_equal(s->nrep, 0);
    assert_true(s->closed);
}

static void decrypts(const conf *cf)
{
    wire w;
    sink s;
    record(&w, cf);
    esim_tls_keylog *k = keys_of(&w);
    feed(&w, k, &s, 0, 0);
    assert_plaintext(&w, &s);
    feed(&w, k, &s, 0, SIZE_MAX);
    assert_plaintext(&w, &s);
    esim_tls_keylog_free(k);
    wire_free(&w);
}

static void tls12_aes128_gcm(void **st)
{
    (void)st;
    decrypts(&(conf){.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"});
}

static void tls12_aes256_gcm(void **st)
{
    (void)st;
    decrypts(&(conf){.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES256-GCM-SHA384"});
}

static void tls12_cbc_sha256_etm(void **st)
{
    (void)st;
    decrypts(&(conf){.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-SHA256"});
}

static void tls12_cbc_sha256_mac_then_encrypt(void **st)
{
    (void)st;
    decrypts(&(conf){.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-SHA256", .no_etm = true});
}

static void tls12_cbc_sha384_both(void **st)
{
    (void)st;
    decrypts(&(conf){.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES256-SHA384"});
    decrypts(&(conf){.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES256-SHA384", .no_etm = true});
}

static void tls12_chacha20(void **st)
{
    (void)st;
    decrypts(&(conf){.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-CHACHA20-POLY1305"});
}

static void tls13_suites(void **st)
{
    (void)st;
    decrypts(&(conf){.version = TLS1_3_VERSION, .ciphers = "TLS_AES_128_GCM_SHA256"});
    decrypts(&(conf){.version = TLS1_3_VERSION, .ciphers = "TLS_AES_256_GCM_SHA384"});
    decrypts(&(conf){.version = TLS1_3_VERSION, .ciphers = "TLS_CHACHA20_POLY1305_SHA256"});
}

static void tls13_key_update_and_hrr(void **st)
{
    (void)st;
    decrypts(&(conf){.version = TLS1_3_VERSION, .ciphers = "TLS_AES_128_GCM_SHA256", .key_update = true});
    decrypts(&(conf){.version = TLS1_3_VERSION, .ciphers = "TLS_AES_256_GCM_SHA384", .hrr = true});
}

/* The resumed connection's keys come from its own client random (OpenSSL logs the reused master
 * secret / the new traffic secrets under it). */
static void resumption(void **st)
{
    (void)st;
    for (int v = 0; v < 2; v++) {
        SSL_SESSION *sess = NULL;
        wire w;
        const char *suite = v ? "TLS_AES_128_GCM_SHA256" : "ECDHE-ECDSA-AES128-SHA256";
        int ver = v ? TLS1_3_VERSION : TLS1_2_VERSION;
        record(&w, &(conf){.version = ver, .ciphers = suite, .keep = &sess});
        wire_free(&w);
        assert_non_null(sess);
        decrypts(&(conf){.version = ver, .ciphers = suite, .resume = sess});
        SSL_SESSION_free(sess);
    }
}

/* TLS 1.2 resumed by session ID or by ticket, the key log holding only the first connection's
 * line: the master secret comes from the session the capture saw. */
static void resumption_without_its_line(void **st)
{
    (void)st;
    for (int by_id = 0; by_id < 2; by_id++) {
        SSL_SESSION *sess = NULL;
        wire *a = malloc(sizeof *a), *b = malloc(sizeof *b);
        conf ca = {.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256",
                   .no_ticket = by_id, .keep = &sess};
        record(a, &ca);
        ca.keep = NULL;
        ca.resume = sess;
        record(b, &ca);
        esim_tls_keylog *k = keys_of(a);
        sink *s = calloc(1, sizeof *s);
        esim_tls *t = esim_tls_new(on_plain, s, k, on_report, s);
        feed_on(t, 1, a, 0, 0);
        feed_on(t, 2, b, 0, 0);
        esim_tls_free(t);
        assert_int_equal(s->nrep, 0);
        for (int d = 0; d < 2; d++) {
            assert_int_equal(s->got_n[d], a->sent_n[d] + b->sent_n[d]);
            assert_memory_equal(s->got[d] + a->sent_n[d], b->sent[d], b->sent_n[d]);
        }
        /* the resumed connection alone is reported: its session was not seen */
        feed(b, k, s, 0, 0);
        assert_int_equal(s->nrep, 1);
        assert_int_equal(s->rep[0].problem, ESIM_TLS_NO_KEY);
        esim_tls_keylog_free(k);
        SSL_SESSION_free(sess);
        wire_free(a);
        wire_free(b);
        free(a);
        free(b);
        free(s);
    }
}

/* Both directions cut at every byte offset of the whole conversation. */
static void cut_everywhere(void **st)
{
    (void)st;
    const conf cfs[] = {{.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"},
                        {.version = TLS1_3_VERSION, .ciphers = "TLS_AES_128_GCM_SHA256"}};
    for (size_t i = 0; i < 2; i++) {
        wire w;
        sink *s = malloc(sizeof *s);
        record(&w, &cfs[i]);
        esim_tls_keylog *k = keys_of(&w);
        size_t total = 0;
        for (size_t c = 0; c < w.n; c++)
            total += w.c[c].n;
        for (size_t cut = 1; cut < total; cut++) {
            feed(&w, k, s, 0, cut);
            assert_plaintext(&w, s);
        }
        esim_tls_keylog_free(k);
        wire_free(&w);
        free(s);
    }
}

/* A wrong secret: every version reports BAD_KEY and passes nothing on. */
static void wrong_key(void **st)
{
    (void)st;
    const conf cfs[] = {{.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-GCM-SHA256"},
                        {.version = TLS1_2_VERSION, .ciphers = "ECDHE-ECDSA-AES128-SHA256"},
                        {.version = TLS1_3_VERSION, .ciphers = "TLS_CHACHA20_POLY1305_SHA256"}};
    for (size_t i = 0; i < 3; i++) {
        wire w;
        sink s;
        record(&w, &cfs[i]);
        /* the last hex digit of every secret changes */
        for (char *p = w.keylog; (p = strchr(p, '\n')); p++)
            p[-1] = p[-1] == '0' ? '1' : '0';
        esim_tls_keylog *k = keys_of(&w);
        feed(&w, k, &s, 0, 0);
        assert_int_equal(s.got_n[0] + s.got_n[1], 0);
        assert_int_equal(s.nrep, 1);
        assert_int_equal(s.rep[0].problem, ESIM_TLS_BAD_KEY);
        assert_non_null(strstr(s.rep[0].text, "does not authenticate"));
        esim_tls_keylog_free(k);
        wire_free(&w);
    }
}

static void no_key(void **st)
{
    (void)st;
    wire w;
    sink s;
    record(&w, &(conf){.version = TLS1_3_VERSION, .ciphers = "TLS_AES_128_GCM_SHA256"});
    esim_tls_keylog *k = esim_tls_keylog_new();
    feed(&w, k, &s, 0, 0);
    assert_int_equal(s.got_n[0] + s.got_n[1], 0);
    assert_int_equal(s.nrep, 1);
    assert_int_equal(s.rep[0].problem, ESIM_TLS_NO_KEY);
    assert_string_equal(s.rep[0].sni, "smdp.test");
    assert_true(s.rep[0].have_random);
    assert_memory_equal(s.rep[0].client_random, w.client_random, 32);
    assert_int_equal(s.rep[0].version, 0x0304);
    assert_int_equal(s.rep[0].cipher_suite, 0x1301);
    assert_true(s.rep[0].bytes > 20000);
    assert_int_equal(s.rep[0].server.port, 8443);
    char line[400];
    esim_tls_report_format(&s.rep[0], line, sizeof line);
    assert_non_null(strstr(line, "SNI smdp.test"));
    assert_non_null(strstr(line, "client random "));
    /* no key log at all: the same */
    feed(&w, NULL, &s, 0, 0);
    assert_int_equal(s.nrep, 1);
    assert_int_equal(s.rep[0].problem, ESIM_TLS_NO_KEY);
    /* started after the hellos */
    esim_tls_keylog *kk = keys_of(&w);
    size_t from = 0;
    for (size_t i = 0; i < w.n; i++)
        if (w.c[i].n > 1000) {
            from = i;
            break;
        }
    assert_true(from > 0);
    feed(&w, kk, &s, from, 0);
    assert_int_equal(s.nrep, 1);
    assert_int_equal(s.rep[0].problem, ESIM_TLS_NO_HANDSHAKE);
    assert_int_equal(s.got_n[0] + s.got_n[1], 0);
    esim_tls_keylog_free(k);
    esim_tls_keylog_free(kk);
    wire_free(&w);
}

/* ---- parsers ---- */

static void keylog_parse(void **st)
{
    (void)st;
    const char *text =
        "# comment\r\n"
        "\n"
        "CLIENT_RANDOM 0101010101010101010101010101010101010101010101010101010101010101 "
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
        "SERVER_TRAFFIC_SECRET_0 0202020202020202020202020202020202020202020202020202020202020202 "
        "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
        "EXPORTER_SECRET 0202020202020202020202020202020202020202020202020202020202020202 00112233445566778899aabbccddeeff\n"
        "CLIENT_RANDOM 03 AA\n"               /* short random */
        "CLIENT_RANDOM 0303030303030303030303030303030303030303030303030303030303030303 AABB\n"
        "NONSENSE x y\n"
        "CLIENT_RANDOM 0404040404040404040404040404040404040404040404040404040404040404\n";
    esim_tls_keylog *k = esim_tls_keylog_new();
    esim_tls_keylog_add_text(k, text, strlen(text));
    const esim_tls_keylog_stats *s = esim_tls_keylog_get_stats(k);
    assert_int_equal(s->secrets, 2);
    assert_int_equal(s->ignored, 1);
    assert_int_equal(s->malformed, 4);
    assert_int_equal(s->first_malformed, 6);
    uint8_t r[32], out[ESIM_TLS_MAX_SECRET];
    memset(r, 1, 32);
    assert_int_equal(esim_tls_keylog_find(k, r, ESIM_TLS_SECRET_MASTER, out), 48);
    assert_int_equal(out[0], 0xAA);
    assert_int_equal(esim_tls_keylog_find(k, r, ESIM_TLS_SECRET_CLIENT_APP, out), 0);
    memset(r, 2, 32);
    assert_int_equal(esim_tls_keylog_find(k, r, ESIM_TLS_SECRET_SERVER_APP, out), 32);
    assert_int_equal(out[31], 0xBB);
    memset(r, 3, 32);
    assert_int_equal(esim_tls_keylog_find(k, r, ESIM_TLS_SECRET_MASTER, out), 0);
    esim_tls_keylog_free(k);
    /* from a file; a missing file is an error */
    esim_error err;
    k = esim_tls_keylog_new();
    assert_int_equal(esim_tls_keylog_load(k, "/nonexistent/keylog", &err), -1);
    char path[] = "/tmp/esim-tls-keylog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    for (int i = 0; i < 2000; i++) /* an over-long line */
        fputc('A', f);
    fputs("\nSERVER_HANDSHAKE_TRAFFIC_SECRET 0505050505050505050505050505050505050505050505050505050505050505 "
          "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc", f);
    fclose(f);
    assert_int_equal(esim_tls_keylog_load(k, path, &err), 0);
    unlink(path);
    assert_int_equal(esim_tls_keylog_get_stats(k)->secrets, 3);
    assert_int_equal(esim_tls_keylog_get_stats(k)->malformed, 5);
    memset(r, 5, 32);
    assert_int_equal(esim_tls_keylog_find(k, r, ESIM_TLS_SECRET_SERVER_HS, out), 32);
    esim_tls_keylog_free(k);
}

static void hello_parse(void **st)
{
    (void)st;
    wire w;
    record(&w, &(conf){.version = TLS1_3_VERSION, .ciphers = "TLS_AES_128_GCM_SHA256"});
    /* the first chunk is the ClientHello record: header 5, handshake header 4 */
    assert_true(esim_tls_looks_like(w.c[0].d, w.c[0].n));
    esim_tls_hello h;
    esim_error err;
    size_t len = (size_t)w.c[0].d[6] << 16 | (size_t)w.c[0].d[7] << 8 | w.c[0].d[8];
    assert_int_equal(esim_tls_parse_client_hello(w.c[0].d + 9, len, &h, &err), 0);
    assert_string_equal(h.sni, "smdp.test");
    assert_int_equal(h.version, 0x0304);
    assert_int_equal(h.legacy_version, 0x0303);
    assert_memory_equal(h.random, w.client_random, 32);
    /* every truncation is refused or parsed without reading past the end (ASan checks) */
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n ? n : 1);
        memcpy(copy, w.c[0].d + 9, n);
        (void)esim_tls_parse_client_hello(copy, n, &h, &err);
        (void)esim_tls_parse_server_hello(copy, n, &h, &err);
        free(copy);
    }
    assert_int_equal(esim_tls_parse_client_hello(w.c[0].d + 9, 10, &h, &err), -1);
    assert_false(esim_tls_looks_like((const uint8_t *)"GET / HTTP/1.1", 14));
    assert_string_equal(esim_tls_suite_name(0xC02B), "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
    assert_null(esim_tls_suite_name(0x0005));
    wire_free(&w);
}

/* ---- pcapng Decryption Secrets Blocks ---- */

typedef struct secrets_seen {
    uint32_t type[4];
    char text[4][256];
    size_t n;
} secrets_seen;

static void on_secrets(uint32_t type, const uint8_t *d, size_t len, void *user)
{
    secrets_seen *s = user;
    assert_true(s->n < 4);
    s->type[s->n] = type;
    assert_non_null(d);
    assert_true(len < 256);
    memcpy(s->text[s->n], d, len);
    s->text[s->n++][len] = 0;
}

static void png_dsb(tbuf *b, uint32_t type, const char *text, uint32_t claimed)
{
    size_t at = png_begin(b, 0x0000000A);
    tb_u32(b, type);
    tb_u32(b, claimed ? claimed : (uint32_t)strlen(text));
    tb_put(b, text, strlen(text));
    png_end(b, at);
}

static void decryption_secrets_block(void **st)
{
    (void)st;
    static const char line[] = "CLIENT_RANDOM 0101010101010101010101010101010101010101010101010101"
                               "010101010101 " "AB";
    for (int be = 0; be < 2; be++) {
        tbuf b = {0};
        png_shb(&b, be);
        png_idb(&b, 1, -1);
        png_dsb(&b, ESIM_SECRETS_TLS_KEYLOG, line, 0);
        uint8_t pkt[60] = {0};
        png_epb(&b, 0, 1, pkt, sizeof pkt);
        png_dsb(&b, 0x57474b4c, "wireguard", 0); /* another secrets type: handed on as such */
        esim_error err;
        esim_packet p;
        secrets_seen seen = {0};
        esim_capture *c = esim_capture_open_mem(b.p, b.n, &err);
        assert_non_null(c);
        esim_capture_on_secrets(c, on_secrets, &seen);
        assert_int_equal(esim_capture_next(c, &p, &err), 1);
        assert_int_equal(p.frame, 1);
        assert_int_equal(seen.n, 1);
        assert_int_equal(seen.type[0], ESIM_SECRETS_TLS_KEYLOG);
        assert_string_equal(seen.text[0], line);
        assert_int_equal(esim_capture_next(c, &p, &err), 0);
        assert_int_equal(seen.n, 2);
        assert_int_equal(seen.type[1], 0x57474b4c);
        esim_capture_close(c);
        /* without a handler the blocks are skipped */
        c = esim_capture_open_mem(b.p, b.n, &err);
        assert_int_equal(esim_capture_next(c, &p, &err), 1);
        assert_int_equal(esim_capture_next(c, &p, &err), 0);
        esim_capture_close(c);
        free(b.p);
    }
    /* secrets length beyond the block: malformed */
    tbuf b = {0};
    png_shb(&b, false);
    png_dsb(&b, ESIM_SECRETS_TLS_KEYLOG, "CLIENT_RANDOM", 4000);
    esim_error err;
    esim_packet p;
    secrets_seen seen = {0};
    esim_capture *c = esim_capture_open_mem(b.p, b.n, &err);
    esim_capture_on_secrets(c, on_secrets, &seen);
    assert_int_equal(esim_capture_next(c, &p, &err), -1);
    assert_non_null(strstr(err.msg, "secrets length 4000 overruns"));
    assert_int_equal(seen.n, 0);
    esim_capture_close(c);
    free(b.p);
}

int main(void)
{
    make_cert();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tls12_aes128_gcm),
        cmocka_unit_test(tls12_aes256_gcm),
        cmocka_unit_test(tls12_cbc_sha256_etm),
        cmocka_unit_test(tls12_cbc_sha256_mac_then_encrypt),
        cmocka_unit_test(tls12_cbc_sha384_both),
        cmocka_unit_test(tls12_chacha20),
        cmocka_unit_test(tls13_suites),
        cmocka_unit_test(tls13_key_update_and_hrr),
        cmocka_unit_test(resumption),
        cmocka_unit_test(resumption_without_its_line),
        cmocka_unit_test(cut_everywhere),
        cmocka_unit_test(wrong_key),
        cmocka_unit_test(no_key),
        cmocka_unit_test(keylog_parse),
        cmocka_unit_test(hello_parse),
        cmocka_unit_test(decryption_secrets_block),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    SSL_CTX_free(server_ctx12);
    SSL_CTX_free(server_ctx13);
    X509_free(cert);
    EVP_PKEY_free(pkey);
    return rc;
}
