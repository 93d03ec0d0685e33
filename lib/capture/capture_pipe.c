/* Capture pipeline (see capture_pipe.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esim/capture_pipe.h"
#include "esim/ccid.h"
#include "esim/gsmtap.h"
#include "esim/mbim.h"
#include "esim/qmi.h"
#include "esim/usb_cdc.h"
#include "esim/netdecode.h"
#include "esim/tcp_reasm.h"

typedef struct card {
    esim_pipe *pipe;
    esim_card_info info;
    uint8_t key[18];           /* GSMTAP: address + port; USB: bus, device, bSlot */
    esim_apdu_ctx *apdu;
    esim_gsmtap_sim *sim;
    esim_ccid *ccid;           /* USB: the reader, on the card of slot 0 */
    esim_mbim *mbim;           /* MBIM modem */
    esim_qmi *qmi;             /* QMI modem, on the card of UIM slot 1 */
} card;

struct esim_pipe {
    esim_pipe_handlers h;
    esim_pipe_stats st;
    card cards[ESIM_PIPE_MAX_CARDS];
    esim_tcp_reasm *tcp;
    esim_tls *tls;
    esim_tls_keylog *tls_keys, *own_keys; /* own_keys: made when the handlers give none */
    esim_cdc *cdc;             /* CDC requests waiting for their data (modems) */
    bool full_warned;
};

static void on_apdu(const esim_apdu_event *ev, void *user)
{
    card *c = user;
    if (c->pipe->h.apdu)
        c->pipe->h.apdu(ev, &c->info, c->pipe->h.user);
}

static void on_http(const esim_http_event *ev, void *user)
{
    esim_pipe *p = user;
    if (p->h.http)
        p->h.http(ev, p->h.user);
}

/* TCP flows go through the TLS layer; plain and decrypted bytes come out here */
static void on_plain(const esim_tcp_event *ev, void *user)
{
    esim_http_on_tcp(ev, on_http, user);
}

static void on_tcp(const esim_tcp_event *ev, void *user)
{
    esim_tls_on_tcp(((esim_pipe *)user)->tls, ev);
}

static void on_tls_report(const esim_tls_report *r, void *user)
{
    esim_pipe *p = user;
    if (p->h.tls)
        p->h.tls(r, p->h.user);
}

static void warn(esim_pipe *p, uint64_t frame, const char *msg)
{
    p->st.warnings++;
    if (p->h.warning)
        p->h.warning(frame, msg, p->h.user);
}

esim_pipe *esim_pipe_new(const esim_pipe_handlers *h)
{
    esim_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->h = *h;
    p->tls_keys = h->tls_keys;
    if (!p->tls_keys)
        p->tls_keys = p->own_keys = esim_tls_keylog_new();
    p->tcp = esim_tcp_new(on_tcp, p, NULL);
    p->tls = esim_tls_new(on_plain, p, p->tls_keys, on_tls_report, p);
    p->cdc = esim_cdc_new();
    if (!p->tcp || !p->tls || !p->tls_keys || !p->cdc) {
        esim_pipe_free(p);
        return NULL;
    }
    return p;
}

static card *find_card(esim_pipe *p, esim_card_kind kind, const uint8_t key[18], uint64_t frame,
                       const char *name);

/* The card in another slot of the same reader or modem: each slot holds its own card, with its
 * own APDU context (channels, ISD-R, STORE DATA chains); the first card is the one in home. */
static esim_apdu_ctx *other_slot(card *r, unsigned slot, unsigned home, esim_card_kind kind)
{
    if (slot == home)
        return r->apdu;
    uint8_t key[18];
    memcpy(key, r->key, sizeof key);
    key[4] = (uint8_t)slot;
    char name[80];
    snprintf(name, sizeof name, "%s slot %u", r->info.name, slot);
    card *c = find_card(r->pipe, kind, key, 0, name);
    return c ? c->apdu : NULL;
}

/* A USB CCID reader's card for slot 0; a QMI modem's for UIM slot 1. */
static esim_apdu_ctx *slot_card(void *user, unsigned slot)
{
    return other_slot(user, slot, 0, ESIM_CARD_USB);
}

