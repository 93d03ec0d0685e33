/* BSP, the BPP protection protocol of SGP.22 (section 2.6.4; "SCP03t" in early versions):
 * ECDH on the one-time keys, X9.63 key derivation, and protection of one segment
 * (an '86', '87' or '88' TLV) with AES-128-CBC + AES-CMAC and a MAC chaining value. */
#ifndef ESIM_BSP_H
#define ESIM_BSP_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "esim/error.h"
#include "esim/tlv.h"

#define ESIM_BSP_KEY_LEN 16
#define ESIM_BSP_MAC_LEN 8          /* C-MAC bytes on the wire */
#define ESIM_BSP_SEGMENT_MAX 1020   /* whole segment incl. tag, length and MAC (SGP.22 2.5.3) */
#define ESIM_EC_POINT_MAX 65        /* uncompressed 256-bit point: 04 || X || Y */

/* Curves SGP.22 uses for the one-time keys and signatures. */
typedef enum esim_curve {
    ESIM_CURVE_NONE = 0,
    ESIM_CURVE_P256,        /* NIST P-256 / prime256v1 */
    ESIM_CURVE_BP256R1,     /* brainpoolP256r1 */
} esim_curve;

const char *esim_curve_name(esim_curve c);   /* OpenSSL group name */
/* Which supported curve the (uncompressed) point lies on; -1 when on none. */
int esim_curve_of_point(const uint8_t *pt, size_t len, esim_curve *c, esim_error *err);
/* Curve of an EC EVP_PKEY (ESIM_CURVE_NONE when another curve or key type). */
esim_curve esim_curve_of_key(EVP_PKEY *key);

/* EC key helpers (EVP_PKEY_free the results). */
EVP_PKEY *esim_ec_generate(esim_curve c, esim_error *err);
EVP_PKEY *esim_ec_from_private(esim_curve c, const uint8_t *d, size_t dlen, esim_error *err);
EVP_PKEY *esim_ec_from_point(esim_curve c, const uint8_t *pt, size_t len, esim_error *err);
/* Uncompressed public point (65 bytes) and private scalar (32 bytes). */
int esim_ec_public_point(EVP_PKEY *key, uint8_t out[ESIM_EC_POINT_MAX], size_t *len,
                         esim_error *err);
int esim_ec_private_scalar(EVP_PKEY *key, uint8_t out[32], esim_error *err);
/* Public point of a raw private scalar on curve c (for EUICC_OTSK -> euiccOtpk). */
int esim_ec_point_of_private(esim_curve c, const uint8_t *d, size_t dlen,
                             uint8_t out[ESIM_EC_POINT_MAX], size_t *len, esim_error *err);

/* ECDH shared secret ShS = X coordinate of own_private * peer point (SGP.22 annex G). */
int esim_bsp_ecdh(EVP_PKEY *own_private, const uint8_t *peer_point, size_t peer_len,
                  uint8_t secret[32], esim_error *err);

/* Session keys of one key set. */
typedef struct esim_bsp_keys {
    uint8_t mcv[ESIM_BSP_KEY_LEN];    /* initial MAC chaining value */
    uint8_t s_enc[ESIM_BSP_KEY_LEN];
    uint8_t s_mac[ESIM_BSP_KEY_LEN];
} esim_bsp_keys;

/* X9.63 KDF (SHA-256) of the shared secret with
 * SharedInfo = keyType || keyLen || len(hostId) || hostId || len(EID) || EID;
 * output bytes 0-15 initial MCV, 16-31 S-ENC, 32-47 S-MAC (SGP.22 2.6.4.2). */
int esim_bsp_kdf(const uint8_t *secret, size_t secret_len, uint8_t key_type, uint8_t key_len,
                 const uint8_t *host_id, size_t host_id_len, const uint8_t *eid, size_t eid_len,
                 esim_bsp_keys *out, esim_error *err);

/* The running state of one key set: keys, MAC chaining value and ICV block counter. */
typedef struct esim_bsp {
    esim_bsp_keys k;        /* k.mcv is the current chaining value */
    uint64_t counter;       /* block counter of the next segment (starts at 1) */
    EVP_CIPHER_CTX *ecb, *cbc_enc, *cbc_dec;   /* S-ENC, keyed once */
    EVP_CIPHER_CTX *cmac_cbc;                  /* S-MAC, keyed once: AES-CMAC as a CBC-MAC */
    uint8_t cmac_k1[16], cmac_k2[16];          /* CMAC subkeys of S-MAC */
    /* the last block cbc_dec / cmac_cbc chained to: their IVs are not reset per segment */
    uint8_t dec_chain[16], cmac_chain[16];
} esim_bsp;

int esim_bsp_init(esim_bsp *b, const esim_bsp_keys *k, esim_error *err);
/* Wipes the keys and frees the contexts. */
void esim_bsp_free(esim_bsp *b);

/* Largest plaintext that fits one segment of ESIM_BSP_SEGMENT_MAX bytes. */
size_t esim_bsp_max_plain(bool encrypt);

/* Protects one segment: appends tag || length || (encrypted) data || C-MAC(8) to out.
 * encrypt=false gives a MAC-only segment ('88'); the counter advances either way. */
int esim_bsp_protect(esim_bsp *b, uint8_t tag, bool encrypt, const uint8_t *plain, size_t n,
                     esim_buf *out, esim_error *err);

/* Outcome of checking one segment. */
typedef struct esim_bsp_check {
    bool mac_ok;
    bool pad_ok;                         /* decrypted padding well-formed (true for MAC-only) */
    uint8_t mac_wire[ESIM_BSP_MAC_LEN];
    uint8_t mac_computed[ESIM_BSP_MAC_LEN];
} esim_bsp_check;

/* Checks and opens one segment (value = the segment TLV's value: data || MAC, tag = its tag).
 * The MAC result goes to *chk (a wrong MAC is not an error: the chaining value moves on as
 * the eUICC's would, so later segments can still be checked); the plaintext is appended to
 * out (may be NULL). Returns -1 only when the segment cannot be processed at all (too short,
 * ciphertext not a multiple of 16). */
int esim_bsp_unprotect(esim_bsp *b, uint8_t tag, bool decrypt, const uint8_t *value, size_t n,
                       esim_buf *out, esim_bsp_check *chk, esim_error *err);
#endif
