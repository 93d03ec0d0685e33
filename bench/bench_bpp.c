/* BPP opening throughput: builds a BPP around a large random profile (default 8 MB) with a
 * throw-away PKI and times esim_bpp_parse + esim_bpp_open (MAC check + decryption of every
 * segment, no SAIP decoding). Prints MB/s of profile, best of N, by wall and by CPU time.
 *
 *   bench_bpp [--size MB] [--iterations N] [--curve p256|bp256]
 *   bench_bpp --emit DIR [--profile FILE] [--euicc-d HEX]
 *       writes a BPP with its key logs and certificates (fixtures for tests/cli/bpp*.sh);
 *       --euicc-d fixes the eUICC one-time private key (fuzz seeds, tests/fuzz/fuzz_bpp.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include "esim/bpp.h"
#include "esim/hex.h"
#include "esim/keylog.h"
#include "bpp_testkit.h" /* the tests' throw-away PKI (tests/unit) */

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* wall and process CPU time: on a shared machine the CPU figure is the steadier one, and it
 * is what `openssl speed` divides by (user CPU time unless -elapsed) */
typedef struct stamp {
    double wall, cpu;
} stamp;

static stamp now(void)
{
    return (stamp){ clock_s(CLOCK_MONOTONIC), clock_s(CLOCK_PROCESS_CPUTIME_ID) };
}

static void keep_best(stamp from, stamp to, stamp *best)
{
    if (to.wall - from.wall < best->wall)
        best->wall = to.wall - from.wall;
    if (to.cpu - from.cpu < best->cpu)
        best->cpu = to.cpu - from.cpu;
}

typedef struct fixture {
    EVP_PKEY *ci_key, *pb_key, *euicc;
    X509 *ci, *pb;
    uint8_t euicc_otpk[65], tid[16];
    size_t otpk_len;
    esim_bpp_built built;
} fixture;

static const uint8_t eid[16] = { 0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x51, 0x23,
                                 0x45, 0x12, 0x34, 0x56, 0x78, 0x90, 0x13, 0x35 };

static const char *euicc_d; /* --euicc-d */

