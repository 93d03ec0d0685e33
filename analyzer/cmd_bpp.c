/* esimscope bpp: a Bound Profile Package part by part; with a key log every segment is
 * MAC-checked and decrypted, the profile (UPP) can be written out, smdpSign and the DPpb
 * certificate chain checked. Logic is in lib/bpp/; this file parses arguments and prints. */
#include <glib.h>
#include <json-c/json.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "commands.h"
#include "esim/bpp.h"
#include "esim/hex.h"
#include "esim/input.h"
#include "esim/keylog.h"
#include "esim/private_file.h"
#include "esim/sig.h"

static const char *const class_names[] = { "test", "provisioning", "operational" };
static const char *const icon_names[] = { "jpg", "png" };
static const char *const event_names[] = { "install", "enable", "disable", "delete" };
static const char *const ppr_names[] = { "pprUpdateControl", "ppr1", "ppr2", "ppr3" };

typedef enum { CHK_NOT_CHECKED, CHK_OK, CHK_FAILED } chk_state;
static const char *const chk_names[] = { "not_checked", "ok", "failed" };

typedef struct report {
    gboolean json, show_keys;
    json_object *root;
    int rc;
} report;

static const char *enum_name(const char *const *names, size_t n, int v)
{
    return v >= 0 && (size_t)v < n ? names[v] : "unknown";
}

static void bits_text(uint8_t bits, const char *const *names, size_t n, char *out, size_t cap)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        if (bits & (0x80u >> i)) {
            if (out[0])
                g_strlcat(out, ",", cap);
            g_strlcat(out, names[i], cap);
        }
}

/* Key material: hex with --show-keys, otherwise a mask. Returns a static buffer. */
static const char *key_text(const report *r, const uint8_t *k, size_t n)
{
    static char buf[2 * 64 + 1];
    if (r->show_keys)
        return esim_hex(k, n, buf);
    return "(hidden; --show-keys prints it)";
}

static json_object *jhex(const uint8_t *p, size_t n)
{
    char *h = esim_hex_dup(p, n);
    json_object *o = json_object_new_string(h ? h : "");
    free(h);
    return o;
}

static void print_isc(const esim_bpp *b, report *r)
{
    char hex[2 * 65 + 1];
    esim_curve c = ESIM_CURVE_NONE;
    esim_error e;
    esim_curve_of_point(b->smdp_otpk, b->smdp_otpk_len, &c, &e);
    if (r->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "offset", json_object_new_int64((int64_t)b->isc_offset));
        json_object_object_add(o, "remote_op_id", json_object_new_int64(b->remote_op_id));
        json_object_object_add(o, "key_type", json_object_new_int(b->key_type));
        json_object_object_add(o, "key_len", json_object_new_int(b->key_len));
        json_object_object_add(o, "host_id", jhex(b->host_id, b->host_id_len));
        json_object_object_add(o, "smdp_otpk", jhex(b->smdp_otpk, b->smdp_otpk_len));
        json_object_object_add(o, "curve", json_object_new_string(
                                               c ? esim_curve_name(c) : "unknown"));
        json_object_object_add(o, "smdp_sign", jhex(b->smdp_sign, b->smdp_sign_len));
        json_object_object_add(r->root, "initialise_secure_channel", o);
        return;
    }
    printf("  initialiseSecureChannelRequest (offset %zu)\n", b->isc_offset);
    printf("    remoteOpId:         %ld%s\n", b->remote_op_id,
           b->remote_op_id == 1 ? " (installBoundProfilePackage)" : " (unexpected)");
    printf("    transactionId:      %s\n", esim_hex(b->tid, b->tid_len, hex));
    printf("    controlRefTemplate: keyType %02X%s, keyLen %u, hostId %s\n", b->key_type,
           b->key_type == 0x88 ? " (AES)" : "", b->key_len,
           esim_hex(b->host_id, b->host_id_len, hex));
    printf("    smdpOtpk:           %s\n", b->smdp_otpk_len <= 65
                                               ? esim_hex(b->smdp_otpk, b->smdp_otpk_len, hex)
                                               : "(too long)");
    printf("                        %s\n", c ? esim_curve_name(c) : "not a point on a supported curve");
    printf("    smdpSign:           %zu bytes\n", b->smdp_sign_len);
}

