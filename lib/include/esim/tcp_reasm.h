/* TCP stream reassembly: per flow (address/port 4-tuple, both directions) in-order delivery of
 * payload bytes, with bounded out-of-order buffering, retransmission/overlap trimming, gap
 * reporting, FIN/RST, and eviction of closed or idle flows so that memory stays flat. */
#ifndef ESIM_TCP_REASM_H
#define ESIM_TCP_REASM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/netdecode.h"

typedef enum {
    ESIM_TCP_EV_DATA,  /* in-order bytes of one direction */
    ESIM_TCP_EV_GAP,   /* bytes missing from the capture (gap = count) before the next DATA */
    ESIM_TCP_EV_FIN,   /* the direction ended (all its bytes delivered) */
    ESIM_TCP_EV_RST,   /* the connection was reset */
    ESIM_TCP_EV_CLOSE, /* the flow is evicted (after FIN both ways, RST, idle, or flush): free
                        * whatever is in *flow_user */
} esim_tcp_ev_type;

typedef struct esim_tcp_endpoint {
    uint8_t addr[16];
    uint16_t port;
} esim_tcp_endpoint;

typedef struct esim_tcp_event {
    esim_tcp_ev_type type;
    uint64_t flow_id;     /* 1, 2, ... in order of first appearance */
    int dir;              /* 0: from the side that opened (SYN, or first seen), 1: the other */
    uint8_t ip_version;
    esim_tcp_endpoint src, dst; /* of this direction */
    const uint8_t *data;  /* DATA */
    size_t len;
    uint64_t gap;         /* GAP: missing byte count */
    uint64_t frame;       /* frame that caused the event */
    int64_t ts_sec;
    uint32_t ts_nsec;
    void **flow_user;     /* one pointer per flow for the consumer (e.g. the HTTP parser) */
    bool *ignore_flow;    /* set to true: no more DATA or GAP events for this flow and its bytes
                           * are no longer buffered (FIN, RST and CLOSE still come) */
} esim_tcp_event;

typedef void (*esim_tcp_cb)(const esim_tcp_event *ev, void *user);

typedef struct esim_tcp_limits {
    size_t max_flows;        /* flows tracked at once; the least recently active is evicted */
    size_t max_ooo_bytes;    /* out-of-order bytes buffered per direction before a gap is declared */
    size_t max_ooo_segments; /* out-of-order segments per direction */
    int64_t idle_seconds;    /* a flow idle this long (capture time) is evicted */
} esim_tcp_limits;

/* Defaults: 1024 flows, 1 MiB and 512 segments per direction, 300 s idle. */
extern const esim_tcp_limits esim_tcp_default_limits;

typedef struct esim_tcp_reasm esim_tcp_reasm;

esim_tcp_reasm *esim_tcp_new(esim_tcp_cb cb, void *user, const esim_tcp_limits *lim);
/* One decoded packet; ignored unless it carries a TCP header (n->l4, proto TCP). */
void esim_tcp_feed(esim_tcp_reasm *r, uint64_t frame, int64_t sec, uint32_t nsec,
                   const esim_net *n);
/* End of input: buffered out-of-order data is delivered after a GAP, every flow is closed. */
void esim_tcp_flush(esim_tcp_reasm *r);
void esim_tcp_free(esim_tcp_reasm *r);
/* Flows currently tracked (for tests: memory stays flat). */
size_t esim_tcp_flow_count(const esim_tcp_reasm *r);
#endif