static int make(fixture *f, esim_curve c, const uint8_t *upp, size_t upp_len, bool ppk)
{
    esim_error e;
    memset(f, 0, sizeof *f);
    f->ci_key = esim_ec_generate(c, &e);
    f->pb_key = esim_ec_generate(c, &e);
    if (euicc_d) {
        uint8_t d[32];
        if (esim_unhex(euicc_d, strlen(euicc_d), d, sizeof d) != 32)
            return -1;
        f->euicc = esim_ec_from_private(c, d, 32, &e);
    } else {
        f->euicc = esim_ec_generate(c, &e);
    }
    if (!f->ci_key || !f->pb_key || !f->euicc)
        return -1;
    f->ci = tk_cert(f->ci_key, "bench CI", NULL, f->ci_key, 1, 1);
    f->pb = tk_cert(f->pb_key, "bench SM-DP+ DPpb", f->ci, f->ci_key, 2, 0);
    esim_ec_public_point(f->euicc, f->euicc_otpk, &f->otpk_len, &e);
    RAND_bytes(f->tid, sizeof f->tid);
    esim_metadata m;
    memset(&m, 0, sizeof m);
    static const uint8_t iccid[10] = { 0x98, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x54, 0xF6 };
    memcpy(m.iccid, iccid, 10);
    m.has_iccid = true;
    strcpy(m.spn, "Bench Operator");
    strcpy(m.name, "bench profile");
    static uint8_t icon[1024];
    m.icon_type = 1;
    m.icon = icon;
    m.icon_len = sizeof icon;
    m.profile_class = 2;
    m.n_notif = 1;
    m.notif[0].events = 0xF0;
    strcpy(m.notif[0].address, "smdp.example.com");
    esim_buf md = { 0 };
    esim_metadata_encode(&m, &md, &e);
    static const uint8_t host[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    esim_bpp_build_params p = {
        .tid = f->tid, .tid_len = sizeof f->tid, .eid = eid, .host_id = host,
        .host_id_len = sizeof host, .dp_pb_key = f->pb_key, .euicc_otpk = f->euicc_otpk,
        .euicc_otpk_len = f->otpk_len, .store_metadata = md.data,
        .store_metadata_len = md.len, .use_ppk = ppk, .upp = upp, .upp_len = upp_len,
    };
    int rc = esim_bpp_build(&p, &f->built, &e);
    if (rc)
        fprintf(stderr, "bench_bpp: %s\n", e.msg);
    esim_buf_free(&md);
    return rc;
}

static void fixture_free(fixture *f)
{
    EVP_PKEY_free(f->ci_key);
    EVP_PKEY_free(f->pb_key);
    EVP_PKEY_free(f->euicc);
    X509_free(f->ci);
    X509_free(f->pb);
    esim_bpp_built_free(&f->built);
}

static esim_keylog_entry entry(const fixture *f, esim_keylog_kind k)
{
    esim_keylog_entry e;
    esim_error err;
    memset(&e, 0, sizeof e);
    e.kind = k;
    memcpy(e.tid, f->tid, 16);
    e.tid_len = 16;
    e.keys = k == ESIM_KL_PPK ? f->built.ppk : f->built.session;
    if (k == ESIM_KL_EUICC_OTSK)
        esim_ec_private_scalar(f->euicc, e.scalar, &err);
    memcpy(e.eid, eid, 16);
    e.eid_len = 16;
    memcpy(e.point, f->euicc_otpk, 65);
    e.point_len = 65;
    return e;
}

static int write_bytes(const char *dir, const char *name, const uint8_t *d, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (!fp || fwrite(d, 1, n, fp) != n) {
        perror(path);
        if (fp)
            fclose(fp);
        return -1;
    }
    return fclose(fp);
}

static int write_keylog(const char *dir, const char *name, const esim_keylog_entry *e, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    fprintf(fp, "# written by bench_bpp --emit: throw-away test keys\n");
    for (size_t i = 0; i < n; i++)
        esim_keylog_write(fp, &e[i]);
    return fclose(fp);
}

static int write_pem(const char *dir, const char *name, X509 *x)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    PEM_write_X509(fp, x);
    return fclose(fp);
}

