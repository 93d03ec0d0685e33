/* Link, IPv4, UDP and TCP frames with correct checksums, written to one capture interface, and a
 * TCP connection model: 3-way handshake, data split at the MSS, ACKs from the peer, FIN at the
 * end. Also GSMTAP-SIM over UDP 4729 (GSMTAP v2 header, type 4 = SIM). */
#ifndef SG_NET_H
#define SG_NET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "capwrite.h"

/* One capture interface and the clock of the sample (microseconds since the epoch). */
typedef struct sg_port {
    sg_cap *cap;
    int ifid;
    uint32_t linktype;       /* SG_LT_ETHERNET or SG_LT_LINUX_SLL */
    uint64_t *clock;
} sg_port;

void sg_port_emit(sg_port *p, unsigned delay_us, const uint8_t *d, size_t len);

typedef struct sg_ep {
    uint32_t ip;             /* host order */
    uint16_t port;
    uint8_t mac[6];
} sg_ep;

/* One IPv4 datagram (with its link header) from a to b. */
void sg_ip_emit(sg_port *p, unsigned delay_us, const sg_ep *a, const sg_ep *b, uint8_t proto,
                uint16_t ipid, const uint8_t *l4, size_t l4len);
void sg_udp_emit(sg_port *p, unsigned delay_us, const sg_ep *a, const sg_ep *b, uint16_t ipid,
                 const uint8_t *payload, size_t len);

/* GSMTAP v2, type SIM: sub_type 0 = APDU (header + data + SW), 1 = ATR. */
void sg_gsmtap_emit(sg_port *p, unsigned delay_us, uint16_t *ipid, uint8_t sub_type,
                    const uint8_t *payload, size_t len);

typedef struct sg_tcp {
    sg_port *port;
    sg_ep ep[2];             /* 0 = client (LPA), 1 = server */
    uint32_t seq[2];         /* next sequence number each side sends */
    uint16_t ipid[2];
    size_t mss;
} sg_tcp;

void sg_tcp_init(sg_tcp *t, sg_port *p, const sg_ep *client, const sg_ep *server, uint32_t isn_c,
                 uint32_t isn_s, size_t mss);
void sg_tcp_connect(sg_tcp *t);
/* dir 0 = client to server. Data goes in MSS-sized segments (PSH on the last); the peer ACKs
 * every second segment and the last one. */
void sg_tcp_send(sg_tcp *t, int dir, const uint8_t *d, size_t len);
void sg_tcp_close(sg_tcp *t);
#endif
