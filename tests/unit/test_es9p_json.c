/* ES9+ JSON binding: base64 ASN.1 fields are found and decoded; bad JSON is an error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/es9p_json.h"

/* ProfileInstallationResult-free minimal body: a pendingNotification would be long; a
 * GetEuiccInfo1Request (BF20 00, base64 "vyAA") is too short to be taken for base64, so the test
 * uses EUICCInfo1 { svn 2.2.0, two empty CI key lists }: BF20 0B 82 03 020200 A9 00 AA 00. */
static const char body[] =
    "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
    "\"transactionId\":\"0011223344556677\","
    "\"euiccInfo1\":\"vyAJggMCAgCpAKoA\","
    "\"euiccChallenge\":\"AAECAwQFBgcICQoLDA0ODw==\"}";

static void decodes_base64_fields(void **state)
{
    (void)state;
    esim_error err = {{0}};
    json_object *o = esim_es9p_json_parse(body, strlen(body), &err);
    assert_non_null(o);
    json_object *a = esim_es9p_json_annotate(o, NULL);
    json_object *info = json_object_object_get(a, "euiccInfo1");
    assert_string_equal(json_object_get_string(json_object_object_get(info, "type")),
                        "EUICCInfo1");
    assert_string_equal(json_object_get_string(json_object_object_get(
                            json_object_object_get(info, "value"), "svn")),
                        "2.2.0");
    /* raw bytes that are no ASN.1 object are shown as hex */
    json_object *ch = json_object_object_get(a, "euiccChallenge");
    assert_string_equal(json_object_get_string(json_object_object_get(ch, "hex")),
                        "000102030405060708090A0B0C0D0E0F");
    /* hex strings stay as they are */
    assert_string_equal(json_object_get_string(json_object_object_get(a, "transactionId")),
                        "0011223344556677");
    json_object_put(a);
    json_object_put(o);
}

static void bad_json_is_an_error(void **state)
{
    (void)state;
    esim_error err = {{0}};
    assert_null(esim_es9p_json_parse("{\"a\":", 5, &err));
    assert_non_null(strstr(err.msg, "JSON"));
    assert_null(esim_es9p_json_parse("{\"a\":1}}", 8, &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_base64_fields),
        cmocka_unit_test(bad_json_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
