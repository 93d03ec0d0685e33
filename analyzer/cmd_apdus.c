/* esimscope apdus: developer view of a capture's card traffic (GSMTAP-SIM, USB CCID, modems) and
 * HTTP messages, one line per event, as the capture input layers see them. */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "input_opts.h"
#include "esim/capture_pipe.h"
#include "esim/hex.h"

/* Warnings printed on standard error before the rest are only counted (a damaged capture can
 * give one per frame, millions). */
#define WARNINGS_SHOWN 20

typedef struct opts {
    gboolean hex, quiet_http;
    unsigned findings;
    uint64_t warnings_hidden;
    unsigned warnings_shown;
    bool from_log; /* events are numbered by log line, not by frame */
} opts;

static void print_hex(const char *label, const uint8_t *d, size_t n)
{
    if (!n)
        return;
    char *h = esim_hex_dup(d, n);
    printf("    %s %s\n", label, h);
    g_free(h);
}

static void on_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user)
{
    opts *o = user;
    char frames[48];
    if (ev->frame_first == ev->frame_last)
        snprintf(frames, sizeof frames, "%llu", (unsigned long long)ev->frame_first);
    else
        snprintf(frames, sizeof frames, "%llu-%llu", (unsigned long long)ev->frame_first,
                 (unsigned long long)ev->frame_last);
    printf("%s%-11s card %u ", o->from_log ? "line " : "", frames, card->index);
    switch (ev->type) {
    case ESIM_APDU_EV_ATR:
        printf("ATR (%s)\n", card->name);
        if (o->hex)
            print_hex("atr", ev->cmd_data, ev->cmd_len);
        return;
    case ESIM_APDU_EV_FINDING:
        o->findings++;
        printf("ch%-2u FINDING %s\n", ev->channel, ev->text);
        return;
    case ESIM_APDU_EV_ES10: {
        unsigned tag = ev->cmd_len >= 2 && ev->cmd_data[0] == 0xBF ? 0xBF00u | ev->cmd_data[1] : 0;
        printf("ch%-2u ES10 %04X  %zu bytes in %u blocks -> %zu bytes  %04X %s\n", ev->channel,
               tag, ev->cmd_len, ev->blocks, ev->rsp_len, ev->sw, ev->text);
        break;
    }
    case ESIM_APDU_EV_APDU:
        printf("ch%-2u %02X %02X %02X %02X %-22s %4zu -> %4zu  %04X %s%s%s%s\n", ev->channel,
               ev->cla, ev->ins, ev->p1, ev->p2, ev->ins_name, ev->cmd_len, ev->rsp_len, ev->sw,
               ev->text, ev->get_responses ? " [GET RESPONSE folded]" : "",
               ev->reissued ? " [re-issued after 6Cxx]" : "", ev->isd_r ? " [ISD-R]" : "");
        break;
    }
    if (o->hex) {
        print_hex("cmd", ev->cmd_data, ev->cmd_len);
        print_hex("rsp", ev->rsp_data, ev->rsp_len);
    }
}

static void on_http(const esim_http_event *ev, void *user)
{
    opts *o = user;
    if (o->quiet_http)
        return;
    printf("%s%llu-%llu flow %llu ", o->from_log ? "lines " : "", (unsigned long long)ev->frame_first,
           (unsigned long long)ev->frame_last, (unsigned long long)ev->flow_id);
    if (ev->type == ESIM_HTTP_EV_ERROR) {
        printf("HTTP ERROR %s\n", ev->text);
        return;
    }
    if (ev->type == ESIM_HTTP_EV_REQUEST)
        printf("HTTP %s %s", ev->method, ev->uri);
    else
        printf("HTTP %d %s (for %s %s)", ev->status, ev->reason ? ev->reason : "",
               ev->method ? ev->method : "?", ev->uri ? ev->uri : "?");
    printf("  %zu bytes%s%s%s\n", ev->body_len, ev->content_type ? "  " : "",
           ev->content_type ? ev->content_type : "", ev->admin_protocol ? "  X-Admin-Protocol" : "");
}

static void on_warning(uint64_t frame, const char *msg, void *user)
{
    opts *o = user;
    if (o->warnings_shown >= WARNINGS_SHOWN) {
        o->warnings_hidden++;
        return;
    }
    o->warnings_shown++;
    fprintf(stderr, "esimscope apdus: %s %llu: %s\n", o->from_log ? "line" : "frame",
            (unsigned long long)frame, msg);
}

