/* esimscope convert: any input esimscope reads (a phone or LPA log, a pcap/pcapng capture) as a
 * pcapng that Wireshark opens: a log's APDU exchanges as GSMTAP-SIM packets (one per exchange,
 * command and response together, as SIMtrace sends them; one interface per card slot), the
 * lpac HTTP messages on a synthetic TCP connection, each packet with its log line(s) as the
 * packet comment. A capture is copied packet by packet. */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"
#include "esim/pcapng_write.h"
#include "input_opts.h"

#define MAX_IFACES 64

typedef struct iface_map {
    bool used;
    uint32_t linktype, iface;
    int id;
} iface_map;

static int out_iface(esim_pcapng_writer *w, iface_map *m, const esim_packet *pk, bool log)
{
    for (int i = 0; i < MAX_IFACES && m[i].used; i++)
        if (m[i].linktype == pk->linktype && m[i].iface == pk->iface)
            return m[i].id;
    int i = 0;
    while (i < MAX_IFACES && m[i].used)
        i++;
    if (i == MAX_IFACES || pk->linktype > 0xFFFF)
        return -2;
    char name[32], desc[80];
    if (log && pk->iface) {
        snprintf(name, sizeof name, "SLOT_%u", pk->iface);
        snprintf(desc, sizeof desc, "card in SLOT_%u, GSMTAP-SIM from the log", pk->iface);
    } else if (log) {
        snprintf(name, sizeof name, "lpa-http");
        snprintf(desc, sizeof desc, "LPA HTTP (ES9+/ES11) from the log, synthetic TCP");
    } else {
        snprintf(name, sizeof name, "if%u", pk->iface);
        snprintf(desc, sizeof desc, "interface %u, link type %u", pk->iface, pk->linktype);
    }
    int id = esim_pcapng_add_interface(w, (uint16_t)pk->linktype, name, desc);
    m[i] = (iface_map){true, pk->linktype, pk->iface, id};
    return id;
}

int esim_cmd_convert(int argc, char **argv)
{
    gchar *output = NULL;
    input_opts io = {0};
    GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "pcapng file to write (- = stdout)",
         "OUT.pcapng"},
        INPUT_OPTION_ENTRIES(io),
        {0}};
    GOptionContext *oc = g_option_context_new("INPUT|- -o OUT.pcapng");
    g_option_context_set_summary(
        oc, "Writes a phone or LPA log (QXDM, QCAT, lpac, AT, pcsc-spy, hex APDU log; "
            "docs/inputs.md) as a pcapng of GSMTAP-SIM packets (one per APDU exchange, a card "
            "slot per interface, the log line as packet comment) and, for lpac, the ES9+/ES11 "
            "HTTP on a synthetic TCP connection, so that Wireshark with the esimscope plugin "
            "shows it. A pcap/pcapng capture is copied packet by packet.\n\nExit status: 0 "
            "written, 1 written but log lines could not be read, 2 bad usage or input.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &gerr) || argc != 2 || !output) {
        fprintf(stderr, "esimscope convert: %s\n",
                gerr ? gerr->message : "one input and -o OUT.pcapng expected");
        g_clear_error(&gerr);
        g_option_context_free(oc);
        g_free(output);
        input_opts_clear(&io);
        return ESIM_EXIT_USAGE;
    }
    g_option_context_free(oc);
    esim_capture_opts co = {0};
    int ok = input_opts_apply("convert", &io, &co);
    input_opts_clear(&io);
    esim_capture *c = ok == 0 ? input_open("convert", argv[1], &co) : NULL;
    if (!c) {
        g_free(output);
        return ESIM_EXIT_USAGE;
    }
    bool log = co.detected != ESIM_LOG_CAPTURE;
    bool to_stdout = !strcmp(output, "-");
    FILE *f = to_stdout ? stdout : fopen(output, "wb");
    if (!f) {
        fprintf(stderr, "esimscope convert: cannot create %s: %s\n", output, strerror(errno));
        esim_capture_close(c);
        g_free(output);
        return ESIM_EXIT_USAGE;
    }
    esim_error err = {{0}};
    esim_pcapng_writer *w = esim_pcapng_writer_new(f, "esimscope convert", &err);
    iface_map map[MAX_IFACES] = {{0}};
    esim_packet pk;
    int r = -1;
    uint64_t packets = 0, notes = 0;
    bool write_failed = !w;
    const char *fmt = esim_log_format_name((esim_log_format)co.detected);
    while (w && (r = esim_capture_next(c, &pk, &err)) == 1) {
        if (pk.linktype == ESIM_LINKTYPE_LOG_NOTE) {
            fprintf(stderr, "esimscope convert: %s: line %" PRIu64 ": %s\n", argv[1], pk.frame,
                    (const char *)pk.data);
            notes++;
            continue;
        }
        int id = out_iface(w, map, &pk, log);
        if (id == -2) {
            fprintf(stderr, "esimscope convert: frame %" PRIu64 ": more than %d interfaces or a "
                            "link type pcapng cannot name: skipped\n", pk.frame, MAX_IFACES);
            continue;
        }
        char comment[96];
        if (log && pk.line_last > pk.frame)
            snprintf(comment, sizeof comment, "%s log lines %" PRIu64 "-%" PRIu64, fmt, pk.frame,
                     pk.line_last);
        else if (log)
            snprintf(comment, sizeof comment, "%s log line %" PRIu64, fmt, pk.frame);
        if (id < 0 || esim_pcapng_write_packet(w, id, pk.ts_sec, pk.ts_nsec, pk.data, pk.caplen,
                                               pk.origlen, log ? comment : NULL) != 0) {
            write_failed = true;
            break;
        }
        packets++;
    }
    if (w && esim_pcapng_writer_finish(w, &err) != 0)
        write_failed = true;
    if (!to_stdout && fclose(f) != 0)
        write_failed = true;
    esim_capture_close(c);
    int rc = ESIM_EXIT_OK;
    if (write_failed) {
        fprintf(stderr, "esimscope convert: cannot write %s\n", output);
        rc = ESIM_EXIT_USAGE;
    } else if (r < 0) {
        fprintf(stderr, "esimscope convert: %s: %s (packets before it were written)\n", argv[1],
                err.msg);
        rc = ESIM_EXIT_FAILED;
    } else {
        if (log)
            fprintf(stderr, "esimscope convert: %s log, %" PRIu64 " lines: %" PRIu64
                            " packets written to %s, %" PRIu64 " lines not readable\n",
                    fmt, co.stats.lines, packets, output, notes);
        else
            fprintf(stderr, "esimscope convert: %" PRIu64 " packets written to %s\n", packets,
                    output);
        if (notes)
            rc = ESIM_EXIT_FAILED;
    }
    g_free(output);
    return rc;
}
