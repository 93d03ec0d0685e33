/* Helpers for the audit tests: the project's own production-like package (lib/saip_build) as a
 * list of decoded PEs that a test mutates and re-encodes. */
#ifndef TEST_AUDIT_UTIL_H
#define TEST_AUDIT_UTIL_H
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "ProfileElement.h"
#include "esim/audit.h"
#include "esim/hex.h"
#include "esim/saip.h"
#include "esim/saip_build.h"
#include "esim/tlv.h"

#define PKG_MAX 64
typedef struct pkg {
    ProfileElement_t *pe[PKG_MAX];
    size_t n;
} pkg;

static __attribute__((unused)) void pkg_decode(const uint8_t *der, size_t len, pkg *p)
{
    size_t off = 0;
    memset(p, 0, sizeof *p);
    while (off < len) {
        esim_tlv t;
        esim_error e;
        assert_int_equal(esim_tlv_parse(der + off, len - off, off, &t, &e), 0);
        ProfileElement_t *pe = NULL;
        asn_dec_rval_t rv = ber_decode(NULL, &asn_DEF_ProfileElement, (void **)&pe, der + off, esim_tlv_total(&t));
        assert_int_equal(rv.code, RC_OK);
        assert_true(p->n < PKG_MAX);
        p->pe[p->n++] = pe;
        off += esim_tlv_total(&t);
    }
}

typedef struct obuf {
    uint8_t *d;
    size_t n, cap;
} obuf;

static __attribute__((unused)) int obuf_put(const void *data, size_t size, void *key)
{
    obuf *o = key;
    if (o->n + size > o->cap) {
        size_t cap = (o->n + size) * 2;
        uint8_t *d = realloc(o->d, cap);
        if (!d)
            return -1;
        o->d = d;
        o->cap = cap;
    }
    memcpy(o->d + o->n, data, size);
    o->n += size;
    return 0;
}

static __attribute__((unused)) uint8_t *pkg_encode(const pkg *p, size_t *len)
{
    obuf o = {0};
    for (size_t i = 0; i < p->n; i++) {
        asn_enc_rval_t er = der_encode(&asn_DEF_ProfileElement, p->pe[i], obuf_put, &o);
        assert_true(er.encoded > 0);
    }
    *len = o.n;
    return o.d;
}

static __attribute__((unused)) void pkg_free(pkg *p)
{
    for (size_t i = 0; i < p->n; i++) {
        esim_saip_pe_wipe(p->pe[i]);
        ASN_STRUCT_FREE(asn_DEF_ProfileElement, p->pe[i]);
    }
    p->n = 0;
}

static __attribute__((unused)) ProfileElement_t *pkg_find(const pkg *p, int present)
{
    for (size_t i = 0; i < p->n; i++)
        if ((int)p->pe[i]->present == present)
            return p->pe[i];
    return NULL;
}

/* Production-like parameters: random keys (from esim_saip_build_params_init), a real-world
 * MCC, fixed non-trivial PIN/PUK/ADM values (random ones could be trivial by chance). */
static __attribute__((unused)) void baseline_params(esim_saip_build_params *bp)
{
    esim_error err;
    assert_int_equal(esim_saip_build_params_init(bp, &err), 0);
    snprintf(bp->imsi, sizeof bp->imsi, "%s", "262019876543210");
    snprintf(bp->pin1, sizeof bp->pin1, "%s", "7294");
    snprintf(bp->pin2, sizeof bp->pin2, "%s", "5038");
    snprintf(bp->adm1, sizeof bp->adm1, "%s", "83920571");
    snprintf(bp->puk1, sizeof bp->puk1, "%s", "48213906");
    snprintf(bp->puk2, sizeof bp->puk2, "%s", "90317264");
}

static __attribute__((unused)) void set_msl(pkg *p, uint8_t msl)
{
    ProfileElement_t *r = pkg_find(p, ProfileElement_PR_rfm);
    assert_non_null(r);
    assert_int_equal(r->choice.rfm.minimumSecurityLevel.size, 1);
    r->choice.rfm.minimumSecurityLevel.buf[0] = msl;
}

/* Builds the package from bp (wiped after) into p; the RFM minimum security level is the
 * builder's default 16 (CC + ciphering + counter higher). */
static __attribute__((unused)) void build_pkg(esim_saip_build_params *bp, pkg *p)
{
    uint8_t *der = NULL;
    size_t len = 0;
    esim_error err;
    assert_int_equal(esim_saip_build(bp, &der, &len, &err), 0);
    esim_saip_build_params_wipe(bp);
    pkg_decode(der, len, p);
    esim_wipe(der, len);
    free(der);
    assert_int_equal(pkg_find(p, ProfileElement_PR_rfm)->choice.rfm.minimumSecurityLevel.buf[0], 0x16);
}

static __attribute__((unused)) void baseline(pkg *p)
{
    esim_saip_build_params bp;
    baseline_params(&bp);
    build_pkg(&bp, p);
}

static __attribute__((unused)) void audit_pkg_opts(const pkg *p, const esim_audit_opts *o, esim_audit_report *rep)
{
    size_t len;
    uint8_t *der = pkg_encode(p, &len);
    esim_error err;
    assert_int_equal(esim_audit_upp(der, len, o, rep, &err), 0);
    esim_wipe(der, len);
    free(der);
}

static __attribute__((unused)) void audit_pkg(const pkg *p, esim_audit_report *rep)
{
    esim_audit_opts o = {.profile_class = -1};
    audit_pkg_opts(p, &o, rep);
}

static __attribute__((unused)) void dump(const esim_audit_report *rep)
{
    for (size_t i = 0; i < rep->n; i++)
        fprintf(stderr, "  finding %s (%s) PE %ld %s: %s\n", rep->findings[i].id,
                esim_audit_severity_name(rep->findings[i].severity), rep->findings[i].pe, rep->findings[i].path,
                rep->findings[i].message);
}

/* The distinct finding ids of rep are exactly ids (NULL-terminated). */
static __attribute__((unused)) void expect_ids(const esim_audit_report *rep, const char *const *ids)
{
    bool ok = true;
    for (size_t i = 0; i < rep->n; i++) {
        bool listed = false;
        for (size_t j = 0; ids[j]; j++)
            listed |= strcmp(ids[j], rep->findings[i].id) == 0;
        ok &= listed;
    }
    for (size_t j = 0; ids[j]; j++)
        ok &= esim_audit_has(rep, ids[j]);
    if (!ok) {
        fprintf(stderr, "expected:");
        for (size_t j = 0; ids[j]; j++)
            fprintf(stderr, " %s", ids[j]);
        fprintf(stderr, "\ngot:\n");
        dump(rep);
    }
    assert_true(ok);
}
#define EXPECT(rep, ...) expect_ids(rep, (const char *const[]){__VA_ARGS__, NULL})
#endif
