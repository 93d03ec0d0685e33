#include "modem.h"
#include "card_apdu.h"
#include <stdlib.h>
#include <string.h>

#define EP_NOTIFY 0x81
#define IFACE 0              /* the control interface (MBIM / QMI) */
#define MBIM_MAX_CTRL 256    /* the MBIM function's wMaxControlMessage (MBIM 1.0 6.4, >= 64) */
#define QMI_MAX_RESPONSE 4096 /* cdc-wdm's default read size for QMI */
#define UIM_SLOT 1

typedef struct modem {
    sg_port *port;
    sg_modem_kind kind;
    uint64_t urb;
    uint64_t int_urb;        /* the interrupt URB the host keeps submitted */
    uint32_t mbim_tid;
    uint16_t qmi_tid;
    uint8_t qmi_client;
    uint8_t channel;         /* the ISD-R channel the modem opened */
    uint8_t *msg;            /* message under construction */
    size_t n, cap;
} modem;

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

/* USBPcap packet (USBPCAP_BUFFER_PACKET_HEADER; control transfers add the stage byte). */
static void usbpcap(modem *m, unsigned delay, uint64_t irp, bool completion, uint8_t xfer,
                    uint8_t ep, int stage, const uint8_t *d, size_t n)
{
    static uint8_t f[28 + 8192];
    size_t hl = stage >= 0 ? 28 : 27;
    memset(f, 0, hl);
    le16(f, (uint16_t)hl);
    le64(f + 2, irp);
    le16(f + 14, xfer == 2 ? 0x001B : 0x0009); /* URB_FUNCTION_CLASS_INTERFACE / _BULK_OR_INTERRUPT_TRANSFER */
    f[16] = completion ? 1 : 0;                /* PDO -> FDO */
    le16(f + 17, 1);
    le16(f + 19, 7);
    f[21] = ep;
    f[22] = xfer;
    le32(f + 23, (uint32_t)n);
    if (stage >= 0)
        f[27] = (uint8_t)stage;
    if (n)
        memcpy(f + hl, d, n);
    sg_port_emit(m->port, delay, f, hl + n);
}

/* One URB as USBPcap logs it: a control submission as its SETUP stage (and the OUT data as a
 * DATA stage), a control completion as the COMPLETE stage with the IN data. */
static void usbpcap_urb(modem *m, unsigned delay, uint64_t id, char type, uint8_t xfer,
                        uint8_t ep, const uint8_t *setup, const uint8_t *d, size_t n)
{
    if (xfer != 2) {
        usbpcap(m, delay, id, type == 'C', xfer, ep, -1, d, n);
        return;
    }
    if (type == 'S') {
        usbpcap(m, delay, id, false, xfer, ep, 0, setup, 8);
        if (n)
            usbpcap(m, 10, id, false, xfer, ep, 1, d, n);
        return;
    }
    usbpcap(m, delay, id, true, xfer, ep, 3, d, n);
}

/* struct usbmon_packet (mmapped, 64 bytes); setup != NULL: a control submission. */
static void urb(modem *m, unsigned delay, uint64_t id, char type, uint8_t xfer, uint8_t ep,
                const uint8_t *setup, int32_t status, uint32_t length, const uint8_t *d, size_t n)
{
    if (m->port->linktype == SG_LT_USBPCAP) {
        usbpcap_urb(m, delay, id, type, xfer, ep, setup, d, n);
        return;
    }
    static uint8_t f[64 + 8192];
    memset(f, 0, 64);
    uint64_t ts = *m->port->clock + delay;
    le64(f, id);
    f[8] = (uint8_t)type;
    f[9] = xfer;
    f[10] = ep;
    f[11] = 7;                   /* device 1.7: the modem */
    le16(f + 12, 1);
    f[14] = setup ? 0 : '-';
    f[15] = n ? 0 : (ep & 0x80 ? '<' : '>');
    le64(f + 16, ts / 1000000);
    le32(f + 24, (uint32_t)(ts % 1000000));
    le32(f + 28, (uint32_t)status);
    le32(f + 32, length);
    le32(f + 36, (uint32_t)n);
    if (setup)
        memcpy(f + 40, setup, 8);
    if (xfer == 1)
        le32(f + 48, 9);         /* interval of the notification endpoint */
    if (n)
        memcpy(f + 64, d, n);
    sg_port_emit(m->port, delay, f, 64 + n);
}

