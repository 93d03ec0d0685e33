/* Fuzzes the MBIM reader (lib/card/mbim.c) and the CDC transfer classifier (lib/card/usb_cdc.c)
 * with a sequence of records: kind (1 byte), length (2 bytes LE), bytes. Kinds: MBIM message
 * host to modem / modem to host (fragments, UICC commands and answers), a usbmon packet
 * (decoded and classified as a CDC encapsulated message, then fed by its direction), a UICC
 * InformationBuffer parsed as every CID (command and response), end of input. */
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/capture.h"
#include "esim/mbim.h"
#include "esim/usb_cdc.h"

static void on_apdu(const esim_apdu_event *ev, void *user) { (void)ev; (void)user; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_error err;
    esim_apdu_ctx *apdu = esim_apdu_new(on_apdu, NULL);
    esim_mbim *m = esim_mbim_new(apdu);
    esim_cdc *cdc = esim_cdc_new();
    uint64_t frame = 0;
    size_t i = 0;
    while (i + 3 <= size) {
        uint8_t kind = data[i] % 5;
        size_t n = (size_t)(data[i + 1] | data[i + 2] << 8);
        i += 3;
        if (n > size - i)
            n = size - i;
        const uint8_t *d = data + i;
        i += n;
        frame++;
        switch (kind) {
        case 0:
        case 1:
            esim_mbim_feed(m, frame, 0, 0, kind == 0, d, n, &err);
            break;
        case 2: {
            esim_usb_packet u;
            esim_cdc_msg msg;
            if (esim_usb_decode(ESIM_LINKTYPE_USB_LINUX_MMAPPED, d, n, &u, &err) == 0 &&
                esim_cdc_packet(cdc, &u, &msg) != ESIM_CDC_NONE && msg.kind != ESIM_CDC_NOTIFY)
                esim_mbim_feed(m, frame, 0, 0, msg.kind == ESIM_CDC_COMMAND, msg.data, msg.len,
                               &err);
            break;
        }
        case 3:
            for (uint32_t cid = 0; cid <= 7; cid++)
                for (int r = 0; r < 4; r++) {
                    esim_mbim_uicc u;
                    esim_mbim_uicc_parse(cid, r & 1, r & 2, d, n, &u, &err);
                }
            break;
        default:
            esim_mbim_finish(m, &err);
            esim_apdu_flush(apdu);
            break;
        }
    }
    esim_mbim_finish(m, &err);
    esim_apdu_flush(apdu);
    esim_cdc_free(cdc);
    esim_mbim_free(m);
    esim_apdu_free(apdu);
    return 0;
}
