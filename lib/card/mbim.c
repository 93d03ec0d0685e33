/* MBIM control messages and the UICC low-level access service (see mbim.h). */
#include <stdlib.h>
#include <string.h>
#include "esim/mbim.h"
#include "esim/modem_apdu.h"

/* C2F6588E-F037-4BC9-8665-F4D44BD09367: MBIM sends UUIDs in the byte order they are written */
const uint8_t esim_mbim_uuid_uicc[16] = {0xC2, 0xF6, 0x58, 0x8E, 0xF0, 0x37, 0x4B, 0xC9,
                                         0x86, 0x65, 0xF4, 0xD4, 0x4B, 0xD0, 0x93, 0x67};

#define HDR 12
#define FRAG_HDR 20
#define MAX_MESSAGE (1u << 20)
#define PENDING 16

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool has_fragments(uint32_t type)
{
    return type == ESIM_MBIM_COMMAND || type == ESIM_MBIM_COMMAND_DONE ||
           type == ESIM_MBIM_INDICATE_STATUS;
}

const char *esim_mbim_type_name(uint32_t type)
{
    switch (type) {
    case ESIM_MBIM_OPEN: return "OPEN";
    case ESIM_MBIM_CLOSE: return "CLOSE";
    case ESIM_MBIM_COMMAND: return "COMMAND";
    case ESIM_MBIM_HOST_ERROR: return "HOST_ERROR";
    case ESIM_MBIM_OPEN_DONE: return "OPEN_DONE";
    case ESIM_MBIM_CLOSE_DONE: return "CLOSE_DONE";
    case ESIM_MBIM_COMMAND_DONE: return "COMMAND_DONE";
    case ESIM_MBIM_FUNCTION_ERROR: return "FUNCTION_ERROR";
    case ESIM_MBIM_INDICATE_STATUS: return "INDICATE_STATUS";
    default: return "?";
    }
}

const char *esim_mbim_uicc_cid_name(uint32_t cid)
{
    static const char *const n[] = {"?", "ATR", "OPEN_CHANNEL", "CLOSE_CHANNEL", "APDU",
                                    "TERMINAL_CAPABILITY", "RESET"};
    return cid < sizeof n / sizeof *n ? n[cid] : "?";
}

/* MBIM 1.0 table 9-6 (MBIM_STATUS_CODES) and the MS UICC extension's codes */
const char *esim_mbim_status_name(uint32_t status)
{
    static const char *const n[] = {
        "SUCCESS", "BUSY", "FAILURE", "SIM_NOT_INSERTED", "BAD_SIM", "PIN_REQUIRED",
        "PIN_DISABLED", "NOT_REGISTERED", "PROVIDERS_NOT_FOUND", "NO_DEVICE_SUPPORT",
        "PROVIDER_NOT_VISIBLE", "DATA_CLASS_NOT_AVAILABLE", "PACKET_SERVICE_DETACHED",
        "MAX_ACTIVATED_CONTEXTS", "NOT_INITIALIZED", "VOICE_CALL_IN_PROGRESS",
        "CONTEXT_NOT_ACTIVATED", "SERVICE_NOT_ACTIVATED", "INVALID_ACCESS_STRING",
        "INVALID_USER_NAME_PWD", "RADIO_POWER_OFF", "INVALID_PARAMETERS", "READ_FAILURE",
        "WRITE_FAILURE"};
    if (status < sizeof n / sizeof *n)
        return n[status];
    switch (status) {
    case 0x87430001u: return "MS_NO_LOGICAL_CHANNELS";
    case 0x87430002u: return "MS_SELECT_FAILED";
    case 0x87430003u: return "MS_INVALID_LOGICAL_CHANNEL";
    default: return "?";
    }
}

bool esim_mbim_header_parse(const uint8_t *d, size_t n, esim_mbim_header *h)
{
    memset(h, 0, sizeof *h);
    if (n < HDR)
        return false;
    h->type = le32(d);
    h->length = le32(d + 4);
    h->tid = le32(d + 8);
    h->fragmented = has_fragments(h->type);
    if (h->fragmented) {
        if (n < FRAG_HDR)
            return false;
        h->total = le32(d + 12);
        h->current = le32(d + 16);
    }
    return true;
}

