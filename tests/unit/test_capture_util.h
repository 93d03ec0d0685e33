/* Builders for synthetic captures and packets, shared by the capture/APDU/TCP tests (header-only,
 * static functions). Multi-byte fields are written in the chosen byte order. */
#ifndef ESIM_TEST_CAPTURE_UTIL_H
#define ESIM_TEST_CAPTURE_UTIL_H
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct tbuf {
    uint8_t *p;
    size_t n, cap;
    bool be; /* write multi-byte fields big-endian */
} tbuf;

static inline void tb_put(tbuf *b, const void *d, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
    }
    if (n)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}
static inline void tb_u8(tbuf *b, unsigned v) { uint8_t x = (uint8_t)v; tb_put(b, &x, 1); }
static inline void tb_u16(tbuf *b, unsigned v)
{
    uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    if (b->be) { x[0] = (uint8_t)(v >> 8); x[1] = (uint8_t)v; }
    tb_put(b, x, 2);
}
static inline void tb_u32(tbuf *b, uint32_t v)
{
    if (b->be) { tb_u16(b, v >> 16); tb_u16(b, v & 0xFFFF); }
    else { tb_u16(b, v & 0xFFFF); tb_u16(b, v >> 16); }
}
static inline void tb_be16(tbuf *b, unsigned v) { tb_u8(b, v >> 8); tb_u8(b, v & 0xFF); }
static inline void tb_be32(tbuf *b, uint32_t v) { tb_be16(b, v >> 16); tb_be16(b, v & 0xFFFF); }
static inline void tb_set_u32(tbuf *b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->p[at + i] = (uint8_t)(b->be ? v >> (24 - 8 * i) : v >> (8 * i));
}
static inline void tb_pad4(tbuf *b) { while (b->n % 4) tb_u8(b, 0); }

/* ---- pcap ---- */
static inline void pcap_start(tbuf *b, bool be, bool nsec, uint32_t linktype)
{
    b->be = be;
    tb_u32(b, nsec ? 0xA1B23C4D : 0xA1B2C3D4);
    tb_u16(b, 2); tb_u16(b, 4); tb_u32(b, 0); tb_u32(b, 0); tb_u32(b, 65535); tb_u32(b, linktype);
}
static inline void pcap_rec(tbuf *b, uint32_t sec, uint32_t frac, const uint8_t *d, uint32_t n)
{
    tb_u32(b, sec); tb_u32(b, frac); tb_u32(b, n); tb_u32(b, n); tb_put(b, d, n);
}

/* ---- pcapng ---- */
static inline size_t png_begin(tbuf *b, uint32_t type) { size_t at = b->n; tb_u32(b, type); tb_u32(b, 0); return at; }
static inline void png_end(tbuf *b, size_t at)
{
    tb_pad4(b);
    uint32_t len = (uint32_t)(b->n - at + 4);
    tb_u32(b, len);
    tb_set_u32(b, at + 4, len);
}
static inline void png_shb(tbuf *b, bool be)
{
    b->be = be;
    size_t at = png_begin(b, 0x0A0D0D0A);
    tb_u32(b, 0x1A2B3C4D); tb_u16(b, 1); tb_u16(b, 0); tb_u32(b, 0xFFFFFFFF); tb_u32(b, 0xFFFFFFFF);
    png_end(b, at);
}
/* tsresol < 0: no option (microseconds). */
static inline void png_idb(tbuf *b, uint16_t linktype, int tsresol)
{
    size_t at = png_begin(b, 1);
    tb_u16(b, linktype); tb_u16(b, 0); tb_u32(b, 262144);
    if (tsresol >= 0) { tb_u16(b, 9); tb_u16(b, 1); tb_u8(b, (unsigned)tsresol); tb_pad4(b); }
    tb_u16(b, 0); tb_u16(b, 0);
    png_end(b, at);
}
static inline void png_epb(tbuf *b, uint32_t ifid, uint64_t ts, const uint8_t *d, uint32_t n)
{
    size_t at = png_begin(b, 6);
    tb_u32(b, ifid); tb_u32(b, (uint32_t)(ts >> 32)); tb_u32(b, (uint32_t)ts);
    tb_u32(b, n); tb_u32(b, n); tb_put(b, d, n);
    png_end(b, at);
}
static inline void png_spb(tbuf *b, const uint8_t *d, uint32_t n)
{
    size_t at = png_begin(b, 3);
    tb_u32(b, n); tb_put(b, d, n);
    png_end(b, at);
}

/* ---- packets: Ethernet / IPv4 / UDP or TCP (checksums zero) ---- */
static inline void pkt_eth_ipv4(tbuf *b, uint8_t proto, const uint8_t src[4], const uint8_t dst[4],
                                size_t l4len)
{
    static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};
    b->be = true;
    tb_put(b, macs, 12); tb_be16(b, 0x0800);
    tb_u8(b, 0x45); tb_u8(b, 0); tb_be16(b, (unsigned)(20 + l4len)); tb_be16(b, 1); tb_be16(b, 0x4000);
    tb_u8(b, 64); tb_u8(b, proto); tb_be16(b, 0); tb_put(b, src, 4); tb_put(b, dst, 4);
}
static inline void pkt_udp(tbuf *b, uint16_t sport, uint16_t dport, const uint8_t *d, size_t n)
{
    static const uint8_t a[4] = {127, 0, 0, 1};
    pkt_eth_ipv4(b, 17, a, a, 8 + n);
    tb_be16(b, sport); tb_be16(b, dport); tb_be16(b, (unsigned)(8 + n)); tb_be16(b, 0); tb_put(b, d, n);
}
static inline void pkt_tcp(tbuf *b, const uint8_t src[4], uint16_t sport, const uint8_t dst[4],
                           uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags,
                           const void *d, size_t n)
{
    pkt_eth_ipv4(b, 6, src, dst, 20 + n);
    tb_be16(b, sport); tb_be16(b, dport); tb_be32(b, seq); tb_be32(b, ack);
    tb_u8(b, 0x50); tb_u8(b, flags); tb_be16(b, 65535); tb_be16(b, 0); tb_be16(b, 0); tb_put(b, d, n);
}
#endif
