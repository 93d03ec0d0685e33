/* Input loading: DER / base64 / PEM / hex detection and malformed text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "esim/input.h"
#include "esim/private_file.h"

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

/* Captures and gzip data are recognised by their magic numbers and refused as single objects,
 * naming the commands that read captures. */
static void refuses_containers(void **state)
{
    (void)state;
    static const uint8_t pcap_le[] = {0xD4, 0xC3, 0xB2, 0xA1, 2, 0}, pcap_ns[] = {0x4D, 0x3C, 0xB2, 0xA1},
                         pcapng[] = {0x0A, 0x0D, 0x0D, 0x0A, 0x1C}, gz[] = {0x1F, 0x8B, 8},
                         bpp[] = {0xBF, 0x36, 0x00};
    assert_string_equal(esim_input_container(pcap_le, sizeof pcap_le), "a pcap capture");
    assert_string_equal(esim_input_container(pcap_ns, sizeof pcap_ns), "a pcap capture");
    assert_string_equal(esim_input_container(pcapng, sizeof pcapng), "a pcapng capture");
    assert_string_equal(esim_input_container(gz, sizeof gz), "gzip-compressed data");
    assert_null(esim_input_container(bpp, sizeof bpp));
    assert_null(esim_input_container(gz, 1));
    esim_error err = {{0}};
    assert_int_equal(esim_input_refuse_container("x.pcap", pcap_le, sizeof pcap_le, &err), -1);
    assert_non_null(strstr(err.msg, "esimscope trace"));
    assert_int_equal(esim_input_refuse_container("x.der", bpp, sizeof bpp, &err), 0);
}

/* The size limit holds while reading: an endless source stops at ESIM_INPUT_MAX. */
static void read_is_bounded(void **state)
{
    (void)state;
    uint8_t *raw = (uint8_t *)"x";
    size_t n = 1;
    esim_error err = {{0}};
    assert_int_equal(esim_input_read("/dev/zero", &raw, &n, &err), -1);
    assert_null(raw);
    assert_int_equal(n, 0);
    assert_non_null(strstr(err.msg, "larger than 64 MiB"));
    assert_int_equal(esim_input_read("/", &raw, &n, &err), -1);
    assert_non_null(strstr(err.msg, "Is a directory"));
}

/* Private files: 0600 under any umask, an existing file replaced by rename (a hard link to the
 * old one keeps the old bytes), the target untouched when the folder is missing. */
static void private_file_mode_and_rename(void **state)
{
    (void)state;
    char dir[] = "/tmp/esim-private-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[128], link_path[128];
    snprintf(path, sizeof path, "%s/upp.der", dir);
    snprintf(link_path, sizeof link_path, "%s/old", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("old contents", f);
    fclose(f);
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(link(path, link_path), 0);
    mode_t old_mask = umask(0);
    esim_error err = {{0}};
    static const uint8_t secret[] = {0x01, 0x02, 0x03};
    assert_int_equal(esim_private_file_write(path, secret, sizeof secret, &err), 0);
    umask(old_mask);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 3);
    assert_int_equal(stat(link_path, &st), 0);
    assert_int_equal(st.st_size, 12); /* "old contents": the old inode was not rewritten */
    assert_int_equal(st.st_nlink, 1);
    char missing[160];
    snprintf(missing, sizeof missing, "%s/none/upp.der", dir);
    assert_int_equal(esim_private_file_write(missing, secret, sizeof secret, &err), -1);
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_int_equal(esim_private_file_write(dir, secret, sizeof secret, &err), -1);
    assert_non_null(strstr(err.msg, "Is a directory"));
    unlink(path);
    unlink(link_path);
    assert_int_equal(rmdir(dir), 0); /* no temporary file left behind */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(detects_each_format),
        cmocka_unit_test(rejects_malformed_text),
        cmocka_unit_test(format_names),
        cmocka_unit_test(load_missing_file),
        cmocka_unit_test(refuses_containers),
        cmocka_unit_test(read_is_bounded),
        cmocka_unit_test(private_file_mode_and_rename),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
