/* lib/tlv: multi-byte tags, long lengths, exact ranges, bounds, writer round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include "esim/tlv.h"
#include "testutil.h"

static void test_multibyte_tags(void **state)
{
    (void)state;
    uint8_t buf[] = { 0xBF, 0x36, 0x06, 0x5F, 0x49, 0x01, 0xAA, 0x86, 0x00 };
    esim_tlv t, c;
    esim_error e;
    assert_int_equal(esim_tlv_parse(buf, sizeof buf, 0, &t, &e), 0);
    assert_int_equal(t.tag, 0xBF36);
    assert_true(t.constructed);
    assert_int_equal(t.hdr_len, 3);
    assert_int_equal(t.len, 6);
    assert_int_equal(esim_tlv_find_child(&t, 0x5F49, &c, &e), 1);
    assert_int_equal(c.offset, 3);
    assert_int_equal(c.hdr_len, 3);
    assert_int_equal(c.len, 1);
    assert_int_equal(c.value[0], 0xAA);
    assert_int_equal(esim_tlv_find_child(&t, 0x86, &c, &e), 1);
    assert_int_equal(c.offset, 7);
    assert_int_equal(c.len, 0);
    assert_int_equal(esim_tlv_find_child(&t, 0x87, &c, &e), 0);
    char s[9];
    assert_string_equal(esim_tlv_tag_str(0x5F49, s), "5F49");
    assert_string_equal(esim_tlv_tag_str(0x86, s), "86");
}

static void test_long_lengths(void **state)
{
    (void)state;
    for (size_t n = 0; n < 70000; n = n * 3 + 1) {
        esim_buf b = { 0 };
        uint8_t *v = calloc(1, n + 1);
        assert_int_equal(esim_tlv_put(&b, 0x7F49, v, n), 0);
        esim_tlv t;
        esim_error e;
        assert_int_equal(esim_tlv_parse(b.data, b.len, 10, &t, &e), 0);
        assert_int_equal(t.tag, 0x7F49);
        assert_int_equal(t.len, n);
        assert_int_equal(t.offset, 10);
        assert_int_equal(esim_tlv_total(&t), b.len);
        assert_int_equal(t.hdr_len, esim_tlv_header_size(0x7F49, n));
        /* every truncation fails cleanly */
        for (size_t cut = 0; cut < b.len; cut += (b.len / 50) + 1)
            assert_int_equal(esim_tlv_parse(b.data, cut, 0, &t, &e), -1);
        esim_buf_free(&b);
        free(v);
    }
}

static void test_rejects(void **state)
{
    (void)state;
    esim_tlv t;
    esim_error e;
    /* "4 GB" length field with a few bytes of data */
    uint8_t huge[] = { 0x86, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3 };
    assert_int_equal(esim_tlv_parse(huge, sizeof huge, 0, &t, &e), -1);
    assert_non_null(strstr(e.msg, "4294967295"));
    uint8_t five[] = { 0x86, 0x85, 0, 0, 0, 0, 1, 0 };
    assert_int_equal(esim_tlv_parse(five, sizeof five, 0, &t, &e), -1);
    uint8_t indef[] = { 0x30, 0x80, 0, 0 };
    assert_int_equal(esim_tlv_parse(indef, sizeof indef, 0, &t, &e), -1);
    uint8_t longtag[] = { 0xBF, 0x81, 0x81, 0x81, 0x01, 0x00 };
    assert_int_equal(esim_tlv_parse(longtag, sizeof longtag, 0, &t, &e), -1);
    uint8_t trunc_tag[] = { 0xBF, 0x81 };
    assert_int_equal(esim_tlv_parse(trunc_tag, sizeof trunc_tag, 0, &t, &e), -1);
    assert_int_equal(esim_tlv_parse(huge, 0, 0, &t, &e), -1);
    /* child overrunning its parent is caught by the child walk */
    uint8_t over[] = { 0xA0, 0x03, 0x86, 0x05, 0x00, 0x00, 0x00, 0x00 };
    assert_int_equal(esim_tlv_parse(over, sizeof over, 0, &t, &e), 0);
    esim_tlv_iter it;
    esim_tlv c;
    esim_tlv_iter_children(&it, &t);
    assert_int_equal(esim_tlv_next(&it, &c, &e), -1);
    assert_non_null(strstr(e.msg, "offset 2"));
}

static void test_iterate(void **state)
{
    (void)state;
    esim_buf b = { 0 };
    for (int i = 0; i < 5; i++) {
        uint8_t v[200];
        memset(v, i, sizeof v);
        esim_tlv_put(&b, 0x86, v, (size_t)(40 * i));
    }
    esim_tlv_iter it;
    esim_tlv t;
    esim_error e;
    size_t off = 0;
    int n = 0, r;
    esim_tlv_iter_init(&it, b.data, b.len, 0);
    while ((r = esim_tlv_next(&it, &t, &e)) == 1) {
        assert_int_equal(t.offset, off);
        assert_int_equal(t.len, (size_t)(40 * n));
        off += esim_tlv_total(&t);
        n++;
    }
    assert_int_equal(r, 0);
    assert_int_equal(n, 5);
    assert_int_equal(off, b.len);
    size_t len;
    uint8_t *d = esim_buf_steal(&b, &len);
    assert_int_equal(len, off);
    free(d);
}

/* BIT STRING of named bits in DER: unused-bit count from the highest set bit, no trailing
 * zero bytes, the empty set as one byte 00 (X.690 11.2.2) */
static void test_put_bits(void **state)
{
    (void)state;
    static const struct {
        int bits[4];
        size_t n;
        uint8_t want[5];
        size_t want_len;
    } cases[] = {
        {{0}, 0, {0x03, 0x01, 0x00}, 3},
        {{0, 1, 2, 3}, 4, {0x03, 0x02, 0x04, 0xF0}, 4},
        {{7}, 1, {0x03, 0x02, 0x00, 0x01}, 4},
        {{8, 99, -1}, 3, {0x03, 0x03, 0x07, 0x00, 0x80}, 5}, /* 99 and -1 ignored */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        esim_buf b = { 0 };
        assert_int_equal(esim_tlv_put_bits(&b, 0x03, cases[i].bits, cases[i].n), 0);
        assert_int_equal(b.len, cases[i].want_len);
        assert_memory_equal(b.data, cases[i].want, cases[i].want_len);
        esim_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_multibyte_tags),
        cmocka_unit_test(test_long_lengths),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_iterate),
        cmocka_unit_test(test_put_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
