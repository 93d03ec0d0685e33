/* Build BPPs with a test PKI (both curves, with and without PPK), parse them, open them with
 * every kind of key-log entry and get the profile back byte for byte. Profiles: each TS.48
 * package from ../shared when present, random bytes otherwise. Also smdpSign and the chain. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <dirent.h>
#include <cmocka.h>
#include "esim/bpp.h"
#include "esim/hex.h"
#include "esim/asn1_decode.h"
#include "bpp_testkit.h"
#include "testutil.h"

static void check_structure(const esim_bpp *b, bool ppk, size_t upp_len)
{
    assert_int_equal(b->remote_op_id, 1);
    assert_int_equal(b->key_type, 0x88);
    assert_int_equal(b->key_len, 16);
    assert_int_equal(b->smdp_sign_len, 64);
    assert_int_equal(b->smdp_otpk_len, 65);
    assert_int_equal(b->nseg[ESIM_BPP_FIRST87], 1);
    assert_int_equal(b->nseg[ESIM_BPP_SEQ88], 2);   /* 1024-byte icon: two segments */
    assert_int_equal(b->has_part[ESIM_BPP_SECOND87], ppk);
    assert_int_equal(b->nseg[ESIM_BPP_SECOND87], ppk ? 1 : 0);
    size_t mx = esim_bsp_max_plain(true);
    size_t want86 = upp_len ? (upp_len + mx - 1) / mx : 1;
    assert_int_equal(b->nseg[ESIM_BPP_SEQ86], want86);
    for (int p = 0; p < ESIM_BPP_PART_COUNT; p++)
        for (size_t i = 0; i < b->nseg[p]; i++)
            assert_true(b->seg[p][i].total_len <= ESIM_BSP_SEGMENT_MAX);
    /* every segment but the last of a part is full */
    assert_int_equal(b->seg[ESIM_BPP_SEQ88][0].total_len, ESIM_BSP_SEGMENT_MAX);
    if (want86 > 1)
        assert_int_equal(b->seg[ESIM_BPP_SEQ86][0].total_len, ESIM_BSP_SEGMENT_MAX);
}

static void open_with(const tk_bpp *t, const esim_bpp *b, esim_keylog_kind kind,
                      const uint8_t *upp, size_t upp_len, bool ppk)
{
    esim_keylog *kl = tk_keylog(t, kind);
    if (kind == ESIM_KL_SMDP_OTSK) { /* needs the eUICC public key too */
        esim_keylog *k2 = tk_keylog(t, ESIM_KL_EUICC_OTPK);
        esim_error e;
        assert_int_equal(esim_keylog_add(kl, esim_keylog_find(k2, ESIM_KL_EUICC_OTPK, t->tid, 16), &e), 0);
        esim_keylog_free(k2);
    }
    esim_bpp_opened o;
    esim_error e;
    if (esim_bpp_open(b, kl, &o, &e) != 0)
        fail_msg("open with %s: %s", esim_keylog_label(kind), e.msg);
    if (o.failed)
        fail_msg("open with %s: %s", esim_keylog_label(kind), o.first_failure);
    assert_true(o.upp_complete);
    assert_int_equal(o.upp_len, upp_len);
    assert_memory_equal(o.upp, upp, upp_len);
    if (kind == ESIM_KL_PPK) {
        /* PPK only: just the 86 segments are checked when the BPP uses a PPK */
        assert_int_equal(o.session_src, ESIM_KEYS_NONE);
        assert_int_equal(o.checked, b->nseg[ESIM_BPP_SEQ86]);
    } else {
        size_t all = 0;
        for (int p = 0; p < ESIM_BPP_PART_COUNT; p++)
            all += b->nseg[p];
        assert_int_equal(o.checked, all);
        assert_int_equal(o.ppk_src, ppk ? ESIM_KEYS_RSK : ESIM_KEYS_SESSION_KEYS);
        assert_memory_equal(&o.session, &t->built.session, sizeof o.session);
        assert_memory_equal(&o.ppk, &t->built.ppk, sizeof o.ppk);
        /* decoded content */
        esim_metadata m, want;
        uint8_t icon[1024];
        tk_metadata(&want, icon);
        assert_int_equal(esim_metadata_decode(o.store_metadata, o.store_metadata_len, &m, &e), 0);
        assert_memory_equal(m.iccid, want.iccid, 10);
        assert_string_equal(m.spn, want.spn);
        assert_string_equal(m.name, want.name);
        assert_int_equal(m.icon_type, 1);
        assert_int_equal(m.icon_len, 1024);
        assert_memory_equal(m.icon, icon, 1024);
        assert_int_equal(m.profile_class, 2);
        assert_int_equal(m.n_notif, 2);
        assert_int_equal(m.notif[1].events, 0x70);
        assert_string_equal(m.notif[1].address, "notify.example.com");
        char oid[64];
        assert_int_equal(esim_configure_isdp_decode(o.configure_isdp, o.configure_isdp_len, oid,
                                                    sizeof oid, &e), 0);
        assert_string_equal(oid, "1.3.6.1.4.1.2");
    }
    esim_bpp_opened_free(&o);
    esim_keylog_free(kl);
}

