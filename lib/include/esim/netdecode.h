/* Link, network and transport header decoding over one captured packet: Ethernet (+802.1Q/802.1ad),
 * Linux cooked SLL/SLL2, BSD loopback, raw IP; IPv4 (options), IPv6 (extension headers skipped);
 * UDP and TCP. Pure functions: no state, no allocation. */
#ifndef ESIM_NETDECODE_H
#define ESIM_NETDECODE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "esim/error.h"

enum { ESIM_IPPROTO_TCP = 6, ESIM_IPPROTO_UDP = 17 };

/* TCP flag bits */
enum {
    ESIM_TCP_FIN = 0x01, ESIM_TCP_SYN = 0x02, ESIM_TCP_RST = 0x04,
    ESIM_TCP_PSH = 0x08, ESIM_TCP_ACK = 0x10, ESIM_TCP_URG = 0x20,
};

typedef struct esim_net {
    uint8_t ip_version;     /* 0 = not IP (ARP, ...), 4 or 6 */
    uint8_t src[16], dst[16]; /* IPv4 addresses use the first 4 bytes */
    uint8_t proto;          /* IP protocol of the transport header (after IPv6 extensions) */
    bool fragment;          /* an IP fragment: transport not decoded (no IP reassembly) */
    bool truncated;         /* the capture holds less than the IP length says */
    uint16_t vlan;          /* innermost 802.1Q VLAN id, 0 if none */
    uint16_t sport, dport;  /* UDP/TCP ports when proto is UDP or TCP and decoded */
    bool l4;                /* UDP or TCP header decoded */
    uint32_t seq, ack;      /* TCP */
    uint8_t tcp_flags;
    uint16_t window;
    const uint8_t *payload; /* transport payload (UDP/TCP), else IP payload */
    size_t payload_len;
} esim_net;

/* Decodes one packet of the given LINKTYPE_*. Returns 0 (see out->ip_version and out->l4 for how
 * far it got) or -1 when a header is malformed (err says which). An unsupported link type is an
 * error too. */
int esim_net_decode(uint32_t linktype, const uint8_t *p, size_t len, esim_net *out,
                    esim_error *err);
/* Decodes from an IP header on (version taken from the first nibble). */
int esim_net_decode_ip(const uint8_t *p, size_t len, esim_net *out, esim_error *err);
/* "1.2.3.4" or IPv6 text of an address of the given version into out (46 bytes suffice). */
const char *esim_net_addr_str(uint8_t ip_version, const uint8_t *addr, char *out, size_t cap);
#endif
