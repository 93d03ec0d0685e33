#include "esim/asn1_tree.h"
#include "esim/asn1_decode.h"
#include "esim/enum_names.h"
#include "esim/hex.h"
#include <glib.h>
#include <openssl/objects.h>
#include <string.h>
#include "BIT_STRING.h"
#include "BOOLEAN.h"
#include "GeneralizedTime.h"
#include "INTEGER.h"
#include "NULL.h"
#include "OBJECT_IDENTIFIER.h"
#include "OCTET_STRING.h"
#include "UTCTime.h"
#include "UTF8String.h"
#include "asn_SEQUENCE_OF.h"
#include "constr_CHOICE.h"
#include "constr_SEQUENCE.h"
#include "constr_SET_OF.h"
/* Runtime parts asn1c copies only when the modules use them. */
#if __has_include("constr_SET.h")
#include "constr_SET.h"
#define HAVE_SET_TYPE 1
#endif
#if __has_include("NativeInteger.h")
#include "NativeInteger.h"
#define HAVE_NATIVE_INTEGER 1
#endif

extern struct asn_TYPE_descriptor_s *asn_pdu_collection[];

typedef enum kind {
    K_SEQUENCE, K_CHOICE, K_LIST, K_OCTETS, K_TEXT, K_BITS, K_INTEGER, K_NATIVE_INTEGER, K_BOOLEAN,
    K_NULL,
    K_OID, K_TIME, K_UNKNOWN
} kind;

/* ---- type resolution --------------------------------------------------------------------- */

static kind kind_of(asn_TYPE_descriptor_t *td)
{
    esim_asn1_resolve(td);
    asn_struct_print_f *p = td->print_struct;
    if (p == SEQUENCE_print) return K_SEQUENCE;
#ifdef HAVE_SET_TYPE
    if (p == SET_print) return K_SEQUENCE;
#endif
    if (p == CHOICE_print) return K_CHOICE;
    if (p == SET_OF_print) return K_LIST;
    if (p == OCTET_STRING_print) return K_OCTETS; /* also ANY */
    if (p == OCTET_STRING_print_utf8 || p == UTF8String_print) return K_TEXT;
    if (p == BIT_STRING_print) return K_BITS;
    if (p == INTEGER_print) return K_INTEGER;
#ifdef HAVE_NATIVE_INTEGER
    if (p == NativeInteger_print) return K_NATIVE_INTEGER;
#endif
    if (p == BOOLEAN_print) return K_BOOLEAN;
    if (p == NULL_print) return K_NULL;
    if (p == OBJECT_IDENTIFIER_print) return K_OID;
    if (p == UTCTime_print || p == GeneralizedTime_print) return K_TIME;
    return K_UNKNOWN;
}

static GHashTable *pdu_names(void)
{
    static GHashTable *names;
    if (!names) {
        names = g_hash_table_new(g_str_hash, g_str_equal);
        for (size_t i = 0; asn_pdu_collection[i]; i++)
            g_hash_table_add(names, (gpointer)asn_pdu_collection[i]->name);
    }
    return names;
}

/* asn1c's compound name of a type, as used for its C enums: a module-level type keeps its own
 * name, an inline one is "<parent>__<member>" (with '-' as '_'). */
static char *compound_name(const char *parent, const char *member, asn_TYPE_descriptor_t *td)
{
    if (g_hash_table_contains(pdu_names(), td->name) || !parent)
        return g_strdup(td->name);
    char *s = g_strdup_printf("%s__%s", parent, member);
    g_strdelimit(s, "-", '_');
    return s;
}

/* ---- visitor ------------------------------------------------------------------------------ */

typedef struct visitor {
    void (*enter)(struct visitor *v, const char *name, kind k, const char *type);
    void (*leave)(struct visitor *v, kind k);
    /* text: display form; json: owned JSON value */
    void (*leaf)(struct visitor *v, const char *name, const char *text, json_object *json);
    const esim_tree_opts *opts;
    /* optional (streaming scan): what to do with a member before it is visited */
    esim_tree_want (*want)(struct visitor *v, const char *name, asn_TYPE_descriptor_t *td, kind k);
} visitor;

