/* TLS decryption for the capture pipeline: the NSS key log (SSLKEYLOGFILE) store, and a layer
 * between TCP reassembly and HTTP that recognises TLS on any port by its record and handshake
 * bytes, reads the ClientHello/ServerHello, derives the record keys from the key log (TLS 1.2:
 * RFC 5246 6.3 with the master secret; TLS 1.3: RFC 8446 7.1-7.3 with the traffic secrets) and
 * hands the decrypted application data on as TCP DATA events. Every record's tag/MAC is checked;
 * a connection it cannot read is reported (esim_tls_report), never passed on as plaintext.
 * All cryptography is OpenSSL 3 (EVP_KDF TLS1-PRF / TLS13-KDF, EVP ciphers, EVP_MAC HMAC). */
#ifndef ESIM_TLS_H
#define ESIM_TLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/error.h"
#include "esim/tcp_reasm.h"

/* ---- key log (NSS format: "LABEL <client random hex> <secret hex>") ---- */

typedef enum {
    ESIM_TLS_SECRET_MASTER,          /* CLIENT_RANDOM: TLS 1.2 master secret (48 bytes) */
    ESIM_TLS_SECRET_CLIENT_HS,       /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    ESIM_TLS_SECRET_SERVER_HS,       /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    ESIM_TLS_SECRET_CLIENT_APP,      /* CLIENT_TRAFFIC_SECRET_0 */
    ESIM_TLS_SECRET_SERVER_APP,      /* SERVER_TRAFFIC_SECRET_0 */
    ESIM_TLS_SECRET_KINDS
} esim_tls_secret_kind;

#define ESIM_TLS_MAX_SECRET 64
/* Entries kept at most (one per client random); further lines are counted as dropped. */
#define ESIM_TLS_KEYLOG_MAX_ENTRIES (1u << 20)

typedef struct esim_tls_keylog esim_tls_keylog;

typedef struct esim_tls_keylog_stats {
    uint64_t lines, secrets;   /* lines read, secrets stored */
    uint64_t ignored;          /* labels not used here (early data, exporter, RSA...) */
    uint64_t malformed;        /* lines that are not "LABEL hex hex" */
    uint64_t first_malformed;  /* line number of the first one (0: none) */
    uint64_t dropped;          /* over ESIM_TLS_KEYLOG_MAX_ENTRIES */
} esim_tls_keylog_stats;

esim_tls_keylog *esim_tls_keylog_new(void);
/* Wipes every secret (OPENSSL_cleanse) and frees. */
void esim_tls_keylog_free(esim_tls_keylog *k);
/* Reads a key log file line by line. -1 (err) only when it cannot be opened/read; malformed lines
 * are counted in the stats. */
int esim_tls_keylog_load(esim_tls_keylog *k, const char *path, esim_error *err);
/* Adds key log text (e.g. a pcapng Decryption Secrets Block); lines split on \n or \r\n. */
void esim_tls_keylog_add_text(esim_tls_keylog *k, const char *text, size_t len);
/* The secret of a kind for a client random: its length (0 when absent) and bytes in out. */
size_t esim_tls_keylog_find(const esim_tls_keylog *k, const uint8_t client_random[32],
                            esim_tls_secret_kind kind, uint8_t out[ESIM_TLS_MAX_SECRET]);
const esim_tls_keylog_stats *esim_tls_keylog_get_stats(const esim_tls_keylog *k);

/* ---- ClientHello / ServerHello (RFC 8446 4.1.2-4.1.3, RFC 5246 7.4.1) ---- */

#define ESIM_TLS_MAX_SNI 255

typedef struct esim_tls_hello {
    uint16_t legacy_version;     /* client_version / server_version field */
    uint16_t version;            /* negotiated (ServerHello supported_versions) or offered max */
    uint8_t random[32];
    uint8_t session_id[32];
    uint8_t session_id_len;
    uint16_t cipher_suite;       /* ServerHello */
    char sni[ESIM_TLS_MAX_SNI + 1]; /* ClientHello server_name (host_name), "" when absent */
    bool ems;                    /* extended_master_secret (RFC 7627) */
    bool etm;                    /* encrypt_then_mac (RFC 7366) */
    bool early_data;             /* ClientHello early_data (TLS 1.3 0-RTT offered) */
    bool session_ticket;         /* session_ticket / pre_shared_key present */
    uint8_t ticket_hash[32];     /* ClientHello: SHA-256 of a non-empty session_ticket */
    bool have_ticket;
    bool hrr;                    /* ServerHello is a HelloRetryRequest (RFC 8446 4.1.3) */
} esim_tls_hello;

