/* Fuzzes the APDU layer and its carriers with a sequence of records: kind (1 byte), length
 * (1 byte), bytes. Kinds: T=0 message, APDU + response (split at the first byte's value), ATR,
 * CCID message to / from the reader, GSMTAP message, end of input, T=1 block from the terminal /
 * the card (LRC or CRC by the length's low bit) through the T=1 link. */
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/ccid.h"
#include "esim/gsmtap.h"
#include "esim/t1.h"

static void on_apdu(const esim_apdu_event *ev, void *user) { (void)ev; (void)user; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_error err;
    esim_apdu_ctx *apdu = esim_apdu_new(on_apdu, NULL);
    esim_ccid *ccid = esim_ccid_new(apdu);
    esim_gsmtap_sim *sim = esim_gsmtap_sim_new(apdu);
    esim_t1_link link;
    esim_t1_link_init(&link);
    uint64_t frame = 0;
    size_t i = 0;
    while (i + 2 <= size) {
        uint8_t kind = data[i] % 9;
        size_t n = data[i + 1];
        i += 2;
        if (n > size - i)
            n = size - i;
        const uint8_t *d = data + i;
        i += n;
        frame++;
        switch (kind) {
        case 0: esim_apdu_feed_t0(apdu, frame, 0, 0, d, n, &err); break;
        case 1: {
            size_t k = n ? d[0] : 0;
            if (k > n - (n ? 1 : 0))
                k = n ? n - 1 : 0;
            if (n)
                esim_apdu_feed(apdu, frame, frame, 0, 0, d + 1, k, d + 1 + k, n - 1 - k);
            break;
        }
        case 2: esim_apdu_atr(apdu, frame, 0, 0, d, n); break;
        case 3: esim_ccid_feed(ccid, frame, 0, 0, true, d, n, &err); break;
        case 4: esim_ccid_feed(ccid, frame, 0, 0, false, d, n, &err); break;
        case 5: {
            esim_gsmtap g;
            if (esim_gsmtap_parse(d, n, &g, &err) == 0)
                esim_gsmtap_sim_feed(sim, frame, 0, 0, &g, &err);
            break;
        }
        case 7:
        case 8: {
            esim_t1_block b;
            char desc[96];
            if (esim_t1_parse(d, n, 1 + (n & 1), &b)) {
                esim_t1_describe(&b, d, desc, sizeof desc);
                if (esim_t1_valid(&b))
                    (void)(kind == 7 ? esim_t1_from_terminal(&link, &b)
                                     : esim_t1_from_card(&link, &b));
            }
            break;
        }
        default: esim_apdu_flush(apdu); break;
        }
    }
    esim_apdu_flush(apdu);
    esim_gsmtap_sim_free(sim);
    esim_ccid_free(ccid);
    esim_apdu_free(apdu);
    return 0;
}
