/* eSIM key log reader/writer (docs/keylog.md). */
#include "esim/keylog.h"
#include "esim/hex.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct esim_keylog {
    esim_keylog_entry *e;
    size_t n, cap;
};

/* Label and the byte lengths of its fields after the TransactionID (0 = unused). */
static const struct {
    const char *label;
    unsigned nfields;
    size_t len[3];
} kinds[ESIM_KL_KIND_COUNT] = {
    [ESIM_KL_SESSION_KEYS] = { "SESSION_KEYS", 3, { 16, 16, 16 } },
    [ESIM_KL_PPK] = { "PPK", 3, { 16, 16, 16 } },
    [ESIM_KL_EUICC_OTSK] = { "EUICC_OTSK", 2, { 32, 16, 0 } },
    [ESIM_KL_EUICC_OTPK] = { "EUICC_OTPK", 1, { 65, 0, 0 } },
    [ESIM_KL_SMDP_OTSK] = { "SMDP_OTSK", 2, { 32, 16, 0 } },
};

static const char *field_names[ESIM_KL_KIND_COUNT][3] = {
    [ESIM_KL_SESSION_KEYS] = { "S-ENC", "S-MAC", "initial MCV" },
    [ESIM_KL_PPK] = { "PPK-ENC", "PPK-MAC", "initial MCV" },
    [ESIM_KL_EUICC_OTSK] = { "private key", "EID", NULL },
    [ESIM_KL_EUICC_OTPK] = { "public key", NULL, NULL },
    [ESIM_KL_SMDP_OTSK] = { "private key", "EID", NULL },
};

const char *esim_keylog_label(esim_keylog_kind k)
{
    return k < ESIM_KL_KIND_COUNT ? kinds[k].label : "?";
}

esim_keylog *esim_keylog_new(void)
{
    return calloc(1, sizeof(esim_keylog));
}

void esim_keylog_free(esim_keylog *kl)
{
    if (!kl)
        return;
    if (kl->e) {
        esim_wipe(kl->e, kl->cap * sizeof *kl->e);
        free(kl->e);
    }
    free(kl);
}

size_t esim_keylog_count(const esim_keylog *kl)
{
    return kl ? kl->n : 0;
}

int esim_keylog_add(esim_keylog *kl, const esim_keylog_entry *e, esim_error *err)
{
    if (kl->n == kl->cap) {
        size_t cap = kl->cap ? kl->cap * 2 : 16;
        esim_keylog_entry *ne = calloc(cap, sizeof *ne);
        if (!ne)
            return esim_error_set(err, "out of memory");
        if (kl->n)
            memcpy(ne, kl->e, kl->n * sizeof *ne);
        if (kl->e) {
            esim_wipe(kl->e, kl->cap * sizeof *kl->e);
            free(kl->e);
        }
        kl->e = ne;
        kl->cap = cap;
    }
    kl->e[kl->n++] = *e;
    return 0;
}

const esim_keylog_entry *esim_keylog_find(const esim_keylog *kl, esim_keylog_kind kind,
                                          const uint8_t *tid, size_t tid_len)
{
    for (size_t i = 0; kl && i < kl->n; i++)
        if (kl->e[i].kind == kind && kl->e[i].tid_len == tid_len &&
            !memcmp(kl->e[i].tid, tid, tid_len))
            return &kl->e[i];
    return NULL;
}

static uint8_t *field_dst(esim_keylog_entry *e, unsigned i)
{
    switch (e->kind) {
    case ESIM_KL_SESSION_KEYS:
    case ESIM_KL_PPK:
        return i == 0 ? e->keys.s_enc : i == 1 ? e->keys.s_mac : e->keys.mcv;
    case ESIM_KL_EUICC_OTSK:
    case ESIM_KL_SMDP_OTSK:
        return i == 0 ? e->scalar : e->eid;
    case ESIM_KL_EUICC_OTPK:
        return e->point;
    default:
        return NULL;
    }
}