bool esim_mbim_looks_like(const uint8_t *d, size_t n)
{
    esim_mbim_header h;
    if (!esim_mbim_header_parse(d, n, &h) || h.length != n)
        return false;
    return strcmp(esim_mbim_type_name(h.type), "?") != 0 &&
           (!h.fragmented || (h.total > 0 && h.current < h.total));
}

int esim_mbim_body_parse(const uint8_t *b, size_t n, bool done, esim_mbim_body *out,
                         esim_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 28)
        return esim_error_set(err, "MBIM %s of %zu bytes is shorter than its header",
                              done ? "COMMAND_DONE" : "COMMAND", n + FRAG_HDR);
    out->uuid = b;
    out->cid = le32(b + 16);
    out->type_or_status = le32(b + 20);
    out->info_len = le32(b + 24);
    out->info = b + 28;
    if (out->info_len > n - 28) {
        uint32_t said = out->info_len;
        out->info_len = (uint32_t)(n - 28);
        return esim_error_set(err, "MBIM InformationBufferLength %u exceeds the message (%zu "
                              "bytes left)", said, n - 28);
    }
    return 0;
}

/* A (size, offset) byte array of the UICC service at fixed offset at. */
static int uicc_bytes(const uint8_t *info, size_t n, size_t at, esim_mbim_uicc *out,
                      esim_error *err)
{
    uint32_t size = le32(info + at), off = le32(info + at + 4);
    if (size == 0)
        return 0;
    if (off > n || size > n - off)
        return esim_error_set(err, "MBIM UICC byte array (offset %u, size %u) outside the %zu-byte "
                              "InformationBuffer", off, size, n);
    out->bytes = info + off;
    out->bytes_len = size;
    out->bytes_off = off;
    return 0;
}

static void set_status(esim_mbim_uicc *out, uint32_t status)
{
    out->has_status = true;
    out->status = status;
    out->sw = (uint16_t)((status & 0xFF) << 8 | (status >> 8 & 0xFF));
}

int esim_mbim_uicc_parse(uint32_t cid, bool response, bool set, const uint8_t *info, size_t n,
                         esim_mbim_uicc *out, esim_error *err)
{
    memset(out, 0, sizeof *out);
    size_t need = 0;
    switch (cid) {
    case ESIM_MBIM_UICC_ATR: need = response ? 8 : 0; break;
    case ESIM_MBIM_UICC_OPEN_CHANNEL: need = 16; break;
    case ESIM_MBIM_UICC_CLOSE_CHANNEL: need = response ? 4 : 8; break;
    case ESIM_MBIM_UICC_APDU: need = response ? 12 : 20; break;
    case ESIM_MBIM_UICC_RESET: need = response || set ? 4 : 0; break;
    default: return 0;
    }
    if (n < need)
        return esim_error_set(err, "MBIM UICC %s %s: InformationBuffer of %zu bytes, %zu needed",
                              esim_mbim_uicc_cid_name(cid), response ? "response" : "command", n,
                              need);
    switch (cid) {
    case ESIM_MBIM_UICC_ATR:
        return response ? uicc_bytes(info, n, 0, out, err) : 0;
    case ESIM_MBIM_UICC_OPEN_CHANNEL:
        if (response) {
            set_status(out, le32(info));
            out->channel = le32(info + 4);
            return uicc_bytes(info, n, 8, out, err);
        }
        out->select_p2 = le32(info + 8);
        out->channel_group = le32(info + 12);
        return uicc_bytes(info, n, 0, out, err);
    case ESIM_MBIM_UICC_CLOSE_CHANNEL:
        if (response) {
            set_status(out, le32(info));
            return 0;
        }
        out->channel = le32(info);
        out->channel_group = le32(info + 4);
        return 0;
    case ESIM_MBIM_UICC_APDU:
        if (response) {
            set_status(out, le32(info));
            return uicc_bytes(info, n, 4, out, err);
        }
        out->channel = le32(info);
        out->secure_messaging = le32(info + 4);
        out->class_byte_type = le32(info + 8);
        return uicc_bytes(info, n, 12, out, err);
    case ESIM_MBIM_UICC_RESET:
        if (need)
            out->action = le32(info);
        return 0;
    default:
        return 0;
    }
}

