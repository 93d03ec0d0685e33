/* Audit policy file: silence a finding id or change its severity, each with a reason.
 *   # comment
 *   silence  <check-id> <reason...>
 *   severity <check-id> <info|warning|error> <reason...>
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "esim/audit.h"

typedef struct rule {
    char id[48];
    bool silence;
    esim_audit_severity sev;
    char reason[160];
} rule;

struct esim_audit_policy {
    rule *r;
    size_t n;
};

static const char *word(const char *p, const char *end, char *out, size_t cap)
{
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    size_t n = 0;
    while (p < end && *p != ' ' && *p != '\t') {
        if (n + 1 < cap)
            out[n++] = *p;
        p++;
    }
    out[n] = '\0';
    return p;
}

int esim_audit_policy_parse(const char *text, size_t len, const char *name, esim_audit_policy **out,
                            esim_error *err)
{
    esim_audit_policy *pol = calloc(1, sizeof *pol);
    if (!pol)
        return esim_error_set(err, "policy: out of memory");
    const char *p = text, *end = text + len;
    unsigned line = 0;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        line++;
        const char *le = eol;
        while (le > p && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
            le--;
        char verb[16], id[64], sev[16] = "";
        const char *q = word(p, le, verb, sizeof verb);
        if (verb[0] == '\0' || verb[0] == '#') {
            p = eol + (eol < end);
            continue;
        }
        q = word(q, le, id, sizeof id);
        rule r = {0};
        int bad = 0;
        if (strcmp(verb, "silence") == 0) {
            r.silence = true;
        } else if (strcmp(verb, "severity") == 0) {
            q = word(q, le, sev, sizeof sev);
            if (esim_audit_severity_parse(sev, &r.sev) != 0)
                bad = esim_error_set(err, "%s:%u: severity must be info, warning or error, not '%s'", name, line, sev);
        } else {
            bad = esim_error_set(err, "%s:%u: unknown verb '%s' (silence or severity)", name, line, verb);
        }
        if (!bad && !esim_audit_check_find(id))
            bad = esim_error_set(err, "%s:%u: unknown check id '%s'", name, line, id);
        while (q < le && (*q == ' ' || *q == '\t'))
            q++;
        if (!bad && q >= le)
            bad = esim_error_set(err, "%s:%u: a reason is required after '%s %s'", name, line, verb, id);
        if (bad) {
            esim_audit_policy_free(pol);
            return -1;
        }
        snprintf(r.id, sizeof r.id, "%.47s", id);
        snprintf(r.reason, sizeof r.reason, "%.*s", (int)(le - q), q);
        rule *nr = realloc(pol->r, (pol->n + 1) * sizeof *nr);
        if (!nr) {
            esim_audit_policy_free(pol);
            return esim_error_set(err, "policy: out of memory");
        }
        pol->r = nr;
        pol->r[pol->n++] = r;
        p = eol + (eol < end);
    }
    *out = pol;
    return 0;
}

int esim_audit_policy_load(const char *path, esim_audit_policy **out, esim_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return esim_error_set(err, "%s: cannot open policy file: %s", path, strerror(errno));
    char *buf = NULL;
    size_t n = 0, cap = 0;
    int ch;
    while ((ch = fgetc(f)) != EOF) {
        if (n + 1 >= cap) {
            if (cap >= (1u << 20)) {
                free(buf);
                fclose(f);
                return esim_error_set(err, "%s: policy file larger than 1 MiB", path);
            }
            char *nb = realloc(buf, cap ? cap * 2 : 1024);
            if (!nb) {
                free(buf);
                fclose(f);
                return esim_error_set(err, "policy: out of memory");
            }
            buf = nb;
            cap = cap ? cap * 2 : 1024;
        }
        buf[n++] = (char)ch;
    }
    if (ferror(f)) { /* a directory, an I/O error */
        int e = errno;
        free(buf);
        fclose(f);
        return esim_error_set(err, "%s: reading policy file failed: %s", path, strerror(e));
    }
    fclose(f);
    int rc = esim_audit_policy_parse(buf ? buf : "", n, path, out, err);
    free(buf);
    return rc;
}

void esim_audit_policy_free(esim_audit_policy *p)
{
    if (!p)
        return;
    free(p->r);
    free(p);
}

void esim_audit_policy_apply(const esim_audit_policy *p, esim_audit_finding *f)
{
    for (size_t i = 0; p && i < p->n; i++) {
        if (strcmp(p->r[i].id, f->id) != 0)
            continue;
        if (p->r[i].silence)
            f->silenced = true;
        else
            f->severity = p->r[i].sev;
        snprintf(f->policy_reason, sizeof f->policy_reason, "%s", p->r[i].reason);
    }
}
