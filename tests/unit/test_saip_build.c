/* The SAIP package builder: its output decodes with esim_saip and the asn1c types, gives back
 * the parameters, round-trips byte for byte, and keeps keys out of the summary unless asked.
 * Stands alone (no reference data). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ProfileElement.h"
#include "esim/hex.h"
#include "esim/saip.h"
#include "esim/saip_build.h"
#include "esim/tlv.h"
#include "testutil.h"

static void fixed_params(esim_saip_build_params *p);

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static void test_defaults_roundtrip(void **state)
{
    (void)state;
    esim_saip_build_params p;
    esim_error e = {{0}};
    assert_int_equal(esim_saip_build_params_init(&p, &e), 0);
    assert_int_equal(strlen(p.iccid), 20);
    uint8_t *der;
    size_t len;
    if (esim_saip_build(&p, &der, &len, &e) != 0)
        fail_msg("%s", e.msg);

    esim_saip_summary s;
    esim_saip_opts o = {0};
    if (esim_saip_decode(der, len, &o, &s, &e) != 0)
        fail_msg("%s", e.msg);
    assert_string_equal(s.iccid, p.iccid);
    assert_false(s.iccid_plain); /* written as in EF.ICCID */
    assert_string_equal(s.ef_iccid, p.iccid);
    assert_string_equal(s.imsi, p.imsi);
    assert_string_equal(s.profile_type, p.profile_type);
    assert_int_equal(s.major_version, 2);
    assert_int_equal(s.minor_version, 3);
    assert_int_equal(s.has_end, 1);

    static const char *const order[] = {"header", "mf", "pukCodes", "pinCodes", "usim",
                                        "pinCodes", "akaParameter", "securityDomain", "rfm", "end"};
    json_object *pes;
    assert_true(json_object_object_get_ex(s.json, "profile_elements", &pes));
    assert_int_equal(json_object_array_length(pes), sizeof order / sizeof order[0]);
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        assert_string_equal(jstr(json_object_array_get_idx(pes, i), "type"), order[i]);

    /* no key or code in the summary without show_keys */
    char k[33];
    esim_hex(p.k, 16, k);
    const char *js = json_object_to_json_string_ext(s.json, JSON_C_TO_STRING_PLAIN);
    assert_null(strstr(js, k));
    assert_non_null(strstr(js, "\"algorithm\":\"milenage\""));
    /* files created from the template get their FID from the table (TS 31.102 EF.UST 6F38) */
    assert_non_null(strstr(js, "\"name\":\"ef-ust\",\"fid\":\"6F38\""));
    assert_non_null(strstr(js, "\"mandatory_services\":[\"usim\",\"milenage\"]"));
    esim_saip_summary_free(&s);

    /* with show_keys: K, OPc and the SCP03 key are there */
    o.show_keys = true;
    assert_int_equal(esim_saip_decode(der, len, &o, &s, &e), 0);
    js = json_object_to_json_string_ext(s.json, JSON_C_TO_STRING_PLAIN);
    assert_non_null(strstr(js, k));
    esim_hex(p.opc, 16, k);
    assert_non_null(strstr(js, k));
    esim_hex(p.scp03_enc, 16, k);
    assert_non_null(strstr(js, k));
    esim_saip_summary_free(&s);

    /* every PE is DER: decode + re-encode gives the same bytes */
    esim_tlv_iter it;
    esim_tlv t;
    esim_tlv_iter_init(&it, der, len, 0);
    int n = 0;
    while (esim_tlv_next(&it, &t, &e) == 1) {
        ProfileElement_t *pe = NULL;
        asn_dec_rval_t rv = ber_decode(NULL, &asn_DEF_ProfileElement, (void **)&pe, t.raw, esim_tlv_total(&t));
        assert_int_equal(rv.code, RC_OK);
        uint8_t out[2048];
        asn_enc_rval_t er = der_encode_to_buffer(&asn_DEF_ProfileElement, pe, out, sizeof out);
        assert_int_equal(er.encoded, esim_tlv_total(&t));
        assert_memory_equal(out, t.raw, esim_tlv_total(&t));
        ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
        n++;
    }
    assert_int_equal(n, 10);
    esim_wipe(der, len);
    free(der);
    esim_saip_build_params_wipe(&p);
}

/* Chosen values come back; an odd-length IMSI and a 3-digit MNC are coded per TS 31.102. */
static void test_chosen_values(void **state)
{
    (void)state;
    esim_saip_build_params p;
    esim_error e = {{0}};
    assert_int_equal(esim_saip_build_params_init(&p, &e), 0);
    snprintf(p.iccid, sizeof p.iccid, "%s", "8944501234567890123");
    snprintf(p.imsi, sizeof p.imsi, "%s", "23415987654321");
    p.mnc_len = 3;
    uint8_t *der;
    size_t len;
    assert_int_equal(esim_saip_build(&p, &der, &len, &e), 0);
    esim_saip_summary s;
    assert_int_equal(esim_saip_decode(der, len, NULL, &s, &e), 0);
    assert_string_equal(s.iccid, "8944501234567890123");
    assert_string_equal(s.imsi, "23415987654321");
    /* EF.IMSI bytes: length 08, then 1 (even count: parity nibble 1) and swapped digits */
    static const uint8_t ef_imsi[] = {0x08, 0x21, 0x43, 0x51, 0x89, 0x67, 0x45, 0x23, 0xF1};
    int found = 0;
    for (size_t i = 0; i + sizeof ef_imsi <= len; i++)
        if (memcmp(der + i, ef_imsi, sizeof ef_imsi) == 0)
            found = 1;
    assert_true(found);
    esim_saip_summary_free(&s);
    free(der);
}

