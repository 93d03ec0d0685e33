/* Opening a BPP as the eUICC would (SGP.22 2.6.4, 3.1.3.3): MAC check and decryption of
 * every segment, key sets chosen from the key log, ReplaceSessionKeys applied to the 86s. */
#include "esim/bpp.h"
#include "esim/hex.h"
#include "esim/sig.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *esim_bpp_keysrc_name(esim_bpp_keysrc s)
{
    static const char *names[] = {
        [ESIM_KEYS_NONE] = "none",
        [ESIM_KEYS_SESSION_KEYS] = "SESSION_KEYS line",
        [ESIM_KEYS_EUICC_OTSK] = "derived from EUICC_OTSK and smdpOtpk",
        [ESIM_KEYS_SMDP_OTSK] = "derived from SMDP_OTSK and EUICC_OTPK",
        [ESIM_KEYS_RSK] = "ReplaceSessionKeysRequest in the BPP",
        [ESIM_KEYS_PPK_LINE] = "PPK line",
    };
    return s <= ESIM_KEYS_PPK_LINE ? names[s] : "?";
}

void esim_bpp_opened_free(esim_bpp_opened *o)
{
    for (int p = 0; p < ESIM_BPP_PART_COUNT; p++)
        free(o->seg[p]);
    uint8_t **bufs[] = { &o->configure_isdp, &o->store_metadata, &o->rsk, &o->upp };
    size_t lens[] = { o->configure_isdp_len, o->store_metadata_len, o->rsk_len, o->upp_len };
    for (size_t i = 0; i < 4; i++) {
        if (*bufs[i]) {
            esim_wipe(*bufs[i], lens[i]);
            free(*bufs[i]);
        }
    }
    esim_wipe(o, sizeof *o);
    memset(o, 0, sizeof *o);
}

/* Session keys from ECDH with our one-time private scalar and the peer's point. */
static int derive(const esim_bpp *bpp, const uint8_t scalar[32], const uint8_t *peer,
                  size_t peer_len, const uint8_t *eid, esim_bsp_keys *keys, esim_error *err)
{
    esim_curve c;
    if (esim_curve_of_point(peer, peer_len, &c, err) != 0)
        return -1;
    EVP_PKEY *own = esim_ec_from_private(c, scalar, 32, err);
    if (!own)
        return -1;
    uint8_t shs[32];
    int rc = esim_bsp_ecdh(own, peer, peer_len, shs, err);
    if (rc == 0)
        rc = esim_bsp_kdf(shs, sizeof shs, bpp->key_type, bpp->key_len, bpp->host_id,
                          bpp->host_id_len, eid, 16, keys, err);
    esim_wipe(shs, sizeof shs);
    EVP_PKEY_free(own);
    return rc;
}

static int session_keys(const esim_bpp *bpp, const esim_keylog *kl, esim_bpp_opened *o,
                        esim_error *err)
{
    const esim_keylog_entry *e = esim_keylog_find(kl, ESIM_KL_SESSION_KEYS, bpp->tid, bpp->tid_len);
    if (e) {
        o->session = e->keys;
        o->session_src = ESIM_KEYS_SESSION_KEYS;
        return 0;
    }
    if ((e = esim_keylog_find(kl, ESIM_KL_EUICC_OTSK, bpp->tid, bpp->tid_len))) {
        if (derive(bpp, e->scalar, bpp->smdp_otpk, bpp->smdp_otpk_len, e->eid, &o->session,
                   err) != 0)
            return esim_error_prefix(err, "key log line %u (EUICC_OTSK) with smdpOtpk", e->line);
        o->session_src = ESIM_KEYS_EUICC_OTSK;
        return 0;
    }
    const esim_keylog_entry *pk = esim_keylog_find(kl, ESIM_KL_EUICC_OTPK, bpp->tid, bpp->tid_len);
    if ((e = esim_keylog_find(kl, ESIM_KL_SMDP_OTSK, bpp->tid, bpp->tid_len)) && pk) {
        if (derive(bpp, e->scalar, pk->point, pk->point_len, e->eid, &o->session, err) != 0)
            return esim_error_prefix(err, "key log lines %u/%u (SMDP_OTSK, EUICC_OTPK)", e->line,
                                     pk->line);
        o->session_src = ESIM_KEYS_SMDP_OTSK;
    }
    return 0;
}

