#include "usb.h"
#include <string.h>

#define EP_OUT 0x02
#define EP_IN 0x82
#define IN_BUFFER 65546

static void le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void le32(uint8_t *p, uint32_t v)
{
    le16(p, (uint16_t)v);
    le16(p + 2, (uint16_t)(v >> 16));
}

static void le64(uint8_t *p, uint64_t v)
{
    le32(p, (uint32_t)v);
    le32(p + 4, (uint32_t)(v >> 32));
}

/* struct usbmon_packet of the mmapped interface (Linux Documentation/usb/usbmon.rst). */
static void usbmon(sg_reader *r, unsigned delay, uint64_t id, char type, uint8_t ep,
                   int32_t status, uint32_t length, const uint8_t *d, size_t n)
{
    static uint8_t f[64 + 70000];
    memset(f, 0, 64);
    uint64_t ts = *r->port->clock + delay;
    le64(f, id);
    f[8] = (uint8_t)type;
    f[9] = 3; /* bulk */
    f[10] = ep;
    f[11] = (uint8_t)r->dev;
    le16(f + 12, r->bus);
    f[14] = '-';                /* no setup packet */
    f[15] = n ? 0 : (ep & 0x80 ? '<' : '>');
    le64(f + 16, ts / 1000000);
    le32(f + 24, (uint32_t)(ts % 1000000));
    le32(f + 28, (uint32_t)status);
    le32(f + 32, length);
    le32(f + 36, (uint32_t)n);
    if (n)
        memcpy(f + 64, d, n);
    sg_port_emit(r->port, delay, f, 64 + n);
}

/* USBPcap packet header for a bulk transfer (USBPCAP_BUFFER_PACKET_HEADER, 27 bytes). */
static void usbpcap(sg_reader *r, unsigned delay, uint64_t irp, bool completion, uint8_t ep,
                    const uint8_t *d, size_t n)
{
    static uint8_t f[27 + 70000];
    le16(f, 27);
    le64(f + 2, irp);
    le32(f + 10, 0);            /* USBD_STATUS_SUCCESS */
    le16(f + 14, 0x0009);       /* URB_FUNCTION_BULK_OR_INTERRUPT_TRANSFER */
    f[16] = completion ? 1 : 0; /* PDO -> FDO */
    le16(f + 17, r->bus);
    le16(f + 19, r->dev);
    f[21] = ep;
    f[22] = 3;
    le32(f + 23, (uint32_t)n);
    if (n)
        memcpy(f + 27, d, n);
    sg_port_emit(r->port, delay, f, 27 + n);
}

/* Enumeration as a capture started before the reader was plugged in shows it: GET DESCRIPTOR
 * (device, configuration). The configuration announces a CCID interface (class 0x0B, CCID rev
 * 1.1 section 5.1) with its bulk endpoints, which is how analysers know the bulk data is CCID. */
static const uint8_t dev_desc[18] = {0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x09, 0x12,
                                     0x01, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, 0x01};
static const uint8_t cfg_desc[93] = {
    0x09, 0x02, 0x5D, 0x00, 0x01, 0x01, 0x00, 0x80, 0x32,             /* configuration */
    0x09, 0x04, 0x00, 0x00, 0x03, 0x0B, 0x00, 0x00, 0x00,             /* interface: CCID */
    0x36, 0x21, 0x10, 0x01, 0x00, 0x07, 0x03, 0x00, 0x00, 0x00,       /* CCID class: T=0, T=1 */
    0xA0, 0x0F, 0x00, 0x00, 0xA0, 0x0F, 0x00, 0x00, 0x00, 0x80, 0x25, 0x00, 0x00,
    0x80, 0x25, 0x00, 0x00, 0x00, 0xFE, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0xBA, 0x00, 0x01, 0x00,                   /* TPDU level exchange */
    0x0F, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01,
    0x07, 0x05, 0x02, 0x02, 0x40, 0x00, 0x00,                         /* bulk OUT */
    0x07, 0x05, 0x82, 0x02, 0x40, 0x00, 0x00,                         /* bulk IN */
    0x07, 0x05, 0x83, 0x03, 0x08, 0x00, 0x10,                         /* interrupt IN */
};

