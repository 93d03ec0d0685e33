/* SAIP profile package builder (TCA eUICC Profile Package v3.3.1) through the asn1c types. */
#include "esim/luhn.h"
#include "esim/saip_build.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include "ProfileElement.h"
#include "esim/hex.h"
#include "esim/saip.h"

/* Template OIDs (SAIP: id-MF, id-USIM), GlobalPlatform / ETSI values used by the PEs. */
#define OID_TEMPLATE_MF "2.23.143.1.2.1"
#define OID_TEMPLATE_USIM "2.23.143.1.2.4"
static const uint8_t USIM_AID[] = {0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0x89, 0x07, 0x09, 0x00, 0x00};
static const uint8_t ISD_P_PKG[] = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50};
static const uint8_t ISD_P_CLASS[] = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x53, 0x50, 0x41};
static const uint8_t ISD_P_MNO_SD[] = {0xA0, 0x00, 0x00, 0x01, 0x51, 0x00, 0x00, 0x00};
static const uint8_t RFM_USIM_AID[] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0x00, 0x01};

/* Key sets of the MNO-SD: KVN, key id, key usage qualifier, key type (GP Card Spec 11.1.8
 * key usage, 88 = AES, 85 = TLS pre-shared key). */
struct sd_key {
    uint8_t kvn, kid, usage, type;
    size_t param_off;
};
#define PK(f) offsetof(esim_saip_build_params, f)
static const struct sd_key SD_KEYS[] = {
    {0x01, 0x01, 0x18, 0x88, PK(scp80_kic)}, {0x01, 0x02, 0x14, 0x88, PK(scp80_kid)},
    {0x01, 0x03, 0x48, 0x88, PK(scp80_kik)}, {0x40, 0x01, 0x3C, 0x85, PK(scp81_psk)},
    {0x40, 0x02, 0x48, 0x88, PK(scp81_dek)}, {0x30, 0x01, 0x18, 0x88, PK(scp03_enc)},
    {0x30, 0x02, 0x14, 0x88, PK(scp03_mac)}, {0x30, 0x03, 0x48, 0x88, PK(scp03_dek)},
};

typedef struct {
    uint8_t *p;
    size_t n, cap;
    int oom;
} obuf;

static int obuf_put(const void *data, size_t size, void *key)
{
    obuf *o = key;
    if (o->n + size > o->cap) {
        size_t cap = (o->n + size) * 2 + 256;
        uint8_t *q = malloc(cap);
        if (!q) {
            o->oom = 1;
            return -1;
        }
        if (o->p) {
            memcpy(q, o->p, o->n);
            esim_wipe(o->p, o->cap);
            free(o->p);
        }
        o->p = q;
        o->cap = cap;
    }
    memcpy(o->p + o->n, data, size);
    o->n += size;
    return 0;
}

/* --- small setters; each returns 0 or -1 (out of memory) --- */
static int os_set(OCTET_STRING_t *os, const void *p, size_t n)
{
    return OCTET_STRING_fromBuf(os, (const char *)p, (int)n);
}

static OCTET_STRING_t *os_new(const void *p, size_t n)
{
    return OCTET_STRING_new_fromBuf(&asn_DEF_OCTET_STRING, (const char *)p, (int)n);
}

static int int_set(INTEGER_t *i, long v)
{
    return asn_long2INTEGER(i, v);
}

static INTEGER_t *int_new(long v)
{
    INTEGER_t *i = calloc(1, sizeof *i);
    if (i && int_set(i, v) != 0) {
        free(i);
        return NULL;
    }
    return i;
}

static long *long_new(long v)
{
    long *l = malloc(sizeof *l);
    if (l)
        *l = v;
    return l;
}

static int oid_set(OBJECT_IDENTIFIER_t *o, const char *dotted)
{
    long arcs[16];
    int n = OBJECT_IDENTIFIER_parse_arcs(dotted, -1, arcs, 16, NULL);
    if (n <= 0 || n > 16)
        return -1;
    return OBJECT_IDENTIFIER_set_arcs(o, arcs, sizeof arcs[0], (unsigned)n);
}

static NULL_t *null_new(void)
{
    return calloc(1, sizeof(NULL_t));
}

static int pe_header(PEHeader_t *h, long id)
{
    h->mandated = null_new();
    h->identification = id;
    return h->mandated ? 0 : -1;
}

