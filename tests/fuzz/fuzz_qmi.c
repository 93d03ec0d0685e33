/* Fuzzes the QMUX / QMI UIM reader (lib/card/qmi.c) with a sequence of records: kind (1 byte),
 * length (2 bytes LE), bytes. Kinds: a QMUX message (request or response as its flags say), the
 * TLV walk and UIM field parse of a message, end of input. Slots 1 and 2 are separate cards. */
#include <stdint.h>
#include "esim/apdu.h"
#include "esim/qmi.h"

static void on_apdu(const esim_apdu_event *ev, void *user) { (void)ev; (void)user; }

static esim_apdu_ctx *cards[3];

static esim_apdu_ctx *slot_card(void *user, unsigned slot)
{
    (void)user;
    return slot >= 1 && slot <= 2 ? cards[slot] : NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_error err;
    cards[1] = esim_apdu_new(on_apdu, NULL);
    cards[2] = esim_apdu_new(on_apdu, NULL);
    esim_qmi *q = esim_qmi_new(slot_card, NULL);
    uint64_t frame = 0;
    size_t i = 0;
    while (i + 3 <= size) {
        uint8_t kind = data[i] % 3;
        size_t n = (size_t)(data[i + 1] | data[i + 2] << 8);
        i += 3;
        if (n > size - i)
            n = size - i;
        const uint8_t *d = data + i;
        i += n;
        frame++;
        if (kind == 0) {
            esim_qmi_feed(q, frame, 0, 0, d, n, &err);
        } else if (kind == 1) {
            esim_qmux m;
            if (esim_qmux_parse(d, n, &m, &err) == 0) {
                size_t pos = 0;
                esim_qmi_tlv t;
                bool bad;
                while (esim_qmi_tlv_next(&m, &pos, &t, &bad))
                    ;
                esim_qmi_uim u;
                esim_qmi_uim_parse(&m, &u, &err);
            }
        } else {
            esim_qmi_finish(q, &err);
        }
    }
    esim_qmi_finish(q, &err);
    esim_qmi_free(q);
    esim_apdu_free(cards[1]);
    esim_apdu_free(cards[2]);
    return 0;
}