/* ---- one modem ---- */

typedef struct reasm {
    bool active;
    uint32_t type, tid, total, next;
    uint8_t *p;
    size_t n, cap;
    uint64_t frame;
    int64_t sec;
    uint32_t nsec;
} reasm;

typedef struct pend {
    bool used;
    uint32_t tid, cid;
    bool set;
    uint32_t channel, select_p2;
    uint8_t *data;        /* APDU command / AID */
    size_t len;
    uint64_t frame;
    int64_t sec;
    uint32_t nsec;
} pend;

struct esim_mbim {
    esim_apdu_ctx *apdu;
    reasm r[2];           /* 0: host to modem, 1: modem to host */
    pend p[PENDING];
    unsigned next_pend;
    uint32_t open_channels; /* bit n: channel n opened through OPEN_CHANNEL */
};

esim_mbim *esim_mbim_new(esim_apdu_ctx *apdu)
{
    esim_mbim *m = calloc(1, sizeof *m);
    if (m)
        m->apdu = apdu;
    return m;
}

void esim_mbim_free(esim_mbim *m)
{
    if (!m)
        return;
    free(m->r[0].p);
    free(m->r[1].p);
    for (int i = 0; i < PENDING; i++)
        free(m->p[i].data);
    free(m);
}

static bool append(reasm *r, const uint8_t *d, size_t n)
{
    if (n == 0)
        return true;
    if (n > MAX_MESSAGE - r->n)
        return false;
    if (r->n + n > r->cap) {
        size_t cap = r->cap ? r->cap : 1024;
        while (cap < r->n + n)
            cap *= 2;
        uint8_t *q = realloc(r->p, cap);
        if (!q)
            return false;
        r->p = q;
        r->cap = cap;
    }
    memcpy(r->p + r->n, d, n);
    r->n += n;
    return true;
}

static pend *pend_find(esim_mbim *m, uint32_t tid)
{
    for (int i = 0; i < PENDING; i++)
        if (m->p[i].used && m->p[i].tid == tid)
            return &m->p[i];
    return NULL;
}

static int on_command(esim_mbim *m, const reasm *r, esim_error *err)
{
    esim_mbim_body b;
    if (esim_mbim_body_parse(r->p, r->n, false, &b, err) < 0)
        return -1;
    if (memcmp(b.uuid, esim_mbim_uuid_uicc, 16))
        return 0;
    esim_mbim_uicc u;
    if (esim_mbim_uicc_parse(b.cid, false, b.type_or_status == 1, b.info, b.info_len, &u, err) < 0)
        return -1; /* not kept: its answer will be reported as unmatched */
    pend *p = pend_find(m, r->tid);
    if (!p) {
        for (int i = 0; i < PENDING && !p; i++)
            if (!m->p[i].used)
                p = &m->p[i];
        if (!p) { /* answers lost: the oldest goes */
            p = &m->p[m->next_pend];
            m->next_pend = (m->next_pend + 1) % PENDING;
        }
    }
    free(p->data);
    *p = (pend){.used = true, .tid = r->tid, .cid = b.cid, .set = b.type_or_status == 1,
                .channel = u.channel, .select_p2 = u.select_p2, .frame = r->frame,
                .sec = r->sec, .nsec = r->nsec};
    if (u.bytes_len) {
        p->data = malloc(u.bytes_len);
        if (p->data) {
            memcpy(p->data, u.bytes, u.bytes_len);
            p->len = u.bytes_len;
        }
    }
    return 0;
}

