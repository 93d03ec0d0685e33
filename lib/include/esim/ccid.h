/* Smart-card readers on USB: the capture headers of Linux usbmon (LINKTYPE_USB_LINUX 189, 48
 * bytes; LINKTYPE_USB_LINUX_MMAPPED 220, 64 bytes) and Windows USBPcap (LINKTYPE_USBPCAP 249,
 * variable header), then USB CCID (rev 1.1) bulk messages: PC_to_RDR_XfrBlock /
 * RDR_to_PC_DataBlock paired by bSeq, PC_to_RDR_IccPowerOn (ATR), SetParameters (protocol), and
 * below them T=0 TPDUs, short/extended APDUs or ISO 7816-3 T=1 blocks (I-block chaining, R- and
 * S-blocks), delivered as command/response pairs to an APDU context. */
#ifndef ESIM_CCID_H
#define ESIM_CCID_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/error.h"
#include "esim/t1.h"

enum { ESIM_USB_XFER_ISO = 0, ESIM_USB_XFER_INTERRUPT = 1, ESIM_USB_XFER_CONTROL = 2,
       ESIM_USB_XFER_BULK = 3 };

typedef struct esim_usb_packet {
    uint8_t xfer_type;    /* ESIM_USB_XFER_* */
    uint8_t endpoint;     /* with the direction bit 0x80 = IN (device to host) */
    bool completion;      /* URB completion (usbmon 'C', USBPcap PDO-to-FDO) vs submission */
    uint16_t bus, device;
    int32_t status;
    const uint8_t *data;  /* transfer data captured in this packet (after a USBPcap setup) */
    size_t len;
    uint64_t id;          /* URB id (usbmon) / IRP id (USBPcap): pairs submission and completion */
    bool has_setup;       /* control transfer: the 8-byte setup packet was captured (setup) */
    uint8_t setup[8];
    int stage;            /* USBPcap control transfer stage (0 setup, 1 data, 2 status,
                           * 3 complete); -1 when not given */
} esim_usb_packet;

/* Decodes a usbmon or USBPcap packet header. */
int esim_usb_decode(uint32_t linktype, const uint8_t *p, size_t len, esim_usb_packet *out,
                    esim_error *err);
/* True when the packet carries bulk data that travelled: OUT data at submission, IN data at
 * completion (both in usbmon and USBPcap). *to_device tells the direction. */
bool esim_usb_bulk_payload(const esim_usb_packet *u, bool *to_device);

/* True when the bytes look like one CCID message of a known type whose dwLength matches. */
bool esim_ccid_looks_like(const uint8_t *d, size_t n, bool to_device);

/* CCID + T=1 state of one reader (one USB device): pairing by bSeq per slot, T=1 chains. */
typedef struct esim_ccid esim_ccid;
esim_ccid *esim_ccid_new(esim_apdu_ctx *apdu);
void esim_ccid_free(esim_ccid *c);
/* Each card slot (bSlot) holds its own card: the exchanges of slot N go to ctx_of(user, N)
 * (created on first use; NULL drops them) instead of the reader's context. */
void esim_ccid_slot_cards(esim_ccid *c, esim_apdu_ctx *(*ctx_of)(void *user, unsigned slot),
                          void *user);
/* One bulk transfer's data (a CCID message, or a part of one). Returns -1 with err for a
 * malformed message; the reader stays usable. */
int esim_ccid_feed(esim_ccid *c, uint64_t frame, int64_t sec, uint32_t nsec, bool to_device,
                   const uint8_t *d, size_t n, esim_error *err);

/* The protocol below the CCID messages of one slot: from PC_to_RDR_SetParameters /
 * RDR_to_PC_Parameters (bProtocolNum; for T=1 bmTCCKST1 bit 0 = CRC epilogue), otherwise
 * learned from the first exchange whose command and response are both valid T=1 blocks. A
 * power-on forgets a learned protocol (not a negotiated one). */
enum { ESIM_CCID_PROTO_UNKNOWN = 0, ESIM_CCID_PROTO_T0, ESIM_CCID_PROTO_T1 };
typedef struct esim_ccid_proto {
    uint8_t proto;          /* ESIM_CCID_PROTO_* */
    bool negotiated;        /* from a Parameters message */
    uint8_t edc_size;       /* T=1 epilogue: 1 LRC, 2 CRC */
} esim_ccid_proto;
void esim_ccid_proto_init(esim_ccid_proto *p);
/* Applies one whole CCID message (header included) of the slot. */
void esim_ccid_proto_message(esim_ccid_proto *p, bool to_device, const uint8_t *m, size_t n);
/* Whether XfrBlock / DataBlock data are to be read as a T=1 block: always on a T=1 slot (a
 * malformed block included), on a slot of unknown protocol when they look like one. */
bool esim_ccid_proto_is_t1(const esim_ccid_proto *p, const uint8_t *d, size_t n);
/* A command and its response were valid T=1 blocks. */
void esim_ccid_proto_learn_t1(esim_ccid_proto *p);
#endif
