/* The input options every command that reads a capture takes: --format (pcap or a log format,
 * esim/log.h) and --date (the day of log times that have none). */
#ifndef ESIMSCOPE_INPUT_OPTS_H
#define ESIMSCOPE_INPUT_OPTS_H
#include <glib.h>
#include "esim/capture.h"
#include "esim/log.h"

typedef struct input_opts {
    gchar *format, *date;
} input_opts;

#define INPUT_OPTION_ENTRIES(io)                                                                 \
    {"format", 0, 0, G_OPTION_ARG_STRING, &(io).format,                                          \
     "input format: auto (default), pcap, qxdm, qcat, lpac, at, pcsc-spy, hex", "NAME"},        \
    {"date", 0, 0, G_OPTION_ARG_STRING, &(io).date,                                              \
     "day of log times without a date (QXDM), default 1970-01-01", "YYYY-MM-DD"}

/* Fills co from the options; returns -1 (message on stderr, prefixed with cmd) when one is
 * invalid. */
int input_opts_apply(const char *cmd, const input_opts *io, esim_capture_opts *co);
/* Opens path with co (capture or log); NULL with the message on stderr. */
esim_capture *input_open(const char *cmd, const char *path, esim_capture_opts *co);
void input_opts_clear(input_opts *io);
#endif
