/* Access checks: RFM minimum security level, PIN/PUK/ADM values and states, applets. */
#include <string.h>
#include "audit_internal.h"
#include "esim/enum_names.h"
#include "esim/hex.h"
#include "esim/known_keys.h"

/* Minimum Security Level = first SPI byte (ETSI TS 102 225 5.1.1): b2b1 integrity (00 none,
 * 01 RC, 10 CC, 11 DS), b3 ciphering, b5b4 counter (00 none, 01 not checked, 10 higher,
 * 11 one higher). */
static void each_rfm(audit_ctx *c, const esim_audit_check *k, int what)
{
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        if (!pe || pe->present != ProfileElement_PR_rfm || pe->choice.rfm.minimumSecurityLevel.size != 1)
            continue;
        uint8_t msl = pe->choice.rfm.minimumSecurityLevel.buf[0];
        char aid[40];
        const OCTET_STRING_t *a = &pe->choice.rfm.instanceAID;
        esim_hex(a->buf, a->size > 16 ? 16 : (size_t)a->size, aid);
        if (what == 0 && (msl & 0x03) == 0)
            audit_emit(c, k, (long)i, "rfm/minimumSecurityLevel",
                       "RFM %s minimum security level %02X requires no checksum or signature", aid, msl);
        if (what == 1 && (msl & 0x04) == 0)
            audit_emit(c, k, (long)i, "rfm/minimumSecurityLevel",
                       "RFM %s minimum security level %02X does not require ciphering", aid, msl);
        if (what == 2 && (msl & 0x18) < 0x10)
            audit_emit(c, k, (long)i, "rfm/minimumSecurityLevel",
                       "RFM %s minimum security level %02X does not require a checked counter", aid, msl);
    }
}

AUDIT_CHECK(audit_rfm_no_integrity) { each_rfm(c, k, 0); }
AUDIT_CHECK(audit_rfm_no_ciphering) { each_rfm(c, k, 1); }
AUDIT_CHECK(audit_rfm_no_counter) { each_rfm(c, k, 2); }

static bool is_adm(long ref)
{
    return (ref >= 10 && ref <= 14) || (ref >= 138 && ref <= 142);
}

static const char *ref_name(const char *type, long ref, char *buf, size_t cap)
{
    const char *n = esim_enum_lookup(type, ref);
    snprintf(buf, cap, "%s", n ? n : "key reference");
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = '-';
    return buf;
}

static const char *value_weak(const OCTET_STRING_t *v)
{
    const char *why = esim_pin_trivial(v->buf, (size_t)v->size);
    if (!why) {
        bool digits = true;
        for (int i = 0; i < v->size && v->buf[i] != 0xFF; i++)
            digits &= v->buf[i] >= '0' && v->buf[i] <= '9';
        if (!digits)
            why = esim_key_trivial(v->buf, (size_t)v->size);
    }
    return why;
}

AUDIT_CHECK(audit_default_pin)
{
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        char nm[48], buf[40], path[96];
        if (pe && pe->present == ProfileElement_PR_pinCodes &&
            pe->choice.pinCodes.pinCodes.present == PE_PINCodes__pinCodes_PR_pinconfig) {
            const struct PE_PINCodes__pinCodes__pinconfig *l = &pe->choice.pinCodes.pinCodes.choice.pinconfig;
            for (int j = 0; j < l->list.count; j++) {
                long ref = -1;
                asn_INTEGER2long(&l->list.array[j]->keyReference, &ref);
                const char *why = value_weak(&l->list.array[j]->pinValue);
                snprintf(path, sizeof path, "pinCodes/pinconfig[%d] (%s)", j, ref_name("PINKeyReferenceValue", ref, nm, sizeof nm));
                if (why)
                    audit_emit(c, k, (long)i, path, "%s %ld is %s %s", is_adm(ref) ? "ADM" : "PIN", ref, why,
                               audit_secret(c, l->list.array[j]->pinValue.buf, (size_t)l->list.array[j]->pinValue.size,
                                            buf, sizeof buf));
            }
        } else if (pe && pe->present == ProfileElement_PR_pukCodes) {
            const PE_PUKCodes_t *p = &pe->choice.pukCodes;
            for (int j = 0; j < p->pukCodes.list.count; j++) {
                long ref = -1;
                asn_INTEGER2long(&p->pukCodes.list.array[j]->keyReference, &ref);
                const char *why = value_weak(&p->pukCodes.list.array[j]->pukValue);
                snprintf(path, sizeof path, "pukCodes[%d] (%s)", j, ref_name("PUKKeyReferenceValue", ref, nm, sizeof nm));
                if (why)
                    audit_emit(c, k, (long)i, path, "PUK %ld is %s %s", ref, why,
                               audit_secret(c, p->pukCodes.list.array[j]->pukValue.buf,
                                            (size_t)p->pukCodes.list.array[j]->pukValue.size, buf, sizeof buf));
            }
        }
    }
}

/* pinAttributes (TCA PINConfiguration, default 7): bit 1 set = the PIN is enabled. An ADM
 * code that is disabled lets anyone perform administrative file updates. */
AUDIT_CHECK(audit_adm_disabled)
{
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        if (!pe || pe->present != ProfileElement_PR_pinCodes ||
            pe->choice.pinCodes.pinCodes.present != PE_PINCodes__pinCodes_PR_pinconfig)
            continue;
        const struct PE_PINCodes__pinCodes__pinconfig *l = &pe->choice.pinCodes.pinCodes.choice.pinconfig;
        for (int j = 0; j < l->list.count; j++) {
            long ref = -1;
            asn_INTEGER2long(&l->list.array[j]->keyReference, &ref);
            const long *attr = l->list.array[j]->pinAttributes;
            char nm[48], path[96];
            if (is_adm(ref) && attr && (*attr & 1) == 0) {
                snprintf(path, sizeof path, "pinCodes/pinconfig[%d] (%s)/pinAttributes", j,
                         ref_name("PINKeyReferenceValue", ref, nm, sizeof nm));
                audit_emit(c, k, (long)i, path, "ADM %ld has pinAttributes %ld: disabled", ref, *attr);
            }
        }
    }
}

static void hexs(const OCTET_STRING_t *os, char *out)
{
    esim_hex(os->buf, os->size > 16 ? 16 : (size_t)os->size, out);
}

AUDIT_CHECK(audit_applet)
{
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        if (!pe || pe->present != ProfileElement_PR_application)
            continue;
        const PE_Application_t *a = &pe->choice.application;
        char aid[40], cls[40], priv[40];
        if (a->loadBlock) {
            hexs(&a->loadBlock->loadPackageAID, aid);
            audit_emit(c, k, (long)i, "application/loadBlock", "load file %s (%d bytes of load block)", aid,
                       (int)a->loadBlock->loadBlockObject.size);
        }
        for (int j = 0; a->instanceList && j < a->instanceList->list.count; j++) {
            const ApplicationInstance_t *in = a->instanceList->list.array[j];
            char path[64];
            hexs(&in->instanceAID, aid);
            hexs(&in->classAID, cls);
            hexs(&in->applicationPrivileges, priv);
            snprintf(path, sizeof path, "application/instanceList[%d]", j);
            audit_emit(c, k, (long)i, path, "applet instance %s (class %s), privileges %s", aid, cls, priv);
        }
    }
}
