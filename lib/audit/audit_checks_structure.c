/* Structure checks: PEs readable, header first, end last, unique identification numbers,
 * services of the header against the PEs present, known templates. */
#include <stdlib.h>
#include <string.h>
#include "audit_internal.h"

AUDIT_CHECK(audit_pe_truncated)
{
    if (c->truncated)
        audit_emit(c, k, (long)c->n, "", "PE at offset %zu is unreadable (%s); %zu PE(s) before it were audited",
                   c->trunc_offset, c->trunc_msg, c->n);
}

AUDIT_CHECK(audit_pe_unknown)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->pes[i].unknown)
            audit_emit(c, k, (long)i, "", "PE at offset %zu (%zu bytes) has tag number %d, not a ProfileElement of v3.3.1",
                       c->pes[i].offset, c->pes[i].len, c->pes[i].tag_number);
}

AUDIT_CHECK(audit_pe_malformed)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->pes[i].malformed)
            audit_emit(c, k, (long)i, audit_pe_name(c->pes[i].tag_number + 1), "PE at offset %zu (%zu bytes) %s",
                       c->pes[i].offset, c->pes[i].len, c->pes[i].why);
}

static size_t count_type(const audit_ctx *c, int present, long *first, long *last)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++)
        if (c->pes[i].pe && (int)c->pes[i].pe->present == present) {
            if (n++ == 0 && first)
                *first = (long)i;
            if (last)
                *last = (long)i;
        }
    return n;
}

AUDIT_CHECK(audit_header_first)
{
    long first = -1;
    size_t n = count_type(c, ProfileElement_PR_header, &first, NULL);
    if (n == 0) {
        /* a malformed header is reported as such; say it is missing only when none is there */
        if (!(c->n > 0 && c->pes[0].tag_number == 0))
            audit_emit(c, k, -1, "header", "the package has no ProfileHeader");
    } else if (n > 1)
        audit_emit(c, k, -1, "header", "the package has %zu ProfileHeaders", n);
    else if (first != 0)
        audit_emit(c, k, first, "header", "the ProfileHeader is PE #%ld, not the first PE", first);
}

AUDIT_CHECK(audit_end_last)
{
    long first = -1, last = -1;
    size_t n = count_type(c, ProfileElement_PR_end, &first, &last);
    if (n == 0) {
        if (!c->truncated)
            audit_emit(c, k, -1, "end", "the package has no PE-End");
    } else if (n > 1)
        audit_emit(c, k, last, "end", "the package has %zu PE-End elements", n);
    else if ((size_t)first != c->n - 1 || c->truncated)
        audit_emit(c, k, first, "end", "PE-End is PE #%ld but PEs follow it", first);
}

AUDIT_CHECK(audit_duplicate_identification)
{
    /* identification is a UInt15: first PE index per value (linear in the number of PEs) */
    long *first = malloc(32768 * sizeof *first);
    if (!first) {
        c->oom = true;
        return;
    }
    for (size_t v = 0; v < 32768; v++)
        first[v] = -1;
    for (size_t i = 0; i < c->n; i++) {
        long id = c->pes[i].ident;
        if (id < 0 || id > 32767)
            continue;
        if (first[id] < 0) {
            first[id] = (long)i;
            continue;
        }
        audit_emit(c, k, (long)i, audit_pe_name(c->pes[i].pe->present), "identification %ld is also used by PE #%ld (%s)",
                   id, first[id], audit_pe_name(c->pes[first[id]].pe->present));
    }
    free(first);
}

/* Which PE a service of the header requires (NAA services need their template PE). */
static const struct {
    const char *service;
    int present;
} SERVICE_PE[] = {
    {"usim", ProfileElement_PR_usim},
    {"isim", ProfileElement_PR_isim},
    {"csim", ProfileElement_PR_csim},
    {"eap", ProfileElement_PR_eap},
};

static bool has_algo(const audit_ctx *c, long algo)
{
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        if (!pe || pe->present != ProfileElement_PR_akaParameter ||
            pe->choice.akaParameter.algoConfiguration.present != PE_AKAParameter__algoConfiguration_PR_algoParameter)
            continue;
        long v = -1;
        if (asn_INTEGER2long(&pe->choice.akaParameter.algoConfiguration.choice.algoParameter.algorithmID, &v) == 0 &&
            v == algo)
            return true;
    }
    return false;
}

static const struct {
    const char *service;
    long algo;
} SERVICE_ALGO[] = {
    {"milenage", AlgoParameter__algorithmID_milenage},
    {"usim-test-algorithm", AlgoParameter__algorithmID_usim_test_algorithm},
};

AUDIT_CHECK(audit_service_pe_missing)
{
    long hi = -1;
    const ProfileHeader_t *h = audit_header(c, &hi);
    if (!h)
        return;
    for (size_t i = 0; i < sizeof SERVICE_PE / sizeof SERVICE_PE[0]; i++)
        if (audit_service(h, SERVICE_PE[i].service) && count_type(c, SERVICE_PE[i].present, NULL, NULL) == 0)
            audit_emit(c, k, hi, "header/eUICC-Mandatory-services", "service %s is listed but the package has no %s PE",
                       SERVICE_PE[i].service, audit_pe_name(SERVICE_PE[i].present));
    for (size_t i = 0; i < sizeof SERVICE_ALGO / sizeof SERVICE_ALGO[0]; i++)
        if (audit_service(h, SERVICE_ALGO[i].service) && !has_algo(c, SERVICE_ALGO[i].algo))
            audit_emit(c, k, hi, "header/eUICC-Mandatory-services",
                       "service %s is listed but no akaParameter PE uses that algorithm", SERVICE_ALGO[i].service);
}