typedef struct leaf_ctx {
    const char *member;    /* member name in the parent, or NULL */
    const char *compound;  /* compound type name for enum lookup */
    asn_TYPE_descriptor_t *td;
} leaf_ctx;

bool esim_tree_is_secret_field(const char *m)
{
    static const char *const secrets[] = {
        "ppkEnc", "ppkCmac", "ppkMac", "initialMacChainingValue", "keyData", "key", "opc", "op",
        "pinValue", "pukValue", "kic", "kid", "kik", "euiccOtsk", "smdpOtsk", "privateKey",
    };
    if (!m)
        return false;
    for (size_t i = 0; i < G_N_ELEMENTS(secrets); i++)
        if (!strcmp(m, secrets[i]))
            return true;
    return false;
}

/* SGP.22 / GSMA OIDs that OpenSSL does not know (facts from SGP.22 §4.5.2). */
static const struct { const char *oid, *name; } gsma_oids[] = {
    {"2.23.146.1", "id-rsp"},
    {"2.23.146.1.1", "id-rsp-cert-objects"},
    {"2.23.146.1.2", "id-rspExt"},
    {"2.23.146.1.2.0", "id-rsp-role"},
    {"2.23.146.1.2.1", "id-rspRole"},
    {"2.23.146.1.2.1.0", "id-rspRole-ci"},
    {"2.23.146.1.2.1.1", "id-rspRole-euicc"},
    {"2.23.146.1.2.1.2", "id-rspRole-eum"},
    {"2.23.146.1.2.1.3", "id-rspRole-dp-tls"},
    {"2.23.146.1.2.1.4", "id-rspRole-dp-auth"},
    {"2.23.146.1.2.1.5", "id-rspRole-dp-pb"},
    {"2.23.146.1.2.1.6", "id-rspRole-ds-tls"},
    {"2.23.146.1.2.1.7", "id-rspRole-ds-auth"},
    {"2.23.146.1.2.2", "id-rsp-expDate"},
    {"2.23.146.1.2.3", "id-rsp-totalPartialCrlNumber"},
    {"2.23.146.1.2.4", "id-rsp-partialCrlNumber"},
    {"2.23.146.1.2.5", "id-rsp-metadata"},
};

const char *esim_oid_name(const char *dotted)
{
    static __thread char buf[128];
    for (size_t i = 0; i < G_N_ELEMENTS(gsma_oids); i++)
        if (!strcmp(dotted, gsma_oids[i].oid))
            return gsma_oids[i].name;
    ASN1_OBJECT *o = OBJ_txt2obj(dotted, 1);
    if (!o)
        return NULL;
    int nid = OBJ_obj2nid(o);
    ASN1_OBJECT_free(o);
    if (nid == NID_undef)
        return NULL;
    g_strlcpy(buf, OBJ_nid2ln(nid), sizeof buf);
    return buf;
}

static char *hex_text(const uint8_t *p, size_t n, bool full)
{
    enum { SHOW = 48 };
    if (full || n <= SHOW) {
        char *s = g_malloc(2 * n + 1);
        return esim_hex(p, n, s);
    }
    char *s = g_malloc(2 * SHOW + 1);
    esim_hex(p, SHOW, s);
    char *r = g_strdup_printf("%s... (%zu bytes)", s, n);
    g_free(s);
    return r;
}

static bool name_is(const char *a, const char *b)
{
    return a && !g_ascii_strcasecmp(a, b);
}

