/* Fuzzes the SAIP profile package decoder (PE walk, asn1c ProfileElement decoding, summary,
 * text rendering). Seed: the project's own built package (tests/data/saip_built.der). */
#include <stdint.h>
#include <stdio.h>
#include "esim/saip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink)
        sink = fopen("/dev/null", "w");
    esim_saip_summary s;
    esim_saip_opts opts = {.show_keys = size > 0 && (data[size - 1] & 1)};
    if (esim_saip_decode(data, size, &opts, &s, NULL) == 0) {
        esim_saip_print_text(sink, &s);
        json_object_to_json_string(s.json);
        esim_saip_summary_free(&s);
    }
    return 0;
}
