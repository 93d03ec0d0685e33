/* Fuzzes type detection, asn1c BER decoding and the tree renderers (text and JSON). */
#include <stdint.h>
#include <stdio.h>
#include "esim/asn1_decode.h"
#include "esim/asn1_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    esim_decoded d;
    if (esim_asn1_detect(data, size, &d, NULL) == 0) {
        esim_tree_opts opts = {.show_keys = true};
        esim_tree_print(sink, d.td, d.value, 0, &opts);
        json_object_put(esim_tree_json(d.td, d.value, &opts));
        esim_decoded_free(&d);
    }
    return 0;
}