static void leaf_octets(visitor *v, const leaf_ctx *c, const OCTET_STRING_t *os)
{
    const uint8_t *p = os->buf;
    size_t n = (size_t)os->size;
    char *text = NULL;
    json_object *json = NULL;
    char digits[2 * 32 + 1];
    if (esim_tree_is_secret_field(c->member) && !v->opts->show_keys) {
        text = g_strdup_printf("<%zu bytes hidden; --show-keys shows them>", n);
        json = json_object_new_string("hidden");
    } else if ((!strcmp(c->td->name, "Iccid") || name_is(c->member, "iccid")) && n <= 10) {
        bool plain = esim_iccid_digits(p, n, digits);
        char *h = hex_text(p, n, true);
        text = g_strdup_printf("%s (ICCID %s; %s)", h, digits,
                               plain ? "stored as plain BCD, not nibble-swapped as in EF.ICCID"
                                     : "nibble-swapped BCD as in EF.ICCID");
        g_free(h);
        json = json_object_new_string(digits);
    } else if ((name_is(c->member, "eid") || name_is(c->member, "eidValue")) && n == 16) {
        esim_bcd_plain_to_digits(p, n, digits);
        text = g_strdup_printf("%s (EID)", digits);
        json = json_object_new_string(digits);
    } else if (!strcmp(c->td->name, "VersionType") && n == 3) {
        text = g_strdup_printf("%u.%u.%u", p[0], p[1], p[2]);
        json = json_object_new_string(text);
    } else {
        text = hex_text(p, n, v->opts->full_hex);
        char *h = g_malloc(2 * n + 1);
        json = json_object_new_string(esim_hex(p, n, h));
        g_free(h);
    }
    v->leaf(v, c->member, text, json);
    g_free(text);
}

static void leaf_text(visitor *v, const leaf_ctx *c, const OCTET_STRING_t *os)
{
    GString *s = g_string_new("\"");
    GString *raw = g_string_new(NULL);
    for (int i = 0; i < os->size; i++) {
        uint8_t ch = os->buf[i];
        if (ch >= 0x20 && ch != 0x7f && ch != '"' && ch != '\\')
            g_string_append_c(s, (char)ch);
        else
            g_string_append_printf(s, "\\x%02X", ch);
        g_string_append_c(raw, (char)ch);
    }
    g_string_append_c(s, '"');
    json_object *json = g_utf8_validate(raw->str, raw->len, NULL)
                            ? json_object_new_string_len(raw->str, (int)raw->len)
                            : json_object_new_string(s->str);
    v->leaf(v, c->member, s->str, json);
    g_string_free(s, TRUE);
    g_string_free(raw, TRUE);
}

static void leaf_long(visitor *v, const leaf_ctx *c, long value)
{
    const char *name = c->compound ? esim_enum_lookup(c->compound, value) : NULL;
    if (!name)
        name = esim_enum_lookup(c->td->name, value);
    if (name) {
        char *t = g_strdup_printf("%ld (%s)", value, name);
        json_object *o = json_object_new_object();
        json_object_object_add(o, "value", json_object_new_int64(value));
        json_object_object_add(o, "name", json_object_new_string(name));
        v->leaf(v, c->member, t, o);
        g_free(t);
    } else {
        char t[32];
        snprintf(t, sizeof t, "%ld", value);
        v->leaf(v, c->member, t, json_object_new_int64(value));
    }
}

static void leaf_integer(visitor *v, const leaf_ctx *c, const INTEGER_t *in)
{
    long value;
    if (asn_INTEGER2long(in, &value) != 0) {
        char *h = hex_text(in->buf, (size_t)in->size, true);
        v->leaf(v, c->member, h, json_object_new_string(h));
        g_free(h);
        return;
    }
    leaf_long(v, c, value);
}

static void leaf_bits(visitor *v, const leaf_ctx *c, const BIT_STRING_t *bs)
{
    GString *t = g_string_new(NULL);
    json_object *names = json_object_new_array();
    size_t nbits = bs->size > 0 ? (size_t)bs->size * 8 - (size_t)(bs->bits_unused & 7) : 0;
    char *h = hex_text(bs->buf, (size_t)bs->size, true);
    g_string_append(t, h);
    bool any = false;
    bool named = (c->compound && esim_enum_known(c->compound)) || esim_enum_known(c->td->name);
    for (size_t i = 0; named && i < nbits; i++) {
        if (!(bs->buf[i / 8] & (0x80 >> (i % 8))))
            continue;
        const char *name = c->compound ? esim_enum_lookup(c->compound, (long)i) : NULL;
        if (!name)
            name = esim_enum_lookup(c->td->name, (long)i);
        char num[24];
        snprintf(num, sizeof num, "bit%zu", i);
        g_string_append(t, any ? ", " : " (");
        g_string_append(t, name ? name : num);
        json_object_array_add(names, json_object_new_string(name ? name : num));
        any = true;
    }
    if (any)
        g_string_append_c(t, ')');
    json_object *o = json_object_new_object();
    json_object_object_add(o, "hex", json_object_new_string(h));
    json_object_object_add(o, "bits", names);
    v->leaf(v, c->member, t->str, o);
    g_free(h);
    g_string_free(t, TRUE);
}

