/* What a modem's UICC access messages (MBIM UICC low-level access, QMI UIM) mean for the APDU
 * layer. Modems open and close logical channels themselves and carry the channel number beside
 * the APDU; the APDU layer reads channels from CLA and learns them from MANAGE CHANNEL and
 * SELECT. So the modem operations are fed as the exchanges the modem had with the card:
 *   - open channel with AID X (answered by channel N, select response R, status S) =
 *     MANAGE CHANNEL open (00 70 00 00 01 -> N 9000) then SELECT by DF name on channel N
 *     (0N A4 04 P2 Lc X 00 -> R S), both attributed to the message frames;
 *   - close channel N = MANAGE CHANNEL close (00 70 80 N);
 *   - an APDU for channel N has the channel coded into its CLA (ISO/IEC 7816-4 clause 5.4.1)
 *     when the host left it out.
 * These exchanges are synthesized: they are what the modem sends to the card (ETSI TS 102 221
 * clause 11.1.17 / 11.1.1), not bytes seen in the capture. */
#ifndef ESIM_MODEM_APDU_H
#define ESIM_MODEM_APDU_H
#include <stddef.h>
#include <stdint.h>
#include "esim/apdu.h"

/* Frames and time of one modem request and its answer. */
typedef struct esim_modem_xfer {
    uint64_t frame, frame_rsp;
    int64_t sec;
    uint32_t nsec;
} esim_modem_xfer;

/* cla with logical channel ch (0..19) coded in it, in the first (0-3) or further (4-19)
 * interindustry form; unchanged when it already says ch or has no channel coding (FF). */
uint8_t esim_cla_with_channel(uint8_t cla, unsigned ch);

/* A channel opened for an AID (sw = the card's answer to the SELECT; an open that failed has
 * channel 0 and only the MANAGE CHANNEL is fed, with sw). */
void esim_modem_open_channel(esim_apdu_ctx *a, const esim_modem_xfer *x, unsigned channel,
                             const uint8_t *aid, size_t aid_len, uint8_t p2,
                             const uint8_t *select_rsp, size_t select_len, uint16_t sw);
void esim_modem_close_channel(esim_apdu_ctx *a, const esim_modem_xfer *x, unsigned channel,
                              uint16_t sw);
/* One APDU on a channel: rsp = response data + SW1 SW2. */
void esim_modem_apdu(esim_apdu_ctx *a, const esim_modem_xfer *x, unsigned channel,
                     const uint8_t *cmd, size_t cmd_len, const uint8_t *rsp, size_t rsp_len);
#endif