static void print_parts(const esim_bpp *b, const esim_bpp_opened *o, report *r)
{
    json_object *parts = r->json ? json_object_new_object() : NULL;
    json_object *counts = r->json ? json_object_new_object() : NULL;
    for (int p = 0; p < ESIM_BPP_PART_COUNT; p++) {
        const char *name = esim_bpp_part_name(p);
        if (r->json)
            json_object_object_add(counts, name, json_object_new_int64((int64_t)b->nseg[p]));
        if (!b->has_part[p]) {
            if (!r->json)
                printf("  %s: absent\n", name);
            continue;
        }
        json_object *segs = r->json ? json_object_new_array() : NULL;
        if (!r->json)
            printf("  %s (offset %zu, %zu bytes): %zu segment(s) of '%02X'\n", name,
                   b->part_offset[p], b->part_len[p], b->nseg[p], esim_bpp_part_seg_tag(p));
        for (size_t i = 0; i < b->nseg[p]; i++) {
            const esim_bpp_segment *s = &b->seg[p][i];
            const esim_bpp_segcheck *sc = o && o->seg[p] ? &o->seg[p][i] : NULL;
            chk_state st = !sc || !sc->checked ? CHK_NOT_CHECKED
                           : sc->chk.mac_ok   ? CHK_OK
                                              : CHK_FAILED;
            char w[17], c[17];
            if (r->json) {
                json_object *so = json_object_new_object();
                json_object_object_add(so, "offset", json_object_new_int64((int64_t)s->offset));
                json_object_object_add(so, "length", json_object_new_int64((int64_t)s->total_len));
                json_object_object_add(so, "mac", json_object_new_string(chk_names[st]));
                if (st != CHK_NOT_CHECKED) {
                    json_object_object_add(so, "mac_received", jhex(sc->chk.mac_wire, 8));
                    json_object_object_add(so, "mac_computed", jhex(sc->chk.mac_computed, 8));
                    json_object_object_add(so, "padding_ok", json_object_new_boolean(sc->chk.pad_ok));
                }
                json_object_array_add(segs, so);
                continue;
            }
            printf("    [%zu] offset %zu, %zu bytes: ", i + 1, s->offset, s->total_len);
            if (st == CHK_OK)
                printf("MAC ok%s\n", sc->chk.pad_ok ? "" : ", BAD PADDING");
            else if (st == CHK_FAILED)
                printf("MAC FAILED (received %s, computed %s)\n", esim_hex(sc->chk.mac_wire, 8, w),
                       esim_hex(sc->chk.mac_computed, 8, c));
            else
                printf("not checked\n");
        }
        if (r->json) {
            json_object *po = json_object_new_object();
            json_object_object_add(po, "offset", json_object_new_int64((int64_t)b->part_offset[p]));
            json_object_object_add(po, "length", json_object_new_int64((int64_t)b->part_len[p]));
            json_object_object_add(po, "segments", segs);
            json_object_object_add(parts, name, po);
        }
    }
    if (r->json) {
        json_object_object_add(r->root, "segment_counts", counts);
        json_object_object_add(r->root, "parts", parts);
    }
}

