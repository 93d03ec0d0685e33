/* ES10 through a modem: the Microsoft MBIM "UICC low-level access" service and the QMI UIM
 * service, carried in USB CDC SEND_ENCAPSULATED_COMMAND / GET_ENCAPSULATED_RESPONSE control
 * transfers. A heuristic on Wireshark's usb.control table recognises both by their own headers,
 * so it works without USB descriptors (captures that start after the modem enumerated) and
 * without the mbim.control_decode_unknown_itf preference. Wireshark's MBIM dissector still
 * shows the MBIM message (it is called first, when present); this part adds esim.mbim.* or
 * esim.qmi.* fields and hands each APDU to the ES10 part (esim_es10_parts), per card: one per
 * MBIM modem, one per QMI UIM slot.
 *
 * The message layouts, the pairing by TransactionId / transaction id and the field readers come
 * from the core (lib/card/mbim.c, lib/card/qmi.c). What the modem did with the card on
 * OPEN_CHANNEL / OPEN_LOGICAL_CHANNEL (select the AID on a new channel) is given to the ES10
 * part as a SELECT by DF name on that channel, built from the request's AID and the answer's
 * channel, select response and status (shown as a synthesized data source). The same goes for
 * an APDU whose CLA does not code the channel the modem sends it on (MBIM Channel, QMI channel
 * id): the ES10 part sees the APDU with the channel in its CLA (ISO/IEC 7816-4 clause 5.4.1). */
#include <string.h>
#include <epan/packet.h>
#include <epan/proto_data.h>
#include <epan/expert.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include <epan/to_str.h>
#include <epan/dissectors/packet-usb.h>
#include "esim/apdu.h"
#include "esim/apdu_names.h"
#include "esim/mbim.h"
#include "esim/modem_apdu.h"
#include "esim/qmi.h"
#include "packet-esim.h"

#define MODEM_KEY 20          /* p_add_proto_data key of a frame's record */
#define PENDING 32

static int hf_mbim = -1, hf_mbim_type = -1, hf_mbim_length = -1, hf_mbim_tid = -1,
           hf_mbim_frag_total = -1, hf_mbim_frag_current = -1, hf_mbim_cid = -1,
           hf_mbim_command_type = -1, hf_mbim_status = -1, hf_mbim_info_length = -1,
           hf_mbim_channel = -1, hf_mbim_channel_group = -1, hf_mbim_select_p2 = -1,
           hf_mbim_secure_messaging = -1, hf_mbim_class_byte_type = -1, hf_mbim_sw = -1,
           hf_mbim_apdu = -1, hf_mbim_response = -1, hf_mbim_aid = -1, hf_mbim_atr = -1,
           hf_mbim_reset = -1, hf_mbim_reassembled = -1;
static int hf_qmi = -1, hf_qmi_length = -1, hf_qmi_sender = -1, hf_qmi_service = -1,
           hf_qmi_client = -1, hf_qmi_flags = -1, hf_qmi_tid = -1, hf_qmi_msg_id = -1,
           hf_qmi_tlv_length = -1, hf_qmi_tlv = -1, hf_qmi_tlv_type = -1, hf_qmi_tlv_len = -1,
           hf_qmi_slot = -1, hf_qmi_channel = -1, hf_qmi_result = -1, hf_qmi_error = -1,
           hf_qmi_sw = -1, hf_qmi_apdu = -1, hf_qmi_response = -1, hf_qmi_aid = -1,
           hf_qmi_select_response = -1;
static int hf_modem_request_in = -1, hf_modem_response_in = -1;
static gint ett_mbim = -1, ett_qmi = -1, ett_qmi_tlv = -1;
static expert_field ei_modem_unmatched = EI_INIT, ei_modem_malformed = EI_INIT,
                    ei_modem_failed = EI_INIT, ei_mbim_fragment = EI_INIT;

static dissector_handle_t mbim_control_handle;

static const value_string mbim_type_vals[] = {
    {ESIM_MBIM_OPEN, "OPEN"}, {ESIM_MBIM_CLOSE, "CLOSE"}, {ESIM_MBIM_COMMAND, "COMMAND"},
    {ESIM_MBIM_HOST_ERROR, "HOST_ERROR"}, {ESIM_MBIM_OPEN_DONE, "OPEN_DONE"},
    {ESIM_MBIM_CLOSE_DONE, "CLOSE_DONE"}, {ESIM_MBIM_COMMAND_DONE, "COMMAND_DONE"},
    {ESIM_MBIM_FUNCTION_ERROR, "FUNCTION_ERROR"},
    {ESIM_MBIM_INDICATE_STATUS, "INDICATE_STATUS"}, {0, NULL}};
static const value_string mbim_cid_vals[] = {
    {ESIM_MBIM_UICC_ATR, "ATR"}, {ESIM_MBIM_UICC_OPEN_CHANNEL, "OPEN_CHANNEL"},
    {ESIM_MBIM_UICC_CLOSE_CHANNEL, "CLOSE_CHANNEL"}, {ESIM_MBIM_UICC_APDU, "APDU"},
    {ESIM_MBIM_UICC_TERMINAL_CAPABILITY, "TERMINAL_CAPABILITY"},
    {ESIM_MBIM_UICC_RESET, "RESET"}, {0, NULL}};
static const value_string mbim_command_type_vals[] = {{0, "Query"}, {1, "Set"}, {0, NULL}};
static const value_string mbim_secure_messaging_vals[] = {
    {0, "None"}, {1, "No header authentication"}, {2, "Header authenticated"}, {0, NULL}};
static const value_string mbim_class_byte_vals[] = {
    {0, "Interindustry (ISO/IEC 7816-4)"}, {1, "Extended (ETSI TS 102 221)"}, {0, NULL}};
static const value_string qmi_sender_vals[] = {{0x00, "Control point (host)"},
                                               {0x80, "Service (modem)"}, {0, NULL}};
