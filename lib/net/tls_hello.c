/* ClientHello and ServerHello bodies (RFC 5246 7.4.1.2-7.4.1.3, RFC 8446 4.1.2-4.1.4) and the
 * extensions this layer needs: server_name (RFC 6066 3), encrypt_then_mac (RFC 7366),
 * extended_master_secret (RFC 7627), session_ticket (RFC 5077), pre_shared_key, early_data and
 * supported_versions (RFC 8446 4.2). Everything else is skipped by its length. */
#include <string.h>
#include <openssl/evp.h>
#include "esim/tls.h"

enum {
    EXT_SERVER_NAME = 0,
    EXT_ENCRYPT_THEN_MAC = 22,
    EXT_EXTENDED_MASTER_SECRET = 23,
    EXT_SESSION_TICKET = 35,
    EXT_PRE_SHARED_KEY = 41,
    EXT_EARLY_DATA = 42,
    EXT_SUPPORTED_VERSIONS = 43,
};

/* RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest (SHA-256 of
 * "HelloRetryRequest"). */
static const uint8_t hrr_random[32] = {
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
};

typedef struct rd {
    const uint8_t *p;
    size_t n;
    bool bad;
} rd;

static unsigned u8(rd *r)
{
    if (r->n < 1) {
        r->bad = true;
        return 0;
    }
    r->n--;
    return *r->p++;
}

static unsigned u16(rd *r)
{
    unsigned a = u8(r);
    return a << 8 | u8(r);
}

/* A sub-reader of len bytes (marks r bad when they are not there). */
static rd sub(rd *r, size_t len)
{
    rd s = {r->p, len, false};
    if (len > r->n) {
        r->bad = true;
        s.n = 0;
        return s;
    }
    r->p += len;
    r->n -= len;
    return s;
}

static void server_name(rd e, esim_tls_hello *h)
{
    rd list = sub(&e, u16(&e));
    while (!list.bad && list.n) {
        unsigned type = u8(&list);
        rd name = sub(&list, u16(&list));
        if (list.bad)
            break;
        if (type == 0 && !h->sni[0]) { /* host_name: printable ASCII only, kept bounded */
            size_t k = name.n > ESIM_TLS_MAX_SNI ? ESIM_TLS_MAX_SNI : name.n;
            for (size_t i = 0; i < k; i++)
                h->sni[i] = name.p[i] >= 0x21 && name.p[i] < 0x7F ? (char)name.p[i] : '?';
            h->sni[k] = 0;
        }
    }
}

static int extensions(rd *r, esim_tls_hello *h, bool client, esim_error *err)
{
    if (!r->n)
        return 0; /* no extensions block (TLS 1.2 allows that) */
    rd all = sub(r, u16(r));
    if (r->bad)
        return esim_error_set(err, "extensions overrun the hello");
    while (all.n) {
        unsigned type = u16(&all);
        rd e = sub(&all, u16(&all));
        if (all.bad)
            return esim_error_set(err, "extension %u overruns the extensions block", type);
        switch (type) {
        case EXT_SERVER_NAME:
            if (client)
                server_name(e, h);
            break;
        case EXT_ENCRYPT_THEN_MAC: h->etm = true; break;
        case EXT_EXTENDED_MASTER_SECRET: h->ems = true; break;
        case EXT_SESSION_TICKET:
            h->session_ticket = true;
            if (client && e.n) /* a ticket offered for resumption (RFC 5077 3.2) */
                h->have_ticket = EVP_Digest(e.p, e.n, h->ticket_hash, NULL, EVP_sha256(),
                                            NULL) == 1;
            break;
        case EXT_PRE_SHARED_KEY: h->session_ticket = true; break;
        case EXT_EARLY_DATA: h->early_data = true; break;
        case EXT_SUPPORTED_VERSIONS:
            if (client) {
                rd v = sub(&e, u8(&e));
                while (!v.bad && v.n >= 2) {
                    unsigned ver = u16(&v);
                    /* highest real version offered (GREASE values 0x?A?A are skipped) */
                    if ((ver & 0x0F0F) != 0x0A0A && ver > h->version && ver >> 8 == 3)
                        h->version = (uint16_t)ver;
                }
            } else {
                unsigned ver = u16(&e);
                if (!e.bad)
                    h->version = (uint16_t)ver;
            }
            break;
        default: break;
        }
    }
    return 0;
}

static int common(rd *r, esim_tls_hello *h, const char *what, esim_error *err)
{
    memset(h, 0, sizeof *h);
    h->legacy_version = (uint16_t)u16(r);
    rd rnd = sub(r, 32);
    if (r->bad)
        return esim_error_set(err, "%s too short for its random", what);
    memcpy(h->random, rnd.p, 32);
    unsigned sl = u8(r);
    rd sid = sub(r, sl);
    if (r->bad || sl > 32)
        return esim_error_set(err, "%s: bad session id length %u", what, sl);
    memcpy(h->session_id, sid.p, sl);
    h->session_id_len = (uint8_t)sl;
    return 0;
}

int esim_tls_parse_client_hello(const uint8_t *b, size_t n, esim_tls_hello *h, esim_error *err)
{
    rd r = {b, n, false};
    if (common(&r, h, "ClientHello", err) < 0)
        return -1;
    rd suites = sub(&r, u16(&r));
    rd comp = sub(&r, u8(&r));
    if (r.bad || suites.n % 2 || !suites.n || !comp.n)
        return esim_error_set(err, "ClientHello: bad cipher suite or compression list");
    if (extensions(&r, h, true, err) < 0)
        return esim_error_prefix(err, "ClientHello");
    if (!h->version)
        h->version = h->legacy_version;
    return 0;
}

int esim_tls_parse_server_hello(const uint8_t *b, size_t n, esim_tls_hello *h, esim_error *err)
{
    rd r = {b, n, false};
    if (common(&r, h, "ServerHello", err) < 0)
        return -1;
    h->cipher_suite = (uint16_t)u16(&r);
    u8(&r); /* compression method */
    if (r.bad)
        return esim_error_set(err, "ServerHello too short");
    if (extensions(&r, h, false, err) < 0)
        return esim_error_prefix(err, "ServerHello");
    if (!h->version)
        h->version = h->legacy_version;
    h->hrr = !memcmp(h->random, hrr_random, 32);
    return 0;
}

const char *esim_tls_version_name(uint16_t v)
{
    switch (v) {
    case 0x0300: return "SSL 3.0";
    case 0x0301: return "TLS 1.0";
    case 0x0302: return "TLS 1.1";
    case 0x0303: return "TLS 1.2";
    case 0x0304: return "TLS 1.3";
    default: return "TLS (unknown version)";
    }
}

bool esim_tls_looks_like(const uint8_t *d, size_t n)
{
    /* record: type 22 (handshake), version 3.0-3.4, length 1..2^14+2048; then the handshake
     * header: ClientHello (1) or ServerHello (2) with a 3-byte length */
    if (n < 6 || d[0] != 22 || d[1] != 3 || d[2] > 4)
        return false;
    unsigned len = (unsigned)d[3] << 8 | d[4];
    return len >= 4 && len <= 16384 + 2048 && (d[5] == 1 || d[5] == 2);
}
