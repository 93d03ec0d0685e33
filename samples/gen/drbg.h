/* Deterministic bytes for the sample generator: HMAC-SHA256 in counter mode keyed by the seed,
 * one independent stream per label ("key/ci/nist", "challenge/euicc", ...), so that adding a new
 * consumer never shifts the bytes of the others. */
#ifndef SG_DRBG_H
#define SG_DRBG_H
#include <stddef.h>
#include <stdint.h>

typedef struct sg_drbg {
    uint8_t key[32];    /* SHA-256 of the decimal seed */
} sg_drbg;

void sg_drbg_init(sg_drbg *d, unsigned long long seed);
/* out[0..n) = HMAC(key, label || 0x00 || ctr_be32) || HMAC(..., ctr+1) || ...  */
void sg_drbg_bytes(const sg_drbg *d, const char *label, uint8_t *out, size_t n);
/* Same with extra binary input after the label (used for deterministic ECDSA nonces). */
void sg_drbg_bytes2(const sg_drbg *d, const char *label, const uint8_t *extra, size_t extra_len,
                    uint8_t *out, size_t n);
#endif
