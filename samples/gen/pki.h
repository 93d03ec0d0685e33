/* The samples' own test PKI, shaped like SGP.22 section 4.5.2 (and the SGP.26 test PKI): a CI,
 * an EUM, an eUICC (subject serialNumber = EID), and SM-DP+ DPauth / DPpb / TLS certificates, on
 * NIST P-256 and brainpoolP256r1, with the RSP role policies (2.23.146.1.2.1.x), key usage and
 * key identifiers. Keys and signatures are derived from the seed. Extra certificates feed the
 * failure samples: an EUM signed by an unknown CI, a DPauth that has expired, and the EUM again
 * (same name and key) with a validity that ended before the captures were taken. */
#ifndef SG_PKI_H
#define SG_PKI_H
#include <time.h>
#include <openssl/x509.h>
#include "ecsig.h"

typedef struct sg_cert {
    sg_key key;
    X509 *x509;
    uint8_t *der;
    size_t der_len;
    uint8_t ski[20];
} sg_cert;

enum { SG_CERT_CI, SG_CERT_EUM, SG_CERT_EUICC, SG_CERT_DPAUTH, SG_CERT_DPPB, SG_CERT_DPTLS,
       SG_CERT_ROGUE_CI, SG_CERT_ROGUE_EUM, SG_CERT_EXPIRED_DPAUTH, SG_CERT_DSAUTH,
       SG_CERT_EXPIRED_EUM, SG_CERT_COUNT };

typedef struct sg_pki {
    esim_curve curve;
    char eid[33];
    sg_cert c[SG_CERT_COUNT];
} sg_pki;

extern const char *const sg_cert_file_names[SG_CERT_COUNT];
#define SG_SMDP_OID "2.999.10"
#define SG_SMDS_OID "2.999.20"

int sg_pki_build(sg_pki *p, esim_curve curve, const sg_drbg *d, const char *eid);
void sg_pki_free(sg_pki *p);
/* Writes CERT_*.der/.pem and SK_*.pem (private keys: test material) into dir. */
int sg_pki_write(const sg_pki *p, const char *dir);
/* Verifies the chain leaf <- ... <- CI with OpenSSL's X509_verify_cert (self-check): at time
 * `at` (seconds since the epoch), or without looking at the validity dates when at is 0. */
int sg_pki_verify(const sg_pki *p, int leaf, int eum_in_chain, time_t at);
#endif
