/* Profile package audit: walks the PEs (bounds-checked, a bad PE becomes a finding), runs the
 * table of checks, applies the policy and renders the report. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "audit_internal.h"
#include "esim/bpp.h"
#include "esim/hex.h"
#include "esim/keylog.h"
#include "esim/saip.h"
#include "esim/tlv.h"

static const char *const SEV_NAMES[] = {"info", "warning", "error"};

const char *esim_audit_severity_name(esim_audit_severity s)
{
    return (unsigned)s < 3 ? SEV_NAMES[s] : "?";
}

int esim_audit_severity_parse(const char *s, esim_audit_severity *out)
{
    for (int i = 0; i < 3; i++)
        if (s && strcmp(s, SEV_NAMES[i]) == 0) {
            *out = (esim_audit_severity)i;
            return 0;
        }
    return -1;
}

/* ---- findings ---- */

static void emit_v(audit_ctx *c, const esim_audit_check *k, esim_audit_severity sev, long pe,
                   const char *path, const char *fmt, va_list ap) __attribute__((format(printf, 6, 0)));

static void emit_v(audit_ctx *c, const esim_audit_check *k, esim_audit_severity sev, long pe,
                   const char *path, const char *fmt, va_list ap)
{
    esim_audit_report *r = c->rep;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        esim_audit_finding *f = realloc(r->findings, cap * sizeof *f);
        if (!f) {
            c->oom = true;
            return;
        }
        r->findings = f;
        r->cap = cap;
    }
    esim_audit_finding *f = &r->findings[r->n++];
    memset(f, 0, sizeof *f);
    f->id = k->id;
    f->severity = f->default_severity = sev;
    f->pe = pe;
    f->seq = r->n - 1;
    snprintf(f->path, sizeof f->path, "%s", path ? path : "");
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    f->reference = k->reference;
    if (c->opts->policy)
        esim_audit_policy_apply(c->opts->policy, f);
}

void audit_emit(audit_ctx *c, const esim_audit_check *k, long pe, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_v(c, k, k->severity, pe, path, fmt, ap);
    va_end(ap);
}

void audit_emit_sev(audit_ctx *c, const esim_audit_check *k, esim_audit_severity sev, long pe,
                    const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    emit_v(c, k, sev, pe, path, fmt, ap);
    va_end(ap);
}

/* ---- helpers over decoded PEs ---- */

const char *audit_pe_name(int present)
{
    if (present < 1 || present > asn_DEF_ProfileElement.elements_count)
        return "unknown";
    return asn_DEF_ProfileElement.elements[present - 1].name;
}

const ProfileHeader_t *audit_header(const audit_ctx *c, long *index)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->pes[i].pe && c->pes[i].pe->present == ProfileElement_PR_header) {
            if (index)
                *index = (long)i;
            return &c->pes[i].pe->choice.header;
        }
    return NULL;
}

static const void *member_ptr(const void *base, const asn_TYPE_member_t *elm)
{
    const void *p = (const char *)base + elm->memb_offset;
    if (elm->flags & ATF_POINTER)
        p = *(const void *const *)p;
    return p;
}

bool audit_service(const ProfileHeader_t *h, const char *name)
{
    const asn_TYPE_descriptor_t *td = &asn_DEF_ServicesList;
    for (int i = 0; h && i < td->elements_count; i++)
        if (strcmp(td->elements[i].name, name) == 0)
            return member_ptr(&h->eUICC_Mandatory_services, &td->elements[i]) != NULL;
    return false;
}

const OCTET_STRING_t *audit_file_content(const ProfileElement_t *pe, const char *name)
{
    if (!pe || pe->present < ProfileElement_PR_mf ||
        (int)pe->present > asn_DEF_ProfileElement.elements_count)
        return NULL;
    const asn_TYPE_member_t *alt = &asn_DEF_ProfileElement.elements[pe->present - 1];
    const void *v = (const char *)pe + alt->memb_offset;
    for (int i = 0; i < alt->type->elements_count; i++) {
        const asn_TYPE_member_t *elm = &alt->type->elements[i];
        if (elm->type != &asn_DEF_File || strcmp(elm->name, name) != 0)
            continue;
        const File_t *f = member_ptr(v, elm);
        for (int j = 0; f && j < f->list.count; j++)
            if (f->list.array[j]->present == File__Member_PR_fillFileContent)
                return &f->list.array[j]->choice.fillFileContent;
        return NULL;
    }
    return NULL;
}