static const value_string qmi_flags_vals[] = {{ESIM_QMI_REQUEST, "Request"},
                                              {ESIM_QMI_RESPONSE, "Response"},
                                              {ESIM_QMI_INDICATION, "Indication"}, {0, NULL}};
static const value_string qmi_service_vals[] = {{0x00, "CTL"}, {0x0B, "UIM"}, {0, NULL}};
static const value_string qmi_msg_vals[] = {
    {ESIM_QMI_UIM_RESET, "RESET"}, {0x002F, "GET_CARD_STATUS"},
    {ESIM_QMI_UIM_POWER_OFF_SIM, "POWER_OFF_SIM"}, {ESIM_QMI_UIM_POWER_ON_SIM, "POWER_ON_SIM"},
    {ESIM_QMI_UIM_SEND_APDU, "SEND_APDU"}, {ESIM_QMI_UIM_LOGICAL_CHANNEL, "LOGICAL_CHANNEL"},
    {ESIM_QMI_UIM_OPEN_LOGICAL_CHANNEL, "OPEN_LOGICAL_CHANNEL"}, {0x0047, "GET_SLOT_STATUS"},
    {0, NULL}};
static const value_string qmi_result_vals[] = {{0, "Success"}, {1, "Failure"}, {0, NULL}};

/* ---- per capture: modems and their cards ---- */

typedef struct pend {
    bool used;
    uint32_t key;             /* MBIM: TransactionId; QMI: client << 16 | transaction id */
    uint32_t cid;             /* MBIM CID / QMI message id */
    bool set, close;
    uint32_t channel, select_p2;
    uint8_t slot;
    uint8_t *data;            /* AID (file scope) */
    size_t len;
    guint32 frame;
} pend;

typedef struct modem {
    card_state *card;         /* MBIM: the card; QMI: slot 1 */
    card_state *slots[8];     /* QMI: cards by slot (1..7) */
    pend p[PENDING];
    unsigned next;
    /* MBIM fragments (first pass), per direction */
    bool frag_active[2];
    uint32_t frag_tid[2], frag_total[2], frag_next[2];
    uint8_t *frag[2];         /* the message so far (file scope) */
    size_t frag_len[2], frag_cap[2];
} modem;

/* What the first pass decided for a frame. */
typedef struct modem_frame {
    bool mbim;
    bool whole;               /* the frame completes a message (msg/len below) */
    uint8_t *msg;             /* reassembled MBIM message (fragments), else NULL: the frame's */
    size_t len;
    bool matched;             /* a response with its request */
    guint32 other_frame;      /* the request's / the response's frame */
    pend req;                 /* the request's data (responses) */
    uint8_t slot;
    const char *problem;      /* expert info text, NULL when fine */
    bool fragment_problem;
} modem_frame;

static wmem_map_t *modems;    /* "bus.device" -> modem, per capture file */

static modem *modem_of(packet_info *pinfo)
{
    char *a = address_to_str(pinfo->pool, &pinfo->src);
    char *b = address_to_str(pinfo->pool, &pinfo->dst);
    char *d = strcmp(a, "host") ? a : b;
    char *dot = strrchr(d, '.');
    if (dot && dot != d)
        *dot = 0; /* bus.device.endpoint -> bus.device */
    modem *m = (modem *)wmem_map_lookup(modems, d);
    if (!m) {
        m = wmem_new0(wmem_file_scope(), modem);
        wmem_map_insert(modems, wmem_strdup(wmem_file_scope(), d), m);
    }
    return m;
}

static card_state *card_of(modem *m, bool qmi, uint8_t slot)
{
    if (!qmi) {
        if (!m->card)
            m->card = esim_cardview_new();
        return m->card;
    }
    if (slot == 0 || slot >= G_N_ELEMENTS(m->slots))
        return NULL;
    if (!m->slots[slot]) {
        m->slots[slot] = esim_cardview_new();
        if (slot > 1)
            esim_cardview_set_slot(m->slots[slot], slot);
    }
    return m->slots[slot];
}

static pend *pend_add(modem *m, uint32_t key)
{
    pend *p = NULL;
    for (int i = 0; i < PENDING && !p; i++)
        if (!m->p[i].used || m->p[i].key == key)
            p = &m->p[i];
    if (!p) {
        p = &m->p[m->next];
        m->next = (m->next + 1) % PENDING;
    }
    memset(p, 0, sizeof *p);
    p->used = true;
    p->key = key;
    return p;
}

static pend *pend_take(modem *m, uint32_t key)
{
    for (int i = 0; i < PENDING; i++)
        if (m->p[i].used && m->p[i].key == key) {
            m->p[i].used = false;
            return &m->p[i];
        }
    return NULL;
}

/* A tvb of bytes built here (a synthesized or rewritten APDU), shown as its own data source. */
static tvbuff_t *synth_tvb(tvbuff_t *parent, packet_info *pinfo, const uint8_t *d, size_t n,
                           const char *name)
{
    uint8_t *copy = (uint8_t *)wmem_memdup(pinfo->pool, d, n);
    tvbuff_t *t = tvb_new_child_real_data(parent, copy, (guint)n, (gint)n);
    add_new_data_source(pinfo, t, name);
    return t;
}

/* The ES10 view of an APDU command on a channel (CLA rewritten when it does not say it). */
static void es10_command(tvbuff_t *tvb, int off, int len, packet_info *pinfo, proto_tree *tree,
                         card_state *cs, uint32_t channel, bool has_channel)
{
    if (!cs || len < 4)
        return;
    uint8_t cla = tvb_get_guint8(tvb, off);
    if (has_channel && channel < ESIM_APDU_CHANNELS &&
        esim_cla_with_channel(cla, channel) != cla) {
        uint8_t *c = (uint8_t *)tvb_memdup(pinfo->pool, tvb, off, len);
        c[0] = esim_cla_with_channel(cla, channel);
        tvbuff_t *t = synth_tvb(tvb, pinfo, c, (size_t)len, "APDU with the channel in CLA");
        esim_es10_parts(t, pinfo, tree, cs, 0, len, 0, 0, -1, NULL, NULL, NULL);
        return;
    }
    esim_es10_parts(tvb, pinfo, tree, cs, off, len, 0, 0, -1, NULL, NULL, NULL);
}

