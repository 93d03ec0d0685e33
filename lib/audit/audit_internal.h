/* Shared between lib/audit/audit.c and the lib/audit_checks*.c files (not installed). */
#ifndef ESIM_AUDIT_INTERNAL_H
#define ESIM_AUDIT_INTERNAL_H
#include "ProfileElement.h"
#include "esim/audit.h"

typedef struct audit_pe {
    ProfileElement_t *pe;   /* NULL when the PE could not be decoded */
    size_t offset, len;
    long ident;             /* PEHeader identification, -1 when none */
    int tag_number;         /* context tag number = ProfileElement alternative index */
    bool unknown;           /* tag is not a ProfileElement alternative of v3.3.1 */
    bool malformed;         /* does not decode, or breaks the module's constraints */
    char why[200];          /* what was wrong (malformed) */
} audit_pe;

typedef struct audit_ctx {
    audit_pe *pes;
    size_t n;
    bool truncated;             /* the walk stopped at a PE cut short */
    size_t trunc_offset;
    char trunc_msg[200];
    const esim_audit_opts *opts;
    esim_audit_report *rep;
    bool oom;
} audit_ctx;

/* Adds a finding for check k (printf-style message). pe = index or -1. */
void audit_emit(audit_ctx *c, const esim_audit_check *k, long pe, const char *path,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* Same with an explicit severity (e.g. a test profile declared as such is info). */
void audit_emit_sev(audit_ctx *c, const esim_audit_check *k, esim_audit_severity sev, long pe,
                    const char *path, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Helpers over the decoded PEs. */
const ProfileHeader_t *audit_header(const audit_ctx *c, long *index);
const char *audit_pe_name(int present);
/* First File of a template PE member by name (e.g. "ef-imsi" of the usim PE) and its first
 * fillFileContent (NULL when absent). */
const OCTET_STRING_t *audit_file_content(const ProfileElement_t *pe, const char *member);
/* Hex of a secret when show_keys, else "(masked)": for messages. */
const char *audit_secret(const audit_ctx *c, const uint8_t *v, size_t len, char *buf, size_t cap);

/* ServicesList members: whether the header lists service `name`. */
bool audit_service(const ProfileHeader_t *h, const char *name);

/* The checks (audit_checks_*.c). */
#define AUDIT_CHECK(fn) void fn(audit_ctx *c, const esim_audit_check *k)
AUDIT_CHECK(audit_pe_truncated);
AUDIT_CHECK(audit_pe_unknown);
AUDIT_CHECK(audit_pe_malformed);
AUDIT_CHECK(audit_header_first);
AUDIT_CHECK(audit_end_last);
AUDIT_CHECK(audit_mf_missing);
AUDIT_CHECK(audit_pe_order);
AUDIT_CHECK(audit_duplicate_identification);
AUDIT_CHECK(audit_service_pe_missing);
AUDIT_CHECK(audit_service_not_listed);
AUDIT_CHECK(audit_unknown_template);
AUDIT_CHECK(audit_file_duplicate);
AUDIT_CHECK(audit_file_overflow);
AUDIT_CHECK(audit_arr_unresolved);
AUDIT_CHECK(audit_test_profile);
AUDIT_CHECK(audit_known_test_key);
AUDIT_CHECK(audit_trivial_key);
AUDIT_CHECK(audit_test_algorithm);
AUDIT_CHECK(audit_key_length);
AUDIT_CHECK(audit_iccid_malformed);
AUDIT_CHECK(audit_iccid_luhn);
AUDIT_CHECK(audit_iccid_mismatch);
AUDIT_CHECK(audit_imsi_malformed);
AUDIT_CHECK(audit_imsi_test_network);
AUDIT_CHECK(audit_imsi_mcc);
AUDIT_CHECK(audit_rfm_no_integrity);
AUDIT_CHECK(audit_rfm_no_ciphering);
AUDIT_CHECK(audit_rfm_no_counter);
AUDIT_CHECK(audit_default_pin);
AUDIT_CHECK(audit_adm_disabled);
AUDIT_CHECK(audit_applet);

/* Shared by test-profile and known-test-key: the test evidence of the package. */
typedef struct audit_test_evidence {
    bool profile_type, test_algorithm, known_key, test_imsi, test_iccid;
    char first[160];
} audit_test_evidence;
void audit_test_evidence_collect(const audit_ctx *c, audit_test_evidence *e);
/* IMSI digits from EF.IMSI content (TS 31.102 4.2.2); "" when malformed. Returns the usim PE
 * index or -1 when there is no EF.IMSI content. */
long audit_imsi(const audit_ctx *c, char out[17], bool *malformed);
#endif
