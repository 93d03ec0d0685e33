/* Signatures and certificates as SGP.22 uses them: ECDSA with SHA-256 whose signature is
 * carried as raw r || s (BSI TR-03111 plain format, SGP.22 2.6.5), and X.509 certificates
 * issued directly by a CI (SGP.22 4.5.2; the SGP.26 test PKI). */
#ifndef ESIM_SIG_H
#define ESIM_SIG_H
#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "esim/error.h"

/* raw r||s (2*n bytes) <-> DER ECDSA-Sig-Value. out needs 2*64+8 bytes for DER, 64 for raw. */
int esim_sig_raw_to_der(const uint8_t *raw, size_t len, uint8_t *out, size_t cap,
                        size_t *outlen, esim_error *err);
int esim_sig_der_to_raw(const uint8_t *der, size_t len, uint8_t out[64], esim_error *err);

/* ECDSA-SHA256 over data; the result is raw r||s (64 bytes). */
int esim_sig_sign_raw(EVP_PKEY *key, const uint8_t *data, size_t n, uint8_t out[64],
                      esim_error *err);
/* 1 valid, 0 invalid (err says so), -1 could not check. */
int esim_sig_verify_raw(EVP_PKEY *pub, const uint8_t *data, size_t n, const uint8_t *sig,
                        size_t siglen, esim_error *err);

/* Loads one certificate from PEM or DER (file or "-"). */
X509 *esim_x509_load(const char *path, esim_error *err);
X509 *esim_x509_from_bytes(const uint8_t *data, size_t len, esim_error *err);
/* Checks that cert was issued by ca: issuer name = CA subject, CA key verifies the cert
 * signature, the CA is self-signed (a CI root), and the CA may sign certificates (basic
 * constraints CA / keyCertSign when those extensions are present). Validity dates are not
 * enforced (test PKIs and old captures expire); see esim_x509_time_note.
 * 1 chain OK, 0 chain broken (err says where), -1 could not check. */
int esim_x509_check_issued(X509 *cert, X509 *ca, esim_error *err);
/* "" when now is inside both validity periods, else a one-line note. */
void esim_x509_time_note(X509 *cert, X509 *ca, char *buf, size_t cap);
#endif