/* The modem's open: a SELECT by DF name on the new channel with the card's answer. */
static void es10_select(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, card_state *cs,
                        uint32_t channel, const uint8_t *aid, size_t aid_len, uint8_t p2,
                        const uint8_t *rsp, size_t rsp_len, uint16_t sw)
{
    if (!cs || channel == 0 || channel >= ESIM_APDU_CHANNELS || aid_len > 255 || rsp_len > 4096)
        return;
    size_t n = 5 + aid_len + 1 + rsp_len + 2;
    uint8_t *b = (uint8_t *)wmem_alloc(pinfo->pool, n);
    b[0] = esim_cla_with_channel(0x00, channel);
    b[1] = 0xA4;
    b[2] = 0x04;
    b[3] = p2;
    b[4] = (uint8_t)aid_len;
    if (aid_len)
        memcpy(b + 5, aid, aid_len);
    b[5 + aid_len] = 0x00;
    if (rsp_len)
        memcpy(b + 6 + aid_len, rsp, rsp_len);
    b[n - 2] = (uint8_t)(sw >> 8);
    b[n - 1] = (uint8_t)sw;
    tvbuff_t *t = synth_tvb(tvb, pinfo, b, n, "SELECT done by the modem (synthesized)");
    int cl = (int)(6 + aid_len);
    esim_es10_parts(t, pinfo, tree, cs, 0, cl, cl, (int)rsp_len, (int)(n - 2), NULL, NULL, NULL);
}

/* ---- MBIM ---- */

static void frag_append(modem *m, int dir, const uint8_t *d, size_t n)
{
    if (m->frag_len[dir] + n > m->frag_cap[dir]) {
        size_t cap = m->frag_cap[dir] ? m->frag_cap[dir] : 1024;
        while (cap < m->frag_len[dir] + n)
            cap *= 2;
        m->frag[dir] = (uint8_t *)wmem_realloc(wmem_file_scope(), m->frag[dir], cap);
        m->frag_cap[dir] = cap;
    }
    if (n)
        memcpy(m->frag[dir] + m->frag_len[dir], d, n);
    m->frag_len[dir] += n;
}

/* First pass of an MBIM transfer: fragments, pairing. */
static modem_frame *mbim_first_pass(tvbuff_t *tvb, packet_info *pinfo, modem *m, bool to_device,
                                    const esim_mbim_header *h)
{
    modem_frame *mf = wmem_new0(wmem_file_scope(), modem_frame);
    mf->mbim = true;
    int dir = to_device ? 0 : 1;
    int len = (int)h->length;
    if (h->current == 0) {
        if (m->frag_active[dir]) {
            mf->problem = wmem_strdup_printf(wmem_file_scope(),
                "MBIM message (TransactionId %u): fragment %u of %u missing", m->frag_tid[dir],
                m->frag_next[dir] + 1, m->frag_total[dir]);
            mf->fragment_problem = true;
        }
        m->frag_active[dir] = h->total > 1;
        if (h->total == 1) {
            mf->whole = true;
            return mf;
        }
        m->frag_len[dir] = 0;
        frag_append(m, dir, tvb_get_ptr(tvb, 0, len), (size_t)len);
        m->frag_tid[dir] = h->tid;
        m->frag_total[dir] = h->total;
        m->frag_next[dir] = 1;
        return mf;
    }
    if (!m->frag_active[dir] || m->frag_tid[dir] != h->tid || m->frag_next[dir] != h->current ||
        m->frag_total[dir] != h->total || m->frag_len[dir] + (size_t)len > (1u << 20)) {
        mf->problem = wmem_strdup_printf(wmem_file_scope(),
            "MBIM fragment %u of %u (TransactionId %u) without the fragments before it",
            h->current + 1, h->total, h->tid);
        mf->fragment_problem = true;
        m->frag_active[dir] = false;
        return mf;
    }
    frag_append(m, dir, tvb_get_ptr(tvb, 20, len - 20), (size_t)(len - 20));
    m->frag_next[dir]++;
    if (m->frag_next[dir] < h->total)
        return mf;
    m->frag_active[dir] = false;
    mf->whole = true;
    mf->len = m->frag_len[dir];
    mf->msg = (uint8_t *)wmem_memdup(wmem_file_scope(), m->frag[dir], mf->len);
    return mf;
}

/* Pairing of a whole UICC message (first pass). */
static void mbim_pair(packet_info *pinfo, modem *m, modem_frame *mf, uint32_t tid,
                      const esim_mbim_body *b, bool done)
{
    if (!done) {
        esim_mbim_uicc u;
        esim_error err;
        esim_mbim_uicc_parse(b->cid, false, b->type_or_status == 1, b->info, b->info_len, &u, &err);
        pend *p = pend_add(m, tid);
        p->cid = b->cid;
        p->set = b->type_or_status == 1;
        p->channel = u.channel;
        p->select_p2 = u.select_p2;
        p->frame = pinfo->num;
        if (b->cid == ESIM_MBIM_UICC_OPEN_CHANNEL && u.bytes_len) {
            p->data = (uint8_t *)wmem_memdup(wmem_file_scope(), u.bytes, u.bytes_len);
            p->len = u.bytes_len;
        }
        mf->req = *p;
        return;
    }
    pend *p = pend_take(m, tid);
    if (!p || p->cid != b->cid) {
        mf->problem = wmem_strdup_printf(wmem_file_scope(),
            "MBIM UICC %s response (TransactionId %u) without its command",
            esim_mbim_uicc_cid_name(b->cid), tid);
        return;
    }
    mf->matched = true;
    mf->req = *p;
    mf->other_frame = p->frame;
}