static void print_metadata(const esim_bpp_opened *o, report *r)
{
    esim_metadata m;
    esim_error e;
    if (!o->store_metadata)
        return;
    if (esim_metadata_decode(o->store_metadata, o->store_metadata_len, &m, &e) != 0) {
        if (r->json)
            json_object_object_add(r->root, "store_metadata_error", json_object_new_string(e.msg));
        else
            printf("StoreMetadataRequest: %s\n", e.msg);
        return;
    }
    char iccid[21], ev[64], hex[7];
    bool plain = esim_iccid_digits(m.iccid, 10, iccid);
    const char *order = plain ? "plain BCD" : "swapped nibbles, as in EF.ICCID";
    if (r->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "iccid", json_object_new_string(iccid));
        json_object_object_add(j, "iccid_nibbles", json_object_new_string(plain ? "plain" : "swapped"));
        json_object_object_add(j, "service_provider_name", json_object_new_string(m.spn));
        json_object_object_add(j, "profile_name", json_object_new_string(m.name));
        if (m.icon_type >= 0) {
            json_object_object_add(j, "icon_type", json_object_new_string(
                                                       enum_name(icon_names, 2, m.icon_type)));
            json_object_object_add(j, "icon_length", json_object_new_int64((int64_t)m.icon_len));
        }
        if (m.profile_class >= 0)
            json_object_object_add(j, "profile_class", json_object_new_string(
                                                           enum_name(class_names, 3, m.profile_class)));
        json_object *na = json_object_new_array();
        for (size_t i = 0; i < m.n_notif; i++) {
            json_object *n = json_object_new_object();
            bits_text(m.notif[i].events, event_names, 4, ev, sizeof ev);
            json_object_object_add(n, "events", json_object_new_string(ev));
            json_object_object_add(n, "address", json_object_new_string(m.notif[i].address));
            json_object_array_add(na, n);
        }
        json_object_object_add(j, "notifications", na);
        if (m.has_owner)
            json_object_object_add(j, "profile_owner_mccmnc", jhex(m.owner_mccmnc, 3));
        if (m.has_ppr) {
            bits_text(m.ppr, ppr_names, 4, ev, sizeof ev);
            json_object_object_add(j, "profile_policy_rules", json_object_new_string(ev));
        }
        json_object_object_add(r->root, "store_metadata", j);
        return;
    }
    printf("StoreMetadataRequest\n");
    printf("  iccid:               %s (%s)\n", iccid, order);
    printf("  serviceProviderName: %s\n", m.spn);
    printf("  profileName:         %s\n", m.name);
    if (m.icon_type >= 0)
        printf("  icon:                %s, %zu bytes\n", enum_name(icon_names, 2, m.icon_type),
               m.icon_len);
    printf("  profileClass:        %s\n",
           m.profile_class >= 0 ? enum_name(class_names, 3, m.profile_class) : "(absent: operational)");
    for (size_t i = 0; i < m.n_notif; i++) {
        bits_text(m.notif[i].events, event_names, 4, ev, sizeof ev);
        printf("  notification:        %s -> %s\n", ev[0] ? ev : "(none)", m.notif[i].address);
    }
    if (m.has_owner)
        printf("  profileOwner:        mccMnc %s\n", esim_hex(m.owner_mccmnc, 3, hex));
    if (m.has_ppr) {
        bits_text(m.ppr, ppr_names, 4, ev, sizeof ev);
        printf("  profilePolicyRules:  %s\n", ev[0] ? ev : "(none)");
    }
}

static void print_content(const esim_bpp_opened *o, report *r)
{
    esim_error e;
    if (o->configure_isdp) {
        char oid[128];
        int ok = esim_configure_isdp_decode(o->configure_isdp, o->configure_isdp_len, oid,
                                            sizeof oid, &e) == 0;
        if (r->json) {
            json_object *j = json_object_new_object();
            json_object_object_add(j, ok ? "dp_oid" : "error",
                                   json_object_new_string(ok ? oid : e.msg));
            json_object_object_add(r->root, "configure_isdp", j);
        } else {
            printf("ConfigureISDPRequest: %s%s\n", ok ? (oid[0] ? "dpOid " : "no dpProprietaryData") : "",
                   ok ? oid : e.msg);
        }
    }
    print_metadata(o, r);
    if (o->rsk) {
        esim_bsp_keys k;
        int ok = esim_rsk_decode(o->rsk, o->rsk_len, &k, &e) == 0;
        if (r->json) {
            json_object *j = json_object_new_object();
            if (!ok) {
                json_object_object_add(j, "error", json_object_new_string(e.msg));
            } else if (r->show_keys) {
                json_object_object_add(j, "initial_mcv", jhex(k.mcv, 16));
                json_object_object_add(j, "ppk_enc", jhex(k.s_enc, 16));
                json_object_object_add(j, "ppk_cmac", jhex(k.s_mac, 16));
            } else {
                json_object_object_add(j, "keys", json_object_new_string("hidden"));
            }
            json_object_object_add(r->root, "replace_session_keys", j);
        } else if (!ok) {
            printf("ReplaceSessionKeysRequest: %s\n", e.msg);
        } else {
            printf("ReplaceSessionKeysRequest\n");
            printf("  initialMacChainingValue: %s\n", key_text(r, k.mcv, 16));
            printf("  ppkEnc:                  %s\n", key_text(r, k.s_enc, 16));
            printf("  ppkCmac:                 %s\n", key_text(r, k.s_mac, 16));
        }
        esim_wipe(&k, sizeof k);
    }
}

