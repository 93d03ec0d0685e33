/* esimscope profile: a SAIP (TCA eUICC Profile Package v3.3.1) profile package, the unprotected
 * profile (UPP) inside a BPP, as a summary: header, ICCID/IMSI, every PE with offset and length,
 * NAAs, security domains, RFM, PIN/PUK, AKA parameters, file trees. Logic is in lib/saip/saip.c. */
#include <glib.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include "commands.h"
#include "esim/hex.h"
#include "esim/input.h"
#include "esim/saip.h"

int esim_cmd_profile(int argc, char **argv)
{
    gboolean json = FALSE, show_keys = FALSE;
    gchar *in_format = NULL;
    GOptionEntry entries[] = {
        {"json", 'j', 0, G_OPTION_ARG_NONE, &json, "JSON output", NULL},
        {"show-keys", 0, 0, G_OPTION_ARG_NONE, &show_keys,
         "print K/OPc, security domain keys and PIN/PUK values (hidden otherwise)", NULL},
        {"in", 0, 0, G_OPTION_ARG_STRING, &in_format, "input format: der, base64 or hex (default: detect)",
         "FMT"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *oc = g_option_context_new("UPP|-");
    g_option_context_set_summary(oc, "Summarises a SAIP profile package (a sequence of "
                                     "ProfileElement DER values, e.g. the UPP written by "
                                     "`esimscope bpp -o`).\n\n"
                                     "Exit status: 0 decoded, 2 bad usage or input that is not "
                                     "a profile package.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    int rc = ESIM_EXIT_USAGE;
    uint8_t *der = NULL;
    size_t len = 0;
    esim_input_format fmt = ESIM_IN_AUTO;
    esim_error err = {{0}};
    esim_saip_summary s = {0};
    int have_summary = 0;

    if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
        fprintf(stderr, "esimscope profile: %s\n", gerr->message);
        g_error_free(gerr);
        goto out;
    }
    if (argc != 2) {
        fprintf(stderr, "esimscope profile: expected one UPP file (or - for stdin); see --help\n");
        goto out;
    }
    if (in_format && esim_input_format_parse(in_format, &fmt) != 0) {
        fprintf(stderr, "esimscope profile: --in must be der, base64 or hex\n");
        goto out;
    }
    if (esim_input_load(argv[1], fmt, &der, &len, NULL, &err) != 0) {
        fprintf(stderr, "esimscope profile: %s\n", err.msg); /* names the file already */
        goto out;
    }
    esim_saip_opts opts = {.show_keys = show_keys};
    if (esim_saip_decode(der, len, &opts, &s, &err) != 0) {
        fprintf(stderr, "esimscope profile: %s: %s\n", argv[1], err.msg);
        goto out;
    }
    have_summary = 1;
    if (json)
        printf("%s\n", json_object_to_json_string_ext(s.json, JSON_C_TO_STRING_PRETTY |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE));
    else
        esim_saip_print_text(stdout, &s);
    rc = ESIM_EXIT_OK;
out:
    if (have_summary)
        esim_saip_summary_free(&s);
    if (der) {
        esim_wipe(der, len); /* the package holds keys */
        free(der);
    }
    g_free(in_format);
    g_option_context_free(oc);
    return rc;
}
