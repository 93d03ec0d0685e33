/* Fuzzes the TLS layer (esim/tls.h): input = NSS key log text, a blank line, then records of op
 * (1 byte: direction in bit 0, data / gap / FIN in bits 1-2), length (2 bytes), bytes, fed as TCP
 * events of one flow; every plaintext byte and report is read. The ClientHello/ServerHello parsers
 * also get the stream bytes directly. Seeds (tests/fuzz/corpus/fuzz_tls): the HTTPS samples'
 * streams with their key logs (tests/fuzz/make_tls_seeds.sh). */
#include <stdint.h>
#include <string.h>
#include "esim/tls.h"

static size_t sink;

static void on_plain(const esim_tcp_event *ev, void *user)
{
    (void)user;
    for (size_t i = 0; i < ev->len; i++)
        sink += ev->data[i];
}

static void on_report(const esim_tls_report *r, void *user)
{
    (void)user;
    char line[512];
    esim_tls_report_format(r, line, sizeof line);
    sink += strlen(line) + strlen(r->sni) + strlen(r->text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i = 0;
    while (i + 1 < size && !(data[i] == '\n' && data[i + 1] == '\n'))
        i++;
    esim_tls_keylog *k = esim_tls_keylog_new();
    esim_tls_keylog_add_text(k, (const char *)data, i);
    i = i + 2 <= size ? i + 2 : size;

    esim_tls_hello h;
    esim_error err;
    if (esim_tls_parse_client_hello(data + i, size - i, &h, &err) == 0)
        sink += strlen(h.sni);
    if (esim_tls_parse_server_hello(data + i, size - i, &h, &err) == 0)
        sink += h.cipher_suite;

    esim_tls *t = esim_tls_new(on_plain, NULL, k, on_report, NULL);
    void *slot = NULL;
    bool ignored = false;
    esim_tcp_event ev = {.flow_id = 1, .ip_version = 4, .flow_user = &slot,
                         .ignore_flow = &ignored};
    uint64_t frame = 0;
    while (i + 3 <= size) {
        uint8_t op = data[i];
        size_t n = (size_t)data[i + 1] << 8 | data[i + 2];
        i += 3;
        if (n > size - i)
            n = size - i;
        ev.dir = op & 1;
        ev.frame = ++frame;
        ev.data = data + i;
        ev.len = n;
        ev.gap = n;
        switch ((op >> 1) & 3) {
        case 0:
        case 1: ev.type = ESIM_TCP_EV_DATA; break;
        case 2: ev.type = ESIM_TCP_EV_GAP; break;
        default: ev.type = ESIM_TCP_EV_FIN; break;
        }
        esim_tls_on_tcp(t, &ev);
        i += n;
    }
    ev.type = ESIM_TCP_EV_CLOSE;
    esim_tls_on_tcp(t, &ev);
    esim_tls_free(t);
    esim_tls_keylog_free(k);
    return 0;
}
