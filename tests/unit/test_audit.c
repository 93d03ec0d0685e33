/* esimscope audit: the project's own production-like package passes clean, and each check has a
 * mutation of that package that triggers exactly that finding (plus the findings it implies,
 * named in the test). */
#include "test_audit_util.h"
#include <stdio.h>
#include "testutil.h"
#include "esim/known_keys.h"

static void run_baseline_mut(void (*mut)(pkg *), const char *const *ids)
{
    pkg p;
    esim_audit_report rep;
    baseline(&p);
    if (mut)
        mut(&p);
    audit_pkg(&p, &rep);
    expect_ids(&rep, ids);
    esim_audit_report_free(&rep);
    pkg_free(&p);
}

static void run_params(void (*tweak)(esim_saip_build_params *), const char *const *ids)
{
    esim_saip_build_params bp;
    pkg p;
    esim_audit_report rep;
    baseline_params(&bp);
    tweak(&bp);
    build_pkg(&bp, &p);
    audit_pkg(&p, &rep);
    expect_ids(&rep, ids);
    esim_audit_report_free(&rep);
    pkg_free(&p);
}
#define MUT(fn, ...) run_baseline_mut(fn, (const char *const[]){__VA_ARGS__, NULL})
#define PARAMS(fn, ...) run_params(fn, (const char *const[]){__VA_ARGS__, NULL})

static void test_clean(void **state)
{
    (void)state;
    pkg p;
    esim_audit_report rep;
    baseline(&p);
    audit_pkg(&p, &rep);
    if (rep.n)
        dump(&rep);
    assert_int_equal(rep.n, 0);
    assert_false(rep.test_profile);
    assert_int_equal(strlen(rep.iccid), 20);
    esim_audit_report_free(&rep);
    pkg_free(&p);
}

/* The builder's own defaults: IMSI in the test PLMN 001/01 (a default names no real network);
 * RFM MSL 16 (checksum, ciphering, counter) is clean. */
static void test_builder_defaults(void **state)
{
    (void)state;
    esim_saip_build_params bp;
    esim_error err;
    uint8_t *der;
    size_t len;
    esim_audit_report rep;
    assert_int_equal(esim_saip_build_params_init(&bp, &err), 0);
    snprintf(bp.pin1, sizeof bp.pin1, "%s", "7294");
    snprintf(bp.pin2, sizeof bp.pin2, "%s", "5038");
    snprintf(bp.adm1, sizeof bp.adm1, "%s", "83920571");
    snprintf(bp.puk1, sizeof bp.puk1, "%s", "48213906");
    snprintf(bp.puk2, sizeof bp.puk2, "%s", "90317264");
    assert_int_equal(esim_saip_build(&bp, &der, &len, &err), 0);
    esim_saip_build_params_wipe(&bp);
    esim_audit_opts o = {.profile_class = -1};
    assert_int_equal(esim_audit_upp(der, len, &o, &rep, &err), 0);
    EXPECT(&rep, "imsi-test-network");
    esim_audit_report_free(&rep);
    esim_wipe(der, len);
    free(der);
}