/* Parses the body of a ClientHello (type 1) or ServerHello (type 2) handshake message (without
 * its 4-byte header). -1 with err on malformed input. */
int esim_tls_parse_client_hello(const uint8_t *b, size_t n, esim_tls_hello *h, esim_error *err);
int esim_tls_parse_server_hello(const uint8_t *b, size_t n, esim_tls_hello *h, esim_error *err);
/* "TLS_AES_128_GCM_SHA256", or NULL for a suite this layer does not decrypt. */
const char *esim_tls_suite_name(uint16_t suite);
/* "TLS 1.2", "TLS 1.3", ... */
const char *esim_tls_version_name(uint16_t version);

/* ---- the layer over TCP ---- */

typedef enum {
    ESIM_TLS_NO_KEY,       /* no secret for this client random in the key log */
    ESIM_TLS_BAD_KEY,      /* a record's tag or MAC did not verify: wrong key or corrupt data */
    ESIM_TLS_UNSUPPORTED,  /* cipher suite, version or feature (0-RTT) not decrypted here */
    ESIM_TLS_NO_HANDSHAKE, /* the capture starts after the hellos: randoms unknown */
    ESIM_TLS_BROKEN,       /* malformed records/handshake, or bytes missing from the capture */
} esim_tls_problem;

/* One TLS connection (or the rest of one) whose application data was not read. */
typedef struct esim_tls_report {
    esim_tls_problem problem;
    const char *text;            /* what happened, in words (no secret) */
    uint64_t flow_id;
    uint64_t frame;              /* where it became unreadable */
    int64_t ts_sec;
    uint32_t ts_nsec;
    uint8_t ip_version;
    esim_tcp_endpoint client, server;
    const char *sni;             /* "" when absent */
    bool have_random;
    uint8_t client_random[32];
    uint16_t version, cipher_suite; /* 0 when unknown */
    uint64_t bytes;              /* encrypted application data bytes not read (both ways) */
} esim_tls_report;

/* One line for users: "TLS connection to 198.51.100.20:443 (SNI x): 5120 bytes not read (no
 * CLIENT_RANDOM ...), client random 5F3A..." (no secret in it). */
void esim_tls_report_format(const esim_tls_report *r, char *out, size_t cap);

typedef void (*esim_tls_report_cb)(const esim_tls_report *r, void *user);

typedef struct esim_tls_stats {
    uint64_t connections;        /* TCP flows recognised as TLS */
    uint64_t decrypted;          /* connections whose application data was read */
    uint64_t unreadable;         /* reports made */
    uint64_t records, plaintext_bytes;
} esim_tls_stats;

typedef struct esim_tls esim_tls;

/* plain: where every non-TLS flow's events and every decrypted flow's plaintext go (as DATA,
 * GAP, FIN, RST and CLOSE events of the same flow, frame = frame in which the record completed).
 * keys: looked up when a connection's first encrypted record arrives (may be NULL; can be
 * filled meanwhile). report: NULL for none. */
esim_tls *esim_tls_new(esim_tcp_cb plain, void *plain_user, const esim_tls_keylog *keys,
                       esim_tls_report_cb report, void *report_user);
void esim_tls_free(esim_tls *t);
/* Use as (or call from) the esim_tcp_reasm callback. */
void esim_tls_on_tcp(esim_tls *t, const esim_tcp_event *ev);
const esim_tls_stats *esim_tls_get_stats(const esim_tls *t);
/* Whether stream bytes start like a TLS record carrying a handshake (content type 22, version
 * 3.x, ClientHello or ServerHello): how a flow is recognised as TLS on any port. */
bool esim_tls_looks_like(const uint8_t *d, size_t n);
#endif
