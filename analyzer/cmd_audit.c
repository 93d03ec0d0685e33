/* esimscope audit: checks profile packages (UPP, or BPP + key log) before they ship and
 * reports findings grouped by severity. Logic is in lib/audit/; checks in docs/audit.md.
 * Exit: 0 pass, 1 findings at or above --fail-on, 2 bad usage or input. */
#include <glib.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "esim/audit.h"
#include "esim/capture.h"
#include "esim/hex.h"
#include "esim/input.h"
#include "esim/keylog.h"
#include "esim/log.h"
#include "esim/trace.h"

/* The first bytes of a file: is it a capture (pcap, pcapng, gzip)? NULL when not, or for stdin
 * (read whole and checked after). Captures are streamed from the file, never loaded. */
static const char *file_container(const char *path)
{
    if (!strcmp(path, "-"))
        return NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL; /* reported by the loader with the OS reason */
    uint8_t m[4];
    size_t n = fread(m, 1, sizeof m, f);
    fclose(f);
    return esim_input_container(m, n);
}

/* A profile package is a sequence of ProfileElements, a CHOICE of context-specific constructed
 * tags (SAIP v3.3.1 §8.1: [0] header, [1] genericFileManagement, ...). */
static bool looks_like_profile_package(const uint8_t *d, size_t n)
{
    return n >= 2 && (d[0] & 0xE0) == 0xA0;
}

/* For "not a profile package": what the input looks like instead. */
static void describe(const uint8_t *raw, size_t n, char *out, size_t cap)
{
    size_t text = 0;
    for (size_t i = 0; i < n; i++)
        text += raw[i] == '\n' || raw[i] == '\r' || raw[i] == '\t' || (raw[i] >= 0x20 && raw[i] != 0x7F);
    if (n && text == n) {
        snprintf(out, cap, "text");
        return;
    }
    snprintf(out, cap, "binary data starting with");
    for (size_t i = 0; i < n && i < 4; i++)
        snprintf(out + strlen(out), cap - strlen(out), " %02X", raw[i]);
}

static void trace_quiet(const esim_trace_event *ev, void *user)
{
    (void)ev, (void)user;
}

static gint cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct audit_out {
    bool json, failed;
    esim_audit_severity gate;
    json_object *all;
} audit_out;

static void emit_report(audit_out *ao, esim_audit_report *rep, const char *source)
{
    if (esim_audit_count(rep, ao->gate) > 0)
        ao->failed = true;
    if (ao->json)
        json_object_array_add(ao->all, esim_audit_report_json(rep, source));
    else
        esim_audit_print_text(stdout, rep, source);
    esim_audit_report_free(rep);
}

/* A capture: esimscope trace extracts every BPP (ES9+ copy, else the STORE DATA stream) into a
 * private temporary folder; each one is opened with the key log and audited. */
/* cap: the capture (or phone/LPA log) opened; it is closed here. */
static int audit_capture(const char *name, esim_capture *cap, const esim_keylog *kl,
                         const esim_audit_opts *opts, audit_out *ao, esim_error *err)
{
    if (!kl) {
        esim_capture_close(cap);
        return esim_error_set(err, "a capture needs --keylog to open the profiles it carries");
    }
    GError *gerr = NULL;
    char *dir = g_dir_make_tmp("esimscope-audit-XXXXXX", &gerr);
    if (!dir) {
        esim_capture_close(cap);
        esim_error_set(err, "cannot create a temporary folder: %s", gerr ? gerr->message : "?");
        g_clear_error(&gerr);
        return -1;
    }
    esim_trace_opts to = {.extract_dir = dir};
    esim_trace *t = esim_trace_new(&to, trace_quiet, NULL);
    int rc = t ? esim_trace_run_capture(t, cap, name, err) : esim_error_set(err, "out of memory");
    if (!t)
        esim_capture_close(cap);
    esim_trace_free(t);
    GDir *gd = g_dir_open(dir, 0, NULL);
    GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
    const char *f;
    while (gd && (f = g_dir_read_name(gd)))
        g_ptr_array_add(files, g_strdup(f));
    if (gd)
        g_dir_close(gd);
    g_ptr_array_sort(files, cmp_names);
    size_t audited = 0;
    for (guint i = 0; rc == 0 && i < files->len; i++) {
        const char *fn = g_ptr_array_index(files, i);
        const char *dash = strrchr(fn, '-');
        if (!dash || !g_str_has_suffix(fn, ".bpp"))
            continue;
        if (strcmp(dash, "-es9p.bpp") != 0) { /* the ES9+ copy of this session wins when present */
            gchar *alt = g_strdup_printf("%.*s-es9p.bpp", (int)(dash - fn), fn);
            bool have = false;
            for (guint j = 0; j < files->len; j++)
                have |= strcmp(g_ptr_array_index(files, j), alt) == 0;
            g_free(alt);
            if (have)
                continue;
        }
        gchar *path = g_build_filename(dir, fn, NULL), *data = NULL;
        gsize len = 0;
        gchar *label = g_strdup_printf("%s: %.*s", name, (int)(dash - fn), fn);
        esim_audit_report rep;
        GError *rerr = NULL;
        if (!g_file_get_contents(path, &data, &len, &rerr)) {
            rc = esim_error_set(err, "%s", rerr ? rerr->message : path);
            g_clear_error(&rerr);
        }
        else if (esim_audit_bpp((const uint8_t *)data, len, kl, opts, &rep, err) != 0)
            rc = esim_error_prefix(err, "%s", label + strlen(name) + 2);
        else {
            emit_report(ao, &rep, label);
            audited++;
        }
        g_free(data);
        g_free(label);
        g_free(path);
    }
    for (guint i = 0; i < files->len; i++) {
        gchar *path = g_build_filename(dir, (const char *)g_ptr_array_index(files, i), NULL);
        remove(path);
        g_free(path);
    }
    g_ptr_array_free(files, TRUE);
    remove(dir);
    g_free(dir);
    if (rc == 0 && audited == 0)
        rc = esim_error_set(err, "no Bound Profile Package found in the capture");
    return rc;
}