static int emit(const char *dir, const char *profile)
{
    uint8_t *upp;
    size_t upp_len = 5000;
    if (profile) {
        FILE *fp = fopen(profile, "rb");
        if (!fp) {
            perror(profile);
            return 2;
        }
        fseek(fp, 0, SEEK_END);
        upp_len = (size_t)ftell(fp);
        fseek(fp, 0, SEEK_SET);
        upp = malloc(upp_len + 1);
        if (fread(upp, 1, upp_len, fp) != upp_len)
            upp_len = 0;
        fclose(fp);
    } else {
        upp = malloc(upp_len);
        RAND_bytes(upp, (int)upp_len);
    }
    mkdir(dir, 0755);
    fixture f, other;
    if (make(&f, ESIM_CURVE_BP256R1, upp, upp_len, true) || make(&other, ESIM_CURVE_BP256R1, upp, 10, false))
        return 1;
    esim_keylog_entry session[2] = { entry(&f, ESIM_KL_SESSION_KEYS), entry(&f, ESIM_KL_EUICC_OTPK) };
    esim_keylog_entry otsk[1] = { entry(&f, ESIM_KL_EUICC_OTSK) };
    esim_keylog_entry ppk[1] = { entry(&f, ESIM_KL_PPK) };
    esim_keylog_entry wrong[1] = { entry(&f, ESIM_KL_SESSION_KEYS) };
    wrong[0].keys.s_mac[0] ^= 1;
    char *b64 = NULL;
    int rc = write_bytes(dir, "bpp.der", f.built.bpp, f.built.bpp_len) ||
             write_bytes(dir, "upp.der", upp, upp_len) ||
             write_keylog(dir, "session.keylog", session, 2) ||
             write_keylog(dir, "otsk.keylog", otsk, 1) || write_keylog(dir, "ppk.keylog", ppk, 1) ||
             write_keylog(dir, "wrong.keylog", wrong, 1) || write_pem(dir, "ci.pem", f.ci) ||
             write_pem(dir, "pb.pem", f.pb) || write_pem(dir, "other_ci.pem", other.ci) ||
             write_pem(dir, "other_pb.pem", other.pb);
    char hex[33];
    printf("transaction_id %s\n", esim_hex(f.tid, 16, hex));
    free(b64);
    free(upp);
    fixture_free(&f);
    fixture_free(&other);
    return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
    double mb = 8;
    int iters = 5;
    const char *emit_dir = NULL, *profile = NULL;
    esim_curve curve = ESIM_CURVE_P256;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--size") && i + 1 < argc)
            mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--curve") && i + 1 < argc)
            curve = !strcmp(argv[++i], "bp256") ? ESIM_CURVE_BP256R1 : ESIM_CURVE_P256;
        else if (!strcmp(argv[i], "--emit") && i + 1 < argc)
            emit_dir = argv[++i];
        else if (!strcmp(argv[i], "--profile") && i + 1 < argc)
            profile = argv[++i];
        else if (!strcmp(argv[i], "--euicc-d") && i + 1 < argc)
            euicc_d = argv[++i];
        else {
            fprintf(stderr, "usage: bench_bpp [--size MB] [--iterations N] [--curve p256|bp256]\n"
                            "       bench_bpp --emit DIR [--profile FILE] [--euicc-d HEX]\n");
            return 2;
        }
    }
    if (emit_dir)
        return emit(emit_dir, profile);
    if (mb <= 0 || iters < 1)
        return 2;
    size_t n = (size_t)(mb * 1024 * 1024);
    uint8_t *upp = malloc(n);
    RAND_bytes(upp, (int)n);
    fixture f;
    if (make(&f, curve, upp, n, true))
        return 1;
    esim_keylog *kl = esim_keylog_new();
    esim_keylog_entry e = entry(&f, ESIM_KL_SESSION_KEYS);
    esim_error err;
    esim_keylog_add(kl, &e, &err);
    stamp best_all = { 1e9, 1e9 }, best_open = { 1e9, 1e9 };
    size_t nseg = 0;
    for (int i = 0; i < iters; i++) {
        esim_bpp b;
        esim_bpp_opened o;
        stamp t0 = now();
        if (esim_bpp_parse(f.built.bpp, f.built.bpp_len, &b, &err) != 0) {
            fprintf(stderr, "bench_bpp: %s\n", err.msg);
            return 1;
        }
        stamp t1 = now();
        if (esim_bpp_open(&b, kl, &o, &err) != 0 || o.failed || o.upp_len != n ||
            memcmp(o.upp, upp, n)) {
            fprintf(stderr, "bench_bpp: open failed\n");
            return 1;
        }
        stamp t2 = now();
        nseg = b.nseg[ESIM_BPP_SEQ86];
        keep_best(t0, t2, &best_all);
        keep_best(t1, t2, &best_open);
        esim_bpp_opened_free(&o);
        esim_bpp_clear(&b);
    }
    double mbytes = (double)n / 1e6;
    printf("profile_bytes %zu\nbpp_bytes %zu\nsegments_86 %zu\n", n, f.built.bpp_len, nseg);
    printf("parse_open_seconds %.4f\nopen_seconds %.4f\n", best_all.wall, best_open.wall);
    printf("parse_open_cpu_seconds %.4f\nopen_cpu_seconds %.4f\n", best_all.cpu, best_open.cpu);
    printf("parse_open_MBps %.1f\n", mbytes / best_all.wall);
    printf("decrypt_verify_MBps %.1f\n", mbytes / best_open.wall);
    printf("parse_open_cpu_MBps %.1f\n", mbytes / best_all.cpu);
    printf("decrypt_verify_cpu_MBps %.1f\n", mbytes / best_open.cpu);
    esim_keylog_free(kl);
    fixture_free(&f);
    free(upp);
    return 0;
}