static void get_descriptor(sg_reader *r, uint8_t type, const uint8_t *desc, size_t n)
{
    uint8_t setup[8] = {0x80, 0x06, 0x00, type, 0x00, 0x00, (uint8_t)n, (uint8_t)(n >> 8)};
    uint64_t id = r->urb++;
    static uint8_t f[64 + 128];
    if (r->port->linktype == SG_LT_USBPCAP) {
        /* USBPcap control transfer: 28-byte header (with the stage), SETUP then COMPLETE */
        for (int stage = 0; stage < 2; stage++) {
            le16(f, 28);
            le64(f + 2, id);
            le32(f + 10, 0);
            le16(f + 14, 0x000B); /* URB_FUNCTION_GET_DESCRIPTOR_FROM_DEVICE */
            f[16] = (uint8_t)stage;
            le16(f + 17, r->bus);
            le16(f + 19, r->dev);
            f[21] = 0x80;
            f[22] = 2; /* control */
            le32(f + 23, (uint32_t)(stage ? n : 8));
            f[27] = stage ? 3 : 0; /* USBPCAP_CONTROL_STAGE_COMPLETE / _SETUP */
            memcpy(f + 28, stage ? desc : setup, stage ? n : 8);
            sg_port_emit(r->port, stage ? 900 : 200, f, 28 + (stage ? n : 8));
        }
        return;
    }
    for (int c = 0; c < 2; c++) {
        memset(f, 0, 64);
        uint64_t ts = *r->port->clock + (c ? 900 : 200);
        le64(f, id);
        f[8] = c ? 'C' : 'S';
        f[9] = 2; /* control */
        f[10] = 0x80;
        f[11] = (uint8_t)r->dev;
        le16(f + 12, r->bus);
        f[14] = c ? '-' : 0;
        f[15] = c ? 0 : '<';
        le64(f + 16, ts / 1000000);
        le32(f + 24, (uint32_t)(ts % 1000000));
        le32(f + 28, c ? 0 : (uint32_t)-115);
        le32(f + 32, (uint32_t)n);
        le32(f + 36, c ? (uint32_t)n : 0);
        if (!c)
            memcpy(f + 40, setup, 8);
        else
            memcpy(f + 64, desc, n);
        sg_port_emit(r->port, c ? 900 : 200, f, 64 + (c ? n : 0));
    }
}

static void bulk_out(sg_reader *r, const uint8_t *d, size_t n)
{
    uint64_t id = r->urb++;
    if (r->port->linktype == SG_LT_USBPCAP) {
        usbpcap(r, 300, id, false, EP_OUT, d, n);
        usbpcap(r, 150, id, true, EP_OUT, NULL, 0);
    } else {
        usbmon(r, 300, id, 'S', EP_OUT, -115, (uint32_t)n, d, n);
        usbmon(r, 150, id, 'C', EP_OUT, 0, (uint32_t)n, NULL, 0);
    }
}

static void bulk_in(sg_reader *r, unsigned card_time, const uint8_t *d, size_t n)
{
    uint64_t id = r->urb++;
    if (r->port->linktype == SG_LT_USBPCAP) {
        usbpcap(r, 40, id, false, EP_IN, NULL, 0);
        usbpcap(r, card_time, id, true, EP_IN, d, n);
    } else {
        usbmon(r, 40, id, 'S', EP_IN, -115, IN_BUFFER, NULL, 0);
        usbmon(r, card_time, id, 'C', EP_IN, 0, (uint32_t)n, d, n);
    }
}

