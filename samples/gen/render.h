/* Renders a transcript into capture frames: card traffic as GSMTAP-SIM (T=0 as SIMtrace shows
 * it: one message per exchange = header + command data + response data + SW), as CCID over
 * usbmon / USBPcap (T=0 TPDUs or T=1 blocks), and HTTP as TCP/IPv4 on Ethernet. ES10 commands
 * become STORE DATA blocks (SGP.22 5.7.2: CLA 80|channel, INS E2, P1 91 = last block / 11 = more
 * blocks, GlobalPlatform's b8 = last block; P2 = block number; at most 255 bytes each); response
 * data comes back through 61xx + GET RESPONSE in T=0. */
#ifndef SG_RENDER_H
#define SG_RENDER_H
#include "net.h"
#include "tls.h"
#include "transcript.h"
#include "usb.h"

typedef struct sg_render_opts {
    sg_port *gsmtap_port;    /* SIMtrace view (Ethernet or Linux cooked), NULL = none */
    sg_port *ccid_port;      /* reader view (usbmon or USBPcap), NULL = none */
    bool t1;                 /* CCID: T=1 instead of T=0 */
    sg_port *http_port;      /* NULL = no HTTP in this capture */
    size_t mss;
    uint16_t http_port_no;   /* 80, or 443 with tls */
    sg_tls_cfg *tls;         /* HTTPS: NULL = plain HTTP */
    bool per_call;           /* a new TCP (and TLS) connection for every HTTP exchange */
} sg_render_opts;

/* Returns 0, 1 when the transcript asked to cut the capture short, -1 when TLS failed. */
int sg_render(const sg_transcript *t, const sg_render_opts *o);
#endif
