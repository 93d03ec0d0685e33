/* USB CDC encapsulated control messages (USB CDC 1.2, clause 6.2.1 / 6.2.2 / 6.3.1), the carrier
 * of MBIM and QMUX between a host and a modem's control interface: the host sends a message with
 * SEND_ENCAPSULATED_COMMAND (bmRequestType 21, bRequest 00, data stage OUT), the modem raises a
 * RESPONSE_AVAILABLE notification (A1 01) on its interrupt endpoint, and the host fetches the
 * answer with GET_ENCAPSULATED_RESPONSE (A1 01, data stage IN). Works on decoded usbmon / USBPcap
 * packets without USB descriptors: the class requests are recognised by their setup packets,
 * and an IN completion is matched to its request by URB / IRP id. */
#ifndef ESIM_USB_CDC_H
#define ESIM_USB_CDC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/ccid.h"

typedef enum {
    ESIM_CDC_NONE,      /* not an encapsulated message (or its data is still to come) */
    ESIM_CDC_COMMAND,   /* host to modem (SEND_ENCAPSULATED_COMMAND data) */
    ESIM_CDC_RESPONSE,  /* modem to host (GET_ENCAPSULATED_RESPONSE data) */
    ESIM_CDC_NOTIFY,    /* a CDC notification on the interrupt endpoint */
} esim_cdc_kind;

typedef struct esim_cdc_msg {
    esim_cdc_kind kind;
    uint16_t interface;        /* wIndex of the request (the control interface) */
    uint8_t notification;      /* NOTIFY: bNotification (01 = RESPONSE_AVAILABLE) */
    bool unmatched;            /* RESPONSE: its request was not in the capture (taken from an
                                * IN control completion; check the content before trusting) */
    const uint8_t *data;
    size_t len;
} esim_cdc_msg;

enum { ESIM_CDC_RESPONSE_AVAILABLE = 0x01 };

/* Requests whose data stage is still to come (GET_ENCAPSULATED_RESPONSE; USBPcap's OUT data
 * stage), for every device of a capture. */
typedef struct esim_cdc esim_cdc;
esim_cdc *esim_cdc_new(void);
void esim_cdc_free(esim_cdc *c);
/* Classifies one decoded USB packet; out->data points into the packet. */
esim_cdc_kind esim_cdc_packet(esim_cdc *c, const esim_usb_packet *u, esim_cdc_msg *out);
#endif