static esim_apdu_ctx *qmi_slot_card(void *user, unsigned slot)
{
    return other_slot(user, slot, 1, ESIM_CARD_QMI);
}

/* The card for a key, created on first use; NULL when the table is full. */
static card *find_card(esim_pipe *p, esim_card_kind kind, const uint8_t key[18], uint64_t frame,
                       const char *name)
{
    for (unsigned i = 0; i < p->st.cards; i++)
        if (p->cards[i].info.kind == kind && !memcmp(p->cards[i].key, key, 18))
            return &p->cards[i];
    if (p->st.cards == ESIM_PIPE_MAX_CARDS) {
        if (!p->full_warned)
            warn(p, frame, "more than 32 cards in the capture: the others are ignored");
        p->full_warned = true;
        return NULL;
    }
    card *c = &p->cards[p->st.cards];
    memset(c, 0, sizeof *c);
    c->pipe = p;
    c->info.index = p->st.cards;
    c->info.kind = kind;
    snprintf(c->info.name, sizeof c->info.name, "%s", name);
    memcpy(c->key, key, 18);
    c->apdu = esim_apdu_new(on_apdu, c);
    if (c->apdu)
        c->sim = kind == ESIM_CARD_GSMTAP ? esim_gsmtap_sim_new(c->apdu) : NULL;
    bool reader = kind == ESIM_CARD_USB && key[4] == 0;
    if (c->apdu && reader)
        c->ccid = esim_ccid_new(c->apdu);
    if (c->ccid)
        esim_ccid_slot_cards(c->ccid, slot_card, c);
    bool mbim = kind == ESIM_CARD_MBIM, qmi = kind == ESIM_CARD_QMI && key[4] == 1;
    if (c->apdu && mbim)
        c->mbim = esim_mbim_new(c->apdu);
    if (c->apdu && qmi)
        c->qmi = esim_qmi_new(qmi_slot_card, c);
    if (!c->apdu || (kind == ESIM_CARD_GSMTAP && !c->sim) || (reader && !c->ccid) ||
        (mbim && !c->mbim) || (qmi && !c->qmi)) {
        esim_gsmtap_sim_free(c->sim);
        esim_ccid_free(c->ccid);
        esim_mbim_free(c->mbim);
        esim_qmi_free(c->qmi);
        esim_apdu_free(c->apdu);
        return NULL;
    }
    p->st.cards++;
    return c;
}

/* A modem's control interface: MBIM or QMUX in CDC encapsulated messages, recognised by their
 * own headers (no USB descriptors needed). */
static void modem_packet(esim_pipe *p, const esim_packet *pk, const esim_usb_packet *u)
{
    esim_cdc_msg m;
    esim_error err;
    esim_cdc_kind k = esim_cdc_packet(p->cdc, u, &m);
    if (k != ESIM_CDC_COMMAND && k != ESIM_CDC_RESPONSE) {
        p->st.other++;
        return;
    }
    bool is_mbim = esim_mbim_looks_like(m.data, m.len), is_qmux = esim_qmux_looks_like(m.data, m.len);
    uint8_t key[18] = {(uint8_t)u->bus, (uint8_t)(u->bus >> 8), (uint8_t)u->device,
                       (uint8_t)(u->device >> 8)};
    card *c = NULL;
    for (unsigned i = 0; i < p->st.cards && !c; i++) {
        card *x = &p->cards[i];
        if ((x->mbim || x->qmi) && !memcmp(x->key, key, 4))
            c = x;
    }
    if (!c) {
        if (!is_mbim && !is_qmux) {
            p->st.other++;
            return;
        }
        key[4] = is_qmux ? 1 : 0;
        char name[64];
        snprintf(name, sizeof name, "usb %u.%u %s", u->bus, u->device, is_qmux ? "qmi" : "mbim");
        c = find_card(p, is_qmux ? ESIM_CARD_QMI : ESIM_CARD_MBIM, key, pk->frame, name);
        if (!c)
            return;
    }
    /* an answer whose request was not captured counts only when it reads as this carrier */
    if (m.unmatched && !(c->mbim ? is_mbim : is_qmux)) {
        p->st.other++;
        return;
    }
    p->st.modem++;
    int rc = c->mbim ? esim_mbim_feed(c->mbim, pk->frame, pk->ts_sec, pk->ts_nsec,
                                      k == ESIM_CDC_COMMAND, m.data, m.len, &err)
                     : esim_qmi_feed(c->qmi, pk->frame, pk->ts_sec, pk->ts_nsec, m.data, m.len,
                                     &err);
    if (rc < 0)
        warn(p, pk->frame, err.msg);
}