/* ---- structure ---- */
static void m_swap01(pkg *p)
{
    ProfileElement_t *t = p->pe[0];
    p->pe[0] = p->pe[1];
    p->pe[1] = t;
}
static void m_end_early(pkg *p)
{
    ProfileElement_t *t = p->pe[p->n - 1];
    p->pe[p->n - 1] = p->pe[p->n - 2];
    p->pe[p->n - 2] = t;
}
static void m_drop_mf(pkg *p)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->pe[i]->present == ProfileElement_PR_mf) {
            ASN_STRUCT_FREE(asn_DEF_ProfileElement, p->pe[i]);
            memmove(&p->pe[i], &p->pe[i + 1], (p->n - i - 1) * sizeof p->pe[0]);
            p->n--;
            return;
        }
}
static void m_usim_first(pkg *p) /* header, usim, mf, ... */
{
    size_t mf = 0, us = 0;
    for (size_t i = 0; i < p->n; i++) {
        if (p->pe[i]->present == ProfileElement_PR_mf)
            mf = i;
        if (p->pe[i]->present == ProfileElement_PR_usim)
            us = i;
    }
    assert_true(mf > 0 && us > mf);
    ProfileElement_t *t = p->pe[mf];
    p->pe[mf] = p->pe[us];
    p->pe[us] = t;
}
static void m_dup_ident(pkg *p)
{
    pkg_find(p, ProfileElement_PR_rfm)->choice.rfm.rfm_header.identification =
        pkg_find(p, ProfileElement_PR_securityDomain)->choice.securityDomain.sd_Header.identification;
}
static void m_isim_listed(pkg *p)
{
    ProfileHeader_t *h = &p->pe[0]->choice.header;
    h->eUICC_Mandatory_services.isim = calloc(1, sizeof(NULL_t));
}
static void m_usim_unlisted(pkg *p)
{
    ProfileHeader_t *h = &p->pe[0]->choice.header;
    free(h->eUICC_Mandatory_services.usim);
    h->eUICC_Mandatory_services.usim = NULL;
}
static void m_template(pkg *p)
{
    PE_USIM_t *u = &pkg_find(p, ProfileElement_PR_usim)->choice.usim;
    static const long arcs[] = {1, 3, 6, 1, 4, 1, 99999, 1};
    assert_int_equal(OBJECT_IDENTIFIER_set_arcs(&u->templateID, arcs, sizeof arcs[0], 8), 0);
}
static void m_iccid_size(pkg *p)
{
    p->pe[0]->choice.header.iccid.size = 9; /* wrong size inside a known PE: breaks SIZE (10) */
}

static Fcp_t *add_fcp(File_t *f) /* an explicit FCP, first in the file's list */
{
    struct File__Member *m = calloc(1, sizeof *m);
    assert_non_null(m);
    m->present = File__Member_PR_fileDescriptor;
    assert_int_equal(ASN_SEQUENCE_ADD(&f->list, m), 0);
    memmove(&f->list.array[1], &f->list.array[0], (size_t)(f->list.count - 1) * sizeof f->list.array[0]);
    f->list.array[0] = m;
    return &m->choice.fileDescriptor;
}
static void m_same_fid(pkg *p)
{
    PE_USIM_t *u = &pkg_find(p, ProfileElement_PR_usim)->choice.usim;
    add_fcp(&u->ef_spn)->fileID = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, "\x6F\x46", 2);
    add_fcp(&u->ef_est)->fileID = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, "\x6F\x46", 2);
}
static void m_same_sfi(pkg *p)
{
    PE_USIM_t *u = &pkg_find(p, ProfileElement_PR_usim)->choice.usim;
    add_fcp(&u->ef_spn)->shortEFID = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, "\x08", 1);
    add_fcp(&u->ef_est)->shortEFID = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, "\x08", 1);
}
static void m_overflow(pkg *p)
{
    PE_USIM_t *u = &pkg_find(p, ProfileElement_PR_usim)->choice.usim;
    add_fcp(&u->ef_spn)->efFileSize = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, "\x02", 1);
}

static void m_arr(pkg *p)
{
    PE_MF_t *mf = &pkg_find(p, ProfileElement_PR_mf)->choice.mf;
    Fcp_t *arr = add_fcp(&mf->ef_arr);
    arr->fileDescriptor = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, "\x42\x21\x00\x10", 4);
    arr->efFileSize = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, "\x30", 1); /* 3 records */
    add_fcp(&mf->ef_dir)->securityAttributesReferenced = OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, "\x2F\x06\x05", 3);
}
static void m_arr_ok(pkg *p) /* the same with record 3: resolvable, no finding */
{
    m_arr(p);
    PE_MF_t *mf = &pkg_find(p, ProfileElement_PR_mf)->choice.mf;
    mf->ef_dir.list.array[0]->choice.fileDescriptor.securityAttributesReferenced->buf[2] = 3;
}

static void test_structure(void **state)
{
    (void)state;
    MUT(m_swap01, "header-not-first");
    MUT(m_end_early, "end-not-last");
    MUT(m_dup_ident, "duplicate-identification");
    MUT(m_drop_mf, "mf-missing");
    MUT(m_usim_first, "pe-order");
    MUT(m_isim_listed, "service-pe-missing");
    MUT(m_usim_unlisted, "service-not-listed");
    MUT(m_template, "unknown-template");
    MUT(m_same_fid, "file-duplicate");
    MUT(m_same_sfi, "file-duplicate");
    MUT(m_overflow, "file-overflow");
    MUT(m_arr, "arr-unresolved");
    run_baseline_mut(m_arr_ok, (const char *const[]){NULL});
    MUT(m_iccid_size, "pe-malformed");
}