const char *audit_secret(const audit_ctx *c, const uint8_t *v, size_t len, char *buf, size_t cap)
{
    if (!c->opts->show_keys || cap < 2 * len + 3) {
        snprintf(buf, cap, "(value masked, --show-keys)");
        return buf;
    }
    buf[0] = '=';
    buf[1] = ' ';
    esim_hex(v, len, buf + 2);
    return buf;
}

/* ---- walk ---- */

static long pe_ident(const ProfileElement_t *pe)
{
    const asn_TYPE_member_t *alt = &asn_DEF_ProfileElement.elements[pe->present - 1];
    const asn_TYPE_descriptor_t *td = alt->type;
    if (td->elements_count > 0 && td->elements[0].type == &asn_DEF_PEHeader) {
        const PEHeader_t *h = member_ptr((const char *)pe + alt->memb_offset, &td->elements[0]);
        if (h)
            return h->identification;
    }
    return -1;
}

/* ProfileElement alternatives are [n] context-specific constructed, n = index (X.690 8.1.2). */
static int tag_number(const esim_tlv *t)
{
    uint32_t tag = t->tag;
    if (tag <= 0xFF)
        return (tag & 0xE0) == 0xA0 && (tag & 0x1F) != 0x1F ? (int)(tag & 0x1F) : -1;
    if (tag <= 0xFFFF && (tag >> 8) == 0xBF && (tag & 0x80) == 0)
        return (int)(tag & 0x7F);
    return -1;
}

static void walk(audit_ctx *c, const uint8_t *der, size_t len)
{
    size_t off = 0, cap = 0;
    while (off < len && !c->oom) {
        esim_tlv t;
        esim_error e;
        if (esim_tlv_parse(der + off, len - off, off, &t, &e) != 0) {
            c->truncated = true;
            c->trunc_offset = off;
            snprintf(c->trunc_msg, sizeof c->trunc_msg, "%.190s", e.msg);
            return;
        }
        if (c->n == cap) {
            cap = cap ? cap * 2 : 32;
            audit_pe *p = realloc(c->pes, cap * sizeof *p);
            if (!p) {
                c->oom = true;
                return;
            }
            c->pes = p;
        }
        audit_pe *ap = &c->pes[c->n++];
        memset(ap, 0, sizeof *ap);
        ap->offset = off;
        ap->len = esim_tlv_total(&t);
        ap->ident = -1;
        ap->tag_number = tag_number(&t);
        if (ap->tag_number < 0 || ap->tag_number >= asn_DEF_ProfileElement.elements_count) {
            ap->unknown = true;
        } else {
            ProfileElement_t *pe = NULL;
            asn_dec_rval_t rv = ber_decode(NULL, &asn_DEF_ProfileElement, (void **)&pe, der + off, ap->len);
            if (rv.code != RC_OK || rv.consumed != ap->len || !pe || pe->present == ProfileElement_PR_NOTHING ||
                (int)pe->present > asn_DEF_ProfileElement.elements_count) {
                ap->malformed = true;
                snprintf(ap->why, sizeof ap->why, "its content does not decode as %s",
                         asn_DEF_ProfileElement.elements[ap->tag_number].name);
                if (pe) {
                    esim_saip_pe_wipe(pe);
                    ASN_STRUCT_FREE(asn_DEF_ProfileElement, pe);
                }
            } else {
                char msg[160];
                size_t ml = sizeof msg;
                if (asn_check_constraints(&asn_DEF_ProfileElement, pe, msg, &ml) != 0) {
                    ap->malformed = true;
                    snprintf(ap->why, sizeof ap->why, "breaks a constraint of the module: %s", msg);
                }
                ap->pe = pe;
                ap->ident = pe_ident(pe);
            }
        }
        off += ap->len;
    }
}

