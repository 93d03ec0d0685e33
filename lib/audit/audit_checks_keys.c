/* Test profile recognition and key checks: published test keys, trivial keys, test algorithm. */
#include <ctype.h>
#include <string.h>
#include "audit_internal.h"
#include "esim/hex.h"
#include "esim/known_keys.h"

static esim_audit_severity test_sev(const audit_ctx *c, const esim_audit_check *k)
{
    return c->opts->expect_test || c->opts->profile_class == 0 ? ESIM_AUDIT_INFO : k->severity;
}

/* Every symmetric key of the package, with its path. */
typedef void (*key_cb)(audit_ctx *c, const esim_audit_check *k, long pe, const char *path, const uint8_t *v,
                       size_t len, void *user);

static void for_each_key(const audit_ctx *cc, key_cb cb, audit_ctx *c, const esim_audit_check *k, void *user)
{
    for (size_t i = 0; i < cc->n; i++) {
        const ProfileElement_t *pe = cc->pes[i].pe;
        if (!pe)
            continue;
        if (pe->present == ProfileElement_PR_akaParameter &&
            pe->choice.akaParameter.algoConfiguration.present == PE_AKAParameter__algoConfiguration_PR_algoParameter) {
            const AlgoParameter_t *ap = &pe->choice.akaParameter.algoConfiguration.choice.algoParameter;
            cb(c, k, (long)i, "akaParameter/algoParameter/key", ap->key.buf, (size_t)ap->key.size, user);
            cb(c, k, (long)i, "akaParameter/algoParameter/opc", ap->opc.buf, (size_t)ap->opc.size, user);
        } else if (pe->present == ProfileElement_PR_cdmaParameter) {
            const OCTET_STRING_t *a = &pe->choice.cdmaParameter.authenticationKey;
            cb(c, k, (long)i, "cdmaParameter/authenticationKey", a->buf, (size_t)a->size, user);
        } else if (pe->present == ProfileElement_PR_securityDomain && pe->choice.securityDomain.keyList) {
            const PE_SecurityDomain_t *sd = &pe->choice.securityDomain;
            for (int j = 0; j < sd->keyList->list.count; j++) {
                const KeyObject_t *ko = sd->keyList->list.array[j];
                for (int m = 0; m < ko->keyComponents.list.count; m++) {
                    const OCTET_STRING_t *kd = &ko->keyComponents.list.array[m]->keyData;
                    char path[96];
                    snprintf(path, sizeof path, "securityDomain/keyList[%d] (KVN %02X, key id %02X)/keyData", j,
                             ko->keyVersionNumber.size ? ko->keyVersionNumber.buf[0] : 0,
                             ko->keyIdentifier.size ? ko->keyIdentifier.buf[0] : 0);
                    cb(c, k, (long)i, path, kd->buf, (size_t)kd->size, user);
                }
            }
        }
    }
}

static bool is_ts48(const esim_known_key *kk)
{
    return kk && strncmp(kk->source, "GSMA TS.48", 10) == 0;
}

static void evidence_key(audit_ctx *c, const esim_audit_check *k, long pe, const char *path, const uint8_t *v,
                         size_t len, void *user)
{
    (void)c, (void)k;
    audit_test_evidence *e = user;
    if (!e->known_key && is_ts48(esim_known_key_find(v, len))) {
        e->known_key = true;
        if (!e->first[0])
            snprintf(e->first, sizeof e->first, "PE #%ld %s is a published TS.48 key", pe, path);
    }
}

static bool contains_ci(const char *s, const char *needle)
{
    size_t n = strlen(needle);
    for (; *s; s++)
        if (strncasecmp(s, needle, n) == 0)
            return true;
    return false;
}

void audit_test_evidence_collect(const audit_ctx *c, audit_test_evidence *e)
{
    memset(e, 0, sizeof *e);
    const ProfileHeader_t *h = audit_header(c, NULL);
    if (h && h->profileType) {
        char t[101];
        snprintf(t, sizeof t, "%.*s", (int)(h->profileType->size > 100 ? 100 : h->profileType->size),
                 (const char *)h->profileType->buf);
        e->profile_type = contains_ci(t, "test profile") || contains_ci(t, "GSMA Generic eUICC");
    }
    e->test_algorithm = h && audit_service(h, "usim-test-algorithm");
    for (size_t i = 0; i < c->n && !e->test_algorithm; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        long v = -1;
        if (pe && pe->present == ProfileElement_PR_akaParameter &&
            pe->choice.akaParameter.algoConfiguration.present == PE_AKAParameter__algoConfiguration_PR_algoParameter &&
            asn_INTEGER2long(&pe->choice.akaParameter.algoConfiguration.choice.algoParameter.algorithmID, &v) == 0 &&
            v == AlgoParameter__algorithmID_usim_test_algorithm)
            e->test_algorithm = true;
    }
    for_each_key(c, evidence_key, (audit_ctx *)c, NULL, e);
    char imsi[17];
    bool bad;
    if (audit_imsi(c, imsi, &bad) >= 0 && !bad)
        e->test_imsi = strncmp(imsi, "001", 3) == 0;
    /* ICCID country code 00 (E.118 "89" + CC): no real issuer, used by TS.48 (8900...) */
    if (h && h->iccid.size == 10) {
        char d[21];
        esim_iccid_digits(h->iccid.buf, 10, d);
        e->test_iccid = strncmp(d, "8900", 4) == 0;
    }
}

