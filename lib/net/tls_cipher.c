/* Record protection: the cipher suites decrypted here, the key schedules (TLS 1.2 key block from
 * the master secret with OpenSSL's TLS1-PRF, TLS 1.3 keys from traffic secrets with its
 * TLS13-KDF = HKDF-Expand-Label) and the record decryption (EVP AEAD, or CBC + HMAC with and
 * without encrypt-then-MAC). Every record's tag or MAC is verified. */
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include "tls_internal.h"

#define S12(id, name, mode, key, prf, mac, maclen) {id, name, false, mode, key, prf, mac, maclen}
static const tls_suite suites[] = {
    /* TLS 1.3 (RFC 8446 B.4) */
    {0x1301, "TLS_AES_128_GCM_SHA256", true, TLS_MODE_GCM, 16, "SHA256", NULL, 0},
    {0x1302, "TLS_AES_256_GCM_SHA384", true, TLS_MODE_GCM, 32, "SHA384", NULL, 0},
    {0x1303, "TLS_CHACHA20_POLY1305_SHA256", true, TLS_MODE_CHACHA, 32, "SHA256", NULL, 0},
    /* TLS 1.2 AEAD (RFC 5288, 5289, 7905) */
    S12(0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", TLS_MODE_GCM, 16, "SHA256", NULL, 0),
    S12(0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", TLS_MODE_GCM, 32, "SHA384", NULL, 0),
    S12(0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", TLS_MODE_GCM, 16, "SHA256", NULL, 0),
    S12(0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", TLS_MODE_GCM, 32, "SHA384", NULL, 0),
    S12(0x009C, "TLS_RSA_WITH_AES_128_GCM_SHA256", TLS_MODE_GCM, 16, "SHA256", NULL, 0),
    S12(0x009D, "TLS_RSA_WITH_AES_256_GCM_SHA384", TLS_MODE_GCM, 32, "SHA384", NULL, 0),
    S12(0x009E, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", TLS_MODE_GCM, 16, "SHA256", NULL, 0),
    S12(0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384", TLS_MODE_GCM, 32, "SHA384", NULL, 0),
    S12(0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TLS_MODE_CHACHA, 32, "SHA256", NULL, 0),
    S12(0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", TLS_MODE_CHACHA, 32, "SHA256", NULL, 0),
    S12(0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256", TLS_MODE_CHACHA, 32, "SHA256", NULL, 0),
    /* TLS 1.2 CBC with HMAC (RFC 5246 A.5, RFC 5289); the PRF is SHA-256 unless SHA-384 */
    S12(0xC023, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", TLS_MODE_CBC, 16, "SHA256", "SHA256", 32),
    S12(0xC024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384", TLS_MODE_CBC, 32, "SHA384", "SHA384", 48),
    S12(0xC027, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", TLS_MODE_CBC, 16, "SHA256", "SHA256", 32),
    S12(0xC028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", TLS_MODE_CBC, 32, "SHA384", "SHA384", 48),
    S12(0x003C, "TLS_RSA_WITH_AES_128_CBC_SHA256", TLS_MODE_CBC, 16, "SHA256", "SHA256", 32),
    S12(0x003D, "TLS_RSA_WITH_AES_256_CBC_SHA256", TLS_MODE_CBC, 32, "SHA256", "SHA256", 32),
    S12(0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256", TLS_MODE_CBC, 16, "SHA256", "SHA256", 32),
    S12(0x006B, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256", TLS_MODE_CBC, 32, "SHA256", "SHA256", 32),
    S12(0xC009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", TLS_MODE_CBC, 16, "SHA256", "SHA1", 20),
    S12(0xC00A, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", TLS_MODE_CBC, 32, "SHA256", "SHA1", 20),
    S12(0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", TLS_MODE_CBC, 16, "SHA256", "SHA1", 20),
    S12(0xC014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", TLS_MODE_CBC, 32, "SHA256", "SHA1", 20),
    S12(0x002F, "TLS_RSA_WITH_AES_128_CBC_SHA", TLS_MODE_CBC, 16, "SHA256", "SHA1", 20),
    S12(0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA", TLS_MODE_CBC, 32, "SHA256", "SHA1", 20),
};

const tls_suite *tls_suite_find(uint16_t id)
{
    for (size_t i = 0; i < sizeof suites / sizeof *suites; i++)
        if (suites[i].id == id)
            return &suites[i];
    return NULL;
}

const char *esim_tls_suite_name(uint16_t id)
{
    const tls_suite *s = tls_suite_find(id);
    return s ? s->name : NULL;
}

static const EVP_CIPHER *cipher_of(const tls_suite *s)
{
    switch (s->mode) {
    case TLS_MODE_GCM: return s->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    case TLS_MODE_CHACHA: return EVP_chacha20_poly1305();
    default: return s->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
    }
}

/* The cipher context (AEAD: keyed once, the nonce is set per record) and the HMAC context. */
static int keys_ready(tls_keys *k)
{
    if (!k->ctx && !(k->ctx = EVP_CIPHER_CTX_new()))
        return -1;
    if (k->s->mode != TLS_MODE_CBC)
        return EVP_DecryptInit_ex(k->ctx, cipher_of(k->s), NULL, k->key, NULL) == 1 ? 0 : -1;
    if (!k->mac) {
        EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
        k->mac = m ? EVP_MAC_CTX_new(m) : NULL;
        EVP_MAC_free(m);
    }
    return k->mac ? 0 : -1;
}

void tls_keys_clear(tls_keys *k)
{
    EVP_CIPHER_CTX_free(k->ctx);
    EVP_MAC_CTX_free(k->mac);
    OPENSSL_cleanse(k, sizeof *k);
}

int tls12_keys(const tls_suite *s, bool etm, const uint8_t master[48], const uint8_t cr[32],
               const uint8_t sr[32], tls_keys *c, tls_keys *sv)
{
    size_t mac = s->mode == TLS_MODE_CBC ? s->mac_len : 0;
    size_t iv = s->mode == TLS_MODE_GCM ? 4 : s->mode == TLS_MODE_CHACHA ? 12 : 0;
    size_t total = 2 * (mac + s->key_len + iv);
    uint8_t block[2 * (48 + 32 + 12)], seed[13 + 64];
    memcpy(seed, "key expansion", 13);
    memcpy(seed + 13, sr, 32);
    memcpy(seed + 45, cr, 32);
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)s->prf_hash, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, 48),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof seed),
        OSSL_PARAM_construct_end(),
    };
    int ok = kc && EVP_KDF_derive(kc, block, total, p) == 1;
    EVP_KDF_CTX_free(kc);
    if (ok) {
        const uint8_t *b = block;
        tls_keys *d[2] = {c, sv};
        for (int i = 0; i < 2; i++) {
            tls_keys_clear(d[i]);
            d[i]->s = s;
            d[i]->etm = etm;
        }
        /* client MAC, server MAC, client key, server key, client IV, server IV */
        for (int i = 0; i < 2; i++, b += mac)
            memcpy(d[i]->mac_key, b, mac);
        for (int i = 0; i < 2; i++, b += s->key_len)
            memcpy(d[i]->key, b, s->key_len);
        for (int i = 0; i < 2; i++, b += iv)
            memcpy(d[i]->iv, b, iv);
        ok = keys_ready(c) == 0 && keys_ready(sv) == 0;
    }
    OPENSSL_cleanse(block, sizeof block);
    return ok ? 0 : -1;
}

/* HKDF-Expand-Label(secret, label, "", len) (RFC 8446 7.1) through OpenSSL's TLS13-KDF. */
static int expand_label(const tls_suite *s, const uint8_t *secret, size_t slen, const char *label,
                        uint8_t *out, size_t len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS13-KDF", NULL);
    EVP_KDF_CTX *kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    EVP_KDF_free(kdf);
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)s->prf_hash, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PREFIX, "tls13 ", 6),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label, strlen(label)),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_DATA, "", 0),
        OSSL_PARAM_construct_end(),
    };
    int ok = kc && EVP_KDF_derive(kc, out, len, p) == 1;
    EVP_KDF_CTX_free(kc);
    return ok ? 0 : -1;
}

int tls13_keys(const tls_suite *s, const uint8_t *secret, size_t len, tls_keys *k)
{
    tls_keys_clear(k);
    k->s = s;
    k->tls13 = true;
    if (len > sizeof k->secret)
        return -1;
    memcpy(k->secret, secret, len);
    k->secret_len = len;
    if (expand_label(s, secret, len, "key", k->key, s->key_len) < 0 ||
        expand_label(s, secret, len, "iv", k->iv, 12) < 0)
        return -1;
    return keys_ready(k);
}

int tls13_key_update(tls_keys *k)
{
    uint8_t next[ESIM_TLS_MAX_SECRET];
    size_t len = k->secret_len;
    const tls_suite *s = k->s;
    int r = -1;
    if (s && expand_label(s, k->secret, len, "traffic upd", next, len) == 0)
        r = tls13_keys(s, next, len, k);
    OPENSSL_cleanse(next, sizeof next);
    return r;
}

static void put_aad(uint8_t aad[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
    for (int i = 0; i < 8; i++)
        aad[i] = (uint8_t)(seq >> (56 - 8 * i));
    aad[8] = type;
    aad[9] = (uint8_t)(version >> 8);
    aad[10] = (uint8_t)version;
    aad[11] = (uint8_t)(len >> 8);
    aad[12] = (uint8_t)len;
}

/* AEAD open of ct (len) with its 16-byte tag right after it, in place. */
static int aead_open(tls_keys *k, const uint8_t nonce[12], const uint8_t *aad, size_t aad_len,
                     uint8_t *ct, size_t len)
{
    int outl;
    return EVP_DecryptInit_ex(k->ctx, NULL, NULL, NULL, nonce) == 1 &&
                   EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_AEAD_SET_TAG, 16, ct + len) == 1 &&
                   EVP_DecryptUpdate(k->ctx, NULL, &outl, aad, (int)aad_len) == 1 &&
                   EVP_DecryptUpdate(k->ctx, ct, &outl, ct, (int)len) == 1 &&
                   EVP_DecryptFinal_ex(k->ctx, ct + outl, &outl) == 1
               ? 0
               : -1;
}

static int hmac_check(tls_keys *k, const uint8_t hdr[13], const uint8_t *d, size_t n,
                      const uint8_t *expect)
{
    uint8_t mac[EVP_MAX_MD_SIZE];
    size_t ml = 0;
    OSSL_PARAM p[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)k->s->mac_hash, 0),
        OSSL_PARAM_construct_end(),
    };
    if (EVP_MAC_init(k->mac, k->mac_key, k->s->mac_len, p) != 1 ||
        EVP_MAC_update(k->mac, hdr, 13) != 1 || EVP_MAC_update(k->mac, d, n) != 1 ||
        EVP_MAC_final(k->mac, mac, &ml, sizeof mac) != 1 || ml != k->s->mac_len)
        return -1;
    return CRYPTO_memcmp(mac, expect, ml) == 0 ? 0 : -1;
}

/* AES-CBC over n bytes in place (a multiple of 16), padding left in. */
static int cbc_decrypt(tls_keys *k, const uint8_t iv[16], uint8_t *d, size_t n)
{
    int outl;
    return EVP_DecryptInit_ex(k->ctx, cipher_of(k->s), NULL, k->key, iv) == 1 &&
                   EVP_CIPHER_CTX_set_padding(k->ctx, 0) == 1 &&
                   EVP_DecryptUpdate(k->ctx, d, &outl, d, (int)n) == 1 && (size_t)outl == n
               ? 0
               : -1;
}

/* RFC 5246 6.2.3.2: padding_length bytes, each equal to padding_length, then that byte. */
static long strip_padding(const uint8_t *d, size_t n)
{
    if (!n)
        return -1;
    size_t p = d[n - 1];
    if (p + 1 > n)
        return -1;
    for (size_t i = n - 1 - p; i < n; i++)
        if (d[i] != p)
            return -1;
    return (long)(n - p - 1);
}

static long cbc_record(tls_keys *k, uint8_t type, uint16_t version, uint8_t *body, size_t n,
                       uint8_t **out)
{
    size_t m = k->s->mac_len;
    uint8_t hdr[13];
    if (k->etm) { /* RFC 7366: IV || ciphertext || MAC over the header and IV || ciphertext */
        if (n < 16 + 16 + m || (n - m) % 16)
            return -1;
        put_aad(hdr, k->seq, type, version, n - m);
        if (hmac_check(k, hdr, body, n - m, body + n - m) < 0 ||
            cbc_decrypt(k, body, body + 16, n - m - 16) < 0)
            return -1;
        long pl = strip_padding(body + 16, n - m - 16);
        if (pl < 0)
            return -1;
        *out = body + 16;
        return pl;
    }
    /* RFC 5246 6.2.3.2: IV || CBC(content || MAC || padding) */
    if (n < 16 + 16 || n % 16 || cbc_decrypt(k, body, body + 16, n - 16) < 0)
        return -1;
    long pl = strip_padding(body + 16, n - 16);
    if (pl < 0 || (size_t)pl < m)
        return -1;
    size_t len = (size_t)pl - m;
    put_aad(hdr, k->seq, type, version, len);
    if (hmac_check(k, hdr, body + 16, len, body + 16 + len) < 0)
        return -1;
    *out = body + 16;
    return (long)len;
}

long tls_decrypt(tls_keys *k, uint8_t type, uint16_t version, uint8_t *body, size_t n,
                 uint8_t **out, uint8_t *inner_type)
{
    long r = -1;
    uint8_t nonce[12], aad[13];
    *inner_type = type;
    if (!k->s || !k->ctx)
        return -1;
    if (k->s->mode == TLS_MODE_CBC) {
        r = cbc_record(k, type, version, body, n, out);
    } else if (k->tls13 || k->s->mode == TLS_MODE_CHACHA) {
        /* RFC 8446 5.3 / RFC 7905 2: the IV XOR the 64-bit sequence number */
        if (n < 16)
            return -1;
        memcpy(nonce, k->iv, 12);
        for (int i = 0; i < 8; i++)
            nonce[4 + i] ^= (uint8_t)(k->seq >> (56 - 8 * i));
        if (k->tls13) { /* AAD: the record header (RFC 8446 5.2) */
            uint8_t h[5] = {type, (uint8_t)(version >> 8), (uint8_t)version, (uint8_t)(n >> 8),
                            (uint8_t)n};
            r = aead_open(k, nonce, h, 5, body, n - 16) == 0 ? (long)(n - 16) : -1;
        } else {
            put_aad(aad, k->seq, type, version, n - 16);
            r = aead_open(k, nonce, aad, 13, body, n - 16) == 0 ? (long)(n - 16) : -1;
        }
        *out = body;
    } else { /* TLS 1.2 GCM, RFC 5288 3: salt(4) || explicit nonce(8) in the record */
        if (n < 8 + 16)
            return -1;
        memcpy(nonce, k->iv, 4);
        memcpy(nonce + 4, body, 8);
        put_aad(aad, k->seq, type, version, n - 24);
        r = aead_open(k, nonce, aad, 13, body + 8, n - 24) == 0 ? (long)(n - 24) : -1;
        *out = body + 8;
    }
    if (r < 0)
        return -1;
    k->seq++;
    if (k->tls13) { /* TLSInnerPlaintext: content || type || zeros (RFC 8446 5.2) */
        while (r > 0 && (*out)[r - 1] == 0)
            r--;
        if (r == 0)
            return -1;
        *inner_type = (*out)[--r];
    }
    return r;
}
