#include "drbg.h"
#include <stdio.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

void sg_drbg_init(sg_drbg *d, unsigned long long seed)
{
    char txt[64];
    int n = snprintf(txt, sizeof txt, "esimscope-samples/%llu", seed);
    SHA256((const unsigned char *)txt, (size_t)n, d->key);
}

void sg_drbg_bytes2(const sg_drbg *d, const char *label, const uint8_t *extra, size_t extra_len,
                    uint8_t *out, size_t n)
{
    size_t llen = strlen(label);
    uint8_t msg[256 + 4 + 1 + 128];
    uint32_t ctr = 1;
    if (llen > 256)
        llen = 256;
    if (extra_len > 128)
        extra_len = 128;
    while (n > 0) {
        uint8_t mac[32];
        unsigned int mlen = sizeof mac;
        size_t m = 0;
        memcpy(msg, label, llen);
        m = llen;
        msg[m++] = 0;
        if (extra_len) {
            memcpy(msg + m, extra, extra_len);
            m += extra_len;
        }
        msg[m++] = (uint8_t)(ctr >> 24);
        msg[m++] = (uint8_t)(ctr >> 16);
        msg[m++] = (uint8_t)(ctr >> 8);
        msg[m++] = (uint8_t)ctr;
        HMAC(EVP_sha256(), d->key, sizeof d->key, msg, m, mac, &mlen);
        size_t take = n < mlen ? n : mlen;
        memcpy(out, mac, take);
        out += take;
        n -= take;
        ctr++;
    }
}

void sg_drbg_bytes(const sg_drbg *d, const char *label, uint8_t *out, size_t n)
{
    sg_drbg_bytes2(d, label, NULL, 0, out, n);
}
