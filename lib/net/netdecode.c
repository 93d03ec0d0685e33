/* Link/IP/UDP/TCP header decoding (see netdecode.h). Every read is bounds-checked. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "esim/capture.h"
#include "esim/netdecode.h"

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86DD
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88A8

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int decode_l4(const uint8_t *p, size_t len, esim_net *out, esim_error *err)
{
    out->payload = p;
    out->payload_len = len;
    if (out->fragment)
        return 0;
    if (out->proto == ESIM_IPPROTO_UDP) {
        if (len < 8)
            return esim_error_set(err, "UDP header truncated (%zu bytes)", len);
        uint16_t ulen = be16(p + 4);
        if (ulen < 8)
            return esim_error_set(err, "UDP length %u below the header size", ulen);
        size_t n = ulen - 8u;
        if (n > len - 8) { /* snapped capture: deliver what is there */
            n = len - 8;
            out->truncated = true;
        }
        out->sport = be16(p);
        out->dport = be16(p + 2);
        out->payload = p + 8;
        out->payload_len = n;
        out->l4 = true;
    } else if (out->proto == ESIM_IPPROTO_TCP) {
        if (len < 20)
            return esim_error_set(err, "TCP header truncated (%zu bytes)", len);
        size_t hl = (size_t)(p[12] >> 4) * 4;
        if (hl < 20 || hl > len)
            return esim_error_set(err, "TCP header length %zu invalid for %zu bytes", hl, len);
        out->sport = be16(p);
        out->dport = be16(p + 2);
        out->seq = be32(p + 4);
        out->ack = be32(p + 8);
        out->tcp_flags = p[13];
        out->window = be16(p + 14);
        out->payload = p + hl; /* options skipped */
        out->payload_len = len - hl;
        out->l4 = true;
    }
    return 0;
}

static int decode_ipv4(const uint8_t *p, size_t len, esim_net *out, esim_error *err)
{
    if (len < 20)
        return esim_error_set(err, "IPv4 header truncated (%zu bytes)", len);
    size_t ihl = (size_t)(p[0] & 0x0F) * 4;
    size_t total = be16(p + 2);
    if (ihl < 20 || ihl > len)
        return esim_error_set(err, "IPv4 header length %zu invalid", ihl);
    if (total < ihl)
        return esim_error_set(err, "IPv4 total length %zu below header length %zu", total, ihl);
    if (total > len) {
        total = len;
        out->truncated = true;
    }
    out->ip_version = 4;
    memcpy(out->src, p + 12, 4);
    memcpy(out->dst, p + 16, 4);
    out->proto = p[9];
    uint16_t frag = be16(p + 6);
    out->fragment = (frag & 0x2000) || (frag & 0x1FFF); /* MF set or non-zero offset */
    return decode_l4(p + ihl, total - ihl, out, err);
}

static int decode_ipv6(const uint8_t *p, size_t len, esim_net *out, esim_error *err)
{
    if (len < 40)
        return esim_error_set(err, "IPv6 header truncated (%zu bytes)", len);
    size_t plen = be16(p + 4);
    if (plen > len - 40) {
        plen = len - 40;
        out->truncated = true;
    }
    out->ip_version = 6;
    memcpy(out->src, p + 8, 16);
    memcpy(out->dst, p + 24, 16);
    uint8_t nh = p[6];
    const uint8_t *q = p + 40;
    size_t left = plen;
    for (int hops = 0; hops < 16; hops++) {
        size_t hl;
        switch (nh) {
        case 0:  /* hop-by-hop */
        case 43: /* routing */
        case 60: /* destination options */
            if (left < 8)
                return esim_error_set(err, "IPv6 extension header truncated");
            hl = ((size_t)q[1] + 1) * 8;
            break;
        case 44: /* fragment */
            if (left < 8)
                return esim_error_set(err, "IPv6 fragment header truncated");
            hl = 8;
            if ((be16(q + 2) & 0xFFF9) != 0) /* offset or M flag */
                out->fragment = true;
            break;
        case 51: /* authentication header: length in 32-bit words minus 2 */
            if (left < 8)
                return esim_error_set(err, "IPv6 AH truncated");
            hl = ((size_t)q[1] + 2) * 4;
            break;
        default:
            out->proto = nh;
            return decode_l4(q, left, out, err);
        }
        if (hl > left)
            return esim_error_set(err, "IPv6 extension header overruns the packet");
        nh = q[0];
        q += hl;
        left -= hl;
    }
    return esim_error_set(err, "IPv6: too many extension headers");
}

