/* QMUX and the QMI UIM service (see qmi.h). */
#include <stdlib.h>
#include <string.h>
#include "esim/modem_apdu.h"
#include "esim/qmi.h"

#define PENDING 32
#define QMUX_HDR 6         /* I/F type, length (2), control flags, service, client */

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

bool esim_qmux_looks_like(const uint8_t *d, size_t n)
{
    return n >= QMUX_HDR + 6 && d[0] == 0x01 && le16(d + 1) == n - 1 &&
           (d[3] == 0x00 || d[3] == 0x80);
}

int esim_qmux_parse(const uint8_t *d, size_t n, esim_qmux *q, esim_error *err)
{
    memset(q, 0, sizeof *q);
    if (n < QMUX_HDR || d[0] != 0x01)
        return esim_error_set(err, "not a QMUX message (%zu bytes)", n);
    q->length = le16(d + 1);
    if ((size_t)q->length + 1 > n)
        return esim_error_set(err, "QMUX length %u but %zu bytes transferred", q->length, n);
    n = (size_t)q->length + 1;
    q->sender = d[3];
    q->service = d[4];
    q->client = d[5];
    size_t h = q->service == ESIM_QMI_SERVICE_CTL ? 6 : 7; /* CTL's transaction id: 1 byte */
    if (n < QMUX_HDR + h)
        return esim_error_set(err, "QMUX message of %zu bytes is shorter than its QMI header", n);
    const uint8_t *s = d + QMUX_HDR;
    q->flags = s[0];
    if (q->service == ESIM_QMI_SERVICE_CTL) {
        q->tid = s[1];
        q->msg_id = le16(s + 2);
        q->tlv_len = le16(s + 4);
    } else {
        q->tid = le16(s + 1);
        q->msg_id = le16(s + 3);
        q->tlv_len = le16(s + 5);
    }
    q->tlv_off = QMUX_HDR + h;
    q->tlv = d + q->tlv_off;
    if (q->tlv_len > n - q->tlv_off) {
        uint16_t said = q->tlv_len;
        q->tlv_len = (uint16_t)(n - q->tlv_off);
        return esim_error_set(err, "QMI message 0x%04X: TLV length %u exceeds the message (%zu "
                              "bytes left)", q->msg_id, said, n - q->tlv_off);
    }
    return 0;
}

bool esim_qmi_tlv_next(const esim_qmux *q, size_t *pos, esim_qmi_tlv *t, bool *bad)
{
    if (bad)
        *bad = false;
    if (*pos >= q->tlv_len)
        return false;
    if (q->tlv_len - *pos < 3 || le16(q->tlv + *pos + 1) > q->tlv_len - *pos - 3) {
        if (bad)
            *bad = true;
        return false;
    }
    t->off = *pos;
    t->type = q->tlv[*pos];
    t->len = le16(q->tlv + *pos + 1);
    t->v = q->tlv + *pos + 3;
    *pos += 3 + (size_t)t->len;
    return true;
}

bool esim_qmi_tlv_find(const esim_qmux *q, uint8_t type, esim_qmi_tlv *t)
{
    size_t pos = 0;
    while (esim_qmi_tlv_next(q, &pos, t, NULL))
        if (t->type == type)
            return true;
    return false;
}

const char *esim_qmi_uim_msg_name(uint16_t msg_id)
{
    switch (msg_id) {
    case ESIM_QMI_UIM_RESET: return "RESET";
    case ESIM_QMI_UIM_POWER_OFF_SIM: return "POWER_OFF_SIM";
    case ESIM_QMI_UIM_POWER_ON_SIM: return "POWER_ON_SIM";
    case ESIM_QMI_UIM_SEND_APDU: return "SEND_APDU";
    case ESIM_QMI_UIM_LOGICAL_CHANNEL: return "LOGICAL_CHANNEL";
    case ESIM_QMI_UIM_OPEN_LOGICAL_CHANNEL: return "OPEN_LOGICAL_CHANNEL";
    case 0x002F: return "GET_CARD_STATUS";
    case 0x0047: return "GET_SLOT_STATUS";
    default: return "?";
    }
}