/* Raw-byte mutations: PE cut short, unknown PE, wrong types inside a known PE. */
static void audit_raw(const uint8_t *der, size_t len, esim_audit_report *rep)
{
    esim_audit_opts o = {.profile_class = -1};
    esim_error err;
    assert_int_equal(esim_audit_upp(der, len, &o, rep, &err), 0);
}

static uint8_t *insert_before_end(const pkg *p, const uint8_t *ins, size_t n, size_t *len)
{
    size_t l;
    uint8_t *der = pkg_encode(p, &l);
    /* the end PE is the last TLV: find its offset */
    size_t off = 0, last = 0;
    while (off < l) {
        esim_tlv t;
        esim_error e;
        assert_int_equal(esim_tlv_parse(der + off, l - off, off, &t, &e), 0);
        last = off;
        off += esim_tlv_total(&t);
    }
    uint8_t *out = malloc(l + n);
    memcpy(out, der, last);
    memcpy(out + last, ins, n);
    memcpy(out + last + n, der + last, l - last);
    esim_wipe(der, l);
    free(der);
    *len = l + n;
    return out;
}

static void test_malformed(void **state)
{
    (void)state;
    pkg p;
    esim_audit_report rep;
    size_t len;
    baseline(&p);
    /* unknown PE: context tag [48] */
    static const uint8_t unknown[] = {0xBF, 0x30, 0x03, 0x02, 0x01, 0x05};
    uint8_t *der = insert_before_end(&p, unknown, sizeof unknown, &len);
    audit_raw(der, len, &rep);
    EXPECT(&rep, "pe-unknown");
    esim_audit_report_free(&rep);
    free(der);
    /* rfm ([7]) whose content is an INTEGER: wrong type inside a known PE */
    static const uint8_t badrfm[] = {0xA7, 0x03, 0x02, 0x01, 0x00};
    der = insert_before_end(&p, badrfm, sizeof badrfm, &len);
    audit_raw(der, len, &rep);
    EXPECT(&rep, "pe-malformed");
    esim_audit_report_free(&rep);
    free(der);
    /* PE cut short: the last PE loses its last byte */
    der = pkg_encode(&p, &len);
    audit_raw(der, len - 1, &rep);
    EXPECT(&rep, "pe-truncated");
    esim_audit_report_free(&rep);
    /* every prefix: findings at error level, never a crash */
    for (size_t cut = 1; cut < len; cut++) {
        audit_raw(der, cut, &rep);
        assert_true(esim_audit_count(&rep, ESIM_AUDIT_ERROR) > 0);
        esim_audit_report_free(&rep);
    }
    /* every single-byte corruption: runs to the end */
    for (size_t i = 0; i < len; i += 7) {
        uint8_t keep = der[i];
        der[i] ^= 0x5A;
        audit_raw(der, len, &rep);
        esim_audit_report_free(&rep);
        der[i] = keep;
    }
    esim_error err;
    assert_int_equal(esim_audit_upp(der, 0, NULL, &rep, &err), -1);
    /* 50000 tiny PEs (PE-End, identification 7): linear time, every check still runs */
    static const uint8_t end7[] = {0xAA, 0x05, 0xA0, 0x03, 0x81, 0x01, 0x07};
    size_t many = 50000;
    uint8_t *big = malloc(many * sizeof end7);
    assert_non_null(big);
    for (size_t i = 0; i < many; i++)
        memcpy(big + i * sizeof end7, end7, sizeof end7);
    audit_raw(big, many * sizeof end7, &rep);
    EXPECT(&rep, "header-not-first", "end-not-last", "mf-missing", "duplicate-identification");
    assert_int_equal(rep.pe_count, many);
    esim_audit_report_free(&rep);
    free(big);
    esim_wipe(der, len);
    free(der);
    pkg_free(&p);
}

/* ---- test profile and keys ---- */
static void t_type(esim_saip_build_params *bp)
{
    snprintf(bp->profile_type, sizeof bp->profile_type, "%s", "GSMA Generic eUICC Test Profile");
}
static const uint8_t MILENAGE_TS1_K[16] = {0x46, 0x5B, 0x5C, 0xE8, 0xB1, 0x99, 0xB4, 0x9F,
                                           0xAA, 0x5F, 0x0A, 0x2E, 0xE2, 0x38, 0xA6, 0xBC};
