/* esim-samplegen: writes the project's sample captures, key logs and test PKI.
 *   esim-samplegen --seed N --out DIR
 * Everything derives from the seed (see docs/samples.md for what is not bit-identical). */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "flow.h"
#include "modem.h"
#include "pki.h"
#include "render.h"
#include "render_log.h"

#define BASE_TIME_US (1772442000ull * 1000000ull) /* 2026-03-02 09:00:00 UTC */

typedef struct gen {
    const char *out;
    const sg_drbg *d;
    int failures;
} gen;

static void fail(gen *g, const char *what)
{
    fprintf(stderr, "esim-samplegen: cannot write %s/%s\n", g->out, what);
    g->failures++;
}

static void write_text(gen *g, const char *name, const char *text, size_t len)
{
    char *path = g_build_filename(g->out, name, NULL);
    FILE *f = fopen(path, "w");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0)
        fail(g, name);
    g_free(path);
}

typedef struct layout {
    const char *name;       /* file name */
    bool ng;
    uint32_t gsmtap_lt;     /* link type of the SIMtrace interface, 0 = none */
    uint32_t ccid_lt;       /* link type of the USB interface, 0 = none */
    bool t1;
    bool http;
    size_t mss;
    const struct tls_variant *tls; /* HTTPS on 443, with an SSLKEYLOGFILE beside the capture;
                                    * NULL (false) = plain HTTP */
} layout;

typedef struct tls_variant {
    int version;            /* 0 = TLS 1.2, or TLS1_3_VERSION */
    const char *suite;      /* NULL = the SGP.22 default of the version */
    bool per_call;          /* one connection per HTTP exchange */
    bool resume;            /* later connections resume the TLS session */
} tls_variant;

/* SGP.22 2.6.6 TLS 1.2 with AES-128-GCM, one kept-alive connection per server */
static const tls_variant tls12_gcm = {0, NULL, false, false};
/* TLS 1.3 (SGP.22 v3), kept alive */
static const tls_variant tls13_gcm = {TLS1_3_VERSION, NULL, false, false};
/* SGP.22's other TLS 1.2 suite (CBC, encrypt-then-MAC), a connection per function, each
 * resuming the first one's session */
static const tls_variant tls12_cbc_percall = {0, "ECDHE-ECDSA-AES128-SHA256", true, true};
/* TLS 1.3 with ChaCha20-Poly1305, a connection per function resumed with a ticket (PSK) */
static const tls_variant tls13_chacha_percall = {TLS1_3_VERSION, "TLS_CHACHA20_POLY1305_SHA256",
                                                 true, true};

static void render_one(gen *g, const sg_transcript *t, const layout *l, const char *keylog,
                       size_t keylog_len, const sg_pki *pki)
{
    char *path = g_build_filename(g->out, l->name, NULL);
    sg_cap cap;
    uint64_t clock = BASE_TIME_US;
    if (sg_cap_open(&cap, path, l->ng) != 0) {
        fail(g, l->name);
        g_free(path);
        return;
    }
    sg_port sim = {&cap, -1, l->gsmtap_lt, &clock}, usb = {&cap, -1, l->ccid_lt, &clock};
    sg_port net = {&cap, -1, SG_LT_ETHERNET, &clock};
    if (l->gsmtap_lt)
        sim.ifid = sg_cap_add_if(&cap, l->gsmtap_lt, l->gsmtap_lt == SG_LT_LINUX_SLL ? "any" : "lo",
                                 "SIMtrace GSMTAP-SIM");
    if (l->ccid_lt)
        usb.ifid = sg_cap_add_if(&cap, l->ccid_lt,
                                 l->ccid_lt == SG_LT_USBPCAP ? "\\\\.\\USBPcap1" : "usbmon1",
                                 "CCID reader with the eUICC");
    if (l->http)
        net.ifid = sg_cap_add_if(&cap, SG_LT_ETHERNET, "eth0", "LPA to SM-DP+ / SM-DS");
    sg_render_opts o = {.gsmtap_port = l->gsmtap_lt ? &sim : NULL,
                        .ccid_port = l->ccid_lt ? &usb : NULL, .t1 = l->t1,
                        .http_port = l->http ? &net : NULL, .mss = l->mss ? l->mss : 1460,
                        .http_port_no = 80, .per_call = l->tls && l->tls->per_call};
    sg_tls_cfg tc = {pki->c[SG_CERT_DPTLS].x509, pki->c[SG_CERT_DPTLS].key.pk,
                     pki->c[SG_CERT_CI].x509, g_string_new(NULL), l->tls ? l->tls->version : 0,
                     l->tls ? l->tls->suite : NULL, l->tls && l->tls->resume, NULL, NULL,
                     {NULL, NULL}};
    if (l->tls) {
        o.tls = &tc;
        o.http_port_no = 443;
    }
    if (sg_render(t, &o) < 0)
        fail(g, l->name);
    if (l->tls) {
        char *sk = g_strconcat(l->name, ".sslkeylog", NULL);
        char *dot = strstr(sk, ".pcap");
        if (dot)
            memmove(dot, ".sslkeylog", sizeof ".sslkeylog");
        write_text(g, sk, tc.keylog->str, tc.keylog->len);
        g_free(sk);
    }
    g_string_free(tc.keylog, TRUE);
    sg_tls_cfg_clear(&tc);
    if (sg_cap_close(&cap) != 0)
        fail(g, l->name);
    g_free(path);
    /* the key log beside it: same name, .keylog */
    char *kname = g_strdup(l->name);
    char *dot = strrchr(kname, '.');
    if (dot)
        *dot = '\0';
    char *kfile = g_strconcat(kname, ".keylog", NULL);
    if (keylog_len)
        write_text(g, kfile, keylog, keylog_len);
    g_free(kfile);
    g_free(kname);
}

