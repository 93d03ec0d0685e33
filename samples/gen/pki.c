#include "pki.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>
#include <openssl/conf.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include "der.h"

const char *const sg_cert_file_names[SG_CERT_COUNT] = {
    "CI", "EUM", "EUICC", "DPauth", "DPpb", "DPtls", "rogue_CI", "rogue_EUM", "expired_DPauth",
    "DSauth", "expired_EUM",
};

/* One row per certificate: who signs it, its names, validity, role policy (SGP.22 4.5.2.1). */
typedef struct cert_spec {
    int issuer;            /* index, or -1 for self-signed */
    const char *cn, *org;
    const char *not_before, *not_after;
    const char *policy;    /* id-rspRole-* */
    const char *key_usage;
    int ca, pathlen;
    const char *san;       /* subjectAltName (conf syntax), or NULL */
    const char *eku;
} cert_spec;

static const cert_spec specs[SG_CERT_COUNT] = {
    [SG_CERT_CI] = {-1, "esimscope Test CI", "esimscope samples", "20260101000000Z",
                    "20560101000000Z", "2.23.146.1.2.1.0", "critical,keyCertSign,cRLSign", 1, -1,
                    "RID:2.999.1", NULL},
    [SG_CERT_EUM] = {SG_CERT_CI, "esimscope Test EUM", "esimscope EUM", "20260101000000Z",
                     "20560101000000Z", "2.23.146.1.2.1.2", "critical,keyCertSign,cRLSign", 1, 0,
                     NULL, NULL},
    [SG_CERT_EUICC] = {SG_CERT_EUM, "esimscope Test eUICC", "esimscope EUM", "20260101000000Z",
                       "99991231235959Z", "2.23.146.1.2.1.1", "critical,digitalSignature", 0, -1,
                       NULL, NULL},
    [SG_CERT_DPAUTH] = {SG_CERT_CI, "TEST SM-DP+ auth", "esimscope SM-DP+", "20260101000000Z",
                        "20360101000000Z", "2.23.146.1.2.1.4", "critical,digitalSignature", 0, -1,
                        "RID:" SG_SMDP_OID, NULL},
    [SG_CERT_DPPB] = {SG_CERT_CI, "TEST SM-DP+ pb", "esimscope SM-DP+", "20260101000000Z",
                      "20360101000000Z", "2.23.146.1.2.1.5", "critical,digitalSignature", 0, -1,
                      "RID:" SG_SMDP_OID, NULL},
    [SG_CERT_DPTLS] = {SG_CERT_CI, "smdpplus.esimscope.test", "esimscope SM-DP+",
                       "20260101000000Z", "20360101000000Z", "2.23.146.1.2.1.3",
                       "critical,digitalSignature", 0, -1,
                       "DNS:smdpplus.esimscope.test,RID:" SG_SMDP_OID, "serverAuth"},
    [SG_CERT_ROGUE_CI] = {-1, "Unknown CI", "not the GSMA", "20260101000000Z", "20560101000000Z",
                          "2.23.146.1.2.1.0", "critical,keyCertSign,cRLSign", 1, -1, NULL, NULL},
    [SG_CERT_ROGUE_EUM] = {SG_CERT_ROGUE_CI, "esimscope Test EUM", "esimscope EUM",
                           "20260101000000Z", "20560101000000Z", "2.23.146.1.2.1.2",
                           "critical,keyCertSign,cRLSign", 1, 0, NULL, NULL},
    [SG_CERT_EXPIRED_DPAUTH] = {SG_CERT_CI, "TEST SM-DP+ auth", "esimscope SM-DP+",
                                "20260101000000Z", "20260102000000Z", "2.23.146.1.2.1.4",
                                "critical,digitalSignature", 0, -1, "RID:" SG_SMDP_OID, NULL},
    [SG_CERT_DSAUTH] = {SG_CERT_CI, "TEST SM-DS auth", "esimscope SM-DS", "20260101000000Z",
                        "20360101000000Z", "2.23.146.1.2.1.7", "critical,digitalSignature", 0, -1,
                        "RID:" SG_SMDS_OID, NULL},
    /* the EUM's name and key (so the eUICC certificate still chains to it by signature), ended
     * on 2026-02-01, before the captures' date 2026-03-02 */
    [SG_CERT_EXPIRED_EUM] = {SG_CERT_CI, "esimscope Test EUM", "esimscope EUM", "20260101000000Z",
                             "20260201000000Z", "2.23.146.1.2.1.2", "critical,keyCertSign,cRLSign",
                             1, 0, NULL, NULL},
};

