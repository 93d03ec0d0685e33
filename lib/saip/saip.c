/* SAIP profile package decoder and summary (TCA eUICC Profile Package v3.3.1). */
#include "esim/saip.h"
#include <stdlib.h>
#include <string.h>
#include "ProfileElement.h"
#include "esim/enum_names.h"
#include "esim/hex.h"
#include "esim/tlv.h"

typedef struct ctx {
    const esim_saip_opts *opts;
    esim_saip_summary *sum;
    json_object *naas, *sds, *rfms, *pins, *puks, *aka;
} ctx;

static void add_str(json_object *o, const char *k, const char *v)
{
    json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(json_object *o, const char *k, long v)
{
    json_object_object_add(o, k, json_object_new_int64(v));
}

static void add_hex(json_object *o, const char *k, const uint8_t *p, size_t n)
{
    char *h = esim_hex_dup(p, n);
    if (h) {
        add_str(o, k, h);
        free(h);
    }
}

static void add_os(json_object *o, const char *k, const OCTET_STRING_t *os)
{
    if (os)
        add_hex(o, k, os->buf, (size_t)os->size);
}

/* Key material: the value only when show_keys, otherwise its length. */
static void add_secret(ctx *c, json_object *o, const char *k, const OCTET_STRING_t *os)
{
    if (c->opts->show_keys)
        add_os(o, k, os);
    else {
        char name[64];
        snprintf(name, sizeof name, "%s_length", k);
        add_int(o, name, os->size);
    }
}

static long int_val(const INTEGER_t *i)
{
    long v = -1;
    if (asn_INTEGER2long(i, &v) != 0)
        v = -1;
    return v;
}

/* Named number of an INTEGER type, from the build's table of the modules' named numbers.
 * That table holds C identifiers: '_' back to '-' gives the ASN.1 name (ASN.1 identifiers
 * have no '_'). */
static const char *int_name(const char *type, long v)
{
    static _Thread_local char buf[64];
    const char *n = esim_enum_lookup(type, v);
    if (!n)
        return NULL;
    snprintf(buf, sizeof buf, "%s", n);
    for (char *p = buf; *p; p++)
        if (*p == '_')
            *p = '-';
    return buf;
}

static void add_oid(json_object *o, const char *k, const OBJECT_IDENTIFIER_t *oid)
{
    long arcs[20];
    int n = OBJECT_IDENTIFIER_get_arcs(oid, arcs, sizeof arcs[0], 20);
    if (n <= 0 || n > 20)
        return;
    char buf[20 * 21] = "";
    size_t w = 0;
    for (int i = 0; i < n && w < sizeof buf - 22; i++)
        w += (size_t)snprintf(buf + w, sizeof buf - w, i ? ".%ld" : "%ld", arcs[i]);
    add_str(o, k, buf);
}

/* Pointer to member elm of the structure at base (following OPTIONAL pointers). */
static const void *member(const void *base, const asn_TYPE_member_t *elm)
{
    const void *p = (const char *)base + elm->memb_offset;
    if (elm->flags & ATF_POINTER)
        p = *(const void *const *)p;
    return p;
}

/* ---- files ---- */

static const Fcp_t *file_fcp(const File_t *f)
{
    for (int i = 0; i < f->list.count; i++)
        if (f->list.array[i]->present == File__Member_PR_fileDescriptor)
            return &f->list.array[i]->choice.fileDescriptor;
    return NULL;
}

static const OCTET_STRING_t *file_first_content(const File_t *f)
{
    for (int i = 0; i < f->list.count; i++)
        if (f->list.array[i]->present == File__Member_PR_fillFileContent)
            return &f->list.array[i]->choice.fillFileContent;
    return NULL;
}

/* File IDs of the template files when the PE gives no FCP: ETSI TS 102 221 (MF level) and
 * 3GPP TS 31.102 (USIM ADF). Keyed by PE and member name, since e.g. ef-arr differs. */
static const struct {
    const char *pe, *file, *fid;
} TEMPLATE_FIDS[] = {
    {"mf", "mf", "3F00"},           {"mf", "ef-pl", "2F05"},        {"mf", "ef-iccid", "2FE2"},
    {"mf", "ef-dir", "2F00"},       {"mf", "ef-arr", "2F06"},       {"mf", "ef-umpc", "2F08"},
    {"usim", "ef-imsi", "6F07"},    {"usim", "ef-arr", "6F06"},     {"usim", "ef-keys", "6F08"},
    {"usim", "ef-keysPS", "6F09"},  {"usim", "ef-hpplmn", "6F31"},  {"usim", "ef-ust", "6F38"},
    {"usim", "ef-fdn", "6F3B"},     {"usim", "ef-sms", "6F3C"},     {"usim", "ef-smsp", "6F42"},
    {"usim", "ef-smss", "6F43"},    {"usim", "ef-spn", "6F46"},     {"usim", "ef-est", "6F56"},
    {"usim", "ef-start-hfn", "6F5B"}, {"usim", "ef-threshold", "6F5C"}, {"usim", "ef-psloci", "6F73"},
    {"usim", "ef-acc", "6F78"},     {"usim", "ef-fplmn", "6F7B"},   {"usim", "ef-loci", "6F7E"},
    {"usim", "ef-ad", "6FAD"},      {"usim", "ef-ecc", "6FB7"},     {"usim", "ef-netpar", "6FC4"},
    {"usim", "ef-epsloci", "6FE3"}, {"usim", "ef-epsnsc", "6FE4"},
};

static const char *template_fid(const char *pe, const char *file)
{
    for (size_t i = 0; i < sizeof TEMPLATE_FIDS / sizeof TEMPLATE_FIDS[0]; i++)
        if (strcmp(TEMPLATE_FIDS[i].pe, pe) == 0 && strcmp(TEMPLATE_FIDS[i].file, file) == 0)
            return TEMPLATE_FIDS[i].fid;
    return NULL;
}

static json_object *file_json(const char *pe_name, const char *name, const File_t *f)
{
    json_object *o = json_object_new_object();
    add_str(o, "name", name);
    const Fcp_t *fcp = file_fcp(f);
    const char *tfid = template_fid(pe_name, name);
    if (fcp && fcp->fileID)
        add_os(o, "fid", fcp->fileID);
    else if (tfid)
        add_str(o, "fid", tfid);
    if (fcp && fcp->dfName)
        add_os(o, "aid", fcp->dfName);
    if (fcp && fcp->fileDescriptor)
        add_os(o, "file_descriptor", fcp->fileDescriptor);
    if (fcp && fcp->efFileSize)
        add_os(o, "size", fcp->efFileSize);
    size_t content = 0;
    for (int i = 0; i < f->list.count; i++)
        if (f->list.array[i]->present == File__Member_PR_fillFileContent)
            content += (size_t)f->list.array[i]->choice.fillFileContent.size;
    add_int(o, "content_bytes", (long)content);
    if (!fcp)
        add_str(o, "fcp", "template"); /* created as the template defines it */
    return o;
}

/* Template-based file system PEs: every member of type File, in module order. */
static void files_from_template(ctx *c, const char *pe_name, asn_TYPE_descriptor_t *td,
                                const void *v, json_object *pe)
{
    json_object *files = json_object_new_array();
    for (int i = 0; i < td->elements_count; i++) {
        const asn_TYPE_member_t *elm = &td->elements[i];
        const void *m = member(v, elm);
        if (!m)
            continue;
        if (elm->type == &asn_DEF_OBJECT_IDENTIFIER && strcmp(elm->name, "templateID") == 0)
            add_oid(pe, "template", m);
        if (elm->type != &asn_DEF_File)
            continue;
        const File_t *f = m;
        json_object_array_add(files, file_json(pe_name, elm->name, f));
        /* NAA application ADFs carry the AID in dfName */
        const Fcp_t *fcp = file_fcp(f);
        if (strncmp(elm->name, "adf-", 4) == 0 && fcp && fcp->dfName) {
            json_object *naa = json_object_new_object();
            add_str(naa, "type", pe_name);
            add_os(naa, "aid", fcp->dfName);
            json_object_array_add(c->naas, naa);
        }
        if (strcmp(elm->name, "ef-imsi") == 0 && file_first_content(f)) {
            /* TS 31.102 4.2.2: length, then BCD digits with the parity nibble first */
            const OCTET_STRING_t *os = file_first_content(f);
            if (os->size >= 2 && os->buf[0] >= 1 && (size_t)os->buf[0] < (size_t)os->size) {
                char d[2 * 8 + 1];
                size_t n = esim_bcd_swapped_to_digits(os->buf + 1, os->buf[0], d);
                if (n > 1 && !c->sum->imsi[0])
                    snprintf(c->sum->imsi, sizeof c->sum->imsi, "%s", d + 1);
            }
        }
        if (strcmp(elm->name, "ef-iccid") == 0 && file_first_content(f)) {
            const OCTET_STRING_t *os = file_first_content(f);
            char d[21];
            if (os->size == 10) {
                esim_bcd_swapped_to_digits(os->buf, 10, d);
                snprintf(c->sum->ef_iccid, sizeof c->sum->ef_iccid, "%s", d);
            }
        }
    }
    json_object_object_add(pe, "files", files);
}

static void files_from_gfm(const PE_GenericFileManagement_t *g, json_object *pe)
{
    json_object *files = json_object_new_array();
    for (int i = 0; i < g->fileManagementCMD.list.count; i++) {
        const FileManagement_t *fm = g->fileManagementCMD.list.array[i];
        char path[64] = "";
        for (int j = 0; j < fm->list.count; j++) {
            const struct FileManagement__Member *m = fm->list.array[j];
            if (m->present == FileManagement__Member_PR_filePath) {
                size_t n = (size_t)m->choice.filePath.size;
                if (n > 31)
                    n = 31;
                esim_hex(m->choice.filePath.buf, n, path);
            } else if (m->present == FileManagement__Member_PR_createFCP) {
                json_object *o = json_object_new_object();
                add_str(o, "path", path[0] ? path : "MF");
                add_os(o, "fid", m->choice.createFCP.fileID);
                add_os(o, "aid", m->choice.createFCP.dfName);
                add_os(o, "file_descriptor", m->choice.createFCP.fileDescriptor);
                json_object_array_add(files, o);
            }
        }
    }
    json_object_object_add(pe, "files", files);
}

/* ---- the other PEs ---- */

static void do_header(ctx *c, const ProfileHeader_t *h, json_object *pe)
{
    esim_saip_summary *s = c->sum;
    s->major_version = (unsigned)h->major_version;
    s->minor_version = (unsigned)h->minor_version;
    char v[32];
    snprintf(v, sizeof v, "%ld.%ld", h->major_version, h->minor_version);
    add_str(pe, "version", v);
    if (h->profileType) {
        snprintf(s->profile_type, sizeof s->profile_type, "%.*s", (int)h->profileType->size,
                 (const char *)h->profileType->buf);
        add_str(pe, "profile_type", s->profile_type);
    }
    if (h->iccid.size == 10) {
        s->iccid_plain = esim_iccid_digits(h->iccid.buf, 10, s->iccid);
        add_str(pe, "iccid", s->iccid);
    }
    json_object *svc = json_object_new_array();
    asn_TYPE_descriptor_t *std = &asn_DEF_ServicesList;
    for (int i = 0; i < std->elements_count; i++)
        if (member(&h->eUICC_Mandatory_services, &std->elements[i]))
            json_object_array_add(svc, json_object_new_string(std->elements[i].name));
    json_object_object_add(pe, "mandatory_services", svc);
    json_object *gf = json_object_new_array();
    for (int i = 0; i < h->eUICC_Mandatory_GFSTEList.list.count; i++) {
        json_object *t = json_object_new_object();
        add_oid(t, "oid", h->eUICC_Mandatory_GFSTEList.list.array[i]);
        json_object *oid = NULL;
        if (json_object_object_get_ex(t, "oid", &oid))
            json_object_array_add(gf, json_object_get(oid));
        json_object_put(t);
    }
    json_object_object_add(pe, "gfste", gf);
    if (h->eUICC_Mandatory_AIDs) {
        json_object *aids = json_object_new_array();
        for (int i = 0; i < h->eUICC_Mandatory_AIDs->list.count; i++) {
            json_object *a = json_object_new_object();
            add_os(a, "aid", &h->eUICC_Mandatory_AIDs->list.array[i]->aid);
            add_os(a, "version", &h->eUICC_Mandatory_AIDs->list.array[i]->version);
            json_object_array_add(aids, a);
        }
        json_object_object_add(pe, "mandatory_aids", aids);
    }
}

static void do_pins(ctx *c, const PE_PINCodes_t *p, long pe_id, json_object *pe)
{
    if (p->pinCodes.present != PE_PINCodes__pinCodes_PR_pinconfig) {
        if (p->pinCodes.present == PE_PINCodes__pinCodes_PR_filePath)
            add_os(pe, "file_path", &p->pinCodes.choice.filePath);
        return;
    }
    for (int i = 0; i < p->pinCodes.choice.pinconfig.list.count; i++) {
        const PINConfiguration_t *pc = p->pinCodes.choice.pinconfig.list.array[i];
        json_object *o = json_object_new_object();
        long ref = int_val(&pc->keyReference);
        add_int(o, "pe", pe_id);
        add_int(o, "key_reference", ref);
        const char *n = int_name("PINKeyReferenceValue", ref);
        if (n)
            add_str(o, "name", n);
        if (pc->unblockingPINReference)
            add_int(o, "unblocking_puk", int_val(pc->unblockingPINReference));
        add_int(o, "attributes", pc->pinAttributes ? *pc->pinAttributes : 7);
        add_int(o, "max_attempts_retries", pc->maxNumOfAttemps_retryNumLeft ? *pc->maxNumOfAttemps_retryNumLeft : 51);
        add_secret(c, o, "value", &pc->pinValue);
        json_object_array_add(c->pins, o);
    }
}

static void do_puks(ctx *c, const PE_PUKCodes_t *p, long pe_id)
{
    for (int i = 0; i < p->pukCodes.list.count; i++) {
        const PUKConfiguration_t *pc = p->pukCodes.list.array[i];
        json_object *o = json_object_new_object();
        long ref = int_val(&pc->keyReference);
        add_int(o, "pe", pe_id);
        add_int(o, "key_reference", ref);
        const char *n = int_name("PUKKeyReferenceValue", ref);
        if (n)
            add_str(o, "name", n);
        add_int(o, "max_attempts_retries", pc->maxNumOfAttemps_retryNumLeft ? *pc->maxNumOfAttemps_retryNumLeft : 170);
        add_secret(c, o, "value", &pc->pukValue);
        json_object_array_add(c->puks, o);
    }
}

static void do_aka(ctx *c, const PE_AKAParameter_t *a, long pe_id)
{
    json_object *o = json_object_new_object();
    add_int(o, "pe", pe_id);
    if (a->algoConfiguration.present == PE_AKAParameter__algoConfiguration_PR_algoParameter) {
        const AlgoParameter_t *ap = &a->algoConfiguration.choice.algoParameter;
        long id = int_val(&ap->algorithmID);
        add_int(o, "algorithm_id", id);
        const char *n = int_name("AlgoParameter__algorithmID", id);
        add_str(o, "algorithm", n ? n : "unknown");
        add_os(o, "algorithm_options", &ap->algorithmOptions);
        add_secret(c, o, "key", &ap->key);
        add_secret(c, o, "opc", &ap->opc);
        if (ap->rotationConstants)
            add_os(o, "rotation_constants", ap->rotationConstants);
        if (ap->xoringConstants)
            add_int(o, "xoring_constants_set", 1);
    } else if (a->algoConfiguration.present == PE_AKAParameter__algoConfiguration_PR_mappingParameter) {
        const MappingParameter_t *mp = &a->algoConfiguration.choice.mappingParameter;
        add_str(o, "algorithm", "mapping");
        add_os(o, "mapping_options", &mp->mappingOptions);
        add_os(o, "mapping_source", &mp->mappingSource);
    }
    if (a->sqnOptions)
        add_os(o, "sqn_options", a->sqnOptions);
    json_object_array_add(c->aka, o);
}

/* GlobalPlatform key types (GP Card Spec Table 11-16) */
static const struct {
    uint8_t type;
    const char *name;
} KEY_TYPES[] = {{0x80, "DES"}, {0x85, "TLS-PSK"}, {0x88, "AES"}, {0xA1, "ECC public"},
                 {0xA2, "ECC private"}, {0xA3, "ECC parameters"}, {0xA0, "RSA public"}};

static void do_sd(ctx *c, const PE_SecurityDomain_t *sd, long pe_id)
{
    json_object *o = json_object_new_object();
    add_int(o, "pe", pe_id);
    add_os(o, "package_aid", &sd->instance.applicationLoadPackageAID);
    add_os(o, "class_aid", &sd->instance.classAID);
    add_os(o, "instance_aid", &sd->instance.instanceAID);
    add_os(o, "privileges", &sd->instance.applicationPrivileges);
    if (sd->instance.lifeCycleState)
        add_os(o, "life_cycle_state", sd->instance.lifeCycleState);
    json_object *keys = json_object_new_array();
    for (int i = 0; sd->keyList && i < sd->keyList->list.count; i++) {
        const KeyObject_t *k = sd->keyList->list.array[i];
        json_object *ko = json_object_new_object();
        add_os(ko, "version", &k->keyVersionNumber);
        add_os(ko, "id", &k->keyIdentifier);
        add_os(ko, "usage", &k->keyUsageQualifier);
        for (int j = 0; j < k->keyComponents.list.count; j++) {
            const OCTET_STRING_t *t = &k->keyComponents.list.array[j]->keyType;
            add_os(ko, "type", t);
            for (size_t x = 0; t->size == 1 && x < sizeof KEY_TYPES / sizeof KEY_TYPES[0]; x++)
                if (KEY_TYPES[x].type == t->buf[0])
                    add_str(ko, "type_name", KEY_TYPES[x].name);
            add_secret(c, ko, "value", &k->keyComponents.list.array[j]->keyData);
        }
        json_object_array_add(keys, ko);
    }
    json_object_object_add(o, "keys", keys);
    json_object_array_add(c->sds, o);
}

static void do_rfm(ctx *c, const PE_RFM_t *r, long pe_id)
{
    json_object *o = json_object_new_object();
    add_int(o, "pe", pe_id);
    add_os(o, "instance_aid", &r->instanceAID);
    if (r->securityDomainAID)
        add_os(o, "security_domain_aid", r->securityDomainAID);
    json_object *tars = json_object_new_array();
    for (int i = 0; r->tarList && i < r->tarList->list.count; i++) {
        char h[2 * 16 + 1];
        const OCTET_STRING_t *t = r->tarList->list.array[i];
        esim_hex(t->buf, t->size > 16 ? 16 : (size_t)t->size, h);
        json_object_array_add(tars, json_object_new_string(h));
    }
    json_object_object_add(o, "tars", tars);
    add_os(o, "minimum_security_level", &r->minimumSecurityLevel);
    add_os(o, "uicc_access_domain", &r->uiccAccessDomain);
    add_os(o, "uicc_admin_access_domain", &r->uiccAdminAccessDomain);
    if (r->adfRFMAccess) {
        add_os(o, "adf_aid", &r->adfRFMAccess->adfAID);
        add_os(o, "adf_access_domain", &r->adfRFMAccess->adfAccessDomain);
    }
    json_object_array_add(c->rfms, o);
}

/* Identification number from the PEHeader that opens every PE but the header (-1 if none). */
static long pe_identification(asn_TYPE_descriptor_t *td, const void *v)
{
    if (td->elements_count > 0 && td->elements[0].type == &asn_DEF_PEHeader) {
        const PEHeader_t *h = member(v, &td->elements[0]);
        if (h)
            return h->identification;
    }
    return -1;
}

static void do_pe(ctx *c, const ProfileElement_t *pe, json_object *o)
{
    const asn_TYPE_member_t *elm = &asn_DEF_ProfileElement.elements[pe->present - 1];
    const void *v = (const char *)pe + elm->memb_offset;
    long id = pe_identification(elm->type, v);
    if (id >= 0)
        add_int(o, "identification", id);
    switch (pe->present) {
    case ProfileElement_PR_header: do_header(c, v, o); break;
    case ProfileElement_PR_genericFileManagement: files_from_gfm(v, o); break;
    case ProfileElement_PR_pinCodes: do_pins(c, v, id, o); break;
    case ProfileElement_PR_pukCodes: do_puks(c, v, id); break;
    case ProfileElement_PR_akaParameter: do_aka(c, v, id); break;
    case ProfileElement_PR_securityDomain: do_sd(c, v, id); break;
    case ProfileElement_PR_rfm: do_rfm(c, v, id); break;
    case ProfileElement_PR_end: c->sum->has_end++; break;
    case ProfileElement_PR_application: {
        const PE_Application_t *a = v;
        json_object *inst = json_object_new_array();
        for (int i = 0; a->instanceList && i < a->instanceList->list.count; i++) {
            json_object *x = json_object_new_object();
            add_os(x, "instance_aid", &a->instanceList->list.array[i]->instanceAID);
            json_object_array_add(inst, x);
        }
        json_object_object_add(o, "instances", inst);
        break;
    }
    default:
        if (pe->present >= ProfileElement_PR_mf)
            files_from_template(c, elm->name, elm->type, v, o);
        break;
    }
}

int esim_saip_decode(const uint8_t *der, size_t len, const esim_saip_opts *opts,
                     esim_saip_summary *out, esim_error *err)
{
    static const esim_saip_opts defaults = {0};
    memset(out, 0, sizeof *out);
    ctx c = {.opts = opts ? opts : &defaults, .sum = out};
    json_object *pes = json_object_new_array();
    c.naas = json_object_new_array();
    c.sds = json_object_new_array();
    c.rfms = json_object_new_array();
    c.pins = json_object_new_array();
    c.puks = json_object_new_array();
    c.aka = json_object_new_array();
    json_object *root = json_object_new_object();
    json_object *header = NULL;
    size_t off = 0, idx = 0;
    int rc = 0;
    if (len == 0)
        rc = esim_error_set(err, "SAIP: empty profile package");
    while (rc == 0 && off < len) {
        esim_tlv t;
        esim_error e;
        if (esim_tlv_parse(der + off, len - off, off, &t, &e) != 0) {
            rc = esim_error_set(err, "SAIP: PE #%zu at offset %zu: %s", idx, off, e.msg);
            break;
        }
        size_t total = esim_tlv_total(&t);
        ProfileElement_t *pe = NULL;
        asn_dec_rval_t rv = ber_decode(NULL, &asn_DEF_ProfileElement, (void **)&pe, der + off, total);
        if (rv.code == RC_OK && rv.consumed == total && pe && pe->present == ProfileElement_PR_NOTHING &&
            (der[off] & 0xC0) == 0x80) {
            /* ProfileElement is extensible: a PE type of a later SAIP version (a context-specific
             * tag, AUTOMATIC TAGS) is listed, not rejected. Other classes are errors. */
            char tag[9];
            json_object *o = json_object_new_object();
            add_str(o, "type", "unknown");
            add_str(o, "tag", esim_tlv_tag_str(t.tag, tag));
            add_int(o, "offset", (long)off);
            add_int(o, "length", (long)total);
            json_object_array_add(pes, o);
        } else if (rv.code != RC_OK || rv.consumed != total || !pe ||
                   pe->present == ProfileElement_PR_NOTHING ||
                   (int)pe->present > asn_DEF_ProfileElement.elements_count) {
            char tag[9];
            rc = esim_error_set(err, "SAIP: PE #%zu at offset %zu (tag %s, %zu bytes) is not a valid ProfileElement",
                                idx, off, esim_tlv_tag_str(t.tag, tag), total);
        } else {
            json_object *o = json_object_new_object();
            add_str(o, "type", asn_DEF_ProfileElement.elements[pe->present - 1].name);
            add_int(o, "offset", (long)off);
            add_int(o, "length", (long)total);
            do_pe(&c, pe, o);
            if (pe->present == ProfileElement_PR_header && !header)
                header = json_object_get(o);
            json_object_array_add(pes, o);
        }
        if (pe) {
            esim_saip_pe_wipe(pe);
            ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
        }
        off += total;
        idx++;
    }
    out->pe_count = idx;
    if (rc == 0 && !header)
        rc = esim_error_set(err, "SAIP: no ProfileHeader PE in the package");
    if (rc != 0) {
        json_object_put(header);
        json_object_put(pes);
        json_object_put(c.naas);
        json_object_put(c.sds);
        json_object_put(c.rfms);
        json_object_put(c.pins);
        json_object_put(c.puks);
        json_object_put(c.aka);
        json_object_put(root);
        return -1;
    }
    add_str(root, "iccid", out->iccid);
    add_str(root, "iccid_nibble_order", out->iccid_plain ? "plain" : "swapped");
    if (out->ef_iccid[0])
        add_str(root, "ef_iccid", out->ef_iccid);
    if (out->imsi[0])
        add_str(root, "imsi", out->imsi);
    add_str(root, "profile_type", out->profile_type);
    json_object *x;
    json_object_object_get_ex(header, "version", &x);
    json_object_object_add(root, "header_version", json_object_get(x));
    json_object_object_get_ex(header, "mandatory_services", &x);
    json_object_object_add(root, "mandatory_services", json_object_get(x));
    json_object_object_get_ex(header, "gfste", &x);
    json_object_object_add(root, "gfste", json_object_get(x));
    json_object_put(header);
    add_int(root, "pe_count", (long)out->pe_count);
    json_object_object_add(root, "naas", c.naas);
    json_object_object_add(root, "security_domains", c.sds);
    json_object_object_add(root, "rfm", c.rfms);
    json_object_object_add(root, "pins", c.pins);
    json_object_object_add(root, "puks", c.puks);
    json_object_object_add(root, "aka_parameters", c.aka);
    json_object_object_add(root, "profile_elements", pes);
    out->json = root;
    return 0;
}

void esim_saip_summary_free(esim_saip_summary *s)
{
    if (s->json)
        json_object_put(s->json);
    esim_wipe(s, sizeof *s);
}

/* Overwrites every OCTET STRING reachable from a PE that holds secrets before it is freed. */
static void wipe_os(OCTET_STRING_t *os)
{
    if (os && os->buf)
        esim_wipe(os->buf, (size_t)os->size);
}

void esim_saip_pe_wipe(void *value)
{
    ProfileElement_t *pe = value;
    if (!pe)
        return;
    switch (pe->present) {
    case ProfileElement_PR_akaParameter:
        if (pe->choice.akaParameter.algoConfiguration.present ==
            PE_AKAParameter__algoConfiguration_PR_algoParameter) {
            wipe_os(&pe->choice.akaParameter.algoConfiguration.choice.algoParameter.key);
            wipe_os(&pe->choice.akaParameter.algoConfiguration.choice.algoParameter.opc);
        }
        break;
    case ProfileElement_PR_securityDomain:
        if (pe->choice.securityDomain.keyList)
            for (int i = 0; i < pe->choice.securityDomain.keyList->list.count; i++) {
                KeyObject_t *k = pe->choice.securityDomain.keyList->list.array[i];
                for (int j = 0; j < k->keyComponents.list.count; j++)
                    wipe_os(&k->keyComponents.list.array[j]->keyData);
            }
        break;
    case ProfileElement_PR_pinCodes:
        if (pe->choice.pinCodes.pinCodes.present == PE_PINCodes__pinCodes_PR_pinconfig)
            for (int i = 0; i < pe->choice.pinCodes.pinCodes.choice.pinconfig.list.count; i++)
                wipe_os(&pe->choice.pinCodes.pinCodes.choice.pinconfig.list.array[i]->pinValue);
        break;
    case ProfileElement_PR_pukCodes:
        for (int i = 0; i < pe->choice.pukCodes.pukCodes.list.count; i++)
            wipe_os(&pe->choice.pukCodes.pukCodes.list.array[i]->pukValue);
        break;
    default:
        break;
    }
}

/* ---- text ---- */

static void print_scalar(FILE *f, json_object *v)
{
    if (json_object_is_type(v, json_type_array)) {
        size_t n = json_object_array_length(v);
        for (size_t i = 0; i < n; i++)
            fprintf(f, "%s%s", i ? ", " : "", json_object_get_string(json_object_array_get_idx(v, i)));
    } else {
        fputs(json_object_get_string(v), f);
    }
}

static int is_scalarish(json_object *v)
{
    if (!json_object_is_type(v, json_type_array))
        return !json_object_is_type(v, json_type_object);
    size_t n = json_object_array_length(v);
    for (size_t i = 0; i < n; i++)
        if (json_object_is_type(json_object_array_get_idx(v, i), json_type_object))
            return 0;
    return 1;
}

/* Objects: "key: value" lines; arrays of objects: one line per item with its scalar fields,
 * nested arrays of objects indented below. */
static void print_obj(FILE *f, json_object *o, int indent, int inline_item)
{
    int first = 1;
    json_object_object_foreach(o, k, v) {
        if (!is_scalarish(v))
            continue;
        if (inline_item) {
            fprintf(f, "%s%s=", first ? "" : " ", k);
            print_scalar(f, v);
        } else {
            fprintf(f, "%*s%s: ", indent, "", k);
            print_scalar(f, v);
            fputc('\n', f);
        }
        first = 0;
    }
    if (inline_item)
        fputc('\n', f);
    json_object_object_foreach(o, k2, v2) {
        if (is_scalarish(v2))
            continue;
        size_t n = json_object_array_length(v2);
        fprintf(f, "%*s%s (%zu):\n", indent + (inline_item ? 4 : 0), "", k2, n);
        for (size_t i = 0; i < n; i++) {
            fprintf(f, "%*s- ", indent + (inline_item ? 6 : 2), "");
            print_obj(f, json_object_array_get_idx(v2, i), indent + (inline_item ? 8 : 4), 1);
        }
    }
}

void esim_saip_print_text(FILE *out, const esim_saip_summary *s)
{
    fprintf(out, "SAIP profile package\n");
    print_obj(out, s->json, 2, 0);
}