/* The card side of a download through a modem (MBIM or QMI) on usbmon, with its key log. */
static void render_modem(gen *g, const sg_transcript *t, const char *name, sg_modem_kind kind,
                         uint32_t linktype, const char *keylog, size_t keylog_len)
{
    char *path = g_build_filename(g->out, name, NULL);
    sg_cap cap;
    uint64_t clock = BASE_TIME_US;
    if (sg_cap_open(&cap, path, false) != 0) {
        fail(g, name);
        g_free(path);
        return;
    }
    sg_port usb = {&cap, sg_cap_add_if(&cap, linktype,
                                       linktype == SG_LT_USBPCAP ? "\\\\.\\USBPcap1" : "usbmon1",
                                       kind == SG_MODEM_MBIM ? "MBIM modem" : "QMI modem"),
                   linktype, &clock};
    sg_modem_render(t, &usb, kind);
    if (sg_cap_close(&cap) != 0)
        fail(g, name);
    g_free(path);
    char *kname = g_strndup(name, strcspn(name, "."));
    char *kfile = g_strconcat(kname, ".keylog", NULL);
    write_text(g, kfile, keylog, keylog_len);
    g_free(kfile);
    g_free(kname);
}

static int run_flow(gen *g, const sg_pki *pki, sg_scenario sc, sg_binding binding,
                    sg_transcript *t, char **kl, size_t *kl_len)
{
    FILE *f = open_memstream(kl, kl_len);
    if (!f)
        return -1;
    fprintf(f, "# esimscope key log (docs/keylog.md), written by esim-samplegen: test keys only\n");
    memset(t, 0, sizeof *t);
    int rc = sg_flow_run(g->d, pki, sc, binding, t, f);
    fclose(f);
    return rc;
}

#define USBMON SG_LT_USB_LINUX_MMAPPED
static const layout happy_layouts[] = {
    {"happy_simtrace_gsmtap.pcap", false, SG_LT_ETHERNET, 0, false, false, 0, false},
    {"happy_usbmon_t0.pcap", false, 0, USBMON, false, false, 0, false},
    {"happy_usbmon_t1.pcap", false, 0, USBMON, true, false, 0, false},
    {"happy_usbpcap.pcap", false, 0, SG_LT_USBPCAP, false, false, 0, false},
    {"happy_http.pcap", false, 0, 0, false, true, 1460, false},
    {"happy_http_mss536.pcap", false, 0, 0, false, true, 536, false},
    {"happy_multi.pcapng", true, SG_LT_LINUX_SLL, USBMON, false, true, 1460, false},
    {"happy_https.pcapng", true, 0, USBMON, false, true, 1460, &tls12_gcm},
    /* HTTPS only: their plain twin is happy_http.pcap */
    {"happy_https13.pcapng", true, 0, 0, false, true, 1460, &tls13_gcm},
    {"happy_https_percall.pcapng", true, 0, 0, false, true, 1460, &tls12_cbc_percall},
    {"happy_https13_percall.pcapng", true, 0, 0, false, true, 1460, &tls13_chacha_percall},
};