/* SEND_ENCAPSULATED_COMMAND (CDC 6.2.1) with one message. */
static void send_encapsulated(modem *m, const uint8_t *d, size_t n)
{
    uint8_t setup[8] = {0x21, 0x00, 0x00, 0x00, IFACE, 0x00, (uint8_t)n, (uint8_t)(n >> 8)};
    uint64_t id = m->urb++;
    urb(m, 250, id, 'S', 2, 0x00, setup, -115, (uint32_t)n, d, n);
    urb(m, 120, id, 'C', 2, 0x00, NULL, 0, (uint32_t)n, NULL, 0);
}

/* RESPONSE_AVAILABLE (CDC 6.3.1) on the interrupt endpoint, the host's new interrupt URB, then
 * GET_ENCAPSULATED_RESPONSE (CDC 6.2.2) returning one message. */
static void get_encapsulated(modem *m, unsigned card_time, const uint8_t *d, size_t n)
{
    static const uint8_t notify[8] = {0xA1, 0x01, 0x00, 0x00, IFACE, 0x00, 0x00, 0x00};
    urb(m, card_time, m->int_urb, 'C', 1, EP_NOTIFY, NULL, 0, 8, notify, 8);
    m->int_urb = m->urb++;
    urb(m, 30, m->int_urb, 'S', 1, EP_NOTIFY, NULL, -115, 8, NULL, 0);
    uint16_t want = m->kind == SG_MODEM_MBIM ? MBIM_MAX_CTRL : QMI_MAX_RESPONSE;
    uint8_t setup[8] = {0xA1, 0x01, 0x00, 0x00, IFACE, 0x00, (uint8_t)want, (uint8_t)(want >> 8)};
    uint64_t id = m->urb++;
    urb(m, 60, id, 'S', 2, 0x80, setup, -115, want, NULL, 0);
    urb(m, 180, id, 'C', 2, 0x80, NULL, 0, (uint32_t)n, d, n);
}

/* ---- building messages ---- */

static void reset_msg(modem *m)
{
    m->n = 0;
}

static uint8_t *grow(modem *m, size_t k)
{
    if (m->n + k > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        while (cap < m->n + k)
            cap *= 2;
        m->msg = realloc(m->msg, cap);
        m->cap = cap;
    }
    uint8_t *p = m->msg + m->n;
    memset(p, 0, k);
    m->n += k;
    return p;
}

static void put32(modem *m, uint32_t v)
{
    le32(grow(m, 4), v);
}

static void put_bytes(modem *m, const uint8_t *d, size_t n)
{
    if (n)
        memcpy(grow(m, n), d, n);
}

/* ---- MBIM ---- */

static const uint8_t uuid_uicc[16] = {0xC2, 0xF6, 0x58, 0x8E, 0xF0, 0x37, 0x4B, 0xC9,
                                      0x86, 0x65, 0xF4, 0xD4, 0x4B, 0xD0, 0x93, 0x67};

/* Sends one MBIM message in fragments of at most MBIM_MAX_CTRL bytes (MBIM 1.0 9.2: each
 * fragment carries the message header with its own length and the fragment header). body:
 * everything after the fragment header. */
static void mbim_send(modem *m, bool to_device, uint32_t type, uint32_t tid, const uint8_t *body,
                      size_t n, unsigned card_time)
{
    size_t room = MBIM_MAX_CTRL - 20;
    uint32_t total = (uint32_t)((n + room - 1) / room);
    if (!total)
        total = 1;
    uint8_t f[MBIM_MAX_CTRL];
    for (uint32_t i = 0; i < total; i++) {
        size_t k = n - i * room > room ? room : n - i * room;
        le32(f, type);
        le32(f + 4, (uint32_t)(20 + k));
        le32(f + 8, tid);
        le32(f + 12, total);
        le32(f + 16, i);
        memcpy(f + 20, body + i * room, k);
        if (to_device)
            send_encapsulated(m, f, 20 + k);
        else
            get_encapsulated(m, i ? 400 : card_time, f, 20 + k);
    }
}