/* The certificate whose key a certificate uses: its own, except the re-issued expired EUM. */
static int key_owner(int i)
{
    return i == SG_CERT_EXPIRED_EUM ? SG_CERT_EUM : i;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, value);
    if (!e)
        return -1;
    int ok = X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
    return ok ? 0 : -1;
}

static X509_NAME *make_name(const cert_spec *s, const char *eid)
{
    X509_NAME *n = X509_NAME_new();
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"XX", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)s->org, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0);
    if (eid)
        X509_NAME_add_entry_by_txt(n, "serialNumber", MBSTRING_ASC, (const unsigned char *)eid,
                                   -1, -1, 0);
    return n;
}

/* Signs with X509_sign first (fills the signature algorithm of the TBS), then replaces the
 * randomised signature by a deterministic one over the very same TBS bytes. */
static int sign_cert(sg_cert *c, X509 *x, const sg_key *issuer, const sg_drbg *d)
{
    if (X509_sign(x, issuer->pk, EVP_sha256()) <= 0)
        return -1;
    unsigned char *tbs = NULL;
    int tlen = i2d_re_X509_tbs(x, &tbs);
    if (tlen <= 0)
        return -1;
    uint8_t sig[80];
    size_t slen = sizeof sig;
    int rc = -1;
    if (sg_sign_der(issuer, d, tbs, (size_t)tlen, sig, &slen) == 0) {
        static const uint8_t alg[] = {0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48,
                                      0xCE, 0x3D, 0x04, 0x03, 0x02};
        uint8_t bits[81];
        bits[0] = 0;
        memcpy(bits + 1, sig, slen);
        sg_der der;
        sg_der_init(&der);
        sg_der_open(&der, 0x30);
        sg_der_raw(&der, tbs, (size_t)tlen);
        sg_der_raw(&der, alg, sizeof alg);
        sg_der_put(&der, 0x03, bits, slen + 1);
        sg_der_close(&der);
        c->der = sg_der_finish(&der, &c->der_len);
        const unsigned char *p = c->der;
        if (c->der && (c->x509 = d2i_X509(NULL, &p, (long)c->der_len)) != NULL)
            rc = 0;
    }
    OPENSSL_free(tbs);
    return rc;
}

static int build_one(sg_pki *p, int i, const sg_drbg *d)
{
    const cert_spec *s = &specs[i];
    sg_cert *c = &p->c[i];
    char label[64];
    snprintf(label, sizeof label, "key/%s/%s", sg_cert_file_names[key_owner(i)],
             p->curve == ESIM_CURVE_P256 ? "nist" : "brp");
    if (sg_key_derive(&c->key, p->curve, d, label) != 0)
        return -1;
    const sg_cert *iss = s->issuer >= 0 ? &p->c[s->issuer] : c;
    X509 *x = X509_new();
    X509_NAME *subj = make_name(s, i == SG_CERT_EUICC ? p->eid : NULL);
    int rc = -1;
    uint8_t serial[9];
    snprintf(label, sizeof label, "serial/%s/%d", sg_cert_file_names[i], (int)p->curve);
    sg_drbg_bytes(d, label, serial, sizeof serial);
    serial[0] &= 0x3F;
    serial[0] |= 0x10;
    BIGNUM *sn = BN_bin2bn(serial, sizeof serial, NULL);
    ASN1_INTEGER *ai = sn ? BN_to_ASN1_INTEGER(sn, NULL) : NULL;
    if (x && subj && ai && X509_set_version(x, 2) && X509_set_serialNumber(x, ai) &&
        X509_set_subject_name(x, subj) &&
        X509_set_issuer_name(x, iss == c ? subj : X509_get_subject_name(iss->x509)) &&
        ASN1_TIME_set_string_X509(X509_getm_notBefore(x), s->not_before) &&
        ASN1_TIME_set_string_X509(X509_getm_notAfter(x), s->not_after) &&
        X509_set_pubkey(x, c->key.pk)) {
        X509V3_CTX ctx;
        X509V3_set_ctx(&ctx, iss == c ? x : iss->x509, x, NULL, NULL, 0);
        CONF *conf = NCONF_new(NULL); /* certificatePolicies wants a (here empty) config */
        X509V3_set_nconf(&ctx, conf);
        char bc[64];
        if (s->pathlen >= 0)
            snprintf(bc, sizeof bc, "critical,CA:TRUE,pathlen:%d", s->pathlen);
        else
            snprintf(bc, sizeof bc, "critical,CA:TRUE");
        rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash");
        if (rc == 0 && iss != c)
            rc = add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always");
        if (rc == 0)
            rc = add_ext(x, &ctx, NID_key_usage, s->key_usage);
        if (rc == 0)
            rc = add_ext(x, &ctx, NID_certificate_policies, s->policy);
        if (rc == 0 && s->ca)
            rc = add_ext(x, &ctx, NID_basic_constraints, bc);
        if (rc == 0 && s->san)
            rc = add_ext(x, &ctx, NID_subject_alt_name, s->san);
        if (rc == 0 && s->eku)
            rc = add_ext(x, &ctx, NID_ext_key_usage, s->eku);
        NCONF_free(conf);
        if (rc == 0)
            rc = sign_cert(c, x, &iss->key, d);
        if (rc == 0) {
            const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(c->x509);
            if (ski && ASN1_STRING_length(ski) == 20)
                memcpy(c->ski, ASN1_STRING_get0_data(ski), 20);
            else
                rc = -1;
        }
    }
    X509_free(x);
    X509_NAME_free(subj);
    ASN1_INTEGER_free(ai);
    BN_free(sn);
    return rc;
}

