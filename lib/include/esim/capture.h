/* Streaming capture-file reader: pcap (both byte orders, micro/nanosecond) and pcapng (several
 * sections, per-interface link type and timestamp resolution), gzip-compressed or not, one packet
 * at a time in constant memory. See docs/capture-input.md for why this is not libpcap. */
#ifndef ESIM_CAPTURE_H
#define ESIM_CAPTURE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/error.h"

/* Largest captured packet accepted; a larger one is reported as malformed input. */
#define ESIM_CAPTURE_MAX_PACKET (256u * 1024u)
/* This many empty or zero-filled frames in a row end the capture as damaged (esim_capture_next
 * returns -1): no capture tool writes them, a zero-filled or bombed file is made of them. */
#define ESIM_CAPTURE_MAX_EMPTY_RUN 1000u

typedef enum { ESIM_CAPTURE_PCAP, ESIM_CAPTURE_PCAPNG, ESIM_CAPTURE_LOG } esim_capture_format;

/* Link types (LINKTYPE_* of the tcpdump.org registry) this project decodes. */
enum {
    ESIM_LINKTYPE_NULL = 0,
    ESIM_LINKTYPE_ETHERNET = 1,
    ESIM_LINKTYPE_RAW_12 = 12, /* DLT_RAW on some BSDs */
    ESIM_LINKTYPE_RAW_14 = 14, /* DLT_RAW on OpenBSD */
    ESIM_LINKTYPE_RAW = 101,
    ESIM_LINKTYPE_LINUX_SLL = 113,
    ESIM_LINKTYPE_USB_LINUX = 189,
    ESIM_LINKTYPE_USB_LINUX_MMAPPED = 220,
    ESIM_LINKTYPE_IPV4 = 228,
    ESIM_LINKTYPE_IPV6 = 229,
    ESIM_LINKTYPE_USBPCAP = 249,
    ESIM_LINKTYPE_LINUX_SLL2 = 276,
};

/* Not a link type of the registry: a note of the log reader (esim/log.h) about a line it could
 * not use; data is the NUL-terminated text, frame the line number. */
#define ESIM_LINKTYPE_LOG_NOTE 0x10000u

/* One packet. data stays valid until the next esim_capture_next() or close. */
typedef struct esim_packet {
    uint64_t frame;    /* 1-based, counted over the whole file like Wireshark's frame.number */
    int64_t ts_sec;    /* seconds since the epoch (pcapng if_tsoffset applied) */
    uint32_t ts_nsec;  /* 0..999999999 */
    uint32_t linktype; /* LINKTYPE_* */
    uint32_t iface;    /* pcapng interface id within its section (0 for pcap) */
    uint32_t caplen;   /* bytes in data */
    uint32_t origlen;  /* bytes on the wire */
    const uint8_t *data;
    /* Packets made from a log (esim/log.h): frame is the first line the packet was built from,
     * line_last the last one; iface is the card slot (1 = SLOT_1), 0 for the LPA's HTTP. */
    bool from_log;
    uint64_t line_last;
} esim_packet;

typedef struct esim_capture esim_capture;

/* Opens a capture file ("-" = standard input), gzip-compressed or not. NULL + err on failure. */
esim_capture *esim_capture_open(const char *path, esim_error *err);
/* Reads from memory (not copied; must outlive the reader). No gzip. For tests and fuzzing. */
esim_capture *esim_capture_open_mem(const uint8_t *buf, size_t len, esim_error *err);
/* Next packet: 1 = *pkt filled, 0 = end of file, -1 = malformed/truncated input or a run of
 * ESIM_CAPTURE_MAX_EMPTY_RUN empty frames (err says where).
 * Unknown pcapng blocks are skipped. No allocation per packet. */
int esim_capture_next(esim_capture *c, esim_packet *pkt, esim_error *err);
esim_capture_format esim_capture_get_format(const esim_capture *c);

/* pcapng Decryption Secrets Block (block type 0x0000000A, what `editcap --inject-secrets` writes):
 * secrets type and data. A block larger than the reader's buffer arrives with data NULL and len =
 * its secrets length (skipped). */
#define ESIM_SECRETS_TLS_KEYLOG 0x544C534Bu /* "TLSK": NSS key log text */
typedef void (*esim_capture_secrets_cb)(uint32_t type, const uint8_t *data, size_t len,
                                        void *user);
/* Decryption Secrets Blocks read from here on go to cb (without it they are skipped). */
void esim_capture_on_secrets(esim_capture *c, esim_capture_secrets_cb cb, void *user);

/* Inputs other than captures: phone and LPA logs (esim/log.h), read as packets of a synthetic
 * capture (GSMTAP-SIM over UDP for the card, TCP for the LPA's HTTP). */
typedef struct esim_log_stats {
    uint64_t lines;      /* lines read */
    uint64_t records;    /* lines that carried an APDU, an HTTP message or part of one */
    uint64_t skipped;    /* lines of other content, skipped */
    uint64_t notes;      /* malformed or inconsistent lines (each one a note packet) */
    uint64_t exchanges;  /* command/response exchanges made into packets */
} esim_log_stats;

typedef struct esim_capture_opts {
    int log_format;      /* esim_log_format: ESIM_LOG_AUTO = detect from the content */
    int64_t log_day;     /* midnight UTC (epoch seconds) for log times without a date (QXDM) */
    /* out, filled while reading */
    int detected;        /* esim_log_format read; ESIM_LOG_CAPTURE for pcap/pcapng */
    esim_log_stats stats;
} esim_capture_opts;

/* As esim_capture_open(_mem), with a log format (or detection) and its options. o (may be
 * NULL) must outlive the reader: its out fields are updated while reading. */
esim_capture *esim_capture_open_ex(const char *path, esim_capture_opts *o, esim_error *err);
esim_capture *esim_capture_open_mem_ex(const uint8_t *buf, size_t len, esim_capture_opts *o,
                                       esim_error *err);
void esim_capture_close(esim_capture *c);
#endif
