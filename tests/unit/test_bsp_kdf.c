/* BSP key derivation known answers from ../shared/vectors/bsp-kdf.json, plus ECDH symmetry
 * on both curves. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <cmocka.h>
#include <json-c/json.h>
#include "esim/bsp.h"
#include "testutil.h"

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    assert_true(json_object_object_get_ex(o, k, &v));
    return json_object_get_string(v);
}

static void test_kat(void **state)
{
    json_object *root = *state, *vecs;
    TU_NEED_SHARED(root, "vectors/bsp-kdf.json");
    assert_true(json_object_object_get_ex(root, "vectors", &vecs));
    size_t n = json_object_array_length(vecs);
    assert_true(n > 0);
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(vecs, i), *kl;
        uint8_t shs[64], host[16], eid[16], kt[1], want[16];
        long shs_len = tu_unhex(jstr(v, "shared_secret"), shs, sizeof shs);
        long host_len = tu_unhex(jstr(v, "host_id"), host, sizeof host);
        long eid_len = tu_unhex(jstr(v, "eid"), eid, sizeof eid);
        assert_int_equal(tu_unhex(jstr(v, "key_type"), kt, 1), 1);
        assert_true(json_object_object_get_ex(v, "key_length", &kl));
        assert_true(shs_len > 0 && host_len > 0 && eid_len > 0);
        esim_bsp_keys k;
        esim_error e;
        assert_int_equal(esim_bsp_kdf(shs, (size_t)shs_len, kt[0],
                                      (uint8_t)json_object_get_int(kl), host, (size_t)host_len,
                                      eid, (size_t)eid_len, &k, &e), 0);
        assert_int_equal(tu_unhex(jstr(v, "initial_mac_chaining_value"), want, 16), 16);
        assert_memory_equal(k.mcv, want, 16);
        assert_int_equal(tu_unhex(jstr(v, "s_enc"), want, 16), 16);
        assert_memory_equal(k.s_enc, want, 16);
        assert_int_equal(tu_unhex(jstr(v, "s_mac"), want, 16), 16);
        assert_memory_equal(k.s_mac, want, 16);
    }
}

static void test_ecdh_both_ways(void **state)
{
    (void)state;
    esim_curve curves[] = { ESIM_CURVE_P256, ESIM_CURVE_BP256R1 };
    for (size_t i = 0; i < 2; i++) {
        esim_error e;
        EVP_PKEY *a = esim_ec_generate(curves[i], &e), *b = esim_ec_generate(curves[i], &e);
        assert_non_null(a);
        assert_non_null(b);
        uint8_t pa[65], pb[65], s1[32], s2[32], d[32], pa2[65];
        size_t la, lb, la2;
        assert_int_equal(esim_ec_public_point(a, pa, &la, &e), 0);
        assert_int_equal(esim_ec_public_point(b, pb, &lb, &e), 0);
        esim_curve c;
        assert_int_equal(esim_curve_of_point(pa, la, &c, &e), 0);
        assert_int_equal(c, curves[i]);
        assert_int_equal(esim_bsp_ecdh(a, pb, lb, s1, &e), 0);
        assert_int_equal(esim_bsp_ecdh(b, pa, la, s2, &e), 0);
        assert_memory_equal(s1, s2, 32);
        /* a key rebuilt from its scalar gives the same point and secret */
        assert_int_equal(esim_ec_private_scalar(a, d, &e), 0);
        assert_int_equal(esim_ec_point_of_private(curves[i], d, 32, pa2, &la2, &e), 0);
        assert_memory_equal(pa, pa2, 65);
        EVP_PKEY *a2 = esim_ec_from_private(curves[i], d, 32, &e);
        assert_non_null(a2);
        assert_int_equal(esim_bsp_ecdh(a2, pb, lb, s2, &e), 0);
        assert_memory_equal(s1, s2, 32);
        /* a point off the curve is refused */
        pb[64] ^= 1;
        assert_int_equal(esim_bsp_ecdh(a, pb, lb, s2, &e), -1);
        EVP_PKEY_free(a);
        EVP_PKEY_free(a2);
        EVP_PKEY_free(b);
    }
}

