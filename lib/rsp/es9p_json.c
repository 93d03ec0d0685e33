#include "esim/es9p_json.h"
#include "esim/asn1_decode.h"
#include "esim/hex.h"
#include <glib.h>
#include <string.h>

json_object *esim_es9p_json_parse(const char *body, size_t len, esim_error *err)
{
    json_tokener *tok = json_tokener_new_ex(64);
    if (!tok) {
        esim_error_set(err, "out of memory");
        return NULL;
    }
    json_object *o = esim_es9p_json_parse_with(tok, body, len, err);
    json_tokener_free(tok);
    return o;
}

json_object *esim_es9p_json_parse_with(json_tokener *tok, const char *body, size_t len,
                                       esim_error *err)
{
    if (len > (size_t)INT32_MAX) {
        esim_error_set(err, "JSON body too large");
        return NULL;
    }
    json_tokener_reset(tok);
    json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error e = json_tokener_get_error(tok);
    if (!o || e != json_tokener_success) {
        esim_error_set(err, "not valid JSON (%s at byte %zu)",
                       e == json_tokener_continue ? "body ends early"
                                                  : json_tokener_error_desc(e),
                       json_tokener_get_parse_end(tok));
        json_object_put(o);
        o = NULL;
    } else {
        size_t end = json_tokener_get_parse_end(tok);
        while (end < len && g_ascii_isspace(body[end]))
            end++;
        if (end < len) {
            esim_error_set(err, "not valid JSON (trailing data at byte %zu)", end);
            json_object_put(o);
            o = NULL;
        }
    }
    return o;
}

int esim_es9p_is_base64_field(const char *s, size_t len)
{
    if (len < 8 || len % 4)
        return 0;
    int all_hex = 1;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!(g_ascii_isalnum(c) || c == '+' || c == '/' || (c == '=' && i >= len - 2)))
            return 0;
        if (!g_ascii_isxdigit(c))
            all_hex = 0;
    }
    return !all_hex; /* transactionId and similar are hex strings in the JSON binding */
}

/* Decodes a base64 field: *der gets the bytes; d is filled when they are exactly one known
 * ASN.1 object. Returns 0 when the string was base64. */
static int decode_field(const char *s, size_t len, guchar **der, gsize *der_len, esim_decoded *d)
{
    memset(d, 0, sizeof *d);
    if (!esim_es9p_is_base64_field(s, len))
        return -1;
    *der = g_base64_decode(s, der_len);
    if (!*der || *der_len == 0) {
        g_free(*der);
        return -1;
    }
    if (esim_asn1_detect(*der, *der_len, d, NULL) == 0 && d->consumed != *der_len)
        esim_decoded_free(d);
    return 0;
}

json_object *esim_es9p_json_annotate(json_object *body, const esim_tree_opts *opts)
{
    switch (json_object_get_type(body)) {
    case json_type_object: {
        json_object *out = json_object_new_object();
        json_object_object_foreach(body, key, val)
            json_object_object_add(out, key, esim_es9p_json_annotate(val, opts));
        return out;
    }
    case json_type_array: {
        json_object *out = json_object_new_array();
        for (size_t i = 0; i < json_object_array_length(body); i++)
            json_object_array_add(out,
                                  esim_es9p_json_annotate(json_object_array_get_idx(body, i),
                                                          opts));
        return out;
    }
    case json_type_string: {
        const char *s = json_object_get_string(body);
        size_t len = (size_t)json_object_get_string_len(body);
        guchar *der = NULL;
        gsize der_len = 0;
        esim_decoded d;
        if (decode_field(s, len, &der, &der_len, &d) != 0)
            return json_object_get(body);
        json_object *out = json_object_new_object();
        json_object_object_add(out, "base64", json_object_get(body));
        if (d.td) {
            json_object_object_add(out, "type", json_object_new_string(d.td->name));
            json_object_object_add(out, "value", esim_tree_json(d.td, d.value, opts));
            esim_decoded_free(&d);
        } else {
            char *h = esim_hex_dup(der, der_len);
            json_object_object_add(out, "hex", json_object_new_string(h));
            free(h);
        }
        g_free(der);
        return out;
    }
    default:
        return json_object_get(body);
    }
}

static void print_member(FILE *out, const char *label, json_object *val, int indent,
                         const esim_tree_opts *opts)
{
    int pad = 2 * indent;
    if (json_object_is_type(val, json_type_object) || json_object_is_type(val, json_type_array)) {
        fprintf(out, "%*s%s\n", pad, "", label);
        esim_es9p_json_print(out, val, indent + 1, opts);
        return;
    }
    const char *s = json_object_get_string(val);
    guchar *der = NULL;
    gsize der_len = 0;
    esim_decoded d;
    if (!json_object_is_type(val, json_type_string) ||
        decode_field(s, strlen(s), &der, &der_len, &d) != 0) {
        fprintf(out, "%*s%s: %s\n", pad, "", label,
                json_object_to_json_string_ext(val, JSON_C_TO_STRING_NOSLASHESCAPE));
        return;
    }
    if (d.td) {
        fprintf(out, "%*s%s: (base64, %zu bytes)\n", pad, "", label, (size_t)der_len);
        esim_tree_print(out, d.td, d.value, indent + 1, opts);
        esim_decoded_free(&d);
    } else {
        char *h = esim_hex_dup(der, der_len);
        fprintf(out, "%*s%s: %s (base64, %zu bytes)\n", pad, "", label, h, (size_t)der_len);
        free(h);
    }
    g_free(der);
}

void esim_es9p_json_print(FILE *out, json_object *body, int indent, const esim_tree_opts *opts)
{
    if (json_object_is_type(body, json_type_object)) {
        json_object_object_foreach(body, key, val)
            print_member(out, key, val, indent, opts);
    } else if (json_object_is_type(body, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(body); i++) {
            char label[32];
            snprintf(label, sizeof label, "[%zu]", i);
            print_member(out, label, json_object_array_get_idx(body, i), indent, opts);
        }
    } else {
        print_member(out, "value", body, indent, opts);
    }
}
