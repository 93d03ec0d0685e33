#include "ecsig.h"
#include <string.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>

static int curve_nid(esim_curve c)
{
    return c == ESIM_CURVE_BP256R1 ? NID_brainpoolP256r1 : NID_X9_62_prime256v1;
}

/* value mod (n-1) + 1 from 48 DRBG bytes: uniform enough and never zero. */
static BIGNUM *scalar_from(const uint8_t *b, size_t n, const BIGNUM *order, BN_CTX *ctx)
{
    BIGNUM *v = BN_bin2bn(b, (int)n, NULL), *nm1 = BN_dup(order);
    if (!v || !nm1 || !BN_sub_word(nm1, 1) || !BN_mod(v, v, nm1, ctx) || !BN_add_word(v, 1)) {
        BN_free(v);
        v = NULL;
    }
    BN_free(nm1);
    return v;
}

int sg_key_derive(sg_key *k, esim_curve c, const sg_drbg *d, const char *label)
{
    memset(k, 0, sizeof *k);
    k->curve = c;
    EC_GROUP *g = EC_GROUP_new_by_curve_name(curve_nid(c));
    BN_CTX *ctx = BN_CTX_new();
    uint8_t raw[48];
    sg_drbg_bytes(d, label, raw, sizeof raw);
    BIGNUM *v = g && ctx ? scalar_from(raw, sizeof raw, EC_GROUP_get0_order(g), ctx) : NULL;
    int rc = -1;
    if (v && BN_bn2binpad(v, k->d, 32) == 32) {
        esim_error err;
        size_t plen = 0;
        k->pk = esim_ec_from_private(c, k->d, 32, &err);
        if (k->pk && esim_ec_point_of_private(c, k->d, 32, k->pub, &plen, &err) == 0 && plen == 65)
            rc = 0;
    }
    BN_clear_free(v);
    BN_CTX_free(ctx);
    EC_GROUP_free(g);
    esim_wipe(raw, sizeof raw);
    return rc;
}

void sg_key_free(sg_key *k)
{
    EVP_PKEY_free(k->pk);
    esim_wipe(k->d, sizeof k->d);
    k->pk = NULL;
}

static ECDSA_SIG *sign(const sg_key *k, const sg_drbg *d, const uint8_t *msg, size_t len)
{
    uint8_t h[32], seedin[64], kb[48];
    SHA256(msg, len, h);
    memcpy(seedin, k->d, 32);
    memcpy(seedin + 32, h, 32);
    sg_drbg_bytes2(d, "ecdsa-nonce", seedin, sizeof seedin, kb, sizeof kb);
    EC_GROUP *g = EC_GROUP_new_by_curve_name(curve_nid(k->curve));
    BN_CTX *ctx = BN_CTX_new();
    EC_POINT *R = g ? EC_POINT_new(g) : NULL;
    BIGNUM *x = BN_new(), *r = BN_new(), *s = BN_new(), *e = BN_bin2bn(h, 32, NULL);
    BIGNUM *dd = BN_bin2bn(k->d, 32, NULL), *kinv = BN_new();
    const BIGNUM *n = g ? EC_GROUP_get0_order(g) : NULL;
    BIGNUM *kk = n && ctx ? scalar_from(kb, sizeof kb, n, ctx) : NULL;
    ECDSA_SIG *sig = NULL;
    /* r = x(kG) mod n; s = k^-1 (e + r d) mod n (SHA-256 output is as long as n: no truncation) */
    if (R && kk && x && r && s && e && dd && kinv && EC_POINT_mul(g, R, kk, NULL, NULL, ctx) &&
        EC_POINT_get_affine_coordinates(g, R, x, NULL, ctx) && BN_nnmod(r, x, n, ctx) &&
        !BN_is_zero(r) && BN_mod_inverse(kinv, kk, n, ctx) && BN_mod_mul(s, r, dd, n, ctx) &&
        BN_mod_add(s, s, e, n, ctx) && BN_mod_mul(s, s, kinv, n, ctx) && !BN_is_zero(s)) {
        sig = ECDSA_SIG_new();
        if (sig && ECDSA_SIG_set0(sig, r, s) == 1) {
            r = s = NULL;
        } else {
            ECDSA_SIG_free(sig);
            sig = NULL;
        }
    }
    BN_free(x);
    BN_free(r);
    BN_free(s);
    BN_free(e);
    BN_clear_free(dd);
    BN_clear_free(kinv);
    BN_clear_free(kk);
    EC_POINT_free(R);
    BN_CTX_free(ctx);
    EC_GROUP_free(g);
    esim_wipe(kb, sizeof kb);
    esim_wipe(seedin, sizeof seedin);
    return sig;
}

int sg_sign_raw(const sg_key *k, const sg_drbg *d, const uint8_t *msg, size_t len, uint8_t out[64])
{
    ECDSA_SIG *sig = sign(k, d, msg, len);
    if (!sig)
        return -1;
    int rc = BN_bn2binpad(ECDSA_SIG_get0_r(sig), out, 32) == 32 &&
                     BN_bn2binpad(ECDSA_SIG_get0_s(sig), out + 32, 32) == 32
                 ? 0
                 : -1;
    ECDSA_SIG_free(sig);
    return rc;
}

int sg_sign_der(const sg_key *k, const sg_drbg *d, const uint8_t *msg, size_t len, uint8_t *out,
                size_t *outlen)
{
    ECDSA_SIG *sig = sign(k, d, msg, len);
    if (!sig)
        return -1;
    int n = i2d_ECDSA_SIG(sig, NULL);
    int rc = -1;
    if (n > 0 && (size_t)n <= *outlen) {
        unsigned char *p = out;
        *outlen = (size_t)i2d_ECDSA_SIG(sig, &p);
        rc = 0;
    }
    ECDSA_SIG_free(sig);
    return rc;
}

int sg_verify_raw(EVP_PKEY *pub, const uint8_t *msg, size_t len, const uint8_t raw[64])
{
    ECDSA_SIG *sig = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
    int ok = 0;
    if (sig && r && s && ECDSA_SIG_set0(sig, r, s) == 1) {
        r = s = NULL;
        unsigned char der[80], *p = der;
        int n = i2d_ECDSA_SIG(sig, &p);
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        if (n > 0 && md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) == 1)
            ok = EVP_DigestVerify(md, der, (size_t)n, msg, len) == 1;
        EVP_MD_CTX_free(md);
    }
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return ok;
}