/* QMI protocol error codes (libqmi QmiProtocolError) that UIM answers with */
const char *esim_qmi_error_name(uint16_t e)
{
    static const char *const low[] = {
        "NONE", "MALFORMED_MESSAGE", "NO_MEMORY", "INTERNAL", "ABORTED", "CLIENT_IDS_EXHAUSTED",
        "UNABORTABLE_TRANSACTION", "INVALID_CLIENT_ID", "NO_THRESHOLDS_PROVIDED",
        "INVALID_HANDLE", "INVALID_PROFILE", "INVALID_PIN_ID", "INCORRECT_PIN",
        "NO_NETWORK_FOUND", "CALL_FAILED", "OUT_OF_CALL", "NOT_PROVISIONED",
        "MISSING_ARGUMENT"};
    if (e < sizeof low / sizeof *low)
        return low[e];
    switch (e) {
    case 19: return "ARGUMENT_TOO_LONG";
    case 22: return "INVALID_TRANSACTION_ID";
    case 47: return "UNKNOWN";
    case 48: return "INVALID_ARGUMENT";
    case 49: return "INVALID_INDEX";
    case 50: return "NO_ENTRY";
    case 52: return "DEVICE_NOT_READY";
    case 68: return "INSUFFICIENT_RESOURCES";
    case 71: return "INVALID_QMI_COMMAND";
    case 80: return "SIM_FILE_NOT_FOUND";
    case 82: return "ACCESS_DENIED";
    case 90: return "INCOMPATIBLE_STATE";
    default: return "?";
    }
}

static int tlv_u8(const esim_qmi_tlv *t, uint8_t *v, bool *has, esim_error *err)
{
    if (t->len < 1)
        return esim_error_set(err, "QMI TLV 0x%02X is empty", t->type);
    *v = t->v[0];
    *has = true;
    return 0;
}

/* A TLV holding a length-prefixed array (UINT8 or UINT16 length). */
static int tlv_array(const esim_qmi_tlv *t, bool wide, esim_qmi_uim *u, esim_error *err)
{
    size_t hl = wide ? 2 : 1;
    if (t->len < hl)
        return esim_error_set(err, "QMI TLV 0x%02X of %u bytes has no length", t->type, t->len);
    size_t n = wide ? le16(t->v) : t->v[0];
    if (n > t->len - hl)
        return esim_error_set(err, "QMI TLV 0x%02X: array of %zu bytes in %zu", t->type, n,
                              t->len - hl);
    u->bytes = t->v + hl;
    u->bytes_len = n;
    return 0;
}

int esim_qmi_uim_parse(const esim_qmux *q, esim_qmi_uim *u, esim_error *err)
{
    memset(u, 0, sizeof *u);
    bool response = q->flags & ESIM_QMI_RESPONSE;
    size_t pos = 0;
    esim_qmi_tlv t;
    bool bad = false;
    int rc = 0;
    while (esim_qmi_tlv_next(q, &pos, &t, &bad) && rc == 0) {
        if (response && t.type == 0x02) { /* result: UINT16 result, UINT16 error */
            if (t.len < 4)
                return esim_error_set(err, "QMI result TLV of %u bytes", t.len);
            u->has_result = true;
            u->result = le16(t.v);
            u->error = le16(t.v + 2);
            continue;
        }
        switch (q->msg_id) {
        case ESIM_QMI_UIM_SEND_APDU:
            if (!response && t.type == 0x01)
                rc = tlv_u8(&t, &u->slot, &u->has_slot, err);
            else if (!response && t.type == 0x02)
                rc = tlv_array(&t, true, u, err);
            else if (!response && t.type == 0x10)
                rc = tlv_u8(&t, &u->channel, &u->has_channel, err);
            else if (response && t.type == 0x10)
                rc = tlv_array(&t, true, u, err);
            break;
        case ESIM_QMI_UIM_LOGICAL_CHANNEL:
        case ESIM_QMI_UIM_OPEN_LOGICAL_CHANNEL: {
            bool lc = q->msg_id == ESIM_QMI_UIM_LOGICAL_CHANNEL;
            if (!response && t.type == 0x01)
                rc = tlv_u8(&t, &u->slot, &u->has_slot, err);
            else if (!response && t.type == 0x10)
                rc = tlv_array(&t, false, u, err);
            else if (!response && t.type == 0x11 && lc) {
                rc = tlv_u8(&t, &u->channel, &u->has_channel, err);
                u->close = true;
            } else if (!response && t.type == (lc ? 0x12 : 0x11))
                rc = tlv_u8(&t, &u->fci, &u->has_fci, err);
            else if (response && t.type == 0x10)
                rc = tlv_u8(&t, &u->channel, &u->has_channel, err);
            else if (response && t.type == 0x11) {
                if (t.len < 2)
                    return esim_error_set(err, "QMI card result TLV of %u bytes", t.len);
                u->has_card_result = true;
                u->sw = (uint16_t)(t.v[0] << 8 | t.v[1]);
            } else if (response && t.type == 0x12)
                rc = tlv_array(&t, false, u, err);
            break;
        }
        default:
            if (!response && t.type == 0x01 && t.len == 1)
                rc = tlv_u8(&t, &u->slot, &u->has_slot, err);
            break;
        }
    }
    if (rc < 0)
        return rc;
    if (bad)
        return esim_error_set(err, "QMI UIM %s: a TLV overruns the message",
                              esim_qmi_uim_msg_name(q->msg_id));
    if (response && !u->has_result)
        return esim_error_set(err, "QMI UIM %s response without its result TLV",
                              esim_qmi_uim_msg_name(q->msg_id));
    return 0;
}

