/* A damaged BPP is reported, never crashes: every single-bit flip in one segment of each part
 * is detected, truncation at every byte, "4 GB" length fields, garbage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include "esim/bpp.h"
#include "bpp_testkit.h"
#include "testutil.h"

typedef struct fixture {
    tk_pki pki;
    tk_bpp t;
    esim_keylog *kl;
    uint8_t upp[2500];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    esim_error e;
    RAND_bytes(f->upp, sizeof f->upp);
    tk_pki_make(&f->pki, ESIM_CURVE_P256, "Test CI");
    if (tk_bpp_make(&f->t, &f->pki, ESIM_CURVE_P256, true, f->upp, sizeof f->upp, &e) != 0)
        fail_msg("build: %s", e.msg);
    f->kl = tk_keylog(&f->t, ESIM_KL_SESSION_KEYS);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    tk_bpp_free(&f->t);
    tk_pki_free(&f->pki);
    esim_keylog_free(f->kl);
    free(f);
    return 0;
}

/* 1 = parsed and opened with every segment verified, 0 = rejected or a failure reported. */
static int verifies(const uint8_t *bpp, size_t len, const esim_keylog *kl)
{
    esim_bpp b;
    esim_error e;
    if (esim_bpp_parse(bpp, len, &b, &e) != 0) {
        assert_true(strlen(e.msg) > 0);
        return 0;
    }
    esim_bpp_opened o;
    int ok = 0;
    if (esim_bpp_open(&b, kl, &o, &e) == 0) {
        ok = o.failed == 0 && o.upp_complete;
        if (!ok)
            assert_true(strlen(o.first_failure) > 0);
        esim_bpp_opened_free(&o);
    }
    esim_bpp_clear(&b);
    return ok;
}

static void test_intact(void **state)
{
    fixture *f = *state;
    assert_int_equal(verifies(f->t.built.bpp, f->t.built.bpp_len, f->kl), 1);
    esim_bpp b;
    esim_error e;
    assert_int_equal(esim_bpp_parse_partial(f->t.built.bpp, f->t.built.bpp_len, &b, &e), 0);
    assert_false(b.truncated);
    esim_bpp_clear(&b);
}

static void test_bit_flips(void **state)
{
    fixture *f = *state;
    esim_bpp b;
    esim_error e;
    assert_int_equal(esim_bpp_parse(f->t.built.bpp, f->t.built.bpp_len, &b, &e), 0);
    uint8_t *copy = malloc(f->t.built.bpp_len);
    memcpy(copy, f->t.built.bpp, f->t.built.bpp_len);
    size_t flips = 0, want = 0;
    for (int p = 0; p < ESIM_BPP_PART_COUNT; p++) {
        /* 86: the first (full, 1020-byte) segment; else the last one of the part */
        const esim_bpp_segment *s = &b.seg[p][p == ESIM_BPP_SEQ86 ? 0 : b.nseg[p] - 1];
        want += 8 * s->total_len;
        for (size_t i = s->offset; i < s->offset + s->total_len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                copy[i] ^= (uint8_t)(1u << bit);
                if (verifies(copy, f->t.built.bpp_len, f->kl))
                    fail_msg("flip of bit %d at offset %zu (%s) not detected", bit, i,
                             esim_bpp_part_name(p));
                copy[i] ^= (uint8_t)(1u << bit);
                flips++;
            }
        }
    }
    assert_memory_equal(copy, f->t.built.bpp, f->t.built.bpp_len);
    assert_int_equal(flips, want);
    assert_true(flips >= 8 * ESIM_BSP_SEGMENT_MAX);
    free(copy);
    esim_bpp_clear(&b);
}