static void leaf_oid(visitor *v, const leaf_ctx *c, const OBJECT_IDENTIFIER_t *oid)
{
    unsigned long arcs[32];
    int n = OBJECT_IDENTIFIER_get_arcs(oid, arcs, sizeof arcs[0], 32);
    if (n <= 0 || n > 32) {
        char *h = hex_text(oid->buf, (size_t)oid->size, true);
        v->leaf(v, c->member, h, json_object_new_string(h));
        g_free(h);
        return;
    }
    GString *d = g_string_new(NULL);
    for (int i = 0; i < n; i++)
        g_string_append_printf(d, i ? ".%lu" : "%lu", arcs[i]);
    const char *name = esim_oid_name(d->str);
    char *t = name ? g_strdup_printf("%s (%s)", d->str, name) : g_strdup(d->str);
    json_object *o = json_object_new_object();
    json_object_object_add(o, "oid", json_object_new_string(d->str));
    if (name)
        json_object_object_add(o, "name", json_object_new_string(name));
    v->leaf(v, c->member, t, o);
    g_free(t);
    g_string_free(d, TRUE);
}

static void walk(visitor *v, asn_TYPE_descriptor_t *td, const void *ptr, const char *member,
                 const char *parent_compound, int depth);
static json_object *walk_json(asn_TYPE_descriptor_t *td, const void *ptr, const char *member,
                              const char *parent_compound, int depth, const esim_tree_opts *opts);

static void walk_members(visitor *v, asn_TYPE_descriptor_t *td, const void *ptr,
                         const char *compound, int depth)
{
    for (int i = 0; i < td->elements_count; i++) {
        asn_TYPE_member_t *m = &td->elements[i];
        const void *mp;
        if (m->flags & ATF_POINTER) {
            mp = *(const void *const *)((const char *)ptr + m->memb_offset);
            if (!mp)
                continue;
        } else {
            mp = (const char *)ptr + m->memb_offset;
        }
        walk(v, m->type, mp, m->name, compound, depth + 1);
    }
}