static void print_keys(const esim_bpp_opened *o, report *r)
{
    if (r->json) {
        json_object *j = json_object_new_object();
        json_object_object_add(j, "session_source",
                               json_object_new_string(esim_bpp_keysrc_name(o->session_src)));
        json_object_object_add(j, "profile_source",
                               json_object_new_string(esim_bpp_keysrc_name(o->ppk_src)));
        if (r->show_keys && o->session_src) {
            json_object_object_add(j, "s_enc", jhex(o->session.s_enc, 16));
            json_object_object_add(j, "s_mac", jhex(o->session.s_mac, 16));
            json_object_object_add(j, "initial_mcv", jhex(o->session.mcv, 16));
        }
        json_object_object_add(r->root, "keys", j);
        return;
    }
    printf("Keys\n");
    printf("  session keys:  %s\n", esim_bpp_keysrc_name(o->session_src));
    if (o->session_src && r->show_keys) {
        printf("    S-ENC        %s\n", key_text(r, o->session.s_enc, 16));
        printf("    S-MAC        %s\n", key_text(r, o->session.s_mac, 16));
        printf("    initial MCV  %s\n", key_text(r, o->session.mcv, 16));
    }
    printf("  profile (86):  %s\n", esim_bpp_keysrc_name(o->ppk_src));
}

/* smdpSign and the DPpb chain. Fills the JSON / prints; returns false when a requested check
 * failed or could not be done. */
static bool check_signature(const esim_bpp *b, const esim_keylog *kl, const char *cert_path,
                            const char *ca_path, report *r)
{
    chk_state sig = CHK_NOT_CHECKED, chain = CHK_NOT_CHECKED;
    char sig_detail[600] = "", chain_detail[600] = "", time_note[128] = "";
    X509 *cert = NULL, *ca = NULL;
    esim_error e;
    if (!cert_path) {
        snprintf(sig_detail, sizeof sig_detail, "no --cert (SM-DP+ PB certificate) given");
    } else if (!(cert = esim_x509_load(cert_path, &e))) {
        snprintf(sig_detail, sizeof sig_detail, "%s", e.msg);
        sig = CHK_FAILED;
    } else {
        uint8_t otpk[ESIM_EC_POINT_MAX];
        size_t ol;
        if (esim_bpp_euicc_otpk(b, kl, otpk, &ol, &e) != 0) {
            snprintf(sig_detail, sizeof sig_detail, "%s", e.msg);
            sig = CHK_FAILED;
        } else {
            int v = esim_bpp_verify_sign(b, otpk, ol, X509_get0_pubkey(cert), &e);
            sig = v == 1 ? CHK_OK : CHK_FAILED;
            if (v != 1)
                snprintf(sig_detail, sizeof sig_detail, "%s (wrong certificate, or the BPP's "
                         "InitialiseSecureChannelRequest was modified)", e.msg);
        }
    }
    if (cert && ca_path) {
        if (!(ca = esim_x509_load(ca_path, &e))) {
            snprintf(chain_detail, sizeof chain_detail, "%s", e.msg);
            chain = CHK_FAILED;
        } else {
            int v = esim_x509_check_issued(cert, ca, &e);
            chain = v == 1 ? CHK_OK : CHK_FAILED;
            if (v != 1)
                snprintf(chain_detail, sizeof chain_detail, "%s", e.msg);
            esim_x509_time_note(cert, ca, time_note, sizeof time_note);
        }
    } else if (!ca_path) {
        snprintf(chain_detail, sizeof chain_detail, "no --ca (CI certificate) given");
    }
    if (r->json) {
        json_object *s = json_object_new_object();
        json_object_object_add(s, "result", json_object_new_string(chk_names[sig]));
        if (sig_detail[0])
            json_object_object_add(s, "detail", json_object_new_string(sig_detail));
        json_object_object_add(r->root, "signature", s);
        json_object *c = json_object_new_object();
        json_object_object_add(c, "result", json_object_new_string(chk_names[chain]));
        if (chain_detail[0])
            json_object_object_add(c, "detail", json_object_new_string(chain_detail));
        if (time_note[0])
            json_object_object_add(c, "validity_note", json_object_new_string(time_note));
        json_object_object_add(r->root, "chain", c);
    } else {
        printf("smdpSign:          %s%s%s\n", sig == CHK_OK ? "valid" : sig == CHK_FAILED ? "INVALID" : "not checked",
               sig_detail[0] ? ": " : "", sig_detail);
        printf("certificate chain: %s%s%s\n", chain == CHK_OK ? "OK (DPpb certificate issued by the CI)"
                                               : chain == CHK_FAILED ? "FAILED" : "not checked",
               chain_detail[0] ? ": " : "", chain_detail);
        if (time_note[0])
            printf("                   note: %s\n", time_note);
    }
    X509_free(cert);
    X509_free(ca);
    return sig != CHK_FAILED && chain != CHK_FAILED;
}

