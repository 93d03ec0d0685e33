/* esimscope trace: eSIM download sessions and failure diagnosis from a capture. Output only:
 * the logic is lib/rsp/trace.c and lib/rsp/session.c. */
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commands.h"
#include "esim/es10_names.h"
#include "esim/hex.h"
#include "esim/keylog.h"
#include "esim/trace.h"

#define MAX_KEPT_FINDINGS 1000

typedef struct out {
    gboolean json, verbose, show_keys, no_progress;
    GPtrArray *findings;
    uint64_t findings_dropped;
    bool progress_shown;
} out;

static json_object *jtime(int64_t sec, uint32_t nsec)
{
    char s[48];
    snprintf(s, sizeof s, "%" PRId64 ".%09u", sec, nsec);
    return json_object_new_double_s((double)sec + nsec / 1e9, s);
}

static json_object *jseconds(double v)
{
    char s[32];
    snprintf(s, sizeof s, "%.6f", v);
    return json_object_new_double_s(v, s);
}

static json_object *jhex8(unsigned v)
{
    char s[3];
    snprintf(s, sizeof s, "%02X", v & 0xFF);
    return json_object_new_string(s);
}

static json_object *jhex(const uint8_t *d, size_t n)
{
    char *h = esim_hex_dup(d, n);
    json_object *o = json_object_new_string(h);
    g_free(h);
    return o;
}

static void jadd_str(json_object *o, const char *k, const char *v)
{
    if (v && v[0])
        json_object_object_add(o, k, json_object_new_string(v));
}

static void jprint(json_object *o)
{
    puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static json_object *jevent(const char *type, const esim_trace_event *ev)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "event", json_object_new_string(type));
    json_object_object_add(o, "frame", json_object_new_int64((int64_t)ev->frame));
    json_object_object_add(o, "time", jtime(ev->sec, ev->nsec));
    if (ev->card >= 0)
        json_object_object_add(o, "card", json_object_new_int(ev->card));
    return o;
}

static void json_apdu_fields(json_object *o, const esim_apdu_event *a, bool verbose)
{
    json_object_object_add(o, "channel", json_object_new_int(a->channel));
    json_object_object_add(o, "cla", jhex8(a->cla));
    json_object_object_add(o, "ins", jhex8(a->ins));
    json_object_object_add(o, "p1", jhex8(a->p1));
    json_object_object_add(o, "p2", jhex8(a->p2));
    char sw[5];
    snprintf(sw, sizeof sw, "%04X", a->sw);
    json_object_object_add(o, "sw", json_object_new_string(sw));
    jadd_str(o, "name", a->ins_name);
    jadd_str(o, "sw_meaning", a->text);
    json_object_object_add(o, "cmd_len", json_object_new_int64((int64_t)a->cmd_len));
    json_object_object_add(o, "rsp_len", json_object_new_int64((int64_t)a->rsp_len));
    if (a->get_responses)
        json_object_object_add(o, "get_responses", json_object_new_int((int)a->get_responses));
    if (a->isd_r)
        json_object_object_add(o, "isd_r", json_object_new_boolean(1));
    if (verbose) {
        json_object_object_add(o, "cmd", jhex(a->cmd_data, a->cmd_len));
        json_object_object_add(o, "rsp", jhex(a->rsp_data, a->rsp_len));
    }
}