static void ccid_pair(sg_reader *r, uint8_t type, const uint8_t *cmd, size_t n, const uint8_t *rsp,
                      size_t rn)
{
    static uint8_t m[10 + 66000];
    memset(m, 0, 10);
    m[0] = type;
    le32(m + 1, type == 0x62 ? 0 : (uint32_t)n);
    m[5] = 0; /* slot */
    m[6] = r->seq;
    if (type == 0x62)
        m[7] = 0x01; /* bPowerSelect: 5.0 V */
    else if (n)
        memcpy(m + 10, cmd, n);
    bulk_out(r, m, 10 + (type == 0x62 ? 0 : n));
    memset(m, 0, 10);
    m[0] = 0x80; /* RDR_to_PC_DataBlock */
    le32(m + 1, (uint32_t)rn);
    m[6] = r->seq;
    if (rn)
        memcpy(m + 10, rsp, rn);
    bulk_in(r, (unsigned)(800 + rn * 12), m, 10 + rn); /* the card's time grows with the data */
    r->seq++;
}

void sg_reader_init(sg_reader *r, sg_port *p, bool t1)
{
    memset(r, 0, sizeof *r);
    r->port = p;
    r->t1 = t1;
    r->bus = 1;
    r->dev = 5;
    r->urb = p->linktype == SG_LT_USBPCAP ? 0xFFFFA50C3E2B1010ull : 0xFFFF8F2D41C35E00ull;
    r->t1_max = 32; /* IFSD default (ISO 7816-3 11.4.2) until S(IFS) */
}

static size_t t1_block(uint8_t *b, uint8_t pcb, const uint8_t *inf, size_t n)
{
    b[0] = 0;   /* NAD */
    b[1] = pcb;
    b[2] = (uint8_t)n;
    if (n)
        memcpy(b + 3, inf, n);
    uint8_t lrc = 0;
    for (size_t i = 0; i < 3 + n; i++)
        lrc ^= b[i];
    b[3 + n] = lrc;
    return 4 + n;
}

void sg_reader_power_on(sg_reader *r, const uint8_t *atr, size_t len)
{
    get_descriptor(r, 1, dev_desc, sizeof dev_desc);
    get_descriptor(r, 2, cfg_desc, sizeof cfg_desc);
    ccid_pair(r, 0x62, NULL, 0, atr, len);
    if (r->t1) {
        uint8_t a[8], b[8], ifs = 254;
        size_t an = t1_block(a, 0xC1, &ifs, 1), bn = t1_block(b, 0xE1, &ifs, 1);
        ccid_pair(r, 0x6F, a, an, b, bn);
        r->t1_max = 254;
    }
}

static void t1_exchange(sg_reader *r, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    uint8_t hb[260], cb[260];
    size_t off = 0;
    /* host I-blocks; every chained one is acknowledged by an R-block */
    for (;;) {
        size_t k = n - off > r->t1_max ? r->t1_max : n - off;
        bool more = off + k < n;
        size_t hn = t1_block(hb, (uint8_t)(r->ns_host << 6 | (more ? 0x20 : 0)), cmd + off, k);
        r->ns_host ^= 1;
        off += k;
        if (more) {
            size_t cn = t1_block(cb, (uint8_t)(0x80 | r->ns_host << 4), NULL, 0);
            ccid_pair(r, 0x6F, hb, hn, cb, cn);
            continue;
        }
        /* the last host block is answered by the card's first I-block */
        size_t roff = 0;
        for (;;) {
            size_t rk = rn - roff > r->t1_max ? r->t1_max : rn - roff;
            bool rmore = roff + rk < rn;
            size_t cn = t1_block(cb, (uint8_t)(r->ns_card << 6 | (rmore ? 0x20 : 0)), rsp + roff, rk);
            r->ns_card ^= 1;
            roff += rk;
            ccid_pair(r, 0x6F, hb, hn, cb, cn);
            if (!rmore)
                return;
            hn = t1_block(hb, (uint8_t)(0x80 | r->ns_card << 4), NULL, 0);
        }
    }
}

void sg_reader_exchange(sg_reader *r, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    if (r->t1)
        t1_exchange(r, cmd, n, rsp, rn);
    else
        ccid_pair(r, 0x6F, cmd, n, rsp, rn);
}
