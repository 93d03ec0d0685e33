/* Fuzzes the ES9+ JSON binding: JSON parsing, base64 fields, nested ASN.1 decoding. */
#include <stdint.h>
#include <stdio.h>
#include "esim/es9p_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    json_object *body = esim_es9p_json_parse((const char *)data, size, NULL);
    if (body) {
        esim_tree_opts opts = {0};
        json_object_put(esim_es9p_json_annotate(body, &opts));
        esim_es9p_json_print(sink, body, 0, &opts);
        json_object_put(body);
    }
    return 0;
}
