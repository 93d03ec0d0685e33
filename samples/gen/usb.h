/* A USB CCID smart-card reader as seen by Linux usbmon (LINKTYPE_USB_LINUX_MMAPPED, 64-byte
 * header, one submission and one completion URB per bulk transfer) or Windows USBPcap
 * (LINKTYPE_USBPCAP, 27-byte header). CCID rev 1.1: PC_to_RDR_IccPowerOn (0x62) / DataBlock with
 * the ATR, PC_to_RDR_XfrBlock (0x6F) / RDR_to_PC_DataBlock (0x80). Below the CCID messages: T=0
 * TPDUs as they are, or ISO 7816-3 T=1 blocks (NAD, PCB, LEN, INF, LRC) with chaining when an
 * APDU is longer than the information field size (254). */
#ifndef SG_USB_H
#define SG_USB_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "net.h"

typedef struct sg_reader {
    sg_port *port;      /* linktype 220 or 249 */
    uint8_t seq;        /* CCID bSeq */
    uint64_t urb;       /* URB id (usbmon) / IRP id (USBPcap) */
    uint16_t bus, dev;
    bool t1;
    uint8_t ns_host, ns_card; /* T=1 send sequence numbers */
    unsigned t1_max;    /* IFSC/IFSD in use */
} sg_reader;

void sg_reader_init(sg_reader *r, sg_port *p, bool t1);
/* IccPowerOn answered with the ATR; in T=1 also the S(IFS) exchange that sets IFSD to 254. */
void sg_reader_power_on(sg_reader *r, const uint8_t *atr, size_t len);
/* One command and its response (T=0: a TPDU; T=1: an APDU carried in I-blocks). */
void sg_reader_exchange(sg_reader *r, const uint8_t *cmd, size_t n, const uint8_t *rsp, size_t rn);
#endif