AUDIT_CHECK(audit_test_profile)
{
    audit_test_evidence e;
    audit_test_evidence_collect(c, &e);
    bool weak = e.test_imsi && e.test_iccid;
    if (!(e.profile_type || e.known_key || e.test_algorithm || weak))
        return;
    char why[300];
    snprintf(why, sizeof why, "%s%s%s%s%s", e.profile_type ? "profileType names a test profile; " : "",
             e.known_key ? "it carries published TS.48 keys; " : "",
             e.test_algorithm ? "the NAA uses the test algorithm; " : "", e.test_imsi ? "IMSI in MCC 001; " : "",
             e.test_iccid ? "ICCID 8900... (no issuer country); " : "");
    size_t l = strlen(why);
    if (l >= 2)
        why[l - 2] = '\0';
    bool declared = c->opts->expect_test || c->opts->profile_class == 0;
    audit_emit_sev(c, k, test_sev(c, k), -1, "", "GSMA TS.48-style test profile (%s)%s", why,
                   declared ? "; declared a test profile" : "; not declared a test profile");
}

static void known_key(audit_ctx *c, const esim_audit_check *k, long pe, const char *path, const uint8_t *v,
                      size_t len, void *user)
{
    (void)user;
    const esim_known_key *kk = esim_known_key_find(v, len);
    char buf[80];
    if (kk)
        audit_emit_sev(c, k, test_sev(c, k), pe, path, "equals the %s (%s) %s", kk->name, kk->source,
                       audit_secret(c, v, len, buf, sizeof buf));
}

AUDIT_CHECK(audit_known_test_key)
{
    for_each_key(c, known_key, c, k, NULL);
}

static void trivial_key(audit_ctx *c, const esim_audit_check *k, long pe, const char *path, const uint8_t *v,
                        size_t len, void *user)
{
    (void)user;
    const char *why = esim_known_key_find(v, len) ? NULL : esim_key_trivial(v, len);
    char buf[80];
    if (why)
        audit_emit(c, k, pe, path, "%zu-byte key is a trivial pattern: %s %s", len, why,
                   audit_secret(c, v, len, buf, sizeof buf));
}

AUDIT_CHECK(audit_trivial_key)
{
    for_each_key(c, trivial_key, c, k, NULL);
}

AUDIT_CHECK(audit_test_algorithm)
{
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        long v = -1;
        if (pe && pe->present == ProfileElement_PR_akaParameter &&
            pe->choice.akaParameter.algoConfiguration.present == PE_AKAParameter__algoConfiguration_PR_algoParameter &&
            asn_INTEGER2long(&pe->choice.akaParameter.algoConfiguration.choice.algoParameter.algorithmID, &v) == 0 &&
            v == AlgoParameter__algorithmID_usim_test_algorithm)
            audit_emit_sev(c, k, test_sev(c, k), (long)i, "akaParameter/algoParameter/algorithmID",
                           "algorithmID is usim-test-algorithm (3GPP XOR test algorithm): no real authentication");
    }
}

/* Key lengths: Milenage K and OPc are 128 bits (3GPP TS 35.206); TUAK K is 128 or 256 bits and
 * TOPc 256 bits (3GPP TS 35.231); GlobalPlatform AES keys are 16, 24 or 32 bytes. */
AUDIT_CHECK(audit_key_length)
{
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        if (!pe)
            continue;
        if (pe->present == ProfileElement_PR_akaParameter &&
            pe->choice.akaParameter.algoConfiguration.present == PE_AKAParameter__algoConfiguration_PR_algoParameter) {
            const AlgoParameter_t *ap = &pe->choice.akaParameter.algoConfiguration.choice.algoParameter;
            long algo = -1;
            asn_INTEGER2long(&ap->algorithmID, &algo);
            size_t kl = (size_t)ap->key.size, ol = (size_t)ap->opc.size;
            bool tuak = algo == AlgoParameter__algorithmID_tuak;
            bool kok = tuak ? (kl == 16 || kl == 32) : kl == 16;
            bool ook = tuak ? ol == 32 : ol == 16;
            if (algo == AlgoParameter__algorithmID_usim_test_algorithm)
                kok = ook = true; /* the test algorithm takes any K length; its own finding covers it */
            if (!kok)
                audit_emit(c, k, (long)i, "akaParameter/algoParameter/key", "%s K is %zu bytes", tuak ? "TUAK" : "Milenage", kl);
            if (!ook)
                audit_emit(c, k, (long)i, "akaParameter/algoParameter/opc", "%s OPc is %zu bytes", tuak ? "TUAK TOPc" : "Milenage", ol);
        } else if (pe->present == ProfileElement_PR_securityDomain && pe->choice.securityDomain.keyList) {
            const PE_SecurityDomain_t *sd = &pe->choice.securityDomain;
            for (int j = 0; j < sd->keyList->list.count; j++) {
                const KeyObject_t *ko = sd->keyList->list.array[j];
                for (int m = 0; m < ko->keyComponents.list.count; m++) {
                    const OCTET_STRING_t *t = &ko->keyComponents.list.array[m]->keyType;
                    size_t l = (size_t)ko->keyComponents.list.array[m]->keyData.size;
                    if (t->size == 1 && t->buf[0] == 0x88 && l != 16 && l != 24 && l != 32) {
                        char path[96];
                        snprintf(path, sizeof path, "securityDomain/keyList[%d]/keyData", j);
                        audit_emit(c, k, (long)i, path, "AES key is %zu bytes (16, 24 or 32 expected)", l);
                    }
                }
            }
        }
    }
}