static json_object *json_session(const esim_session *se)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "event", json_object_new_string("session"));
    json_object_object_add(o, "frame", json_object_new_int64((int64_t)se->first_frame));
    json_object_object_add(o, "time", jtime(se->t0_sec, se->t0_nsec));
    json_object_object_add(o, "session", json_object_new_int((int)se->id));
    json_object_object_add(o, "transaction_id", json_object_new_string(se->tid_hex));
    json_object_object_add(o, "verdict",
                           json_object_new_string(esim_verdict_name(esim_session_verdict(se))));
    jadd_str(o, "eid", se->eid);
    jadd_str(o, "iccid", se->iccid);
    jadd_str(o, "matching_id", se->matching_id);
    jadd_str(o, "smdp_address", se->smdp_address);
    jadd_str(o, "profile_name", se->profile_name);
    json_object_object_add(o, "last_frame", json_object_new_int64((int64_t)se->last_frame));
    json_object_object_add(o, "duration",
                           jseconds(esim_session_reltime(se, se->t1_sec, se->t1_nsec)));
    if (se->failed) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, "frame", json_object_new_int64((int64_t)se->fail_frame));
        jadd_str(f, "step", se->fail_step);
        jadd_str(f, "side", esim_side_name(se->fail_side));
        jadd_str(f, "code", se->fail_code);
        jadd_str(f, "name", se->fail_name);
        jadd_str(f, "explanation", se->fail_text);
        json_object_object_add(o, "failure", f);
    }
    if (se->cancelled)
        jadd_str(o, "cancel_reason", se->cancel_reason);
    if (se->bpp_len)
        json_object_object_add(o, "bpp_len", json_object_new_int64((int64_t)se->bpp_len));
    if (se->bpp_segments)
        json_object_object_add(o, "bpp_segments", json_object_new_int((int)se->bpp_segments));
    if (se->bpp_match >= 0)
        json_object_object_add(o, "bpp_match", json_object_new_boolean(se->bpp_match));
    json_object *tl = json_object_new_array();
    for (size_t i = 0; i < se->nsteps; i++) {
        const esim_session_step *st = &se->steps[i];
        json_object *s = json_object_new_object();
        json_object_object_add(s, "frame", json_object_new_int64((int64_t)st->frame));
        json_object_object_add(s, "t", jseconds(esim_session_reltime(se, st->sec, st->nsec)));
        jadd_str(s, "iface", st->iface);
        jadd_str(s, "function", st->function);
        jadd_str(s, "detail", st->detail);
        if (st->failed)
            json_object_object_add(s, "failed", json_object_new_boolean(1));
        json_object_array_add(tl, s);
    }
    json_object_object_add(o, "timeline", tl);
    return o;
}

static void on_json(const esim_trace_event *ev, out *o)
{
    json_object *j;
    switch (ev->type) {
    case ESIM_TRACE_EV_APDU:
        if (ev->apdu->type != ESIM_APDU_EV_APDU)
            return;
        j = jevent("apdu", ev);
        json_apdu_fields(j, ev->apdu, o->verbose);
        break;
    case ESIM_TRACE_EV_ES10: {
        j = jevent("es10", ev);
        json_object_object_add(j, "channel", json_object_new_int(ev->apdu->channel));
        jadd_str(j, "iface", ev->iface);
        jadd_str(j, "function", ev->function);
        if (ev->tag) {
            char tag[5];
            snprintf(tag, sizeof tag, "%04X", ev->tag);
            json_object_object_add(j, "tag", json_object_new_string(tag));
        }
        char sw[5];
        snprintf(sw, sizeof sw, "%04X", ev->apdu->sw);
        json_object_object_add(j, "sw", json_object_new_string(sw));
        json_object_object_add(j, "blocks", json_object_new_int((int)ev->apdu->blocks));
        jadd_str(j, "transaction_id", ev->tid_hex);
        jadd_str(j, "summary", ev->summary);
        if (ev->command)
            json_object_object_add(j, "command", json_object_get(ev->command));
        if (ev->response)
            json_object_object_add(j, "response", json_object_get(ev->response));
        break;
    }
    case ESIM_TRACE_EV_ES9P:
        j = jevent("es9p", ev);
        jadd_str(j, "iface", ev->iface);
        jadd_str(j, "function", ev->function);
        json_object_object_add(j, "direction",
                               json_object_new_string(ev->request ? "request" : "response"));
        if (!ev->request)
            json_object_object_add(j, "http_status", json_object_new_int(ev->http_status));
        jadd_str(j, "uri", ev->uri);
        jadd_str(j, "transaction_id", ev->tid_hex);
        jadd_str(j, "status", ev->status);
        jadd_str(j, "subject_code", ev->subject_code);
        jadd_str(j, "reason_code", ev->reason_code);
        jadd_str(j, "summary", ev->summary);
        if (ev->body)
            json_object_object_add(j, "body", json_object_get(ev->body));
        break;
    case ESIM_TRACE_EV_FINDING:
        j = jevent("finding", ev);
        json_object_object_add(j, "severity",
                               json_object_new_string(esim_severity_name(ev->severity)));
        json_object_object_add(j, "text", json_object_new_string(ev->text));
        break;
    case ESIM_TRACE_EV_SESSION:
        j = json_session(ev->session);
        break;
    default:
        return;
    }
    jprint(j);
}