/* The segment as SGP.22 2.6.4.4 defines it, computed here with one-shot OpenSSL calls,
 * independently of lib/bpp/bsp.c: tag || len || data || CMAC8, data = AES-CBC(S-ENC,
 * ICV = AES-ECB(S-ENC, counter), plain || 80 00..) or the plaintext (MAC only); CMAC over
 * MCV || tag || len || data. Returns the full CMAC (the next MCV) in next_mcv. */
static size_t expected_segment(const esim_bsp_keys *k, const uint8_t mcv[16], uint64_t counter,
                               uint8_t tag, bool enc, const uint8_t *plain, size_t n,
                               uint8_t *out, uint8_t next_mcv[16])
{
    uint8_t data[1200], blk[16] = { 0 }, icv[16], padded[1200];
    size_t dn = n;
    int l = 0, l2 = 0;
    if (enc) {
        for (int i = 0; i < 8; i++)
            blk[15 - i] = (uint8_t)(counter >> (8 * i));
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, k->s_enc, NULL);
        EVP_CIPHER_CTX_set_padding(c, 0);
        EVP_EncryptUpdate(c, icv, &l, blk, 16);
        memcpy(padded, plain, n);
        padded[n] = 0x80;
        dn = (n / 16 + 1) * 16;
        memset(padded + n + 1, 0, dn - n - 1);
        EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, k->s_enc, icv);
        EVP_CIPHER_CTX_set_padding(c, 0);
        EVP_EncryptUpdate(c, data, &l, padded, (int)dn);
        EVP_EncryptFinal_ex(c, data + l, &l2);
        EVP_CIPHER_CTX_free(c);
    } else {
        memcpy(data, plain, n);
    }
    size_t lcc = dn + 8, o = 0;
    out[o++] = tag;
    if (lcc >= 256) { out[o++] = 0x82; out[o++] = (uint8_t)(lcc >> 8); }
    else if (lcc >= 128) out[o++] = 0x81;
    out[o++] = (uint8_t)lcc;
    uint8_t macin[1300];
    memcpy(macin, mcv, 16);
    memcpy(macin + 16, out, o);
    memcpy(macin + 16 + o, data, dn);
    size_t ml;
    assert_non_null(EVP_Q_mac(NULL, "CMAC", NULL, "AES-128-CBC", NULL, k->s_mac, 16, macin,
                              16 + o + dn, next_mcv, 16, &ml));
    memcpy(out + o, data, dn);
    memcpy(out + o + dn, next_mcv, 8);
    return o + dn + 8;
}

/* Segment protection: every segment round-trips and the counter advances for MAC-only too. */
static void test_segments(void **state)
{
    (void)state;
    esim_bsp_keys k;
    for (int i = 0; i < 16; i++) {
        k.mcv[i] = (uint8_t)i;
        k.s_enc[i] = (uint8_t)(0x40 + i);
        k.s_mac[i] = (uint8_t)(0x80 + i);
    }
    esim_bsp tx, rx;
    esim_error e;
    assert_int_equal(esim_bsp_init(&tx, &k, &e), 0);
    assert_int_equal(esim_bsp_init(&rx, &k, &e), 0);
    uint8_t plain[1100];
    for (size_t i = 0; i < sizeof plain; i++)
        plain[i] = (uint8_t)(i * 7);
    /* runs of encrypted segments: the decryption chain carries over from one to the next */
    size_t sizes[] = { 0, 1, 15, 16, 17, 31, 32, 33, 100, 500, 1000, 1007, 1008, 47, 48 };
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        bool enc = sizes[s] <= esim_bsp_max_plain(true) && s % 3 != 1;
        esim_buf seg = { 0 }, out = { 0 };
        uint8_t mcv_before[16], want[1300], next_mcv[16];
        memcpy(mcv_before, tx.k.mcv, 16);
        size_t wl = expected_segment(&k, mcv_before, tx.counter, enc ? 0x86 : 0x88, enc, plain,
                                     sizes[s], want, next_mcv);
        assert_int_equal(esim_bsp_protect(&tx, enc ? 0x86 : 0x88, enc, plain, sizes[s], &seg, &e), 0);
        assert_int_equal(seg.len, wl);
        assert_memory_equal(seg.data, want, wl);
        assert_memory_equal(tx.k.mcv, next_mcv, 16);
        esim_tlv t;
        assert_int_equal(esim_tlv_parse(seg.data, seg.len, 0, &t, &e), 0);
        assert_true(esim_tlv_total(&t) <= ESIM_BSP_SEGMENT_MAX || sizes[s] > 1007);
        if (enc)
            assert_int_equal(t.len % 16, 8);
        esim_bsp_check chk;
        assert_int_equal(esim_bsp_unprotect(&rx, (uint8_t)t.tag, enc, t.value, t.len, &out, &chk, &e), 0);
        assert_true(chk.mac_ok);
        assert_true(chk.pad_ok);
        assert_int_equal(out.len, sizes[s]);
        if (sizes[s])
            assert_memory_equal(out.data, plain, sizes[s]);
        esim_buf_free(&seg);
        esim_buf_free(&out);
    }
    assert_int_equal(tx.counter, 1 + sizeof sizes / sizeof sizes[0]);
    assert_int_equal(rx.counter, tx.counter);
    assert_memory_equal(tx.k.mcv, rx.k.mcv, 16);
    esim_bsp_free(&tx);
    esim_bsp_free(&rx);
}

