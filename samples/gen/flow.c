/* The simulated session, step by step (SGP.22 3.1: profile download and installation), for each
 * scenario of flow.h. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>
#include "esim/bpp.h"
#include "esim/hex.h"
#include "esim/luhn.h"

int sg_flow_run(const sg_drbg *d, const sg_pki *pki, sg_scenario sc, sg_binding binding,
                sg_transcript *t, FILE *kl)
{
    fl F = {.d = d, .pki = pki, .sc = sc, .t = t, .binding = binding}, *f = &F;
    char label[64];
    snprintf(label, sizeof label, "tid/%d", (int)sc);
    sg_drbg_bytes(d, label, f->tid, 16);
    esim_hex(f->tid, 16, f->tid_hex);
    esim_unhex(pki->eid, 32, f->eid, 16);
    /* ICCID: 19 digits + Luhn check digit (ITU-T E.118), coded as in EF.ICCID (swapped BCD) */
    snprintf(f->iccid_digits, sizeof f->iccid_digits, "%s", ICCID_BASE);
    f->iccid_digits[19] = esim_luhn_digit(f->iccid_digits);
    f->iccid_digits[20] = '\0';
    for (int i = 0; i < 10; i++)
        f->iccid[i] = (uint8_t)((f->iccid_digits[2 * i] - '0') | (f->iccid_digits[2 * i + 1] - '0') << 4);
    t->channel = 1;

    /* card reset, logical channel, ISD-R */
    static const uint8_t atr[] = {0x3B, 0x9F, 0x96, 0x80, 0x1F, 0xC7, 0x80, 0x31, 0xE0, 0x73, 0xFE,
                                  0x21, 0x1B, 0x63, 0x3A, 0x20, 0x4E, 0x83, 0x00, 0x90, 0x00, 0x00};
    sg_ev *e = sg_tr_add(t, SG_EV_ATR);
    e->cmd = dup_bytes(atr, sizeof atr);
    e->cmd_len = sizeof atr;
    for (size_t i = 1; i + 1 < sizeof atr; i++) /* TCK: XOR of T0..last historical byte */
        e->cmd[sizeof atr - 1] ^= atr[i];
    plain_apdu(f, "00700000", "", true, "01");
    plain_apdu(f, "01A40400", "A0000005591010FFFFFFFF8900000100", true,
               "6F1A8410A0000005591010FFFFFFFF8900000100A5069F6501FF8201FF");

    /* ES10b.GetEUICCInfo1, the SM-DS event retrieval, then the mutual authentication with the
     * SM-DP+ (GetEUICCChallenge, ES9+ initiateAuthentication, AuthenticateServer) */
    size_t info1_n;
    uint8_t *info1 = euicc_info1(f, &info1_n);
    es10(f, (const uint8_t *)"\xBF\x20\x00", 3, info1, info1_n);
    if (sc == SG_SC_HAPPY || sc == SG_SC_HAPPY_PPK)
        event_retrieval(f, info1, info1_n);
    uint8_t echal[16], schal[16];
    snprintf(label, sizeof label, "echal/%d", (int)sc);
    sg_drbg_bytes(d, label, echal, 16);
    snprintf(label, sizeof label, "schal/%d", (int)sc);
    sg_drbg_bytes(d, label, schal, 16);
    const auth_peer smdp = {0, SG_SMDP_ADDRESS, "smdpAddress", SG_CERT_DPAUTH,
                            sc == SG_SC_UNKNOWN_EUM   ? SG_CERT_ROGUE_EUM
                            : sc == SG_SC_EXPIRED_EUM ? SG_CERT_EXPIRED_EUM
                                                      : SG_CERT_EUM,
                            true};
    auth_result ar;
    mutual_auth(f, &smdp, f->tid, echal, schal, info1, info1_n, &ar);
    sg_der dd;

    /* ES9+.AuthenticateClient */
    const rsp_member ac_rq[] = {
        RSP_TID(f->tid),
        RSP_DER("authenticateServerResponse", ar.asp, ar.asp_n),
    };
    int rc = 0;
    if (sc == SG_SC_WRONG_MATCHING_ID || sc == SG_SC_UNKNOWN_EUM || sc == SG_SC_EXPIRED_EUM) {
        /* SGP.22 5.6.3 (ES9+.AuthenticateClient status codes): 8.2.6 Matching ID / 3.8 Refused;
         * 8.1.2 EUM Certificate / 6.1 Verification failed or 6.3 Expired; in the ASN.1 binding
         * authenticateClientError matchingIdRefused(6), eumCertificateInvalid(1) or
         * eumCertificateExpired(2) */
        static const rsp_failure wrong_mid = {"8.2.6", "3.8", "Matching ID refused", 6},
                                 unknown_eum = {"8.1.2", "6.1",
                                                "EUM certificate verification failed", 1},
                                 expired_eum = {"8.1.2", "6.3",
                                                "EUM certificate expired on 2026-02-01", 2};
        rsp_exchange(f, &(rsp_call){.function = "authenticateClient", .req = ac_rq,
                                    .nreq = G_N_ELEMENTS(ac_rq),
                                    .fail = sc == SG_SC_WRONG_MATCHING_ID ? &wrong_mid
                                            : sc == SG_SC_UNKNOWN_EUM     ? &unknown_eum
                                                                          : &expired_eum});
        goto close;
    }
    size_t smr_n;
    uint8_t *smr = store_metadata(f, &smr_n);
    sg_der_init(&dd);
    sg_der_open(&dd, 0x30);
    sg_der_put(&dd, 0x80, f->tid, 16);
    sg_der_bool(&dd, 0x01, 0);
    sg_der_close(&dd);
    size_t sms2_n;
    uint8_t *sms2 = finish(&dd, &sms2_n), ssig2[67];
    /* SGP.22 5.6.2: smdpSignature2 over smdpSigned2 || euiccSignature1 (tag and length included) */
    sign_tlv(f, SG_CERT_DPPB, sms2, sms2_n, ar.esig1, sizeof ar.esig1, ssig2);
    const sg_cert *dppb = &pki->c[SG_CERT_DPPB];
    const rsp_member ac_rs[] = {
        RSP_TID(f->tid),
        {.json = "profileMetadata", .asn1 = "profileMetaData", .kind = RM_DER, .p = smr,
         .n = smr_n},
        RSP_DER("smdpSigned2", sms2, sms2_n),
        RSP_DER("smdpSignature2", ssig2, sizeof ssig2),
        RSP_DER("smdpCertificate", dppb->der, dppb->der_len),
    };
    rsp_exchange(f, &(rsp_call){.function = "authenticateClient", .req = ac_rq, .rsp = ac_rs,
                                .nreq = G_N_ELEMENTS(ac_rq), .nrsp = G_N_ELEMENTS(ac_rs)});

    if (sc == SG_SC_CANCEL_SESSION) {
        /* ES10b.CancelSession (endUserRejection), then ES9+.CancelSession */
        sg_der_init(&dd);
        sg_der_open(&dd, 0xBF41);
        sg_der_put(&dd, 0x80, f->tid, 16);
        sg_der_uint(&dd, 0x81, 0);
        sg_der_close(&dd);
        size_t cr_n;
        uint8_t *cr = finish(&dd, &cr_n);
        sg_der_init(&dd);
        sg_der_open(&dd, 0x30);
        sg_der_put(&dd, 0x80, f->tid, 16);
        sg_der_oid(&dd, 0x81, SG_SMDP_OID);
        sg_der_uint(&dd, 0x82, 0);
        sg_der_close(&dd);
        size_t cs_n, cp_n;
        uint8_t *cs = finish(&dd, &cs_n);
        uint8_t *cp = euicc_signed_ok(f, 0xBF41, cs, cs_n, NULL, 0, &cp_n);
        es10(f, cr, cr_n, cp, cp_n);
        const rsp_member cs_rq[] = {
            RSP_TID(f->tid),
            RSP_DER("cancelSessionResponse", cp, cp_n),
        };
        rsp_exchange(f, &(rsp_call){.function = "cancelSession", .req = cs_rq,
                                    .nreq = G_N_ELEMENTS(cs_rq)});
        free(cr);
        free(cs);
        free(cp);
        free(smr);
        free(sms2);
        goto close;
    }

    /* ES10b.PrepareDownload: a fresh one-time eUICC key */
    sg_der_init(&dd);
    sg_der_open(&dd, 0xBF21);
    sg_der_raw(&dd, sms2, sms2_n);
    sg_der_raw(&dd, ssig2, sizeof ssig2);
    sg_der_raw(&dd, dppb->der, dppb->der_len);
    sg_der_close(&dd);
    size_t pdr_n;
    uint8_t *pdr = finish(&dd, &pdr_n);
    sg_key otk, smdp_ot;
    snprintf(label, sizeof label, "otsk/euicc/%d", (int)sc);
    if (sg_key_derive(&otk, pki->curve, d, label) != 0)
        abort();
    snprintf(label, sizeof label, "otsk/smdp/%d", (int)sc);
    if (sg_key_derive(&smdp_ot, pki->curve, d, label) != 0)
        abort();
    sg_der_init(&dd);
    sg_der_open(&dd, 0x30);
    sg_der_put(&dd, 0x80, f->tid, 16);
    sg_der_put(&dd, 0x5F49, otk.pub, 65);
    sg_der_close(&dd);
    size_t eus2_n, pdp_n;
    uint8_t *eus2 = finish(&dd, &eus2_n);
    /* SGP.22 5.7.5: euiccSignature2 over euiccSigned2 || smdpSignature2 */
    uint8_t *pdp = euicc_signed_ok(f, 0xBF21, eus2, eus2_n, ssig2, sizeof ssig2, &pdp_n);
    es10(f, pdr, pdr_n, pdp, pdp_n);
    keylog_line(kl, ESIM_KL_EUICC_OTSK, f, otk.d, NULL);

    /* ES9+.GetBoundProfilePackage: the BPP from the core library */
    size_t upp_n;
    uint8_t *upp = profile(f, &upp_n);
    sg_der_init(&dd);
    sg_der_open(&dd, 0xBF24);
    sg_der_open(&dd, 0xB8);
    sg_der_oid(&dd, 0x80, SG_SMDP_OID); /* DpProprietaryData: automatic tags, dpOid [0] */
    sg_der_close(&dd);
    sg_der_close(&dd);
    size_t cfg_n;
    uint8_t *cfg = finish(&dd, &cfg_n);
    static const uint8_t host_id[] = "esimscope-smdp";
    esim_bsp_keys ppk; /* the PPK of SG_SC_HAPPY_PPK, from the seed like every other key */
    snprintf(label, sizeof label, "ppk/%d", (int)sc);
    sg_drbg_bytes(d, label, (uint8_t *)&ppk, sizeof ppk);
    esim_bpp_build_params bp = {
        .tid = f->tid, .tid_len = 16, .eid = f->eid, .host_id = host_id,
        .host_id_len = sizeof host_id - 1, .dp_pb_key = dppb->key.pk, .euicc_otpk = otk.pub,
        .euicc_otpk_len = 65, .smdp_otsk = smdp_ot.pk, .configure_isdp = cfg,
        .configure_isdp_len = cfg_n, .store_metadata = smr, .store_metadata_len = smr_n,
        .use_ppk = sc == SG_SC_HAPPY_PPK, .ppk = &ppk, .upp = upp, .upp_len = upp_n,
    };
    esim_bpp_built bb;
    esim_error err;
    memset(&bb, 0, sizeof bb);
    if (esim_bpp_build(&bp, &bb, &err) != 0) {
        fprintf(stderr, "esim-samplegen: %s\n", err.msg);
        abort();
    }
    if (resign_isc(f, bb.bpp, bb.bpp_len, otk.pub) != 0)
        abort();
    keylog_line(kl, ESIM_KL_SESSION_KEYS, f, NULL, &bb.session);
    if (bp.use_ppk)
        keylog_line(kl, ESIM_KL_PPK, f, NULL, &bb.ppk);
    esim_wipe(&ppk, sizeof ppk);

    /* Split the BPP as the LPA sends it (SGP.22 2.5.5 / 5.7.6): BF36 header + BF23, A0 whole,
     * A1 header then each 88, A2 whole, A3 header then each 86. */
    esim_tlv top, seq, seg;
    esim_tlv_iter it, it2;
    if (esim_tlv_parse(bb.bpp, bb.bpp_len, 0, &top, &err) != 0)
        abort();
    int mac_fail_at = sc == SG_SC_BPP_MAC_FAIL ? 0 : -1, n86 = 0;
    uint8_t *segs[64];
    size_t segn[64], nseg = 0;
    int seg86[64];
    int piece_part[64], piece_idx[64]; /* BPP part of each piece; segment, -1 whole, -2 header */
    static const uint32_t part_tags[ESIM_BPP_PART_COUNT] = {0xA0, 0xA1, 0xA2, 0xA3};
    esim_tlv_iter_children(&it, &top);
    bool first = true;
    while (esim_tlv_next(&it, &seq, &err) == 1 && nseg < 60) {
        size_t pre = first ? top.hdr_len : 0;
        const uint8_t *start = first ? top.raw : seq.raw;
        first = false;
        int part = -1;
        for (int p = 0; p < ESIM_BPP_PART_COUNT; p++)
            if (seq.tag == part_tags[p])
                part = p;
        piece_part[nseg] = part;
        piece_idx[nseg] = -1;
        if (seq.tag == 0xBF23 || seq.tag == 0xA0 || seq.tag == 0xA2) {
            seg86[nseg] = -1;
            segn[nseg] = pre + esim_tlv_total(&seq);
            segs[nseg] = dup_bytes(start, segn[nseg]);
            nseg++;
            continue;
        }
        seg86[nseg] = -1;
        piece_idx[nseg] = -2;
        segn[nseg] = seq.hdr_len;
        segs[nseg] = dup_bytes(seq.raw, seq.hdr_len);
        nseg++;
        esim_tlv_iter_children(&it2, &seq);
        for (int k = 0; esim_tlv_next(&it2, &seg, &err) == 1 && nseg < 60; k++) {
            piece_part[nseg] = part;
            piece_idx[nseg] = k;
            seg86[nseg] = seg.tag == 0x86 ? n86++ : -1;
            segn[nseg] = esim_tlv_total(&seg);
            segs[nseg] = dup_bytes(seg.raw, segn[nseg]);
            if (mac_fail_at >= 0 && seg86[nseg] == mac_fail_at) {
                /* the SM-DP+ sends a damaged segment: its C-MAC no longer checks */
                segs[nseg][segn[nseg] - 1] ^= 0x5A;
                bb.bpp[seg.offset + esim_tlv_total(&seg) - 1] ^= 0x5A;
            }
            nseg++;
        }
    }
    int fail_part, fail_idx;
    if (euicc_open_bpp(f, bb.bpp, bb.bpp_len, otk.d, upp, upp_n, &fail_part, &fail_idx) != 0 ||
        (fail_part >= 0) != (mac_fail_at >= 0))
        abort();
    /* the piece the eUICC stops at, and the BPP command it was processing (BppCommandId) */
    size_t fail_piece = nseg;
    for (size_t i = 0; i < nseg && fail_part >= 0; i++)
        if (piece_part[i] == fail_part && (piece_idx[i] == fail_idx || piece_idx[i] == -1)) {
            fail_piece = i;
            break;
        }
    static const unsigned bpp_command_of_part[ESIM_BPP_PART_COUNT] = {
        1 /* configureISDP */, 2 /* storeMetadata */, 4 /* replaceSessionKeys */,
        5 /* loadProfileElements */};
    const rsp_member gb_rq[] = {
        RSP_TID(f->tid),
        RSP_DER("prepareDownloadResponse", pdp, pdp_n),
    };
    const rsp_member gb_rs[] = {
        RSP_TID(f->tid),
        RSP_DER("boundProfilePackage", bb.bpp, bb.bpp_len),
    };
    rsp_exchange(f, &(rsp_call){.function = "getBoundProfilePackage", .req = gb_rq, .rsp = gb_rs,
                                .nreq = G_N_ELEMENTS(gb_rq), .nrsp = G_N_ELEMENTS(gb_rs),
                                .chunked = sc == SG_SC_HAPPY || sc == SG_SC_HAPPY_PPK});

    /* ES10b.LoadBoundProfilePackage, segment by segment; the last one (or the failing one) is
     * answered with the ProfileInstallationResult */
    sg_der_init(&dd);
    sg_der_open(&dd, 0xBF27);
    sg_der_put(&dd, 0x80, f->tid, 16);
    notif_metadata(f, &dd, 1, 0);
    sg_der_oid(&dd, 0x06, SG_SMDP_OID);
    sg_der_open(&dd, 0xA2);
    if (fail_part >= 0) {
        sg_der_open(&dd, 0xA1);
        sg_der_uint(&dd, 0x80, bpp_command_of_part[fail_part]);
        sg_der_uint(&dd, 0x81, 8); /* scp03tSecurityError */
        sg_der_close(&dd);
    } else {
        uint8_t aid[16];
        esim_unhex(ISDP_AID, 32, aid, 16);
        sg_der_open(&dd, 0xA0);
        sg_der_put(&dd, 0x4F, aid, 16);
        sg_der_put(&dd, 0x04, "\x30\x07\xA0\x05\x30\x03\x80\x01\x00", 9);
        sg_der_close(&dd);
    }
    sg_der_close(&dd);
    sg_der_close(&dd);
    size_t pird_n;
    uint8_t *pird = finish(&dd, &pird_n), psig[67];
    sign_tlv(f, SG_CERT_EUICC, pird, pird_n, NULL, 0, psig);
    sg_der_init(&dd);
    sg_der_open(&dd, 0xBF37);
    sg_der_raw(&dd, pird, pird_n);
    sg_der_raw(&dd, psig, sizeof psig);
    sg_der_close(&dd);
    size_t pir_n;
    uint8_t *pir = finish(&dd, &pir_n);
    for (size_t i = 0; i < nseg; i++) {
        bool last = i + 1 == nseg || i == fail_piece;
        es10(f, segs[i], segn[i], last ? pir : NULL, last ? pir_n : 0);
        if (sc == SG_SC_STORE_DATA_6A80 && seg86[i] == 0) {
            /* the eUICC rejects the second STORE DATA block of the first '86' segment */
            sg_ev *x = &t->ev[t->n - 1];
            x->fail_block = 1;
            x->sw = 0x6A80;
            x->rsp_len = 0;
            break;
        }
        if (last)
            break;
    }
    for (size_t i = 0; i < nseg; i++)
        free(segs[i]);

    if (sc != SG_SC_STORE_DATA_6A80) {
        /* ES10b.ListNotification, ES9+.HandleNotification, ES10b.RemoveNotificationFromList */
        sg_der_init(&dd);
        sg_der_open(&dd, 0xBF28);
        sg_der_open(&dd, 0xA0);
        notif_metadata(f, &dd, 1, 0);
        sg_der_close(&dd);
        sg_der_close(&dd);
        size_t ln_n;
        uint8_t *ln = finish(&dd, &ln_n);
        es10(f, (const uint8_t *)"\xBF\x28\x00", 3, ln, ln_n);
        free(ln);
        const rsp_member hn_rq[] = {RSP_DER("pendingNotification", pir, pir_n)};
        rsp_exchange(f, &(rsp_call){.function = "handleNotification", .req = hn_rq, .nreq = 1,
                                    .no_response = true});
        es10(f, (const uint8_t *)"\xBF\x30\x03\x80\x01\x01", 6,
             (const uint8_t *)"\xBF\x30\x03\x80\x01\x00", 6);
        if (sc == SG_SC_HAPPY || sc == SG_SC_HAPPY_PPK) {
            /* ES10c.EnableProfile by ICCID, with refresh */
            uint8_t en[20] = {0xBF, 0x31, 0x11, 0xA0, 0x0C, 0x5A, 0x0A};
            memcpy(en + 7, f->iccid, 10);
            en[17] = 0x81;
            en[18] = 0x01;
            en[19] = 0xFF;
            es10(f, en, sizeof en, (const uint8_t *)"\xBF\x31\x03\x80\x01\x00", 6);
        }
    }
    free(pir);
    free(pird);
    esim_wipe(upp, upp_n);
    free(upp);
    free(cfg);
    free(pdr);
    free(pdp);
    free(eus2);
    free(smr);
    free(sms2);
    esim_bpp_built_free(&bb);
    sg_key_free(&otk);
    sg_key_free(&smdp_ot);
close:
    plain_apdu(f, "01708001", "", false, "");
    free(info1);
    free(ar.asp);
    return rc;
}
