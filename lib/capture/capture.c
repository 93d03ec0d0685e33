/* Capture reader: byte source (mapped plain file, gzip file, stdin or memory), format detection
 * and the classic pcap format. pcapng is in capture_pcapng.c. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "capture_internal.h"
#include "log_internal.h"

static esim_capture *capture_new(bool window, esim_error *err)
{
    esim_capture *c = calloc(1, sizeof *c);
    if (c) {
        c->map_fd = -1;
        if (window)
            c->mem = c->window = malloc(ESIM_CAPTURE_WINDOW);
    }
    if (!c || (window && !c->window)) {
        if (c)
            free(c);
        esim_error_set(err, "out of memory");
        return NULL;
    }
    return c;
}

/* Mapped file: maps the next window, from the page holding the first unconsumed byte. Pages are
 * read from the page cache without a copy; only one window is mapped at a time. */
static int remap(esim_capture *c, esim_error *err)
{
    uint64_t pos = c->map_off + c->mem_pos;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t off = pos / page * page;
    uint64_t len = c->map_size - off;
    if (len > ESIM_CAPTURE_MAP_WINDOW)
        len = ESIM_CAPTURE_MAP_WINDOW;
    if (c->mem)
        munmap((void *)c->mem, c->mem_len);
    c->mem = NULL;
    c->mem_len = c->mem_pos = 0;
    void *p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, c->map_fd, (off_t)off);
    if (p == MAP_FAILED)
        return esim_error_set(err, "read error at byte %llu: %s", (unsigned long long)pos,
                              strerror(errno));
    c->mem = p;
    c->mem_len = (size_t)len;
    c->mem_pos = (size_t)(pos - off);
    c->map_off = off;
    return 0;
}

/* File source: moves the unconsumed bytes to the front of the window and reads until n bytes
 * are there, the window is full or the input ends. */
static int refill(esim_capture *c, size_t n, esim_error *err)
{
    size_t have = c->mem_len - c->mem_pos;
    if (c->mem_pos) {
        memmove(c->window, c->window + c->mem_pos, have);
        c->mem_pos = 0;
        c->mem_len = have;
    }
    while (c->mem_len < n) {
        size_t room = ESIM_CAPTURE_WINDOW - c->mem_len;
        int r = gzread(c->gz, c->window + c->mem_len, (unsigned)room);
        if (r < 0) {
            int code;
            const char *m = gzerror(c->gz, &code);
            return esim_error_set(err, "read error at byte %llu: %s",
                                  (unsigned long long)(c->offset + c->mem_len),
                                  code == Z_ERRNO ? strerror(errno) : m);
        }
        if (r == 0)
            break;
        c->mem_len += (size_t)r;
    }
    return 0;
}

long capture_take(esim_capture *c, size_t n, const uint8_t **p, esim_error *err)
{
    if (c->mem_len - c->mem_pos < n) {
        if (c->gz && refill(c, n, err) < 0)
            return -1;
        if (c->map_fd >= 0 && c->map_off + c->mem_len < c->map_size && remap(c, err) < 0)
            return -1;
    }
    size_t left = c->mem_len - c->mem_pos;
    if (n > left)
        n = left;
    *p = c->mem + c->mem_pos;
    c->mem_pos += n;
    c->offset += n;
    return (long)n;
}

long capture_peek(esim_capture *c, size_t n, const uint8_t **p, esim_error *err)
{
    long r = capture_take(c, n, p, err);
    if (r > 0) { /* the bytes stay where they are until the next take */
        c->mem_pos -= (size_t)r;
        c->offset -= (uint64_t)r;
    }
    return r;
}

long capture_read(esim_capture *c, void *dst, size_t n, esim_error *err)
{
    const uint8_t *p;
    long r = capture_take(c, n, &p, err);
    if (r > 0)
        memcpy(dst, p, (size_t)r);
    return r;
}

int capture_skip(esim_capture *c, uint64_t n, esim_error *err)
{
    while (n > 0) {
        size_t chunk = n > ESIM_CAPTURE_BUF ? ESIM_CAPTURE_BUF : (size_t)n;
        const uint8_t *p;
        long r = capture_take(c, chunk, &p, err);
        if (r < 0)
            return -1;
        if ((size_t)r < chunk)
            return esim_error_set(err, "capture truncated at byte %llu",
                                  (unsigned long long)c->offset);
        n -= chunk;
    }
    return 0;
}

static int open_log(esim_capture *c, esim_log_format f, esim_capture_opts *o, esim_error *err)
{
    c->format = ESIM_CAPTURE_LOG;
    c->log = log_reader_new(c, f, o, err);
    return c->log ? 0 : -1;
}

/* pcap or pcapng by their magic; anything else is read as a log when its lines look like one
 * of the formats of esim/log.h (or a log format is forced). */