int esim_net_decode_ip(const uint8_t *p, size_t len, esim_net *out, esim_error *err)
{
    if (len < 1)
        return esim_error_set(err, "empty IP packet");
    switch (p[0] >> 4) {
    case 4: return decode_ipv4(p, len, out, err);
    case 6: return decode_ipv6(p, len, out, err);
    default: return esim_error_set(err, "IP version %u unknown", p[0] >> 4);
    }
}

static int by_ethertype(uint16_t type, const uint8_t *p, size_t len, esim_net *out,
                        esim_error *err)
{
    if (type == ETH_IPV4)
        return decode_ipv4(p, len, out, err);
    if (type == ETH_IPV6)
        return decode_ipv6(p, len, out, err);
    out->payload = p; /* not IP: nothing more to decode */
    out->payload_len = len;
    return 0;
}

static int decode_ethernet(const uint8_t *p, size_t len, esim_net *out, esim_error *err)
{
    if (len < 14)
        return esim_error_set(err, "Ethernet header truncated (%zu bytes)", len);
    uint16_t type = be16(p + 12);
    size_t off = 14;
    while (type == ETH_VLAN || type == ETH_QINQ) {
        if (len - off < 4)
            return esim_error_set(err, "802.1Q tag truncated");
        out->vlan = be16(p + off) & 0x0FFF;
        type = be16(p + off + 2);
        off += 4;
    }
    return by_ethertype(type, p + off, len - off, out, err);
}

int esim_net_decode(uint32_t linktype, const uint8_t *p, size_t len, esim_net *out,
                    esim_error *err)
{
    memset(out, 0, sizeof *out);
    switch (linktype) {
    case ESIM_LINKTYPE_ETHERNET:
        return decode_ethernet(p, len, out, err);
    case ESIM_LINKTYPE_LINUX_SLL: /* 16 bytes, protocol type last */
        if (len < 16)
            return esim_error_set(err, "Linux cooked header truncated");
        return by_ethertype(be16(p + 14), p + 16, len - 16, out, err);
    case ESIM_LINKTYPE_LINUX_SLL2: /* 20 bytes, protocol type first */
        if (len < 20)
            return esim_error_set(err, "Linux cooked v2 header truncated");
        return by_ethertype(be16(p), p + 20, len - 20, out, err);
    case ESIM_LINKTYPE_NULL: { /* 4-byte address family in the capturing host's byte order */
        if (len < 4)
            return esim_error_set(err, "loopback header truncated");
        uint32_t af = p[0] ? p[0] : p[3];
        if (af == 2)
            return decode_ipv4(p + 4, len - 4, out, err);
        if (af == 10 || af == 24 || af == 28 || af == 30)
            return decode_ipv6(p + 4, len - 4, out, err);
        out->payload = p + 4;
        out->payload_len = len - 4;
        return 0;
    }
    case ESIM_LINKTYPE_RAW:
    case ESIM_LINKTYPE_RAW_12:
    case ESIM_LINKTYPE_RAW_14:
        return esim_net_decode_ip(p, len, out, err);
    case ESIM_LINKTYPE_IPV4:
        return decode_ipv4(p, len, out, err);
    case ESIM_LINKTYPE_IPV6:
        return decode_ipv6(p, len, out, err);
    default:
        return esim_error_set(err, "link type %u is not an IP link", linktype);
    }
}

const char *esim_net_addr_str(uint8_t ip_version, const uint8_t *addr, char *out, size_t cap)
{
    if (!inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, addr, out, (socklen_t)cap))
        snprintf(out, cap, "?");
    return out;
}