static void mbim_uicc_tree(tvbuff_t *t, int info_off, packet_info *pinfo, proto_tree *st,
                           modem *m, modem_frame *mf, const esim_mbim_body *b, bool done,
                           esim_mbim_uicc *u, bool *ok)
{
    esim_error err;
    bool set = done ? mf->req.set : b->type_or_status == 1;
    *ok = esim_mbim_uicc_parse(b->cid, done, set, b->info, b->info_len, u, &err) == 0;
    if (!*ok) {
        expert_add_info_format(pinfo, proto_tree_get_parent(st), &ei_modem_malformed, "%s",
                               err.msg);
        return;
    }
    if (u->has_status) {
        proto_item *it = proto_tree_add_uint(st, hf_mbim_sw, t, info_off, 4, u->sw);
        proto_item_append_text(it, " (sent as 0x%08X: SW1, SW2 in a little-endian UINT32)",
                               u->status);
    }
    switch (b->cid) {
    case ESIM_MBIM_UICC_OPEN_CHANNEL:
        if (done)
            proto_tree_add_item(st, hf_mbim_channel, t, info_off + 4, 4, ENC_LITTLE_ENDIAN);
        else {
            proto_tree_add_item(st, hf_mbim_select_p2, t, info_off + 8, 4, ENC_LITTLE_ENDIAN);
            proto_tree_add_item(st, hf_mbim_channel_group, t, info_off + 12, 4,
                                ENC_LITTLE_ENDIAN);
        }
        break;
    case ESIM_MBIM_UICC_CLOSE_CHANNEL:
        if (!done) {
            proto_tree_add_item(st, hf_mbim_channel, t, info_off, 4, ENC_LITTLE_ENDIAN);
            proto_tree_add_item(st, hf_mbim_channel_group, t, info_off + 4, 4, ENC_LITTLE_ENDIAN);
        }
        break;
    case ESIM_MBIM_UICC_APDU:
        if (!done) {
            proto_tree_add_item(st, hf_mbim_channel, t, info_off, 4, ENC_LITTLE_ENDIAN);
            proto_tree_add_item(st, hf_mbim_secure_messaging, t, info_off + 4, 4,
                                ENC_LITTLE_ENDIAN);
            proto_tree_add_item(st, hf_mbim_class_byte_type, t, info_off + 8, 4,
                                ENC_LITTLE_ENDIAN);
        }
        break;
    case ESIM_MBIM_UICC_RESET:
        if (b->info_len >= 4)
            proto_tree_add_item(st, hf_mbim_reset, t, info_off, 4, ENC_LITTLE_ENDIAN);
        break;
    default:
        break;
    }
    if (u->bytes_len) {
        int hf = b->cid == ESIM_MBIM_UICC_ATR ? hf_mbim_atr
                 : b->cid == ESIM_MBIM_UICC_OPEN_CHANNEL ? (done ? hf_mbim_response : hf_mbim_aid)
                 : done ? hf_mbim_response : hf_mbim_apdu;
        proto_tree_add_item(st, hf, t, info_off + (int)u->bytes_off, (int)u->bytes_len, ENC_NA);
    }
    (void)m;
}

