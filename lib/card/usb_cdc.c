/* CDC encapsulated messages on USB control transfers (see usb_cdc.h). */
#include <stdlib.h>
#include <string.h>
#include "esim/usb_cdc.h"

#define PENDING 64

enum { REQ_SEND = 0x00, REQ_GET = 0x01 };

typedef struct pending {
    bool used;
    uint64_t id;
    uint16_t bus, device, interface;
    uint8_t request;
} pending;

struct esim_cdc {
    pending p[PENDING];
    unsigned next;      /* round robin when the table is full (lost completions) */
};

esim_cdc *esim_cdc_new(void)
{
    return calloc(1, sizeof(esim_cdc));
}

void esim_cdc_free(esim_cdc *c)
{
    free(c);
}

static void remember(esim_cdc *c, const esim_usb_packet *u, uint8_t request, uint16_t iface)
{
    pending *slot = NULL;
    for (unsigned i = 0; i < PENDING && !slot; i++)
        if (!c->p[i].used)
            slot = &c->p[i];
    if (!slot) {
        slot = &c->p[c->next];
        c->next = (c->next + 1) % PENDING;
    }
    *slot = (pending){true, u->id, u->bus, u->device, iface, request};
}

static pending *take(esim_cdc *c, const esim_usb_packet *u)
{
    for (unsigned i = 0; i < PENDING; i++) {
        pending *q = &c->p[i];
        if (q->used && q->id == u->id && q->bus == u->bus && q->device == u->device) {
            q->used = false;
            return q;
        }
    }
    return NULL;
}

static esim_cdc_kind put(esim_cdc_msg *out, esim_cdc_kind k, uint16_t iface,
                         const esim_usb_packet *u)
{
    out->kind = k;
    out->interface = iface;
    out->data = u->data;
    out->len = u->len;
    return k;
}

esim_cdc_kind esim_cdc_packet(esim_cdc *c, const esim_usb_packet *u, esim_cdc_msg *out)
{
    memset(out, 0, sizeof *out);
    if (u->xfer_type == ESIM_USB_XFER_INTERRUPT) {
        /* notification header (CDC 6.3): bmRequestType A1, bNotification, wValue, wIndex,
         * wLength; it travels IN, so its data is in the completion */
        if (!u->completion || !(u->endpoint & 0x80) || u->len < 8 || u->data[0] != 0xA1)
            return ESIM_CDC_NONE;
        out->notification = u->data[1];
        return put(out, ESIM_CDC_NOTIFY, (uint16_t)(u->data[4] | u->data[5] << 8), u);
    }
    if (u->xfer_type != ESIM_USB_XFER_CONTROL)
        return ESIM_CDC_NONE;
    if (u->has_setup) {
        const uint8_t *s = u->setup;
        uint16_t iface = (uint16_t)(s[4] | s[5] << 8);
        if (s[0] == 0x21 && s[1] == REQ_SEND) {
            if (u->len) /* usbmon: the OUT data travels with the submission */
                return put(out, ESIM_CDC_COMMAND, iface, u);
            remember(c, u, REQ_SEND, iface); /* USBPcap: a DATA stage packet follows */
        } else if (s[0] == 0xA1 && s[1] == REQ_GET) {
            remember(c, u, REQ_GET, iface);
        }
        return ESIM_CDC_NONE;
    }
    if (!u->completion) { /* USBPcap DATA stage of an OUT request */
        pending *q = u->len ? take(c, u) : NULL;
        if (q && q->request == REQ_SEND)
            return put(out, ESIM_CDC_COMMAND, q->interface, u);
        return ESIM_CDC_NONE;
    }
    pending *q = take(c, u); /* also forgets a request completed without data */
    if (!u->len)
        return ESIM_CDC_NONE;
    if (q)
        return q->request == REQ_GET ? put(out, ESIM_CDC_RESPONSE, q->interface, u)
                                     : ESIM_CDC_NONE;
    if (!(u->endpoint & 0x80))
        return ESIM_CDC_NONE;
    put(out, ESIM_CDC_RESPONSE, 0, u);
    out->unmatched = true;
    return ESIM_CDC_RESPONSE;
}
