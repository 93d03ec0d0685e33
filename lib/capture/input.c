#include "esim/input.h"
#include "esim/hex.h"
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const format_names[] = {"auto", "der", "base64", "hex"};

int esim_input_format_parse(const char *name, esim_input_format *out)
{
    for (size_t i = 0; i < G_N_ELEMENTS(format_names); i++)
        if (!g_ascii_strcasecmp(name, format_names[i])) {
            *out = (esim_input_format)i;
            return 0;
        }
    if (!g_ascii_strcasecmp(name, "b64")) {
        *out = ESIM_IN_BASE64;
        return 0;
    }
    return -1;
}

const char *esim_input_format_name(esim_input_format f)
{
    return (unsigned)f < G_N_ELEMENTS(format_names) ? format_names[f] : "?";
}

static int is_space(uint8_t c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

static int is_hex_text(const uint8_t *p, size_t n)
{
    size_t digits = 0;
    for (size_t i = 0; i < n; i++) {
        if (g_ascii_isxdigit(p[i]))
            digits++;
        else if (!is_space(p[i]) && p[i] != ':')
            return 0;
    }
    return digits > 0 && digits % 2 == 0;
}

static int is_base64_text(const uint8_t *p, size_t n)
{
    size_t chars = 0;
    for (size_t i = 0; i < n; i++) {
        if (g_ascii_isalnum(p[i]) || p[i] == '+' || p[i] == '/' || p[i] == '=' || p[i] == '-' ||
            p[i] == '_')
            chars++;
        else if (!is_space(p[i]))
            return 0;
    }
    return chars > 0;
}

/* Strips "-----BEGIN ...-----" / "-----END ...-----" armour lines in place; returns new length. */
static size_t strip_pem_armour(char *s, size_t n)
{
    size_t w = 0, i = 0;
    while (i < n) {
        size_t e = i;
        while (e < n && s[e] != '\n')
            e++;
        int armour = e - i >= 5 && !strncmp(s + i, "-----", 5);
        if (!armour) {
            memmove(s + w, s + i, e - i);
            w += e - i;
            if (e < n)
                s[w++] = '\n';
        }
        i = e + 1;
    }
    return w;
}

static int decode_base64(const uint8_t *raw, size_t rawlen, uint8_t **data, size_t *len,
                         esim_error *err)
{
    char *text = g_malloc(rawlen + 4); /* room for '=' padding and NUL */
    size_t n = 0;
    memcpy(text, raw, rawlen);
    rawlen = strip_pem_armour(text, rawlen);
    for (size_t i = 0; i < rawlen; i++) {
        char c = text[i];
        if (is_space((uint8_t)c))
            continue;
        /* base64url (RFC 4648 §5) is accepted too. */
        text[n++] = c == '-' ? '+' : c == '_' ? '/' : c;
        if (!(g_ascii_isalnum(c) || c == '+' || c == '/' || c == '=' || c == '-' || c == '_')) {
            g_free(text);
            return esim_error_set(err, "invalid base64: character 0x%02X at offset %zu",
                                  (unsigned)(uint8_t)c, i);
        }
    }
    while (n % 4)
        text[n++] = '=';
    text[n] = '\0';
    /* Padding: at most two '=', only at the end. */
    size_t pads = 0;
    while (pads < n && text[n - 1 - pads] == '=')
        pads++;
    for (size_t i = 0; i < n; i++)
        if ((text[i] == '=' && i < n - pads) || pads > 2) {
            g_free(text);
            return esim_error_set(err, "invalid base64: padding '=' in the middle of the data");
        }
    gsize out_len = 0;
    guchar *out = g_base64_decode(text, &out_len);
    g_free(text);
    if (!out || out_len == 0) {
        g_free(out);
        return esim_error_set(err, "invalid base64: decodes to nothing");
    }
    *data = malloc(out_len);
    if (!*data) {
        g_free(out);
        return esim_error_set(err, "out of memory");
    }
    memcpy(*data, out, out_len);
    *len = out_len;
    g_free(out);
    return 0;
}

int esim_input_decode(const uint8_t *raw, size_t rawlen, esim_input_format forced, uint8_t **data,
                      size_t *len, esim_input_format *detected, esim_error *err)
{
    *data = NULL;
    *len = 0;
    if (rawlen == 0)
        return esim_error_set(err, "input is empty");
    esim_input_format f = forced;
    if (f == ESIM_IN_AUTO) {
        if (is_hex_text(raw, rawlen))
            f = ESIM_IN_HEX;
        else if (rawlen >= 10 && !memcmp(raw, "-----BEGIN", 10))
            f = ESIM_IN_BASE64;
        else if (is_base64_text(raw, rawlen))
            f = ESIM_IN_BASE64;
        else
            f = ESIM_IN_DER;
    }
    if (detected)
        *detected = f;
    switch (f) {
    case ESIM_IN_HEX: {
        uint8_t *out = malloc(rawlen / 2 + 1);
        if (!out)
            return esim_error_set(err, "out of memory");
        long n = esim_unhex((const char *)raw, rawlen, out, rawlen / 2 + 1);
        if (n <= 0) {
            free(out);
            return esim_error_set(err, "invalid hex input (odd number of digits or a non-hex "
                                       "character)");
        }
        *data = out;
        *len = (size_t)n;
        return 0;
    }
    case ESIM_IN_BASE64:
        return decode_base64(raw, rawlen, data, len, err);
    default: {
        uint8_t *out = malloc(rawlen);
        if (!out)
            return esim_error_set(err, "out of memory");
        memcpy(out, raw, rawlen);
        *data = out;
        *len = rawlen;
        return 0;
    }
    }
}

const char *esim_input_container(const uint8_t *raw, size_t n)
{
    if (n >= 4) {
        uint32_t le = (uint32_t)raw[3] << 24 | (uint32_t)raw[2] << 16 | (uint32_t)raw[1] << 8 | raw[0];
        if (le == 0xA1B2C3D4 || le == 0xA1B23C4D || le == 0xD4C3B2A1 || le == 0x4D3CB2A1)
            return "a pcap capture";
        if (le == 0x0A0D0D0A)
            return "a pcapng capture";
    }
    if (n >= 2 && raw[0] == 0x1F && raw[1] == 0x8B) /* RFC 1952 ID1 ID2 */
        return "gzip-compressed data";
    return NULL;
}

int esim_input_refuse_container(const char *path, const uint8_t *raw, size_t n, esim_error *err)
{
    const char *what = esim_input_container(raw, n);
    if (!what)
        return 0;
    if (raw[0] == 0x1F)
        return esim_error_set(err, "%s: %s, not a single RSP object: a compressed capture is read "
                              "by 'esimscope trace' or 'esimscope apdus'; anything else, gunzip "
                              "it first", path, what);
    return esim_error_set(err, "%s: %s, not a single RSP object: captures are read by 'esimscope "
                          "trace' (sessions and verdicts) and 'esimscope apdus' (the APDU list)",
                          path, what);
}

int esim_input_read(const char *path, uint8_t **raw_out, size_t *n_out, esim_error *err)
{
    *raw_out = NULL;
    *n_out = 0;
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f)
        return esim_error_set(err, "%s: %s", path, strerror(errno));
    size_t cap = 64 * 1024, n = 0;
    uint8_t *raw = malloc(cap);
    int rc = 0;
    errno = 0;
    /* the limit holds while reading: /dev/zero or an endless pipe stops at ESIM_INPUT_MAX */
    while (raw) {
        if (n == cap) {
            if (cap >= ESIM_INPUT_MAX) {
                rc = esim_error_set(err, "%s: larger than %u MiB; not a single RSP object", path,
                                    ESIM_INPUT_MAX >> 20);
                break;
            }
            uint8_t *bigger = malloc(cap * 2);
            if (bigger)
                memcpy(bigger, raw, n);
            esim_wipe(raw, n); /* may be a key-bearing object: no copy left behind by realloc */
            free(raw);
            raw = bigger;
            cap *= 2;
            continue;
        }
        size_t got = fread(raw + n, 1, cap - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f))
                rc = esim_error_set(err, "%s: read error: %s", path,
                                    errno ? strerror(errno) : "I/O error");
            break;
        }
    }
    if (f != stdin)
        fclose(f);
    if (!raw)
        return esim_error_set(err, "%s: out of memory", path);
    if (rc != 0) {
        esim_wipe(raw, n);
        free(raw);
        return rc;
    }
    *raw_out = raw;
    *n_out = n;
    return 0;
}

int esim_input_load(const char *path, esim_input_format forced, uint8_t **data, size_t *len,
                    esim_input_format *detected, esim_error *err)
{
    uint8_t *raw;
    size_t n;
    *data = NULL;
    *len = 0;
    if (esim_input_read(path, &raw, &n, err) != 0)
        return -1;
    int rc = esim_input_refuse_container(path, raw, n, err);
    if (rc == 0)
        rc = esim_input_decode(raw, n, forced, data, len, detected, err);
    if (rc != 0 && strncmp(err ? err->msg : "", path, strlen(path)))
        esim_error_prefix(err, "%s", path);
    esim_wipe(raw, n); /* may be a key-bearing object */
    free(raw);
    return rc;
}