static void note_failure(esim_bpp_opened *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void note_failure(esim_bpp_opened *o, const char *fmt, ...)
{
    if (o->first_failure[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->first_failure, sizeof o->first_failure, fmt, ap);
    va_end(ap);
}

/* Checks (and decrypts) the segments of one part with key set b. *plain gets the plaintext.
 * Returns true when every segment verified. */
static bool run_part(esim_bsp *b, const esim_bpp *bpp, esim_bpp_part p, bool decrypt,
                     bool fresh_keys, const char *keys_what, esim_bpp_opened *o, uint8_t **plain,
                     size_t *plain_len)
{
    esim_buf out = { 0 };
    bool all_ok = true;
    uint8_t tag = esim_bpp_part_seg_tag(p);
    size_t total = 0;
    for (size_t i = 0; i < bpp->nseg[p]; i++)
        total += bpp->seg[p][i].len;
    esim_buf_reserve(&out, total); /* one allocation for the whole part */
    for (size_t i = 0; i < bpp->nseg[p]; i++) {
        const esim_bpp_segment *s = &bpp->seg[p][i];
        esim_bpp_segcheck *sc = &o->seg[p][i];
        esim_error e;
        if (esim_bsp_unprotect(b, tag, decrypt, s->value, s->len, &out, &sc->chk, &e) != 0) {
            note_failure(o, "%s segment %zu (offset %zu): %s", esim_bpp_part_name(p), i + 1,
                         s->offset, e.msg);
            o->failed++;
            all_ok = false;
            break;
        }
        sc->checked = true;
        o->checked++;
        if (!sc->chk.mac_ok) {
            char w[17], c[17];
            o->failed++;
            all_ok = false;
            bool first_of_set = fresh_keys && i == 0;
            note_failure(o, "%s segment %zu (offset %zu): MAC mismatch (received %s, computed %s); "
                            "likely cause: %s",
                         esim_bpp_part_name(p), i + 1, s->offset,
                         esim_hex(sc->chk.mac_wire, 8, w), esim_hex(sc->chk.mac_computed, 8, c),
                         first_of_set ? keys_what : "the BPP was modified or segments reordered");
        } else if (!sc->chk.pad_ok) {
            o->failed++;
            all_ok = false;
            /* The MAC key verified the segment, so the ciphertext is intact: a padding error
             * means the encryption key does not belong with that MAC key (SGP.22 2.6.4.4). */
            note_failure(o, "%s segment %zu (offset %zu): bad padding after decryption although "
                            "the MAC verified; likely cause: the encryption key (S-ENC, or PPK-ENC "
                            "for a PPK-protected part) is wrong (%s)",
                         esim_bpp_part_name(p), i + 1, s->offset, keys_what);
        }
    }
    if (out.oom) {
        note_failure(o, "out of memory");
        all_ok = false;
    }
    *plain = esim_buf_steal(&out, plain_len);
    return all_ok;
}

int esim_bpp_open(const esim_bpp *bpp, const esim_keylog *kl, esim_bpp_opened *o,
                  esim_error *err)
{
    memset(o, 0, sizeof *o);
    char tidhex[2 * ESIM_TID_MAX + 1];
    esim_hex(bpp->tid, bpp->tid_len, tidhex);
    for (int p = 0; p < ESIM_BPP_PART_COUNT; p++) {
        if (!bpp->nseg[p])
            continue;
        o->seg[p] = calloc(bpp->nseg[p], sizeof *o->seg[p]);
        if (!o->seg[p]) {
            esim_bpp_opened_free(o);
            return esim_error_set(err, "out of memory");
        }
    }
    if (session_keys(bpp, kl, o, err) != 0) {
        esim_bpp_opened_free(o);
        return -1;
    }
    const esim_keylog_entry *ppk_line = esim_keylog_find(kl, ESIM_KL_PPK, bpp->tid, bpp->tid_len);
    if (o->session_src == ESIM_KEYS_NONE && !ppk_line) {
        esim_bpp_opened_free(o);
        return esim_error_set(err,
                              "no keys for transactionId %s in the key log (need SESSION_KEYS, "
                              "EUICC_OTSK, SMDP_OTSK + EUICC_OTPK, or PPK)", tidhex);
    }

    esim_bsp b;
    bool session_live = false, rsk_failed = false;
    const char *wrong_session = "wrong session keys for this transactionId";
    if (o->session_src != ESIM_KEYS_NONE) {
        if (esim_bsp_init(&b, &o->session, err) != 0) {
            esim_bpp_opened_free(o);
            return -1;
        }
        session_live = true;
        run_part(&b, bpp, ESIM_BPP_FIRST87, true, true, wrong_session, o, &o->configure_isdp,
                 &o->configure_isdp_len);
        run_part(&b, bpp, ESIM_BPP_SEQ88, false, false, wrong_session, o, &o->store_metadata,
                 &o->store_metadata_len);
        if (bpp->has_part[ESIM_BPP_SECOND87] && bpp->nseg[ESIM_BPP_SECOND87]) {
            bool ok = run_part(&b, bpp, ESIM_BPP_SECOND87, true, false, wrong_session, o, &o->rsk,
                               &o->rsk_len);
            esim_error e;
            if (ok && esim_rsk_decode(o->rsk, o->rsk_len, &o->ppk, &e) == 0) {
                o->ppk_src = ESIM_KEYS_RSK;
            } else {
                rsk_failed = true;
                if (ok)
                    note_failure(o, "secondSequenceOf87: %s", e.msg);
            }
        } else {
            /* no ReplaceSessionKeys: the 86 segments continue with the session key set */
            o->ppk = o->session;
            o->ppk_src = ESIM_KEYS_SESSION_KEYS;
        }
    }
    if (o->ppk_src != ESIM_KEYS_SESSION_KEYS && o->ppk_src != ESIM_KEYS_RSK && ppk_line) {
        o->ppk = ppk_line->keys;
        o->ppk_src = ESIM_KEYS_PPK_LINE;
    }
    int rc = 0;
    if (bpp->truncated)
        note_failure(o, "BPP truncated: %zu of %zu bytes present; the segments after byte %zu "
                        "are missing (capture cut short?)", bpp->der_len, bpp->full_len,
                     bpp->der_len);
    if (o->ppk_src == ESIM_KEYS_NONE) {
        note_failure(o, "sequenceOf86 not checked: %s", rsk_failed
                     ? "the ReplaceSessionKeysRequest (PPK) could not be recovered and the key "
                       "log has no PPK line"
                     : "PPK missing");
    } else {
        bool fresh = o->ppk_src != ESIM_KEYS_SESSION_KEYS;
        if (fresh) {
            if (session_live)
                esim_bsp_free(&b);
            session_live = false;
            if (esim_bsp_init(&b, &o->ppk, err) != 0) {
                esim_bpp_opened_free(o);
                return -1;
            }
            session_live = true;
        }
        bool ok = run_part(&b, bpp, ESIM_BPP_SEQ86, true, fresh,
                           o->ppk_src == ESIM_KEYS_PPK_LINE ? "wrong PPK for this transactionId"
                           : o->ppk_src == ESIM_KEYS_RSK   ? "the PPK in ReplaceSessionKeys does "
                                                             "not match (BPP modified?)"
                                                           : wrong_session,
                           o, &o->upp, &o->upp_len);
        o->upp_complete = ok && bpp->nseg[ESIM_BPP_SEQ86] > 0 && !bpp->truncated;
    }
    if (session_live)
        esim_bsp_free(&b);
    return rc;
}

int esim_bpp_euicc_otpk(const esim_bpp *bpp, const esim_keylog *kl,
                        uint8_t out[ESIM_EC_POINT_MAX], size_t *len, esim_error *err)
{
    const esim_keylog_entry *e = esim_keylog_find(kl, ESIM_KL_EUICC_OTPK, bpp->tid, bpp->tid_len);
    if (e) {
        memcpy(out, e->point, e->point_len);
        *len = e->point_len;
        return 0;
    }
    if ((e = esim_keylog_find(kl, ESIM_KL_EUICC_OTSK, bpp->tid, bpp->tid_len))) {
        esim_curve c;
        if (esim_curve_of_point(bpp->smdp_otpk, bpp->smdp_otpk_len, &c, err) != 0)
            return esim_error_prefix(err, "smdpOtpk");
        return esim_ec_point_of_private(c, e->scalar, 32, out, len, err);
    }
    return esim_error_set(err, "the eUICC one-time public key is unknown (key log has no "
                               "EUICC_OTPK or EUICC_OTSK for this transactionId)");
}

int esim_bpp_verify_sign(const esim_bpp *bpp, const uint8_t *euicc_otpk, size_t otpk_len,
                         EVP_PKEY *dp_pb_pub, esim_error *err)
{
    /* SGP.22 5.5.1: smdpSign covers remoteOpId, transactionId, controlRefTemplate and
     * smdpOtpk (as encoded, without the 'BF23' header) followed by '5F49' euiccOtpk. */
    esim_buf data = { 0 };
    esim_buf_append(&data, bpp->signed_part, bpp->signed_part_len);
    esim_tlv_put(&data, 0x5F49, euicc_otpk, otpk_len);
    int rc;
    if (data.oom)
        rc = esim_error_set(err, "out of memory");
    else
        rc = esim_sig_verify_raw(dp_pb_pub, data.data, data.len, bpp->smdp_sign,
                                 bpp->smdp_sign_len, err);
    esim_buf_free(&data);
    return rc;
}