static void test_truncation(void **state)
{
    fixture *f = *state;
    const uint8_t *bpp = f->t.built.bpp;
    size_t len = f->t.built.bpp_len;
    esim_tlv top;
    esim_error e;
    assert_int_equal(esim_tlv_parse(bpp, len, 0, &top, &e), 0);
    for (size_t cut = 0; cut < len; cut++) {
        /* plain truncation */
        uint8_t *p = malloc(cut ? cut : 1);
        memcpy(p, bpp, cut);
        assert_int_equal(verifies(p, cut, f->kl), 0);
        free(p);
        /* the lenient parser keeps the complete segments and never verifies a cut BPP */
        esim_bpp pb;
        if (esim_bpp_parse_partial(bpp, cut, &pb, &e) == 0) {
            assert_true(pb.truncated);
            assert_int_equal(pb.full_len, len);
            esim_bpp_opened o;
            if (esim_bpp_open(&pb, f->kl, &o, &e) == 0) {
                assert_false(o.upp_complete);
                assert_int_equal(o.failed, 0); /* complete segments are intact */
                assert_non_null(strstr(o.first_failure, "truncated"));
                esim_bpp_opened_free(&o);
            }
            esim_bpp_clear(&pb);
        }
        /* truncated content with a consistent outer length: reaches the inner walks */
        if (cut >= top.hdr_len) {
            esim_buf w = { 0 };
            esim_tlv_put(&w, 0xBF36, bpp + top.hdr_len, cut - top.hdr_len);
            assert_int_equal(verifies(w.data, w.len, f->kl), 0);
            esim_buf_free(&w);
        }
    }
}

static void test_huge_lengths(void **state)
{
    fixture *f = *state;
    esim_bpp b;
    esim_error e;
    uint8_t top[] = { 0xBF, 0x36, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0xBF, 0x23, 0x00 };
    assert_int_equal(esim_bpp_parse(top, sizeof top, &b, &e), -1);
    /* a 4 GB length on every part header and on the first segment of each part */
    esim_bpp good;
    assert_int_equal(f->t.built.bpp[2], 0x82);
    assert_int_equal(esim_bpp_parse(f->t.built.bpp, f->t.built.bpp_len, &good, &e), 0);
    for (int p = 0; p < ESIM_BPP_PART_COUNT; p++) {
        size_t offs[2] = { good.part_offset[p], good.seg[p][0].offset };
        for (int k = 0; k < 2; k++) {
            esim_tlv t;
            assert_int_equal(esim_tlv_parse(f->t.built.bpp + offs[k], f->t.built.bpp_len - offs[k],
                                            offs[k], &t, &e), 0);
            /* rebuild: content up to the tag, 84 FFFFFFFF, rest; outer length made right */
            esim_buf body = { 0 }, all = { 0 };
            size_t tag_len = t.hdr_len - (t.len < 0x80 ? 1 : t.len < 0x100 ? 2 : 3);
            size_t start = 5; /* BF 36 82 xx xx */
            esim_buf_append(&body, f->t.built.bpp + start, offs[k] + tag_len - start);
            static const uint8_t huge[] = { 0x84, 0xFF, 0xFF, 0xFF, 0xFF };
            esim_buf_append(&body, huge, sizeof huge);
            esim_buf_append(&body, t.value, f->t.built.bpp_len - (size_t)(t.value - f->t.built.bpp));
            esim_tlv_put(&all, 0xBF36, body.data, body.len);
            assert_int_equal(esim_bpp_parse(all.data, all.len, &b, &e), -1);
            if (!strstr(e.msg, "4294967295"))
                fail_msg("unexpected message: %s", e.msg);
            esim_buf_free(&body);
            esim_buf_free(&all);
        }
    }
    esim_bpp_clear(&good);
}

static void test_garbage(void **state)
{
    fixture *f = *state;
    uint8_t buf[3000];
    for (int i = 0; i < 3000; i++) {
        size_t n = (size_t)(i % 3000);
        RAND_bytes(buf, (int)sizeof buf);
        if (i % 2) { /* plausible start */
            buf[0] = 0xBF;
            buf[1] = 0x36;
            buf[2] = 0x82;
            buf[3] = (uint8_t)((n - 5) >> 8);
            buf[4] = (uint8_t)(n - 5);
            buf[5] = 0xBF;
            buf[6] = 0x23;
        }
        assert_int_equal(verifies(buf, n, f->kl), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intact),
        cmocka_unit_test(test_bit_flips),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_huge_lengths),
        cmocka_unit_test(test_garbage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
