/* APDUs and ES10 STORE DATA blocks of the simulated card (see card_apdu.h). */
#include "card_apdu.h"
#include <string.h>

void sg_card_apdu(const sg_card_out *o, const uint8_t hdr[4], const uint8_t *data, size_t n,
                  bool want, const uint8_t *rsp, size_t rn, uint16_t sw)
{
    uint8_t cmd[5 + 256], buf[258];
    memcpy(cmd, hdr, 4);
    size_t cn = 4;
    if (n) {
        cmd[cn++] = (uint8_t)n;
        memcpy(cmd + cn, data, n);
        cn += n;
    }
    bool le_in_cmd = want && (!o->t0 || n == 0);
    if (le_in_cmd || (o->t0 && n == 0) || (o->case1_p3 && cn == 4))
        cmd[cn++] = o->t0 && rn && rn < 256 ? (uint8_t)rn : 0; /* T=0 case 1/2: P3 */
    size_t first = (!o->t0 || n == 0) ? (rn > 256 ? 256 : rn) : 0;
    size_t left = rn - first;
    if (first)
        memcpy(buf, rsp, first);
    uint16_t s = left ? (uint16_t)(0x6100 | (left > 255 ? 0 : left)) : sw;
    buf[first] = (uint8_t)(s >> 8);
    buf[first + 1] = (uint8_t)s;
    o->exchange(o->ctx, cmd, cn, buf, first + 2);
    size_t off = first;
    while (left) {
        size_t k = left > 256 ? 256 : left;
        uint8_t gr[5] = {(uint8_t)(hdr[0] & 0x03), 0xC0, 0x00, 0x00, (uint8_t)(k == 256 ? 0 : k)};
        left -= k;
        memcpy(buf, rsp + off, k);
        off += k;
        s = left ? (uint16_t)(0x6100 | (left > 255 ? 0 : left)) : sw;
        buf[k] = (uint8_t)(s >> 8);
        buf[k + 1] = (uint8_t)s;
        o->exchange(o->ctx, gr, 5, buf, k + 2);
    }
}

int sg_card_es10(const sg_card_out *o, const sg_ev *e, uint8_t channel)
{
    size_t nblocks = (e->cmd_len + 254) / 255, off = 0;
    for (size_t b = 0; b < nblocks; b++) {
        size_t k = e->cmd_len - off > 255 ? 255 : e->cmd_len - off;
        bool last = b + 1 == nblocks;
        uint8_t hdr[4] = {(uint8_t)(0x80 | channel), 0xE2, last ? 0x91 : 0x11, (uint8_t)b};
        if ((int)b == e->fail_block) {
            sg_card_apdu(o, hdr, e->cmd + off, k, false, NULL, 0, e->sw);
            return 0;
        }
        if (last)
            sg_card_apdu(o, hdr, e->cmd + off, k, e->rsp_len > 0, e->rsp, e->rsp_len, e->sw);
        else
            sg_card_apdu(o, hdr, e->cmd + off, k, false, NULL, 0, 0x9000);
        off += k;
        if (e->cut_after_blocks && (int)b + 1 >= e->cut_after_blocks)
            return 1;
    }
    return 0;
}
