/* File checks on the explicit FCPs of template PEs: file IDs / short file IDs unique in a DF,
 * fill content within the declared file size. (Template defaults are not known here: only
 * values written in the package are compared.) */
#include <string.h>
#include "audit_internal.h"

static const Fcp_t *file_fcp(const File_t *f)
{
    for (int i = 0; f && i < f->list.count; i++)
        if (f->list.array[i]->present == File__Member_PR_fileDescriptor)
            return &f->list.array[i]->choice.fileDescriptor;
    return NULL;
}

static const void *member_ptr(const void *base, const asn_TYPE_member_t *elm)
{
    const void *p = (const char *)base + elm->memb_offset;
    if (elm->flags & ATF_POINTER)
        p = *(const void *const *)p;
    return p;
}

/* Calls cb for every File member of a template PE. */
typedef void (*file_cb)(audit_ctx *c, const esim_audit_check *k, long pe, const char *name, const File_t *f,
                        void *user);

static void for_each_file(audit_ctx *c, const esim_audit_check *k, size_t i, file_cb cb, void *user)
{
    const ProfileElement_t *pe = c->pes[i].pe;
    if (!pe || pe->present < ProfileElement_PR_mf)
        return;
    const asn_TYPE_member_t *alt = &asn_DEF_ProfileElement.elements[pe->present - 1];
    const void *v = (const char *)pe + alt->memb_offset;
    for (int m = 0; m < alt->type->elements_count; m++) {
        const asn_TYPE_member_t *elm = &alt->type->elements[m];
        const File_t *f = elm->type == &asn_DEF_File ? member_ptr(v, elm) : NULL;
        if (f)
            cb(c, k, (long)i, elm->name, f, user);
    }
}

/* One DF per group: the MF PE, and each NAA PE with its optional-files PE (same ADF). */
static int df_group(int present)
{
    switch (present) {
    case ProfileElement_PR_mf: return 1;
    case ProfileElement_PR_usim: case ProfileElement_PR_opt_usim: return 2;
    case ProfileElement_PR_isim: case ProfileElement_PR_opt_isim: return 3;
    case ProfileElement_PR_csim: case ProfileElement_PR_opt_csim: return 4;
    default: return 0;
    }
}

typedef struct seen_file {
    long pe;
    const char *name;
    uint8_t fid[2];
    bool has_fid;
    int sfi; /* -1 none */
} seen_file;

typedef struct dup_state {
    seen_file f[128];
    size_t n;
} dup_state;

static void dup_cb(audit_ctx *c, const esim_audit_check *k, long pe, const char *name, const File_t *f, void *user)
{
    dup_state *s = user;
    const Fcp_t *fcp = file_fcp(f);
    if (!fcp || strncmp(name, "ef-", 3) != 0 || s->n >= sizeof s->f / sizeof s->f[0])
        return;
    seen_file x = {.pe = pe, .name = name, .sfi = -1};
    if (fcp->fileID && fcp->fileID->size == 2) {
        memcpy(x.fid, fcp->fileID->buf, 2);
        x.has_fid = true;
    }
    if (fcp->shortEFID && fcp->shortEFID->size == 1 && fcp->shortEFID->buf[0] != 0)
        x.sfi = fcp->shortEFID->buf[0] >> 3; /* TS 102 221 11.1.1.4.8: SFI in b8..b4 */
    for (size_t j = 0; j < s->n; j++) {
        const seen_file *y = &s->f[j];
        char path[96];
        snprintf(path, sizeof path, "%s/%s", audit_pe_name(c->pes[pe].pe->present), name);
        if (x.has_fid && y->has_fid && memcmp(x.fid, y->fid, 2) == 0)
            audit_emit(c, k, pe, path, "file ID %02X%02X is also used by %s (PE #%ld) in the same DF", x.fid[0],
                       x.fid[1], y->name, y->pe);
        else if (x.sfi >= 0 && x.sfi == y->sfi)
            audit_emit(c, k, pe, path, "short file ID %02X is also used by %s (PE #%ld) in the same DF", x.sfi,
                       y->name, y->pe);
    }
    s->f[s->n++] = x;
}

AUDIT_CHECK(audit_file_duplicate)
{
    for (int g = 1; g <= 4; g++) {
        dup_state s;
        s.n = 0;
        for (size_t i = 0; i < c->n; i++)
            if (c->pes[i].pe && df_group((int)c->pes[i].pe->present) == g)
                for_each_file(c, k, i, dup_cb, &s);
    }
}

