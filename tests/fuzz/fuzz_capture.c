/* Fuzzes the capture reader and the whole pipeline behind it: link/IP/UDP/TCP decoding,
 * GSMTAP-SIM, usbmon/USBPcap + CCID + T=1, TCP reassembly and HTTP, down to APDU events. */
#include <stdint.h>
#include <string.h>
#include "esim/capture_pipe.h"

static size_t sink;

static void on_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user)
{
    (void)card;
    (void)user;
    for (size_t i = 0; i < ev->cmd_len; i++)
        sink += ev->cmd_data[i];
    for (size_t i = 0; i < ev->rsp_len; i++)
        sink += ev->rsp_data[i];
    sink += ev->text ? strlen(ev->text) : 0;
}

static void on_http(const esim_http_event *ev, void *user)
{
    (void)user;
    for (size_t i = 0; i < ev->body_len; i++)
        sink += ev->body[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_error err;
    esim_capture *c = esim_capture_open_mem(data, size, &err);
    if (!c)
        return 0;
    esim_pipe_handlers h = {.apdu = on_apdu, .http = on_http};
    esim_pipe *p = esim_pipe_new(&h);
    esim_packet pk;
    for (int i = 0; i < 10000 && esim_capture_next(c, &pk, &err) == 1; i++)
        esim_pipe_packet(p, &pk);
    esim_pipe_finish(p);
    esim_pipe_free(p);
    esim_capture_close(c);
    return 0;
}
