/* libFuzzer harness: phone and LPA logs (esim/log.h) through esimscope trace — line reader,
 * every format's parser (the first byte picks one: 0 = detection, 1.. = forced), the T=0 TPDU
 * assembly, the synthetic GSMTAP-SIM and TCP/HTTP packets, and the whole pipeline behind them.
 * Seeds: excerpts of samples/logs, the format byte first. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "esim/log.h"
#include "esim/trace.h"

static void on_event(const esim_trace_event *ev, void *user)
{
    size_t *n = user;
    if (ev->summary)
        *n += strlen(ev->summary);
    if (ev->text)
        *n += strlen(ev->text);
    if (ev->session)
        *n += ev->session->nsteps;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const esim_log_format formats[] = {ESIM_LOG_AUTO, ESIM_LOG_QXDM, ESIM_LOG_QCAT,
                                              ESIM_LOG_LPAC, ESIM_LOG_AT, ESIM_LOG_PCSC_SPY,
                                              ESIM_LOG_HEX};
    esim_capture_opts co = {.log_format = formats[data[0] % 7], .log_day = 1772409600};
    size_t n = 0;
    esim_error err;
    esim_capture *c = esim_capture_open_mem_ex(data + 1, size - 1, &co, &err);
    if (!c)
        return 0;
    esim_trace_opts o = {.no_es10_trees = true};
    esim_trace *t = esim_trace_new(&o, on_event, &n);
    if (!t) {
        esim_capture_close(c);
        return 0;
    }
    esim_trace_run_capture(t, c, "log", &err);
    esim_trace_free(t);
    return 0;
}