static void dissect_mbim(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, modem *m,
                         bool to_device, const esim_mbim_header *h)
{
    modem_frame *mf = (modem_frame *)p_get_proto_data(wmem_file_scope(), pinfo, proto_esim,
                                                      MODEM_KEY);
    bool first = !mf;
    if (first)
        mf = mbim_first_pass(tvb, pinfo, m, to_device, h);
    if (first)
        p_add_proto_data(wmem_file_scope(), pinfo, proto_esim, MODEM_KEY, mf);
    /* Wireshark's own MBIM view first */
    if (mbim_control_handle) {
        TRY {
            call_dissector_only(mbim_control_handle, tvb, pinfo, tree, NULL);
        }
        CATCH_NONFATAL_ERRORS {
            show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
        }
        ENDTRY;
    }
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "eSIM/MBIM");
    proto_item *ti = proto_tree_add_item(tree, hf_mbim, tvb, 0, (int)h->length, ENC_NA);
    proto_tree *st = proto_item_add_subtree(ti, ett_mbim);
    proto_tree_add_item(st, hf_mbim_type, tvb, 0, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_mbim_length, tvb, 4, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_mbim_tid, tvb, 8, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_mbim_frag_total, tvb, 12, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_mbim_frag_current, tvb, 16, 4, ENC_LITTLE_ENDIAN);
    if (mf->problem && mf->fragment_problem)
        expert_add_info_format(pinfo, ti, &ei_mbim_fragment, "%s", mf->problem);
    col_clear(pinfo->cinfo, COL_INFO);
    if (!mf->whole) {
        col_add_fstr(pinfo->cinfo, COL_INFO, "MBIM %s fragment %u/%u (TransactionId %u)",
                     val_to_str_const(h->type, mbim_type_vals, "?"), h->current + 1, h->total,
                     h->tid);
        return;
    }
    tvbuff_t *t = tvb;
    int body_off = 20;
    size_t body_len = h->length - 20;
    if (mf->msg) {
        t = tvb_new_child_real_data(tvb, mf->msg, (guint)mf->len, (gint)mf->len);
        add_new_data_source(pinfo, t, "Reassembled MBIM message");
        proto_item *ri = proto_tree_add_item(st, hf_mbim_reassembled, t, 0, -1, ENC_NA);
        proto_item_set_generated(ri);
        body_len = mf->len - 20;
    }
    bool done = h->type == ESIM_MBIM_COMMAND_DONE;
    esim_mbim_body b;
    esim_error err;
    const uint8_t *body = tvb_get_ptr(t, body_off, (gint)body_len);
    if (esim_mbim_body_parse(body, body_len, done, &b, &err) < 0) {
        expert_add_info_format(pinfo, ti, &ei_modem_malformed, "%s", err.msg);
        return;
    }
    if (first)
        mbim_pair(pinfo, m, mf, h->tid, &b, done);
    proto_tree_add_item(st, hf_mbim_cid, t, body_off + 16, 4, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, done ? hf_mbim_status : hf_mbim_command_type, t, body_off + 20, 4,
                        ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_mbim_info_length, t, body_off + 24, 4, ENC_LITTLE_ENDIAN);
    const char *cid = esim_mbim_uicc_cid_name(b.cid);
    col_add_fstr(pinfo->cinfo, COL_INFO, "MBIM UICC %s %s (TransactionId %u)", cid,
                 done ? "response" : "command", h->tid);
    if (mf->other_frame)
        proto_item_set_generated(proto_tree_add_uint(st, hf_modem_request_in, t, 0, 0,
                                                     mf->other_frame));
    if (mf->problem && !mf->fragment_problem)
        expert_add_info_format(pinfo, ti, &ei_modem_unmatched, "%s", mf->problem);
    if (done && b.type_or_status != 0) {
        expert_add_info_format(pinfo, ti, &ei_modem_failed, "MBIM UICC %s failed: status %s",
                               cid, esim_mbim_status_name(b.type_or_status));
        return;
    }
    esim_mbim_uicc u;
    bool ok;
    mbim_uicc_tree(t, body_off + 28, pinfo, st, m, mf, &b, done, &u, &ok);
    if (!ok)
        return;
    card_state *cs = card_of(m, false, 0);
    int info = body_off + 28;
    switch (b.cid) {
    case ESIM_MBIM_UICC_APDU:
        if (!done && u.bytes_len)
            es10_command(t, info + (int)u.bytes_off, (int)u.bytes_len, pinfo, tree, cs,
                         u.channel, true);
        else if (done && mf->matched) {
            uint8_t *r = (uint8_t *)wmem_alloc(pinfo->pool, u.bytes_len + 2);
            if (u.bytes_len)
                memcpy(r, u.bytes, u.bytes_len);
            r[u.bytes_len] = (uint8_t)(u.sw >> 8);
            r[u.bytes_len + 1] = (uint8_t)u.sw;
            tvbuff_t *rt = synth_tvb(t, pinfo, r, u.bytes_len + 2, "APDU response + SW1 SW2");
            esim_es10_parts(rt, pinfo, tree, cs, 0, 0, 0, (int)u.bytes_len, (int)u.bytes_len,
                            NULL, NULL, NULL);
        }
        break;
    case ESIM_MBIM_UICC_OPEN_CHANNEL:
        if (done && mf->matched && esim_sw_ok(u.sw))
            es10_select(t, pinfo, tree, cs, u.channel, mf->req.data, mf->req.len,
                        (uint8_t)mf->req.select_p2, u.bytes, u.bytes_len, u.sw);
        break;
    case ESIM_MBIM_UICC_RESET:
        if (done && mf->matched && mf->req.set && !PINFO_FD_VISITED(pinfo))
            esim_cardview_reset(cs);
        break;
    default:
        break;
    }
    col_prepend_fstr(pinfo->cinfo, COL_INFO, "MBIM UICC %s: ", cid);
}

/* ---- QMI ---- */

