/* BSP crypto (SGP.22 2.6.4): ECDH, X9.63 KDF, segment protection. OpenSSL 3 EVP only. */
#include "esim/bsp.h"
#include "esim/hex.h"
#include <stdlib.h>
#include <string.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>

static const struct {
    esim_curve c;
    const char *name;
    int nid;
} curves[] = {
    { ESIM_CURVE_P256, "prime256v1", NID_X9_62_prime256v1 },
    { ESIM_CURVE_BP256R1, "brainpoolP256r1", NID_brainpoolP256r1 },
};

const char *esim_curve_name(esim_curve c)
{
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (curves[i].c == c)
            return curves[i].name;
    return "unknown curve";
}

static int curve_nid(esim_curve c)
{
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (curves[i].c == c)
            return curves[i].nid;
    return NID_undef;
}

esim_curve esim_curve_of_key(EVP_PKEY *key)
{
    char name[64];
    size_t n;
    if (!key || !EVP_PKEY_is_a(key, "EC") ||
        !EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &n))
        return ESIM_CURVE_NONE;
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++)
        if (!strcmp(name, curves[i].name))
            return curves[i].c;
    return ESIM_CURVE_NONE;
}

int esim_curve_of_point(const uint8_t *pt, size_t len, esim_curve *c, esim_error *err)
{
    if (len != 65 || pt[0] != 0x04)
        return esim_error_set(err, "public key is not an uncompressed 256-bit EC point "
                                   "(%zu bytes, first byte %02X)", len, len ? pt[0] : 0);
    for (size_t i = 0; i < sizeof curves / sizeof curves[0]; i++) {
        EC_GROUP *g = EC_GROUP_new_by_curve_name(curves[i].nid);
        EC_POINT *p = g ? EC_POINT_new(g) : NULL;
        int ok = p && EC_POINT_oct2point(g, p, pt, len, NULL) == 1 &&
                 EC_POINT_is_on_curve(g, p, NULL) == 1;
        EC_POINT_free(p);
        EC_GROUP_free(g);
        if (ok) {
            ERR_clear_error();
            *c = curves[i].c;
            return 0;
        }
    }
    ERR_clear_error();
    return esim_error_set(err, "public key is on neither NIST P-256 nor brainpoolP256r1");
}

EVP_PKEY *esim_ec_generate(esim_curve c, esim_error *err)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", esim_curve_name(c));
    if (!k)
        esim_error_openssl(err, "EC key generation");
    return k;
}

static EVP_PKEY *from_params(esim_curve c, const uint8_t *pt, size_t ptlen, const BIGNUM *priv,
                             esim_error *err)
{
    EVP_PKEY *key = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
    if (!bld || !ctx ||
        !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, esim_curve_name(c), 0) ||
        !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, ptlen) ||
        (priv && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, priv)) ||
        !(params = OSSL_PARAM_BLD_to_param(bld)) || EVP_PKEY_fromdata_init(ctx) != 1 ||
        EVP_PKEY_fromdata(ctx, &key, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) != 1) {
        esim_error_openssl(err, "EC key import");
        key = NULL;
    }
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    EVP_PKEY_CTX_free(ctx);
    return key;
}

EVP_PKEY *esim_ec_from_point(esim_curve c, const uint8_t *pt, size_t len, esim_error *err)
{
    esim_curve on;
    if (esim_curve_of_point(pt, len, &on, err) != 0)
        return NULL;
    if (on != c) {
        esim_error_set(err, "public key is on %s, expected %s", esim_curve_name(on),
                       esim_curve_name(c));
        return NULL;
    }
    return from_params(c, pt, len, NULL, err);
}

