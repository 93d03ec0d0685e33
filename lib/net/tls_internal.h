/* TLS layer internals: cipher suites, record keys, record decryption (tls_cipher.c). */
#ifndef ESIM_TLS_INTERNAL_H
#define ESIM_TLS_INTERNAL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "esim/tls.h"

typedef enum { TLS_MODE_GCM, TLS_MODE_CHACHA, TLS_MODE_CBC } tls_mode;

typedef struct tls_suite {
    uint16_t id;
    const char *name;
    bool tls13;
    tls_mode mode;
    size_t key_len;
    const char *prf_hash;   /* TLS 1.2 PRF / TLS 1.3 HKDF hash */
    const char *mac_hash;   /* CBC: HMAC hash */
    size_t mac_len;
} tls_suite;

const tls_suite *tls_suite_find(uint16_t id);

/* Keys of one direction. */
typedef struct tls_keys {
    const tls_suite *s;
    bool tls13, etm;
    EVP_CIPHER_CTX *ctx;
    EVP_MAC_CTX *mac;
    uint8_t key[32], iv[12], mac_key[48];
    uint8_t secret[ESIM_TLS_MAX_SECRET]; /* TLS 1.3: the current traffic secret (KeyUpdate) */
    size_t secret_len;
    uint64_t seq;
} tls_keys;

/* TLS 1.2: both directions' keys from the master secret and the two randoms (RFC 5246 6.3). */
int tls12_keys(const tls_suite *s, bool etm, const uint8_t master[48], const uint8_t cr[32],
               const uint8_t sr[32], tls_keys *client, tls_keys *server);
/* TLS 1.3: one direction's keys from a traffic secret (RFC 8446 7.3). */
int tls13_keys(const tls_suite *s, const uint8_t *secret, size_t len, tls_keys *k);
/* TLS 1.3 KeyUpdate: the next traffic secret and its keys (RFC 8446 7.2). */
int tls13_key_update(tls_keys *k);
/* Decrypts and authenticates one record body in place; the plaintext starts at *out (inside
 * body) with the returned length, *type is the content type (TLS 1.3: the inner one). -1 when
 * the tag/MAC/padding does not verify or the record is too short. */
long tls_decrypt(tls_keys *k, uint8_t type, uint16_t version, uint8_t *body, size_t n,
                 uint8_t **out, uint8_t *inner_type);
/* Wipes and frees the contexts; the struct can be reused. */
void tls_keys_clear(tls_keys *k);
#endif