/* One line without its newline. 0 = ok (entry added or comment/blank), -1 = error. */
static int parse_line(esim_keylog *kl, char *line, unsigned lineno, const char *name,
                      esim_error *err)
{
    char *save = NULL, *tok[6];
    unsigned nt = 0;
    for (char *t = strtok_r(line, " \t\r", &save); t; t = strtok_r(NULL, " \t\r", &save)) {
        if (t[0] == '#')
            break;
        if (nt == 6)
            return esim_error_set(err, "%s line %u: too many fields", name, lineno);
        tok[nt++] = t;
    }
    if (nt == 0)
        return 0;
    esim_keylog_entry e;
    memset(&e, 0, sizeof e);
    e.line = lineno;
    size_t k;
    for (k = 0; k < ESIM_KL_KIND_COUNT; k++)
        if (!strcmp(tok[0], kinds[k].label))
            break;
    if (k == ESIM_KL_KIND_COUNT)
        return esim_error_set(err, "%s line %u: unknown label \"%.40s\"", name, lineno, tok[0]);
    e.kind = (esim_keylog_kind)k;
    if (nt != 2 + kinds[k].nfields)
        return esim_error_set(err, "%s line %u: %s needs a TransactionID and %u value(s), got %u",
                              name, lineno, kinds[k].label, kinds[k].nfields,
                              nt > 1 ? nt - 1 : 0);
    long n = esim_unhex(tok[1], strlen(tok[1]), e.tid, sizeof e.tid);
    if (n < 1)
        return esim_error_set(err, "%s line %u: TransactionID must be 1 to 16 bytes of hex",
                              name, lineno);
    e.tid_len = (size_t)n;
    int rc = 0;
    for (unsigned i = 0; i < kinds[k].nfields && rc == 0; i++) {
        size_t want = kinds[k].len[i];
        uint8_t buf[80];
        n = esim_unhex(tok[2 + i], strlen(tok[2 + i]), buf, sizeof buf);
        if (n != (long)want)
            rc = esim_error_set(err, "%s line %u: %s %s must be %zu bytes of hex", name, lineno,
                                kinds[k].label, field_names[k][i], want);
        else
            memcpy(field_dst(&e, i), buf, want);
        esim_wipe(buf, sizeof buf);
    }
    if (e.kind == ESIM_KL_EUICC_OTPK && rc == 0) {
        e.point_len = 65;
        if (e.point[0] != 0x04)
            rc = esim_error_set(err, "%s line %u: EUICC_OTPK must be an uncompressed point (04...)",
                                name, lineno);
    }
    if (e.kind == ESIM_KL_EUICC_OTSK || e.kind == ESIM_KL_SMDP_OTSK)
        e.eid_len = 16;
    if (rc == 0)
        rc = esim_keylog_add(kl, &e, err);
    esim_wipe(&e, sizeof e);
    return rc;
}

int esim_keylog_parse(esim_keylog *kl, const char *text, size_t len, const char *name,
                      esim_error *err)
{
    unsigned lineno = 0;
    size_t pos = 0;
    int rc = 0;
    while (pos < len && rc == 0) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t ll = nl ? (size_t)(nl - (text + pos)) : len - pos;
        lineno++;
        if (ll > 4096)
            return esim_error_set(err, "%s line %u: line too long", name, lineno);
        char line[4097];
        memcpy(line, text + pos, ll);
        line[ll] = '\0';
        if (memchr(line, '\0', ll))
            rc = esim_error_set(err, "%s line %u: NUL byte (not a text file?)", name, lineno);
        else
            rc = parse_line(kl, line, lineno, name, err);
        esim_wipe(line, ll + 1);
        pos += ll + (nl ? 1 : 0);
    }
    return rc;
}

int esim_keylog_load(esim_keylog *kl, const char *path, esim_error *err)
{
    int is_stdin = !strcmp(path, "-");
    FILE *f = is_stdin ? stdin : fopen(path, "r");
    if (!f)
        return esim_error_set(err, "cannot open key log %s: %s", path, strerror(errno));
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    int rc = 0, read_errno = 0;
    errno = 0;
    while (buf) {
        if (len == cap) {
            if (cap >= (64u << 20)) {
                rc = esim_error_set(err, "key log %s is larger than 64 MB", path);
                break;
            }
            char *nb = malloc(cap * 2);
            if (nb)
                memcpy(nb, buf, len);
            esim_wipe(buf, cap);
            free(buf);
            buf = nb;
            cap *= 2;
            continue;
        }
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) {
            read_errno = errno;
            break;
        }
    }
    if (!buf)
        rc = esim_error_set(err, "out of memory");
    else if (ferror(f))
        rc = esim_error_set(err, "reading key log %s failed: %s", path,
                            read_errno ? strerror(read_errno) : "read error");
    if (!is_stdin)
        fclose(f);
    if (rc == 0)
        rc = esim_keylog_parse(kl, buf, len, is_stdin ? "key log (stdin)" : path, err);
    if (buf) {
        esim_wipe(buf, cap);
        free(buf);
    }
    return rc;
}

int esim_keylog_write(FILE *f, const esim_keylog_entry *e)
{
    if (e->kind >= ESIM_KL_KIND_COUNT || e->tid_len < 1 || e->tid_len > ESIM_TID_MAX)
        return -1;
    char hex[2 * 65 + 1];
    esim_keylog_entry tmp = *e;
    fprintf(f, "%s %s", kinds[e->kind].label, esim_hex(e->tid, e->tid_len, hex));
    for (unsigned i = 0; i < kinds[e->kind].nfields; i++)
        fprintf(f, " %s", esim_hex(field_dst(&tmp, i), kinds[e->kind].len[i], hex));
    esim_wipe(hex, sizeof hex);
    esim_wipe(&tmp, sizeof tmp);
    return fprintf(f, "\n") < 0 ? -1 : 0;
}