/* COMMAND (set/query) of the UICC service with the info buffer in m->msg, then COMMAND_DONE
 * with the answer's info buffer in rinfo. */
static void mbim_exchange(modem *m, uint32_t cid, bool set, const uint8_t *rinfo, size_t rn,
                          unsigned card_time)
{
    uint32_t tid = ++m->mbim_tid;
    size_t in = m->n;
    uint8_t *b = malloc(28 + (in > rn ? in : rn));
    memcpy(b, uuid_uicc, 16);
    le32(b + 16, cid);
    le32(b + 20, set ? 1 : 0);
    le32(b + 24, (uint32_t)in);
    if (in)
        memcpy(b + 28, m->msg, in);
    mbim_send(m, true, 3, tid, b, 28 + in, 0);
    le32(b + 20, 0); /* MBIM_STATUS_SUCCESS */
    le32(b + 24, (uint32_t)rn);
    if (rn)
        memcpy(b + 28, rinfo, rn);
    mbim_send(m, false, 0x80000003u, tid, b, 28 + rn, card_time);
    free(b);
}

/* (size, offset) byte arrays of the UICC service, data padded to 4 bytes after the fixed part. */
static void uicc_array(uint8_t *fixed_at, size_t data_off, size_t n)
{
    le32(fixed_at, (uint32_t)n);
    le32(fixed_at + 4, n ? (uint32_t)data_off : 0);
}

static size_t pad4(size_t n) { return (n + 3) & ~(size_t)3; }

static void mbim_open(modem *m)
{
    uint8_t open[16], done[16];
    le32(open, 1);
    le32(open + 4, 16);
    le32(open + 8, ++m->mbim_tid);
    le32(open + 12, MBIM_MAX_CTRL);
    send_encapsulated(m, open, 16);
    le32(done, 0x80000001u);
    le32(done + 4, 16);
    le32(done + 8, m->mbim_tid);
    le32(done + 12, 0);
    get_encapsulated(m, 3000, done, 16);
}

static void mbim_atr(modem *m, const uint8_t *atr, size_t n)
{
    reset_msg(m);
    uint8_t r[8 + 64];
    memset(r, 0, sizeof r);
    uicc_array(r, 8, n);
    memcpy(r + 8, atr, n);
    mbim_exchange(m, 1, false, r, 8 + pad4(n), 900);
}

static void mbim_open_channel(modem *m, const uint8_t *aid, size_t an, const uint8_t *sel,
                              size_t sn, uint16_t sw)
{
    reset_msg(m);
    uint8_t *f = grow(m, 16);
    uicc_array(f, 16, an);
    le32(f + 8, 0x00);   /* SelectP2Arg: return FCI */
    le32(f + 12, 1);     /* ChannelGroup */
    put_bytes(m, aid, an);
    grow(m, pad4(an) - an);
    uint8_t *r = calloc(1, 16 + pad4(sn));
    le32(r, (uint32_t)(sw >> 8 | (sw & 0xFF) << 8)); /* SW1, SW2 in a little-endian UINT32 */
    le32(r + 4, m->channel);
    uicc_array(r + 8, 16, sn);
    memcpy(r + 16, sel, sn);
    mbim_exchange(m, 2, true, r, 16 + pad4(sn), 2500);
    free(r);
}

static void mbim_close_channel(modem *m)
{
    reset_msg(m);
    put32(m, m->channel);
    put32(m, 1);
    uint8_t r[4];
    le32(r, 0x0090);
    mbim_exchange(m, 3, true, r, 4, 1200);
}

static void mbim_apdu(modem *m, uint8_t channel, const uint8_t *cmd, size_t n,
                      const uint8_t *rsp, size_t rn)
{
    reset_msg(m);
    uint8_t *f = grow(m, 20);
    le32(f, channel);
    le32(f + 4, 0);      /* SecureMessaging: none */
    le32(f + 8, 1);      /* ClassByteType: interindustry (ISO/IEC 7816-4) */
    uicc_array(f + 12, 20, n);
    put_bytes(m, cmd, n);
    grow(m, pad4(n) - n);
    size_t dn = rn - 2;
    uint8_t *r = calloc(1, 12 + pad4(dn));
    le32(r, (uint32_t)(rsp[dn] | rsp[dn + 1] << 8));
    uicc_array(r + 4, 12, dn);
    if (dn)
        memcpy(r + 12, rsp, dn);
    mbim_exchange(m, 4, true, r, 12 + pad4(dn), (unsigned)(900 + (n + rn) * 12));
    free(r);
}