static void t_k_milenage(esim_saip_build_params *bp) { memcpy(bp->k, MILENAGE_TS1_K, 16); }
static void t_k_ts48(esim_saip_build_params *bp)
{
    for (int i = 0; i < 16; i++)
        bp->k[i] = (uint8_t)i;
}
static void t_sd_ts48(esim_saip_build_params *bp)
{
    static const uint8_t kic[16] = {0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD,
                                    0x11, 0x22, 0x33, 0x44, 0x55, 0xEE, 0xFF, 0x10};
    memcpy(bp->scp80_kic, kic, 16);
}
static void t_trivial(esim_saip_build_params *bp) { memset(bp->scp80_kid, 0x11, 16); }
static void t_trivial_opc(esim_saip_build_params *bp)
{
    for (int i = 0; i < 16; i++)
        bp->opc[i] = (uint8_t)(0xA0 + i);
}
static void m_test_algo(pkg *p)
{
    PE_AKAParameter_t *a = &pkg_find(p, ProfileElement_PR_akaParameter)->choice.akaParameter;
    assert_int_equal(asn_long2INTEGER(&a->algoConfiguration.choice.algoParameter.algorithmID,
                                      AlgoParameter__algorithmID_usim_test_algorithm), 0);
    ServicesList_t *s = &p->pe[0]->choice.header.eUICC_Mandatory_services;
    s->usim_test_algorithm = s->milenage;
    s->milenage = NULL;
}

static void m_short_k(pkg *p)
{
    pkg_find(p, ProfileElement_PR_akaParameter)->choice.akaParameter.algoConfiguration.choice.algoParameter.key.size = 8;
}
static void m_short_sd(pkg *p)
{
    PE_SecurityDomain_t *sd = &pkg_find(p, ProfileElement_PR_securityDomain)->choice.securityDomain;
    sd->keyList->list.array[0]->keyComponents.list.array[0]->keyData.size = 10;
}

static void test_keys(void **state)
{
    (void)state;
    PARAMS(t_type, "test-profile");
    PARAMS(t_k_milenage, "known-test-key");
    /* re-personalised package that kept TS.48 keys: a test profile */
    PARAMS(t_k_ts48, "known-test-key", "test-profile");
    PARAMS(t_sd_ts48, "known-test-key", "test-profile");
    PARAMS(t_trivial, "trivial-key");
    PARAMS(t_trivial_opc, "trivial-key");
    /* the test algorithm is itself test-profile evidence */
    MUT(m_test_algo, "test-algorithm", "test-profile");
    MUT(m_short_k, "key-length");
    MUT(m_short_sd, "key-length");
}

/* ---- identity ---- */
static void t_iccid_luhn(esim_saip_build_params *bp)
{
    /* 8988299000000012342 is valid (Luhn check digit 2, worked out by hand); 3 is wrong */
    snprintf(bp->iccid, sizeof bp->iccid, "%s", "8988299000000012343");
}
static void t_iccid_not89(esim_saip_build_params *bp)
{
    /* Luhn-valid (check digit 5) but not starting with 89 */
    snprintf(bp->iccid, sizeof bp->iccid, "%s", "1234567890123456785");
}
static void m_ef_iccid(pkg *p)
{
    PE_MF_t *mf = &pkg_find(p, ProfileElement_PR_mf)->choice.mf;
    for (int i = 0; i < mf->ef_iccid.list.count; i++)
        if (mf->ef_iccid.list.array[i]->present == File__Member_PR_fillFileContent) {
            OCTET_STRING_t *os = &mf->ef_iccid.list.array[i]->choice.fillFileContent;
            assert_int_equal(os->size, 10);
            os->buf[5] ^= 0x11; /* one digit pair differs */
            return;
        }
    fail_msg("no EF.ICCID content");
}
static void m_imsi_parity(pkg *p)
{
    PE_USIM_t *u = &pkg_find(p, ProfileElement_PR_usim)->choice.usim;
    for (int i = 0; i < u->ef_imsi.list.count; i++)
        if (u->ef_imsi.list.array[i]->present == File__Member_PR_fillFileContent) {
            u->ef_imsi.list.array[i]->choice.fillFileContent.buf[1] ^= 0x08; /* parity bit */
            return;
        }
    fail_msg("no EF.IMSI content");
}
static void t_imsi_001(esim_saip_build_params *bp) { snprintf(bp->imsi, sizeof bp->imsi, "%s", "001010000012345"); }
static void t_imsi_mcc(esim_saip_build_params *bp) { snprintf(bp->imsi, sizeof bp->imsi, "%s", "100019876543210"); }