static void check_signature(const tk_bpp *t, const esim_bpp *b, const tk_pki *pki,
                            const tk_pki *other)
{
    esim_error e;
    uint8_t otpk[65];
    size_t ol;
    /* the eUICC otPK comes from EUICC_OTSK as well as from EUICC_OTPK */
    esim_keylog *kl = tk_keylog(t, ESIM_KL_EUICC_OTSK);
    assert_int_equal(esim_bpp_euicc_otpk(b, kl, otpk, &ol, &e), 0);
    assert_memory_equal(otpk, t->euicc_otpk, 65);
    esim_keylog_free(kl);
    EVP_PKEY *pub = X509_get0_pubkey(pki->pb);
    assert_int_equal(esim_bpp_verify_sign(b, otpk, ol, pub, &e), 1);
    assert_int_equal(esim_bpp_verify_sign(b, otpk, ol, X509_get0_pubkey(other->pb), &e), 0);
    /* a different eUICC key: the signature binds the eUICC otPK */
    otpk[40] ^= 1;
    assert_int_equal(esim_bpp_verify_sign(b, otpk, ol, pub, &e), 0);
    otpk[40] ^= 1;
    /* every flipped signature byte fails */
    esim_bpp copy = *b;
    uint8_t sig[64];
    memcpy(sig, b->smdp_sign, 64);
    copy.smdp_sign = sig;
    for (size_t i = 0; i < 64; i++) {
        sig[i] ^= 0x01;
        assert_int_equal(esim_bpp_verify_sign(&copy, otpk, ol, pub, &e), 0);
        sig[i] ^= 0x01;
    }
    assert_int_equal(esim_x509_check_issued(pki->pb, pki->ci, &e), 1);
    assert_int_equal(esim_x509_check_issued(pki->pb, other->ci, &e), 0);
    assert_int_equal(esim_x509_check_issued(other->pb, pki->ci, &e), 0);
}

static void roundtrip(const uint8_t *upp, size_t upp_len, const char *what)
{
    esim_curve curves[] = { ESIM_CURVE_P256, ESIM_CURVE_BP256R1 };
    for (size_t c = 0; c < 2; c++) {
        tk_pki pki, other;
        tk_pki_make(&pki, curves[c], "Test CI");
        tk_pki_make(&other, curves[c], "Test CI"); /* same name, different key */
        for (int ppk = 0; ppk < 2; ppk++) {
            tk_bpp t;
            esim_error e;
            if (tk_bpp_make(&t, &pki, curves[c], ppk, upp, upp_len, &e) != 0)
                fail_msg("%s: build: %s", what, e.msg);
            esim_bpp b;
            if (esim_bpp_parse(t.built.bpp, t.built.bpp_len, &b, &e) != 0)
                fail_msg("%s: parse: %s", what, e.msg);
            assert_memory_equal(b.tid, t.tid, 16);
            assert_memory_equal(b.smdp_otpk, t.built.smdp_otpk, 65);
            check_structure(&b, ppk, upp_len);
            open_with(&t, &b, ESIM_KL_SESSION_KEYS, upp, upp_len, ppk);
            open_with(&t, &b, ESIM_KL_EUICC_OTSK, upp, upp_len, ppk);
            open_with(&t, &b, ESIM_KL_SMDP_OTSK, upp, upp_len, ppk);
            if (ppk)
                open_with(&t, &b, ESIM_KL_PPK, upp, upp_len, ppk);
            check_signature(&t, &b, &pki, &other);
            esim_bpp_clear(&b);
            tk_bpp_free(&t);
        }
        tk_pki_free(&pki);
        tk_pki_free(&other);
    }
}

static void test_random_profiles(void **state)
{
    (void)state;
    size_t sizes[] = { 0, 1, 1007, 1008, 5000 };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint8_t *p = malloc(sizes[i] + 1);
        RAND_bytes(p, (int)sizes[i] + 1);
        roundtrip(p, sizes[i], "random");
        free(p);
    }
}

