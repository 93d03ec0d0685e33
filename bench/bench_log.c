/* bench_log: the log reader alone (esim/log.h): lines read and packets made per second from a
 * log file, without the pipeline behind it. Prints "<format> <lines> <packets> <seconds>".
 *   bench_log FILE [FORMAT] */
#include <stdio.h>
#include <time.h>
#include "esim/capture.h"
#include "esim/log.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_log FILE [FORMAT]\n");
        return 2;
    }
    esim_capture_opts co = {0};
    esim_log_format f = ESIM_LOG_AUTO;
    if (argc > 2 && esim_log_format_parse(argv[2], &f) != 0) {
        fprintf(stderr, "bench_log: unknown format %s\n", argv[2]);
        return 2;
    }
    co.log_format = f;
    esim_error err;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    esim_capture *c = esim_capture_open_ex(argv[1], &co, &err);
    if (!c) {
        fprintf(stderr, "bench_log: %s\n", err.msg);
        return 2;
    }
    esim_packet pk;
    unsigned long long packets = 0, bytes = 0;
    int r;
    while ((r = esim_capture_next(c, &pk, &err)) == 1) {
        packets++;
        bytes += pk.caplen;
    }
    esim_capture_close(c);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (r < 0) {
        fprintf(stderr, "bench_log: %s\n", err.msg);
        return 1;
    }
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%s %llu %llu %.3f %llu\n", esim_log_format_name((esim_log_format)co.detected),
           (unsigned long long)co.stats.lines, packets, s, bytes);
    return 0;
}