/* Q = d*G, uncompressed. */
static int point_of_bn(esim_curve c, const BIGNUM *d, uint8_t out[ESIM_EC_POINT_MAX],
                       size_t *len, esim_error *err)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(curve_nid(c));
    EC_POINT *q = g ? EC_POINT_new(g) : NULL;
    int rc = -1;
    if (q && !BN_is_zero(d) && BN_cmp(d, EC_GROUP_get0_order(g)) < 0 &&
        EC_POINT_mul(g, q, d, NULL, NULL, NULL) == 1 &&
        (*len = EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, out,
                                   ESIM_EC_POINT_MAX, NULL)) == 65)
        rc = 0;
    else
        esim_error_openssl(err, "EC private key (scalar out of range?)");
    EC_POINT_free(q);
    EC_GROUP_free(g);
    return rc;
}

int esim_ec_point_of_private(esim_curve c, const uint8_t *d, size_t dlen,
                             uint8_t out[ESIM_EC_POINT_MAX], size_t *len, esim_error *err)
{
    BIGNUM *bn = BN_bin2bn(d, (int)dlen, NULL);
    if (!bn)
        return esim_error_openssl(err, "BN_bin2bn");
    int rc = point_of_bn(c, bn, out, len, err);
    BN_clear_free(bn);
    return rc;
}

EVP_PKEY *esim_ec_from_private(esim_curve c, const uint8_t *d, size_t dlen, esim_error *err)
{
    uint8_t pt[ESIM_EC_POINT_MAX];
    size_t ptlen;
    BIGNUM *bn = BN_secure_new();
    EVP_PKEY *k = NULL;
    if (!bn || !BN_bin2bn(d, (int)dlen, bn)) {
        esim_error_openssl(err, "BN_bin2bn");
    } else if (point_of_bn(c, bn, pt, &ptlen, err) == 0) {
        k = from_params(c, pt, ptlen, bn, err);
    }
    BN_clear_free(bn);
    return k;
}

int esim_ec_public_point(EVP_PKEY *key, uint8_t out[ESIM_EC_POINT_MAX], size_t *len,
                         esim_error *err)
{
    if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, out, ESIM_EC_POINT_MAX,
                                         len) || *len != 65)
        return esim_error_openssl(err, "reading the EC public key");
    return 0;
}

int esim_ec_private_scalar(EVP_PKEY *key, uint8_t out[32], esim_error *err)
{
    BIGNUM *bn = NULL;
    int rc = 0;
    if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &bn) ||
        BN_bn2binpad(bn, out, 32) != 32)
        rc = esim_error_openssl(err, "reading the EC private key");
    BN_clear_free(bn);
    return rc;
}

int esim_bsp_ecdh(EVP_PKEY *own_private, const uint8_t *peer_point, size_t peer_len,
                  uint8_t secret[32], esim_error *err)
{
    esim_curve c = esim_curve_of_key(own_private);
    if (c == ESIM_CURVE_NONE)
        return esim_error_set(err, "own one-time key is not on a supported curve");
    EVP_PKEY *peer = esim_ec_from_point(c, peer_point, peer_len, err);
    if (!peer)
        return esim_error_prefix(err, "ECDH peer key");
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, own_private, NULL);
    size_t n = 32;
    int rc = 0;
    if (!ctx || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
        EVP_PKEY_derive(ctx, secret, &n) != 1 || n != 32)
        rc = esim_error_openssl(err, "ECDH");
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(peer);
    return rc;
}

