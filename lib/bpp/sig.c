/* ECDSA raw r||s signatures and CI -> certificate checks (SGP.22 2.6.5, 4.5). */
#include "esim/sig.h"
#include "esim/input.h"
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

int esim_sig_raw_to_der(const uint8_t *raw, size_t len, uint8_t *out, size_t cap,
                        size_t *outlen, esim_error *err)
{
    if (len == 0 || len % 2 || len > 132)
        return esim_error_set(err, "signature of %zu bytes is not a raw r||s value", len);
    ECDSA_SIG *s = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(raw, (int)(len / 2), NULL);
    BIGNUM *sv = BN_bin2bn(raw + len / 2, (int)(len / 2), NULL);
    if (!s || !r || !sv || !ECDSA_SIG_set0(s, r, sv)) {
        BN_free(r);
        BN_free(sv);
        ECDSA_SIG_free(s);
        return esim_error_openssl(err, "signature conversion");
    }
    int n = i2d_ECDSA_SIG(s, NULL);
    int rc = 0;
    if (n <= 0 || (size_t)n > cap) {
        rc = esim_error_set(err, "signature conversion failed");
    } else {
        uint8_t *p = out;
        *outlen = (size_t)i2d_ECDSA_SIG(s, &p);
    }
    ECDSA_SIG_free(s);
    return rc;
}

int esim_sig_der_to_raw(const uint8_t *der, size_t len, uint8_t out[64], esim_error *err)
{
    const uint8_t *p = der;
    ECDSA_SIG *s = d2i_ECDSA_SIG(NULL, &p, (long)len);
    if (!s)
        return esim_error_openssl(err, "decoding the ECDSA signature");
    int rc = 0;
    if (BN_bn2binpad(ECDSA_SIG_get0_r(s), out, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(s), out + 32, 32) != 32)
        rc = esim_error_set(err, "signature values longer than 32 bytes");
    ECDSA_SIG_free(s);
    return rc;
}

int esim_sig_sign_raw(EVP_PKEY *key, const uint8_t *data, size_t n, uint8_t out[64],
                      esim_error *err)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t der[160];
    size_t dl = sizeof der;
    int rc = -1;
    if (!ctx || EVP_DigestSignInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) != 1 ||
        EVP_DigestSign(ctx, der, &dl, data, n) != 1)
        esim_error_openssl(err, "ECDSA signing");
    else
        rc = esim_sig_der_to_raw(der, dl, out, err);
    EVP_MD_CTX_free(ctx);
    return rc;
}

int esim_sig_verify_raw(EVP_PKEY *pub, const uint8_t *data, size_t n, const uint8_t *sig,
                        size_t siglen, esim_error *err)
{
    uint8_t der[160];
    size_t dl;
    if (esim_sig_raw_to_der(sig, siglen, der, sizeof der, &dl, err) != 0)
        return 0; /* not even shaped like a signature: invalid */
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int rc;
    if (!ctx || EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, pub, NULL) != 1) {
        rc = esim_error_openssl(err, "ECDSA verification setup");
    } else {
        int v = EVP_DigestVerify(ctx, der, dl, data, n);
        ERR_clear_error();
        rc = v == 1 ? 1 : 0;
        if (!rc)
            esim_error_set(err, "ECDSA signature does not verify");
    }
    EVP_MD_CTX_free(ctx);
    return rc;
}

X509 *esim_x509_from_bytes(const uint8_t *data, size_t len, esim_error *err)
{
    X509 *x = NULL;
    BIO *b = BIO_new_mem_buf(data, (int)len);
    if (b)
        x = PEM_read_bio_X509(b, NULL, NULL, NULL);
    BIO_free(b);
    if (!x) {
        const uint8_t *p = data;
        ERR_clear_error();
        x = d2i_X509(NULL, &p, (long)len);
    }
    if (!x)
        esim_error_openssl(err, "reading the certificate (PEM or DER)");
    return x;
}

X509 *esim_x509_load(const char *path, esim_error *err)
{
    uint8_t *raw = NULL;
    size_t len = 0;
    if (esim_input_load(path, ESIM_IN_DER, &raw, &len, NULL, err) != 0)
        return NULL;
    X509 *x = esim_x509_from_bytes(raw, len, err);
    if (!x)
        esim_error_prefix(err, "%s", path);
    free(raw);
    return x;
}

int esim_x509_check_issued(X509 *cert, X509 *ca, esim_error *err)
{
    EVP_PKEY *ca_pub = X509_get0_pubkey(ca);
    if (!ca_pub)
        return esim_error_openssl(err, "reading the CI public key");
    if (X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(ca)) != 0)
        return esim_error_set(err, "certificate issuer is not the given CI (names differ)"), 0;
    if (X509_verify(cert, ca_pub) != 1) {
        ERR_clear_error();
        return esim_error_set(err, "certificate signature does not verify with the CI key"), 0;
    }
    if (X509_verify(ca, ca_pub) != 1) {
        ERR_clear_error();
        return esim_error_set(err, "the CI certificate is not self-signed"), 0;
    }
    if (X509_check_ca(ca) == 0)
        return esim_error_set(err, "the CI certificate is not allowed to sign certificates"), 0;
    return 1;
}

void esim_x509_time_note(X509 *cert, X509 *ca, char *buf, size_t cap)
{
    X509 *c[2] = { cert, ca };
    const char *who[2] = { "certificate", "CI certificate" };
    buf[0] = '\0';
    for (int i = 0; i < 2; i++) {
        if (!c[i])
            continue;
        if (X509_cmp_current_time(X509_get0_notBefore(c[i])) > 0)
            snprintf(buf, cap, "%s is not yet valid", who[i]);
        else if (X509_cmp_current_time(X509_get0_notAfter(c[i])) < 0)
            snprintf(buf, cap, "%s has expired", who[i]);
        if (buf[0])
            return;
    }
}
