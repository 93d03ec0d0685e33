/* The capture pipeline: routes each packet of a capture to its carrier — GSMTAP-SIM (UDP 4729),
 * a USB CCID reader (usbmon/USBPcap), a modem's MBIM or QMI control messages (USB CDC
 * encapsulated commands/responses, usbmon/USBPcap), or TCP reassembly + HTTP — and keeps one
 * APDU context per card (GSMTAP source address and port, USB bus and device, CCID or QMI slot).
 * Output through callbacks. */
#ifndef ESIM_CAPTURE_PIPE_H
#define ESIM_CAPTURE_PIPE_H
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/capture.h"
#include "esim/http.h"
#include "esim/tls.h"

#define ESIM_PIPE_MAX_CARDS 32

typedef enum { ESIM_CARD_GSMTAP, ESIM_CARD_USB, ESIM_CARD_MBIM, ESIM_CARD_QMI } esim_card_kind;

typedef struct esim_card_info {
    unsigned index;       /* 0, 1, ... in order of first appearance */
    esim_card_kind kind;
    char name[64];        /* "gsmtap 127.0.0.1:60888", "usb 1.5", "usb 1.7 mbim", "usb 1.7 qmi" */
} esim_card_info;

typedef struct esim_pipe_handlers {
    void (*apdu)(const esim_apdu_event *ev, const esim_card_info *card, void *user);
    void (*http)(const esim_http_event *ev, void *user);
    /* a packet that could not be decoded (the pipeline goes on) */
    void (*warning)(uint64_t frame, const char *msg, void *user);
    void *user;
    /* TLS (tls.h): every TCP flow passes the TLS layer before HTTP. A connection whose
     * application data could not be read is reported here (NULL: not reported). */
    void (*tls)(const esim_tls_report *r, void *user);
    /* TLS secrets (NULL: only those of the capture's pcapng Decryption Secrets Blocks, which
     * esim_pipe_secrets also adds to this key log when given). */
    esim_tls_keylog *tls_keys;
} esim_pipe_handlers;

typedef struct esim_pipe_stats {
    uint64_t packets, gsmtap, ccid, tcp, other, warnings;
    unsigned cards;
    uint64_t tls_connections, tls_decrypted, tls_unreadable; /* TLS flows: all, read, reported */
    uint64_t modem;       /* MBIM / QMUX messages of modems */
} esim_pipe_stats;

typedef struct esim_pipe esim_pipe;

esim_pipe *esim_pipe_new(const esim_pipe_handlers *h);
void esim_pipe_packet(esim_pipe *p, const esim_packet *pk);
/* End of input: flushes pending exchanges and TCP flows. */
void esim_pipe_finish(esim_pipe *p);
const esim_pipe_stats *esim_pipe_get_stats(const esim_pipe *p);
void esim_pipe_free(esim_pipe *p);

/* An esim_capture_secrets_cb (esim_capture_on_secrets(capture, esim_pipe_secrets, pipe)): TLS
 * key log secrets of a pcapng Decryption Secrets Block are added to the pipe's key log. */
void esim_pipe_secrets(uint32_t type, const uint8_t *data, size_t len, void *pipe);

/* Reads a whole capture file ("-" = stdin) through a pipeline. Returns 0, or -1 when the file
 * cannot be read or is malformed (err; events up to that point were delivered). */
int esim_pipe_run_file(const char *path, const esim_pipe_handlers *h, esim_pipe_stats *stats,
                       esim_error *err);
#endif