/* Unsilenced first, then severity (error first), then PE index, then emission order. */
static int cmp_finding(const void *a, const void *b)
{
    const esim_audit_finding *x = a, *y = b;
    if (x->silenced != y->silenced)
        return x->silenced ? 1 : -1;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->pe != y->pe)
        return x->pe < y->pe ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int esim_audit_upp(const uint8_t *der, size_t len, const esim_audit_opts *opts,
                   esim_audit_report *rep, esim_error *err)
{
    static const esim_audit_opts defaults = {.profile_class = -1};
    memset(rep, 0, sizeof *rep);
    if (!der || len == 0)
        return esim_error_set(err, "SAIP: empty profile package");
    audit_ctx c = {.opts = opts ? opts : &defaults, .rep = rep};
    walk(&c, der, len);
    rep->pe_count = c.n;
    const ProfileHeader_t *h = audit_header(&c, NULL);
    if (h) {
        if (h->iccid.size == 10)
            esim_iccid_digits(h->iccid.buf, 10, rep->iccid);
        if (h->profileType)
            snprintf(rep->profile_type, sizeof rep->profile_type, "%.*s",
                     (int)(h->profileType->size > 100 ? 100 : h->profileType->size),
                     (const char *)h->profileType->buf);
    }
    size_t nchecks;
    const esim_audit_check *checks = esim_audit_checks(&nchecks);
    for (size_t i = 0; i < nchecks && !c.oom; i++)
        checks[i].run(&c, &checks[i]);
    rep->test_profile = esim_audit_has(rep, "test-profile");
    if (rep->n > 1)
        qsort(rep->findings, rep->n, sizeof *rep->findings, cmp_finding);
    for (size_t i = 0; i < c.n; i++)
        if (c.pes[i].pe) {
            esim_saip_pe_wipe(c.pes[i].pe);
            ASN_STRUCT_FREE(asn_DEF_ProfileElement, c.pes[i].pe);
        }
    free(c.pes);
    if (c.oom) {
        esim_audit_report_free(rep);
        return esim_error_set(err, "audit: out of memory");
    }
    return 0;
}

int esim_audit_bpp(const uint8_t *der, size_t len, const struct esim_keylog *kl,
                   const esim_audit_opts *opts, esim_audit_report *rep, esim_error *err)
{
    static const esim_audit_opts defaults = {.profile_class = -1};
    esim_bpp b;
    esim_bpp_opened o;
    memset(&b, 0, sizeof b);
    memset(rep, 0, sizeof *rep);
    if (esim_bpp_parse(der, len, &b, err) != 0) {
        esim_bpp_clear(&b);
        return -1;
    }
    int rc = esim_bpp_open(&b, kl, &o, err);
    if (rc == 0 && (!o.upp || !o.upp_complete))
        rc = esim_error_set(err, "BPP: the profile package could not be opened completely%s%s",
                            o.first_failure[0] ? ": " : "", o.first_failure);
    if (rc == 0) {
        esim_audit_opts eff = *(opts ? opts : &defaults);
        eff.profile_class = 2; /* SGP.22 StoreMetadataRequest: profileClass absent = operational */
        esim_metadata m;
        esim_error me;
        if (o.store_metadata && esim_metadata_decode(o.store_metadata, o.store_metadata_len, &m, &me) == 0 &&
            m.profile_class >= 0)
            eff.profile_class = m.profile_class;
        rc = esim_audit_upp(o.upp, o.upp_len, &eff, rep, err);
    }
    esim_bpp_opened_free(&o);
    esim_bpp_clear(&b);
    return rc;
}

void esim_audit_report_free(esim_audit_report *rep)
{
    if (rep->findings) {
        esim_wipe(rep->findings, rep->cap * sizeof *rep->findings);
        free(rep->findings);
    }
    memset(rep, 0, sizeof *rep);
}

size_t esim_audit_count(const esim_audit_report *rep, esim_audit_severity sev)
{
    size_t n = 0;
    for (size_t i = 0; i < rep->n; i++)
        if (!rep->findings[i].silenced && rep->findings[i].severity >= sev)
            n++;
    return n;
}

bool esim_audit_has(const esim_audit_report *rep, const char *id)
{
    for (size_t i = 0; i < rep->n; i++)
        if (strcmp(rep->findings[i].id, id) == 0)
            return true;
    return false;
}

/* ---- output ---- */

