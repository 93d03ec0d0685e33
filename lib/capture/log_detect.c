/* Log formats by name and by content (esim/log.h). */
#include <string.h>
#include "log_internal.h"

static const log_format_ops *const formats[] = {&log_qcat_ops, &log_qxdm_ops, &log_lpac_ops,
                                                &log_at_ops, &log_pcsc_spy_ops, &log_hex_ops};
#define NFORMATS (sizeof formats / sizeof formats[0])

static const struct {
    const char *name;
    esim_log_format f;
} names[] = {{"auto", ESIM_LOG_AUTO},   {"pcap", ESIM_LOG_CAPTURE},  {"pcapng", ESIM_LOG_CAPTURE},
             {"capture", ESIM_LOG_CAPTURE}, {"qxdm", ESIM_LOG_QXDM}, {"qcat", ESIM_LOG_QCAT},
             {"lpac", ESIM_LOG_LPAC},   {"at", ESIM_LOG_AT},         {"pcsc-spy", ESIM_LOG_PCSC_SPY},
             {"hex", ESIM_LOG_HEX}};

const log_format_ops *log_format_find(esim_log_format f)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i]->id == f)
            return formats[i];
    return NULL;
}

int esim_log_format_parse(const char *name, esim_log_format *out)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i].name)) {
            *out = names[i].f;
            return 0;
        }
    return -1;
}

const char *esim_log_format_name(esim_log_format f)
{
    if (f == ESIM_LOG_CAPTURE)
        return "pcap";
    const log_format_ops *o = log_format_find(f);
    return o ? o->name : "auto";
}

/* Detection looks at this many lines at most. */
#define DETECT_LINES 5000

esim_log_format esim_log_detect(const char *text, size_t len)
{
    int total[NFORMATS] = {0};
    const char *p = text, *end = text + len;
    for (int lines = 0; p < end && lines < DETECT_LINES; lines++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        if (le > p && le[-1] == '\r') /* CRLF (Windows tools) */
            le--;
        /* binary content is no log */
        for (const char *q = p; q < le; q++)
            if (*q == 0)
                return ESIM_LOG_AUTO;
        for (size_t i = 0; i < NFORMATS; i++) {
            int s = formats[i]->score(p, (size_t)(le - p));
            if (s >= 100)
                return formats[i]->id;
            total[i] += s;
        }
        p = nl ? nl + 1 : end;
    }
    size_t best = 0;
    for (size_t i = 1; i < NFORMATS; i++)
        if (total[i] > total[best])
            best = i;
    return total[best] > 0 ? formats[best]->id : ESIM_LOG_AUTO;
}
