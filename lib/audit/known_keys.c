/* Published test key values and trivial patterns (facts from public specifications).
 *
 * GSMA TS.48 "Generic eUICC Test Profile for Device Testing" (v1..v4 packages as published by
 * GSMA in GSMATerminals/Generic-eUICC-Test-Profile-for-Device-Testing-Public): the NAA uses the
 * 3GPP test algorithm (XOR) with K = 00 01 .. 0F and OPc = 0; the MNO-SD carries SCP80/SCP03
 * key sets 01 (DES) and 02 (AES) with the three values below (TS.48 up to v3) or K = 00 01 .. 0F
 * for every key (TS.48 v4). Values checked against the published packages.
 * 3GPP TS 35.208 (Milenage conformance test data), test set 1: K, OP and OPc.
 * GlobalPlatform: 40 41 .. 4F is the default ISD test key of GP cards and tools. */
#include "esim/known_keys.h"
#include <string.h>

#define SEQ16 {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F}

static const esim_known_key KNOWN[] = {
    {"TS.48 NAA K (also every SD key in TS.48 v4)", "GSMA TS.48 Generic eUICC Test Profile", 16, SEQ16},
    {"TS.48 NAA OPc (all zero)", "GSMA TS.48 Generic eUICC Test Profile", 16, {0}},
    {"TS.48 MNO-SD key (KIC / S-ENC, key id 01)", "GSMA TS.48 Generic eUICC Test Profile v1-v3", 16,
     {0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0x11, 0x22, 0x33, 0x44, 0x55, 0xEE, 0xFF, 0x10}},
    {"TS.48 MNO-SD key (KID / S-MAC, key id 02)", "GSMA TS.48 Generic eUICC Test Profile v1-v3", 16,
     {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x10}},
    {"TS.48 MNO-SD key (KIK / DEK, key id 03)", "GSMA TS.48 Generic eUICC Test Profile v1-v3", 16,
     {0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x10, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88}},
    {"Milenage test set 1 K", "3GPP TS 35.208 test set 1", 16,
     {0x46, 0x5B, 0x5C, 0xE8, 0xB1, 0x99, 0xB4, 0x9F, 0xAA, 0x5F, 0x0A, 0x2E, 0xE2, 0x38, 0xA6, 0xBC}},
    {"Milenage test set 1 OP", "3GPP TS 35.208 test set 1", 16,
     {0xCD, 0xC2, 0x02, 0xD5, 0x12, 0x3E, 0x20, 0xF6, 0x2B, 0x6D, 0x67, 0x6A, 0xC7, 0x2C, 0xB3, 0x18}},
    {"Milenage test set 1 OPc", "3GPP TS 35.208 test set 1", 16,
     {0xCD, 0x63, 0xCB, 0x71, 0x95, 0x4A, 0x9F, 0x4E, 0x48, 0xA5, 0x99, 0x4E, 0x37, 0xA0, 0x2B, 0xAF}},
    {"GlobalPlatform default test key", "GlobalPlatform card default ISD key (40..4F)", 16,
     {0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F}},
};

const esim_known_key *esim_known_key_find(const uint8_t *v, size_t len)
{
    for (size_t i = 0; v && i < sizeof KNOWN / sizeof KNOWN[0]; i++)
        if (KNOWN[i].len == len && memcmp(KNOWN[i].value, v, len) == 0)
            return &KNOWN[i];
    /* 8-byte DES keys and 24/32-byte keys made of a repeated published 16-byte value */
    if (v && (len == 32 || len == 24))
        for (size_t i = 0; i < sizeof KNOWN / sizeof KNOWN[0]; i++)
            if (memcmp(KNOWN[i].value, v, 16) == 0 && memcmp(KNOWN[i].value, v + 16, len - 16) == 0)
                return &KNOWN[i];
    return NULL;
}

const char *esim_key_trivial(const uint8_t *v, size_t len)
{
    if (!v || len < 4)
        return NULL;
    bool same = true, up = true, down = true;
    for (size_t i = 1; i < len; i++) {
        same &= v[i] == v[0];
        up &= v[i] == (uint8_t)(v[i - 1] + 1);
        down &= v[i] == (uint8_t)(v[i - 1] - 1);
    }
    if (same)
        return "all bytes equal";
    if (up)
        return "ascending bytes";
    if (down)
        return "descending bytes";
    /* one 2- or 4-byte pattern repeated over the whole key */
    for (size_t period = 2; period <= 4; period += 2) {
        if (len % period || len == period)
            continue;
        bool rep = true;
        for (size_t i = period; i < len && rep; i++)
            rep = v[i] == v[i - period];
        if (rep)
            return "short pattern repeated";
    }
    return NULL;
}

/* 3GPP TS 31.121 4.1.1 default UICC: PIN 0000, PUK 11111111, PIN2 9999, PUK2 22222222 (also the
 * TS.48 values, with ADM1 55555555 and ADM2 66666666). */
const char *esim_pin_trivial(const uint8_t *v, size_t len)
{
    char d[17];
    size_t n = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < len && i < 16; i++) {
        if (v[i] == 0xFF)
            break;
        if (v[i] < '0' || v[i] > '9')
            return NULL; /* not a digit PIN (e.g. a binary ADM key): not judged here */
        d[n++] = (char)v[i];
    }
    d[n] = '\0';
    if (n == 0)
        return "empty value";
    static const char *const defaults[] = {"0000", "1234", "9999", "11111111", "22222222", "12345678",
                                           "00000000", "55555555", "66666666", "88888888"};
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        if (strcmp(d, defaults[i]) == 0)
            return "a published default value (3GPP TS 31.121 / GSMA TS.48)";
    bool same = true, up = true, down = true;
    for (size_t i = 1; i < n; i++) {
        same &= d[i] == d[0];
        up &= d[i] == d[i - 1] + 1;
        down &= d[i] == d[i - 1] - 1;
    }
    if (same)
        return "one digit repeated";
    if (up || down)
        return "consecutive digits";
    return NULL;
}
