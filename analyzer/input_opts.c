/* --format / --date for the commands that read captures and logs. */
#include <stdio.h>
#include "input_opts.h"

int input_opts_apply(const char *cmd, const input_opts *io, esim_capture_opts *co)
{
    esim_log_format f = ESIM_LOG_AUTO;
    if (io->format && esim_log_format_parse(io->format, &f) != 0) {
        fprintf(stderr, "esimscope %s: unknown --format '%s' (auto, pcap, qxdm, qcat, lpac, at, "
                        "pcsc-spy, hex)\n", cmd, io->format);
        return -1;
    }
    co->log_format = f;
    if (io->date && esim_log_parse_date(io->date, &co->log_day) != 0) {
        fprintf(stderr, "esimscope %s: --date wants YYYY-MM-DD, not '%s'\n", cmd, io->date);
        return -1;
    }
    return 0;
}

esim_capture *input_open(const char *cmd, const char *path, esim_capture_opts *co)
{
    esim_error err = {{0}};
    esim_capture *c = esim_capture_open_ex(path, co, &err);
    if (!c)
        fprintf(stderr, "esimscope %s: %s\n", cmd, err.msg);
    return c;
}

void input_opts_clear(input_opts *io)
{
    g_free(io->format);
    g_free(io->date);
    io->format = io->date = NULL;
}
