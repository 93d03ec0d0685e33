/* ES10 data objects of the simulated eUICC (SGP.22 RSPDefinitions, automatic tags where the
 * module applies them) and the profile it receives. */
#include "flow_internal.h"
#include <stdlib.h>
#include <string.h>
#include "esim/bpp.h"
#include "esim/saip_build.h"

/* ---- ES10 data objects ---- */

static void pk_id_lists(fl *f, sg_der *d)
{
    for (uint32_t tag = 0xA9; tag <= 0xAA; tag++) {
        sg_der_open(d, tag);
        sg_der_put(d, 0x04, f->pki->c[SG_CERT_CI].ski, 20);
        sg_der_close(d);
    }
}

uint8_t *euicc_info1(fl *f, size_t *n)
{
    sg_der d;
    sg_der_init(&d);
    sg_der_open(&d, 0xBF20);
    sg_der_put(&d, 0x82, "\x02\x02\x00", 3);
    pk_id_lists(f, &d);
    sg_der_close(&d);
    return finish(&d, n);
}

void euicc_info2(fl *f, sg_der *d)
{
    static const int uicc_caps[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 15, 16, 17};
    static const int rsp_caps[] = {0, 2, 3};
    sg_der_open(d, 0xBF22);
    sg_der_put(d, 0x81, "\x02\x03\x01", 3);
    sg_der_put(d, 0x82, "\x02\x02\x00", 3);
    sg_der_put(d, 0x83, "\x04\x02\x00", 3);
    sg_der_put(d, 0x84, "\x81\x01\x00\x82\x04\x00\x04\x7A\x1C\x83\x02\x22\x10", 13);
    sg_der_bits(d, 0x85, uicc_caps, sizeof uicc_caps / sizeof *uicc_caps);
    sg_der_put(d, 0x86, "\x03\x00\x01", 3);
    sg_der_put(d, 0x87, "\x02\x03\x00", 3);
    sg_der_bits(d, 0x88, rsp_caps, 3);
    pk_id_lists(f, d);
    sg_der_put(d, 0x8B, "\x02", 1);
    sg_der_put(d, 0x04, "\x00\x00\x01", 3);
    sg_der_str(d, 0x0C, "SAMPLE-SAS-0001");
    sg_der_close(d);
}

void ctx_params1(fl *f, sg_der *d, bool with_matching_id)
{
    sg_der_open(d, 0xA0);
    if (with_matching_id)
        sg_der_str(d, 0x80, f->sc == SG_SC_WRONG_MATCHING_ID ? "WRONG-MATCHING-ID" : SG_MATCHING_ID);
    sg_der_open(d, 0xA1);
    sg_der_put(d, 0x80, "\x35\x29\x06\x11", 4);
    sg_der_open(d, 0xA1);
    sg_der_put(d, 0x80, "\x0D\x00\x00", 3);
    sg_der_put(d, 0x81, "\x0F\x00\x00", 3);
    sg_der_put(d, 0x85, "\x10\x00\x00", 3);
    sg_der_close(d);
    sg_der_put(d, 0x82, "\x35\x29\x06\x11\x23\x45\x67\x80", 8);
    sg_der_close(d);
    sg_der_close(d);
}

void notif_metadata(fl *f, sg_der *d, unsigned seq, int event_bit)
{
    sg_der_open(d, 0xBF2F);
    sg_der_uint(d, 0x80, seq);
    sg_der_bits(d, 0x81, &event_bit, 1);
    sg_der_str(d, 0x0C, NOTIF_ADDR);
    sg_der_put(d, 0x5A, f->iccid, 10);
    sg_der_close(d);
}

/* StoreMetadataRequest with the core library's encoder */
uint8_t *store_metadata(fl *f, size_t *n)
{
    esim_metadata m;
    memset(&m, 0, sizeof m);
    memcpy(m.iccid, f->iccid, 10);
    m.has_iccid = true;
    snprintf(m.spn, sizeof m.spn, "esimscope Mobile");
    snprintf(m.name, sizeof m.name, "esimscope sample profile");
    m.icon_type = -1;
    m.profile_class = 2; /* operational */
    m.n_notif = 1;
    m.notif[0].events = 0xF0; /* install, enable, disable, delete */
    snprintf(m.notif[0].address, sizeof m.notif[0].address, "%s", NOTIF_ADDR);
    esim_buf b = {0};
    esim_error err;
    if (esim_metadata_encode(&m, &b, &err) != 0 || b.oom)
        abort();
    return esim_buf_steal(&b, n);
}

/* The profile: the core library's production-like SAIP package (esim_saip_build) with a
 * production IMSI and every key, PIN and PUK taken from the seed instead of the random
 * generator; it audits clean (no TS.48 key, no test PLMN, RFM with ciphering). */
uint8_t *profile(fl *f, size_t *n)
{
    esim_saip_build_params p;
    esim_error err;
    uint8_t *der = NULL;
    if (esim_saip_build_params_init(&p, &err) != 0)
        abort();
    snprintf(p.iccid, sizeof p.iccid, "%s", f->iccid_digits);
    snprintf(p.imsi, sizeof p.imsi, "%s", PROFILE_IMSI);
    p.mnc_len = 2;
    snprintf(p.spn, sizeof p.spn, "esimscope Mobile");
    snprintf(p.profile_type, sizeof p.profile_type, "esimscope sample profile");
    struct { uint8_t *k; } keys[] = {{p.k}, {p.opc}, {p.scp80_kic}, {p.scp80_kid}, {p.scp80_kik},
                                     {p.scp81_psk}, {p.scp81_dek}, {p.scp03_enc}, {p.scp03_mac},
                                     {p.scp03_dek}};
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        char label[32];
        snprintf(label, sizeof label, "profile/key/%zu", i);
        sg_drbg_bytes(f->d, label, keys[i].k, 16);
    }
    struct { char *s; size_t len; } codes[] = {{p.pin1, 4}, {p.pin2, 4}, {p.adm1, 8}, {p.puk1, 8},
                                               {p.puk2, 8}};
    for (size_t i = 0; i < sizeof codes / sizeof *codes; i++) {
        char label[32];
        uint8_t r[8];
        snprintf(label, sizeof label, "profile/code/%zu", i);
        sg_drbg_bytes(f->d, label, r, sizeof r);
        for (size_t j = 0; j < codes[i].len; j++)
            codes[i].s[j] = (char)('0' + r[j] % 10);
        codes[i].s[codes[i].len] = '\0';
    }
    if (esim_saip_build(&p, &der, n, &err) != 0) {
        fprintf(stderr, "esim-samplegen: %s\n", err.msg);
        abort();
    }
    esim_saip_build_params_wipe(&p);
    return der;
}
