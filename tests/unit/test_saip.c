/* SAIP package decoding on the 14 TS.48 test profiles (skip when ../shared is absent).
 * Expected values were read with an independent method: a 30-line Python TLV walker (not
 * asn1c) that counts the top-level TLVs, takes the header's [3] iccid bytes and the
 * fillFileContent (83 09 ...) that follows fileID 6F07 (EF.IMSI). Its results:
 * all header ICCIDs are plain BCD 89000123456789012341, except TS48v2_SAIP2.1_NoBERTLV
 * (89000123456789012358); all IMSIs 001010123456063; PE counts below; every package ends
 * with tag AA (end PE). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/saip.h"
#include "testutil.h"

static const struct {
    const char *file;
    size_t pes;
    const char *iccid;
    size_t end_offset;
} PROFILES[] = {
    {"TS48v1_A.der", 28, "89000123456789012341", 11759},
    {"TS48v1_B.der", 29, "89000123456789012341", 11776},
    {"TS48v2_SAIP2.1_BERTLV.der", 28, "89000123456789012341", 12248},
    {"TS48v2_SAIP2.1_NoBERTLV.der", 28, "89000123456789012358", 12198},
    {"TS48v2_SAIP2.3_BERTLV.der", 30, "89000123456789012341", 12300},
    {"TS48v2_SAIP2.3_NoBERTLV.der", 30, "89000123456789012341", 12242},
    {"TS48v3_SAIP2.1_BERTLV.der", 28, "89000123456789012341", 12108},
    {"TS48v3_SAIP2.1_NoBERTLV.der", 28, "89000123456789012341", 12056},
    {"TS48v3_SAIP2.3_BERTLV.der", 30, "89000123456789012341", 12157},
    {"TS48v3_SAIP2.3_NoBERTLV.der", 30, "89000123456789012341", 12096},
    {"TS48v4_SAIP2.1A_NoBERTLV.der", 28, "89000123456789012341", 12070},
    {"TS48v4_SAIP2.1B_NoBERTLV.der", 29, "89000123456789012341", 12087},
    {"TS48v4_SAIP2.3_BERTLV.der", 30, "89000123456789012341", 12171},
    {"TS48v4_SAIP2.3_NoBERTLV.der", 30, "89000123456789012341", 12110},
};

static char dir[1024];
static const char *have_dir; /* dir, or NULL when the reference data is absent */

static uint8_t *load(const char *name, size_t *len)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    uint8_t *b = tu_read_file(path, len);
    assert_non_null(b);
    return b;
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    if (!json_object_object_get_ex(o, k, &v))
        return NULL;
    return json_object_get_string(v);
}

static void test_all_profiles(void **state)
{
    (void)state;
    TU_NEED_SHARED(have_dir, "data/ts48");
    for (size_t i = 0; i < sizeof PROFILES / sizeof PROFILES[0]; i++) {
        size_t len;
        uint8_t *b = load(PROFILES[i].file, &len);
        esim_saip_summary s;
        esim_error e = {{0}};
        esim_saip_opts o = {0};
        if (esim_saip_decode(b, len, &o, &s, &e) != 0)
            fail_msg("%s: %s", PROFILES[i].file, e.msg);
        assert_string_equal(s.iccid, PROFILES[i].iccid);
        assert_true(s.iccid_plain);
        assert_string_equal(jstr(s.json, "iccid_nibble_order"), "plain");
        /* EF.ICCID holds the swapped coding of the same number */
        assert_string_equal(s.ef_iccid, PROFILES[i].iccid);
        assert_string_equal(s.imsi, "001010123456063");
        assert_int_equal(s.pe_count, PROFILES[i].pes);
        assert_int_equal(s.has_end, 1);
        assert_string_equal(s.profile_type, "GSMA Generic eUICC Test Profile");
        json_object *pes;
        assert_true(json_object_object_get_ex(s.json, "profile_elements", &pes));
        assert_int_equal(json_object_array_length(pes), PROFILES[i].pes);
        json_object *first = json_object_array_get_idx(pes, 0);
        json_object *last = json_object_array_get_idx(pes, PROFILES[i].pes - 1);
        assert_string_equal(jstr(first, "type"), "header");
        assert_string_equal(jstr(first, "offset"), "0");
        assert_string_equal(jstr(last, "type"), "end");
        assert_int_equal(strtoul(jstr(last, "offset"), NULL, 10), PROFILES[i].end_offset);
        assert_int_equal(strtoul(jstr(last, "offset"), NULL, 10) + strtoul(jstr(last, "length"), NULL, 10), len);
        /* keys are not in the output without show_keys */
        const char *js = json_object_to_json_string_ext(s.json, JSON_C_TO_STRING_PLAIN);
        assert_null(strstr(js, "000102030405060708090A0B0C0D0E0F"));
        assert_non_null(strstr(js, "\"key_length\":16"));
        esim_saip_summary_free(&s);
        free(b);
    }
}