/* The segment MAC (AES-CMAC over MCV || tag || length || data) for every data length across
 * several cipher blocks and lib/bpp/bsp.c's chunk size, and one with a 3-byte length: MAC-only
 * segments, compared with OpenSSL's EVP_MAC CMAC; wrong MACs on the wire still chain. */
static void test_mac_lengths(void **state)
{
    (void)state;
    esim_bsp_keys k;
    for (int i = 0; i < 16; i++) {
        k.mcv[i] = (uint8_t)(0xF0 - i);
        k.s_enc[i] = (uint8_t)(0x11 * i);
        k.s_mac[i] = (uint8_t)(0x2B + 3 * i);
    }
    esim_bsp rx;
    esim_error e;
    assert_int_equal(esim_bsp_init(&rx, &k, &e), 0);
    size_t big = 70000;
    uint8_t *value = malloc(big + 8), *macin = malloc(16 + 10 + big);
    assert_non_null(value);
    assert_non_null(macin);
    for (size_t i = 0; i < big + 8; i++)
        value[i] = (uint8_t)(i * 13 + (i >> 8));
    for (size_t n = 0; n <= 2200; n += n < 1100 ? 1 : 7) {
        size_t len = n == 2200 ? big : n;
        uint8_t want[16];
        size_t o = 16, ml;
        memcpy(macin, rx.k.mcv, 16);
        macin[o++] = 0x88;
        size_t lcc = len + 8;
        if (lcc >= 65536) { macin[o++] = 0x83; macin[o++] = (uint8_t)(lcc >> 16); }
        else if (lcc >= 256) macin[o++] = 0x82;
        else if (lcc >= 128) macin[o++] = 0x81;
        if (lcc >= 256)
            macin[o++] = (uint8_t)(lcc >> 8);
        macin[o++] = (uint8_t)lcc;
        memcpy(macin + o, value, len);
        assert_non_null(EVP_Q_mac(NULL, "CMAC", NULL, "AES-128-CBC", NULL, k.s_mac, 16, macin,
                                  o + len, want, 16, &ml));
        esim_bsp_check chk;
        assert_int_equal(esim_bsp_unprotect(&rx, 0x88, false, value, lcc, NULL, &chk, &e), 0);
        assert_memory_equal(rx.k.mcv, want, 16);
        assert_memory_equal(chk.mac_computed, want, 8);
        assert_int_equal(chk.mac_ok, memcmp(value + len, want, 8) == 0);
    }
    free(value);
    free(macin);
    esim_bsp_free(&rx);
}

static int setup(void **state)
{
    const char *p = tu_shared_path("vectors/bsp-kdf.json");
    *state = NULL;
    if (!p)
        return 0; /* test_kat skips */
    json_object *root = json_object_from_file(p);
    assert_non_null(root);
    *state = root;
    return 0;
}

static int teardown(void **state)
{
    if (*state)
        json_object_put(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest own[] = {
        cmocka_unit_test(test_ecdh_both_ways),
        cmocka_unit_test(test_segments),
        cmocka_unit_test(test_mac_lengths),
    };
    const struct CMUnitTest kat[] = {
        cmocka_unit_test_setup_teardown(test_kat, setup, teardown),
    };
    int rc = cmocka_run_group_tests(own, NULL, NULL);
    /* the known answers live in ../shared: test_kat skips when it is absent */
    return rc + cmocka_run_group_tests(kat, NULL, NULL);
}