static void walk(visitor *v, asn_TYPE_descriptor_t *td, const void *ptr, const char *member,
                 const char *parent_compound, int depth)
{
    if (depth > 64) {
        v->leaf(v, member, "<nested too deeply>", json_object_new_string("<nested too deeply>"));
        return;
    }
    kind k = kind_of(td);
    if (v->want) {
        esim_tree_want w = v->want(v, member, td, k);
        if (w == ESIM_TREE_SKIP)
            return;
        if (w == ESIM_TREE_JSON || (k != K_SEQUENCE && k != K_CHOICE && k != K_LIST)) {
            v->leaf(v, member, NULL,
                    walk_json(td, ptr, member, parent_compound, depth, v->opts));
            return;
        }
    }
    char *compound = compound_name(parent_compound, member, td);
    leaf_ctx c = {member, compound, td};
    switch (k) {
    case K_SEQUENCE:
        v->enter(v, member, k, td->name);
        walk_members(v, td, ptr, compound, depth);
        v->leave(v, k);
        break;
    case K_CHOICE: {
        const asn_CHOICE_specifics_t *spec = td->specifics;
        int present = 0;
        const char *base = (const char *)ptr + spec->pres_offset;
        switch (spec->pres_size) {
        case 1: present = *(const uint8_t *)base; break;
        case 2: present = *(const uint16_t *)base; break;
        case 4: present = *(const uint32_t *)base; break;
        default: present = 0;
        }
        v->enter(v, member, k, td->name);
        if (present > 0 && present <= td->elements_count) {
            asn_TYPE_member_t *m = &td->elements[present - 1];
            const void *mp = (m->flags & ATF_POINTER)
                                 ? *(const void *const *)((const char *)ptr + m->memb_offset)
                                 : (const char *)ptr + m->memb_offset;
            if (mp)
                walk(v, m->type, mp, m->name, compound, depth + 1);
        } else {
            v->leaf(v, "(unknown alternative)", "<not understood: a newer version's extension?>",
                    json_object_new_string("unknown"));
        }
        v->leave(v, k);
        break;
    }
    case K_LIST: {
        const asn_anonymous_set_ *list = _A_CSET_FROM_VOID(ptr);
        asn_TYPE_member_t *m = &td->elements[0];
        v->enter(v, member, k, td->name);
        for (int i = 0; i < list->count; i++)
            if (list->array[i])
                walk(v, m->type, list->array[i], NULL, compound, depth + 1);
        v->leave(v, k);
        break;
    }
    case K_OCTETS:
        leaf_octets(v, &c, ptr);
        break;
    case K_TEXT:
        leaf_text(v, &c, ptr);
        break;
    case K_BITS:
        leaf_bits(v, &c, ptr);
        break;
    case K_INTEGER:
        leaf_integer(v, &c, ptr);
        break;
    case K_NATIVE_INTEGER:
        leaf_long(v, &c, *(const long *)ptr);
        break;
    case K_BOOLEAN: {
        bool b = *(const BOOLEAN_t *)ptr != 0;
        v->leaf(v, member, b ? "TRUE" : "FALSE", json_object_new_boolean(b));
        break;
    }
    case K_NULL:
        v->leaf(v, member, "NULL", json_object_new_null());
        break;
    case K_OID:
        leaf_oid(v, &c, ptr);
        break;
    case K_TIME: {
        const OCTET_STRING_t *t = ptr;
        char *s = t->size > 0 ? g_strndup((const char *)t->buf, (gsize)t->size) : g_strdup("");
        v->leaf(v, member, s, json_object_new_string(s));
        g_free(s);
        break;
    }
    default: {
        char *s = g_strdup_printf("<%s: not decoded>", td->name);
        v->leaf(v, member, s, json_object_new_string(s));
        g_free(s);
    }
    }
    g_free(compound);
}

/* ---- text renderer ------------------------------------------------------------------------ */

typedef struct text_visitor {
    visitor base;
    FILE *out;
    int indent;
    GArray *list_index; /* per open container: -1 for non-lists, else next item index */
} text_visitor;

static void text_label(text_visitor *t, const char *name)
{
    fprintf(t->out, "%*s", 2 * t->indent, "");
    int *idx = t->list_index->len ? &g_array_index(t->list_index, int, t->list_index->len - 1)
                                  : NULL;
    if (name)
        fprintf(t->out, "%s", name);
    else if (idx && *idx >= 0)
        fprintf(t->out, "[%d]", (*idx)++);
}

static void text_enter(visitor *v, const char *name, kind k, const char *type)
{
    text_visitor *t = (text_visitor *)v;
    text_label(t, name);
    fprintf(t->out, "%s%s\n", (name || t->list_index->len) ? " " : "", type);
    int idx = k == K_LIST ? 0 : -1;
    g_array_append_val(t->list_index, idx);
    t->indent++;
}

static void text_leave(visitor *v, kind k)
{
    text_visitor *t = (text_visitor *)v;
    (void)k;
    g_array_set_size(t->list_index, t->list_index->len - 1);
    t->indent--;
}

static void text_leaf(visitor *v, const char *name, const char *text, json_object *json)
{
    text_visitor *t = (text_visitor *)v;
    text_label(t, name);
    fprintf(t->out, ": %s\n", text);
    json_object_put(json);
}

