/* Type detection by tag and the readable tree: ES10 objects built here byte by byte
 * (SGP.22 §5.7.7 / §5.7.1 encodings), so the test stands without reference data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/asn1_decode.h"
#include "esim/asn1_tree.h"

/* Appends TLV(tag, content) to buf at *n (single- or two-byte tags, lengths < 65536). */
static void tlv(uint8_t *buf, size_t *n, unsigned tag, const uint8_t *v, size_t len)
{
    if (tag > 0xFF)
        buf[(*n)++] = (uint8_t)(tag >> 8);
    buf[(*n)++] = (uint8_t)tag;
    if (len < 0x80) {
        buf[(*n)++] = (uint8_t)len;
    } else if (len < 0x100) {
        buf[(*n)++] = 0x81;
        buf[(*n)++] = (uint8_t)len;
    } else {
        buf[(*n)++] = 0x82;
        buf[(*n)++] = (uint8_t)(len >> 8);
        buf[(*n)++] = (uint8_t)len;
    }
    memmove(buf + *n, v, len);
    *n += len;
}

/* ProfileInstallationResult with errorResult { bppCommandId, errorReason }. */
static size_t build_pir(uint8_t *out, unsigned bpp_command, unsigned reason)
{
    uint8_t meta[64], err[16], fin[24], data[160], sig[66];
    size_t nm = 0, ne = 0, nf = 0, nd = 0, ns = 0, n = 0;
    uint8_t seq = 7, event[] = {0x07, 0x80}, iccid[10] = {0x98, 0x10, 0x32, 0x54, 0x76,
                                                          0x98, 0x10, 0x32, 0x54, 0xF6};
    tlv(meta, &nm, 0x80, &seq, 1);
    tlv(meta, &nm, 0x81, event, 2);
    tlv(meta, &nm, 0x0C, (const uint8_t *)"smdp.example.com", 16);
    tlv(meta, &nm, 0x5A, iccid, 10);
    uint8_t cmd = (uint8_t)bpp_command, why = (uint8_t)reason;
    tlv(err, &ne, 0x80, &cmd, 1);
    tlv(err, &ne, 0x81, &why, 1);
    tlv(fin, &nf, 0xA1, err, ne);
    uint8_t tid[16];
    for (int i = 0; i < 16; i++)
        tid[i] = (uint8_t)(0xA0 + i);
    tlv(data, &nd, 0x80, tid, sizeof tid);
    tlv(data, &nd, 0xBF2F, meta, nm);
    tlv(data, &nd, 0xA2, fin, nf);
    uint8_t body[256];
    size_t nb = 0;
    tlv(body, &nb, 0xBF27, data, nd);
    memset(sig, 0x5A, 64);
    tlv(body, &nb, 0x5F37, sig, 64);
    (void)ns;
    tlv(out, &n, 0xBF37, body, nb);
    return n;
}

static char *tree_text(const esim_decoded *d)
{
    char *text = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&text, &size);
    esim_tree_print(f, d->td, d->value, 0, NULL);
    fclose(f);
    return text;
}

static void detects_profile_installation_result(void **state)
{
    (void)state;
    uint8_t der[300];
    size_t n = build_pir(der, 3, 8);
    esim_decoded d;
    esim_error err = {{0}};
    assert_int_equal(esim_asn1_detect(der, n, &d, &err), 0);
    assert_string_equal(d.td->name, "ProfileInstallationResult");
    assert_int_equal(d.consumed, n);
    assert_true(d.exact);
    char *text = tree_text(&d);
    /* named numbers from the ASN.1 module, ICCID digits in EF.ICCID order */
    assert_non_null(strstr(text, "errorReason: 8 (scp03tSecurityError)"));
    assert_non_null(strstr(text, "ICCID 8901234567890123456;"));
    assert_non_null(strstr(text, "notificationAddress: \"smdp.example.com\""));
    free(text);

    json_object *j = esim_tree_json(d.td, d.value, NULL);
    json_object *fin = json_object_object_get(
        json_object_object_get(j, "profileInstallationResultData"), "finalResult");
    json_object *reason = json_object_object_get(
        json_object_object_get(json_object_object_get(fin, "errorResult"), "errorReason"), "name");
    assert_string_equal(json_object_get_string(reason), "scp03tSecurityError");
    json_object_put(j);
    esim_decoded_free(&d);
}

static void request_and_response_with_one_tag(void **state)
{
    (void)state;
    /* BF20 00 is GetEuiccInfo1Request; BF20 with content is EUICCInfo1 (SGP.22 §5.7.8). */
    uint8_t req[] = {0xBF, 0x20, 0x00};
    esim_decoded d;
    esim_error err = {{0}};
    assert_int_equal(esim_asn1_detect(req, sizeof req, &d, &err), 0);
    assert_string_equal(d.td->name, "GetEuiccInfo1Request");
    esim_decoded_free(&d);

    uint8_t info[80];
    size_t n = 0;
    uint8_t body[64], ski[24], list[26];
    size_t nb = 0, ns = 0, nl = 0;
    uint8_t svn[] = {2, 2, 0};
    memset(ski, 0x11, 20);
    tlv(list, &nl, 0x04, ski, 20);
    tlv(body, &nb, 0x82, svn, 3);
    tlv(body, &nb, 0xA9, list, nl);
    tlv(body, &nb, 0xAA, list, nl);
    (void)ns;
    tlv(info, &n, 0xBF20, body, nb);
    assert_int_equal(esim_asn1_detect(info, n, &d, &err), 0);
    assert_string_equal(d.td->name, "EUICCInfo1");
    char *text = tree_text(&d);
    assert_non_null(strstr(text, "svn: 2.2.0"));
    free(text);
    esim_decoded_free(&d);
}

static void malformed_input_is_an_error(void **state)
{
    (void)state;
    uint8_t der[300];
    size_t n = build_pir(der, 3, 8);
    esim_decoded d;
    esim_error err = {{0}};
    /* every truncation fails cleanly */
    for (size_t cut = 0; cut < n; cut++)
        assert_int_equal(esim_asn1_detect(der, cut, &d, &err), -1);
    uint8_t unknown[] = {0xDF, 0x7E, 0x01, 0x00};
    assert_int_equal(esim_asn1_detect(unknown, sizeof unknown, &d, &err), -1);
    assert_non_null(strstr(err.msg, "unknown top-level tag"));
    uint8_t huge[] = {0xBF, 0x37, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
    assert_int_equal(esim_asn1_detect(huge, sizeof huge, &d, &err), -1);
}

static void decode_by_name(void **state)
{
    (void)state;
    assert_non_null(esim_asn1_type("BoundProfilePackage"));
    assert_non_null(esim_asn1_type("boundprofilepackage"));
    assert_null(esim_asn1_type("NoSuchType"));
    uint8_t der[300];
    size_t n = build_pir(der, 1, 3);
    esim_decoded d;
    esim_error err = {{0}};
    assert_int_equal(esim_asn1_decode(esim_asn1_type("EUICCInfo1"), der, n, &d, &err), -1);
    assert_int_equal(esim_asn1_decode(esim_asn1_type("ProfileInstallationResult"), der, n, &d,
                                      &err), 0);
    esim_decoded_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detects_profile_installation_result),
        cmocka_unit_test(request_and_response_with_one_tag),
        cmocka_unit_test(malformed_input_is_an_error),
        cmocka_unit_test(decode_by_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
