/* Input loading: DER / base64 / PEM / hex detection and malformed text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/input.h"

static const uint8_t der[] = {0xBF, 0x20, 0x03, 0x82, 0x01, 0x02};

static void check(const char *text, size_t n, esim_input_format forced, esim_input_format want)
{
    uint8_t *out = NULL;
    size_t len = 0;
    esim_input_format got;
    esim_error err = {{0}};
    assert_int_equal(esim_input_decode((const uint8_t *)text, n, forced, &out, &len, &got, &err),
                     0);
    assert_int_equal(got, want);
    assert_int_equal(len, sizeof der);
    assert_memory_equal(out, der, sizeof der);
    free(out);
}

static void detects_each_format(void **state)
{
    (void)state;
    check((const char *)der, sizeof der, ESIM_IN_AUTO, ESIM_IN_DER);
    check("BF20038201 02\n", 14, ESIM_IN_AUTO, ESIM_IN_HEX);
    check("bf:20:03:82:01:02", 17, ESIM_IN_AUTO, ESIM_IN_HEX);
    check("vyADggEC\n", 9, ESIM_IN_AUTO, ESIM_IN_BASE64);
    check("vyADggEC", 8, ESIM_IN_BASE64, ESIM_IN_BASE64);
    const char *pem = "-----BEGIN THING-----\nvyAD\nggEC\n-----END THING-----\n";
    check(pem, strlen(pem), ESIM_IN_AUTO, ESIM_IN_BASE64);
    /* base64url and missing padding, as some SM-DP+ logs print it */
    check("vyADggEC", 8, ESIM_IN_AUTO, ESIM_IN_BASE64);
}

static void expect_error(const char *text, size_t n, esim_input_format forced, const char *what)
{
    uint8_t *out = NULL;
    size_t len = 0;
    esim_error err = {{0}};
    assert_int_equal(esim_input_decode((const uint8_t *)text, n, forced, &out, &len, NULL, &err),
                     -1);
    assert_null(out);
    assert_non_null(strstr(err.msg, what));
}

static void rejects_malformed_text(void **state)
{
    (void)state;
    expect_error("", 0, ESIM_IN_AUTO, "empty");
    expect_error("ABC", 3, ESIM_IN_HEX, "hex");
    expect_error("AB*C", 4, ESIM_IN_HEX, "hex");
    expect_error("vy!ADggEC", 9, ESIM_IN_BASE64, "base64");
    expect_error("vy==ADgg", 8, ESIM_IN_BASE64, "padding");
    expect_error("====", 4, ESIM_IN_BASE64, "base64");
}

static void format_names(void **state)
{
    (void)state;
    esim_input_format f;
    assert_int_equal(esim_input_format_parse("HEX", &f), 0);
    assert_int_equal(f, ESIM_IN_HEX);
    assert_int_equal(esim_input_format_parse("b64", &f), 0);
    assert_int_equal(f, ESIM_IN_BASE64);
    assert_int_equal(esim_input_format_parse("pdf", &f), -1);
    assert_string_equal(esim_input_format_name(ESIM_IN_DER), "der");
}

static void load_missing_file(void **state)
{
    (void)state;
    uint8_t *out;
    size_t len;
    esim_error err = {{0}};
    assert_int_equal(esim_input_load("/nonexistent/x.der", ESIM_IN_AUTO, &out, &len, NULL, &err),
                     -1);
    assert_non_null(strstr(err.msg, "/nonexistent/x.der"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detects_each_format),
        cmocka_unit_test(rejects_malformed_text),
        cmocka_unit_test(format_names),
        cmocka_unit_test(load_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