static void usb_packet(esim_pipe *p, const esim_packet *pk)
{
    esim_usb_packet u;
    esim_error err;
    bool to_dev;
    if (esim_usb_decode(pk->linktype, pk->data, pk->caplen, &u, &err) < 0) {
        warn(p, pk->frame, err.msg);
        return;
    }
    if (u.xfer_type == ESIM_USB_XFER_CONTROL || u.xfer_type == ESIM_USB_XFER_INTERRUPT) {
        modem_packet(p, pk, &u);
        return;
    }
    if (!esim_usb_bulk_payload(&u, &to_dev)) {
        p->st.other++;
        return;
    }
    uint8_t key[18] = {(uint8_t)u.bus, (uint8_t)(u.bus >> 8), (uint8_t)u.device,
                       (uint8_t)(u.device >> 8)};
    card *c = NULL;
    for (unsigned i = 0; i < p->st.cards && !c; i++)
        if (p->cards[i].info.kind == ESIM_CARD_USB && !memcmp(p->cards[i].key, key, 18))
            c = &p->cards[i];
    /* a USB device becomes a card reader with its first CCID command */
    if (!c) {
        if (!to_dev || !esim_ccid_looks_like(u.data, u.len, true)) {
            p->st.other++;
            return;
        }
        char name[64];
        snprintf(name, sizeof name, "usb %u.%u", u.bus, u.device);
        c = find_card(p, ESIM_CARD_USB, key, pk->frame, name);
        if (!c)
            return;
    }
    p->st.ccid++;
    if (esim_ccid_feed(c->ccid, pk->frame, pk->ts_sec, pk->ts_nsec, to_dev, u.data, u.len, &err) < 0)
        warn(p, pk->frame, err.msg);
}

static void gsmtap_packet(esim_pipe *p, const esim_packet *pk, const esim_net *n)
{
    esim_gsmtap g;
    esim_error err;
    if (esim_gsmtap_parse(n->payload, n->payload_len, &g, &err) < 0) {
        warn(p, pk->frame, err.msg);
        return;
    }
    if (g.type != ESIM_GSMTAP_TYPE_SIM) {
        p->st.other++;
        return;
    }
    uint8_t key[18] = {0};
    memcpy(key, n->src, 16);
    key[16] = (uint8_t)(n->sport >> 8);
    key[17] = (uint8_t)n->sport;
    card *c = NULL;
    for (unsigned i = 0; i < p->st.cards && !c; i++)
        if (p->cards[i].info.kind == ESIM_CARD_GSMTAP && !memcmp(p->cards[i].key, key, 18))
            c = &p->cards[i];
    if (!c) {
        char addr[46], name[64]; /* INET6_ADDRSTRLEN */
        esim_net_addr_str(n->ip_version, n->src, addr, sizeof addr);
        snprintf(name, sizeof name, "gsmtap %s:%u", addr, n->sport);
        if (pk->from_log) /* a card slot of a phone or LPA log (esim/log.h) */
            snprintf(name, sizeof name, "log SLOT_%u", pk->iface);
        c = find_card(p, ESIM_CARD_GSMTAP, key, pk->frame, name);
        if (!c)
            return;
    }
    p->st.gsmtap++;
    if (esim_gsmtap_sim_feed(c->sim, pk->frame, pk->ts_sec, pk->ts_nsec, &g, &err) < 0)
        warn(p, pk->frame, err.msg);
}

