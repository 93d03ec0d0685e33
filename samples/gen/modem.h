/* A cellular modem's control interface as Linux usbmon sees it (LINKTYPE_USB_LINUX_MMAPPED,
 * 64-byte header), with the LPA talking to the eUICC through the modem instead of a reader:
 *   - MBIM (cdc_mbim): MBIM OPEN, then the Microsoft UICC low-level access service: ATR query,
 *     OPEN_CHANNEL with the ISD-R AID, APDU per STORE DATA block / GET RESPONSE, CLOSE_CHANNEL;
 *     messages longer than the function's MaxControlTransfer are sent in fragments;
 *   - QMI (qmi_wwan): CTL client allocation for UIM, then UIM OPEN_LOGICAL_CHANNEL, SEND_APDU,
 *     LOGICAL_CHANNEL (close).
 * Every message is a CDC SEND_ENCAPSULATED_COMMAND control transfer (setup 21 00, data OUT) or,
 * after a RESPONSE_AVAILABLE notification on the interrupt endpoint, a GET_ENCAPSULATED_RESPONSE
 * (setup A1 01, data IN): submission and completion URBs as the kernel reports them. The port
 * may also be USBPcap (LINKTYPE_USBPCAP): control transfers then show as SETUP, DATA (OUT) and
 * COMPLETE stages, as Windows' USBPcap logs them. */
#ifndef SG_MODEM_H
#define SG_MODEM_H
#include "net.h"
#include "transcript.h"

typedef enum { SG_MODEM_MBIM, SG_MODEM_QMI } sg_modem_kind;

/* Renders the card side of a transcript through the modem. Returns 0, or 1 when the
 * transcript asked to cut the capture short. */
int sg_modem_render(const sg_transcript *t, sg_port *port, sg_modem_kind kind);
#endif
