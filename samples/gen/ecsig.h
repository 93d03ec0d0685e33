/* Deterministic EC keys and ECDSA for the samples: private scalars and signature nonces both come
 * from the seeded DRBG (nonce = DRBG(private key || message hash), in the spirit of RFC 6979), so
 * a seed always gives the same keys, certificates and signatures. Curves: NIST P-256 and
 * brainpoolP256r1 (SGP.22 section 2.6.5). */
#ifndef SG_ECSIG_H
#define SG_ECSIG_H
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "esim/bsp.h"
#include "esim/hex.h"
#include "drbg.h"

typedef struct sg_key {
    esim_curve curve;
    uint8_t d[32];          /* private scalar, big-endian */
    uint8_t pub[65];        /* 04 || X || Y */
    EVP_PKEY *pk;
} sg_key;

/* Derives a key on curve c from the DRBG stream named label. */
int sg_key_derive(sg_key *k, esim_curve c, const sg_drbg *d, const char *label);
void sg_key_free(sg_key *k);

/* ECDSA with SHA-256 over msg: raw r || s (64 bytes, as SGP.22 carries signatures in '5F37'). */
int sg_sign_raw(const sg_key *k, const sg_drbg *d, const uint8_t *msg, size_t len, uint8_t out[64]);
/* Same, DER Ecdsa-Sig-Value (as X.509 wants); *len in/out. */
int sg_sign_der(const sg_key *k, const sg_drbg *d, const uint8_t *msg, size_t len, uint8_t *out,
                size_t *outlen);
/* Verifies a raw r||s signature with OpenSSL (self-check). 1 = good. */
int sg_verify_raw(EVP_PKEY *pub, const uint8_t *msg, size_t len, const uint8_t sig[64]);
#endif