static void print_session(const esim_session *se)
{
    esim_verdict v = esim_session_verdict(se);
    char *verdict = g_ascii_strup(esim_verdict_name(v), -1);
    printf("\nSession %u  transactionId %s  %s\n", se->id, se->tid_hex, verdict);
    g_free(verdict);
    if (se->eid[0])
        printf("  EID          %s\n", se->eid);
    if (se->smdp_address[0])
        printf("  %-12s %s\n", se->seen_es11 && !se->seen_es9p ? "SM-DS" : "SM-DP+",
               se->smdp_address);
    if (se->matching_id[0])
        printf("  matching ID  %s\n", se->matching_id);
    if (se->iccid[0])
        printf("  ICCID        %s\n", se->iccid);
    if (se->profile_name[0])
        printf("  profile      %s\n", se->profile_name);
    if (se->failed)
        printf("  failed at    %s (by the %s): %s%s%s\n  why          %s\n", se->fail_step,
               esim_side_name(se->fail_side), se->fail_code, se->fail_name[0] ? " " : "",
               se->fail_name, se->fail_text);
    if (se->cancelled && !se->failed)
        printf("  cancelled    reason %s\n", se->cancel_reason);
    if (se->bpp_len) {
        printf("  BPP          %zu bytes", se->bpp_len);
        if (se->bpp_segments)
            printf(", %u segments loaded", se->bpp_segments);
        if (se->bpp_match >= 0)
            printf("; ES9+ and STORE DATA copies %s", se->bpp_match ? "identical" : "DIFFER");
        printf("\n");
    }
    printf("  timeline (frames %" PRIu64 "-%" PRIu64 ", %.3f s):\n", se->first_frame,
           se->last_frame, esim_session_reltime(se, se->t1_sec, se->t1_nsec));
    for (size_t i = 0; i < se->nsteps; i++) {
        const esim_session_step *st = &se->steps[i];
        printf("    %+9.3f  #%-7" PRIu64 " %-5s %-26s %s%s\n",
               esim_session_reltime(se, st->sec, st->nsec), st->frame, st->iface, st->function,
               st->failed ? "FAILED: " : "", st->detail);
    }
    if (se->steps_dropped)
        printf("    ... %zu more steps not kept\n", se->steps_dropped);
}

