/* esimscope decode: one RSP message, BPP, profile package or certificate as a readable tree. */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "esim/asn1_decode.h"
#include "esim/asn1_tree.h"
#include "esim/es9p_json.h"
#include "esim/hex.h"
#include "esim/input.h"

static void print_type_name(const char *name, void *ctx)
{
    (void)ctx;
    printf("%s\n", name);
}

/* An ES9+/ES11 JSON binding body (SGP.22 §6.5): prints it with every base64 ASN.1 field decoded.
 * Returns 1 when the input was such a body (rc set), 0 when it is not JSON. */
static int decode_json_body(const char *path, const uint8_t *raw, size_t n, gboolean json,
                            const esim_tree_opts *opts, int *rc)
{
    size_t i = 0;
    while (i < n && g_ascii_isspace(raw[i]))
        i++;
    if (i == n || raw[i] != '{')
        return 0;
    esim_error err = {{0}};
    json_object *body = esim_es9p_json_parse((const char *)raw + i, n - i, &err);
    if (!body) {
        fprintf(stderr, "esimscope decode: %s: %s\n", path, err.msg);
        *rc = ESIM_EXIT_USAGE;
        return 1;
    }
    if (json) {
        json_object *a = esim_es9p_json_annotate(body, opts);
        puts(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(a);
    } else {
        printf("ES9+/ES11 JSON body\n");
        esim_es9p_json_print(stdout, body, 1, opts);
    }
    json_object_put(body);
    *rc = ESIM_EXIT_OK;
    return 1;
}

int esim_cmd_decode(int argc, char **argv)
{
    gchar *in_format = NULL, *type_name = NULL;
    gboolean json = FALSE, show_keys = FALSE, full = FALSE, list_types = FALSE;
    GOptionEntry entries[] = {
        {"in", 0, 0, G_OPTION_ARG_STRING, &in_format, "input encoding (default: detected)",
         "der|base64|hex"},
        {"type", 't', 0, G_OPTION_ARG_STRING, &type_name,
         "decode as this ASN.1 type (default: detected from the tag)", "NAME"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "write JSON", NULL},
        {"show-keys", 0, 0, G_OPTION_ARG_NONE, &show_keys, "print key material", NULL},
        {"full", 0, 0, G_OPTION_ARG_NONE, &full, "print long octet strings completely", NULL},
        {"list-types", 0, 0, G_OPTION_ARG_NONE, &list_types, "list the known type names", NULL},
        {0}};
    GOptionContext *oc = g_option_context_new("FILE|-");
    g_option_context_set_summary(oc, "Decodes one SGP.22 message (ES8+/ES9+/ES10/ES11), Bound "
                                     "Profile Package, SAIP profile package or certificate.\n"
                                     "Input: DER, base64 (PEM too) or hex, detected, at most 64 "
                                     "MiB; captures are read by trace and apdus.\n\n"
                                     "Exit status: 0 decoded, 2 bad usage or input that does "
                                     "not decode.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    int rc = ESIM_EXIT_USAGE;
    uint8_t *data = NULL, *raw = NULL;
    size_t len = 0, raw_len = 0;
    if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
        fprintf(stderr, "esimscope decode: %s\n", gerr->message);
        g_clear_error(&gerr);
        goto out;
    }
    if (list_types) {
        esim_asn1_each_type(print_type_name, NULL);
        rc = ESIM_EXIT_OK;
        goto out;
    }
    if (argc != 2) {
        fprintf(stderr, "esimscope decode: expected one FILE (or - for stdin); see --help\n");
        goto out;
    }
    esim_input_format fmt = ESIM_IN_AUTO;
    if (in_format && esim_input_format_parse(in_format, &fmt) != 0) {
        fprintf(stderr, "esimscope decode: --in must be der, base64 or hex\n");
        goto out;
    }
    asn_TYPE_descriptor_t *td = NULL;
    if (type_name && !(td = esim_asn1_type(type_name))) {
        fprintf(stderr, "esimscope decode: unknown type '%s' (--list-types lists them)\n",
                type_name);
        goto out;
    }
    esim_error err = {{0}};
    esim_tree_opts opts = {.show_keys = show_keys, .full_hex = full};
    /* read once, bounded while reading (ESIM_INPUT_MAX), then detected */
    if (esim_input_read(argv[1], &raw, &raw_len, &err) != 0 ||
        esim_input_refuse_container(argv[1], raw, raw_len, &err) != 0) {
        fprintf(stderr, "esimscope decode: %s\n", err.msg);
        goto out;
    }
    if (!td && fmt == ESIM_IN_AUTO && decode_json_body(argv[1], raw, raw_len, json, &opts, &rc))
        goto out;
    if (esim_input_decode(raw, raw_len, fmt, &data, &len, NULL, &err) != 0) {
        fprintf(stderr, "esimscope decode: %s: %s\n", argv[1], err.msg);
        goto out;
    }

    json_object *all = json_object_new_array();
    size_t off = 0;
    int count = 0;
    rc = ESIM_EXIT_OK;
    while (off < len) {
        esim_decoded d;
        int r = td ? esim_asn1_decode(td, data + off, len - off, &d, &err)
                   : esim_asn1_detect(data + off, len - off, &d, &err);
        if (r != 0) {
            fprintf(stderr, "esimscope decode: %s: at byte %zu: %s\n", argv[1], off, err.msg);
            rc = ESIM_EXIT_USAGE;
            break;
        }
        if (json) {
            json_object *o = json_object_new_object();
            json_object_object_add(o, "type", json_object_new_string(d.td->name));
            json_object_object_add(o, "offset", json_object_new_int64((int64_t)off));
            json_object_object_add(o, "length", json_object_new_int64((int64_t)d.consumed));
            json_object_object_add(o, "canonical_der", json_object_new_boolean(d.exact));
            json_object_object_add(o, "value", esim_tree_json(d.td, d.value, &opts));
            json_object_array_add(all, o);
        } else {
            if (count > 0 || d.consumed < len)
                printf("# object %d at byte %zu, %zu bytes\n", count, off, d.consumed);
            esim_tree_print(stdout, d.td, d.value, 0, &opts);
            if (!d.exact)
                printf("# note: re-encoding differs from the input (BER rather than DER, or "
                       "fields of a newer version that were skipped)\n");
        }
        off += d.consumed;
        count++;
        /* A profile package is a sequence of ProfileElements: keep the type after the first. */
        td = td ? td : (off < len ? d.td : NULL);
        esim_decoded_free(&d);
    }
    if (json) {
        json_object *root = json_object_array_length(all) == 1
                                ? json_object_get(json_object_array_get_idx(all, 0))
                                : json_object_get(all);
        puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(root);
    }
    json_object_put(all);
out:
    g_option_context_free(oc);
    g_free(in_format);
    g_free(type_name);
    free(data);
    if (raw)
        esim_wipe(raw, raw_len);
    free(raw);
    return rc;
}
