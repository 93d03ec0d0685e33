/* The ES9+ / ES11 JSON binding (SGP.22 §6.5): JSON bodies whose ASN.1 objects travel as base64
 * strings. Decodes every such field with the project's ASN.1 types. */
#ifndef ESIM_ES9P_JSON_H
#define ESIM_ES9P_JSON_H
#include <stddef.h>
#include <stdio.h>
#include <json-c/json.h>
#include "esim/asn1_tree.h"
#include "esim/error.h"

/* Parses a JSON body; returns NULL with err set when it is not JSON. */
json_object *esim_es9p_json_parse(const char *body, size_t len, esim_error *err);
/* The same with a tokener of the caller's (json_tokener_new_ex(64)), reset and reused. */
json_object *esim_es9p_json_parse_with(json_tokener *tok, const char *body, size_t len,
                                       esim_error *err);
/* Copy of the body in which every base64 string that holds a known ASN.1 object is replaced by
 * {"base64": ..., "type": <ASN.1 type>, "value": <decoded tree>} and other base64 strings by
 * {"base64": ..., "hex": ...}. */
json_object *esim_es9p_json_annotate(json_object *body, const esim_tree_opts *opts);
/* Indented text of the body, with the ASN.1 trees of base64 fields. */
void esim_es9p_json_print(FILE *out, json_object *body, int indent, const esim_tree_opts *opts);
/* Whether s looks like a base64 field (not a hex string, not short text). */
int esim_es9p_is_base64_field(const char *s, size_t len);
#endif