static int on_done(esim_mbim *m, const reasm *r, uint64_t frame, esim_error *err)
{
    esim_mbim_body b;
    if (esim_mbim_body_parse(r->p, r->n, true, &b, err) < 0)
        return -1;
    if (memcmp(b.uuid, esim_mbim_uuid_uicc, 16))
        return 0;
    pend *p = pend_find(m, r->tid);
    if (!p || p->cid != b.cid)
        return esim_error_set(err, "MBIM UICC %s response (TransactionId %u) without its command",
                              esim_mbim_uicc_cid_name(b.cid), r->tid);
    p->used = false;
    esim_modem_xfer x = {p->frame, frame, p->sec, p->nsec};
    if (b.type_or_status != 0)
        return esim_error_set(err, "MBIM UICC %s (TransactionId %u) failed: status %s (0x%X)",
                              esim_mbim_uicc_cid_name(b.cid), r->tid,
                              esim_mbim_status_name(b.type_or_status), b.type_or_status);
    esim_mbim_uicc u;
    if (esim_mbim_uicc_parse(b.cid, true, p->set, b.info, b.info_len, &u, err) < 0)
        return -1;
    switch (b.cid) {
    case ESIM_MBIM_UICC_ATR:
        /* a query, not a reset: it only starts the card's story when no channel is open */
        if (!m->open_channels && m->apdu)
            esim_apdu_atr(m->apdu, frame, p->sec, p->nsec, u.bytes, u.bytes_len);
        break;
    case ESIM_MBIM_UICC_OPEN_CHANNEL:
        if (u.channel >= ESIM_APDU_CHANNELS)
            return esim_error_set(err, "MBIM UICC OPEN_CHANNEL answered with channel %u",
                                  u.channel);
        if (m->apdu)
            esim_modem_open_channel(m->apdu, &x, u.channel, p->data, p->len,
                                    (uint8_t)p->select_p2, u.bytes, u.bytes_len, u.sw);
        if (u.channel)
            m->open_channels |= 1u << u.channel;
        break;
    case ESIM_MBIM_UICC_CLOSE_CHANNEL:
        if (p->channel < ESIM_APDU_CHANNELS) {
            if (m->apdu)
                esim_modem_close_channel(m->apdu, &x, p->channel, u.sw);
            m->open_channels &= ~(1u << p->channel);
        }
        break;
    case ESIM_MBIM_UICC_APDU: {
        if (!p->len)
            return esim_error_set(err, "MBIM UICC APDU command (TransactionId %u) has no APDU",
                                  r->tid);
        if (p->channel >= ESIM_APDU_CHANNELS)
            return esim_error_set(err, "MBIM UICC APDU on channel %u", p->channel);
        uint8_t *rsp = malloc(u.bytes_len + 2);
        if (!rsp)
            return esim_error_set(err, "out of memory");
        if (u.bytes_len)
            memcpy(rsp, u.bytes, u.bytes_len);
        rsp[u.bytes_len] = (uint8_t)(u.sw >> 8);
        rsp[u.bytes_len + 1] = (uint8_t)u.sw;
        if (m->apdu)
            esim_modem_apdu(m->apdu, &x, p->channel, p->data, p->len, rsp, u.bytes_len + 2);
        free(rsp);
        break;
    }
    case ESIM_MBIM_UICC_RESET:
        if (p->set) { /* the card was reset: channels closed */
            m->open_channels = 0;
            if (m->apdu)
                esim_apdu_atr(m->apdu, frame, p->sec, p->nsec, NULL, 0);
        }
        break;
    default:
        break;
    }
    return 0;
}

static int whole(esim_mbim *m, int dir, uint64_t frame, esim_error *err)
{
    reasm *r = &m->r[dir];
    r->active = false;
    /* a command is where its last fragment is: where Wireshark shows it reassembled */
    r->frame = frame;
    if (r->type == ESIM_MBIM_COMMAND)
        return on_command(m, r, err);
    if (r->type == ESIM_MBIM_COMMAND_DONE)
        return on_done(m, r, frame, err);
    return 0;
}