int esim_bsp_kdf(const uint8_t *secret, size_t secret_len, uint8_t key_type, uint8_t key_len,
                 const uint8_t *host_id, size_t host_id_len, const uint8_t *eid, size_t eid_len,
                 esim_bsp_keys *out, esim_error *err)
{
    if (host_id_len > 127 || eid_len > 127)
        return esim_error_set(err, "hostId or EID too long for the BSP shared info");
    if (key_len != ESIM_BSP_KEY_LEN)
        return esim_error_set(err, "key length %u not supported (SGP.22 uses 16)", key_len);
    uint8_t info[4 + 127 + 127];
    size_t n = 0;
    info[n++] = key_type;
    info[n++] = key_len;
    info[n++] = (uint8_t)host_id_len;
    memcpy(info + n, host_id, host_id_len);
    n += host_id_len;
    info[n++] = (uint8_t)eid_len;
    memcpy(info + n, eid, eid_len);
    n += eid_len;

    uint8_t okm[3 * ESIM_BSP_KEY_LEN];
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, "X963KDF", NULL);
    EVP_KDF_CTX *kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    int rc = 0;
    if (!kctx || EVP_KDF_derive(kctx, okm, sizeof okm, params) != 1) {
        rc = esim_error_openssl(err, "X9.63 KDF");
    } else {
        memcpy(out->mcv, okm, 16);
        memcpy(out->s_enc, okm + 16, 16);
        memcpy(out->s_mac, okm + 32, 16);
    }
    esim_wipe(okm, sizeof okm);
    EVP_KDF_CTX_free(kctx);
    EVP_KDF_free(kdf);
    return rc;
}

/* --- segment protection (SGP.22 2.6.4.4) --- */

static EVP_CIPHER *cipher_ecb, *cipher_cbc;

static int fetch_algs(esim_error *err)
{
    /* fetched once and kept for the life of the process */
    if (!cipher_ecb)
        cipher_ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
    if (!cipher_cbc)
        cipher_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
    if (!cipher_ecb || !cipher_cbc)
        return esim_error_openssl(err, "fetching AES");
    return 0;
}

/* AES-CMAC subkey derivation (NIST SP 800-38B 6.1, RFC 4493 2.3): doubling in GF(2^128). */
static void cmac_double(const uint8_t in[16], uint8_t out[16])
{
    uint8_t carry = in[0] >> 7;
    for (int i = 0; i < 15; i++)
        out[i] = (uint8_t)(in[i] << 1 | in[i + 1] >> 7);
    out[15] = (uint8_t)(in[15] << 1 ^ (carry ? 0x87 : 0));
}

static int cmac_subkeys(esim_bsp *b)
{
    static const uint8_t zero[16];
    uint8_t l[16];
    int n = 0;
    if (EVP_EncryptUpdate(b->cmac_cbc, l, &n, zero, 16) != 1 || n != 16)
        return -1;
    cmac_double(l, b->cmac_k1);
    cmac_double(b->cmac_k1, b->cmac_k2);
    esim_wipe(l, sizeof l);
    return 0;
}

