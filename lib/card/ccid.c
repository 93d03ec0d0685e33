/* USB capture headers, CCID messages and T=1 blocks (see ccid.h). USB capture headers are in
 * the capturing host's byte order; like tshark on x86 we read them little-endian. */
#include <stdlib.h>
#include <string.h>
#include "esim/capture.h"
#include "esim/ccid.h"
#include "esim/t1.h"

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* ---- usbmon / USBPcap ---- */

int esim_usb_decode(uint32_t linktype, const uint8_t *p, size_t len, esim_usb_packet *out,
                    esim_error *err)
{
    memset(out, 0, sizeof *out);
    out->stage = -1;
    if (linktype == ESIM_LINKTYPE_USB_LINUX || linktype == ESIM_LINKTYPE_USB_LINUX_MMAPPED) {
        /* struct usbmon_packet (Linux Documentation/usb/usbmon): id, type, xfer_type, epnum,
         * devnum, busnum, flag_setup, flag_data, ts_sec, ts_usec, status, length, len_cap,
         * setup/iso; the mmapped form adds interval, start_frame, xfer_flags, ndesc. */
        size_t hl = linktype == ESIM_LINKTYPE_USB_LINUX ? 48 : 64;
        if (len < hl)
            return esim_error_set(err, "usbmon header truncated (%zu of %zu bytes)", len, hl);
        out->id = (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
        out->completion = p[8] == 'C';
        out->xfer_type = p[9];
        out->endpoint = p[10];
        out->device = p[11];
        out->bus = le16(p + 12);
        out->status = (int32_t)le32(p + 28);
        size_t cap = le32(p + 36);
        size_t skip = 0;
        if (linktype == ESIM_LINKTYPE_USB_LINUX_MMAPPED && out->xfer_type == ESIM_USB_XFER_ISO) {
            uint32_t ndesc = le32(p + 60); /* isochronous descriptors precede the data */
            if (ndesc > (len - hl) / 16)
                return esim_error_set(err, "usbmon: %u isochronous descriptors overrun the packet",
                                      ndesc);
            skip = (size_t)ndesc * 16;
        }
        if (out->xfer_type == ESIM_USB_XFER_CONTROL && p[14] == 0) { /* flag_setup: relevant */
            out->has_setup = true;
            memcpy(out->setup, p + 40, 8);
        }
        if (p[15] != 0) /* flag_data: no data captured */
            cap = 0;
        size_t avail = len - hl - skip;
        out->data = p + hl + skip;
        out->len = cap < avail ? cap : avail;
        return 0;
    }
    if (linktype == ESIM_LINKTYPE_USBPCAP) {
        /* USBPCAP_BUFFER_PACKET_HEADER (packed): headerLen, irpId(8), status(4), function(2),
         * info(1), bus(2), device(2), endpoint(1), transfer(1), dataLength(4) = 27 bytes */
        if (len < 27)
            return esim_error_set(err, "USBPcap header truncated (%zu bytes)", len);
        size_t hl = le16(p);
        if (hl < 27 || hl > len)
            return esim_error_set(err, "USBPcap header length %zu invalid for %zu bytes", hl, len);
        out->id = (uint64_t)le32(p + 2) | (uint64_t)le32(p + 6) << 32;
        out->status = (int32_t)le32(p + 10);
        out->completion = p[16] & 0x01; /* USBPCAP_INFO_PDO_TO_FDO */
        out->bus = le16(p + 17);
        out->device = le16(p + 19);
        out->endpoint = p[21];
        out->xfer_type = p[22];
        size_t dl = le32(p + 23);
        out->data = p + hl;
        out->len = dl < len - hl ? dl : len - hl;
        /* control transfers: USBPCAP_BUFFER_CONTROL_HEADER adds the stage byte; the SETUP
         * stage's data is the 8-byte setup packet */
        if (out->xfer_type == ESIM_USB_XFER_CONTROL && hl >= 28) {
            out->stage = p[27];
            if (out->stage == 0 && out->len >= 8) {
                out->has_setup = true;
                memcpy(out->setup, out->data, 8);
                out->data += 8;
                out->len -= 8;
            }
        }
        return 0;
    }
    return esim_error_set(err, "link type %u is not a USB capture", linktype);
}

bool esim_usb_bulk_payload(const esim_usb_packet *u, bool *to_device)
{
    if (u->xfer_type != ESIM_USB_XFER_BULK || u->len == 0)
        return false;
    bool in = u->endpoint & 0x80;
    *to_device = !in;
    return in ? u->completion : !u->completion;
}

/* ---- CCID (USB CCID specification rev 1.1, clause 6) ---- */

enum {
    PC_SET_PARAMETERS = 0x61, PC_ICC_POWER_ON = 0x62, PC_ICC_POWER_OFF = 0x63,
    PC_GET_SLOT_STATUS = 0x65, PC_ESCAPE = 0x6B, PC_GET_PARAMETERS = 0x6C,
    PC_RESET_PARAMETERS = 0x6D, PC_ICC_CLOCK = 0x6E, PC_XFR_BLOCK = 0x6F, PC_SECURE = 0x69,
    PC_T0_APDU = 0x6A, PC_MECHANICAL = 0x71, PC_ABORT = 0x72, PC_SET_RATE = 0x73,
    RDR_DATA_BLOCK = 0x80, RDR_SLOT_STATUS = 0x81, RDR_PARAMETERS = 0x82, RDR_ESCAPE = 0x83,
    RDR_RATE = 0x84,
};

#define CCID_HDR 10
#define CCID_MAX_MSG (65536 + CCID_HDR)
#define CCID_SLOTS 8

static const uint8_t pc_types[] = {PC_SET_PARAMETERS, PC_ICC_POWER_ON, PC_ICC_POWER_OFF,
                                   PC_GET_SLOT_STATUS, PC_ESCAPE, PC_GET_PARAMETERS,
                                   PC_RESET_PARAMETERS, PC_ICC_CLOCK, PC_XFR_BLOCK, PC_SECURE,
                                   PC_T0_APDU, PC_MECHANICAL, PC_ABORT, PC_SET_RATE};
static const uint8_t rdr_types[] = {RDR_DATA_BLOCK, RDR_SLOT_STATUS, RDR_PARAMETERS,
                                    RDR_ESCAPE, RDR_RATE};

bool esim_ccid_looks_like(const uint8_t *d, size_t n, bool to_device)
{
    if (n < CCID_HDR || le32(d + 1) != n - CCID_HDR)
        return false;
    const uint8_t *t = to_device ? pc_types : rdr_types;
    size_t nt = to_device ? sizeof pc_types : sizeof rdr_types;
    return memchr(t, d[0], nt) != NULL;
}

/* ---- protocol of a slot ---- */

void esim_ccid_proto_init(esim_ccid_proto *p)
{
    memset(p, 0, sizeof *p);
    p->edc_size = 1;
}

void esim_ccid_proto_message(esim_ccid_proto *p, bool to_device, const uint8_t *m, size_t n)
{
    if (n < CCID_HDR)
        return;
    uint8_t proto;
    if (to_device && m[0] == PC_SET_PARAMETERS)
        proto = m[7];
    else if (!to_device && m[0] == RDR_PARAMETERS)
        proto = m[9];
    else {
        if (to_device && m[0] == PC_ICC_POWER_ON && !p->negotiated)
            p->proto = ESIM_CCID_PROTO_UNKNOWN; /* another card may answer */
        return;
    }
    if (proto > 1)
        return;
    p->negotiated = true;
    p->proto = proto == 0 ? ESIM_CCID_PROTO_T0 : ESIM_CCID_PROTO_T1;
    /* abProtocolDataStructure for T=1 (CCID 6.1.7): bmFindexDindex, bmTCCKST1 (bit 0: CRC) */
    if (proto == 1 && n >= CCID_HDR + 2)
        p->edc_size = (m[CCID_HDR + 1] & 0x01) ? 2 : 1;
}

bool esim_ccid_proto_is_t1(const esim_ccid_proto *p, const uint8_t *d, size_t n)
{
    if (p->proto == ESIM_CCID_PROTO_T1)
        return n >= 3;
    return p->proto == ESIM_CCID_PROTO_UNKNOWN && esim_t1_looks_like(d, n);
}

void esim_ccid_proto_learn_t1(esim_ccid_proto *p)
{
    if (p->proto == ESIM_CCID_PROTO_UNKNOWN)
        p->proto = ESIM_CCID_PROTO_T1;
}

/* ---- per reader state ---- */

typedef struct chain {
    uint8_t *p;
    size_t n, cap;
    size_t last_off;  /* start of the last I-block's INF (for retransmissions) */
} chain;

typedef struct slot {
    bool cmd_valid;   /* a PC_to_RDR message waits for its answer */
    uint8_t cmd_type, cmd_seq;
    uint8_t *cmd;     /* its data (abData) */
    size_t cmd_len, cmd_cap;
    uint64_t cmd_frame;
    int64_t cmd_sec;
    uint32_t cmd_nsec;
    esim_ccid_proto proto;
    /* T=1 exchange in progress */
    esim_t1_link link;
    chain t1_cmd, t1_rsp;
    uint64_t t1_frame;
    int64_t t1_sec;
    uint32_t t1_nsec;
} slot;

struct esim_ccid {
    esim_apdu_ctx *apdu;
    /* each slot its own card (esim_ccid_slot_cards); NULL: all slots feed apdu */
    esim_apdu_ctx *(*slot_ctx)(void *user, unsigned slot);
    void *slot_user;
    slot s[CCID_SLOTS];
    /* a message split over several bulk transfers */
    uint8_t *part[2];
    size_t part_len[2], part_cap[2], part_want[2];
};

esim_ccid *esim_ccid_new(esim_apdu_ctx *apdu)
{
    esim_ccid *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->apdu = apdu;
    for (int i = 0; i < CCID_SLOTS; i++) {
        esim_ccid_proto_init(&c->s[i].proto);
        esim_t1_link_init(&c->s[i].link);
    }
    return c;
}

void esim_ccid_slot_cards(esim_ccid *c, esim_apdu_ctx *(*ctx_of)(void *user, unsigned slot),
                          void *user)
{
    c->slot_ctx = ctx_of;
    c->slot_user = user;
}

/* The APDU context of the card in slot s. */
static esim_apdu_ctx *apdu_of(esim_ccid *c, const slot *s)
{
    return c->slot_ctx ? c->slot_ctx(c->slot_user, (unsigned)(s - c->s)) : c->apdu;
}

void esim_ccid_free(esim_ccid *c)
{
    if (!c)
        return;
    for (int i = 0; i < CCID_SLOTS; i++) {
        free(c->s[i].cmd);
        free(c->s[i].t1_cmd.p);
        free(c->s[i].t1_rsp.p);
    }
    free(c->part[0]);
    free(c->part[1]);
    free(c);
}

static bool reserve(uint8_t **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return true;
    if (need > ESIM_APDU_MAX_REASSEMBLY)
        return false;
    size_t n = *cap ? *cap : 512;
    while (n < need)
        n *= 2;
    uint8_t *q = realloc(*p, n);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

/* Puts an I-block's INF where the link says (a retransmission replaces the previous one). */
static bool chain_put(chain *ch, const esim_t1_step *st, const uint8_t *blk,
                      const esim_t1_block *b)
{
    if (st->index == 0 && !st->retransmission)
        ch->n = 0;
    if (st->retransmission)
        ch->n = ch->last_off;
    if (!reserve(&ch->p, &ch->cap, ch->n + b->inf_len))
        return false;
    ch->last_off = ch->n;
    if (b->inf_len)
        memcpy(ch->p + ch->n, blk + b->inf_off, b->inf_len);
    ch->n += b->inf_len;
    return true;
}

/* One T=1 block from the terminal (cmd) and the card's answer (rsp), both valid. */
static int t1_exchange(esim_ccid *c, slot *s, uint64_t frame, const uint8_t *cmd,
                       const esim_t1_block *cb, const uint8_t *rsp, const esim_t1_block *rb,
                       esim_error *err)
{
    esim_t1_step st = esim_t1_from_terminal(&s->link, cb);
    if (st.part == ESIM_T1_COMMAND) {
        if (st.index == 0 && !st.retransmission) {
            s->t1_frame = s->cmd_frame;
            s->t1_sec = s->cmd_sec;
            s->t1_nsec = s->cmd_nsec;
        }
        if (!chain_put(&s->t1_cmd, &st, cmd, cb)) {
            esim_t1_link_init(&s->link);
            return esim_error_set(err, "T=1 command chain too long");
        }
    }
    st = esim_t1_from_card(&s->link, rb);
    if (st.part != ESIM_T1_RESPONSE)
        return 0;
    if (!chain_put(&s->t1_rsp, &st, rsp, rb)) {
        esim_t1_link_init(&s->link);
        return esim_error_set(err, "T=1 response chain too long");
    }
    if (!st.last)
        return 0;
    if (s->t1_rsp.n < 2)
        return esim_error_set(err, "T=1 response of %zu bytes has no status word", s->t1_rsp.n);
    esim_apdu_ctx *a = apdu_of(c, s);
    if (a)
        esim_apdu_feed(a, s->t1_frame, frame, s->t1_sec, s->t1_nsec, s->t1_cmd.p, s->t1_cmd.n,
                       s->t1_rsp.p, s->t1_rsp.n);
    return 0;
}

static int answer(esim_ccid *c, uint64_t frame, int64_t sec, uint32_t nsec, const uint8_t *m,
                  size_t n, esim_error *err)
{
    uint8_t slot_no = m[5], seq = m[6], status = m[7];
    if (slot_no >= CCID_SLOTS)
        return esim_error_set(err, "frame %llu: CCID slot %u not supported",
                              (unsigned long long)frame, slot_no);
    slot *s = &c->s[slot_no];
    const uint8_t *data = m + CCID_HDR;
    size_t dn = n - CCID_HDR;
    esim_ccid_proto_message(&s->proto, false, m, n);
    if (!s->cmd_valid || s->cmd_seq != seq)
        return 0; /* no command seen for it (capture started late) */
    /* bmCommandStatus (bits 7-6) = 2: time extension requested, the real answer follows */
    if ((status >> 6) == 2)
        return 0;
    s->cmd_valid = false;
    bool failed = (status >> 6) != 0;
    if (s->cmd_type == PC_ICC_POWER_ON && m[0] == RDR_DATA_BLOCK && !failed) {
        esim_t1_link_init(&s->link);
        esim_apdu_ctx *a = apdu_of(c, s);
        if (a)
            esim_apdu_atr(a, frame, sec, nsec, data, dn);
        return 0;
    }
    if (s->cmd_type != PC_XFR_BLOCK || m[0] != RDR_DATA_BLOCK)
        return 0;
    if (failed)
        return esim_error_set(err, "frame %llu: CCID XfrBlock failed (bStatus %02X, bError %02X)",
                              (unsigned long long)frame, status, m[8]);
    if (esim_ccid_proto_is_t1(&s->proto, s->cmd, s->cmd_len) &&
        esim_ccid_proto_is_t1(&s->proto, data, dn)) {
        esim_t1_block cb, rb;
        esim_t1_parse(s->cmd, s->cmd_len, s->proto.edc_size, &cb);
        esim_t1_parse(data, dn, s->proto.edc_size, &rb);
        if (esim_t1_valid(&cb) && esim_t1_valid(&rb)) {
            esim_ccid_proto_learn_t1(&s->proto);
            return t1_exchange(c, s, frame, s->cmd, &cb, data, &rb, err);
        }
    }
    if (s->proto.proto == ESIM_CCID_PROTO_T1)
        return esim_error_set(err, "frame %llu: T=1 block malformed (NAD, PCB, length or EDC)",
                              (unsigned long long)frame);
    /* APDU level (short/extended APDU exchange) or T=0 TPDU level: command and response as is */
    if (dn < 2)
        return esim_error_set(err, "frame %llu: CCID response of %zu bytes has no status word",
                              (unsigned long long)frame, dn);
    esim_apdu_ctx *a = apdu_of(c, s);
    if (a)
        esim_apdu_feed(a, s->cmd_frame, frame, s->cmd_sec, s->cmd_nsec, s->cmd, s->cmd_len, data,
                       dn);
    return 0;
}

static int message(esim_ccid *c, uint64_t frame, int64_t sec, uint32_t nsec, bool to_device,
                   const uint8_t *m, size_t n, esim_error *err)
{
    if (!to_device)
        return answer(c, frame, sec, nsec, m, n, err);
    uint8_t slot_no = m[5];
    if (slot_no >= CCID_SLOTS)
        return esim_error_set(err, "frame %llu: CCID slot %u not supported",
                              (unsigned long long)frame, slot_no);
    slot *s = &c->s[slot_no];
    esim_ccid_proto_message(&s->proto, true, m, n);
    if (!reserve(&s->cmd, &s->cmd_cap, n - CCID_HDR))
        return esim_error_set(err, "CCID message too long");
    s->cmd_valid = true;
    s->cmd_type = m[0];
    s->cmd_seq = m[6];
    s->cmd_len = n - CCID_HDR;
    if (s->cmd_len)
        memcpy(s->cmd, m + CCID_HDR, s->cmd_len);
    s->cmd_frame = frame;
    s->cmd_sec = sec;
    s->cmd_nsec = nsec;
    return 0;
}

int esim_ccid_feed(esim_ccid *c, uint64_t frame, int64_t sec, uint32_t nsec, bool to_device,
                   const uint8_t *d, size_t n, esim_error *err)
{
    int dir = to_device ? 0 : 1;
    if (c->part_want[dir]) { /* continuation of a message longer than one transfer */
        size_t take = n < c->part_want[dir] - c->part_len[dir] ? n : c->part_want[dir] - c->part_len[dir];
        memcpy(c->part[dir] + c->part_len[dir], d, take);
        c->part_len[dir] += take;
        if (c->part_len[dir] < c->part_want[dir])
            return 0;
        c->part_want[dir] = 0;
        return message(c, frame, sec, nsec, to_device, c->part[dir], c->part_len[dir], err);
    }
    if (n < CCID_HDR)
        return esim_error_set(err, "frame %llu: CCID message of %zu bytes is shorter than its "
                              "header", (unsigned long long)frame, n);
    uint32_t dl = le32(d + 1);
    if (dl > CCID_MAX_MSG - CCID_HDR)
        return esim_error_set(err, "frame %llu: CCID dwLength %u too large",
                              (unsigned long long)frame, dl);
    size_t want = CCID_HDR + (size_t)dl;
    if (n > want)
        n = want; /* trailing bytes (e.g. zero-length-packet padding) are not part of it */
    if (n < want) {
        if (!reserve(&c->part[dir], &c->part_cap[dir], want))
            return esim_error_set(err, "CCID message too long");
        memcpy(c->part[dir], d, n);
        c->part_len[dir] = n;
        c->part_want[dir] = want;
        return 0;
    }
    return message(c, frame, sec, nsec, to_device, d, n, err);
}