/* Appends one File element: an FCP (fid may be NULL) or a fill content. */
static int file_fcp(File_t *f, const uint8_t *fid, const uint8_t *aid, size_t aid_len,
                    const uint8_t *pin_do, size_t pin_len)
{
    struct File__Member *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->present = File__Member_PR_fileDescriptor;
    Fcp_t *fcp = &m->choice.fileDescriptor;
    if ((fid && !(fcp->fileID = os_new(fid, 2))) || (aid && !(fcp->dfName = os_new(aid, aid_len))) ||
        (pin_do && !(fcp->pinStatusTemplateDO = os_new(pin_do, pin_len))) ||
        ASN_SEQUENCE_ADD(&f->list, m) != 0) {
        ASN_STRUCT_FREE(asn_DEF_File.elements[0].type[0], m);
        return -1;
    }
    return 0;
}

static int file_content(File_t *f, const uint8_t *data, size_t n)
{
    struct File__Member *m = calloc(1, sizeof *m);
    if (!m)
        return -1;
    m->present = File__Member_PR_fillFileContent;
    if (os_set(&m->choice.fillFileContent, data, n) != 0 || ASN_SEQUENCE_ADD(&f->list, m) != 0) {
        ASN_STRUCT_FREE(asn_DEF_File.elements[0].type[0], m);
        return -1;
    }
    return 0;
}

static File_t *file_new(void)
{
    return calloc(1, sizeof(File_t));
}

/* Digits to swapped-nibble BCD (EF.ICCID / TS 31.102 coding), F-padded to out_len. */
static void digits_to_bcd_swapped(const char *d, uint8_t *out, size_t out_len)
{
    memset(out, 0xFF, out_len);
    for (size_t i = 0; d[i] && i / 2 < out_len; i++) {
        uint8_t v = (uint8_t)(d[i] - '0');
        out[i / 2] = (i % 2) ? (uint8_t)((out[i / 2] & 0x0F) | (v << 4))
                             : (uint8_t)((out[i / 2] & 0xF0) | v);
    }
}

/* EF.IMSI (TS 31.102 4.2.2): length byte, then the digits after the parity nibble
 * (1 = IMSI, bit 4 set when the digit count is odd). */
static size_t imsi_to_ef(const char *imsi, uint8_t out[9])
{
    size_t n = strlen(imsi);
    char buf[18];
    buf[0] = (n % 2) ? '9' : '1';
    memcpy(buf + 1, imsi, n + 1);
    memset(out, 0xFF, 9);
    out[0] = (uint8_t)((n + 2) / 2);
    digits_to_bcd_swapped(buf, out + 1, 8);
    return 9;
}

