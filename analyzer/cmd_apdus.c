/* esimscope apdus: developer view of a capture's card traffic (GSMTAP-SIM, USB CCID, modems) and
 * HTTP messages, one line per event, as the capture input layers see them. */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "esim/capture_pipe.h"
#include "esim/hex.h"

typedef struct opts {
    gboolean hex, quiet_http;
    unsigned findings;
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
    printf("%-11s card %u ", frames, card->index);
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
    printf("%llu-%llu flow %llu ", (unsigned long long)ev->frame_first,
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
    (void)user;
    fprintf(stderr, "esimscope apdus: frame %llu: %s\n", (unsigned long long)frame, msg);
}

int esim_cmd_apdus(int argc, char **argv)
{
    opts o = {0};
    GOptionEntry entries[] = {
        {"hex", 'x', 0, G_OPTION_ARG_NONE, &o.hex, "print command and response data", NULL},
        {"no-http", 0, 0, G_OPTION_ARG_NONE, &o.quiet_http, "do not list HTTP messages", NULL},
        {0}};
    GOptionContext *oc = g_option_context_new("CAPTURE|-");
    g_option_context_set_summary(oc, "Lists the APDU exchanges (GSMTAP-SIM, USB CCID, MBIM/QMI modems), ES10 "
                                     "commands and HTTP messages of a pcap/pcapng capture "
                                     "(gzip allowed).");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &gerr) || argc != 2) {
        fprintf(stderr, "esimscope apdus: %s\n", gerr ? gerr->message : "one capture file expected");
        g_clear_error(&gerr);
        g_option_context_free(oc);
        return ESIM_EXIT_USAGE;
    }
    g_option_context_free(oc);
    esim_pipe_handlers h = {.apdu = on_apdu, .http = on_http, .warning = on_warning, .user = &o};
    esim_pipe_stats st;
    esim_error err = {{0}};
    int r = esim_pipe_run_file(argv[1], &h, &st, &err);
    if (r < 0) {
        fprintf(stderr, "esimscope apdus: %s\n", err.msg);
        return ESIM_EXIT_USAGE;
    }
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
