/* pcapng (draft-ietf-opsawg-pcapng): Section Header, Interface Description, Enhanced / Simple /
 * obsolete Packet blocks; every other block type is skipped. Each section has its own byte order
 * and interface table, so one file may mix link types (which libpcap refuses). */
#include <stdlib.h>
#include <string.h>
#include "capture_internal.h"

enum {
    BT_IDB = 0x00000001,
    BT_PB = 0x00000002, /* obsolete Packet Block */
    BT_SPB = 0x00000003,
    BT_EPB = 0x00000006,
    BT_DSB = 0x0000000A,
    BT_SHB = 0x0A0D0D0A,
    OPT_END = 0,
    OPT_IF_TSRESOL = 9,
    OPT_IF_TSOFFSET = 14,
};

static uint64_t u64(const esim_capture *c, const uint8_t *p)
{
    uint64_t a = capture_u32(c, p), b = capture_u32(c, p + 4);
    return c->swap ? (a << 32 | b) : (b << 32 | a);
}

/* Reads exactly n bytes into dst or fails with a "truncated" message. */
static int read_exact(esim_capture *c, void *dst, size_t n, esim_error *err)
{
    long r = capture_read(c, dst, n, err);
    if (r < 0)
        return -1;
    if ((size_t)r < n)
        return esim_error_set(err, "pcapng block truncated at byte %llu",
                              (unsigned long long)c->offset);
    return 0;
}

static int read_shb(esim_capture *c, uint64_t at, esim_error *err)
{
    uint8_t h[8]; /* block length, byte-order magic */
    if (read_exact(c, h, sizeof h, err) < 0)
        return -1;
    if (!memcmp(h + 4, "\x4D\x3C\x2B\x1A", 4))
        c->swap = false;
    else if (!memcmp(h + 4, "\x1A\x2B\x3C\x4D", 4))
        c->swap = true;
    else
        return esim_error_set(err, "pcapng section header at byte %llu: bad byte-order magic",
                              (unsigned long long)at);
    uint32_t len = capture_u32(c, h);
    if (len < 28 || len % 4)
        return esim_error_set(err, "pcapng section header at byte %llu: bad block length %u",
                              (unsigned long long)at, len);
    c->n_ifaces = 0;
    c->in_section = true;
    /* version, section length, options, trailing length: nothing we need */
    return capture_skip(c, len - 12, err);
}

static int parse_idb(esim_capture *c, const uint8_t *b, uint32_t n, uint64_t at, esim_error *err)
{
    if (n < 8)
        return esim_error_set(err, "pcapng interface block at byte %llu too short",
                              (unsigned long long)at);
    if (c->n_ifaces >= ESIM_CAPTURE_MAX_IFACES)
        return esim_error_set(err, "pcapng: more than %u interfaces in one section",
                              ESIM_CAPTURE_MAX_IFACES);
    if (c->n_ifaces == c->cap_ifaces) {
        uint32_t cap = c->cap_ifaces ? c->cap_ifaces * 2 : 8;
        capture_iface *p = realloc(c->ifaces, cap * sizeof *p);
        if (!p)
            return esim_error_set(err, "out of memory");
        c->ifaces = p;
        c->cap_ifaces = cap;
    }
    capture_iface *ifc = &c->ifaces[c->n_ifaces++];
    *ifc = (capture_iface){.linktype = capture_u16(c, b), .snaplen = capture_u32(c, b + 4),
                           .ts_exp = 6};
    for (uint32_t o = 8; o + 4 <= n;) {
        uint16_t code = capture_u16(c, b + o), olen = capture_u16(c, b + o + 2);
        o += 4;
        if (code == OPT_END)
            break;
        if (olen > n - o)
            return esim_error_set(err, "pcapng interface block at byte %llu: option overruns block",
                                  (unsigned long long)at);
        if (code == OPT_IF_TSRESOL && olen >= 1) {
            ifc->ts_pow2 = b[o] & 0x80;
            ifc->ts_exp = b[o] & 0x7F;
            if ((ifc->ts_pow2 && ifc->ts_exp > 63) || (!ifc->ts_pow2 && ifc->ts_exp > 19))
                return esim_error_set(err, "pcapng interface %u: unsupported if_tsresol 0x%02X",
                                      c->n_ifaces - 1, b[o]);
        } else if (code == OPT_IF_TSOFFSET && olen >= 8) {
            ifc->ts_offset = (int64_t)u64(c, b + o);
        }
        o += (olen + 3u) & ~3u;
    }
    return 0;
}

/* Decryption Secrets Block: secrets type, secrets length, secrets data (padded to 32 bits),
 * options. */
static int parse_dsb(esim_capture *c, const uint8_t *b, uint32_t n, uint64_t at, esim_error *err)
{
    if (n < 8)
        return esim_error_set(err, "pcapng decryption secrets block at byte %llu too short",
                              (unsigned long long)at);
    uint32_t type = capture_u32(c, b), len = capture_u32(c, b + 4);
    if (len > n - 8)
        return esim_error_set(err, "pcapng decryption secrets block at byte %llu: secrets "
                              "length %u overruns the block", (unsigned long long)at, len);
    c->secrets_cb(type, b + 8, len, c->secrets_user);
    return 0;
}