/* A PPK supplied by the caller (the sample generator derives it from its seed) is the one the
 * ReplaceSessionKeys carries and the one that protects the '86' segments. */
static void test_supplied_ppk(void **state)
{
    (void)state;
    tk_pki pki;
    tk_pki_make(&pki, ESIM_CURVE_P256, "Test CI");
    esim_bsp_keys ppk;
    for (size_t i = 0; i < sizeof ppk; i++)
        ((uint8_t *)&ppk)[i] = (uint8_t)(0xA0 + i);
    uint8_t upp[3000];
    RAND_bytes(upp, sizeof upp);
    tk_bpp t;
    esim_error e;
    if (tk_bpp_make_ppk(&t, &pki, ESIM_CURVE_P256, true, &ppk, upp, sizeof upp, &e) != 0)
        fail_msg("build: %s", e.msg);
    assert_memory_equal(&t.built.ppk, &ppk, sizeof ppk);
    assert_memory_not_equal(&t.built.session, &ppk, sizeof ppk);
    esim_bpp b;
    assert_int_equal(esim_bpp_parse(t.built.bpp, t.built.bpp_len, &b, &e), 0);
    open_with(&t, &b, ESIM_KL_SESSION_KEYS, upp, sizeof upp, true); /* PPK from the RSK */
    open_with(&t, &b, ESIM_KL_PPK, upp, sizeof upp, true);
    esim_bpp_clear(&b);
    tk_bpp_free(&t);
    tk_pki_free(&pki);
}

static void test_ts48_profiles(void **state)
{
    (void)state;
    const char *dir = tu_shared_path("data/ts48");
    if (!dir)
        skip();
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *de;
    int n = 0;
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, ".der"))
            continue;
        char f[4600];
        snprintf(f, sizeof f, "%s/%s", path, de->d_name);
        size_t len;
        uint8_t *p = tu_read_file(f, &len);
        assert_non_null(p);
        roundtrip(p, len, de->d_name);
        free(p);
        n++;
    }
    closedir(d);
    assert_true(n > 0);
}

/* The project's asn1c types (the asn1 modules) accept what the builder writes, as exact DER. */
static void asn1_exact(const char *type, const uint8_t *der, size_t len)
{
    asn_TYPE_descriptor_t *td = esim_asn1_type(type);
    if (!td)
        fail_msg("no asn1c type %s", type);
    esim_decoded d;
    esim_error e;
    if (esim_asn1_decode(td, der, len, &d, &e) != 0)
        fail_msg("%s: %s", type, e.msg);
    assert_int_equal(d.consumed, len);
    if (!d.exact)
        fail_msg("%s: re-encoding differs (not DER)", type);
    esim_decoded_free(&d);
}

static void test_asn1_crosscheck(void **state)
{
    (void)state;
    tk_pki pki;
    tk_pki_make(&pki, ESIM_CURVE_P256, "Test CI");
    uint8_t upp[3000];
    RAND_bytes(upp, sizeof upp);
    tk_bpp t;
    esim_error e;
    assert_int_equal(tk_bpp_make(&t, &pki, ESIM_CURVE_P256, true, upp, sizeof upp, &e), 0);
    /* (BoundProfilePackage as a whole is not checked here: asn1c 0.9.28 takes the [7]/[8]/[6]
     * element tags of its SEQUENCE OFs as EXPLICIT, while SGP.22 BPPs carry them IMPLICIT.) */
    esim_bpp b;
    assert_int_equal(esim_bpp_parse(t.built.bpp, t.built.bpp_len, &b, &e), 0);
    asn1_exact("InitialiseSecureChannelRequest", t.built.bpp + b.isc_offset,
               (size_t)(b.smdp_sign + b.smdp_sign_len - (t.built.bpp + b.isc_offset)));
    esim_keylog *kl = tk_keylog(&t, ESIM_KL_SESSION_KEYS);
    esim_bpp_opened o;
    assert_int_equal(esim_bpp_open(&b, kl, &o, &e), 0);
    asn1_exact("ConfigureISDPRequest", o.configure_isdp, o.configure_isdp_len);
    asn1_exact("StoreMetadataRequest", o.store_metadata, o.store_metadata_len);
    asn1_exact("ReplaceSessionKeysRequest", o.rsk, o.rsk_len);
    esim_bpp_opened_free(&o);
    esim_keylog_free(kl);
    esim_bpp_clear(&b);
    tk_bpp_free(&t);
    tk_pki_free(&pki);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_profiles),
        cmocka_unit_test(test_supplied_ppk),
        cmocka_unit_test(test_ts48_profiles),
        cmocka_unit_test(test_asn1_crosscheck),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
