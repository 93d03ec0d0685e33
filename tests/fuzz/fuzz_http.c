/* Fuzzes the HTTP/1.1 parser: records of op (1 byte: direction in bit 0, data / gap / end in
 * bits 1-2), length (2 bytes), bytes; every event's strings and body are read. */
#include <stdint.h>
#include <string.h>
#include "esim/http.h"

static size_t sink;

static void on_http(const esim_http_event *ev, void *user)
{
    (void)user;
    const char *s[] = {ev->method, ev->uri, ev->reason, ev->content_type, ev->admin_protocol,
                       ev->text};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        if (s[i])
            sink += strlen(s[i]);
    for (size_t i = 0; i < ev->body_len; i++)
        sink += ev->body[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_http *h = esim_http_new(1, on_http, NULL);
    size_t i = 0;
    uint64_t frame = 0;
    while (i + 3 <= size) {
        uint8_t op = data[i];
        size_t n = (size_t)data[i + 1] << 8 | data[i + 2];
        i += 3;
        if (n > size - i)
            n = size - i;
        int dir = op & 1;
        frame++;
        switch ((op >> 1) & 3) {
        case 0:
        case 1: esim_http_data(h, dir, data + i, n, frame, 0, 0); break;
        case 2: esim_http_gap(h, dir, n, frame); break;
        default: esim_http_end(h, dir, frame); break;
        }
        i += n;
    }
    esim_http_free(h);
    return 0;
}