static const struct {
    sg_scenario sc;
    const char *name;
} failures[] = {
    {SG_SC_WRONG_MATCHING_ID, "fail_matching_id.pcapng"},
    {SG_SC_UNKNOWN_EUM, "fail_unknown_eum.pcapng"},
    {SG_SC_BPP_MAC_FAIL, "fail_bpp_mac.pcapng"},
    {SG_SC_STORE_DATA_6A80, "fail_store_data_6a80.pcapng"},
    {SG_SC_CANCEL_SESSION, "cancel_session.pcapng"},
    {SG_SC_HAPPY_PPK, "happy_ppk_http.pcap"},
    {SG_SC_EXPIRED_EUM, "fail_expired_eum.pcapng"},
};

int main(int argc, char **argv)
{
    gint64 seed = 1;
    gchar *out = NULL;
    GOptionEntry entries[] = {
        {"seed", 0, 0, G_OPTION_ARG_INT64, &seed, "seed of every key, challenge and nonce", "N"},
        {"out", 0, 0, G_OPTION_ARG_FILENAME, &out, "output folder (created)", "DIR"},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    GOptionContext *oc = g_option_context_new("- write the esimscope sample captures");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *ge = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &ge) || !out) {
        fprintf(stderr, "esim-samplegen: %s\n", ge ? ge->message : "--out DIR is required");
        return 2;
    }
    g_option_context_free(oc);

    sg_drbg d;
    sg_drbg_init(&d, (unsigned long long)seed);
    gen g = {.out = out, .d = &d};
    char *pdir = g_build_filename(out, "pki", NULL);
    char *nist = g_build_filename(pdir, "nist", NULL), *brp = g_build_filename(pdir, "brp", NULL);
    if (g_mkdir_with_parents(nist, 0755) != 0 || g_mkdir_with_parents(brp, 0755) != 0) {
        fprintf(stderr, "esim-samplegen: cannot create %s: %s\n", pdir, strerror(errno));
        return 1;
    }
    /* EID: 32 digits whose last two are the ISO 7064 mod 97-10 check digits (SGP.29) */
    char eid[33] = "890490320000000000000000000123";
    {
        uint8_t r[6];
        sg_drbg_bytes(&d, "eid", r, sizeof r);
        for (int i = 0; i < 6; i++)
            eid[18 + 2 * i] = (char)('0' + r[i] % 10), eid[19 + 2 * i] = (char)('0' + r[i] / 26 % 10);
        unsigned m = 0;
        for (int i = 0; i < 30; i++)
            m = (m * 10 + (unsigned)(eid[i] - '0')) % 97;
        m = (m * 100) % 97;
        unsigned check = 98 - m;
        eid[30] = (char)('0' + check / 10);
        eid[31] = (char)('0' + check % 10);
        eid[32] = 0;
    }
    sg_pki pn, pb;
    if (sg_pki_build(&pn, ESIM_CURVE_P256, &d, eid) != 0 ||
        sg_pki_build(&pb, ESIM_CURVE_BP256R1, &d, eid) != 0)
        return 1;
    const time_t capture_time = (time_t)(BASE_TIME_US / 1000000);
    if (!sg_pki_verify(&pn, SG_CERT_EUICC, SG_CERT_EUM, capture_time) ||
        !sg_pki_verify(&pb, SG_CERT_EUICC, SG_CERT_EUM, capture_time) ||
        !sg_pki_verify(&pn, SG_CERT_DPAUTH, -1, capture_time) ||
        !sg_pki_verify(&pn, SG_CERT_DPPB, -1, capture_time) ||
        !sg_pki_verify(&pn, SG_CERT_DPTLS, -1, capture_time) ||
        !sg_pki_verify(&pn, SG_CERT_DSAUTH, -1, capture_time) ||
        sg_pki_verify(&pn, SG_CERT_ROGUE_EUM, -1, 0) ||
        /* the expired EUM: signatures chain, but not on the day of the captures */
        !sg_pki_verify(&pn, SG_CERT_EUICC, SG_CERT_EXPIRED_EUM, 0) ||
        sg_pki_verify(&pn, SG_CERT_EUICC, SG_CERT_EXPIRED_EUM, capture_time)) {
        fprintf(stderr, "esim-samplegen: the generated PKI does not verify\n");
        return 1;
    }
    if (sg_pki_write(&pn, nist) != 0 || sg_pki_write(&pb, brp) != 0)
        fail(&g, "pki");

    sg_transcript t;
    char *kl;
    size_t kl_len;
    if (run_flow(&g, &pn, SG_SC_HAPPY, SG_BINDING_JSON, &t, &kl, &kl_len) != 0)
        return 1;
    for (size_t i = 0; i < sizeof happy_layouts / sizeof *happy_layouts; i++)
        render_one(&g, &t, &happy_layouts[i], kl, kl_len, &pn);
    char *logdir = g_build_filename(out, "logs", NULL); /* phone and LPA logs (render_log.h) */
    if (g_mkdir_with_parents(logdir, 0755) != 0)
        fail(&g, "logs");
    g.failures += sg_render_logs(&t, logdir, "happy", BASE_TIME_US);
    render_modem(&g, &t, "happy_mbim_usbmon.pcap", SG_MODEM_MBIM, USBMON, kl, kl_len);
    render_modem(&g, &t, "happy_qmi_usbmon.pcap", SG_MODEM_QMI, USBMON, kl, kl_len);
    render_modem(&g, &t, "happy_mbim_usbpcap.pcap", SG_MODEM_MBIM, SG_LT_USBPCAP, kl, kl_len);
    /* the same download cut short in the middle of the first '86' segment */
    for (size_t i = 0; i < t.n; i++)
        if (t.ev[i].kind == SG_EV_ES10 && t.ev[i].cmd_len > 300 && t.ev[i].cmd[0] == 0x86) {
            t.ev[i].cut_after_blocks = 2;
            break;
        }
    layout cut = {"truncated_mid_bpp.pcapng", true, 0, USBMON, false, true, 1460, false};
    render_one(&g, &t, &cut, kl, kl_len, &pn);
    sg_tr_free(&t);
    free(kl);

    if (run_flow(&g, &pb, SG_SC_HAPPY, SG_BINDING_JSON, &t, &kl, &kl_len) != 0)
        return 1;
    layout brl = {"happy_brainpool_multi.pcapng", true, 0, USBMON, false, true, 1460, false};
    render_one(&g, &t, &brl, kl, kl_len, &pb);
    sg_tr_free(&t);
    free(kl);

    /* the happy download again with ES9+/ES11 in the ASN.1 binding (SGP.22 6.6) */
    if (run_flow(&g, &pn, SG_SC_HAPPY, SG_BINDING_ASN1, &t, &kl, &kl_len) != 0)
        return 1;
    layout asn1l = {"happy_http_asn1.pcap", false, 0, 0, false, true, 1460, false};
    render_one(&g, &t, &asn1l, kl, kl_len, &pn);
    sg_tr_free(&t);
    free(kl);
    /* fail_matching_id's ES9+ exchanges in the ASN.1 binding: authenticateClientError
     * matchingIdRefused(6) in the AuthenticateClientResponseEs9 CHOICE; HTTP only */
    if (run_flow(&g, &pn, SG_SC_WRONG_MATCHING_ID, SG_BINDING_ASN1, &t, &kl, &kl_len) != 0)
        return 1;
    layout asn1f = {"fail_matching_id_asn1.pcap", false, 0, 0, false, true, 1460, false};
    render_one(&g, &t, &asn1f, kl, kl_len, &pn);
    sg_tr_free(&t);
    free(kl);

    for (size_t i = 0; i < sizeof failures / sizeof *failures; i++) {
        if (run_flow(&g, &pn, failures[i].sc, SG_BINDING_JSON, &t, &kl, &kl_len) != 0)
            return 1;
        layout l = {failures[i].name, true, 0, USBMON, false, true, 1460, false};
        if (failures[i].sc == SG_SC_HAPPY_PPK) /* HTTP only: the BPP with a PPK */
            l = (layout){failures[i].name, false, 0, 0, false, true, 1460, false};
        render_one(&g, &t, &l, kl, kl_len, &pn);
        if (failures[i].sc == SG_SC_STORE_DATA_6A80) {
            g.failures += sg_render_logs(&t, logdir, "fail_store_data_6a80", BASE_TIME_US);
            render_modem(&g, &t, "fail_store_data_6a80_mbim.pcap", SG_MODEM_MBIM, USBMON, kl,
                         kl_len);
            render_modem(&g, &t, "fail_store_data_6a80_qmi.pcap", SG_MODEM_QMI, USBMON, kl,
                         kl_len);
        }
        sg_tr_free(&t);
        free(kl);
    }
    g_free(logdir);
    sg_pki_free(&pn);
    sg_pki_free(&pb);
    g_free(nist);
    g_free(brp);
    g_free(pdir);
    g_free(out);
    return g.failures ? 1 : 0;
}
