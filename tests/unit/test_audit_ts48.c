/* Every GSMA TS.48 generic test profile in ../shared/data/ts48 is flagged test-profile and
 * known-test-key (errors by default, info when declared a test profile). Skips when ../shared
 * is absent. */
#include <dirent.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/audit.h"
#include "esim/hex.h"
#include "test_audit_util.h"
#include "testutil.h"

static const char *dir;

static size_t count_id(const esim_audit_report *r, const char *id, esim_audit_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += strcmp(r->findings[i].id, id) == 0 && r->findings[i].severity == sev;
    return n;
}

static void test_ts48(void **state)
{
    (void)state;
    TU_NEED_SHARED(dir, "data/ts48");
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".der"))
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        uint8_t *der = tu_read_file(path, &len);
        assert_non_null(der);
        esim_audit_report r;
        esim_error err;
        esim_audit_opts o = {.profile_class = -1};
        assert_int_equal(esim_audit_upp(der, len, &o, &r, &err), 0);
        fprintf(stderr, "%s: %zu findings, %zu errors\n", e->d_name, r.n, esim_audit_count(&r, ESIM_AUDIT_ERROR));
        assert_true(r.test_profile);
        assert_int_equal(count_id(&r, "test-profile", ESIM_AUDIT_ERROR), 1);
        /* NAA K and OPc of two NAAs, and six MNO-SD keys */
        assert_true(count_id(&r, "known-test-key", ESIM_AUDIT_ERROR) >= 8);
        /* the packages are well formed: no structural finding */
        static const char *const structural[] = {"pe-truncated", "pe-unknown", "pe-malformed", "header-not-first",
                                                  "end-not-last", "mf-missing", "pe-order", "duplicate-identification", "file-duplicate", "file-overflow", "arr-unresolved", "iccid-luhn",
                                                  "iccid-mismatch", "imsi-malformed"};
        for (size_t i = 0; i < sizeof structural / sizeof structural[0]; i++)
            assert_false(esim_audit_has(&r, structural[i]));
        esim_audit_report_free(&r);
        /* declared a test profile: the test findings become info */
        o.expect_test = true;
        assert_int_equal(esim_audit_upp(der, len, &o, &r, &err), 0);
        assert_int_equal(count_id(&r, "test-profile", ESIM_AUDIT_INFO), 1);
        assert_int_equal(count_id(&r, "known-test-key", ESIM_AUDIT_ERROR), 0);
        assert_true(count_id(&r, "known-test-key", ESIM_AUDIT_INFO) >= 8);
        esim_audit_report_free(&r);
        esim_wipe(der, len);
        free(der);
        files++;
    }
    closedir(d);
    assert_true(files >= 14);
}

/* A TS.48 package re-personalised as if for production (profileType, ICCID, Milenage instead of
 * the test algorithm, services adjusted) that kept the TS.48 keys is still a test profile. */
static void test_repersonalised(void **state)
{
    (void)state;
    TU_NEED_SHARED(dir, "data/ts48");
    char path[1024];
    snprintf(path, sizeof path, "%s/TS48v4_SAIP2.3_NoBERTLV.der", dir);
    size_t len;
    uint8_t *der = tu_read_file(path, &len);
    assert_non_null(der);
    pkg p;
    pkg_decode(der, len, &p);
    free(der);
    ProfileHeader_t *h = &p.pe[0]->choice.header;
    assert_int_equal(p.pe[0]->present, ProfileElement_PR_header);
    assert_int_equal(OCTET_STRING_fromString(h->profileType, "Acme Mobile consumer profile"), 0);
    ServicesList_t *sv = &h->eUICC_Mandatory_services;
    sv->milenage = sv->usim_test_algorithm;
    sv->usim_test_algorithm = NULL;
    for (size_t i = 0; i < p.n; i++)
        if (p.pe[i]->present == ProfileElement_PR_akaParameter)
            assert_int_equal(asn_long2INTEGER(&p.pe[i]->choice.akaParameter.algoConfiguration.choice.algoParameter.algorithmID,
                                              AlgoParameter__algorithmID_milenage), 0);
    esim_audit_report r;
    audit_pkg(&p, &r);
    assert_true(r.test_profile);
    assert_false(esim_audit_has(&r, "test-algorithm"));
    bool by_keys = false;
    for (size_t i = 0; i < r.n; i++)
        if (strcmp(r.findings[i].id, "test-profile") == 0)
            by_keys = strstr(r.findings[i].message, "published TS.48 keys") != NULL &&
                      strstr(r.findings[i].message, "profileType") == NULL;
    assert_true(by_keys);
    esim_audit_report_free(&r);
    pkg_free(&p);
}

int main(void)
{
    dir = tu_shared_path("data/ts48"); /* NULL: each case skips */
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_ts48), cmocka_unit_test(test_repersonalised)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
