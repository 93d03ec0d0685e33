/* Streaming pcapng writer (see pcapng_write.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "esim/pcapng_write.h"

struct esim_pcapng_writer {
    FILE *f;
    int ifaces;
    bool failed;
};

static void put(esim_pcapng_writer *w, const void *d, size_t n)
{
    if (n && fwrite(d, 1, n, w->f) != n)
        w->failed = true;
}

static void u16(esim_pcapng_writer *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(w, b, 2);
}

static void u32(esim_pcapng_writer *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(w, b, 4);
}

static size_t pad4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

static size_t opt_len(const char *s)
{
    return s ? 4 + pad4(strlen(s)) : 0;
}

static void opt(esim_pcapng_writer *w, uint16_t code, const void *v, size_t n)
{
    static const uint8_t zero[4];
    u16(w, code);
    u16(w, (uint16_t)n);
    put(w, v, n);
    put(w, zero, pad4(n) - n);
}

static void opt_str(esim_pcapng_writer *w, uint16_t code, const char *s)
{
    if (s)
        opt(w, code, s, strlen(s));
}

esim_pcapng_writer *esim_pcapng_writer_new(FILE *f, const char *application, esim_error *err)
{
    esim_pcapng_writer *w = calloc(1, sizeof *w);
    if (!w) {
        esim_error_set(err, "out of memory");
        return NULL;
    }
    w->f = f;
    if (application && strlen(application) > 200)
        application = NULL;
    uint32_t len = (uint32_t)(28 + opt_len(application) + (application ? 4 : 0));
    u32(w, 0x0A0D0D0A);
    u32(w, len);
    u32(w, 0x1A2B3C4D);
    u16(w, 1);
    u16(w, 0);
    u32(w, 0xFFFFFFFF); /* section length: unknown */
    u32(w, 0xFFFFFFFF);
    if (application) {
        opt_str(w, 4, application); /* shb_userappl */
        u32(w, 0);                  /* opt_endofopt */
    }
    u32(w, len);
    return w;
}

int esim_pcapng_add_interface(esim_pcapng_writer *w, uint16_t linktype, const char *name,
                              const char *description)
{
    if (name && strlen(name) > 200)
        name = NULL;
    if (description && strlen(description) > 200)
        description = NULL;
    uint32_t len = (uint32_t)(20 + opt_len(name) + opt_len(description) + 8 + 4);
    u32(w, 1);
    u32(w, len);
    u16(w, linktype);
    u16(w, 0);
    u32(w, 0); /* snaplen: no limit */
    opt_str(w, 2, name);
    opt_str(w, 3, description);
    uint8_t resol = 9; /* if_tsresol: nanoseconds */
    opt(w, 9, &resol, 1);
    u32(w, 0);
    u32(w, len);
    return w->failed ? -1 : w->ifaces++;
}

int esim_pcapng_write_packet(esim_pcapng_writer *w, int iface, int64_t sec, uint32_t nsec,
                             const uint8_t *data, uint32_t caplen, uint32_t origlen,
                             const char *comment)
{
    if (comment && strlen(comment) > 1000)
        comment = NULL;
    static const uint8_t zero[4];
    uint32_t len = (uint32_t)(32 + pad4(caplen) + (comment ? opt_len(comment) + 4 : 0));
    uint64_t ts = (uint64_t)(sec < 0 ? 0 : sec) * 1000000000u + nsec;
    u32(w, 6);
    u32(w, len);
    u32(w, (uint32_t)iface);
    u32(w, (uint32_t)(ts >> 32));
    u32(w, (uint32_t)ts);
    u32(w, caplen);
    u32(w, origlen < caplen ? caplen : origlen);
    put(w, data, caplen);
    put(w, zero, pad4(caplen) - caplen);
    if (comment) {
        opt_str(w, 1, comment); /* opt_comment */
        u32(w, 0);
    }
    u32(w, len);
    return w->failed ? -1 : 0;
}

int esim_pcapng_writer_finish(esim_pcapng_writer *w, esim_error *err)
{
    if (fflush(w->f) != 0)
        w->failed = true;
    bool failed = w->failed;
    free(w);
    return failed ? esim_error_set(err, "write error") : 0;
}