static void fill_cb(audit_ctx *c, const esim_audit_check *k, long pe, const char *name, const File_t *f, void *user)
{
    (void)user;
    const Fcp_t *fcp = file_fcp(f);
    if (!fcp || !fcp->efFileSize || fcp->efFileSize->size < 1 || fcp->efFileSize->size > 4)
        return;
    unsigned long size = 0;
    for (int i = 0; i < fcp->efFileSize->size; i++)
        size = size << 8 | fcp->efFileSize->buf[i];
    unsigned long pos = 0, end = 0;
    for (int i = 0; i < f->list.count; i++) {
        const struct File__Member *m = f->list.array[i];
        if (m->present == File__Member_PR_fillFileOffset)
            pos += (unsigned long)m->choice.fillFileOffset;
        else if (m->present == File__Member_PR_fillFileContent)
            pos += (unsigned long)m->choice.fillFileContent.size;
        if (pos > end)
            end = pos;
    }
    if (end > size) {
        char path[96];
        snprintf(path, sizeof path, "%s/%s", audit_pe_name(c->pes[pe].pe->present), name);
        audit_emit(c, k, pe, path, "fill content reaches byte %lu but the file size is %lu", end, size);
    }
}

AUDIT_CHECK(audit_file_overflow)
{
    for (size_t i = 0; i < c->n; i++)
        for_each_file(c, k, i, fill_cb, NULL);
}

/* EF.ARR records of a DF group, when its FCP gives record length and file size (else 0). */
static unsigned long arr_records(const audit_ctx *c, int group)
{
    for (size_t i = 0; i < c->n; i++) {
        const ProfileElement_t *pe = c->pes[i].pe;
        if (!pe || df_group((int)pe->present) != group)
            continue;
        const File_t *f = NULL;
        if (pe->present == ProfileElement_PR_mf)
            f = &pe->choice.mf.ef_arr;
        else if (pe->present == ProfileElement_PR_usim)
            f = &pe->choice.usim.ef_arr;
        else if (pe->present == ProfileElement_PR_isim)
            f = &pe->choice.isim.ef_arr;
        else if (pe->present == ProfileElement_PR_csim)
            f = &pe->choice.csim.ef_arr;
        const Fcp_t *fcp = file_fcp(f);
        if (!fcp || !fcp->fileDescriptor || fcp->fileDescriptor->size < 4 || !fcp->efFileSize ||
            fcp->efFileSize->size < 1 || fcp->efFileSize->size > 4)
            return 0;
        /* TS 102 221 11.1.1.4.3: descriptor, data coding, record length (2 bytes) */
        unsigned long reclen = (unsigned long)fcp->fileDescriptor->buf[2] << 8 | fcp->fileDescriptor->buf[3], size = 0;
        for (int b = 0; b < fcp->efFileSize->size; b++)
            size = size << 8 | fcp->efFileSize->buf[b];
        return reclen ? size / reclen : 0;
    }
    return 0;
}

typedef struct arr_state {
    int group;
    unsigned long own, mf; /* record counts of the group's EF.ARR and of the MF's (0 unknown) */
} arr_state;

/* securityAttributesReferenced (TS 102 221 11.1.1.4.7.3): one byte = record of the EF.ARR of
 * this DF (or its parent for EFs), three bytes = EF.ARR file ID + record. */
static void arr_cb(audit_ctx *c, const esim_audit_check *k, long pe, const char *name, const File_t *f, void *user)
{
    arr_state *s = user;
    const Fcp_t *fcp = file_fcp(f);
    const OCTET_STRING_t *sa = fcp ? fcp->securityAttributesReferenced : NULL;
    if (!sa || (sa->size != 1 && sa->size != 3))
        return;
    unsigned rec = sa->buf[sa->size - 1];
    unsigned long have = s->own;
    const char *which = "this DF's EF.ARR";
    if (sa->size == 3 && sa->buf[0] == 0x2F && sa->buf[1] == 0x06) {
        have = s->mf;
        which = "EF.ARR 2F06 (MF)";
    } else if (sa->size == 3 && !(sa->buf[0] == 0x6F && sa->buf[1] == 0x06)) {
        return; /* another ARR file: not resolved here */
    }
    if (have == 0 || (rec >= 1 && rec <= have))
        return;
    char path[96];
    snprintf(path, sizeof path, "%s/%s", audit_pe_name(c->pes[pe].pe->present), name);
    audit_emit(c, k, pe, path, "access rule record %u of %s does not exist (%lu records)", rec, which, have);
}

AUDIT_CHECK(audit_arr_unresolved)
{
    arr_state s = {.mf = arr_records(c, 1)};
    for (int g = 1; g <= 4; g++) {
        s.group = g;
        s.own = arr_records(c, g);
        for (size_t i = 0; i < c->n; i++)
            if (c->pes[i].pe && df_group((int)c->pes[i].pe->present) == g)
                for_each_file(c, k, i, arr_cb, &s);
    }
}