int esim_cmd_audit(int argc, char **argv)
{
    gboolean json = FALSE, show_keys = FALSE, expect_test = FALSE;
    gchar *fail_on = NULL, *policy_path = NULL, *keylog_path = NULL, *in_format = NULL;
    GOptionEntry entries[] = {
        {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "JSON output", NULL},
        {"fail-on", 0, 0, G_OPTION_ARG_STRING, &fail_on,
         "exit 1 when a finding is at or above this severity: error (default) or warning", "LEVEL"},
        {"expect-test", 0, 0, G_OPTION_ARG_NONE, &expect_test,
         "the packages are declared test profiles (test-profile and test keys become info)", NULL},
        {"policy", 0, 0, G_OPTION_ARG_FILENAME, &policy_path, "policy file: silence ids or change severities", "FILE"},
        {"keylog", 'k', 0, G_OPTION_ARG_FILENAME, &keylog_path, "key log to open BPP inputs", "FILE"},
        {"show-keys", 0, 0, G_OPTION_ARG_NONE, &show_keys, "print key and PIN values in findings", NULL},
        {"in", 0, 0, G_OPTION_ARG_STRING, &in_format, "input format: der, base64 or hex (default: detect)", "FMT"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *oc = g_option_context_new("FILE...");
    g_option_context_set_summary(oc, "Audits SAIP profile packages (UPP DER, or a BPP with --keylog, or every BPP "
                                     "of a capture or phone/LPA log with --keylog): structure, "
                                     "ICCID/IMSI, TS.48 test profiles, published or trivial keys, RFM security "
                                     "levels, default PINs, applets. Checks: docs/audit.md.\n\n"
                                     "Exit status: 0 no finding at the --fail-on level, 1 a "
                                     "finding at that level, 2 bad usage or input that is not a "
                                     "profile package, BPP or capture.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    int rc = ESIM_EXIT_USAGE;
    esim_audit_severity gate = ESIM_AUDIT_ERROR;
    esim_audit_policy *policy = NULL;
    esim_keylog *kl = NULL;
    esim_input_format fmt = ESIM_IN_AUTO;
    esim_error err = {{0}};
    json_object *jall = NULL;

    if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
        fprintf(stderr, "esimscope audit: %s\n", gerr->message);
        g_error_free(gerr);
        goto out;
    }
    if (argc < 2) {
        fprintf(stderr, "esimscope audit: expected at least one profile package; see --help\n");
        goto out;
    }
    if (fail_on && (esim_audit_severity_parse(fail_on, &gate) != 0 || gate == ESIM_AUDIT_INFO)) {
        fprintf(stderr, "esimscope audit: --fail-on must be error or warning\n");
        goto out;
    }
    if (in_format && esim_input_format_parse(in_format, &fmt) != 0) {
        fprintf(stderr, "esimscope audit: --in must be der, base64 or hex\n");
        goto out;
    }
    if (policy_path && esim_audit_policy_load(policy_path, &policy, &err) != 0) {
        fprintf(stderr, "esimscope audit: %s\n", err.msg);
        goto out;
    }
    if (keylog_path && (!(kl = esim_keylog_new()) || esim_keylog_load(kl, keylog_path, &err) != 0)) {
        fprintf(stderr, "esimscope audit: %s\n", kl ? err.msg : "out of memory");
        goto out;
    }
    esim_audit_opts opts = {.show_keys = show_keys, .expect_test = expect_test, .profile_class = -1, .policy = policy};
    bool bad_input = false;
    jall = json_object_new_array();
    audit_out ao = {.json = json, .gate = gate, .all = jall};
    for (int i = 1; i < argc; i++) {
        uint8_t *raw = NULL, *der = NULL;
        size_t raw_len = 0, len = 0;
        esim_audit_report rep;
        int r;
        bool captured = false;
        if (strcmp(argv[i], "-") != 0) { /* a phone or LPA log (esim/log.h) is read as a capture */
            esim_capture_opts co = {0};
            esim_capture *lc = esim_capture_open_ex(argv[i], &co, NULL);
            if (lc && co.detected != ESIM_LOG_CAPTURE) {
                if (audit_capture(argv[i], lc, kl, &opts, &ao, &err) != 0) {
                    fprintf(stderr, "esimscope audit: %s: %s\n", argv[i], err.msg);
                    bad_input = true;
                }
                continue;
            }
            esim_capture_close(lc);
        }
        const char *container = file_container(argv[i]);
        if (container) {
            esim_capture *fc = esim_capture_open(argv[i], &err); /* streamed; gzip too */
            r = fc ? audit_capture(argv[i], fc, kl, &opts, &ao, &err) : -1;
            if (r == 0)
                continue;
            if (container[0] == 'g' && strstr(err.msg, "not a pcap or pcapng")) /* no capture */
                esim_error_set(&err, "not a profile package (gzip-compressed data, and not a "
                               "compressed capture)");
        } else if (esim_input_read(argv[i], &raw, &raw_len, &err) != 0) {
            fprintf(stderr, "esimscope audit: %s\n", err.msg); /* names the file already */
            bad_input = true;
            continue;
        } else if ((container = esim_input_container(raw, raw_len)) && container[0] != 'g') {
            esim_capture *mc = esim_capture_open_mem(raw, raw_len, &err);
            r = mc ? audit_capture(argv[i], mc, kl, &opts, &ao, &err) : -1;
            captured = r == 0; /* reported inside */
        } else if (container) {
            r = esim_error_set(&err, "not a profile package (gzip-compressed data: give a "
                               "compressed capture as a file, not on standard input)");
        } else if (esim_input_decode(raw, raw_len, fmt, &der, &len, NULL, &err) != 0) {
            r = -1;
        } else if (len >= 2 && der[0] == 0xBF && der[1] == 0x36) {
            r = kl ? esim_audit_bpp(der, len, kl, &opts, &rep, &err)
                   : esim_error_set(&err, "a Bound Profile Package needs --keylog to be opened");
        } else if (!looks_like_profile_package(der, len)) {
            char what[64];
            describe(raw, raw_len, what, sizeof what);
            r = esim_error_set(&err, "not a profile package (%s; a package starts with a "
                               "ProfileElement, tag A0-BF)", what);
        } else {
            r = esim_audit_upp(der, len, &opts, &rep, &err);
        }
        if (raw) {
            esim_wipe(raw, raw_len);
            free(raw);
        }
        if (der) {
            esim_wipe(der, len);
            free(der);
        }
        if (r != 0) {
            fprintf(stderr, "esimscope audit: %s: %s\n", argv[i], err.msg);
            bad_input = true;
            continue;
        }
        if (!captured)
            emit_report(&ao, &rep, argv[i]);
    }
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "fail_on", json_object_new_string(esim_audit_severity_name(gate)));
        json_object_object_add(o, "reports", json_object_get(jall));
        json_object_object_add(o, "passed", json_object_new_boolean(!ao.failed && !bad_input));
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    }
    rc = bad_input ? ESIM_EXIT_USAGE : ao.failed ? ESIM_EXIT_FAILED : ESIM_EXIT_OK;
out:
    json_object_put(jall);
    esim_audit_policy_free(policy);
    esim_keylog_free(kl);
    g_free(fail_on);
    g_free(policy_path);
    g_free(keylog_path);
    g_free(in_format);
    g_option_context_free(oc);
    return rc;
}