static void test_identity(void **state)
{
    (void)state;
    PARAMS(t_iccid_luhn, "iccid-luhn");
    PARAMS(t_iccid_not89, "iccid-malformed");
    MUT(m_ef_iccid, "iccid-mismatch");
    MUT(m_imsi_parity, "imsi-malformed");
    PARAMS(t_imsi_001, "imsi-test-network");
    PARAMS(t_imsi_mcc, "imsi-mcc");
}

/* ---- access ---- */
static void m_msl_14(pkg *p) { set_msl(p, 0x14); }
static void m_msl_12(pkg *p) { set_msl(p, 0x12); }
static void m_msl_06(pkg *p) { set_msl(p, 0x06); }
static void t_pin_default(esim_saip_build_params *bp) { snprintf(bp->pin1, sizeof bp->pin1, "%s", "0000"); }
static void t_puk_seq(esim_saip_build_params *bp) { snprintf(bp->puk2, sizeof bp->puk2, "%s", "23456789"); }
static void m_adm_disabled(pkg *p)
{
    for (size_t i = 0; i < p->n; i++) {
        if (p->pe[i]->present != ProfileElement_PR_pinCodes)
            continue;
        struct PE_PINCodes__pinCodes__pinconfig *l = &p->pe[i]->choice.pinCodes.pinCodes.choice.pinconfig;
        for (int j = 0; j < l->list.count; j++) {
            long ref = 0;
            asn_INTEGER2long(&l->list.array[j]->keyReference, &ref);
            if (ref == 10) {
                assert_non_null(l->list.array[j]->pinAttributes);
                *l->list.array[j]->pinAttributes = 2;
                return;
            }
        }
    }
    fail_msg("no ADM1");
}
static OCTET_STRING_t os_of(const uint8_t *b, size_t n)
{
    OCTET_STRING_t o = {0};
    assert_int_equal(OCTET_STRING_fromBuf(&o, (const char *)b, (int)n), 0);
    return o;
}
static void m_applet(pkg *p)
{
    static const uint8_t pkgaid[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x01}, cls[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x01, 0x01},
                         inst[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x01, 0x01, 0x01}, priv[] = {0x00, 0x00, 0x00},
                         c9[] = {0x00}, blk[] = {0xC4, 0x02, 0x01, 0x02};
    ProfileElement_t *pe = calloc(1, sizeof *pe);
    pe->present = ProfileElement_PR_application;
    PE_Application_t *a = &pe->choice.application;
    a->app_Header.identification = 99;
    a->loadBlock = calloc(1, sizeof *a->loadBlock);
    a->loadBlock->loadPackageAID = os_of(pkgaid, sizeof pkgaid);
    a->loadBlock->loadBlockObject = os_of(blk, sizeof blk);
    a->instanceList = calloc(1, sizeof *a->instanceList);
    ApplicationInstance_t *in = calloc(1, sizeof *in);
    in->applicationLoadPackageAID = os_of(pkgaid, sizeof pkgaid);
    in->classAID = os_of(cls, sizeof cls);
    in->instanceAID = os_of(inst, sizeof inst);
    in->applicationPrivileges = os_of(priv, sizeof priv);
    in->applicationSpecificParametersC9 = os_of(c9, sizeof c9);
    assert_int_equal(ASN_SEQUENCE_ADD(&a->instanceList->list, in), 0);
    assert_true(p->n < PKG_MAX);
    p->pe[p->n] = p->pe[p->n - 1]; /* before the end PE */
    p->pe[p->n - 1] = pe;
    p->n++;
}