static int detect(esim_capture *c, esim_capture_opts *o, esim_error *err)
{
    esim_log_format forced = o ? (esim_log_format)o->log_format : ESIM_LOG_AUTO;
    if (o)
        o->detected = ESIM_LOG_CAPTURE;
    if (forced != ESIM_LOG_AUTO && forced != ESIM_LOG_CAPTURE)
        return open_log(c, forced, o, err);
    const uint8_t *m;
    long r = capture_peek(c, 4, &m, err);
    if (r < 0)
        return -1;
    if (r < 4)
        return esim_error_set(err, "not a capture file: %s", r == 0 ? "empty" : "too short");
    static const uint8_t shb[4] = {0x0A, 0x0D, 0x0D, 0x0A};
    static const uint32_t pcap_magic[4] = {0xA1B2C3D4, 0xA1B23C4D, 0xD4C3B2A1, 0x4D3CB2A1};
    uint32_t le = (uint32_t)m[3] << 24 | (uint32_t)m[2] << 16 | (uint32_t)m[1] << 8 | m[0];
    bool pcap = false;
    for (int i = 0; i < 4; i++)
        pcap |= le == pcap_magic[i];
    if (forced == ESIM_LOG_AUTO && ((m[0] == 0xFF && m[1] == 0xFE) || (m[0] == 0xFE && m[1] == 0xFF)))
        return esim_error_set(err, "UTF-16 text (a log saved as \"Unicode\"?): convert it first, "
                              "e.g. iconv -f UTF-16 -t UTF-8");
    if (forced == ESIM_LOG_AUTO && !pcap && memcmp(m, shb, 4) != 0) {
        esim_log_format f = log_reader_detect(c, err);
        if (f != ESIM_LOG_AUTO)
            return open_log(c, f, o, err);
        return esim_error_set(err, "not a pcap or pcapng capture (magic %02X%02X%02X%02X) nor a "
                              "log esimscope reads (QXDM, QCAT, lpac, AT, pcsc-spy, hex APDU "
                              "log; --format forces one)", m[0], m[1], m[2], m[3]);
    }
    uint8_t mm[4];
    if (capture_read(c, mm, 4, err) != 4)
        return -1;
    if (!memcmp(mm, shb, 4)) {
        c->format = ESIM_CAPTURE_PCAPNG;
        memcpy(c->first, mm, 4);
        c->have_first = true;
        return 0;
    }
    c->format = ESIM_CAPTURE_PCAP;
    return capture_pcap_header(c, mm, err);
}

esim_capture *esim_capture_open(const char *path, esim_error *err)
{
    return esim_capture_open_ex(path, NULL, err);
}

esim_capture *esim_capture_open_ex(const char *path, esim_capture_opts *o, esim_error *err)
{
    bool is_stdin = !strcmp(path, "-");
    errno = 0;
    int fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t magic[2];
    /* a plain regular file is mapped (read as it was when opened); gzip and pipes are read */
    bool map = fd >= 0 && !is_stdin && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
               pread(fd, magic, 2, 0) == 2 && !(magic[0] == 0x1F && magic[1] == 0x8B);
    esim_capture *c = capture_new(!map, err);
    if (!c) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (map) {
        c->map_fd = fd;
        c->map_size = (uint64_t)st.st_size;
        if (detect(c, o, err) < 0) {
            esim_error_prefix(err, "%s", path);
            esim_capture_close(c);
            return NULL;
        }
        return c;
    }
    int saved = errno;
    c->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
    if (!c->gz) {
        errno = fd >= 0 ? errno : saved;
        esim_error_set(err, "cannot open %s: %s", is_stdin ? "standard input" : path,
                       errno ? strerror(errno) : "out of memory");
        if (fd >= 0)
            close(fd);
        esim_capture_close(c);
        return NULL;
    }
    gzbuffer(c->gz, 65536);
    if (detect(c, o, err) < 0) {
        esim_error_prefix(err, "%s", is_stdin ? "standard input" : path);
        esim_capture_close(c);
        return NULL;
    }
    return c;
}

esim_capture *esim_capture_open_mem(const uint8_t *buf, size_t len, esim_error *err)
{
    return esim_capture_open_mem_ex(buf, len, NULL, err);
}

esim_capture *esim_capture_open_mem_ex(const uint8_t *buf, size_t len, esim_capture_opts *o,
                                       esim_error *err)
{
    esim_capture *c = capture_new(false, err);
    if (!c)
        return NULL;
    c->mem = buf;
    c->mem_len = len;
    if (detect(c, o, err) < 0) {
        esim_capture_close(c);
        return NULL;
    }
    return c;
}

/* An empty frame: nothing captured, or only zero bytes. Real traffic starts with a non-zero byte
 * within the first few (addresses, a version field), so this stops early on real frames. */