int sg_pki_build(sg_pki *p, esim_curve curve, const sg_drbg *d, const char *eid)
{
    memset(p, 0, sizeof *p);
    p->curve = curve;
    snprintf(p->eid, sizeof p->eid, "%s", eid);
    for (int i = 0; i < SG_CERT_COUNT; i++)
        if (build_one(p, i, d) != 0) {
            fprintf(stderr, "esim-samplegen: cannot build certificate %s\n", sg_cert_file_names[i]);
            ERR_print_errors_fp(stderr);
            return -1;
        }
    return 0;
}

void sg_pki_free(sg_pki *p)
{
    for (int i = 0; i < SG_CERT_COUNT; i++) {
        sg_key_free(&p->c[i].key);
        X509_free(p->c[i].x509);
        free(p->c[i].der);
    }
    memset(p, 0, sizeof *p);
}

static int write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(data, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

int sg_pki_write(const sg_pki *p, const char *dir)
{
    for (int i = 0; i < SG_CERT_COUNT; i++) {
        char path[1024];
        const char *name = sg_cert_file_names[i];
        snprintf(path, sizeof path, "%s/CERT_%s.der", dir, name);
        if (write_file(path, p->c[i].der, p->c[i].der_len) != 0)
            return -1;
        snprintf(path, sizeof path, "%s/CERT_%s.pem", dir, name);
        FILE *f = fopen(path, "w");
        if (!f || !PEM_write_X509(f, p->c[i].x509)) {
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
        snprintf(path, sizeof path, "%s/SK_%s.pem", dir, name);
        f = fopen(path, "w");
        if (!f || !PEM_write_PrivateKey(f, p->c[i].key.pk, NULL, NULL, 0, NULL, NULL)) {
            if (f)
                fclose(f);
            return -1;
        }
        fclose(f);
    }
    return 0;
}

int sg_pki_verify(const sg_pki *p, int leaf, int eum, time_t at)
{
    X509_STORE *st = X509_STORE_new();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    STACK_OF(X509) *chain = sk_X509_new_null();
    int ok = 0;
    if (st && ctx && chain && X509_STORE_add_cert(st, p->c[SG_CERT_CI].x509)) {
        if (eum >= 0)
            sk_X509_push(chain, p->c[eum].x509);
        X509_STORE_CTX_init(ctx, st, p->c[leaf].x509, chain);
        /* the fixed validity dates may lie in the future of the machine running this: check
         * them at the given time only */
        if (at)
            X509_STORE_CTX_set_time(ctx, 0, at);
        X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_X509_STRICT | (at ? 0 : X509_V_FLAG_NO_CHECK_TIME));
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
        ok = X509_verify_cert(ctx) == 1;
        if (!ok && leaf != SG_CERT_ROGUE_EUM && eum != SG_CERT_EXPIRED_EUM)
            fprintf(stderr, "esim-samplegen: chain of %s: %s\n", sg_cert_file_names[leaf],
                    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    sk_X509_free(chain);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    return ok;
}