static void test_access(void **state)
{
    (void)state;
    MUT(m_msl_14, "rfm-no-integrity");
    MUT(m_msl_12, "rfm-no-ciphering");
    MUT(m_msl_06, "rfm-no-counter");
    PARAMS(t_pin_default, "default-pin");
    PARAMS(t_puk_seq, "default-pin");
    MUT(m_adm_disabled, "adm-disabled");
    MUT(m_applet, "applet");
}

/* Every check in the table is exercised above (kept in sync by hand: this list fails when a
 * check is added without a test). */
static void test_table(void **state)
{
    (void)state;
    static const char *const tested[] = {
        "pe-truncated", "pe-unknown", "pe-malformed", "header-not-first", "end-not-last", "mf-missing",
        "pe-order", "duplicate-identification", "service-pe-missing", "service-not-listed", "unknown-template",
        "file-duplicate", "file-overflow", "arr-unresolved",
        "test-profile", "known-test-key", "trivial-key", "test-algorithm", "key-length", "iccid-malformed", "iccid-luhn",
        "iccid-mismatch", "imsi-malformed", "imsi-test-network", "imsi-mcc", "rfm-no-integrity",
        "rfm-no-ciphering", "rfm-no-counter", "default-pin", "adm-disabled", "applet"};
    size_t n;
    const esim_audit_check *c = esim_audit_checks(&n);
    assert_int_equal(n, sizeof tested / sizeof tested[0]);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(c[i].id, tested[i]);
        assert_non_null(c[i].run);
        assert_true(strlen(c[i].summary) > 10 && strlen(c[i].reference) > 5);
        for (const char *s = c[i].id; *s; s++)
            assert_true((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-');
        assert_ptr_equal(esim_audit_check_find(c[i].id), &c[i]);
    }
}

/* ---- options: expect-test, masking, policy, JSON ---- */
static void test_options(void **state)
{
    (void)state;
    esim_saip_build_params bp;
    pkg p;
    esim_audit_report rep;
    baseline_params(&bp);
    t_k_ts48(&bp);
    t_type(&bp);
    build_pkg(&bp, &p);
    /* masked by default */
    audit_pkg(&p, &rep);
    assert_true(esim_audit_count(&rep, ESIM_AUDIT_ERROR) >= 2);
    for (size_t i = 0; i < rep.n; i++)
        assert_null(strstr(rep.findings[i].message, "000102030405060708090A0B0C0D0E0F"));
    esim_audit_report_free(&rep);
    /* --show-keys */
    esim_audit_opts o = {.profile_class = -1, .show_keys = true};
    audit_pkg_opts(&p, &o, &rep);
    bool shown = false;
    for (size_t i = 0; i < rep.n; i++)
        shown |= strstr(rep.findings[i].message, "000102030405060708090A0B0C0D0E0F") != NULL;
    assert_true(shown);
    esim_audit_report_free(&rep);
    /* declared test profile (--expect-test, or StoreMetadata profileClass test) */
    esim_audit_opts t1 = {.profile_class = -1, .expect_test = true}, t2 = {.profile_class = 0};
    const esim_audit_opts *decl[] = {&t1, &t2};
    for (int d = 0; d < 2; d++) {
        audit_pkg_opts(&p, decl[d], &rep);
        EXPECT(&rep, "test-profile", "known-test-key");
        assert_int_equal(esim_audit_count(&rep, ESIM_AUDIT_WARNING), 0);
        esim_audit_report_free(&rep);
    }
    /* operational class: still an error */
    esim_audit_opts t3 = {.profile_class = 2};
    audit_pkg_opts(&p, &t3, &rep);
    assert_true(esim_audit_count(&rep, ESIM_AUDIT_ERROR) >= 2);
    esim_audit_report_free(&rep);
    /* policy */
    static const char pol[] = "# lab profiles\n"
                              "silence test-profile lab bench profile, never shipped\n"
                              "severity known-test-key warning keys are rotated at first OTA\n";
    esim_audit_policy *pp = NULL;
    esim_error err;
    assert_int_equal(esim_audit_policy_parse(pol, strlen(pol), "pol", &pp, &err), 0);
    esim_audit_opts t4 = {.profile_class = -1, .policy = pp};
    audit_pkg_opts(&p, &t4, &rep);
    assert_int_equal(esim_audit_count(&rep, ESIM_AUDIT_ERROR), 0);
    assert_true(esim_audit_count(&rep, ESIM_AUDIT_WARNING) >= 1);
    for (size_t i = 0; i < rep.n; i++) {
        if (strcmp(rep.findings[i].id, "test-profile") == 0)
            assert_true(rep.findings[i].silenced);
        if (strcmp(rep.findings[i].id, "known-test-key") == 0) {
            assert_int_equal(rep.findings[i].severity, ESIM_AUDIT_WARNING);
            assert_int_equal(rep.findings[i].default_severity, ESIM_AUDIT_ERROR);
            assert_string_equal(rep.findings[i].policy_reason, "keys are rotated at first OTA");
        }
    }
    /* JSON */
    json_object *j = esim_audit_report_json(&rep, "x.der");
    json_object *f, *counts, *e;
    assert_true(json_object_object_get_ex(j, "findings", &f));
    assert_int_equal(json_object_array_length(f), rep.n);
    assert_true(json_object_object_get_ex(j, "counts", &counts));
    assert_true(json_object_object_get_ex(counts, "error", &e));
    assert_int_equal(json_object_get_int(e), 0);
    json_object_put(j);
    esim_audit_report_free(&rep);
    esim_audit_policy_free(pp);
    /* policy errors name the line */
    static const char *const bad[] = {"silence no-such-check because\n", "silence test-profile\n",
                                      "severity test-profile fatal because\n", "ignore test-profile x\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pp = NULL;
        assert_int_equal(esim_audit_policy_parse(bad[i], strlen(bad[i]), "pol", &pp, &err), -1);
        assert_non_null(strstr(err.msg, "pol:1:"));
        assert_null(pp);
    }
    pkg_free(&p);
}

static void test_known_keys(void **state)
{
    (void)state;
    uint8_t v[16];
    for (int i = 0; i < 16; i++)
        v[i] = (uint8_t)i;
    assert_non_null(esim_known_key_find(v, 16));
    assert_null(esim_known_key_find(v, 15));
    v[15] ^= 1;
    assert_null(esim_known_key_find(v, 16));
    assert_non_null(esim_key_trivial((const uint8_t *)"\x05\x05\x05\x05\x05\x05\x05\x05", 8));
    assert_non_null(esim_key_trivial((const uint8_t *)"\x09\x08\x07\x06\x05\x04\x03\x02", 8));
    assert_non_null(esim_key_trivial((const uint8_t *)"\x12\x34\x12\x34\x12\x34\x12\x34", 8));
    assert_null(esim_key_trivial((const uint8_t *)"\x12\x34\x56\x78\x9A\xBC\xDE\xF1", 8));
    assert_non_null(esim_pin_trivial((const uint8_t *)"1234\xFF\xFF\xFF\xFF", 8));
    assert_non_null(esim_pin_trivial((const uint8_t *)"7777\xFF\xFF\xFF\xFF", 8));
    assert_null(esim_pin_trivial((const uint8_t *)"7294\xFF\xFF\xFF\xFF", 8));
}

/* tests/data/audit_clean.der: the baseline package as a fixture for tests/cli/audit.sh (written
 * by this test when ESIM_AUDIT_WRITE_FIXTURE=1, checked clean on every run). */
static void test_fixture(void **state)
{
    (void)state;
    const char *path = ESIM_SOURCE_DIR "/tests/data/audit_clean.der";
    if (getenv("ESIM_AUDIT_WRITE_FIXTURE")) {
        pkg p;
        size_t len;
        baseline(&p);
        uint8_t *der = pkg_encode(&p, &len);
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(der, 1, len, f), len);
        fclose(f);
        free(der);
        pkg_free(&p);
    }
    size_t len;
    uint8_t *der = tu_read_file(path, &len);
    assert_non_null(der);
    esim_audit_report rep;
    audit_raw(der, len, &rep);
    if (rep.n)
        dump(&rep);
    assert_int_equal(rep.n, 0);
    esim_audit_report_free(&rep);
    free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean),     cmocka_unit_test(test_builder_defaults), cmocka_unit_test(test_structure),
        cmocka_unit_test(test_malformed), cmocka_unit_test(test_keys),             cmocka_unit_test(test_identity),
        cmocka_unit_test(test_access),    cmocka_unit_test(test_table),            cmocka_unit_test(test_options),
        cmocka_unit_test(test_known_keys), cmocka_unit_test(test_fixture),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
