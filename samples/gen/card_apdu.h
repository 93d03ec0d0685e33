/* The card side of a simulated download, once for every writer (render.c: GSMTAP/CCID captures,
 * modem.c: MBIM/QMI, render_log.c: phone/LPA logs): an APDU with its response cut into 61xx +
 * GET RESPONSE as the card interface needs it, and an ES10 command as STORE DATA blocks. */
#ifndef SG_CARD_APDU_H
#define SG_CARD_APDU_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "transcript.h"

typedef struct sg_card_out {
    /* one exchange on the interface: command (T=0: a TPDU) and response + SW */
    void (*exchange)(void *ctx, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn);
    void *ctx;
    bool t0;        /* T=0: a case 4 command gets 61xx and its data through GET RESPONSE
                     * (TS 102 221 7.3.1.1.4); else up to 256 response bytes come at once */
    bool case1_p3;  /* a command without data or Le is written with a P3/Le byte of 00 */
} sg_card_out;

/* One APDU (header, data of n bytes, whether it asks for data) answered with rsp and sw. */
void sg_card_apdu(const sg_card_out *o, const uint8_t hdr[4], const uint8_t *data, size_t n,
                  bool want, const uint8_t *rsp, size_t rn, uint16_t sw);
/* An ES10 command as STORE DATA blocks of up to 255 bytes on channel (SGP.22 5.7.2), with the
 * transcript's failing block and cut. Returns 1 when the capture is to stop here. */
int sg_card_es10(const sg_card_out *o, const sg_ev *e, uint8_t channel);
#endif