static void dissect_qmi(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, modem *m,
                        const esim_qmux *q)
{
    modem_frame *mf = (modem_frame *)p_get_proto_data(wmem_file_scope(), pinfo, proto_esim,
                                                      MODEM_KEY);
    bool response = q->flags & ESIM_QMI_RESPONSE;
    esim_qmi_uim u;
    esim_error err;
    bool parsed = esim_qmi_uim_parse(q, &u, &err) == 0;
    uint32_t key = (uint32_t)q->client << 16 | q->tid;
    if (!mf) {
        mf = wmem_new0(wmem_file_scope(), modem_frame);
        mf->whole = true;
        if (!response) {
            pend *p = pend_add(m, key);
            p->cid = q->msg_id;
            p->slot = u.has_slot ? u.slot : 1;
            p->channel = u.channel;
            p->set = u.has_channel;
            p->close = u.close;
            p->frame = pinfo->num;
            if (u.bytes_len && q->msg_id != ESIM_QMI_UIM_SEND_APDU) {
                p->data = (uint8_t *)wmem_memdup(wmem_file_scope(), u.bytes, u.bytes_len);
                p->len = u.bytes_len;
            }
            mf->req = *p;
        } else {
            pend *p = pend_take(m, key);
            if (p && p->cid == q->msg_id) {
                mf->matched = true;
                mf->req = *p;
                mf->other_frame = p->frame;
            } else {
                mf->problem = wmem_strdup_printf(wmem_file_scope(),
                    "QMI UIM %s response (client %u, transaction %u) without its request",
                    val_to_str_const(q->msg_id, qmi_msg_vals, "?"), q->client, q->tid);
            }
        }
        p_add_proto_data(wmem_file_scope(), pinfo, proto_esim, MODEM_KEY, mf);
    }
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "eSIM/QMI");
    proto_item *ti = proto_tree_add_item(tree, hf_qmi, tvb, 0, (int)q->length + 1, ENC_NA);
    proto_tree *st = proto_item_add_subtree(ti, ett_qmi);
    proto_tree_add_item(st, hf_qmi_length, tvb, 1, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_qmi_sender, tvb, 3, 1, ENC_NA);
    proto_tree_add_item(st, hf_qmi_service, tvb, 4, 1, ENC_NA);
    proto_tree_add_item(st, hf_qmi_client, tvb, 5, 1, ENC_NA);
    proto_tree_add_item(st, hf_qmi_flags, tvb, 6, 1, ENC_NA);
    proto_tree_add_item(st, hf_qmi_tid, tvb, 7, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_qmi_msg_id, tvb, 9, 2, ENC_LITTLE_ENDIAN);
    proto_tree_add_item(st, hf_qmi_tlv_length, tvb, 11, 2, ENC_LITTLE_ENDIAN);
    size_t pos = 0;
    esim_qmi_tlv tl;
    bool bad = false;
    while (esim_qmi_tlv_next(q, &pos, &tl, &bad)) {
        int o = (int)(q->tlv_off + tl.off);
        proto_item *tli = proto_tree_add_item(st, hf_qmi_tlv, tvb, o, 3 + tl.len, ENC_NA);
        proto_item_set_text(tli, "TLV 0x%02X (%u bytes)", tl.type, tl.len);
        proto_tree *tt = proto_item_add_subtree(tli, ett_qmi_tlv);
        proto_tree_add_item(tt, hf_qmi_tlv_type, tvb, o, 1, ENC_NA);
        proto_tree_add_item(tt, hf_qmi_tlv_len, tvb, o + 1, 2, ENC_LITTLE_ENDIAN);
        int v = o + 3;
        bool sa = q->msg_id == ESIM_QMI_UIM_SEND_APDU;
        if (response && tl.type == 0x02 && tl.len >= 4) {
            proto_tree_add_item(tt, hf_qmi_result, tvb, v, 2, ENC_LITTLE_ENDIAN);
            proto_tree_add_item(tt, hf_qmi_error, tvb, v + 2, 2, ENC_LITTLE_ENDIAN);
        } else if (!response && tl.type == 0x01 && tl.len >= 1) {
            proto_tree_add_item(tt, hf_qmi_slot, tvb, v, 1, ENC_NA);
        } else if (parsed && u.bytes_len && tl.v <= u.bytes && u.bytes < tl.v + tl.len) {
            int hf = sa ? (response ? hf_qmi_response : hf_qmi_apdu)
                        : (response ? hf_qmi_select_response : hf_qmi_aid);
            proto_tree_add_item(tt, hf, tvb, (int)(q->tlv_off + (size_t)(u.bytes - q->tlv)),
                                (int)u.bytes_len, ENC_NA);
        } else if ((sa && !response && tl.type == 0x10) || (!sa && response && tl.type == 0x10) ||
                   (!sa && !response && tl.type == 0x11 &&
                    q->msg_id == ESIM_QMI_UIM_LOGICAL_CHANNEL)) {
            if (tl.len >= 1)
                proto_tree_add_item(tt, hf_qmi_channel, tvb, v, 1, ENC_NA);
        } else if (!sa && response && tl.type == 0x11 && tl.len >= 2) {
            proto_tree_add_item(tt, hf_qmi_sw, tvb, v, 2, ENC_BIG_ENDIAN);
        }
    }
    const char *name = val_to_str_const(q->msg_id, qmi_msg_vals, "?");
    col_clear(pinfo->cinfo, COL_INFO);
    col_add_fstr(pinfo->cinfo, COL_INFO, "QMI UIM %s %s (transaction %u)", name,
                 response ? "response" : "request", q->tid);
    if (mf->other_frame)
        proto_item_set_generated(proto_tree_add_uint(st, response ? hf_modem_request_in
                                                                  : hf_modem_response_in,
                                                     tvb, 0, 0, mf->other_frame));
    if (mf->problem)
        expert_add_info_format(pinfo, ti, &ei_modem_unmatched, "%s", mf->problem);
    if (!parsed) {
        expert_add_info_format(pinfo, ti, &ei_modem_malformed, "%s", err.msg);
        return;
    }
    if (response && u.result != 0) {
        expert_add_info_format(pinfo, ti, &ei_modem_failed, "QMI UIM %s failed: error %u (%s)",
                               name, u.error, esim_qmi_error_name(u.error));
        return;
    }
    uint8_t slot = response ? mf->req.slot : (u.has_slot ? u.slot : 1);
    card_state *cs = card_of(m, true, slot);
    if (!cs) { /* slot 0 or beyond the slots kept: no card to follow */
        col_prepend_fstr(pinfo->cinfo, COL_INFO, "QMI UIM %s: ", name);
        return;
    }
    if (q->msg_id == ESIM_QMI_UIM_SEND_APDU && u.bytes_len) {
        int off = (int)(q->tlv_off + (size_t)(u.bytes - q->tlv));
        if (!response)
            es10_command(tvb, off, (int)u.bytes_len, pinfo, tree, cs, u.channel, u.has_channel);
        else if (mf->matched && u.bytes_len >= 2)
            esim_es10_parts(tvb, pinfo, tree, cs, 0, 0, off, (int)u.bytes_len - 2,
                            off + (int)u.bytes_len - 2, NULL, NULL, NULL);
    } else if (response && mf->matched && !mf->req.close && u.has_channel &&
               (q->msg_id == ESIM_QMI_UIM_OPEN_LOGICAL_CHANNEL ||
                q->msg_id == ESIM_QMI_UIM_LOGICAL_CHANNEL)) {
        es10_select(tvb, pinfo, tree, cs, u.channel, mf->req.data, mf->req.len, 0x00, u.bytes,
                    u.bytes_len, u.has_card_result ? u.sw : 0x9000);
    }
    col_prepend_fstr(pinfo->cinfo, COL_INFO, "QMI UIM %s: ", name);
}

/* ---- the heuristic ---- */

/* Where the encapsulated message starts. Wireshark 4.0 hands a control submission on with the
 * rest of its setup packet in front of the OUT data (bRequest, wValue, wIndex, wLength: 7
 * bytes); a completion carries the IN data alone. Both are told apart by the setup's wLength. */
static int message_offset(tvbuff_t *tvb, uint8_t requesttype, uint8_t request)
{
    int len = (int)tvb_captured_length(tvb);
    if (len >= 8 && tvb_get_guint8(tvb, 0) == requesttype && tvb_get_guint8(tvb, 1) == request &&
        tvb_get_letohs(tvb, 6) == len - 8)
        return 8;
    if (len >= 7 && tvb_get_guint8(tvb, 0) == request && tvb_get_letohs(tvb, 5) == len - 7)
        return 7;
    return 0;
}

