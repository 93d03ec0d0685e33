/* libFuzzer harness: a whole capture (pcap/pcapng) through esimscope trace — capture reader,
 * GSMTAP/CCID/APDU layer, ES10 decoding, BPP reassembly, HTTP + ES9+ JSON, sessions — with every
 * event rendered as it would be for output. Seeds: synthetic download captures of test_trace. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "esim/trace.h"

static void on_event(const esim_trace_event *ev, void *user)
{
    size_t *n = user;
    /* touch what the CLI prints */
    if (ev->summary)
        *n += strlen(ev->summary);
    if (ev->text)
        *n += strlen(ev->text);
    if (ev->command)
        *n += strlen(json_object_to_json_string(ev->command));
    if (ev->body)
        *n += strlen(json_object_to_json_string(ev->body));
    if (ev->session)
        *n += ev->session->nsteps + strlen(esim_verdict_name(esim_session_verdict(ev->session)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t n = 0;
    /* with trees (--json -v), and without any (the default report: fields read from the asn1c
     * values as they are walked) */
    const esim_trace_opts modes[] = {{.decode_trees = true}, {.no_es10_trees = true}};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        esim_trace *t = esim_trace_new(&modes[i], on_event, &n);
        if (!t)
            return 0;
        esim_error err;
        esim_trace_run_mem(t, data, size, &err);
        esim_trace_free(t);
    }
    return 0;
}