int esim_mbim_feed(esim_mbim *m, uint64_t frame, int64_t sec, uint32_t nsec, bool to_device,
                   const uint8_t *d, size_t n, esim_error *err)
{
    esim_mbim_header h;
    if (!esim_mbim_header_parse(d, n, &h))
        return esim_error_set(err, "MBIM message of %zu bytes is shorter than its header", n);
    if (h.length > n)
        return esim_error_set(err, "MBIM %s (TransactionId %u): MessageLength %u but %zu bytes "
                              "transferred", esim_mbim_type_name(h.type), h.tid, h.length, n);
    n = h.length;
    if (h.type == ESIM_MBIM_FUNCTION_ERROR || h.type == ESIM_MBIM_HOST_ERROR) {
        pend *p = pend_find(m, h.tid);
        if (!p)
            return 0;
        p->used = false;
        return esim_error_set(err, "MBIM %s for UICC %s (TransactionId %u): error %u",
                              esim_mbim_type_name(h.type), esim_mbim_uicc_cid_name(p->cid),
                              h.tid, n >= 16 ? le32(d + 12) : 0);
    }
    if (!h.fragmented)
        return 0;
    int rc = 0;
    reasm *r = &m->r[to_device ? 0 : 1];
    if (h.total == 0 || h.current >= h.total)
        return esim_error_set(err, "MBIM %s (TransactionId %u): fragment %u of %u",
                              esim_mbim_type_name(h.type), h.tid, h.current, h.total);
    if (h.current == 0) {
        if (r->active)
            rc = esim_error_set(err, "MBIM %s (TransactionId %u): fragment %u of %u missing",
                                esim_mbim_type_name(r->type), r->tid, r->next + 1, r->total);
        *r = (reasm){.active = true, .type = h.type, .tid = h.tid, .total = h.total, .next = 0,
                     .p = r->p, .cap = r->cap, .frame = frame, .sec = sec, .nsec = nsec};
    } else if (!r->active || r->tid != h.tid || r->next != h.current || r->type != h.type) {
        if (r->active)
            rc = esim_error_set(err, "MBIM %s (TransactionId %u): fragment %u of %u missing",
                                esim_mbim_type_name(r->type), r->tid, r->next + 1, r->total);
        else
            rc = esim_error_set(err, "MBIM %s (TransactionId %u): fragment %u of %u without "
                                "the fragments before it", esim_mbim_type_name(h.type), h.tid,
                                h.current + 1, h.total);
        r->active = false;
        return rc;
    } else if (h.total != r->total) {
        r->active = false;
        return esim_error_set(err, "MBIM %s (TransactionId %u): fragment %u says %u fragments, "
                              "the first said %u", esim_mbim_type_name(h.type), h.tid,
                              h.current + 1, h.total, r->total);
    }
    if (!append(r, d + FRAG_HDR, n - FRAG_HDR)) {
        r->active = false;
        return esim_error_set(err, "MBIM message (TransactionId %u) over %u bytes", h.tid,
                              MAX_MESSAGE);
    }
    r->next = h.current + 1;
    if (r->next < r->total)
        return rc;
    esim_error e2;
    if (whole(m, to_device ? 0 : 1, frame, rc ? &e2 : err) < 0 && !rc)
        rc = -1;
    return rc;
}

int esim_mbim_finish(esim_mbim *m, esim_error *err)
{
    int rc = 0;
    for (int dir = 0; dir < 2; dir++)
        if (m->r[dir].active && rc == 0) {
            rc = esim_error_set(err, "MBIM %s (TransactionId %u): capture ends after fragment "
                                "%u of %u", esim_mbim_type_name(m->r[dir].type), m->r[dir].tid,
                                m->r[dir].next, m->r[dir].total);
            m->r[dir].active = false;
        }
    unsigned open = 0;
    const pend *first = NULL;
    for (int i = 0; i < PENDING; i++)
        if (m->p[i].used) {
            open++;
            if (!first || m->p[i].frame < first->frame)
                first = &m->p[i];
        }
    if (open && rc == 0)
        rc = esim_error_set(err, "MBIM UICC %s (TransactionId %u, frame %llu) never answered%s",
                            esim_mbim_uicc_cid_name(first->cid), first->tid,
                            (unsigned long long)first->frame,
                            open > 1 ? " (and other commands)" : "");
    return rc;
}