/* ---- one modem ---- */

typedef struct pend {
    bool used;
    uint8_t client;
    uint16_t tid, msg_id;
    uint8_t slot, channel;
    bool has_channel, close;
    uint8_t *data;       /* APDU or AID */
    size_t len;
    uint64_t frame;
    int64_t sec;
    uint32_t nsec;
} pend;

struct esim_qmi {
    esim_apdu_ctx *(*ctx_of)(void *user, unsigned slot);
    void *user;
    pend p[PENDING];
    unsigned next;
};

esim_qmi *esim_qmi_new(esim_apdu_ctx *(*ctx_of)(void *user, unsigned slot), void *user)
{
    esim_qmi *q = calloc(1, sizeof *q);
    if (q) {
        q->ctx_of = ctx_of;
        q->user = user;
    }
    return q;
}

void esim_qmi_free(esim_qmi *q)
{
    if (!q)
        return;
    for (int i = 0; i < PENDING; i++)
        free(q->p[i].data);
    free(q);
}

static bool tracked(uint16_t msg_id)
{
    return msg_id == ESIM_QMI_UIM_SEND_APDU || msg_id == ESIM_QMI_UIM_LOGICAL_CHANNEL ||
           msg_id == ESIM_QMI_UIM_OPEN_LOGICAL_CHANNEL || msg_id == ESIM_QMI_UIM_POWER_ON_SIM;
}

static pend *find(esim_qmi *q, uint8_t client, uint16_t tid)
{
    for (int i = 0; i < PENDING; i++)
        if (q->p[i].used && q->p[i].client == client && q->p[i].tid == tid)
            return &q->p[i];
    return NULL;
}

static int request(esim_qmi *q, uint64_t frame, int64_t sec, uint32_t nsec, const esim_qmux *m,
                   esim_error *err)
{
    esim_qmi_uim u;
    if (esim_qmi_uim_parse(m, &u, err) < 0)
        return -1;
    pend *p = find(q, m->client, m->tid);
    for (int i = 0; i < PENDING && !p; i++)
        if (!q->p[i].used)
            p = &q->p[i];
    if (!p) {
        p = &q->p[q->next];
        q->next = (q->next + 1) % PENDING;
    }
    free(p->data);
    *p = (pend){.used = true, .client = m->client, .tid = m->tid, .msg_id = m->msg_id,
                .slot = u.has_slot ? u.slot : 1, .channel = u.channel,
                .has_channel = u.has_channel, .close = u.close, .frame = frame, .sec = sec,
                .nsec = nsec};
    if (u.bytes_len) {
        p->data = malloc(u.bytes_len);
        if (p->data) {
            memcpy(p->data, u.bytes, u.bytes_len);
            p->len = u.bytes_len;
        }
    }
    if (m->msg_id == ESIM_QMI_UIM_SEND_APDU && !u.bytes_len) {
        p->used = false;
        return esim_error_set(err, "QMI UIM SEND_APDU (transaction %u) without an APDU", m->tid);
    }
    return 0;
}