/* The decrypted profile holds Ki/OPc, PINs and keys: a file is written 0600 and replaced
 * atomically (esim/private_file.h); "-" is the original standard output (upp_fd). */
static int write_upp(const char *path, int upp_fd, const uint8_t *d, size_t n, esim_error *err)
{
    if (strcmp(path, "-") != 0)
        return esim_private_file_write(path, d, n, err);
    while (n > 0) {
        ssize_t w = write(upp_fd, d, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return esim_error_set(err, "cannot write the profile to standard output: %s",
                                  strerror(errno));
        d += w;
        n -= (size_t)w;
    }
    return 0;
}

static bool certificate_readable(const char *option, const char *path)
{
    if (!path)
        return true;
    esim_error e = {{0}};
    X509 *x = esim_x509_load(path, &e);
    if (!x) {
        fprintf(stderr, "esimscope bpp: %s: %s\n", option, e.msg);
        return false;
    }
    X509_free(x);
    return true;
}

int esim_cmd_bpp(int argc, char **argv)
{
    gchar *in_format = NULL, *keylog_path = NULL, *out_path = NULL, *cert = NULL, *ca = NULL;
    gboolean json = FALSE, show_keys = FALSE;
    GOptionEntry entries[] = {
        {"keylog", 'k', 0, G_OPTION_ARG_FILENAME, &keylog_path,
         "eSIM key log (docs/keylog.md); - = stdin", "FILE|-"},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &out_path,
         "write the decrypted profile (UPP, SAIP DER) here when every segment verified: a new "
         "file with mode 0600, replaced atomically; - = standard output, the report then goes "
         "to standard error", "UPP|-"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "write JSON", NULL},
        {"cert", 0, 0, G_OPTION_ARG_FILENAME, &cert,
         "SM-DP+ PB certificate (CERT.DPpb.ECDSA) to check smdpSign", "FILE"},
        {"ca", 0, 0, G_OPTION_ARG_FILENAME, &ca, "CI certificate the PB certificate must chain to",
         "FILE"},
        {"show-keys", 0, 0, G_OPTION_ARG_NONE, &show_keys, "print key material", NULL},
        {"in", 0, 0, G_OPTION_ARG_STRING, &in_format, "input encoding (default: detected)",
         "der|base64|hex"},
        {0}};
    GOptionContext *oc = g_option_context_new("BPP");
    g_option_context_set_summary(oc,
        "Reports a Bound Profile Package (SGP.22 BoundProfilePackage, tag BF36) part by part.\n"
        "With --keylog every segment is MAC-checked and decrypted (BSP, SGP.22 2.6.4).\n"
        "Exit status: 0 all verified, 1 a verification failed, 2 bad usage or input.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    report r = { 0 };
    r.rc = ESIM_EXIT_USAGE;
    uint8_t *data = NULL;
    size_t len = 0;
    esim_keylog *kl = NULL;
    esim_bpp b = { 0 };
    esim_bpp_opened o;
    bool opened = false;
    esim_error err = {{0}};
    int upp_fd = -1;
    memset(&o, 0, sizeof o);
    if (!g_option_context_parse(oc, &argc, &argv, &gerr)) {
        fprintf(stderr, "esimscope bpp: %s\n", gerr->message);
        g_clear_error(&gerr);
        goto out;
    }
    if (argc != 2) {
        fprintf(stderr, "esimscope bpp: expected one BPP file (or - for stdin); see --help\n");
        goto out;
    }
    if (ca && !cert) {
        fprintf(stderr, "esimscope bpp: --ca needs --cert (the PB certificate to check)\n");
        goto out;
    }
    if (out_path && !strcmp(out_path, "-")) {
        /* the profile alone on standard output (bpp ... -o - | esimscope profile -): the report
         * goes to standard error */
        fflush(stdout);
        if ((upp_fd = dup(STDOUT_FILENO)) < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
            fprintf(stderr, "esimscope bpp: standard output: %s\n", strerror(errno));
            goto out;
        }
    }
    if (keylog_path && !strcmp(keylog_path, "-") && !strcmp(argv[1], "-")) {
        fprintf(stderr, "esimscope bpp: the BPP and the key log cannot both be stdin\n");
        goto out;
    }
    esim_input_format fmt = ESIM_IN_AUTO;
    if (in_format && esim_input_format_parse(in_format, &fmt) != 0) {
        fprintf(stderr, "esimscope bpp: --in must be der, base64 or hex\n");
        goto out;
    }
    /* a certificate that cannot be read is bad input (exit 2), not a failed verification */
    if (!certificate_readable("--cert", cert) || !certificate_readable("--ca", ca))
        goto out;
    if (esim_input_load(argv[1], fmt, &data, &len, NULL, &err) != 0) {
        fprintf(stderr, "esimscope bpp: %s\n", err.msg);
        goto out;
    }
    if (esim_bpp_parse_partial(data, len, &b, &err) != 0) {
        fprintf(stderr, "esimscope bpp: %s: %s\n", argv[1], err.msg);
        goto out;
    }
    kl = esim_keylog_new();
    if (keylog_path && esim_keylog_load(kl, keylog_path, &err) != 0) {
        fprintf(stderr, "esimscope bpp: %s\n", err.msg);
        goto out;
    }
    r.json = json;
    r.show_keys = show_keys;
    r.rc = ESIM_EXIT_OK;
    bool verified = true;
    char failure[600] = "";
    if (keylog_path) {
        if (esim_bpp_open(&b, kl, &o, &err) != 0) {
            snprintf(failure, sizeof failure, "%s", err.msg);
            verified = false;
        } else {
            opened = true;
            if (o.failed || o.first_failure[0]) {
                verified = false;
                snprintf(failure, sizeof failure, "%s", o.first_failure);
            }
        }
    }
    size_t total = 0;
    for (int p = 0; p < ESIM_BPP_PART_COUNT; p++)
        total += b.nseg[p];
    char tid[2 * ESIM_TID_MAX + 1];
    esim_hex(b.tid, b.tid_len, tid);
    if (json) {
        r.root = json_object_new_object();
        json_object_object_add(r.root, "transaction_id", json_object_new_string(tid));
        json_object_object_add(r.root, "size", json_object_new_int64((int64_t)len));
        json_object_object_add(r.root, "truncated", json_object_new_boolean(b.truncated));
        if (b.truncated)
            json_object_object_add(r.root, "announced_size", json_object_new_int64((int64_t)b.full_len));
    } else {
        printf("BoundProfilePackage: %zu bytes, transactionId %s\n", len, tid);
        if (b.truncated)
            printf("  TRUNCATED: the BF36 header announces %zu bytes; only complete segments are "
                   "shown\n", b.full_len);
    }
    if (b.truncated && !failure[0]) {
        snprintf(failure, sizeof failure, "BPP truncated: %zu of %zu bytes present", len,
                 b.full_len);
        verified = false;
    }
    print_isc(&b, &r);
    print_parts(&b, opened ? &o : NULL, &r);
    if (opened) {
        print_keys(&o, &r);
        print_content(&o, &r);
        uint8_t md[32];
        char mdhex[65];
        EVP_Digest(o.upp ? o.upp : (const uint8_t *)"", o.upp_len, md, NULL, EVP_sha256(), NULL);
        if (json) {
            json_object_object_add(r.root, "upp_length", json_object_new_int64((int64_t)o.upp_len));
            if (o.upp_complete)
                json_object_object_add(r.root, "upp_sha256", json_object_new_string(esim_hex(md, 32, mdhex)));
            json_object_object_add(r.root, "segments_checked", json_object_new_int64((int64_t)o.checked));
            json_object_object_add(r.root, "segments_failed", json_object_new_int64((int64_t)o.failed));
        } else if (o.upp_complete) {
            printf("UPP: %zu bytes, SHA-256 %s\n", o.upp_len, esim_hex(md, 32, mdhex));
        } else {
            printf("UPP: incomplete (not every 86 segment verified)\n");
        }
    } else if (!keylog_path && !json) {
        printf("Segments not checked: no --keylog given\n");
    }
    if (!check_signature(&b, kl, cert, ca, &r))
        verified = false;
    if (out_path) {
        if (!opened || !o.upp_complete) {
            if (!failure[0])
                snprintf(failure, sizeof failure, "no UPP written: %s",
                         keylog_path ? "not every 86 segment verified" : "needs --keylog");
            fprintf(stderr, "esimscope bpp: no UPP written to %s\n", out_path);
            verified = false;
        } else if (write_upp(out_path, upp_fd, o.upp, o.upp_len, &err) != 0) {
            fprintf(stderr, "esimscope bpp: %s\n", err.msg);
            r.rc = ESIM_EXIT_USAGE;
        }
    }
    if (json) {
        json_object_object_add(r.root, "segments_total", json_object_new_int64((int64_t)total));
        json_object_object_add(r.root, "verified",
                               json_object_new_boolean(verified && opened && o.checked == total));
        if (failure[0])
            json_object_object_add(r.root, "first_failure", json_object_new_string(failure));
        puts(json_object_to_json_string_ext(r.root, JSON_C_TO_STRING_PRETTY |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
    } else if (keylog_path || cert) {
        if (verified && opened && o.checked == total)
            printf("Result: verified (all %zu segments)\n", total);
        else if (verified && opened)
            printf("Result: no failure, but only %zu of %zu segments could be checked with these "
                   "keys\n", o.checked, total);
        else if (verified)
            printf("Result: no failure\n");
        else
            printf("Result: FAILED: %s\n", failure[0] ? failure : "see above");
    }
    if (!verified && r.rc == ESIM_EXIT_OK)
        r.rc = ESIM_EXIT_FAILED;
out:
    if (r.root)
        json_object_put(r.root);
    if (opened)
        esim_bpp_opened_free(&o);
    esim_bpp_clear(&b);
    esim_keylog_free(kl);
    g_option_context_free(oc);
    g_free(in_format);
    g_free(keylog_path);
    g_free(out_path);
    g_free(cert);
    g_free(ca);
    free(data);
    if (upp_fd >= 0 && close(upp_fd) != 0 && r.rc == ESIM_EXIT_OK) {
        fprintf(stderr, "esimscope bpp: standard output: %s\n", strerror(errno));
        r.rc = ESIM_EXIT_USAGE;
    }
    return r.rc;
}