void esim_tree_print(FILE *out, asn_TYPE_descriptor_t *td, const void *value, int indent,
                     const esim_tree_opts *opts)
{
    static const esim_tree_opts defaults;
    text_visitor t = {{text_enter, text_leave, text_leaf, opts ? opts : &defaults, NULL}, out,
                      indent,
                      g_array_new(FALSE, FALSE, sizeof(int))};
    walk(&t.base, td, value, NULL, NULL, 0);
    g_array_free(t.list_index, TRUE);
}

/* ---- JSON renderer ------------------------------------------------------------------------ */

typedef struct json_visitor {
    visitor base;
    GPtrArray *stack; /* open containers */
    json_object *root;
} json_visitor;

static void json_put(json_visitor *j, const char *name, json_object *value)
{
    if (!j->stack->len) {
        j->root = value;
        return;
    }
    json_object *top = g_ptr_array_index(j->stack, j->stack->len - 1);
    if (json_object_is_type(top, json_type_array))
        json_object_array_add(top, value);
    else
        json_object_object_add(top, name ? name : "value", value);
}

static void json_enter(visitor *v, const char *name, kind k, const char *type)
{
    json_visitor *j = (json_visitor *)v;
    (void)type;
    json_object *o = k == K_LIST ? json_object_new_array() : json_object_new_object();
    json_put(j, name, o);
    g_ptr_array_add(j->stack, o);
}

static void json_leave(visitor *v, kind k)
{
    json_visitor *j = (json_visitor *)v;
    (void)k;
    g_ptr_array_set_size(j->stack, j->stack->len - 1);
}

static void json_leaf(visitor *v, const char *name, const char *text, json_object *json)
{
    (void)text;
    json_put((json_visitor *)v, name, json);
}

/* The JSON of one member, as it appears inside the whole value's JSON. */
static json_object *walk_json(asn_TYPE_descriptor_t *td, const void *ptr, const char *member,
                              const char *parent_compound, int depth, const esim_tree_opts *opts)
{
    json_visitor j = {{json_enter, json_leave, json_leaf, opts, NULL}, g_ptr_array_new(), NULL};
    walk(&j.base, td, ptr, member, parent_compound, depth);
    g_ptr_array_free(j.stack, TRUE);
    return j.root;
}

json_object *esim_tree_json(asn_TYPE_descriptor_t *td, const void *value,
                            const esim_tree_opts *opts)
{
    static const esim_tree_opts defaults;
    return walk_json(td, value, NULL, NULL, 0, opts ? opts : &defaults);
}

/* ---- streaming scan ----------------------------------------------------------------------- */

typedef struct scan_visitor {
    visitor base;
    const esim_tree_scanner *s;
} scan_visitor;

static esim_tree_want scan_want(visitor *v, const char *name, asn_TYPE_descriptor_t *td, kind k)
{
    const esim_tree_scanner *s = ((scan_visitor *)v)->s;
    bool container = k == K_SEQUENCE || k == K_CHOICE || k == K_LIST;
    return s->want(s->user, name, td, container, k == K_LIST);
}

static void scan_enter(visitor *v, const char *name, kind k, const char *type)
{
    const esim_tree_scanner *s = ((scan_visitor *)v)->s;
    (void)type;
    s->enter(s->user, name, k == K_LIST);
}

static void scan_leave(visitor *v, kind k)
{
    const esim_tree_scanner *s = ((scan_visitor *)v)->s;
    (void)k;
    s->leave(s->user);
}

static void scan_leaf(visitor *v, const char *name, const char *text, json_object *json)
{
    const esim_tree_scanner *s = ((scan_visitor *)v)->s;
    (void)text;
    s->value(s->user, name, json);
    json_object_put(json);
}

void esim_tree_scan(asn_TYPE_descriptor_t *td, const void *value, const esim_tree_opts *opts,
                    const esim_tree_scanner *s)
{
    static const esim_tree_opts defaults;
    scan_visitor sv = {{scan_enter, scan_leave, scan_leaf, opts ? opts : &defaults, scan_want},
                       s};
    walk(&sv.base, td, value, NULL, NULL, 0);
}