/* ---- QMI ---- */

static void qmux_begin(modem *m, bool from_host, uint8_t service, uint8_t client, uint8_t flags,
                       uint16_t tid, uint16_t msg_id)
{
    reset_msg(m);
    uint8_t *h = grow(m, service ? 13 : 12);
    h[0] = 0x01;
    h[3] = from_host ? 0x00 : 0x80;
    h[4] = service;
    h[5] = client;
    h[6] = flags;
    if (service) {
        le16(h + 7, tid);
        le16(h + 9, msg_id);
    } else {
        h[7] = (uint8_t)tid;
        le16(h + 8, msg_id);
    }
}

static void qmux_tlv(modem *m, uint8_t type, const uint8_t *v, size_t n)
{
    uint8_t *t = grow(m, 3 + n);
    t[0] = type;
    le16(t + 1, (uint16_t)n);
    if (n)
        memcpy(t + 3, v, n);
}

static void qmux_end(modem *m, uint8_t service)
{
    le16(m->msg + 1, (uint16_t)(m->n - 1));
    size_t h = service ? 13 : 12;
    le16(m->msg + h - 2, (uint16_t)(m->n - h));
}

static const uint8_t qmi_ok[4] = {0, 0, 0, 0};

static void qmi_alloc_client(modem *m)
{
    uint8_t svc = 0x0B;
    qmux_begin(m, true, 0, 0, 0x00, 1, 0x0022); /* CTL: allocate client id */
    qmux_tlv(m, 0x01, &svc, 1);
    qmux_end(m, 0);
    send_encapsulated(m, m->msg, m->n);
    uint8_t id[2] = {0x0B, m->qmi_client};
    qmux_begin(m, false, 0, 0, 0x01, 1, 0x0022);
    qmux_tlv(m, 0x02, qmi_ok, 4);
    qmux_tlv(m, 0x01, id, 2);
    qmux_end(m, 0);
    get_encapsulated(m, 2000, m->msg, m->n);
}

static void uim_request(modem *m, uint16_t msg_id)
{
    qmux_begin(m, true, 0x0B, m->qmi_client, 0x00, ++m->qmi_tid, msg_id);
    uint8_t slot = UIM_SLOT;
    qmux_tlv(m, 0x01, &slot, 1);
}

static void uim_response(modem *m, uint16_t msg_id)
{
    qmux_begin(m, false, 0x0B, m->qmi_client, 0x02, m->qmi_tid, msg_id);
    qmux_tlv(m, 0x02, qmi_ok, 4);
}

static void qmi_open_channel(modem *m, const uint8_t *aid, size_t an, const uint8_t *sel,
                             size_t sn, uint16_t sw)
{
    uint8_t v[1 + 255];
    uim_request(m, 0x0042);
    v[0] = (uint8_t)an;
    memcpy(v + 1, aid, an);
    qmux_tlv(m, 0x10, v, 1 + an);
    qmux_end(m, 0x0B);
    send_encapsulated(m, m->msg, m->n);
    uim_response(m, 0x0042);
    qmux_tlv(m, 0x10, &m->channel, 1);
    uint8_t cr[2] = {(uint8_t)(sw >> 8), (uint8_t)sw};
    qmux_tlv(m, 0x11, cr, 2);
    v[0] = (uint8_t)sn;
    memcpy(v + 1, sel, sn);
    qmux_tlv(m, 0x12, v, 1 + sn);
    qmux_end(m, 0x0B);
    get_encapsulated(m, 2500, m->msg, m->n);
}

static void qmi_close_channel(modem *m)
{
    uim_request(m, 0x003F);
    qmux_tlv(m, 0x11, &m->channel, 1);
    qmux_end(m, 0x0B);
    send_encapsulated(m, m->msg, m->n);
    uim_response(m, 0x003F);
    qmux_end(m, 0x0B);
    get_encapsulated(m, 1200, m->msg, m->n);
}

