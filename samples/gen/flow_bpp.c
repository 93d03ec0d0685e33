/* The BPP as the SM-DP+ signs it and as the simulated eUICC opens it. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>
#include "esim/bpp.h"

/* esim_bpp_build signs smdpSign with OpenSSL's randomised ECDSA; sign the same bytes again with
 * the seeded nonce so that the BPP is the same on every run. SGP.22 5.5.1: smdpSign covers the
 * InitialiseSecureChannel fields before it || '5F49' otPK.EUICC. */
int resign_isc(fl *f, uint8_t *bpp, size_t n, const uint8_t *euicc_otpk)
{
    esim_tlv top, isc, x;
    esim_tlv_iter it;
    esim_error err;
    if (esim_tlv_parse(bpp, n, 0, &top, &err) != 0 || esim_tlv_find_child(&top, 0xBF23, &isc, &err) != 1)
        return -1;
    esim_buf tbs = {0};
    uint8_t *sig = NULL;
    esim_tlv_iter_children(&it, &isc);
    while (esim_tlv_next(&it, &x, &err) == 1) {
        if (x.tag == 0x5F37 && x.len == 64)
            sig = bpp + x.offset + x.hdr_len;
        else
            esim_buf_append(&tbs, x.raw, esim_tlv_total(&x));
    }
    esim_tlv_put(&tbs, 0x5F49, euicc_otpk, 65);
    uint8_t s[67];
    int rc = -1;
    if (sig && !tbs.oom) {
        sign_tlv(f, SG_CERT_DPPB, tbs.data, tbs.len, NULL, 0, s);
        memcpy(sig, s + 3, 64);
        rc = 0;
    }
    esim_buf_free(&tbs);
    return rc;
}

/* The eUICC side of LoadBoundProfilePackage, with the core library's BPP reader: from what the
 * eUICC knows (its one-time private key, the EID, the BPP) derive the session keys, check and
 * decrypt every segment. *fail_part / *fail_idx get the first segment whose MAC or padding fails
 * (-1 when none); without a failure the decrypted profile must equal the one the SM-DP+ bound. */
int euicc_open_bpp(fl *f, const uint8_t *bpp, size_t n, const uint8_t *otsk,
                   const uint8_t *upp, size_t upp_n, int *fail_part, int *fail_idx)
{
    esim_keylog *kl = esim_keylog_new();
    esim_keylog_entry e;
    esim_bpp b;
    esim_bpp_opened o;
    esim_error err;
    memset(&e, 0, sizeof e);
    memset(&o, 0, sizeof o);
    e.kind = ESIM_KL_EUICC_OTSK;
    memcpy(e.tid, f->tid, 16);
    e.tid_len = 16;
    memcpy(e.scalar, otsk, 32);
    memcpy(e.eid, f->eid, 16);
    e.eid_len = 16;
    int rc = -1;
    if (kl && esim_keylog_add(kl, &e, &err) == 0 && esim_bpp_parse(bpp, n, &b, &err) == 0) {
        *fail_part = *fail_idx = -1;
        if (esim_bpp_open(&b, kl, &o, &err) == 0) {
            for (int p = 0; p < ESIM_BPP_PART_COUNT && *fail_part < 0; p++)
                for (size_t i = 0; i < b.nseg[p]; i++)
                    if (!o.seg[p][i].checked || !o.seg[p][i].chk.mac_ok || !o.seg[p][i].chk.pad_ok) {
                        *fail_part = p;
                        *fail_idx = (int)i;
                        break;
                    }
            if (*fail_part >= 0 || (o.upp_complete && o.upp_len == upp_n &&
                                    memcmp(o.upp, upp, upp_n) == 0))
                rc = 0;
        }
        if (rc != 0)
            fprintf(stderr, "esim-samplegen: eUICC could not open the BPP (%s)\n",
                    o.first_failure[0] ? o.first_failure : err.msg);
        esim_bpp_opened_free(&o);
        esim_bpp_clear(&b);
    }
    esim_wipe(&e, sizeof e);
    esim_keylog_free(kl);
    return rc;
}
