#include "capwrite.h"
#include <string.h>

static void w(sg_cap *c, const void *p, size_t n)
{
    if (n && fwrite(p, 1, n, c->f) != n)
        c->failed = true;
}

static void w32(sg_cap *c, uint32_t v)
{
    w(c, &v, 4); /* host order: the magic numbers tell readers which it is */
}

static void w16(sg_cap *c, uint16_t v)
{
    w(c, &v, 2);
}

static void pad4(sg_cap *c, size_t n)
{
    static const uint8_t z[4] = {0};
    w(c, z, (4 - n % 4) % 4);
}

static size_t opt_len(const char *s)
{
    return s ? 4 + (strlen(s) + 3) / 4 * 4 : 0;
}

static void opt_str(sg_cap *c, uint16_t code, const char *s)
{
    if (!s)
        return;
    w16(c, code);
    w16(c, (uint16_t)strlen(s));
    w(c, s, strlen(s));
    pad4(c, strlen(s));
}

int sg_cap_open(sg_cap *c, const char *path, bool pcapng)
{
    memset(c, 0, sizeof *c);
    c->ng = pcapng;
    c->f = fopen(path, "wb");
    if (!c->f)
        return -1;
    if (pcapng) {
        const char *app = "esim-samplegen (esimscope)";
        uint32_t len = 28 + (uint32_t)opt_len(app) + 4;
        w32(c, 0x0A0D0D0A);
        w32(c, len);
        w32(c, 0x1A2B3C4D);
        w16(c, 1);
        w16(c, 0);
        w32(c, 0xFFFFFFFF);
        w32(c, 0xFFFFFFFF); /* section length unknown */
        opt_str(c, 4, app); /* shb_userappl */
        w32(c, 0);          /* opt_endofopt */
        w32(c, len);
    }
    return 0;
}

int sg_cap_add_if(sg_cap *c, uint32_t linktype, const char *name, const char *description)
{
    if (c->nif >= (c->ng ? SG_CAP_MAX_IF : 1))
        return -1;
    c->linktype[c->nif] = linktype;
    if (c->ng) {
        uint32_t len = 20 + (uint32_t)(opt_len(name) + opt_len(description)) + 4;
        w32(c, 1);
        w32(c, len);
        w16(c, (uint16_t)linktype);
        w16(c, 0);
        w32(c, 262144);
        opt_str(c, 2, name);        /* if_name */
        opt_str(c, 3, description); /* if_description */
        w32(c, 0);
        w32(c, len);
    } else {
        w32(c, 0xA1B2C3D4);
        w16(c, 2);
        w16(c, 4);
        w32(c, 0);
        w32(c, 0);
        w32(c, 262144);
        w32(c, linktype);
    }
    return c->nif++;
}

void sg_cap_write(sg_cap *c, int ifid, uint64_t ts_us, const uint8_t *d, size_t len)
{
    if (ifid < 0 || ifid >= c->nif) {
        c->failed = true;
        return;
    }
    if (c->max_packets && c->packets >= c->max_packets)
        return;
    c->packets++;
    if (c->ng) {
        uint32_t blen = 32 + (uint32_t)((len + 3) / 4 * 4);
        w32(c, 6);
        w32(c, blen);
        w32(c, (uint32_t)ifid);
        w32(c, (uint32_t)(ts_us >> 32));
        w32(c, (uint32_t)ts_us);
        w32(c, (uint32_t)len);
        w32(c, (uint32_t)len);
        w(c, d, len);
        pad4(c, len);
        w32(c, blen);
    } else {
        w32(c, (uint32_t)(ts_us / 1000000));
        w32(c, (uint32_t)(ts_us % 1000000));
        w32(c, (uint32_t)len);
        w32(c, (uint32_t)len);
        w(c, d, len);
    }
}

int sg_cap_close(sg_cap *c)
{
    int rc = c->failed ? -1 : 0;
    if (c->f && fclose(c->f) != 0)
        rc = -1;
    c->f = NULL;
    return rc;
}