void esim_pipe_packet(esim_pipe *p, const esim_packet *pk)
{
    if (pk->linktype == ESIM_LINKTYPE_LOG_NOTE) { /* a log line that could not be used */
        warn(p, pk->frame, (const char *)pk->data);
        return;
    }
    p->st.packets++;
    if (pk->linktype == ESIM_LINKTYPE_USB_LINUX || pk->linktype == ESIM_LINKTYPE_USB_LINUX_MMAPPED ||
        pk->linktype == ESIM_LINKTYPE_USBPCAP) {
        usb_packet(p, pk);
        return;
    }
    esim_net n;
    esim_error err;
    if (esim_net_decode(pk->linktype, pk->data, pk->caplen, &n, &err) < 0) {
        warn(p, pk->frame, err.msg);
        return;
    }
    if (!n.l4) {
        p->st.other++;
        return;
    }
    if (n.proto == ESIM_IPPROTO_UDP && (n.dport == ESIM_GSMTAP_PORT || n.sport == ESIM_GSMTAP_PORT))
        gsmtap_packet(p, pk, &n);
    else if (n.proto == ESIM_IPPROTO_TCP) {
        p->st.tcp++;
        esim_tcp_feed(p->tcp, pk->frame, pk->ts_sec, pk->ts_nsec, &n);
    } else
        p->st.other++;
}

void esim_pipe_finish(esim_pipe *p)
{
    esim_error err;
    for (unsigned i = 0; i < p->st.cards; i++) {
        card *c = &p->cards[i];
        if ((c->mbim && esim_mbim_finish(c->mbim, &err) < 0) ||
            (c->qmi && esim_qmi_finish(c->qmi, &err) < 0))
            warn(p, 0, err.msg);
        esim_apdu_flush(c->apdu);
    }
    esim_tcp_flush(p->tcp);
}

const esim_pipe_stats *esim_pipe_get_stats(const esim_pipe *p)
{
    esim_pipe *w = (esim_pipe *)p; /* the TLS figures are collected on demand */
    const esim_tls_stats *ts = esim_tls_get_stats(p->tls);
    w->st.tls_connections = ts->connections;
    w->st.tls_decrypted = ts->decrypted;
    w->st.tls_unreadable = ts->unreadable;
    return &p->st;
}

void esim_pipe_secrets(uint32_t type, const uint8_t *data, size_t len, void *pipe)
{
    esim_pipe *p = pipe;
    if (!data)
        warn(p, 0, "a pcapng decryption secrets block is too large to read: skipped");
    else if (type == ESIM_SECRETS_TLS_KEYLOG)
        esim_tls_keylog_add_text(p->tls_keys, (const char *)data, len);
}

void esim_pipe_free(esim_pipe *p)
{
    if (!p)
        return;
    for (unsigned i = 0; i < p->st.cards; i++) {
        esim_gsmtap_sim_free(p->cards[i].sim);
        esim_ccid_free(p->cards[i].ccid);
        esim_mbim_free(p->cards[i].mbim);
        esim_qmi_free(p->cards[i].qmi);
        esim_apdu_free(p->cards[i].apdu);
    }
    esim_tcp_free(p->tcp); /* closes every flow, through the TLS layer */
    esim_tls_free(p->tls);
    esim_tls_keylog_free(p->own_keys);
    esim_cdc_free(p->cdc);
    free(p);
}

int esim_pipe_run_file(const char *path, const esim_pipe_handlers *h, esim_pipe_stats *stats,
                       esim_error *err)
{
    esim_capture *c = esim_capture_open(path, err);
    if (!c)
        return -1;
    esim_pipe *p = esim_pipe_new(h);
    if (!p) {
        esim_capture_close(c);
        return esim_error_set(err, "out of memory");
    }
    esim_capture_on_secrets(c, esim_pipe_secrets, p);
    esim_packet pk;
    int r;
    while ((r = esim_capture_next(c, &pk, err)) == 1)
        esim_pipe_packet(p, &pk);
    esim_pipe_finish(p);
    if (stats)
        *stats = *esim_pipe_get_stats(p);
    esim_pipe_free(p);
    esim_capture_close(c);
    if (r < 0)
        return esim_error_prefix(err, "%s", path);
    return 0;
}
