/* Published test key values (GSMA TS.48 generic test profile, 3GPP TS 35.208 Milenage test
 * set 1, GlobalPlatform default test key) and trivial key patterns. A key found in a profile
 * package that equals one of these is publicly known. */
#ifndef ESIM_KNOWN_KEYS_H
#define ESIM_KNOWN_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct esim_known_key {
    const char *name;       /* e.g. "TS.48 Milenage/test-algorithm K" */
    const char *source;     /* where the value is published */
    size_t len;
    uint8_t value[16];
} esim_known_key;

/* The published value equal to v[0..len), or NULL. */
const esim_known_key *esim_known_key_find(const uint8_t *v, size_t len);
/* Trivial pattern: all bytes equal, or each byte the previous one +1 / -1. Returns a short
 * description ("all bytes equal", "ascending bytes", ...) or NULL. Keys of < 4 bytes: NULL. */
const char *esim_key_trivial(const uint8_t *v, size_t len);
/* PIN/PUK/ADM value (ASCII digits padded with FF, TS 102 221 9.5.1): a default or trivial
 * value ("0000", "1234", one digit repeated, ascending digits, TS 31.121 defaults).
 * Returns a description or NULL. */
const char *esim_pin_trivial(const uint8_t *v, size_t len);
#endif
