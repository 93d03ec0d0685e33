/* smdpSign and the certificate chain with the GSMA SGP.26 test PKI (../shared, skipped when
 * absent): a BPP signed with SK.DPpb verifies with CERT.DPpb, which chains to its CI (NIST
 * P-256 and brainpoolP256r1) and not to the CI of the other curve. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <openssl/pem.h>
#include "esim/bpp.h"
#include "esim/sig.h"
#include "bpp_testkit.h"
#include "testutil.h"

static X509 *cert(const char *rel)
{
    esim_error e;
    const char *p = tu_shared_path(rel);
    assert_non_null(p);
    X509 *x = esim_x509_load(p, &e);
    if (!x)
        fail_msg("%s", e.msg);
    return x;
}

static EVP_PKEY *key(const char *rel)
{
    const char *p = tu_shared_path(rel);
    assert_non_null(p);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    EVP_PKEY *k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(k);
    return k;
}

static void test_sgp26(void **state)
{
    (void)state;
    TU_NEED_SHARED(tu_shared_path("data/sgp26-test-pki/DPpb"), "data/sgp26-test-pki/DPpb");
    static const char *const curves[2] = { "NIST", "BRP" };
    for (int i = 0; i < 2; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, "data/sgp26-test-pki/CertificateIssuer/CERT_CI_ECDSA_%s.der", curves[i]);
        X509 *ci = cert(rel);
        snprintf(rel, sizeof rel, "data/sgp26-test-pki/CertificateIssuer/CERT_CI_ECDSA_%s.pem", curves[1 - i]);
        X509 *other_ci = cert(rel);
        snprintf(rel, sizeof rel, "data/sgp26-test-pki/DPpb/CERT_S_SM_DPpb_ECDSA_%s.der", curves[i]);
        X509 *pb = cert(rel);
        snprintf(rel, sizeof rel, "data/sgp26-test-pki/DPpb/SK_S_SM_DPpb_ECDSA_%s.pem", curves[i]);
        tk_pki pki = { .pb_key = key(rel) };
        esim_curve c = esim_curve_of_key(pki.pb_key);
        assert_int_equal(c, i == 0 ? ESIM_CURVE_P256 : ESIM_CURVE_BP256R1);
        esim_error e;
        assert_int_equal(esim_x509_check_issued(pb, ci, &e), 1);
        assert_int_equal(esim_x509_check_issued(pb, other_ci, &e), 0);
        assert_int_equal(esim_x509_check_issued(ci, ci, &e), 1);

        uint8_t upp[300];
        RAND_bytes(upp, sizeof upp);
        tk_bpp t;
        if (tk_bpp_make(&t, &pki, c, true, upp, sizeof upp, &e) != 0)
            fail_msg("build: %s", e.msg);
        esim_bpp b;
        assert_int_equal(esim_bpp_parse(t.built.bpp, t.built.bpp_len, &b, &e), 0);
        assert_int_equal(esim_bpp_verify_sign(&b, t.euicc_otpk, t.euicc_otpk_len,
                                              X509_get0_pubkey(pb), &e), 1);
        /* the DPauth certificate is a valid SGP.26 certificate but not the signer */
        snprintf(rel, sizeof rel, "data/sgp26-test-pki/DPauth/CERT_S_SM_DPauth_ECDSA_%s.der", curves[i]);
        X509 *auth = cert(rel);
        assert_int_equal(esim_x509_check_issued(auth, ci, &e), 1);
        assert_int_equal(esim_bpp_verify_sign(&b, t.euicc_otpk, t.euicc_otpk_len,
                                              X509_get0_pubkey(auth), &e), 0);
        esim_bpp_clear(&b);
        tk_bpp_free(&t);
        EVP_PKEY_free(pki.pb_key);
        X509_free(ci);
        X509_free(other_ci);
        X509_free(pb);
        X509_free(auth);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgp26),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
