/* Round trip through the generated ASN.1 types: every ProfileElement of the 14 TS.48 test
 * profiles (SAIP v3.3.1 PEDefinitions) and every SGP.26 test certificate (RFC 5280
 * Certificate) must BER-decode and DER-encode back to exactly the same bytes.
 * Reads ../shared in place; skips (77) when it is absent. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "Certificate.h"
#include "ProfileElement.h"
#include "testutil.h"

static const char *ts48_dir;
static const char *pki_dir;

struct outbuf {
    uint8_t *p;
    size_t n, cap;
};

static int collect(const void *data, size_t size, void *key)
{
    struct outbuf *o = key;
    if (o->n + size > o->cap) {
        size_t cap = (o->n + size) * 2;
        uint8_t *p = realloc(o->p, cap);
        if (!p)
            return -1;
        o->p = p;
        o->cap = cap;
    }
    memcpy(o->p + o->n, data, size);
    o->n += size;
    return 0;
}

/* Decodes one value of td at buf (up to len), re-encodes it in DER and checks the bytes.
 * Returns the number of bytes the value took. */
static size_t roundtrip_one(asn_TYPE_descriptor_t *td, const uint8_t *buf, size_t len,
                            const char *what, size_t offset)
{
    void *v = NULL;
    asn_dec_rval_t rv = ber_decode(NULL, td, &v, buf, len);
    if (rv.code != RC_OK)
        fail_msg("%s: %s does not decode at offset %zu (code %d)", what, td->name, offset,
                 (int)rv.code);
    struct outbuf o = {0};
    asn_enc_rval_t er = der_encode(td, v, collect, &o);
    if (er.encoded < 0)
        fail_msg("%s: %s at offset %zu does not re-encode (%s)", what, td->name, offset,
                 er.failed_type ? er.failed_type->name : "?");
    if ((size_t)er.encoded != rv.consumed || memcmp(o.p, buf, rv.consumed) != 0)
        fail_msg("%s: %s at offset %zu re-encodes differently (%zu -> %zd bytes)", what,
                 td->name, offset, rv.consumed, er.encoded);
    free(o.p);
    ASN_STRUCT_FREE(*td, v);
    return rv.consumed;
}

static int has_suffix(const char *s, const char *suf)
{
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

static void test_ts48_profiles(void **state)
{
    (void)state;
    TU_NEED_SHARED(ts48_dir, "data/ts48");
    DIR *d = opendir(ts48_dir);
    assert_non_null(d);
    int files = 0;
    size_t total_pes = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!has_suffix(e->d_name, ".der"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", ts48_dir, e->d_name);
        size_t len;
        uint8_t *buf = tu_read_file(path, &len);
        assert_non_null(buf);
        size_t off = 0, pes = 0, header = 0, end = 0;
        while (off < len) {
            /* First byte of each PE is the CHOICE tag: A0 header ... A0+10 end. */
            if (buf[off] == 0xA0)
                header++;
            if (buf[off] == 0xAA)
                end++;
            off += roundtrip_one(&asn_DEF_ProfileElement, buf + off, len - off, e->d_name, off);
            pes++;
        }
        assert_int_equal(off, len);
        /* A package starts with one header and ends with one end PE (SAIP v3.3.1). */
        assert_int_equal(header, 1);
        assert_int_equal(end, 1);
        assert_int_equal(buf[0], 0xA0);
        assert_true(pes > 5);
        total_pes += pes;
        printf("# %-32s %5zu bytes %3zu PEs round-trip\n", e->d_name, len, pes);
        free(buf);
        files++;
    }
    closedir(d);
    assert_int_equal(files, 14);
    printf("# %zu PEs in %d profiles\n", total_pes, files);
}

static void test_sgp26_certificates(void **state)
{
    (void)state;
    TU_NEED_SHARED(pki_dir, "data/sgp26-test-pki");
    DIR *d = opendir(pki_dir);
    assert_non_null(d);
    int certs = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[1024];
        snprintf(sub, sizeof sub, "%s/%s", pki_dir, e->d_name);
        DIR *s = opendir(sub);
        if (!s)
            continue;
        struct dirent *f;
        while ((f = readdir(s)) != NULL) {
            /* data_sig.der is a signature, not a certificate. */
            if (!has_suffix(f->d_name, ".der") || strncmp(f->d_name, "CERT_", 5) != 0)
                continue;
            char path[2048];
            snprintf(path, sizeof path, "%s/%s", sub, f->d_name);
            size_t len;
            uint8_t *buf = tu_read_file(path, &len);
            assert_non_null(buf);
            assert_int_equal(roundtrip_one(&asn_DEF_Certificate, buf, len, f->d_name, 0), len);
            free(buf);
            certs++;
        }
        closedir(s);
    }
    closedir(d);
    printf("# %d certificates round-trip\n", certs);
    assert_true(certs >= 12);
}

/* A truncated PE must be rejected, not read past its end. */
static void test_truncated_pe(void **state)
{
    (void)state;
    TU_NEED_SHARED(ts48_dir, "data/ts48");
    char path[1024];
    snprintf(path, sizeof path, "%s/TS48v4_SAIP2.3_NoBERTLV.der", ts48_dir);
    size_t len;
    uint8_t *buf = tu_read_file(path, &len);
    assert_non_null(buf);
    for (size_t cut = 1; cut < 40 && cut < len; cut++) {
        uint8_t *copy = malloc(cut);
        memcpy(copy, buf, cut);
        void *v = NULL;
        asn_dec_rval_t rv = ber_decode(NULL, &asn_DEF_ProfileElement, &v, copy, cut);
        assert_int_not_equal(rv.code, RC_OK);
        ASN_STRUCT_FREE(asn_DEF_ProfileElement, v);
        free(copy);
    }
    free(buf);
}

int main(void)
{
    /* tu_shared_path returns a static buffer: keep a copy of each path. */
    static char ts48[1024], pki[1024];
    const char *p = tu_shared_path("data/ts48");
    if (p) {
        snprintf(ts48, sizeof ts48, "%s", p);
        ts48_dir = ts48;
    }
    if ((p = tu_shared_path("data/sgp26-test-pki"))) {
        snprintf(pki, sizeof pki, "%s", p);
        pki_dir = pki;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ts48_profiles),
        cmocka_unit_test(test_sgp26_certificates),
        cmocka_unit_test(test_truncated_pe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