/* Details of one profile, cross-checked with the TLV dump of TS48v4_SAIP2.3_NoBERTLV:
 * USIM ADF AID A0000000871002FF49FF0589 (4F in EF.DIR), akaParameter algorithmID 3
 * (usim-test-algorithm) with K 000102..0F, MNO-SD keys of KVN 01 and 02, RFM TAR B00120. */
static void test_details(void **state)
{
    (void)state;
    TU_NEED_SHARED(have_dir, "data/ts48");
    size_t len;
    uint8_t *b = load("TS48v4_SAIP2.3_NoBERTLV.der", &len);
    esim_saip_summary s;
    esim_error e = {{0}};
    esim_saip_opts o = {.show_keys = true};
    assert_int_equal(esim_saip_decode(b, len, &o, &s, &e), 0);
    const char *js = json_object_to_json_string_ext(s.json, JSON_C_TO_STRING_PLAIN);
    assert_non_null(strstr(js, "\"type\":\"usim\",\"aid\":\"A0000000871002FF49FF0589\""));
    assert_non_null(strstr(js, "\"algorithm\":\"usim-test-algorithm\""));
    assert_non_null(strstr(js, "\"key\":\"000102030405060708090A0B0C0D0E0F\""));
    assert_non_null(strstr(js, "\"tars\":[\"B00120\"]"));
    assert_non_null(strstr(js, "\"header_version\":\"2.3\""));
    assert_non_null(strstr(js, "\"gfste\":[\"2.23.143.1.2.1\""));
    assert_non_null(strstr(js, "\"name\":\"ef-imsi\",\"fid\":\"6F07\""));
    assert_non_null(strstr(js, "\"name\":\"adm1\""));
    json_object *sds;
    assert_true(json_object_object_get_ex(s.json, "security_domains", &sds));
    assert_int_equal(json_object_array_length(sds), 1);
    /* the text rendering carries the same facts */
    char *txt = NULL;
    size_t tlen = 0;
    FILE *f = open_memstream(&txt, &tlen);
    esim_saip_print_text(f, &s);
    fclose(f);
    assert_non_null(strstr(txt, "iccid: 89000123456789012341"));
    assert_non_null(strstr(txt, "imsi: 001010123456063"));
    assert_non_null(strstr(txt, "type=securityDomain"));
    free(txt);
    esim_saip_summary_free(&s);
    free(b);
}

/* Malformed packages: errors name the PE index and offset; nothing is read out of bounds. */
static void test_malformed(void **state)
{
    (void)state;
    TU_NEED_SHARED(have_dir, "data/ts48");
    size_t len;
    uint8_t *b = load("TS48v4_SAIP2.3_NoBERTLV.der", &len);
    esim_saip_summary s;
    esim_error e = {{0}};
    /* cut inside PE #2 (offset 930, 42 bytes) */
    assert_int_equal(esim_saip_decode(b, 950, NULL, &s, &e), -1);
    assert_non_null(strstr(e.msg, "PE #2 at offset 930"));
    /* a wrong tag at PE #1 (offset 160) */
    uint8_t *c = malloc(len);
    memcpy(c, b, len);
    c[160] = 0x30;
    assert_int_equal(esim_saip_decode(c, len, NULL, &s, &e), -1);
    assert_non_null(strstr(e.msg, "PE #1 at offset 160"));
    /* every truncation fails cleanly or (at a PE boundary) decodes a prefix */
    for (size_t cut = 0; cut < 1200; cut += 7) {
        if (esim_saip_decode(b, cut, NULL, &s, &e) == 0)
            esim_saip_summary_free(&s);
    }
    free(c);
    free(b);
}

int main(void)
{
    const char *p = tu_shared_path("data/ts48");
    if (p) /* else each case skips */
        snprintf(dir, sizeof dir, "%s", p);
    have_dir = p ? dir : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_profiles),
        cmocka_unit_test(test_details),
        cmocka_unit_test(test_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
