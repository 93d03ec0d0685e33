/* Builds a production-like SAIP (TCA eUICC Profile Package v3.3.1) profile package in DER:
 * header, MF (EF.ICCID, EF.DIR, EF.ARR), PUK and PIN codes, USIM (EF.IMSI, EF.AD, EF.UST,
 * EF.SPN, EF.ACC, ...), USIM PIN, Milenage akaParameter, ISD-P security domain with SCP80 /
 * SCP81 / SCP03 keys, one RFM instance and the end PE. Every PE is an asn1c ProfileElement
 * value encoded with der_encode. The keys are random (OpenSSL RAND_bytes) unless set. */
#ifndef ESIM_SAIP_BUILD_H
#define ESIM_SAIP_BUILD_H
#include <stddef.h>
#include <stdint.h>
#include "esim/error.h"

typedef struct esim_saip_build_params {
    char iccid[21];            /* 18..20 digits (with the Luhn digit when 19/20) */
    char imsi[16];             /* 6..15 digits */
    unsigned mnc_len;          /* 2 or 3 (EF.AD) */
    char profile_type[101];    /* ProfileHeader.profileType */
    char spn[17];              /* EF.SPN service provider name ("" = no EF.SPN content) */
    unsigned major_version, minor_version; /* ProfileHeader version (default 2.3) */
    uint8_t k[16], opc[16];    /* Milenage subscriber key and OPc */
    uint8_t scp80_kic[16], scp80_kid[16], scp80_kik[16]; /* OTA keys, KVN 0x01 */
    uint8_t scp81_psk[16], scp81_dek[16];                /* HTTPS/PSK keys, KVN 0x40 */
    uint8_t scp03_enc[16], scp03_mac[16], scp03_dek[16]; /* SCP03 keys, KVN 0x30 */
    char pin1[9], pin2[9], adm1[9];  /* 4..8 digits */
    char puk1[9], puk2[9];           /* 8 digits */
    uint8_t rfm_msl;           /* RFM minimumSecurityLevel (ETSI TS 102 226 Minimum Security
                                * Level), coded as the first SPI byte (TS 102 225 5.1.1) */
} esim_saip_build_params;

/* Sensible defaults: ICCID 8988299000000012345 + Luhn digit, IMSI 001010000012345 (test PLMN
 * 001/01, MNC length 2: a default must not name a real operator's network, so set imsi for a
 * production-like package), SPN "esimscope", profile type "esimscope production-like profile",
 * version 2.3, RFM minimum security level 0x16 (cryptographic checksum, ciphering, counter
 * higher), random PIN/PUK/ADM digits and random K, OPc and SD keys.
 * Returns 0, or -1 when the random generator fails. */
int esim_saip_build_params_init(esim_saip_build_params *p, esim_error *err);
/* Wipes the keys and codes in p. */
void esim_saip_build_params_wipe(esim_saip_build_params *p);

/* Builds the package. *der is malloc'd (free with esim_wipe + free: it holds keys). */
int esim_saip_build(const esim_saip_build_params *p, uint8_t **der, size_t *len, esim_error *err);
#endif