static gboolean heur_usb_control(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                 void *data)
{
    usb_conv_info_t *u = (usb_conv_info_t *)data;
    if (!u || !u->usb_trans_info)
        return FALSE;
    uint8_t rt = u->usb_trans_info->setup.requesttype, rq = u->usb_trans_info->setup.request;
    bool send = rt == 0x21 && rq == 0x00, get = rt == 0xA1 && rq == 0x01;
    if (!send && !get)
        return FALSE;
    int off = message_offset(tvb, rt, rq);
    int len = (int)tvb_captured_length_remaining(tvb, off);
    if (len < 12 || tvb_reported_length_remaining(tvb, off) != len)
        return FALSE;
    const uint8_t *d = tvb_get_ptr(tvb, off, len);
    tvbuff_t *mt = tvb_new_subset_length(tvb, off, len);
    if (esim_qmux_looks_like(d, (size_t)len)) {
        esim_qmux q;
        esim_error err;
        if (esim_qmux_parse(d, (size_t)len, &q, &err) < 0 || q.service != ESIM_QMI_SERVICE_UIM)
            return FALSE;
        dissect_qmi(mt, pinfo, tree, modem_of(pinfo), &q);
        return TRUE;
    }
    esim_mbim_header h;
    if (!esim_mbim_header_parse(d, (size_t)len, &h) || h.length != (uint32_t)len ||
        !h.fragmented || h.total == 0 || h.current >= h.total ||
        (h.type != ESIM_MBIM_COMMAND && h.type != ESIM_MBIM_COMMAND_DONE))
        return FALSE;
    /* the UICC service: in the first fragment; later fragments belong to a message that was
     * claimed (first pass: the modem reassembles one) */
    modem *m = modem_of(pinfo);
    bool mine = p_get_proto_data(wmem_file_scope(), pinfo, proto_esim, MODEM_KEY) != NULL;
    if (!mine && h.current == 0)
        mine = len >= 36 && !memcmp(d + 20, esim_mbim_uuid_uicc, 16);
    if (!mine && h.current > 0 && !PINFO_FD_VISITED(pinfo))
        mine = m->frag_active[send ? 0 : 1] && m->frag_tid[send ? 0 : 1] == h.tid;
    if (!mine)
        return FALSE;
    dissect_mbim(mt, pinfo, tree, m, send, &h);
    return TRUE;
}

