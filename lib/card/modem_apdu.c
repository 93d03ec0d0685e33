/* Modem UICC operations as APDU exchanges (see modem_apdu.h). */
#include <stdlib.h>
#include <string.h>
#include "esim/modem_apdu.h"

uint8_t esim_cla_with_channel(uint8_t cla, unsigned ch)
{
    int now = esim_apdu_channel(cla);
    if (now < 0 || (unsigned)now == ch || ch >= ESIM_APDU_CHANNELS)
        return cla;
    if (ch < 4) /* first interindustry: b2 b1; keeps b8, b6, the SM bits b4 b3 (none if further) */
        return (uint8_t)((cla & 0x40) ? (cla & 0x80) | ch : (cla & 0xFC) | ch);
    /* further interindustry: b7 = 1, b4..b1 = ch - 4 (b6 secure messaging, b8 proprietary) */
    return (uint8_t)((cla & 0x40) ? (cla & 0xF0) | (ch - 4) : (cla & 0x80) | 0x40 | (ch - 4));
}

void esim_modem_open_channel(esim_apdu_ctx *a, const esim_modem_xfer *x, unsigned channel,
                             const uint8_t *aid, size_t aid_len, uint8_t p2,
                             const uint8_t *select_rsp, size_t select_len, uint16_t sw)
{
    static const uint8_t manage[5] = {0x00, 0x70, 0x00, 0x00, 0x01};
    uint8_t r[3];
    if (channel == 0 || channel >= ESIM_APDU_CHANNELS) { /* the open failed */
        r[0] = (uint8_t)(sw >> 8);
        r[1] = (uint8_t)sw;
        esim_apdu_feed(a, x->frame, x->frame_rsp, x->sec, x->nsec, manage, sizeof manage, r, 2);
        return;
    }
    r[0] = (uint8_t)channel;
    r[1] = 0x90;
    r[2] = 0x00;
    esim_apdu_feed(a, x->frame, x->frame_rsp, x->sec, x->nsec, manage, sizeof manage, r, 3);
    if (aid_len > 255 || select_len > 65536)
        return;
    uint8_t *cmd = malloc(6 + aid_len), *rsp = malloc(select_len + 2);
    if (!cmd || !rsp) {
        free(cmd);
        free(rsp);
        return;
    }
    cmd[0] = esim_cla_with_channel(0x00, channel);
    cmd[1] = 0xA4;
    cmd[2] = 0x04;
    cmd[3] = p2;
    size_t n = 4;
    if (aid_len) {
        cmd[n++] = (uint8_t)aid_len;
        memcpy(cmd + n, aid, aid_len);
        n += aid_len;
    }
    cmd[n++] = 0x00; /* Le: the FCI/FCP of the application, as the modem asks for it */
    if (select_len)
        memcpy(rsp, select_rsp, select_len);
    rsp[select_len] = (uint8_t)(sw >> 8);
    rsp[select_len + 1] = (uint8_t)sw;
    esim_apdu_feed(a, x->frame, x->frame_rsp, x->sec, x->nsec, cmd, n, rsp, select_len + 2);
    free(cmd);
    free(rsp);
}

void esim_modem_close_channel(esim_apdu_ctx *a, const esim_modem_xfer *x, unsigned channel,
                              uint16_t sw)
{
    if (channel == 0 || channel >= ESIM_APDU_CHANNELS)
        return;
    uint8_t cmd[4] = {0x00, 0x70, 0x80, (uint8_t)channel};
    uint8_t r[2] = {(uint8_t)(sw >> 8), (uint8_t)sw};
    esim_apdu_feed(a, x->frame, x->frame_rsp, x->sec, x->nsec, cmd, sizeof cmd, r, sizeof r);
}

void esim_modem_apdu(esim_apdu_ctx *a, const esim_modem_xfer *x, unsigned channel,
                     const uint8_t *cmd, size_t cmd_len, const uint8_t *rsp, size_t rsp_len)
{
    if (cmd_len == 0 || esim_apdu_channel(cmd[0]) == (int)channel || channel >= ESIM_APDU_CHANNELS) {
        esim_apdu_feed(a, x->frame, x->frame_rsp, x->sec, x->nsec, cmd, cmd_len, rsp, rsp_len);
        return;
    }
    uint8_t *c = malloc(cmd_len);
    if (!c)
        return;
    memcpy(c, cmd, cmd_len);
    c[0] = esim_cla_with_channel(c[0], channel);
    esim_apdu_feed(a, x->frame, x->frame_rsp, x->sec, x->nsec, c, cmd_len, rsp, rsp_len);
    free(c);
}
