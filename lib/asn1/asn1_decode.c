#include "esim/asn1_decode.h"
#include <glib.h>
#include <string.h>
#include "constr_CHOICE.h"

extern struct asn_TYPE_descriptor_s *asn_pdu_collection[];

/* Hostile nesting must not exhaust the stack: asn1c checks this budget while decoding. */
#define DECODE_STACK_BUDGET (64 * 1024)

static int discard(const void *buf, size_t size, void *key)
{
    (void)buf, (void)size, (void)key;
    return 0;
}

void esim_asn1_resolve(asn_TYPE_descriptor_t *td)
{
    /* asn1c 0.9.28 copies a derived type's base functions into its descriptor lazily, on the
     * first call of any of them; printing an absent value triggers that and prints nothing. */
    td->print_struct(td, NULL, 0, discard, NULL);
}

asn_TYPE_descriptor_t *esim_asn1_type(const char *name)
{
    for (size_t i = 0; asn_pdu_collection[i]; i++)
        if (!g_ascii_strcasecmp(asn_pdu_collection[i]->name, name))
            return asn_pdu_collection[i];
    return NULL;
}

void esim_asn1_each_type(void (*fn)(const char *name, void *ctx), void *ctx)
{
    for (size_t i = 0; asn_pdu_collection[i]; i++)
        fn(asn_pdu_collection[i]->name, ctx);
}

void esim_decoded_free(esim_decoded *d)
{
    if (d && d->td && d->value)
        d->td->free_struct(d->td, d->value, 0);
    if (d)
        memset(d, 0, sizeof *d);
}

static int encode_cb(const void *buf, size_t size, void *key)
{
    GByteArray *out = key;
    g_byte_array_append(out, buf, (guint)size);
    return 0;
}

static int reencodes_exactly(asn_TYPE_descriptor_t *td, void *value, const uint8_t *buf,
                             size_t len)
{
    GByteArray *out = g_byte_array_new();
    asn_enc_rval_t er = der_encode(td, value, encode_cb, out);
    int same = er.encoded >= 0 && out->len == len && !memcmp(out->data, buf, len);
    g_byte_array_free(out, TRUE);
    return same;
}

int esim_asn1_decode(asn_TYPE_descriptor_t *td, const uint8_t *buf, size_t len, esim_decoded *out,
                     esim_error *err)
{
    memset(out, 0, sizeof *out);
    asn_codec_ctx_t ctx = {DECODE_STACK_BUDGET};
    void *value = NULL;
    asn_dec_rval_t rv = ber_decode(&ctx, td, &value, buf, len);
    if (rv.code != RC_OK) {
        if (value)
            td->free_struct(td, value, 0);
        if (rv.code == RC_WMORE)
            return esim_error_set(err, "%s: truncated (input ends inside the value, after %zu of "
                                       "%zu bytes)", td->name, rv.consumed, len);
        return esim_error_set(err, "%s: malformed encoding near byte %zu", td->name,
                              rv.consumed);
    }
    out->td = td;
    out->value = value;
    out->consumed = rv.consumed;
    out->exact = reencodes_exactly(td, value, buf, rv.consumed);
    return 0;
}

/* Whether td can start with tag (its own outermost tag, or any alternative's for an untagged
 * CHOICE). */
static int may_start_with(asn_TYPE_descriptor_t *td, ber_tlv_tag_t tag)
{
    if (td->tags_count > 0)
        return td->tags[0] == tag;
    if (td->print_struct != CHOICE_print || !td->specifics)
        return 0;
    const asn_CHOICE_specifics_t *spec = td->specifics;
    for (int i = 0; i < spec->tag2el_count; i++)
        if (spec->tag2el[i].el_tag == tag)
            return 1;
    return 0;
}

int esim_asn1_detect(const uint8_t *buf, size_t len, esim_decoded *out, esim_error *err)
{
    memset(out, 0, sizeof *out);
    ber_tlv_tag_t tag;
    ssize_t tl = ber_fetch_tag(buf, len, &tag);
    if (tl <= 0)
        return esim_error_set(err, "not BER/DER: no complete tag at the start");
    char tagname[64];
    ber_tlv_tag_snprint(tag, tagname, sizeof tagname);

    esim_decoded best = {0};
    int best_rank = -1, candidates = 0;
    esim_error last = {{0}};
    for (size_t i = 0; asn_pdu_collection[i]; i++) {
        asn_TYPE_descriptor_t *td = asn_pdu_collection[i];
        esim_asn1_resolve(td);
        if (!may_start_with(td, tag))
            continue;
        candidates++;
        esim_decoded d;
        if (esim_asn1_decode(td, buf, len, &d, &last) != 0)
            continue;
        /* Rank: exact re-encoding first, then a specific type over an untagged CHOICE wrapper. */
        int rank = d.exact * 2 + (td->tags_count > 0);
        if (rank > best_rank) {
            esim_decoded_free(&best);
            best = d;
            best_rank = rank;
        } else {
            esim_decoded_free(&d);
        }
    }
    if (best_rank < 0) {
        if (!candidates)
            return esim_error_set(err, "unknown top-level tag %s: not an SGP.22 / SAIP / X.509 "
                                       "object (use --type NAME)", tagname);
        return esim_error_set(err, "tag %s: no type decodes it; last error: %s", tagname,
                              last.msg);
    }
    *out = best;
    return 0;
}
