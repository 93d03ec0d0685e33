/* The common mutual authentication of the eUICC with an RSP server (SGP.22 3.1.2 with an SM-DP+,
 * 3.6.2 with an SM-DS): GetEUICCChallenge, initiateAuthentication, AuthenticateServer. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>

void mutual_auth(fl *f, const auth_peer *p, const uint8_t tid[16],
                 const uint8_t echal[16], const uint8_t schal[16], const uint8_t *info1,
                 size_t info1_n, auth_result *r)
{
    const sg_pki *pki = f->pki;
    uint8_t chal_rsp[21] = {0xBF, 0x2E, 0x12, 0x80, 0x10};
    memcpy(chal_rsp + 5, echal, 16);
    es10(f, (const uint8_t *)"\xBF\x2E\x00", 3, chal_rsp, sizeof chal_rsp);

    /* initiateAuthentication: serverSigned1 signed with the server's auth key */
    sg_der dd;
    sg_der_init(&dd);
    sg_der_open(&dd, 0x30);
    sg_der_put(&dd, 0x80, tid, 16);
    sg_der_put(&dd, 0x81, echal, 16);
    sg_der_str(&dd, 0x83, p->address);
    sg_der_put(&dd, 0x84, schal, 16);
    sg_der_close(&dd);
    size_t ss1_n;
    uint8_t *ss1 = finish(&dd, &ss1_n), sig1[67];
    sign_tlv(f, p->server_cert, ss1, ss1_n, NULL, 0, sig1);
    uint8_t ciid[22] = {0x04, 0x14};
    memcpy(ciid + 2, pki->c[SG_CERT_CI].ski, 20);
    const sg_cert *server = &pki->c[p->server_cert];
    const rsp_member rq[] = {
        {.json = p->address_field, .asn1 = "smdpAddress", .kind = RM_TEXT, .s = p->address},
        RSP_OCTETS("euiccChallenge", echal, 16),
        RSP_DER("euiccInfo1", info1, info1_n),
    };
    const rsp_member rs[] = {
        RSP_TID(tid),
        RSP_DER("serverSigned1", ss1, ss1_n),
        RSP_DER("serverSignature1", sig1, sizeof sig1),
        RSP_DER("euiccCiPKIdToBeUsed", ciid, sizeof ciid),
        RSP_DER("serverCertificate", server->der, server->der_len),
    };
    rsp_exchange(f, &(rsp_call){.host = p->host, .function = "initiateAuthentication", .req = rq,
                                .rsp = rs, .nreq = G_N_ELEMENTS(rq), .nrsp = G_N_ELEMENTS(rs)});

    /* ES10b.AuthenticateServer */
    sg_der_init(&dd);
    sg_der_open(&dd, 0xBF38);
    sg_der_raw(&dd, ss1, ss1_n);
    sg_der_raw(&dd, sig1, sizeof sig1);
    sg_der_raw(&dd, ciid, sizeof ciid);
    sg_der_raw(&dd, server->der, server->der_len);
    ctx_params1(f, &dd, p->with_matching_id);
    sg_der_close(&dd);
    size_t asr_n;
    uint8_t *asr = finish(&dd, &asr_n);
    sg_der_init(&dd);
    sg_der_open(&dd, 0x30);
    sg_der_put(&dd, 0x80, tid, 16);
    sg_der_str(&dd, 0x83, p->address);
    sg_der_put(&dd, 0x84, schal, 16);
    euicc_info2(f, &dd);
    ctx_params1(f, &dd, p->with_matching_id);
    sg_der_close(&dd);
    size_t es1_n;
    uint8_t *es1 = finish(&dd, &es1_n);
    sign_tlv(f, SG_CERT_EUICC, es1, es1_n, NULL, 0, r->esig1);
    const sg_cert *eum = &pki->c[p->eum_cert];
    sg_der_init(&dd);
    sg_der_open(&dd, 0xBF38);
    sg_der_open(&dd, 0xA0);
    sg_der_raw(&dd, es1, es1_n);
    sg_der_raw(&dd, r->esig1, sizeof r->esig1);
    sg_der_raw(&dd, pki->c[SG_CERT_EUICC].der, pki->c[SG_CERT_EUICC].der_len);
    sg_der_raw(&dd, eum->der, eum->der_len);
    sg_der_close(&dd);
    sg_der_close(&dd);
    r->asp = finish(&dd, &r->asp_n);
    es10(f, asr, asr_n, r->asp, r->asp_n);
    free(ss1);
    free(asr);
    free(es1);
}
