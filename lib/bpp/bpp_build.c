/* Building a real BPP as an SM-DP+ does (SGP.22 3.1.3.2, 5.5): used by the tests and the
 * sample generator. */
#include "esim/bpp.h"
#include "esim/hex.h"
#include "esim/sig.h"
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>

void esim_bpp_built_free(esim_bpp_built *b)
{
    if (b->bpp) {
        esim_wipe(b->bpp, b->bpp_len);
        free(b->bpp);
    }
    esim_wipe(b, sizeof *b);
    memset(b, 0, sizeof *b);
}

/* Splits data over segments of at most ESIM_BSP_SEGMENT_MAX bytes and wraps them in seq_tag. */
static int protect_seq(esim_bsp *b, uint32_t seq_tag, uint8_t tag, bool encrypt,
                       const uint8_t *data, size_t n, esim_buf *body, esim_error *err)
{
    esim_buf seq = { 0 };
    size_t max = esim_bsp_max_plain(encrypt), off = 0;
    int rc = 0;
    do {
        size_t k = n - off < max ? n - off : max;
        if ((rc = esim_bsp_protect(b, tag, encrypt, data + off, k, &seq, err)) != 0)
            break;
        off += k;
    } while (off < n);
    if (rc == 0 && esim_tlv_put(body, seq_tag, seq.data, seq.len) != 0)
        rc = esim_error_set(err, "out of memory");
    esim_buf_free(&seq);
    return rc;
}

static int build_isc(const esim_bpp_build_params *p, const esim_bpp_built *o, esim_buf *body,
                     esim_error *err)
{
    esim_buf sp = { 0 }, crt = { 0 }, tbs = { 0 }, isc = { 0 };
    static const uint8_t op_id = 1;         /* installBoundProfilePackage */
    static const uint8_t key_type = 0x88;   /* AES (GlobalPlatform Card Spec table 11-16) */
    static const uint8_t key_len = ESIM_BSP_KEY_LEN;
    uint8_t sig[64];
    int rc = -1;
    esim_tlv_put(&crt, 0x80, &key_type, 1);
    esim_tlv_put(&crt, 0x81, &key_len, 1);
    esim_tlv_put(&crt, 0x84, p->host_id, p->host_id_len);
    esim_tlv_put(&sp, 0x82, &op_id, 1);
    esim_tlv_put(&sp, 0x80, p->tid, p->tid_len);
    esim_tlv_put(&sp, 0xA6, crt.data, crt.len);
    esim_tlv_put(&sp, 0x5F49, o->smdp_otpk, o->smdp_otpk_len);
    /* SGP.22 5.5.1: signed = the fields above || '5F49' euiccOtpk */
    esim_buf_append(&tbs, sp.data, sp.len);
    esim_tlv_put(&tbs, 0x5F49, p->euicc_otpk, p->euicc_otpk_len);
    if (crt.oom || sp.oom || tbs.oom) {
        esim_error_set(err, "out of memory");
    } else if (esim_sig_sign_raw(p->dp_pb_key, tbs.data, tbs.len, sig, err) == 0) {
        esim_tlv_put(&sp, 0x5F37, sig, sizeof sig);
        if (esim_tlv_put(body, 0xBF23, sp.data, sp.len) != 0 || sp.oom)
            esim_error_set(err, "out of memory");
        else
            rc = 0;
    }
    esim_buf_free(&sp);
    esim_buf_free(&crt);
    esim_buf_free(&tbs);
    esim_buf_free(&isc);
    return rc;
}

int esim_bpp_build(const esim_bpp_build_params *p, esim_bpp_built *o, esim_error *err)
{
    memset(o, 0, sizeof *o);
    if (!p->tid || p->tid_len < 1 || p->tid_len > ESIM_TID_MAX)
        return esim_error_set(err, "BPP build: transactionId must be 1..16 bytes");
    if (!p->host_id || p->host_id_len < 1 || p->host_id_len > 16)
        return esim_error_set(err, "BPP build: hostId must be 1..16 bytes");
    if (!p->eid || !p->dp_pb_key || !p->euicc_otpk || !p->store_metadata ||
        (!p->upp && p->upp_len))
        return esim_error_set(err, "BPP build: EID, DPpb key, euiccOtpk and StoreMetadata needed");
    esim_curve c;
    if (esim_curve_of_point(p->euicc_otpk, p->euicc_otpk_len, &c, err) != 0)
        return esim_error_prefix(err, "BPP build: euiccOtpk");

    EVP_PKEY *smdp = p->smdp_otsk;
    if (smdp)
        EVP_PKEY_up_ref(smdp);
    else if (!(smdp = esim_ec_generate(c, err)))
        return -1;
    uint8_t shs[32];
    esim_buf body = { 0 }, all = { 0 };
    esim_bsp b;
    bool b_live = false;
    int rc = -1;
    if (esim_ec_public_point(smdp, o->smdp_otpk, &o->smdp_otpk_len, err) ||
        esim_ec_private_scalar(smdp, o->smdp_otsk, err) ||
        esim_bsp_ecdh(smdp, p->euicc_otpk, p->euicc_otpk_len, shs, err) ||
        esim_bsp_kdf(shs, sizeof shs, 0x88, ESIM_BSP_KEY_LEN, p->host_id, p->host_id_len, p->eid,
                     16, &o->session, err) ||
        build_isc(p, o, &body, err) || esim_bsp_init(&b, &o->session, err))
        goto out;
    b_live = true;

    static const uint8_t empty_cfg[] = { 0xBF, 0x24, 0x00 };
    const uint8_t *cfg = p->configure_isdp ? p->configure_isdp : empty_cfg;
    size_t cfg_len = p->configure_isdp ? p->configure_isdp_len : sizeof empty_cfg;
    if (protect_seq(&b, 0xA0, 0x87, true, cfg, cfg_len, &body, err) ||
        protect_seq(&b, 0xA1, 0x88, false, p->store_metadata, p->store_metadata_len, &body, err))
        goto out;
    if (p->use_ppk) {
        esim_buf rsk = { 0 };
        if (p->ppk) {
            o->ppk = *p->ppk;
        } else if (RAND_bytes((uint8_t *)&o->ppk, sizeof o->ppk) != 1) {
            esim_error_set(err, "random PPK generation failed");
            goto out;
        }
        esim_rsk_encode(&o->ppk, &rsk);
        int r = rsk.oom ? esim_error_set(err, "out of memory")
                        : protect_seq(&b, 0xA2, 0x87, true, rsk.data, rsk.len, &body, err);
        esim_buf_free(&rsk);
        if (r)
            goto out;
        esim_bsp_free(&b);
        b_live = false;
        if (esim_bsp_init(&b, &o->ppk, err)) /* fresh counter and MCV (SGP.22 2.6.4.5) */
            goto out;
        b_live = true;
    } else {
        o->ppk = o->session;
    }
    if (protect_seq(&b, 0xA3, 0x86, true, p->upp, p->upp_len, &body, err))
        goto out;
    if (body.oom || esim_tlv_put(&all, 0xBF36, body.data, body.len) != 0) {
        esim_error_set(err, "out of memory");
        goto out;
    }
    o->bpp = esim_buf_steal(&all, &o->bpp_len);
    rc = o->bpp ? 0 : esim_error_set(err, "out of memory");
out:
    if (b_live)
        esim_bsp_free(&b);
    esim_wipe(shs, sizeof shs);
    esim_buf_free(&body);
    esim_buf_free(&all);
    EVP_PKEY_free(smdp);
    if (rc)
        esim_bpp_built_free(o);
    return rc;
}