AUDIT_CHECK(audit_service_not_listed)
{
    long hi = -1;
    const ProfileHeader_t *h = audit_header(c, &hi);
    if (!h)
        return;
    for (size_t i = 0; i < sizeof SERVICE_PE / sizeof SERVICE_PE[0]; i++) {
        long first = -1;
        if (count_type(c, SERVICE_PE[i].present, &first, NULL) && !audit_service(h, SERVICE_PE[i].service))
            audit_emit(c, k, first, audit_pe_name(SERVICE_PE[i].present),
                       "the package has a %s PE but the header does not list service %s",
                       audit_pe_name(SERVICE_PE[i].present), SERVICE_PE[i].service);
    }
    for (size_t i = 0; i < sizeof SERVICE_ALGO / sizeof SERVICE_ALGO[0]; i++)
        if (has_algo(c, SERVICE_ALGO[i].algo) && !audit_service(h, SERVICE_ALGO[i].service))
            audit_emit(c, k, -1, "akaParameter/algoParameter/algorithmID",
                       "an akaParameter PE uses %s but the header does not list that service", SERVICE_ALGO[i].service);
}

/* TCA templates live under {joint-iso-itu-t(2) international-organizations(23) tca(143)
 * euicc-profile(1) templates(2)}. */
AUDIT_CHECK(audit_unknown_template)
{
    static const long arc[] = {2, 23, 143, 1, 2};
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        if (!pe || pe->present < ProfileElement_PR_mf)
            continue;
        const asn_TYPE_member_t *alt = &asn_DEF_ProfileElement.elements[pe->present - 1];
        const asn_TYPE_descriptor_t *td = alt->type;
        for (int m = 0; m < td->elements_count; m++) {
            if (td->elements[m].type != &asn_DEF_OBJECT_IDENTIFIER || strcmp(td->elements[m].name, "templateID"))
                continue;
            const OBJECT_IDENTIFIER_t *oid = (const void *)((const char *)pe + alt->memb_offset + td->elements[m].memb_offset);
            long arcs[16];
            int n = OBJECT_IDENTIFIER_get_arcs(oid, arcs, sizeof arcs[0], 16);
            bool ok = n > 5 && n <= 16 && memcmp(arcs, arc, sizeof arc) == 0;
            if (!ok) {
                char txt[16 * 21] = "";
                size_t w = 0;
                for (int a = 0; a < n && a < 16 && w < sizeof txt - 22; a++)
                    w += (size_t)snprintf(txt + w, sizeof txt - w, a ? ".%ld" : "%ld", arcs[a]);
                audit_emit(c, k, (long)i, alt->name, "templateID %s is not a TCA template", n > 0 ? txt : "(invalid)");
            }
        }
    }
}

AUDIT_CHECK(audit_mf_missing)
{
    bool malformed_mf = false;
    for (size_t i = 0; i < c->n; i++)
        malformed_mf |= c->pes[i].malformed && c->pes[i].tag_number + 1 == ProfileElement_PR_mf;
    if (count_type(c, ProfileElement_PR_mf, NULL, NULL) == 0 && !malformed_mf && !c->truncated)
        audit_emit(c, k, -1, "mf", "the package has no MF PE (every file lives under the MF)");
}

/* Order rules: the MF exists before any other file system PE (they create files below it), and
 * an optional-files PE (opt-usim, opt-isim, opt-csim, opt-iot) follows the PE that creates its
 * ADF. */
AUDIT_CHECK(audit_pe_order)
{
    static const struct {
        int opt, base;
    } OPT[] = {{ProfileElement_PR_opt_usim, ProfileElement_PR_usim},
               {ProfileElement_PR_opt_isim, ProfileElement_PR_isim},
               {ProfileElement_PR_opt_csim, ProfileElement_PR_csim},
               {ProfileElement_PR_opt_iot, ProfileElement_PR_iot}};
    long mf = -1, first_of[sizeof OPT / sizeof OPT[0]];
    count_type(c, ProfileElement_PR_mf, &mf, NULL);
    for (size_t o = 0; o < sizeof OPT / sizeof OPT[0]; o++) {
        first_of[o] = -1;
        count_type(c, OPT[o].base, &first_of[o], NULL);
    }
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        if (!pe)
            continue;
        int t = (int)pe->present;
        bool fs = (t > ProfileElement_PR_mf) || t == ProfileElement_PR_genericFileManagement;
        if (fs && mf >= 0 && (long)i < mf)
            audit_emit(c, k, (long)i, audit_pe_name(t), "%s PE comes before the MF PE (PE #%ld)", audit_pe_name(t), mf);
        for (size_t o = 0; o < sizeof OPT / sizeof OPT[0]; o++) {
            long base = first_of[o];
            if (t == OPT[o].opt && base > (long)i)
                audit_emit(c, k, (long)i, audit_pe_name(t), "%s PE comes before the %s PE (PE #%ld) it extends",
                           audit_pe_name(t), audit_pe_name(OPT[o].base), base);
        }
    }
}