static bool frame_empty(const esim_packet *pkt)
{
    for (uint32_t i = 0; i < pkt->caplen; i++)
        if (pkt->data[i])
            return false;
    return true;
}

int esim_capture_next(esim_capture *c, esim_packet *pkt, esim_error *err)
{
    memset(pkt, 0, sizeof *pkt);
    if (c->format == ESIM_CAPTURE_LOG)
        return log_reader_next(c->log, pkt, err);
    int r = c->format == ESIM_CAPTURE_PCAP ? capture_pcap_next(c, pkt, err)
                                           : capture_pcapng_next(c, pkt, err);
    if (r != 1)
        return r;
    if (!frame_empty(pkt)) {
        c->empty_run = 0;
        return 1;
    }
    if (c->empty_run++ == 0)
        c->empty_run_first = pkt->frame;
    /* zero-filled data after a valid header (a damaged copy, a zip bomb): damage, not traffic */
    if (c->empty_run >= ESIM_CAPTURE_MAX_EMPTY_RUN)
        return esim_error_set(err, "damaged capture: frames %llu-%llu are all empty or zero-filled",
                              (unsigned long long)c->empty_run_first,
                              (unsigned long long)pkt->frame);
    return 1;
}

void esim_capture_on_secrets(esim_capture *c, esim_capture_secrets_cb cb, void *user)
{
    c->secrets_cb = cb;
    c->secrets_user = user;
}

esim_capture_format esim_capture_get_format(const esim_capture *c)
{
    return c->format;
}

void esim_capture_close(esim_capture *c)
{
    if (!c)
        return;
    log_reader_free(c->log);
    if (c->gz)
        gzclose(c->gz);
    if (c->map_fd >= 0) {
        if (c->mem)
            munmap((void *)c->mem, c->mem_len);
        close(c->map_fd);
    }
    free(c->ifaces);
    free(c->window);
    free(c);
}

/* ---- classic pcap (tcpdump.org "pcap" file format) ---- */

int capture_pcap_header(esim_capture *c, const uint8_t m[4], esim_error *err)
{
    uint32_t le = (uint32_t)m[3] << 24 | (uint32_t)m[2] << 16 | (uint32_t)m[1] << 8 | m[0];
    switch (le) {
    case 0xA1B2C3D4: c->swap = false; c->pcap_nsec = false; break;
    case 0xA1B23C4D: c->swap = false; c->pcap_nsec = true; break;
    case 0xD4C3B2A1: c->swap = true; c->pcap_nsec = false; break;
    case 0x4D3CB2A1: c->swap = true; c->pcap_nsec = true; break;
    default:
        return esim_error_set(err, "not a pcap or pcapng capture (magic %02X%02X%02X%02X)", m[0],
                              m[1], m[2], m[3]);
    }
    uint8_t h[20];
    long r = capture_read(c, h, sizeof h, err);
    if (r < 0)
        return -1;
    if (r < (long)sizeof h)
        return esim_error_set(err, "pcap file header truncated");
    c->pcap_snaplen = capture_u32(c, h + 12);
    /* The upper bits of the link-type field carry FCS information (pcap format, "LinkType"). */
    c->pcap_linktype = capture_u32(c, h + 16) & 0x0FFFFFFF;
    return 0;
}

int capture_pcap_next(esim_capture *c, esim_packet *pkt, esim_error *err)
{
    const uint8_t *h;
    uint64_t at = c->offset;
    long r = capture_take(c, 16, &h, err);
    if (r < 0)
        return -1;
    if (r == 0)
        return 0;
    if (r < 16)
        return esim_error_set(err, "pcap record header truncated at byte %llu",
                              (unsigned long long)at);
    uint32_t caplen = capture_u32(c, h + 8);
    if (caplen > ESIM_CAPTURE_MAX_PACKET)
        return esim_error_set(err, "frame %llu at byte %llu: captured length %u exceeds the %u-byte limit",
                              (unsigned long long)c->frame + 1, (unsigned long long)at, caplen,
                              ESIM_CAPTURE_MAX_PACKET);
    uint32_t frac = capture_u32(c, h + 4);
    pkt->ts_sec = capture_u32(c, h);
    pkt->ts_nsec = c->pcap_nsec ? (frac % 1000000000u) : (frac % 1000000u) * 1000u;
    pkt->origlen = capture_u32(c, h + 12);
    /* h is not valid after the next take */
    r = capture_take(c, caplen, &pkt->data, err);
    if (r < 0)
        return -1;
    if ((uint32_t)r < caplen)
        return esim_error_set(err, "frame %llu truncated (%ld of %u bytes)",
                              (unsigned long long)c->frame + 1, r, caplen);
    pkt->frame = ++c->frame;
    pkt->linktype = c->pcap_linktype;
    pkt->caplen = caplen;
    return 1;
}
