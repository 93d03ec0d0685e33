/* Test helpers for the BPP tests: a throw-away PKI (CI + DPpb certificate) made with
 * OpenSSL, one-time keys and a ready BPP. Header-only (static) so each test stays one file. */
#ifndef ESIM_BPP_TESTKIT_H
#define ESIM_BPP_TESTKIT_H
#include <stdlib.h>
#include <string.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "esim/bpp.h"
#include "esim/keylog.h"
#include "esim/sig.h"

typedef struct tk_pki {
    EVP_PKEY *ci_key, *pb_key;
    X509 *ci, *pb;
} tk_pki;

static inline X509 *tk_cert(EVP_PKEY *subject_key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                     long serial, int is_ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
    X509_set_pubkey(x, subject_key);
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"esimscope test", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_subject_name(x, n);
    X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
    X509_NAME_free(n);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, NID_basic_constraints,
                                              is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    ext = X509V3_EXT_nconf_nid(NULL, &ctx, NID_key_usage,
                              is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    X509_sign(x, issuer_key, EVP_sha256());
    return x;
}

static inline void tk_pki_make(tk_pki *p, esim_curve c, const char *ci_name)
{
    esim_error e;
    p->ci_key = esim_ec_generate(c, &e);
    p->pb_key = esim_ec_generate(c, &e);
    p->ci = tk_cert(p->ci_key, ci_name, NULL, p->ci_key, 1, 1);
    p->pb = tk_cert(p->pb_key, "Test SM-DP+ DPpb", p->ci, p->ci_key, 2, 0);
}

static inline void tk_pki_free(tk_pki *p)
{
    EVP_PKEY_free(p->ci_key);
    EVP_PKEY_free(p->pb_key);
    X509_free(p->ci);
    X509_free(p->pb);
    memset(p, 0, sizeof *p);
}

static const uint8_t tk_eid[16] = { 0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
                                    0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x13, 0x35 };
static const uint8_t tk_host[8] = { 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80 };

/* StoreMetadata with a 1024-byte icon: two 88 segments. */
static inline void tk_metadata(esim_metadata *m, uint8_t icon[1024])
{
    memset(m, 0, sizeof *m);
    static const uint8_t iccid[10] = { 0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6 };
    memcpy(m->iccid, iccid, 10);
    m->has_iccid = true;
    strcpy(m->spn, "Test Operator");
    strcpy(m->name, "esimscope test profile");
    for (int i = 0; i < 1024; i++)
        icon[i] = (uint8_t)(i * 13 + 1);
    m->icon_type = 1;
    m->icon = icon;
    m->icon_len = 1024;
    m->profile_class = 2;
    m->n_notif = 2;
    m->notif[0].events = 0x80;
    strcpy(m->notif[0].address, "smdp.example.com");
    m->notif[1].events = 0x70;
    strcpy(m->notif[1].address, "notify.example.com");
}

typedef struct tk_bpp {
    EVP_PKEY *euicc;            /* eUICC one-time key pair */
    uint8_t euicc_otpk[65];
    size_t euicc_otpk_len;
    uint8_t tid[16];
    esim_bpp_built built;
} tk_bpp;

/* ppk: the PPK to use (use_ppk), NULL = a random one */
static inline int tk_bpp_make_ppk(tk_bpp *t, const tk_pki *pki, esim_curve c, bool use_ppk,
                                  const esim_bsp_keys *ppk, const uint8_t *upp, size_t upp_len,
                                  esim_error *e)
{
    memset(t, 0, sizeof *t);
    t->euicc = esim_ec_generate(c, e);
    if (!t->euicc || esim_ec_public_point(t->euicc, t->euicc_otpk, &t->euicc_otpk_len, e))
        return -1;
    RAND_bytes(t->tid, sizeof t->tid);
    esim_metadata m;
    uint8_t icon[1024];
    tk_metadata(&m, icon);
    esim_buf md = { 0 };
    if (esim_metadata_encode(&m, &md, e))
        return -1;
    static const uint8_t cfg[] = { 0xBF, 0x24, 0x0A, 0xB8, 0x08, 0x80, 0x06,
                                   0x2B, 0x06, 0x01, 0x04, 0x01, 0x02 };
    esim_bpp_build_params p = {
        .tid = t->tid, .tid_len = sizeof t->tid, .eid = tk_eid,
        .host_id = tk_host, .host_id_len = sizeof tk_host,
        .dp_pb_key = pki->pb_key,
        .euicc_otpk = t->euicc_otpk, .euicc_otpk_len = t->euicc_otpk_len,
        .configure_isdp = cfg, .configure_isdp_len = sizeof cfg,
        .store_metadata = md.data, .store_metadata_len = md.len,
        .use_ppk = use_ppk, .ppk = ppk, .upp = upp, .upp_len = upp_len,
    };
    int rc = esim_bpp_build(&p, &t->built, e);
    esim_buf_free(&md);
    return rc;
}

static inline int tk_bpp_make(tk_bpp *t, const tk_pki *pki, esim_curve c, bool use_ppk,
                              const uint8_t *upp, size_t upp_len, esim_error *e)
{
    return tk_bpp_make_ppk(t, pki, c, use_ppk, NULL, upp, upp_len, e);
}

static inline void tk_bpp_free(tk_bpp *t)
{
    EVP_PKEY_free(t->euicc);
    esim_bpp_built_free(&t->built);
}

/* Key log with one line of the given kind for t. */
static inline esim_keylog *tk_keylog(const tk_bpp *t, esim_keylog_kind kind)
{
    esim_keylog *kl = esim_keylog_new();
    esim_keylog_entry en;
    esim_error e;
    memset(&en, 0, sizeof en);
    en.kind = kind;
    memcpy(en.tid, t->tid, sizeof t->tid);
    en.tid_len = sizeof t->tid;
    switch (kind) {
    case ESIM_KL_SESSION_KEYS: en.keys = t->built.session; break;
    case ESIM_KL_PPK: en.keys = t->built.ppk; break;
    case ESIM_KL_EUICC_OTSK:
        esim_ec_private_scalar(t->euicc, en.scalar, &e);
        memcpy(en.eid, tk_eid, 16);
        en.eid_len = 16;
        break;
    case ESIM_KL_SMDP_OTSK:
        memcpy(en.scalar, t->built.smdp_otsk, 32);
        memcpy(en.eid, tk_eid, 16);
        en.eid_len = 16;
        break;
    case ESIM_KL_EUICC_OTPK:
        memcpy(en.point, t->euicc_otpk, 65);
        en.point_len = 65;
        break;
    default: break;
    }
    esim_keylog_add(kl, &en, &e);
    return kl;
}
#endif