/* Extensibility (SAIP ProfileElement and its SEQUENCEs are extensible): an unknown field in a
 * PE is skipped, a PE of an unknown (later) type is listed as "unknown" with its tag. */
static void test_unknown_extensions(void **state)
{
    (void)state;
    esim_saip_build_params p;
    esim_error e = {{0}};
    uint8_t *der;
    size_t len;
    fixed_params(&p);
    assert_int_equal(esim_saip_build(&p, &der, &len, &e), 0);
    /* the package ends with the end PE AA 07 A0 05 80 00 81 01 09 (mandated, id 9); replace it */
    static const uint8_t end[] = {0xAA, 0x07, 0xA0, 0x05, 0x80, 0x00, 0x81, 0x01, 0x09};
    assert_memory_equal(der + len - sizeof end, end, sizeof end);
    static const uint8_t tail[] = {
        0xBF, 0x28, 0x05, 0xA0, 0x03, 0x81, 0x01, 0x0A,                   /* [40]: unknown PE */
        0xAA, 0x0D, 0xA0, 0x08, 0x80, 0x00, 0x81, 0x01, 0x09, 0x85, 0x01, 0x00, /* PEHeader ext */
        0x9F, 0x30, 0x00};                                                 /* end, PE-End ext */
    uint8_t *pkg = malloc(len - sizeof end + sizeof tail);
    memcpy(pkg, der, len - sizeof end);
    memcpy(pkg + len - sizeof end, tail, sizeof tail);
    size_t plen = len - sizeof end + sizeof tail;
    esim_saip_summary s;
    if (esim_saip_decode(pkg, plen, NULL, &s, &e) != 0)
        fail_msg("%s", e.msg);
    assert_int_equal(s.pe_count, 11);
    assert_int_equal(s.has_end, 1);
    const char *js = json_object_to_json_string_ext(s.json, JSON_C_TO_STRING_PLAIN);
    assert_non_null(strstr(js, "\"type\":\"unknown\",\"tag\":\"BF28\""));
    assert_non_null(strstr(js, "\"type\":\"end\""));
    esim_saip_summary_free(&s);
    free(pkg);
    free(der);
}

static void test_bad_params(void **state)
{
    (void)state;
    esim_saip_build_params p;
    esim_error e = {{0}};
    uint8_t *der = NULL;
    size_t len = 0;
    assert_int_equal(esim_saip_build_params_init(&p, &e), 0);
    snprintf(p.iccid, sizeof p.iccid, "%s", "89ABC");
    assert_int_equal(esim_saip_build(&p, &der, &len, &e), -1);
    assert_non_null(strstr(e.msg, "ICCID"));
    assert_int_equal(esim_saip_build_params_init(&p, &e), 0);
    snprintf(p.puk1, sizeof p.puk1, "%s", "123");
    assert_int_equal(esim_saip_build(&p, &der, &len, &e), -1);
    assert_non_null(strstr(e.msg, "PUK"));
    assert_null(der);
}

/* Fixed parameters (no randomness) for the committed fixture tests/data/saip_built.der that
 * tests/cli/profile.sh feeds to `esimscope profile`. The keys are obvious test patterns. */
static void fixed_params(esim_saip_build_params *p)
{
    esim_error e;
    assert_int_equal(esim_saip_build_params_init(p, &e), 0);
    uint8_t *keys[] = {p->k, p->opc, p->scp80_kic, p->scp80_kid, p->scp80_kik, p->scp81_psk,
                       p->scp81_dek, p->scp03_enc, p->scp03_mac, p->scp03_dek};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        for (int j = 0; j < 16; j++)
            keys[i][j] = (uint8_t)(0x10 * (i + 1) + j);
    snprintf(p->pin1, sizeof p->pin1, "1234");
    snprintf(p->pin2, sizeof p->pin2, "5678");
    snprintf(p->adm1, sizeof p->adm1, "87654321");
    snprintf(p->puk1, sizeof p->puk1, "11223344");
    snprintf(p->puk2, sizeof p->puk2, "55667788");
}

/* The fixture is exactly what the builder produces from fixed_params() (set
 * ESIM_WRITE_FIXTURE=1 to rewrite it after an intended change of the builder). */
static void test_fixture(void **state)
{
    (void)state;
    esim_saip_build_params p;
    esim_error e = {{0}};
    uint8_t *der;
    size_t len;
    fixed_params(&p);
    assert_int_equal(esim_saip_build(&p, &der, &len, &e), 0);
    const char *path = ESIM_SOURCE_DIR "/tests/data/saip_built.der";
    if (getenv("ESIM_WRITE_FIXTURE")) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(der, 1, len, f), len);
        fclose(f);
    }
    size_t flen;
    uint8_t *fx = tu_read_file(path, &flen);
    assert_non_null(fx);
    assert_int_equal(flen, len);
    assert_memory_equal(fx, der, len);
    free(fx);
    free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixture),
        cmocka_unit_test(test_defaults_roundtrip),
        cmocka_unit_test(test_chosen_values),
        cmocka_unit_test(test_unknown_extensions),
        cmocka_unit_test(test_bad_params),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
