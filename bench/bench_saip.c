/* SAIP profile package decoding time: for each of the GSMA TS.48 test profiles (when the
 * reference data is present) and the project's own built package (esim_saip_build), times
 *   decode:    esim_saip_decode, what `esimscope profile` does (every PE decoded with the asn1c
 *              types, summary and JSON tree built);
 *   roundtrip: each PE decoded as ProfileElement and DER-encoded again (esim_asn1_decode), the
 *              re-encoding compared with the input bytes;
 * best of N runs, each run repeating the work until it lasts --min-ms. Prints µs per profile and
 * MB/s, one line per profile, then totals as "name value" lines.
 *
 *   bench_saip [--ts48 DIR] [--iterations N] [--min-ms MS] */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "esim/asn1_decode.h"
#include "esim/error.h"
#include "esim/hex.h"
#include "esim/saip.h"
#include "esim/saip_build.h"
#include "esim/tlv.h"
#include "ProfileElement.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct profile {
    char name[256];
    uint8_t *der;
    size_t len;
} profile;

static int decode_once(const profile *p)
{
    esim_saip_summary s;
    esim_error err;
    if (esim_saip_decode(p->der, p->len, NULL, &s, &err) != 0) {
        fprintf(stderr, "bench_saip: %s: %s\n", p->name, err.msg);
        return -1;
    }
    esim_saip_summary_free(&s);
    return 0;
}

/* Decodes and re-encodes every PE; *pes / *exact count them. -1 when a PE does not decode. */
static int roundtrip_once(const profile *p, size_t *pes, size_t *exact)
{
    size_t off = 0;
    *pes = *exact = 0;
    while (off < p->len) {
        esim_decoded d;
        esim_error err;
        if (esim_asn1_decode(&asn_DEF_ProfileElement, p->der + off, p->len - off, &d, &err) != 0 ||
            d.consumed == 0) {
            fprintf(stderr, "bench_saip: %s: PE at offset %zu: %s\n", p->name, off, err.msg);
            return -1;
        }
        (*pes)++;
        *exact += d.exact ? 1 : 0;
        off += d.consumed;
        esim_saip_pe_wipe(d.value);
        esim_decoded_free(&d);
    }
    return 0;
}

/* Best time of one call of the work over iters runs of at least min_s each; < 0 on error. */
static double best_time(const profile *p, int iters, double min_s, int roundtrip)
{
    double best = 1e9;
    size_t pes, exact;
    for (int i = 0; i < iters; i++) {
        long reps = 0;
        double t0 = now(), t;
        do {
            if ((roundtrip ? roundtrip_once(p, &pes, &exact) : decode_once(p)) != 0)
                return -1;
            reps++;
            t = now() - t0;
        } while (t < min_s);
        if (t / (double)reps < best)
            best = t / (double)reps;
    }
    return best;
}

static int load(profile *p, const char *dir, const char *name)
{
    snprintf(p->name, sizeof p->name, "%s", name);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p->der = n > 0 ? malloc((size_t)n) : NULL;
    int rc = p->der && fread(p->der, 1, (size_t)n, f) == (size_t)n ? 0 : -1;
    fclose(f);
    p->len = rc == 0 ? (size_t)n : 0;
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const profile *)a)->name, ((const profile *)b)->name);
}

int main(int argc, char **argv)
{
    const char *ts48 = NULL;
    int iters = 5;
    double min_ms = 100;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--ts48") && i + 1 < argc)
            ts48 = argv[++i];
        else if (!strcmp(argv[i], "--iterations") && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--min-ms") && i + 1 < argc)
            min_ms = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: bench_saip [--ts48 DIR] [--iterations N] [--min-ms MS]\n");
            return 2;
        }
    }
    if (iters < 1 || min_ms < 0)
        return 2;

    profile ps[64];
    size_t n = 0;
    DIR *d = ts48 ? opendir(ts48) : NULL;
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) && n < 63) {
            size_t l = strlen(e->d_name);
            if (l > 4 && !strcmp(e->d_name + l - 4, ".der") && load(&ps[n], ts48, e->d_name) == 0)
                n++;
        }
        closedir(d);
        qsort(ps, n, sizeof ps[0], by_name);
    } else {
        printf("note: TS.48 profiles not found (%s): only the project's own package is timed\n",
               ts48 ? ts48 : "no --ts48 given");
    }
    size_t n_ts48 = n;

    /* the project's own package: the builder's defaults (random keys) */
    esim_saip_build_params bp;
    esim_error err;
    if (esim_saip_build_params_init(&bp, &err) != 0 ||
        esim_saip_build(&bp, &ps[n].der, &ps[n].len, &err) != 0) {
        fprintf(stderr, "bench_saip: %s\n", err.msg);
        return 1;
    }
    esim_saip_build_params_wipe(&bp);
    snprintf(ps[n].name, sizeof ps[n].name, "esim_saip_build (own)");
    n++;

    printf("%-30s %7s %4s %11s %11s %13s %14s %s\n", "profile", "bytes", "PEs", "decode_us",
           "decode_MBps", "roundtrip_us", "roundtrip_MBps", "exact");
    double sum_dec = 0, sum_rt = 0, sum_dec_ts48 = 0;
    size_t bytes = 0, all_pes = 0, all_exact = 0;
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        size_t pes = 0, exact = 0;
        double td = best_time(&ps[i], iters, min_ms / 1000, 0);
        double tr = best_time(&ps[i], iters, min_ms / 1000, 1);
        if (td < 0 || tr < 0 || roundtrip_once(&ps[i], &pes, &exact) != 0) {
            rc = 1;
            continue;
        }
        printf("%-30s %7zu %4zu %11.1f %11.1f %13.1f %14.1f %zu/%zu\n", ps[i].name, ps[i].len, pes,
               td * 1e6, ps[i].len / td / 1e6, tr * 1e6, ps[i].len / tr / 1e6, exact, pes);
        sum_dec += td;
        sum_rt += tr;
        bytes += ps[i].len;
        all_pes += pes;
        all_exact += exact;
        if (i < n_ts48)
            sum_dec_ts48 += td;
    }
    printf("saip_profiles %zu\n", n);
    printf("saip_ts48_profiles %zu\n", n_ts48);
    printf("saip_decode_us_per_profile %.1f\n", sum_dec / (double)n * 1e6);
    printf("saip_decode_MBps %.1f\n", bytes / sum_dec / 1e6);
    if (n_ts48)
        printf("saip_decode_ts48_us_per_profile %.1f\n", sum_dec_ts48 / (double)n_ts48 * 1e6);
    printf("saip_roundtrip_us_per_profile %.1f\n", sum_rt / (double)n * 1e6);
    printf("saip_roundtrip_MBps %.1f\n", bytes / sum_rt / 1e6);
    printf("saip_reencoded_exactly %zu/%zu\n", all_exact, all_pes);
    if (all_exact != all_pes)
        rc = 1;
    for (size_t i = 0; i < n; i++) {
        esim_wipe(ps[i].der, ps[i].len);
        free(ps[i].der);
    }
    return rc;
}
