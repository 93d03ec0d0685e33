/* What happened in one simulated session, independent of how it is captured: card resets,
 * plain APDUs, ES10 commands (sent later as STORE DATA blocks), HTTP exchanges. The capture
 * renderers (render.c) turn one transcript into GSMTAP, usbmon, USBPcap or TCP/HTTP frames. */
#ifndef SG_TRANSCRIPT_H
#define SG_TRANSCRIPT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { SG_EV_ATR, SG_EV_APDU, SG_EV_ES10, SG_EV_HTTP, SG_EV_HTTP_CLOSE } sg_ev_kind;

typedef struct sg_ev {
    sg_ev_kind kind;
    uint8_t hdr[4];          /* APDU: CLA INS P1 P2 */
    bool want_data;          /* APDU: the command expects response data (case 2/4) */
    uint8_t *cmd;            /* ATR / APDU data / ES10 command / HTTP request */
    size_t cmd_len;
    uint8_t *rsp;            /* response data / HTTP response */
    size_t rsp_len;
    uint16_t sw;             /* final status word */
    int fail_block;          /* ES10: block answered with sw instead of 9000, -1 = none */
    int host;                /* HTTP, HTTP_CLOSE: 0 = SM-DP+, 1 = SM-DS */
    int cut_after_blocks;    /* ES10: stop the whole capture after this many blocks (0 = no) */
} sg_ev;

typedef struct sg_transcript {
    sg_ev *ev;
    size_t n, cap;
    uint8_t channel;         /* logical channel of the ISD-R */
} sg_transcript;

sg_ev *sg_tr_add(sg_transcript *t, sg_ev_kind kind);
void sg_tr_free(sg_transcript *t);
#endif
