/* Fuzzes the capture reader and everything a capture feeds: link/IP/UDP/TCP decoding, GSMTAP-SIM,
 * usbmon/USBPcap + CCID + T=1, TCP reassembly and HTTP, down to APDU events. */
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/capture.h"
#include "esim/ccid.h"
#include "esim/gsmtap.h"
#include "esim/http.h"
#include "esim/netdecode.h"
#include "esim/tcp_reasm.h"

static void on_apdu(const esim_apdu_event *ev, void *user) { (void)ev; (void)user; }
static void on_http(const esim_http_event *ev, void *user) { (void)ev; (void)user; }
static void on_tcp(const esim_tcp_event *ev, void *user) { esim_http_on_tcp(ev, on_http, user); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_error err;
    esim_capture *c = esim_capture_open_mem(data, size, &err);
    if (!c)
        return 0;
    esim_apdu_ctx *apdu = esim_apdu_new(on_apdu, NULL);
    esim_gsmtap_sim *sim = esim_gsmtap_sim_new(apdu);
    esim_ccid *ccid = esim_ccid_new(apdu);
    esim_tcp_limits lim = esim_tcp_default_limits;
    lim.max_flows = 8;
    lim.max_ooo_segments = 16;
    esim_tcp_reasm *tcp = esim_tcp_new(on_tcp, NULL, &lim);
    esim_packet pk;
    for (int i = 0; i < 10000 && esim_capture_next(c, &pk, &err) == 1; i++) {
        esim_usb_packet u;
        bool to_dev;
        if (esim_usb_decode(pk.linktype, pk.data, pk.caplen, &u, &err) == 0) {
            if (esim_usb_bulk_payload(&u, &to_dev))
                esim_ccid_feed(ccid, pk.frame, pk.ts_sec, pk.ts_nsec, to_dev, u.data, u.len, &err);
            continue;
        }
        esim_net n;
        if (esim_net_decode(pk.linktype, pk.data, pk.caplen, &n, &err) < 0 || !n.l4)
            continue;
        esim_gsmtap g;
        if (n.proto == ESIM_IPPROTO_UDP && esim_gsmtap_parse(n.payload, n.payload_len, &g, &err) == 0)
            esim_gsmtap_sim_feed(sim, pk.frame, pk.ts_sec, pk.ts_nsec, &g, &err);
        esim_tcp_feed(tcp, pk.frame, pk.ts_sec, pk.ts_nsec, &n);
    }
    esim_apdu_flush(apdu);
    esim_tcp_free(tcp);
    esim_ccid_free(ccid);
    esim_gsmtap_sim_free(sim);
    esim_apdu_free(apdu);
    esim_capture_close(c);
    return 0;
}
