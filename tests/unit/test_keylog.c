/* lib/keylog: parsing, lookup by TransactionID, errors with line numbers, write/read round trip. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <cmocka.h>
#include "esim/keylog.h"
#include "testutil.h"

static const char good[] =
    "# esimscope key log\n"
    "\n"
    "SESSION_KEYS 0102030405060708 000102030405060708090A0B0C0D0E0F "
    "101112131415161718191A1B1C1D1E1F 202122232425262728292a2b2c2d2e2f\n"
    "PPK 01 AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB "
    "CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC   # trailing comment\r\n"
    "EUICC_OTSK 0102030405060708 " "1111111111111111111111111111111111111111111111111111111111111111"
    " 89049032123451234512345678901335\n"
    "EUICC_OTPK 0102030405060708 04"
    "22222222222222222222222222222222222222222222222222222222222222222222222222222222"
    "222222222222222222222222222222222222222222222222\n"
    "SMDP_OTSK 0102030405060708 " "3333333333333333333333333333333333333333333333333333333333333333"
    " 89049032123451234512345678901335";

static void test_parse_and_find(void **state)
{
    (void)state;
    esim_keylog *kl = esim_keylog_new();
    esim_error e;
    assert_int_equal(esim_keylog_parse(kl, good, strlen(good), "t", &e), 0);
    assert_int_equal(esim_keylog_count(kl), 5);
    uint8_t tid[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    const esim_keylog_entry *s = esim_keylog_find(kl, ESIM_KL_SESSION_KEYS, tid, sizeof tid);
    assert_non_null(s);
    assert_int_equal(s->line, 3);
    assert_int_equal(s->keys.s_enc[15], 0x0F);
    assert_int_equal(s->keys.s_mac[0], 0x10);
    assert_int_equal(s->keys.mcv[10], 0x2A);
    uint8_t one = 1;
    const esim_keylog_entry *p = esim_keylog_find(kl, ESIM_KL_PPK, &one, 1);
    assert_non_null(p);
    assert_int_equal(p->keys.mcv[0], 0xCC);
    assert_null(esim_keylog_find(kl, ESIM_KL_PPK, tid, sizeof tid));
    assert_null(esim_keylog_find(kl, ESIM_KL_SESSION_KEYS, tid, 7));
    const esim_keylog_entry *o = esim_keylog_find(kl, ESIM_KL_EUICC_OTSK, tid, sizeof tid);
    assert_non_null(o);
    assert_int_equal(o->eid_len, 16);
    assert_int_equal(o->eid[0], 0x89);
    const esim_keylog_entry *pk = esim_keylog_find(kl, ESIM_KL_EUICC_OTPK, tid, sizeof tid);
    assert_non_null(pk);
    assert_int_equal(pk->point_len, 65);
    assert_non_null(esim_keylog_find(kl, ESIM_KL_SMDP_OTSK, tid, sizeof tid));

    /* write every entry out and read it back */
    char path[] = "/tmp/esim-keylog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    const esim_keylog_entry *all[] = { s, p, o, pk };
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(esim_keylog_write(f, all[i]), 0);
    fclose(f);
    esim_keylog *back = esim_keylog_new();
    assert_int_equal(esim_keylog_load(back, path, &e), 0);
    unlink(path);
    assert_int_equal(esim_keylog_count(back), 4);
    const esim_keylog_entry *s2 = esim_keylog_find(back, ESIM_KL_SESSION_KEYS, tid, sizeof tid);
    assert_non_null(s2);
    assert_memory_equal(&s2->keys, &s->keys, sizeof s->keys);
    const esim_keylog_entry *pk2 = esim_keylog_find(back, ESIM_KL_EUICC_OTPK, tid, sizeof tid);
    assert_memory_equal(pk2->point, pk->point, 65);
    esim_keylog_free(back);
    esim_keylog_free(kl);
}

static void expect_error(const char *text, const char *needle)
{
    esim_keylog *kl = esim_keylog_new();
    esim_error e;
    assert_int_equal(esim_keylog_parse(kl, text, strlen(text), "kl.txt", &e), -1);
    if (!strstr(e.msg, needle))
        fail_msg("error \"%s\" lacks \"%s\"", e.msg, needle);
    esim_keylog_free(kl);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("# ok\nFOO 01 02\n", "kl.txt line 2: unknown label");
    expect_error("\n\nSESSION_KEYS 01 00\n", "line 3: SESSION_KEYS needs");
    expect_error("PPK 01 0011 0011 0011\n", "line 1: PPK PPK-ENC must be 16 bytes");
    expect_error("SESSION_KEYS 0102030405060708090A0B0C0D0E0F1011 "
                 "00000000000000000000000000000000 00000000000000000000000000000000 "
                 "00000000000000000000000000000000\n", "TransactionID must be 1 to 16 bytes");
    expect_error("EUICC_OTPK 01 05" "0000000000000000000000000000000000000000000000000000000000000000"
                 "0000000000000000000000000000000000000000000000000000000000000000\n",
                 "uncompressed point");
    expect_error("EUICC_OTSK 01 zz 00\n", "private key must be 32 bytes");
    esim_keylog *kl = esim_keylog_new();
    esim_error e;
    assert_int_equal(esim_keylog_load(kl, "/nonexistent/keylog", &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent/keylog"));
    esim_keylog_free(kl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_and_find),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