json_object *esim_audit_report_json(const esim_audit_report *rep, const char *source)
{
    json_object *o = json_object_new_object();
    if (source)
        json_object_object_add(o, "source", json_object_new_string(source));
    json_object_object_add(o, "iccid", json_object_new_string(rep->iccid));
    json_object_object_add(o, "profile_type", json_object_new_string(rep->profile_type));
    json_object_object_add(o, "pe_count", json_object_new_int64((int64_t)rep->pe_count));
    json_object_object_add(o, "test_profile", json_object_new_boolean(rep->test_profile));
    json_object *counts = json_object_new_object();
    for (int s = ESIM_AUDIT_ERROR; s >= ESIM_AUDIT_INFO; s--) {
        size_t n = 0;
        for (size_t i = 0; i < rep->n; i++)
            n += !rep->findings[i].silenced && rep->findings[i].severity == (esim_audit_severity)s;
        json_object_object_add(counts, SEV_NAMES[s], json_object_new_int64((int64_t)n));
    }
    json_object_object_add(o, "counts", counts);
    json_object *arr = json_object_new_array();
    for (size_t i = 0; i < rep->n; i++) {
        const esim_audit_finding *f = &rep->findings[i];
        json_object *x = json_object_new_object();
        json_object_object_add(x, "id", json_object_new_string(f->id));
        json_object_object_add(x, "severity", json_object_new_string(esim_audit_severity_name(f->severity)));
        if (f->severity != f->default_severity)
            json_object_object_add(x, "default_severity",
                                   json_object_new_string(esim_audit_severity_name(f->default_severity)));
        if (f->pe >= 0)
            json_object_object_add(x, "pe", json_object_new_int64(f->pe));
        json_object_object_add(x, "path", json_object_new_string(f->path));
        json_object_object_add(x, "message", json_object_new_string(f->message));
        json_object_object_add(x, "reference", json_object_new_string(f->reference));
        if (f->silenced)
            json_object_object_add(x, "silenced", json_object_new_boolean(1));
        if (f->policy_reason[0])
            json_object_object_add(x, "policy_reason", json_object_new_string(f->policy_reason));
        json_object_array_add(arr, x);
    }
    json_object_object_add(o, "findings", arr);
    return o;
}

static void print_finding(FILE *out, const esim_audit_finding *f)
{
    char where[40] = "package";
    if (f->pe >= 0)
        snprintf(where, sizeof where, "PE #%ld", f->pe);
    fprintf(out, "  [%s] %s%s%s: %s\n      ref: %s\n", f->id, where, f->path[0] ? " at " : "", f->path,
            f->message, f->reference);
    if (f->policy_reason[0])
        fprintf(out, "      policy: %s%s (default %s)\n", f->silenced ? "silenced, " : "", f->policy_reason,
                esim_audit_severity_name(f->default_severity));
}

void esim_audit_print_text(FILE *out, const esim_audit_report *rep, const char *source)
{
    fprintf(out, "audit of %s\n", source ? source : "profile package");
    fprintf(out, "  ICCID %s, profile type \"%s\", %zu PEs%s\n", rep->iccid[0] ? rep->iccid : "(unreadable)",
            rep->profile_type, rep->pe_count, rep->test_profile ? ", TEST PROFILE" : "");
    for (int s = ESIM_AUDIT_ERROR; s >= ESIM_AUDIT_INFO; s--) {
        size_t n = 0;
        for (size_t i = 0; i < rep->n; i++)
            n += !rep->findings[i].silenced && rep->findings[i].severity == (esim_audit_severity)s;
        if (!n)
            continue;
        fprintf(out, "%s (%zu):\n", s == 2 ? "ERRORS" : s == 1 ? "WARNINGS" : "INFO", n);
        for (size_t i = 0; i < rep->n; i++)
            if (!rep->findings[i].silenced && rep->findings[i].severity == (esim_audit_severity)s)
                print_finding(out, &rep->findings[i]);
    }
    size_t sil = rep->n - esim_audit_count(rep, ESIM_AUDIT_INFO);
    if (sil) {
        fprintf(out, "SILENCED BY POLICY (%zu):\n", sil);
        for (size_t i = 0; i < rep->n; i++)
            if (rep->findings[i].silenced)
                print_finding(out, &rep->findings[i]);
    }
    if (rep->n == 0)
        fprintf(out, "no findings: clean\n");
}