/* Splits a timestamp in interface units into seconds + nanoseconds. */
static void set_time(const capture_iface *ifc, uint64_t ts, esim_packet *pkt)
{
    uint64_t sec, frac;
    if (ifc->ts_pow2) {
        sec = ifc->ts_exp ? ts >> ifc->ts_exp : ts;
        frac = ifc->ts_exp ? ts & ((1ULL << ifc->ts_exp) - 1) : 0;
        pkt->ts_nsec = (uint32_t)(((unsigned __int128)frac * 1000000000u) >> ifc->ts_exp);
    } else {
        uint64_t units = 1;
        for (int i = 0; i < ifc->ts_exp; i++)
            units *= 10;
        sec = ts / units;
        frac = ts % units;
        pkt->ts_nsec = (uint32_t)((unsigned __int128)frac * 1000000000u / units);
    }
    pkt->ts_sec = (int64_t)(sec + (uint64_t)ifc->ts_offset); /* wraps, never UB */
}

static int packet_block(esim_capture *c, uint32_t type, const uint8_t *b, uint32_t n,
                        uint64_t at, esim_packet *pkt, esim_error *err)
{
    uint32_t ifid, caplen, origlen, hdr;
    uint64_t ts = 0;
    if (type == BT_EPB || type == BT_PB) {
        hdr = 20;
        if (n < hdr)
            return esim_error_set(err, "pcapng packet block at byte %llu too short",
                                  (unsigned long long)at);
        ifid = type == BT_EPB ? capture_u32(c, b) : capture_u16(c, b);
        ts = (uint64_t)capture_u32(c, b + 4) << 32 | capture_u32(c, b + 8);
        caplen = capture_u32(c, b + 12);
        origlen = capture_u32(c, b + 16);
    } else { /* SPB: captured length is implied by the block length and snaplen */
        hdr = 4;
        if (n < hdr)
            return esim_error_set(err, "pcapng simple packet block at byte %llu too short",
                                  (unsigned long long)at);
        ifid = 0;
        origlen = capture_u32(c, b);
        caplen = n - hdr;
        if (origlen < caplen)
            caplen = origlen;
    }
    if (ifid >= c->n_ifaces)
        return esim_error_set(err, "frame %llu: packet block names interface %u, section has %u",
                              (unsigned long long)c->frame + 1, ifid, c->n_ifaces);
    const capture_iface *ifc = &c->ifaces[ifid];
    if (type == BT_SPB && ifc->snaplen && caplen > ifc->snaplen)
        caplen = ifc->snaplen;
    if (caplen > n - hdr || caplen > ESIM_CAPTURE_MAX_PACKET)
        return esim_error_set(err, "frame %llu at byte %llu: captured length %u %s",
                              (unsigned long long)c->frame + 1, (unsigned long long)at, caplen,
                              caplen > n - hdr ? "overruns its block" : "exceeds the packet limit");
    pkt->frame = ++c->frame;
    pkt->iface = ifid;
    pkt->linktype = ifc->linktype;
    pkt->caplen = caplen;
    pkt->origlen = origlen;
    pkt->data = b + hdr;
    set_time(ifc, ts, pkt);
    return 1;
}

int capture_pcapng_next(esim_capture *c, esim_packet *pkt, esim_error *err)
{
    for (;;) {
        uint8_t h[8];
        uint64_t at = c->offset - (c->have_first ? 4 : 0);
        size_t off = 0;
        if (c->have_first) {
            memcpy(h, c->first, 4);
            c->have_first = false;
            off = 4;
        }
        long r = capture_read(c, h + off, 4 - off, err);
        if (r < 0)
            return -1;
        if (r == 0 && off == 0)
            return 0; /* clean end between blocks */
        if ((size_t)r < 4 - off)
            return esim_error_set(err, "pcapng block header truncated at byte %llu",
                                  (unsigned long long)at);
        if (!memcmp(h, "\x0A\x0D\x0D\x0A", 4)) {
            if (read_shb(c, at, err) < 0)
                return -1;
            continue;
        }
        if (!c->in_section)
            return esim_error_set(err, "pcapng: first block is not a section header");
        if (read_exact(c, h + 4, 4, err) < 0)
            return -1;
        uint32_t type = capture_u32(c, h), len = capture_u32(c, h + 4);
        if (len < 12 || len % 4)
            return esim_error_set(err, "pcapng block type 0x%08X at byte %llu: bad length %u",
                                  type, (unsigned long long)at, len);
        bool wanted = type == BT_IDB || type == BT_EPB || type == BT_SPB || type == BT_PB ||
                      (type == BT_DSB && c->secrets_cb);
        uint32_t body = len - 12;
        if (type == BT_DSB && wanted && body > ESIM_CAPTURE_BUF - 4) {
            c->secrets_cb(0, NULL, body, c->secrets_user); /* too large to hold: skipped */
            wanted = false;
        }
        if (!wanted) {
            if (capture_skip(c, (uint64_t)body + 4, err) < 0)
                return -1;
            continue;
        }
        if (body > ESIM_CAPTURE_BUF - 4)
            return esim_error_set(err, "pcapng block type 0x%08X at byte %llu: length %u exceeds "
                                  "the limit (a packet may have at most %u bytes)",
                                  type, (unsigned long long)at, len, ESIM_CAPTURE_MAX_PACKET);
        const uint8_t *b;
        long got = capture_take(c, body + 4, &b, err);
        if (got < 0)
            return -1;
        if ((size_t)got < body + 4)
            return esim_error_set(err, "pcapng block truncated at byte %llu",
                                  (unsigned long long)c->offset);
        if (capture_u32(c, b + body) != len)
            return esim_error_set(err, "pcapng block at byte %llu: trailing length differs",
                                  (unsigned long long)at);
        if (type == BT_IDB) {
            if (parse_idb(c, b, body, at, err) < 0)
                return -1;
            continue;
        }
        if (type == BT_DSB) {
            if (parse_dsb(c, b, body, at, err) < 0)
                return -1;
            continue;
        }
        return packet_block(c, type, b, body, at, pkt, err);
    }
}