static int digits_ok(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* PIN/PUK values are ASCII digits padded with FF to 8 bytes (TS 102 221 9.5.1). */
static void pin_value(const char *pin, uint8_t out[8])
{
    memset(out, 0xFF, 8);
    memcpy(out, pin, strlen(pin));
}

static int pin_add(struct PE_PINCodes__pinCodes__pinconfig *l, long ref, const char *pin,
                   long unblock, long attrs, long retries)
{
    PINConfiguration_t *c = calloc(1, sizeof *c);
    uint8_t v[8];
    if (!c)
        return -1;
    pin_value(pin, v);
    int rc = int_set(&c->keyReference, ref) | os_set(&c->pinValue, v, 8);
    esim_wipe(v, sizeof v);
    if (unblock && !(c->unblockingPINReference = int_new(unblock)))
        rc = -1;
    if (!(c->pinAttributes = long_new(attrs)) || !(c->maxNumOfAttemps_retryNumLeft = long_new(retries)))
        rc = -1;
    if (rc != 0 || ASN_SEQUENCE_ADD(&l->list, c) != 0) {
        ASN_STRUCT_FREE(asn_DEF_PINConfiguration, c);
        return -1;
    }
    return 0;
}

static int puk_add(PE_PUKCodes_t *pc, long ref, const char *puk)
{
    PUKConfiguration_t *c = calloc(1, sizeof *c);
    uint8_t v[8];
    if (!c)
        return -1;
    pin_value(puk, v);
    int rc = int_set(&c->keyReference, ref) | os_set(&c->pukValue, v, 8);
    esim_wipe(v, sizeof v);
    if (rc != 0 || ASN_SEQUENCE_ADD(&pc->pukCodes.list, c) != 0) {
        ASN_STRUCT_FREE(asn_DEF_PUKConfiguration, c);
        return -1;
    }
    return 0;
}

/* --- the PEs --- */
static int build_header(ProfileElement_t *pe, const esim_saip_build_params *p)
{
    ProfileHeader_t *h = &pe->choice.header;
    uint8_t iccid[10];
    pe->present = ProfileElement_PR_header;
    digits_to_bcd_swapped(p->iccid, iccid, sizeof iccid);
    h->major_version = (long)p->major_version;
    h->minor_version = (long)p->minor_version;
    if (os_set(&h->iccid, iccid, sizeof iccid))
        return -1;
    if (p->profile_type[0] &&
        !(h->profileType = (UTF8String_t *)os_new(p->profile_type, strlen(p->profile_type))))
        return -1;
    ServicesList_t *s = &h->eUICC_Mandatory_services;
    if (!(s->usim = null_new()) || !(s->milenage = null_new()))
        return -1;
    static const char *const gfste[] = {OID_TEMPLATE_MF, OID_TEMPLATE_USIM};
    for (size_t i = 0; i < sizeof gfste / sizeof gfste[0]; i++) {
        OBJECT_IDENTIFIER_t *o = calloc(1, sizeof *o);
        if (!o || oid_set(o, gfste[i]) != 0 || ASN_SEQUENCE_ADD(&h->eUICC_Mandatory_GFSTEList.list, o)) {
            if (o)
                ASN_STRUCT_FREE(asn_DEF_OBJECT_IDENTIFIER, o);
            return -1;
        }
    }
    return 0;
}

static int build_mf(ProfileElement_t *pe, const esim_saip_build_params *p, long id)
{
    PE_MF_t *mf = &pe->choice.mf;
    pe->present = ProfileElement_PR_mf;
    static const uint8_t mf_pins[] = {0x01, 0x0A, 0x0B};
    uint8_t iccid[10];
    digits_to_bcd_swapped(p->iccid, iccid, sizeof iccid);
    /* EF.DIR record: application template 61 { AID 4F, label 50 "USIM" } (TS 102 221 13.1) */
    uint8_t dir[4 + sizeof USIM_AID + 6];
    size_t n = 0;
    dir[n++] = 0x61;
    dir[n++] = (uint8_t)(2 + sizeof USIM_AID + 6);
    dir[n++] = 0x4F;
    dir[n++] = sizeof USIM_AID;
    memcpy(dir + n, USIM_AID, sizeof USIM_AID);
    n += sizeof USIM_AID;
    memcpy(dir + n, "\x50\x04USIM", 6);
    n += 6;
    if (pe_header(&mf->mf_header, id) || oid_set(&mf->templateID, OID_TEMPLATE_MF) ||
        file_fcp(&mf->mf, NULL, NULL, 0, mf_pins, sizeof mf_pins) ||
        file_content(&mf->ef_iccid, iccid, sizeof iccid) || file_content(&mf->ef_dir, dir, n) ||
        !(mf->ef_pl = file_new()) || file_content(mf->ef_pl, (const uint8_t *)"en", 2))
        return -1;
    return 0; /* EF.ARR: template content */
}

static int build_puk(ProfileElement_t *pe, const esim_saip_build_params *p, long id)
{
    pe->present = ProfileElement_PR_pukCodes;
    return (pe_header(&pe->choice.pukCodes.puk_Header, id) ||
            puk_add(&pe->choice.pukCodes, 1, p->puk1) || puk_add(&pe->choice.pukCodes, 129, p->puk2))
               ? -1 : 0;
}

static int build_pin_mf(ProfileElement_t *pe, const esim_saip_build_params *p, long id)
{
    pe->present = ProfileElement_PR_pinCodes;
    PE_PINCodes_t *pc = &pe->choice.pinCodes;
    pc->pinCodes.present = PE_PINCodes__pinCodes_PR_pinconfig;
    /* pinAttributes 6 / 3 and 3 / 10 retries as in common operator profiles. */
    return (pe_header(&pc->pin_Header, id) ||
            pin_add(&pc->pinCodes.choice.pinconfig, 1, p->pin1, 1, 6, 0x33) ||
            pin_add(&pc->pinCodes.choice.pinconfig, 10, p->adm1, 0, 3, 0xAA))
               ? -1 : 0;
}

static int build_pin_usim(ProfileElement_t *pe, const esim_saip_build_params *p, long id)
{
    pe->present = ProfileElement_PR_pinCodes;
    PE_PINCodes_t *pc = &pe->choice.pinCodes;
    pc->pinCodes.present = PE_PINCodes__pinCodes_PR_pinconfig;
    return (pe_header(&pc->pin_Header, id) ||
            pin_add(&pc->pinCodes.choice.pinconfig, 129, p->pin2, 129, 3, 0x33))
               ? -1 : 0;
}

static int build_usim(ProfileElement_t *pe, const esim_saip_build_params *p, long id)
{
    PE_USIM_t *u = &pe->choice.usim;
    pe->present = ProfileElement_PR_usim;
    static const uint8_t usim_pins[] = {0x01, 0x81, 0x0A};
    static const uint8_t fid_imsi[] = {0x6F, 0x07};
    /* EF.UST (TS 31.102 4.2.8): services 1-8 byte, ..., a conservative production set. */
    static const uint8_t ust[] = {0x9E, 0x6B, 0x1D, 0x3C, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t est[] = {0x00};
    uint8_t imsi[9], ad[4] = {0x00, 0x00, 0x00, (uint8_t)p->mnc_len};
    imsi_to_ef(p->imsi, imsi);
    /* EF.ACC (TS 31.102 4.2.15): access class = last IMSI digit, one bit of 0..9. */
    unsigned cls = (unsigned)(p->imsi[strlen(p->imsi) - 1] - '0');
    uint8_t acc[2] = {(uint8_t)((1u << cls) >> 8), (uint8_t)((1u << cls) & 0xFF)};
    if (pe_header(&u->usim_header, id) || oid_set(&u->templateID, OID_TEMPLATE_USIM) ||
        file_fcp(&u->adf_usim, NULL, USIM_AID, sizeof USIM_AID, usim_pins, sizeof usim_pins) ||
        file_fcp(&u->ef_imsi, fid_imsi, NULL, 0, NULL, 0) ||
        file_content(&u->ef_imsi, imsi, sizeof imsi) || file_content(&u->ef_ust, ust, sizeof ust) ||
        file_content(&u->ef_est, est, sizeof est) || file_content(&u->ef_acc, acc, sizeof acc) ||
        !(u->ef_ad = file_new()) || file_content(u->ef_ad, ad, sizeof ad))
        return -1;
    if (p->spn[0]) {
        /* EF.SPN (TS 31.102 4.2.12): display condition, name in GSM default alphabet, FF pad. */
        uint8_t spn[17];
        memset(spn, 0xFF, sizeof spn);
        spn[0] = 0x01;
        memcpy(spn + 1, p->spn, strnlen(p->spn, 16));
        if (file_content(&u->ef_spn, spn, sizeof spn))
            return -1;
    }
    return 0;
}

static int build_aka(ProfileElement_t *pe, const esim_saip_build_params *p, long id)
{
    pe->present = ProfileElement_PR_akaParameter;
    PE_AKAParameter_t *a = &pe->choice.akaParameter;
    a->algoConfiguration.present = PE_AKAParameter__algoConfiguration_PR_algoParameter;
    AlgoParameter_t *ap = &a->algoConfiguration.choice.algoParameter;
    static const uint8_t options = 0x01;
    return (pe_header(&a->aka_header, id) ||
            int_set(&ap->algorithmID, AlgoParameter__algorithmID_milenage) ||
            os_set(&ap->algorithmOptions, &options, 1) || os_set(&ap->key, p->k, 16) ||
            os_set(&ap->opc, p->opc, 16))
               ? -1 : 0;
}

static int build_sd(ProfileElement_t *pe, const esim_saip_build_params *p, long id)
{
    pe->present = ProfileElement_PR_securityDomain;
    PE_SecurityDomain_t *sd = &pe->choice.securityDomain;
    ApplicationInstance_t *in = &sd->instance;
    static const uint8_t priv[] = {0x82, 0xDC, 0x00}; /* SD, trusted path, ... (GP 11.1.2) */
    static const uint8_t lcs = 0x0F;                  /* PERSONALIZED */
    static const uint8_t c9[] = {0x81, 0x02, 0x80, 0x00, 0x82, 0x01, 0xF0};
    if (pe_header(&sd->sd_Header, id) ||
        os_set(&in->applicationLoadPackageAID, ISD_P_PKG, sizeof ISD_P_PKG) ||
        os_set(&in->classAID, ISD_P_CLASS, sizeof ISD_P_CLASS) ||
        os_set(&in->instanceAID, ISD_P_MNO_SD, sizeof ISD_P_MNO_SD) ||
        os_set(&in->applicationPrivileges, priv, sizeof priv) || !(in->lifeCycleState = os_new(&lcs, 1)) ||
        os_set(&in->applicationSpecificParametersC9, c9, sizeof c9) ||
        !(sd->keyList = calloc(1, sizeof *sd->keyList)))
        return -1;
    for (size_t i = 0; i < sizeof SD_KEYS / sizeof SD_KEYS[0]; i++) {
        const struct sd_key *k = &SD_KEYS[i];
        KeyObject_t *ko = calloc(1, sizeof *ko);
        struct KeyObject__keyComponents__Member *kc = calloc(1, sizeof *kc);
        int rc = (!ko || !kc) ? -1 : 0;
        if (rc == 0)
            rc = os_set(&ko->keyUsageQualifier, &k->usage, 1) | os_set(&ko->keyIdentifier, &k->kid, 1) |
                 os_set(&ko->keyVersionNumber, &k->kvn, 1) | os_set(&kc->keyType, &k->type, 1) |
                 os_set(&kc->keyData, (const uint8_t *)p + k->param_off, 16);
        if (rc == 0 && ASN_SEQUENCE_ADD(&ko->keyComponents.list, kc) == 0)
            kc = NULL;
        else
            rc = -1;
        if (rc == 0 && ASN_SEQUENCE_ADD(&sd->keyList->list, ko) == 0)
            ko = NULL;
        else
            rc = -1;
        if (kc) {
            esim_wipe(kc->keyData.buf, (size_t)kc->keyData.size);
            ASN_STRUCT_FREE(*asn_DEF_KeyObject.elements[5].type->elements[0].type, kc);
        }
        if (ko)
            ASN_STRUCT_FREE(asn_DEF_KeyObject, ko);
        if (rc)
            return -1;
    }
    return 0;
}

static int build_rfm(ProfileElement_t *pe, const esim_saip_build_params *p, long id)
{
    pe->present = ProfileElement_PR_rfm;
    PE_RFM_t *r = &pe->choice.rfm;
    static const uint8_t tar[] = {0xB0, 0x00, 0x01}, dom = 0x00;
    const uint8_t msl = p->rfm_msl;
    OCTET_STRING_t *t;
    if (pe_header(&r->rfm_header, id) || os_set(&r->instanceAID, RFM_USIM_AID, sizeof RFM_USIM_AID) ||
        !(r->tarList = calloc(1, sizeof *r->tarList)) || !(t = os_new(tar, sizeof tar)))
        return -1;
    if (ASN_SEQUENCE_ADD(&r->tarList->list, t) != 0) {
        ASN_STRUCT_FREE(asn_DEF_OCTET_STRING, t);
        return -1;
    }
    if (os_set(&r->minimumSecurityLevel, &msl, 1) || os_set(&r->uiccAccessDomain, &dom, 1) ||
        os_set(&r->uiccAdminAccessDomain, &dom, 1) || !(r->adfRFMAccess = calloc(1, sizeof *r->adfRFMAccess)) ||
        os_set(&r->adfRFMAccess->adfAID, USIM_AID, sizeof USIM_AID) ||
        os_set(&r->adfRFMAccess->adfAccessDomain, &dom, 1) ||
        os_set(&r->adfRFMAccess->adfAdminAccessDomain, &dom, 1))
        return -1;
    return 0;
}

static int build_end(ProfileElement_t *pe, long id)
{
    pe->present = ProfileElement_PR_end;
    return pe_header(&pe->choice.end.end_header, id);
}

enum { PE_HEADER, PE_MF, PE_PUK, PE_PIN_MF, PE_USIM, PE_PIN_USIM, PE_AKA, PE_SD, PE_RFM, PE_END, PE_COUNT };

static int build_one(int which, ProfileElement_t *pe, const esim_saip_build_params *p)
{
    long id = which; /* identification numbers 1.. in package order (header has none) */
    switch (which) {
    case PE_HEADER: return build_header(pe, p);
    case PE_MF: return build_mf(pe, p, id);
    case PE_PUK: return build_puk(pe, p, id);
    case PE_PIN_MF: return build_pin_mf(pe, p, id);
    case PE_USIM: return build_usim(pe, p, id);
    case PE_PIN_USIM: return build_pin_usim(pe, p, id);
    case PE_AKA: return build_aka(pe, p, id);
    case PE_SD: return build_sd(pe, p, id);
    case PE_RFM: return build_rfm(pe, p, id);
    default: return build_end(pe, id);
    }
}

static const char *const PE_NAMES[PE_COUNT] = {"header", "mf", "pukCodes", "pinCodes", "usim",
                                               "pinCodes", "akaParameter", "securityDomain",
                                               "rfm", "end"};

static int check_params(const esim_saip_build_params *p, esim_error *err)
{
    if (!digits_ok(p->iccid, 18, 20))
        return esim_error_set(err, "ICCID must be 18 to 20 digits");
    if (!digits_ok(p->imsi, 6, 15))
        return esim_error_set(err, "IMSI must be 6 to 15 digits");
    if (p->mnc_len != 2 && p->mnc_len != 3)
        return esim_error_set(err, "MNC length must be 2 or 3");
    if (!digits_ok(p->pin1, 4, 8) || !digits_ok(p->pin2, 4, 8) || !digits_ok(p->adm1, 4, 8))
        return esim_error_set(err, "PIN1/PIN2/ADM1 must be 4 to 8 digits");
    if (!digits_ok(p->puk1, 8, 8) || !digits_ok(p->puk2, 8, 8))
        return esim_error_set(err, "PUK1/PUK2 must be 8 digits");
    if (p->major_version > 255 || p->minor_version > 255)
        return esim_error_set(err, "profile header version out of range");
    return 0;
}

int esim_saip_build(const esim_saip_build_params *p, uint8_t **der, size_t *len, esim_error *err)
{
    if (check_params(p, err) != 0)
        return -1;
    obuf o = {0};
    for (int i = 0; i < PE_COUNT; i++) {
        ProfileElement_t *pe = calloc(1, sizeof *pe);
        int rc = pe ? build_one(i, pe, p) : -1;
        if (rc == 0) {
            asn_enc_rval_t er = der_encode(&asn_DEF_ProfileElement, pe, obuf_put, &o);
            if (er.encoded < 0)
                rc = esim_error_set(err, "SAIP build: PE %d (%s) does not encode (%s)", i, PE_NAMES[i],
                                    er.failed_type ? er.failed_type->name : "?");
        } else {
            esim_error_set(err, "SAIP build: PE %d (%s): out of memory", i, PE_NAMES[i]);
        }
        if (pe) {
            esim_saip_pe_wipe(pe);
            ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
        }
        if (rc != 0 || o.oom) {
            if (o.p) {
                esim_wipe(o.p, o.cap);
                free(o.p);
            }
            return o.oom ? esim_error_set(err, "SAIP build: out of memory") : -1;
        }
    }
    *der = o.p;
    *len = o.n;
    return 0;
}

/* Random decimal digits from RAND_bytes (rejection sampling keeps them uniform). */
static int random_digits(char *out, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b[16];
        if (RAND_bytes(b, sizeof b) != 1)
            return -1;
        for (size_t j = 0; j < sizeof b && i < n; j++)
            if (b[j] < 250)
                out[i++] = (char)('0' + b[j] % 10);
        esim_wipe(b, sizeof b);
    }
    out[n] = '\0';
    return 0;
}

int esim_saip_build_params_init(esim_saip_build_params *p, esim_error *err)
{
    memset(p, 0, sizeof *p);
    snprintf(p->iccid, sizeof p->iccid, "%s", "8988299000000012345");
    size_t n = strlen(p->iccid);
    p->iccid[n] = esim_luhn_digit(p->iccid);
    p->iccid[n + 1] = '\0';
    snprintf(p->imsi, sizeof p->imsi, "%s", "001010000012345");
    p->mnc_len = 2;
    snprintf(p->profile_type, sizeof p->profile_type, "%s", "esimscope production-like profile");
    snprintf(p->spn, sizeof p->spn, "%s", "esimscope");
    p->major_version = 2;
    p->minor_version = 3;
    p->rfm_msl = 0x16;
    uint8_t *keys[] = {p->k, p->opc, p->scp80_kic, p->scp80_kid, p->scp80_kik, p->scp81_psk,
                       p->scp81_dek, p->scp03_enc, p->scp03_mac, p->scp03_dek};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (RAND_bytes(keys[i], 16) != 1)
            goto fail;
    if (random_digits(p->pin1, 4) || random_digits(p->pin2, 4) || random_digits(p->adm1, 8) ||
        random_digits(p->puk1, 8) || random_digits(p->puk2, 8))
        goto fail;
    return 0;
fail:
    esim_saip_build_params_wipe(p);
    return esim_error_set(err, "random number generator failed");
}

void esim_saip_build_params_wipe(esim_saip_build_params *p)
{
    esim_wipe(p, sizeof *p);
}