static void on_text(const esim_trace_event *ev, out *o)
{
    switch (ev->type) {
    case ESIM_TRACE_EV_APDU: {
        if (!o->verbose)
            return;
        const esim_apdu_event *a = ev->apdu;
        if (a->type == ESIM_APDU_EV_ATR) {
            char *h = esim_hex_dup(a->cmd_data, a->cmd_len);
            printf("#%-7" PRIu64 " card %d ATR %s\n", ev->frame, ev->card, h);
            g_free(h);
            return;
        }
        printf("#%-7" PRIu64 " card %d ch%-2u %02X %02X %02X %02X %-24s %4zu -> %4zu  %04X %s%s\n",
               ev->frame, ev->card, a->channel, a->cla, a->ins, a->p1, a->p2, a->ins_name,
               a->cmd_len, a->rsp_len, a->sw, a->text, a->isd_r ? " [ISD-R]" : "");
        return;
    }
    case ESIM_TRACE_EV_ES10:
        if (o->verbose)
            printf("#%-7" PRIu64 " card %d %-5s %-26s %s\n", ev->frame, ev->card, ev->iface,
                   ev->function, ev->summary);
        return;
    case ESIM_TRACE_EV_ES9P:
        if (o->verbose)
            printf("#%-7" PRIu64 " HTTP   %-5s %-26s %s\n", ev->frame, ev->iface, ev->function,
                   ev->summary);
        return;
    case ESIM_TRACE_EV_FINDING:
        if (o->findings->len < MAX_KEPT_FINDINGS)
            g_ptr_array_add(o->findings,
                            g_strdup_printf("#%-7" PRIu64 " %-7s %s", ev->frame,
                                            esim_severity_name(ev->severity), ev->text));
        else
            o->findings_dropped++;
        if (o->verbose)
            printf("#%-7" PRIu64 " FINDING %s: %s\n", ev->frame, esim_severity_name(ev->severity),
                   ev->text);
        return;
    case ESIM_TRACE_EV_SESSION:
        print_session(ev->session);
        return;
    }
}

static void on_event(const esim_trace_event *ev, void *user)
{
    out *o = user;
    if (o->progress_shown) {
        fprintf(stderr, "\r%40s\r", "");
        o->progress_shown = false;
    }
    if (o->json)
        on_json(ev, o);
    else
        on_text(ev, o);
}

static void on_progress(uint64_t packets, void *user)
{
    out *o = user;
    fprintf(stderr, "\resimscope trace: %" PRIu64 " packets...", packets);
    o->progress_shown = true;
}

