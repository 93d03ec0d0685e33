/* Profile package audit (`esimscope audit`): a list of small named checks run over a SAIP
 * (TCA eUICC Profile Package v3.3.1) package. One check = one function with a stable kebab-case
 * id, a default severity, a one-line explanation and a spec reference; the checks are a table
 * (esim_audit_checks). Findings name the PE (index in the package) and a path inside it.
 * Key, PIN and PUK values never appear in findings unless show_keys is set. */
#ifndef ESIM_AUDIT_H
#define ESIM_AUDIT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <json-c/json.h>
#include "esim/error.h"

typedef enum esim_audit_severity {
    ESIM_AUDIT_INFO = 0,
    ESIM_AUDIT_WARNING = 1,
    ESIM_AUDIT_ERROR = 2,
} esim_audit_severity;
const char *esim_audit_severity_name(esim_audit_severity s);
/* "info" / "warning" / "error" -> 0, -1 when unknown. */
int esim_audit_severity_parse(const char *s, esim_audit_severity *out);

struct audit_ctx;
typedef struct esim_audit_check {
    const char *id;                 /* stable kebab-case id, e.g. "known-test-key" */
    esim_audit_severity severity;   /* default severity */
    const char *summary;            /* one line: what the finding means */
    const char *reference;          /* spec reference */
    void (*run)(struct audit_ctx *c, const struct esim_audit_check *self);
} esim_audit_check;

/* The table of checks, in the order they run. */
const esim_audit_check *esim_audit_checks(size_t *count);
const esim_audit_check *esim_audit_check_find(const char *id);

typedef struct esim_audit_finding {
    const char *id;                 /* check id (static) */
    esim_audit_severity severity;   /* after policy */
    esim_audit_severity default_severity;
    long pe;                        /* PE index in the package, -1 = the package as a whole */
    char path[128];                 /* e.g. "akaParameter/algoParameter/key" */
    char message[320];
    const char *reference;
    bool silenced;                  /* by the policy: listed apart, never fails a gate */
    char policy_reason[160];        /* reason from the policy when it changed this finding */
    size_t seq;                     /* emission order (checks in table order) */
} esim_audit_finding;

typedef struct esim_audit_policy esim_audit_policy;

typedef struct esim_audit_opts {
    bool show_keys;                 /* put key/PIN values into the messages */
    bool expect_test;               /* the package is declared a test profile */
    int profile_class;              /* StoreMetadata profileClass: -1 unknown, 0 test, 1, 2 */
    const esim_audit_policy *policy;/* NULL: defaults */
} esim_audit_opts;

typedef struct esim_audit_report {
    char iccid[21];                 /* header ICCID digits ("" when not readable) */
    char profile_type[101];
    size_t pe_count;
    bool test_profile;              /* recognised as a test profile */
    esim_audit_finding *findings;
    size_t n, cap;
} esim_audit_report;

/* Audits one package (a sequence of ProfileElement DER values). Malformed packages give
 * findings (pe-truncated, pe-malformed, ...), not errors: -1 only when len is 0 or memory
 * runs out. Findings are sorted by severity (error first), then PE index. */
int esim_audit_upp(const uint8_t *der, size_t len, const esim_audit_opts *opts,
                   esim_audit_report *rep, esim_error *err);
void esim_audit_report_free(esim_audit_report *rep);

/* Audits the profile inside a Bound Profile Package ('BF36'): opens it with the key log (every
 * segment must verify), takes profileClass from StoreMetadata (absent = operational; test =
 * declared test profile) and audits the UPP. -1 when the BPP cannot be parsed or opened. */
struct esim_keylog;
int esim_audit_bpp(const uint8_t *der, size_t len, const struct esim_keylog *kl,
                   const esim_audit_opts *opts, esim_audit_report *rep, esim_error *err);

/* Number of findings at or above sev, silenced ones excluded. */
size_t esim_audit_count(const esim_audit_report *rep, esim_audit_severity sev);
/* Whether the report has a finding with this id (silenced ones included). */
bool esim_audit_has(const esim_audit_report *rep, const char *id);

json_object *esim_audit_report_json(const esim_audit_report *rep, const char *source);
void esim_audit_print_text(FILE *out, const esim_audit_report *rep, const char *source);

/* --- policy (lib/audit/audit_policy.c; format in docs/audit.md) ---
 *   # comment
 *   silence  <check-id> <reason...>
 *   severity <check-id> <info|warning|error> <reason...>
 * A reason is required. Unknown ids and verbs are errors naming the line. */
int esim_audit_policy_parse(const char *text, size_t len, const char *name,
                            esim_audit_policy **out, esim_error *err);
int esim_audit_policy_load(const char *path, esim_audit_policy **out, esim_error *err);
void esim_audit_policy_free(esim_audit_policy *p);
/* Applies the policy to a finding (silence or severity change, with the reason). */
void esim_audit_policy_apply(const esim_audit_policy *p, esim_audit_finding *f);
#endif