int esim_bsp_init(esim_bsp *b, const esim_bsp_keys *k, esim_error *err)
{
    memset(b, 0, sizeof *b);
    if (fetch_algs(err) != 0)
        return -1;
    b->k = *k;
    b->counter = 1;
    b->ecb = EVP_CIPHER_CTX_new();
    b->cbc_enc = EVP_CIPHER_CTX_new();
    b->cbc_dec = EVP_CIPHER_CTX_new();
    b->cmac_cbc = EVP_CIPHER_CTX_new();
    static const uint8_t zero_iv[16]; /* dec_chain and cmac_chain start at zero too */
    if (!b->ecb || !b->cbc_enc || !b->cbc_dec || !b->cmac_cbc ||
        EVP_EncryptInit_ex2(b->ecb, cipher_ecb, b->k.s_enc, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(b->ecb, 0) != 1 ||
        EVP_CipherInit_ex2(b->cbc_enc, cipher_cbc, b->k.s_enc, NULL, 1, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(b->cbc_enc, 0) != 1 ||
        EVP_CipherInit_ex2(b->cbc_dec, cipher_cbc, b->k.s_enc, zero_iv, 0, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(b->cbc_dec, 0) != 1 ||
        EVP_EncryptInit_ex2(b->cmac_cbc, cipher_cbc, b->k.s_mac, zero_iv, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(b->cmac_cbc, 0) != 1 || cmac_subkeys(b) != 0 ||
        EVP_EncryptInit_ex2(b->cmac_cbc, NULL, NULL, zero_iv, NULL) != 1) {
        esim_bsp_free(b);
        return esim_error_openssl(err, "AES setup");
    }
    return 0;
}

void esim_bsp_free(esim_bsp *b)
{
    EVP_CIPHER_CTX_free(b->ecb);
    EVP_CIPHER_CTX_free(b->cbc_enc);
    EVP_CIPHER_CTX_free(b->cbc_dec);
    EVP_CIPHER_CTX_free(b->cmac_cbc);
    esim_wipe(b, sizeof *b);
    memset(b, 0, sizeof *b);
}

size_t esim_bsp_max_plain(bool encrypt)
{
    /* ESIM_BSP_SEGMENT_MAX = tag(1) + length(3 bytes: 82 xx xx) + data + MAC(8) */
    size_t data = ESIM_BSP_SEGMENT_MAX - 1 - 3 - ESIM_BSP_MAC_LEN;
    /* encrypted data is padded with 80 00.. to a multiple of 16: at least one byte of padding */
    return encrypt ? (data / 16) * 16 - 1 : data;
}

/* ICV = AES-ECB(S-ENC, counter as a 16-byte big-endian block), then counter++. */
static int next_icv(esim_bsp *b, uint8_t icv[16], esim_error *err)
{
    uint8_t blk[16] = { 0 };
    for (int i = 0; i < 8; i++)
        blk[15 - i] = (uint8_t)(b->counter >> (8 * i));
    int n1 = 0;
    if (EVP_EncryptUpdate(b->ecb, icv, &n1, blk, 16) != 1 || n1 != 16)
        return esim_error_openssl(err, "ICV computation");
    b->counter++;
    return 0;
}

/* AES-CMAC (SP 800-38B) as a CBC encryption under S-MAC with a zero IV: the MAC is the last
 * cipher block, the last message block first XORed with K1 (complete) or padded 80 00.. and
 * XORed with K2. One CBC call per segment runs at OpenSSL's CBC-encryption speed (EVP_MAC's
 * CMAC calls the cipher once per 16-byte block). The message is copied into a chunk buffer
 * and encrypted in place; a full chunk is encrypted only once more data follows. As for the
 * decryption, the IV is not reset: the context continues from its last block
 * (b->cmac_chain), so the first block fed is M1 ^ cmac_chain, which gives E(M1) as a zero IV
 * would. */
#define CMAC_CHUNK 1056 /* multiple of 16; holds MCV + header + a whole segment's data */

typedef struct cmac_run {
    esim_bsp *b;
    uint8_t buf[CMAC_CHUNK];
    size_t fill;
    int fail;
} cmac_run;

static void cmac_crypt(cmac_run *r, size_t n)
{
    int l = 0;
    if (EVP_EncryptUpdate(r->b->cmac_cbc, r->buf, &l, r->buf, (int)n) != 1 || (size_t)l != n)
        r->fail = 1;
}

static void cmac_add(cmac_run *r, const uint8_t *p, size_t n)
{
    while (n) {
        if (r->fill == CMAC_CHUNK) { /* more data follows: not the last block */
            cmac_crypt(r, CMAC_CHUNK);
            r->fill = 0;
        }
        size_t k = CMAC_CHUNK - r->fill < n ? CMAC_CHUNK - r->fill : n;
        memcpy(r->buf + r->fill, p, k);
        r->fill += k;
        p += k;
        n -= k;
    }
}

static void cmac_finish(cmac_run *r, uint8_t mac[16])
{
    const uint8_t *sub = r->b->cmac_k1;
    if (r->fill % 16) {
        sub = r->b->cmac_k2;
        r->buf[r->fill++] = 0x80;
        while (r->fill % 16)
            r->buf[r->fill++] = 0;
    }
    for (int i = 0; i < 16; i++)
        r->buf[r->fill - 16 + i] ^= sub[i];
    cmac_crypt(r, r->fill);
    memcpy(mac, r->buf + r->fill - 16, 16);
}

/* Full CMAC over MCV || tag || BER length(lcc) || data; it becomes the next MCV. */
static int chain_mac(esim_bsp *b, uint8_t tag, const uint8_t *data, size_t n, size_t lcc,
                     uint8_t mac[16], esim_error *err)
{
    uint8_t hdr[10];
    size_t hl = esim_tlv_encode_header(tag, lcc, hdr);
    cmac_run r;
    r.b = b;
    r.fail = 0;
    for (int i = 0; i < 16; i++)
        r.buf[i] = b->k.mcv[i] ^ b->cmac_chain[i];
    r.fill = 16;
    cmac_add(&r, hdr, hl);
    cmac_add(&r, data, n);
    cmac_finish(&r, mac);
    /* encrypted in place, the buffer holds only chain blocks over public data; the last one
     * is the full MAC (the next MCV): wipe that (all of it if the encryption failed and the
     * MCV may still be there in clear) */
    if (r.fail) {
        esim_wipe(r.buf, sizeof r.buf);
        /* chain state unknown: restart it from a zero IV */
        static const uint8_t zero_iv[16];
        memset(b->cmac_chain, 0, 16);
        EVP_EncryptInit_ex2(b->cmac_cbc, NULL, NULL, zero_iv, NULL);
        return esim_error_openssl(err, "AES-CMAC");
    }
    esim_wipe(r.buf + r.fill - 16, 16);
    memcpy(b->cmac_chain, mac, 16);
    memcpy(b->k.mcv, mac, 16);
    return 0;
}

static int cbc_encrypt(esim_bsp *b, const uint8_t icv[16], const uint8_t *in, size_t n,
                       uint8_t *out, esim_error *err)
{
    int l1 = 0, l2 = 0;
    /* keep the key schedule, set only the ICV */
    if (n > INT32_MAX || EVP_CipherInit_ex2(b->cbc_enc, NULL, NULL, icv, 1, NULL) != 1 ||
        EVP_CipherUpdate(b->cbc_enc, out, &l1, in, (int)n) != 1 ||
        EVP_CipherFinal_ex(b->cbc_enc, out + l1, &l2) != 1 || (size_t)(l1 + l2) != n)
        return esim_error_openssl(err, "AES-128-CBC");
    return 0;
}

/* CBC decryption of n bytes (a multiple of 16, at least 16) with the segment's ICV. Setting an
 * IV costs more than a 1 KiB segment's AES in OpenSSL 3 (a provider re-init with parameter
 * look-ups), so the context simply continues its chain from the previous segment's last
 * ciphertext block (b->dec_chain) and the first plaintext block is corrected afterwards:
 * P1 = D(C1) ^ ICV = out1 ^ dec_chain ^ ICV. */
static int cbc_decrypt(esim_bsp *b, const uint8_t icv[16], const uint8_t *in, size_t n,
                       uint8_t *out, esim_error *err)
{
    uint8_t last[16];
    int l = 0;
    memcpy(last, in + n - 16, 16);
    if (n > INT32_MAX || EVP_DecryptUpdate(b->cbc_dec, out, &l, in, (int)n) != 1 ||
        (size_t)l != n) {
        /* chain state unknown: restart it from a zero IV */
        static const uint8_t zero_iv[16];
        memset(b->dec_chain, 0, 16);
        EVP_CipherInit_ex2(b->cbc_dec, NULL, NULL, zero_iv, 0, NULL);
        return esim_error_openssl(err, "AES-128-CBC");
    }
    for (int i = 0; i < 16; i++)
        out[i] ^= (uint8_t)(b->dec_chain[i] ^ icv[i]);
    memcpy(b->dec_chain, last, 16);
    return 0;
}

int esim_bsp_protect(esim_bsp *b, uint8_t tag, bool encrypt, const uint8_t *plain, size_t n,
                     esim_buf *out, esim_error *err)
{
    uint8_t mac[16], icv[16];
    if (!encrypt) {
        if (chain_mac(b, tag, plain, n, n + ESIM_BSP_MAC_LEN, mac, err) != 0)
            return -1;
        b->counter++; /* MAC-only segments advance the ICV counter too */
        if (esim_tlv_put_header(out, tag, n + ESIM_BSP_MAC_LEN) || esim_buf_append(out, plain, n) ||
            esim_buf_append(out, mac, ESIM_BSP_MAC_LEN))
            return esim_error_set(err, "out of memory");
        return 0;
    }
    size_t padded = (n / 16 + 1) * 16;
    uint8_t *tmp = malloc(padded);
    if (!tmp)
        return esim_error_set(err, "out of memory");
    if (n)
        memcpy(tmp, plain, n);
    tmp[n] = 0x80;
    memset(tmp + n + 1, 0, padded - n - 1);
    int rc = -1;
    if (next_icv(b, icv, err) == 0 && cbc_encrypt(b, icv, tmp, padded, tmp, err) == 0 &&
        chain_mac(b, tag, tmp, padded, padded + ESIM_BSP_MAC_LEN, mac, err) == 0) {
        if (esim_tlv_put_header(out, tag, padded + ESIM_BSP_MAC_LEN) ||
            esim_buf_append(out, tmp, padded) || esim_buf_append(out, mac, ESIM_BSP_MAC_LEN))
            esim_error_set(err, "out of memory");
        else
            rc = 0;
    }
    esim_wipe(tmp, padded);
    free(tmp);
    return rc;
}

int esim_bsp_unprotect(esim_bsp *b, uint8_t tag, bool decrypt, const uint8_t *value, size_t n,
                       esim_buf *out, esim_bsp_check *chk, esim_error *err)
{
    memset(chk, 0, sizeof *chk);
    if (n < ESIM_BSP_MAC_LEN + (decrypt ? 16u : 0u))
        return esim_error_set(err, "segment of %zu bytes is too short for %sa MAC", n,
                              decrypt ? "one cipher block and " : "");
    size_t dn = n - ESIM_BSP_MAC_LEN;
    if (decrypt && dn % 16)
        return esim_error_set(err, "encrypted data of %zu bytes is not a multiple of 16", dn);
    uint8_t mac[16];
    if (chain_mac(b, tag, value, dn, n, mac, err) != 0)
        return -1;
    memcpy(chk->mac_wire, value + dn, ESIM_BSP_MAC_LEN);
    memcpy(chk->mac_computed, mac, ESIM_BSP_MAC_LEN);
    chk->mac_ok = CRYPTO_memcmp(mac, value + dn, ESIM_BSP_MAC_LEN) == 0;
    if (!decrypt) {
        b->counter++;
        chk->pad_ok = true;
        if (out && esim_buf_append(out, value, dn))
            return esim_error_set(err, "out of memory");
        return 0;
    }
    /* decrypt straight into out when there is one */
    uint8_t stackbuf[1024], icv[16];
    uint8_t *tmp;
    if (out) {
        if (esim_buf_reserve(out, dn) != 0)
            return esim_error_set(err, "out of memory");
        tmp = out->data + out->len;
    } else {
        tmp = dn <= sizeof stackbuf ? stackbuf : malloc(dn);
        if (!tmp)
            return esim_error_set(err, "out of memory");
    }
    int rc = -1;
    if (next_icv(b, icv, err) == 0 && cbc_decrypt(b, icv, value, dn, tmp, err) == 0) {
        rc = 0;
        /* padding: 80 then 0..15 zero bytes */
        size_t i = dn;
        while (i > 0 && dn - i < 15 && tmp[i - 1] == 0)
            i--;
        chk->pad_ok = i > 0 && tmp[i - 1] == 0x80;
        if (chk->pad_ok && out) {
            esim_wipe(tmp + i - 1, dn - (i - 1));
            out->len += i - 1;
            return 0;
        }
    }
    esim_wipe(tmp, dn);
    if (!out && tmp != stackbuf)
        free(tmp);
    return rc;
}
