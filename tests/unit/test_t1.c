/* ISO/IEC 7816-3 T=1 blocks (lib/card/t1.c): fields and checks of I-, R- and S-blocks, LRC and CRC,
 * and the link that places each INF in the command or response APDU (chaining, NAK and
 * retransmission, RESYNCH). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "esim/t1.h"

/* builds NAD PCB LEN INF LRC into b, returns its length */
static size_t block(uint8_t *b, uint8_t nad, uint8_t pcb, const uint8_t *inf, uint8_t n)
{
    b[0] = nad;
    b[1] = pcb;
    b[2] = n;
    if (n)
        memcpy(b + 3, inf, n);
    b[3 + n] = esim_t1_lrc(b, 3u + n);
    return 4u + n;
}

static void fields_and_checks(void **state)
{
    (void)state;
    uint8_t b[64];
    const uint8_t apdu[] = {0x81, 0xE2, 0x91, 0x00, 0x03, 0xBF, 0x20, 0x00};
    size_t n = block(b, 0x00, 0x60, apdu, sizeof apdu); /* I(1, M) */
    esim_t1_block t;
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_int_equal(t.type, ESIM_T1_I);
    assert_int_equal(t.seq, 1);
    assert_true(t.more);
    assert_int_equal(t.len, sizeof apdu);
    assert_int_equal(t.inf_off, 3);
    assert_int_equal(t.inf_len, sizeof apdu);
    assert_int_equal(t.edc_off, 3 + sizeof apdu);
    assert_int_equal(t.edc_len, 1);
    assert_true(esim_t1_valid(&t));
    assert_true(esim_t1_looks_like(b, n));
    char d[64];
    esim_t1_describe(&t, b, d, sizeof d);
    assert_string_equal(d, "I(1, M) 8 bytes");

    /* bad LRC */
    b[n - 1] ^= 0x55;
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_false(t.edc_ok);
    assert_true(t.len_ok);
    assert_false(esim_t1_valid(&t));
    assert_int_equal(t.edc ^ t.edc_calc, 0x55);
    b[n - 1] ^= 0x55;

    /* LEN past the end: INF clamped to what is there, no epilogue */
    b[2] = 0x40;
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_false(t.len_ok);
    assert_int_equal(t.inf_len, n - 3);
    assert_int_equal(t.edc_len, 0);
    assert_false(t.edc_ok);
    assert_false(esim_t1_looks_like(b, n));
    /* prologue cut */
    assert_false(esim_t1_parse(b, 2, 1, &t));

    /* R-blocks: N(R), error codes; an R-block has no INF */
    n = block(b, 0x00, 0x91, NULL, 0);
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_int_equal(t.type, ESIM_T1_R);
    assert_int_equal(t.seq, 1);
    assert_int_equal(t.r_error, 1);
    assert_true(esim_t1_valid(&t));
    esim_t1_describe(&t, b, d, sizeof d);
    assert_string_equal(d, "R(1, EDC/parity error)");
    n = block(b, 0x00, 0x80, apdu, 1);
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_false(t.pcb_ok);

    /* S(IFS request) 254 and S(WTX response) */
    const uint8_t ifs = 0xFE;
    n = block(b, 0x00, 0xC1, &ifs, 1);
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_int_equal(t.type, ESIM_T1_S);
    assert_int_equal(t.s_fn, ESIM_T1_IFS);
    assert_false(t.s_response);
    esim_t1_describe(&t, b, d, sizeof d);
    assert_string_equal(d, "S(IFS request) 254");
    n = block(b, 0x00, 0xE3, &ifs, 1);
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_int_equal(t.s_fn, ESIM_T1_WTX);
    assert_true(t.s_response);
    assert_string_equal(esim_t1_sfn_name(ESIM_T1_WTX), "WTX");
    /* reserved S function, NAD with VPP bits */
    b[1] = 0xC7;
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_false(t.pcb_ok);
    b[1] = 0xE3;
    b[0] = 0x88;
    assert_true(esim_t1_parse(b, n, 1, &t));
    assert_false(t.nad_ok);

    /* CRC epilogue: ISO/IEC 13239 register without final complement
     * (CRC-16/X-25 of "123456789" is 906E, so the register holds 6F91) */
    assert_int_equal(esim_t1_crc((const uint8_t *)"123456789", 9), 0x6F91);
    b[0] = 0x00;
    b[1] = 0x00;
    b[2] = 0x02;
    b[3] = 0x90;
    b[4] = 0x00;
    uint16_t crc = esim_t1_crc(b, 5);
    b[5] = (uint8_t)(crc >> 8);
    b[6] = (uint8_t)crc;
    assert_true(esim_t1_parse(b, 7, 2, &t));
    assert_int_equal(t.edc_len, 2);
    assert_true(esim_t1_valid(&t));
    assert_false(esim_t1_parse(b, 7, 1, &t) && esim_t1_valid(&t)); /* not an LRC block */
}

