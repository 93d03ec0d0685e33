#include "net.h"
#include <string.h>

void sg_port_emit(sg_port *p, unsigned delay_us, const uint8_t *d, size_t len)
{
    *p->clock += delay_us;
    sg_cap_write(p->cap, p->ifid, *p->clock, d, len);
}

static uint32_t sum16(uint32_t s, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(d[i] << 8 | d[i + 1]);
    if (n & 1)
        s += (uint32_t)(d[n - 1] << 8);
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p + 2, (uint16_t)v);
}

/* Transport checksum over the IPv4 pseudo-header and the segment (RFC 768 / RFC 793). */
static uint16_t l4_checksum(const sg_ep *a, const sg_ep *b, uint8_t proto, const uint8_t *l4,
                            size_t n)
{
    uint8_t ph[12];
    put32(ph, a->ip);
    put32(ph + 4, b->ip);
    ph[8] = 0;
    ph[9] = proto;
    put16(ph + 10, (uint16_t)n);
    return fold(sum16(sum16(0, ph, sizeof ph), l4, n));
}

#define FRAME_MAX 65600

void sg_ip_emit(sg_port *p, unsigned delay_us, const sg_ep *a, const sg_ep *b, uint8_t proto,
                uint16_t ipid, const uint8_t *l4, size_t l4len)
{
    static uint8_t f[FRAME_MAX];
    size_t l2;
    if (l4len > FRAME_MAX - 40)
        return;
    if (p->linktype == SG_LT_LINUX_SLL) {
        /* Linux cooked header: packet type (0 = to us), ARPHRD_LOOPBACK, address, protocol */
        memset(f, 0, 16);
        put16(f + 2, 772);
        put16(f + 4, 6);
        put16(f + 14, 0x0800);
        l2 = 16;
    } else {
        memcpy(f, b->mac, 6);
        memcpy(f + 6, a->mac, 6);
        put16(f + 12, 0x0800);
        l2 = 14;
    }
    uint8_t *ip = f + l2;
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + l4len));
    put16(ip + 4, ipid);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = proto;
    put16(ip + 10, 0);
    put32(ip + 12, a->ip);
    put32(ip + 16, b->ip);
    put16(ip + 10, fold(sum16(0, ip, 20)));
    memcpy(ip + 20, l4, l4len);
    sg_port_emit(p, delay_us, f, l2 + 20 + l4len);
}

void sg_udp_emit(sg_port *p, unsigned delay_us, const sg_ep *a, const sg_ep *b, uint16_t ipid,
                 const uint8_t *payload, size_t len)
{
    static uint8_t u[FRAME_MAX];
    if (len > FRAME_MAX - 100)
        return;
    put16(u, a->port);
    put16(u + 2, b->port);
    put16(u + 4, (uint16_t)(8 + len));
    put16(u + 6, 0);
    memcpy(u + 8, payload, len);
    uint16_t cs = l4_checksum(a, b, 17, u, 8 + len);
    put16(u + 6, cs ? cs : 0xFFFF);
    sg_ip_emit(p, delay_us, a, b, 17, ipid, u, 8 + len);
}

void sg_gsmtap_emit(sg_port *p, unsigned delay_us, uint16_t *ipid, uint8_t sub_type,
                    const uint8_t *payload, size_t len)
{
    /* SIMtrace sends from an ephemeral port on the host to 127.0.0.1:4729 */
    static const sg_ep src = {0x7F000001, 47290, {0}}, dst = {0x7F000001, 4729, {0}};
    static uint8_t g[FRAME_MAX];
    if (len > FRAME_MAX - 200)
        return;
    memset(g, 0, 16);
    g[0] = 2;       /* version */
    g[1] = 4;       /* header length in 32-bit words */
    g[2] = 4;       /* GSMTAP_TYPE_SIM */
    g[12] = sub_type;
    memcpy(g + 16, payload, len);
    sg_udp_emit(p, delay_us, &src, &dst, (*ipid)++, g, 16 + len);
}

void sg_tcp_init(sg_tcp *t, sg_port *p, const sg_ep *client, const sg_ep *server, uint32_t isn_c,
                 uint32_t isn_s, size_t mss)
{
    memset(t, 0, sizeof *t);
    t->port = p;
    t->ep[0] = *client;
    t->ep[1] = *server;
    t->seq[0] = isn_c;
    t->seq[1] = isn_s;
    t->ipid[0] = (uint16_t)(isn_c >> 7);
    t->ipid[1] = (uint16_t)(isn_s >> 9);
    t->mss = mss;
}

enum { FIN = 0x01, SYN = 0x02, PSH = 0x08, ACK = 0x10 };

static void segment(sg_tcp *t, int dir, unsigned delay_us, uint8_t flags, const uint8_t *d,
                    size_t n)
{
    static uint8_t s[FRAME_MAX];
    size_t hl = flags & SYN ? 24 : 20;
    const sg_ep *a = &t->ep[dir], *b = &t->ep[!dir];
    put16(s, a->port);
    put16(s + 2, b->port);
    put32(s + 4, t->seq[dir]);
    put32(s + 8, flags & ACK ? t->seq[!dir] : 0);
    s[12] = (uint8_t)((hl / 4) << 4);
    s[13] = flags;
    put16(s + 14, 64240);
    put16(s + 16, 0);
    put16(s + 18, 0);
    if (flags & SYN) {
        s[20] = 2; /* MSS option */
        s[21] = 4;
        put16(s + 22, (uint16_t)t->mss);
    }
    if (n)
        memcpy(s + hl, d, n);
    put16(s + 16, l4_checksum(a, b, 6, s, hl + n));
    sg_ip_emit(t->port, delay_us, a, b, 6, t->ipid[dir]++, s, hl + n);
    t->seq[dir] += (uint32_t)n + ((flags & (SYN | FIN)) ? 1 : 0);
}

void sg_tcp_connect(sg_tcp *t)
{
    segment(t, 0, 2000, SYN, NULL, 0);
    segment(t, 1, 18000, SYN | ACK, NULL, 0);
    segment(t, 0, 90, ACK, NULL, 0);
}

void sg_tcp_send(sg_tcp *t, int dir, const uint8_t *d, size_t len)
{
    size_t off = 0, nseg = 0;
    unsigned delay = dir == 0 ? 400 : 25000; /* the server "thinks" before it answers */
    while (off < len) {
        size_t n = len - off < t->mss ? len - off : t->mss;
        bool last = off + n == len;
        segment(t, dir, delay, (uint8_t)(ACK | (last ? PSH : 0)), d + off, n);
        delay = 120;
        off += n;
        nseg++;
        if (last || nseg % 2 == 0)
            segment(t, !dir, 60, ACK, NULL, 0);
    }
}

void sg_tcp_close(sg_tcp *t)
{
    segment(t, 0, 3000, FIN | ACK, NULL, 0);
    segment(t, 1, 9000, FIN | ACK, NULL, 0);
    segment(t, 0, 80, ACK, NULL, 0);
}
