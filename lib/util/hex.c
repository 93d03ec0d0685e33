#include "esim/hex.h"
#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

static const char digits[] = "0123456789ABCDEF";

char *esim_hex(const uint8_t *in, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
    return out;
}

char *esim_hex_dup(const uint8_t *in, size_t len)
{
    char *s = malloc(2 * len + 1);
    return s ? esim_hex(in, len, s) : NULL;
}

static int nibble(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

long esim_unhex(const char *hex, size_t hexlen, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (size_t i = 0; i < hexlen; i++) {
        char c = hex[i];
        if (c == ' ' || c == ':' || c == '\n' || c == '\r' || c == '\t')
            continue;
        int v = nibble(c);
        if (v < 0)
            return -1;
        if (hi < 0) {
            hi = v;
        } else {
            if (n >= cap)
                return -1;
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return hi < 0 ? (long)n : -1;
}

size_t esim_bcd_swapped_to_digits(const uint8_t *in, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned lo = in[i] & 15, hi = in[i] >> 4;
        if (lo == 15) break;
        out[n++] = digits[lo];
        if (hi == 15) break;
        out[n++] = digits[hi];
    }
    out[n] = '\0';
    return n;
}

size_t esim_bcd_plain_to_digits(const uint8_t *in, size_t len, char *out)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned lo = in[i] & 15, hi = in[i] >> 4;
        if (hi == 15) break;
        out[n++] = digits[hi];
        if (lo == 15) break;
        out[n++] = digits[lo];
    }
    out[n] = '\0';
    return n;
}

bool esim_iccid_digits(const uint8_t *in, size_t len, char *out)
{
    esim_bcd_swapped_to_digits(in, len, out);
    if (!strncmp(out, "89", 2))
        return false;
    esim_bcd_plain_to_digits(in, len, out);
    if (!strncmp(out, "89", 2))
        return true;
    esim_bcd_swapped_to_digits(in, len, out);
    return false;
}

void esim_wipe(void *p, size_t len)
{
    if (p && len)
        OPENSSL_cleanse(p, len);
}