int esim_cmd_apdus(int argc, char **argv)
{
    opts o = {0};
    input_opts io = {0};
    esim_capture_opts co = {0};
    GOptionEntry entries[] = {
        {"hex", 'x', 0, G_OPTION_ARG_NONE, &o.hex, "print command and response data", NULL},
        {"no-http", 0, 0, G_OPTION_ARG_NONE, &o.quiet_http, "do not list HTTP messages", NULL},
        INPUT_OPTION_ENTRIES(io),
        {0}};
    GOptionContext *oc = g_option_context_new("CAPTURE|LOG|-");
    g_option_context_set_summary(oc, "Lists the APDU exchanges (GSMTAP-SIM, USB CCID, MBIM/QMI "
                                     "modems), ES10 "
                                     "commands and HTTP messages of a pcap/pcapng capture "
                                     "or a phone/LPA log (gzip allowed). Undecodable packets are "
                                     "warned about on standard error (the first 20, then a "
                                     "count).\n\n"
                                     "Exit status: 0 listed, 1 a finding (an APDU-level protocol "
                                     "error, or the capture breaks off: truncated, a malformed "
                                     "record, a run of empty frames), 2 bad usage or unreadable "
                                     "capture.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &gerr) || argc != 2) {
        fprintf(stderr, "esimscope apdus: %s\n", gerr ? gerr->message : "one capture file expected");
        g_clear_error(&gerr);
        g_option_context_free(oc);
        input_opts_clear(&io);
        return ESIM_EXIT_USAGE;
    }
    g_option_context_free(oc);
    int ok = input_opts_apply("apdus", &io, &co);
    input_opts_clear(&io);
    esim_capture *c = ok == 0 ? input_open("apdus", argv[1], &co) : NULL;
    if (!c)
        return ESIM_EXIT_USAGE;
    o.from_log = co.detected != ESIM_LOG_CAPTURE;
    esim_pipe_handlers h = {.apdu = on_apdu, .http = on_http, .warning = on_warning, .user = &o};
    esim_error err = {{0}};
    esim_pipe *p = esim_pipe_new(&h);
    if (!p) {
        esim_capture_close(c);
        fprintf(stderr, "esimscope apdus: out of memory\n");
        return ESIM_EXIT_USAGE;
    }
    esim_packet pk;
    int r;
    while ((r = esim_capture_next(c, &pk, &err)) == 1)
        esim_pipe_packet(p, &pk);
    esim_pipe_finish(p);
    esim_pipe_stats st = *esim_pipe_get_stats(p);
    esim_pipe_free(p);
    esim_capture_close(c);
    /* like esimscope trace: a capture that breaks off after its header (truncated, a malformed
     * record, a run of empty frames) has its events listed and the break as a finding */
    if (r < 0) {
        o.findings++;
        printf("FINDING capture breaks off: %s: %s\n", argv[1], err.msg);
    }
    if (o.warnings_hidden)
        fprintf(stderr, "esimscope apdus: %" PRIu64 " more warnings not shown\n",
                o.warnings_hidden);
    if (o.from_log)
        printf("%s log: %llu lines, %llu with APDU/HTTP records, %llu skipped, %llu not "
               "readable\n",
               esim_log_format_name((esim_log_format)co.detected),
               (unsigned long long)co.stats.lines, (unsigned long long)co.stats.records,
               (unsigned long long)co.stats.skipped, (unsigned long long)co.stats.notes);
    char modem[48] = ""; /* only captures with modem traffic say so */
    if (st.modem)
        snprintf(modem, sizeof modem, ", %llu MBIM/QMI", (unsigned long long)st.modem);
    printf("%llu packets: %llu GSMTAP-SIM, %llu USB CCID%s, %llu TCP; %u cards; %llu warnings; "
           "%u findings\n",
           (unsigned long long)st.packets, (unsigned long long)st.gsmtap,
           (unsigned long long)st.ccid, modem, (unsigned long long)st.tcp, st.cards,
           (unsigned long long)st.warnings, o.findings);
    return o.findings ? ESIM_EXIT_FAILED : ESIM_EXIT_OK;
}