int esim_cmd_trace(int argc, char **argv)
{
    out o = {0};
    char *extract = NULL, *keylog_path = NULL;
    GOptionEntry entries[] = {
        {"json", 'j', 0, G_OPTION_ARG_NONE, &o.json,
         "JSON Lines: one object per apdu/es10/es9p/finding/session event", NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose,
         "list every APDU, ES10 command and HTTP message (JSON: with data and decoded trees)",
         NULL},
        {"extract", 'x', 0, G_OPTION_ARG_FILENAME, &extract,
         "write each BPP (from ES9+ and from the STORE DATA stream) into DIR", "DIR"},
        {"keylog", 'k', 0, G_OPTION_ARG_FILENAME, &keylog_path,
         "decrypt BPPs with the keys in this eSIM key log", "FILE"},
        {"show-keys", 0, 0, G_OPTION_ARG_NONE, &o.show_keys, "show key material in trees", NULL},
        {"no-progress", 0, 0, G_OPTION_ARG_NONE, &o.no_progress, "no progress on stderr", NULL},
        {0}};
    GOptionContext *oc = g_option_context_new("CAPTURE|-");
    g_option_context_set_summary(
        oc, "Reads a pcap/pcapng capture (gzip allowed; - = stdin) with GSMTAP-SIM, USB CCID, "
            "modem (MBIM, QMI) and ES9+/ES11 HTTP traffic, decodes every ES10 and ES9+ message, groups them into RSP "
            "sessions by transactionId and gives each a verdict: installed, failed (where, by "
            "whom, SGP.22 code and why), cancelled or incomplete.\n\nExit status: 0 every "
            "download installed and no error finding, 1 a session failed/cancelled/incomplete "
            "or an error finding, 2 bad usage or unreadable capture.");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &gerr) || argc != 2) {
        fprintf(stderr, "esimscope trace: %s\n", gerr ? gerr->message : "one capture file expected");
        g_clear_error(&gerr);
        g_option_context_free(oc);
        g_free(extract);
        g_free(keylog_path);
        return ESIM_EXIT_USAGE;
    }
    g_option_context_free(oc);
    int rc = ESIM_EXIT_USAGE;
    esim_keylog *kl = NULL;
    esim_trace *t = NULL;
    esim_error err = {{0}};
    if (extract && g_mkdir_with_parents(extract, 0755) != 0) {
        fprintf(stderr, "esimscope trace: cannot create %s\n", extract);
        goto done;
    }
    if (keylog_path) {
        kl = esim_keylog_new();
        if (!kl || esim_keylog_load(kl, keylog_path, &err) != 0) {
            fprintf(stderr, "esimscope trace: %s\n", err.msg);
            goto done;
        }
    }
    o.findings = g_ptr_array_new_with_free_func(g_free);
    esim_trace_opts to = {.decode_trees = o.json && o.verbose, .no_es10_trees = !o.json,
                          .show_keys = o.show_keys, .extract_dir = extract, .keylog = kl};
    if (!o.no_progress && isatty(2)) {
        to.progress = on_progress;
        to.progress_user = &o;
    }
    t = esim_trace_new(&to, on_event, &o);
    if (!t || esim_trace_run_file(t, argv[1], &err) != 0) {
        fprintf(stderr, "esimscope trace: %s\n", t ? err.msg : "out of memory");
        goto done;
    }
    if (o.progress_shown)
        fprintf(stderr, "\r%40s\r", "");
    const esim_trace_stats *st = esim_trace_get_stats(t);
    if (!o.json) {
        if (!st->sessions)
            printf("\nNo RSP session (no transactionId in ES10 or ES9+/ES11 traffic).\n");
        if (o.findings->len) {
            printf("\nFindings (%" PRIu64 " errors, %" PRIu64 " warnings):\n",
                   st->findings_error, st->findings_warning);
            for (guint i = 0; i < o.findings->len; i++)
                printf("  %s\n", (const char *)o.findings->pdata[i]);
            if (o.findings_dropped)
                printf("  ... %" PRIu64 " more\n", o.findings_dropped);
        }
        char modem[48] = ""; /* only captures with modem traffic say so */
        if (st->pipe.modem)
            snprintf(modem, sizeof modem, ", %" PRIu64 " MBIM/QMI", st->pipe.modem);
        printf("\n%" PRIu64 " packets (%" PRIu64 " GSMTAP-SIM, %" PRIu64 " USB CCID%s, %" PRIu64
               " TCP), %u cards: %" PRIu64 " APDUs, %" PRIu64 " ES10 commands, %" PRIu64
               " ES9+/ES11 messages\n%zu sessions: %u installed, %u failed, %u cancelled, %u "
               "incomplete, %u discovery%s\n",
               st->pipe.packets, st->pipe.gsmtap, st->pipe.ccid, modem, st->pipe.tcp, st->pipe.cards,
               st->apdus, st->es10, st->es9p, st->sessions, st->verdicts[ESIM_VERDICT_INSTALLED],
               st->verdicts[ESIM_VERDICT_FAILED], st->verdicts[ESIM_VERDICT_CANCELLED],
               st->verdicts[ESIM_VERDICT_INCOMPLETE], st->verdicts[ESIM_VERDICT_DISCOVERED],
               st->sessions_dropped ? " (more sessions than kept)" : "");
        if (extract)
            printf("%" PRIu64 " BPP files written to %s\n", st->bpps_extracted, extract);
    }
    bool bad = st->findings_error || st->verdicts[ESIM_VERDICT_FAILED] ||
               st->verdicts[ESIM_VERDICT_CANCELLED] || st->verdicts[ESIM_VERDICT_INCOMPLETE];
    rc = bad ? ESIM_EXIT_FAILED : ESIM_EXIT_OK;
done:
    esim_trace_free(t);
    esim_keylog_free(kl);
    if (o.findings)
        g_ptr_array_free(o.findings, TRUE);
    g_free(extract);
    g_free(keylog_path);
    return rc;
}