void esim_register_modem(void)
{
    static hf_register_info hf[] = {
        {&hf_mbim, {"MBIM UICC low-level access", "esim.mbim", FT_NONE, BASE_NONE, NULL, 0x0,
                    "Microsoft MBIM UICC low-level access service message", HFILL}},
        {&hf_mbim_type, {"Message type", "esim.mbim.type", FT_UINT32, BASE_HEX,
                         VALS(mbim_type_vals), 0x0, NULL, HFILL}},
        {&hf_mbim_length, {"Message length", "esim.mbim.length", FT_UINT32, BASE_DEC, NULL,
                           0x0, NULL, HFILL}},
        {&hf_mbim_tid, {"TransactionId", "esim.mbim.transaction_id", FT_UINT32, BASE_DEC, NULL,
                        0x0, NULL, HFILL}},
        {&hf_mbim_frag_total, {"Total fragments", "esim.mbim.fragment.total", FT_UINT32,
                               BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_mbim_frag_current, {"Current fragment", "esim.mbim.fragment.current", FT_UINT32,
                                 BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_mbim_cid, {"CID", "esim.mbim.cid", FT_UINT32, BASE_DEC, VALS(mbim_cid_vals), 0x0,
                        NULL, HFILL}},
        {&hf_mbim_command_type, {"Command type", "esim.mbim.command_type", FT_UINT32, BASE_DEC,
                                 VALS(mbim_command_type_vals), 0x0, NULL, HFILL}},
        {&hf_mbim_status, {"MBIM status", "esim.mbim.status", FT_UINT32, BASE_HEX, NULL, 0x0,
                           NULL, HFILL}},
        {&hf_mbim_info_length, {"InformationBufferLength", "esim.mbim.info_length", FT_UINT32,
                                BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_mbim_channel, {"Channel", "esim.mbim.channel", FT_UINT32, BASE_DEC, NULL, 0x0,
                            "Logical channel", HFILL}},
        {&hf_mbim_channel_group, {"Channel group", "esim.mbim.channel_group", FT_UINT32,
                                  BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_mbim_select_p2, {"SELECT P2", "esim.mbim.select_p2", FT_UINT32, BASE_HEX, NULL,
                              0x0, "P2 of the SELECT the modem sends", HFILL}},
        {&hf_mbim_secure_messaging, {"Secure messaging", "esim.mbim.secure_messaging",
                                     FT_UINT32, BASE_DEC, VALS(mbim_secure_messaging_vals), 0x0,
                                     NULL, HFILL}},
        {&hf_mbim_class_byte_type, {"Class byte type", "esim.mbim.class_byte_type", FT_UINT32,
                                    BASE_DEC, VALS(mbim_class_byte_vals), 0x0, NULL, HFILL}},
        {&hf_mbim_sw, {"Status word", "esim.mbim.sw", FT_UINT16, BASE_HEX, NULL, 0x0,
                       "SW1 SW2 of the card", HFILL}},
        {&hf_mbim_apdu, {"Command APDU", "esim.mbim.apdu", FT_BYTES, BASE_NONE, NULL, 0x0, NULL,
                         HFILL}},
        {&hf_mbim_response, {"Response data", "esim.mbim.response", FT_BYTES, BASE_NONE, NULL,
                             0x0, "Response data without the status word", HFILL}},
        {&hf_mbim_aid, {"AID", "esim.mbim.aid", FT_BYTES, BASE_NONE, NULL, 0x0,
                        "Application to select on the new channel", HFILL}},
        {&hf_mbim_atr, {"ATR", "esim.mbim.atr", FT_BYTES, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_mbim_reset, {"Pass-through action / status", "esim.mbim.reset", FT_UINT32,
                          BASE_DEC, NULL, 0x0, NULL, HFILL}},
        {&hf_mbim_reassembled, {"Reassembled MBIM message", "esim.mbim.reassembled", FT_BYTES,
                                BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_qmi, {"QMI UIM", "esim.qmi", FT_NONE, BASE_NONE, NULL, 0x0,
                   "QMUX message of the QMI UIM service", HFILL}},
        {&hf_qmi_length, {"QMUX length", "esim.qmi.length", FT_UINT16, BASE_DEC, NULL, 0x0, NULL,
                          HFILL}},
        {&hf_qmi_sender, {"Sender", "esim.qmi.sender", FT_UINT8, BASE_HEX,
                          VALS(qmi_sender_vals), 0x0, "QMUX control flags", HFILL}},
        {&hf_qmi_service, {"Service", "esim.qmi.service", FT_UINT8, BASE_HEX,
                           VALS(qmi_service_vals), 0x0, NULL, HFILL}},
        {&hf_qmi_client, {"Client id", "esim.qmi.client", FT_UINT8, BASE_DEC, NULL, 0x0, NULL,
                          HFILL}},
        {&hf_qmi_flags, {"Message type", "esim.qmi.flags", FT_UINT8, BASE_HEX,
                         VALS(qmi_flags_vals), 0x0, NULL, HFILL}},
        {&hf_qmi_tid, {"Transaction id", "esim.qmi.transaction_id", FT_UINT16, BASE_DEC, NULL,
                       0x0, NULL, HFILL}},
        {&hf_qmi_msg_id, {"Message", "esim.qmi.message", FT_UINT16, BASE_HEX,
                          VALS(qmi_msg_vals), 0x0, NULL, HFILL}},
        {&hf_qmi_tlv_length, {"TLV length", "esim.qmi.tlv_length", FT_UINT16, BASE_DEC, NULL,
                              0x0, NULL, HFILL}},
        {&hf_qmi_tlv, {"TLV", "esim.qmi.tlv", FT_NONE, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_qmi_tlv_type, {"Type", "esim.qmi.tlv.type", FT_UINT8, BASE_HEX, NULL, 0x0, NULL,
                            HFILL}},
        {&hf_qmi_tlv_len, {"Length", "esim.qmi.tlv.length", FT_UINT16, BASE_DEC, NULL, 0x0,
                           NULL, HFILL}},
        {&hf_qmi_slot, {"Slot", "esim.qmi.slot", FT_UINT8, BASE_DEC, NULL, 0x0,
                        "UIM slot (each slot is its own card)", HFILL}},
        {&hf_qmi_channel, {"Channel id", "esim.qmi.channel", FT_UINT8, BASE_DEC, NULL, 0x0,
                           "Logical channel", HFILL}},
        {&hf_qmi_result, {"Result", "esim.qmi.result", FT_UINT16, BASE_DEC,
                          VALS(qmi_result_vals), 0x0, NULL, HFILL}},
        {&hf_qmi_error, {"Error", "esim.qmi.error", FT_UINT16, BASE_DEC, NULL, 0x0,
                         "QMI protocol error code", HFILL}},
        {&hf_qmi_sw, {"Card result", "esim.qmi.sw", FT_UINT16, BASE_HEX, NULL, 0x0,
                      "SW1 SW2 of the card", HFILL}},
        {&hf_qmi_apdu, {"Command APDU", "esim.qmi.apdu", FT_BYTES, BASE_NONE, NULL, 0x0, NULL,
                        HFILL}},
        {&hf_qmi_response, {"APDU response", "esim.qmi.response", FT_BYTES, BASE_NONE, NULL,
                            0x0, "Response data and SW1 SW2", HFILL}},
        {&hf_qmi_aid, {"AID", "esim.qmi.aid", FT_BYTES, BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_qmi_select_response, {"Select response", "esim.qmi.select_response", FT_BYTES,
                                   BASE_NONE, NULL, 0x0, NULL, HFILL}},
        {&hf_modem_request_in, {"Request in", "esim.modem.request_in", FT_FRAMENUM, BASE_NONE,
                                FRAMENUM_TYPE(FT_FRAMENUM_REQUEST), 0x0, NULL, HFILL}},
        {&hf_modem_response_in, {"Response in", "esim.modem.response_in", FT_FRAMENUM,
                                 BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0, NULL,
                                 HFILL}},
    };
    static gint *ett[] = {&ett_mbim, &ett_qmi, &ett_qmi_tlv};
    static ei_register_info ei[] = {
        {&ei_modem_unmatched, {"esim.modem.unmatched", PI_SEQUENCE, PI_WARN,
                               "Response without its request", EXPFILL}},
        {&ei_modem_malformed, {"esim.modem.malformed", PI_MALFORMED, PI_ERROR,
                               "Modem message malformed", EXPFILL}},
        {&ei_modem_failed, {"esim.modem.failed", PI_RESPONSE_CODE, PI_WARN,
                            "Modem UICC operation failed", EXPFILL}},
        {&ei_mbim_fragment, {"esim.mbim.fragment.missing", PI_SEQUENCE, PI_ERROR,
                             "MBIM fragment missing", EXPFILL}},
    };
    proto_register_field_array(proto_esim, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_esim), ei, array_length(ei));
    modems = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash,
                                    g_str_equal);
}

void esim_handoff_modem(void)
{
    mbim_control_handle = find_dissector("mbim.control");
    heur_dissector_add("usb.control", heur_usb_control,
                       "eSIM ES10 through a modem (MBIM UICC access, QMI UIM)", "esim_modem",
                       proto_esim, HEURISTIC_ENABLE);
}
