/* Private to lib/capture*.c: the byte source and reader state shared by the pcap and pcapng
 * parsers. */
#ifndef ESIM_CAPTURE_INTERNAL_H
#define ESIM_CAPTURE_INTERNAL_H
#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>
#include "esim/capture.h"

/* Largest block: one packet plus room for pcapng block headers and options. */
#define ESIM_CAPTURE_BUF (ESIM_CAPTURE_MAX_PACKET + 65536u)
/* Read-ahead window of a file source: records are handed out from it without copying, and it
 * is refilled by large reads (a block never spans more than one refill). */
#define ESIM_CAPTURE_WINDOW (ESIM_CAPTURE_BUF + (1u << 20))
/* A plain (not gzip) regular file is mapped instead, this much at a time (a multiple of the
 * page size, larger than a block plus a page). */
#define ESIM_CAPTURE_MAP_WINDOW (4u << 20)
/* Interfaces per pcapng section (an IDB beyond this is malformed input for us). */
#define ESIM_CAPTURE_MAX_IFACES 4096u

typedef struct capture_iface {
    uint32_t linktype;
    uint32_t snaplen;
    bool ts_pow2;     /* if_tsresol: units are 2^-exp s instead of 10^-exp s */
    uint8_t ts_exp;   /* 6 (microseconds) unless if_tsresol says otherwise */
    int64_t ts_offset; /* if_tsoffset, seconds */
} capture_iface;

struct esim_capture {
    gzFile gz;            /* file source, or NULL */
    const uint8_t *mem;   /* memory source, or the read-ahead window of the file source */
    size_t mem_len, mem_pos; /* bytes in mem, bytes of them consumed */
    uint8_t *window;      /* ESIM_CAPTURE_WINDOW bytes (gzip, stdin, not a regular file) */
    int map_fd;           /* mapped file, or -1 */
    uint64_t map_size;    /* its size when opened */
    uint64_t map_off;     /* file offset of mem (page-aligned) */
    uint64_t offset;      /* bytes consumed, for messages */
    esim_capture_format format;
    bool swap;            /* file byte order differs from little-endian reading */
    uint64_t frame;
    /* pcap */
    uint32_t pcap_linktype, pcap_snaplen;
    bool pcap_nsec;
    /* pcapng: interfaces of the current section */
    capture_iface *ifaces;
    uint32_t n_ifaces, cap_ifaces;
    bool in_section;
    uint8_t first[4];     /* the magic read by open(), not yet consumed by the pcapng parser */
    bool have_first;
    esim_capture_secrets_cb secrets_cb; /* pcapng Decryption Secrets Blocks go here */
    void *secrets_user;

    uint64_t empty_run, empty_run_first; /* consecutive empty frames, and the first of them */

    struct log_reader *log; /* ESIM_CAPTURE_LOG: the log reader (log_internal.h) */
};

/* Consumes up to n bytes (n <= ESIM_CAPTURE_BUF) without copying: *p points at them until the
 * next take/read/skip. Returns the count (< n only at end of input) or -1 on I/O error. */
long capture_take(esim_capture *c, size_t n, const uint8_t **p, esim_error *err);
/* Reads up to n bytes; returns the count read (< n only at end of input) or -1 on I/O error. */
long capture_read(esim_capture *c, void *dst, size_t n, esim_error *err);
/* Like capture_take, but the bytes stay unconsumed (the next take returns them again). */
long capture_peek(esim_capture *c, size_t n, const uint8_t **p, esim_error *err);
/* Skips n bytes; -1 (with "truncated" message) if the input ends first. */
int capture_skip(esim_capture *c, uint64_t n, esim_error *err);
static inline uint16_t capture_u16(const esim_capture *c, const uint8_t *p)
{
    return c->swap ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static inline uint32_t capture_u32(const esim_capture *c, const uint8_t *p)
{
    if (c->swap)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int capture_pcap_header(esim_capture *c, const uint8_t hdr[4], esim_error *err);
int capture_pcap_next(esim_capture *c, esim_packet *pkt, esim_error *err);
int capture_pcapng_next(esim_capture *c, esim_packet *pkt, esim_error *err);
#endif