static void qmi_apdu(modem *m, uint8_t channel, const uint8_t *cmd, size_t n, const uint8_t *rsp,
                     size_t rn)
{
    uint8_t v[2 + 300];
    uim_request(m, 0x003B);
    le16(v, (uint16_t)n);
    memcpy(v + 2, cmd, n);
    qmux_tlv(m, 0x02, v, 2 + n);
    qmux_tlv(m, 0x10, &channel, 1);
    qmux_end(m, 0x0B);
    send_encapsulated(m, m->msg, m->n);
    uim_response(m, 0x003B);
    le16(v, (uint16_t)rn);
    memcpy(v + 2, rsp, rn);
    qmux_tlv(m, 0x10, v, 2 + rn);
    qmux_end(m, 0x0B);
    get_encapsulated(m, (unsigned)(900 + (n + rn) * 12), m->msg, m->n);
}

/* ---- the transcript ---- */

static void apdu_out(modem *m, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    int ch = cmd[0] & 0x40 ? 4 + (cmd[0] & 0x0F) : cmd[0] & 0x03;
    if (m->kind == SG_MODEM_MBIM)
        mbim_apdu(m, (uint8_t)ch, cmd, n, rsp, rn);
    else
        qmi_apdu(m, (uint8_t)ch, cmd, n, rsp, rn);
}

static void modem_out(void *ctx, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn)
{
    apdu_out(ctx, cmd, n, rsp, rn);
}

/* The LPA's APDUs through the modem: up to 256 response bytes at once, longer data through 61xx
 * and GET RESPONSE (as over T=1). */
int sg_modem_render(const sg_transcript *t, sg_port *port, sg_modem_kind kind)
{
    modem m = {.port = port, .kind = kind, .urb = 0xFFFF9A3C80D41200ull, .qmi_client = 0x02};
    m.int_urb = m.urb++;
    urb(&m, 100, m.int_urb, 'S', 1, EP_NOTIFY, NULL, -115, 8, NULL, 0);
    if (kind == SG_MODEM_MBIM)
        mbim_open(&m);
    else
        qmi_alloc_client(&m);
    int cut = 0;
    bool opened = false;
    for (size_t i = 0; i < t->n && !cut; i++) {
        const sg_ev *e = &t->ev[i];
        switch (e->kind) {
        case SG_EV_ATR:
            /* the LPA reads the ATR through MBIM; QMI LPAs do not ask for it */
            if (kind == SG_MODEM_MBIM)
                mbim_atr(&m, e->cmd, e->cmd_len);
            break;
        case SG_EV_APDU:
            if (e->hdr[1] == 0x70 && e->hdr[2] == 0x80 && opened) { /* MANAGE CHANNEL close */
                if (kind == SG_MODEM_MBIM)
                    mbim_close_channel(&m);
                else
                    qmi_close_channel(&m);
                opened = false;
            } else if (e->hdr[1] == 0x70 && e->hdr[2] == 0x00 && e->rsp_len == 1) {
                m.channel = e->rsp[0]; /* MANAGE CHANNEL + SELECT: the modem's open channel */
                opened = false;
            } else if (e->hdr[1] == 0xA4 && e->hdr[2] == 0x04 && !opened && m.channel &&
                       (e->hdr[0] & 0x03) == m.channel) {
                opened = true;
                if (kind == SG_MODEM_MBIM)
                    mbim_open_channel(&m, e->cmd, e->cmd_len, e->rsp, e->rsp_len, e->sw);
                else
                    qmi_open_channel(&m, e->cmd, e->cmd_len, e->rsp, e->rsp_len, e->sw);
            } else {
                sg_card_apdu(&(sg_card_out){.exchange = modem_out, .ctx = &m}, e->hdr, e->cmd,
                             e->cmd_len, e->want_data, e->rsp, e->rsp_len, e->sw);
            }
            break;
        case SG_EV_ES10:
            cut = sg_card_es10(&(sg_card_out){.exchange = modem_out, .ctx = &m}, e, t->channel);
            break;
        default:
            break;
        }
    }
    free(m.msg);
    return cut;
}
