/* Readable trees of any asn1c-decoded value: one walker over the asn1c type descriptors, two
 * renderers (indented text, JSON). Field names come from the ASN.1 modules; values get meaning
 * where it helps: ICCID/EID digits, named numbers, OIDs by name, versions, masked key material. */
#ifndef ESIM_ASN1_TREE_H
#define ESIM_ASN1_TREE_H
#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>
#include "asn_application.h"

typedef struct esim_tree_opts {
    bool show_keys;     /* print key material (otherwise masked) */
    bool full_hex;      /* text: print long OCTET STRINGs completely */
} esim_tree_opts;

/* Writes the value as an indented tree, one field per line, starting at indent level `indent`. */
void esim_tree_print(FILE *out, asn_TYPE_descriptor_t *td, const void *value, int indent,
                     const esim_tree_opts *opts);
/* The value as JSON (SEQUENCE → object, SEQUENCE OF → array, CHOICE → {member: value}). */
json_object *esim_tree_json(asn_TYPE_descriptor_t *td, const void *value,
                            const esim_tree_opts *opts);

/* Streaming walk over a value, for reading a few fields without building the whole JSON. For
 * every member (name NULL for the root and for list items), want() decides: SKIP it, DESCEND
 * into it (a SEQUENCE/SET/CHOICE or SEQUENCE OF: enter(), its members, leave()), or JSON: value()
 * receives it as esim_tree_json shows it at that place (borrowed). A leaf is never descended
 * into: DESCEND gives its JSON too. Member order is that of the JSON. */
typedef enum esim_tree_want { ESIM_TREE_SKIP, ESIM_TREE_DESCEND, ESIM_TREE_JSON } esim_tree_want;
typedef struct esim_tree_scanner {
    esim_tree_want (*want)(void *user, const char *name, asn_TYPE_descriptor_t *td,
                           bool container, bool list);
    void (*enter)(void *user, const char *name, bool list);
    void (*value)(void *user, const char *name, json_object *json);
    void (*leave)(void *user);
    void *user;
} esim_tree_scanner;
void esim_tree_scan(asn_TYPE_descriptor_t *td, const void *value, const esim_tree_opts *opts,
                    const esim_tree_scanner *s);

/* Whether a field of this name carries key material that is masked unless show_keys. */
bool esim_tree_is_secret_field(const char *member_name);
/* Name of an OBJECT IDENTIFIER in dotted form (GSMA RSP OIDs and OpenSSL's table), or NULL. */
const char *esim_oid_name(const char *dotted);
#endif