static esim_t1_block parsed(const uint8_t *b, size_t n)
{
    esim_t1_block t;
    esim_t1_parse(b, n, 1, &t);
    return t;
}

static void link_chaining(void **state)
{
    (void)state;
    esim_t1_link l;
    esim_t1_link_init(&l);
    uint8_t b[16];
    const uint8_t x[4] = {1, 2, 3, 4};
    esim_t1_block i0m = parsed(b, block(b, 0, 0x20, x, 4));   /* I(0, M) */
    esim_t1_block i1 = parsed(b, block(b, 0, 0x40, x, 4));    /* I(1) */
    esim_t1_block i0 = parsed(b, block(b, 0, 0x00, x, 2));    /* I(0) */
    esim_t1_block i1m = parsed(b, block(b, 0, 0x60, x, 4));   /* I(1, M) */
    esim_t1_block r1 = parsed(b, block(b, 0, 0x90, NULL, 0)); /* R(1) */
    esim_t1_block r0 = parsed(b, block(b, 0, 0x80, NULL, 0)); /* R(0) */
    esim_t1_block rs = parsed(b, block(b, 0, 0xC0, NULL, 0)); /* S(RESYNCH request) */
    const uint8_t one = 1;
    esim_t1_block wtx = parsed(b, block(b, 0, 0xC3, &one, 1)); /* S(WTX request) */

    /* command chained over two blocks, the card acknowledges the first with R(1) */
    esim_t1_step s = esim_t1_from_terminal(&l, &i0m);
    assert_int_equal(s.part, ESIM_T1_COMMAND);
    assert_int_equal(s.exchange, 1);
    assert_int_equal(s.index, 0);
    assert_false(s.last);
    assert_int_equal(esim_t1_from_card(&l, &r1).part, ESIM_T1_NONE);
    s = esim_t1_from_terminal(&l, &i1);
    assert_int_equal(s.index, 1);
    assert_true(s.last);
    /* the card asks for more time, then answers in two blocks */
    assert_int_equal(esim_t1_from_card(&l, &wtx).part, ESIM_T1_NONE);
    s = esim_t1_from_card(&l, &i0m);
    assert_int_equal(s.part, ESIM_T1_RESPONSE);
    assert_int_equal(s.index, 0);
    assert_false(s.last);
    assert_int_equal(esim_t1_from_terminal(&l, &r1).part, ESIM_T1_NONE);
    s = esim_t1_from_card(&l, &i1);
    assert_int_equal(s.part, ESIM_T1_RESPONSE);
    assert_int_equal(s.exchange, 1);
    assert_int_equal(s.index, 1);
    assert_true(s.last);

    /* second exchange: the card NAKs the command (R(0)), the terminal sends it again */
    s = esim_t1_from_terminal(&l, &i0);
    assert_int_equal(s.exchange, 2);
    assert_int_equal(s.index, 0);
    assert_true(s.last);
    assert_int_equal(esim_t1_from_card(&l, &r0).part, ESIM_T1_NONE);
    s = esim_t1_from_terminal(&l, &i0);
    assert_int_equal(s.exchange, 2);
    assert_true(s.retransmission);
    assert_int_equal(s.index, 0);
    s = esim_t1_from_card(&l, &i1);
    assert_int_equal(s.part, ESIM_T1_RESPONSE);
    assert_true(s.last);

    /* a response block without a command is ignored; RESYNCH drops a half-sent chain */
    assert_int_equal(esim_t1_from_card(&l, &i0).part, ESIM_T1_NONE);
    s = esim_t1_from_terminal(&l, &i1m);
    assert_int_equal(s.exchange, 3);
    assert_true(esim_t1_from_terminal(&l, &rs).resync);
    s = esim_t1_from_terminal(&l, &i0);
    assert_int_equal(s.exchange, 4);
    assert_int_equal(s.index, 0);
    assert_false(s.retransmission);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_and_checks),
        cmocka_unit_test(link_chaining),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