static int response(esim_qmi *q, uint64_t frame, const esim_qmux *m, esim_error *err)
{
    pend *p = find(q, m->client, m->tid);
    if (!p || p->msg_id != m->msg_id)
        return esim_error_set(err, "QMI UIM %s response (client %u, transaction %u) without its "
                              "request", esim_qmi_uim_msg_name(m->msg_id), m->client, m->tid);
    p->used = false;
    esim_qmi_uim u;
    if (esim_qmi_uim_parse(m, &u, err) < 0)
        return -1;
    esim_apdu_ctx *a = q->ctx_of ? q->ctx_of(q->user, p->slot) : NULL;
    esim_modem_xfer x = {p->frame, frame, p->sec, p->nsec};
    bool ok = u.result == 0;
    switch (m->msg_id) {
    case ESIM_QMI_UIM_SEND_APDU:
        if (!ok)
            break;
        if (u.bytes_len < 2)
            return esim_error_set(err, "QMI UIM SEND_APDU response (transaction %u): APDU "
                                  "response of %zu bytes has no status word", m->tid,
                                  u.bytes_len);
        if (a && p->has_channel)
            esim_modem_apdu(a, &x, p->channel, p->data, p->len, u.bytes, u.bytes_len);
        else if (a) /* no channel TLV: the CLA says it */
            esim_apdu_feed(a, x.frame, x.frame_rsp, x.sec, x.nsec, p->data, p->len, u.bytes,
                           u.bytes_len);
        return 0;
    case ESIM_QMI_UIM_LOGICAL_CHANNEL:
    case ESIM_QMI_UIM_OPEN_LOGICAL_CHANNEL:
        if (p->close) {
            if (ok && a)
                esim_modem_close_channel(a, &x, p->channel, 0x9000);
            break;
        }
        if (ok && !u.has_channel)
            return esim_error_set(err, "QMI UIM %s response (transaction %u) without a channel "
                                  "id", esim_qmi_uim_msg_name(m->msg_id), m->tid);
        /* a failed open with the card's answer: the MANAGE CHANNEL / SELECT failed with it */
        if (a && (ok || u.has_card_result))
            esim_modem_open_channel(a, &x, ok ? u.channel : 0, p->data, p->len, 0x00, u.bytes,
                                    u.bytes_len, u.has_card_result ? u.sw : 0x9000);
        break;
    case ESIM_QMI_UIM_POWER_ON_SIM:
        if (ok && a)
            esim_apdu_atr(a, frame, p->sec, p->nsec, NULL, 0);
        break;
    default:
        break;
    }
    if (!ok)
        return esim_error_set(err, "QMI UIM %s (slot %u, transaction %u) failed: error %u (%s)%s",
                              esim_qmi_uim_msg_name(m->msg_id), p->slot, m->tid, u.error,
                              esim_qmi_error_name(u.error),
                              u.has_card_result ? ", card status word given" : "");
    return 0;
}

int esim_qmi_feed(esim_qmi *q, uint64_t frame, int64_t sec, uint32_t nsec, const uint8_t *d,
                  size_t n, esim_error *err)
{
    esim_qmux m;
    if (esim_qmux_parse(d, n, &m, err) < 0)
        return -1;
    if (m.service != ESIM_QMI_SERVICE_UIM || !tracked(m.msg_id) ||
        m.flags & ESIM_QMI_INDICATION)
        return 0;
    if (m.sender == 0x00 && !(m.flags & ESIM_QMI_RESPONSE))
        return request(q, frame, sec, nsec, &m, err);
    if (m.sender == 0x80 && (m.flags & ESIM_QMI_RESPONSE))
        return response(q, frame, &m, err);
    return esim_error_set(err, "QMI UIM %s: control flags %02X and message flags %02X disagree",
                          esim_qmi_uim_msg_name(m.msg_id), m.sender, m.flags);
}

int esim_qmi_finish(esim_qmi *q, esim_error *err)
{
    const pend *first = NULL;
    unsigned open = 0;
    for (int i = 0; i < PENDING; i++)
        if (q->p[i].used) {
            open++;
            if (!first || q->p[i].frame < first->frame)
                first = &q->p[i];
        }
    if (!open)
        return 0;
    return esim_error_set(err, "QMI UIM %s (client %u, transaction %u, frame %llu) never "
                          "answered%s", esim_qmi_uim_msg_name(first->msg_id), first->client,
                          first->tid, (unsigned long long)first->frame,
                          open > 1 ? " (and other requests)" : "");
}
