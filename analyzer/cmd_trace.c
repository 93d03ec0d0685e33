/* esimscope trace: eSIM download sessions and failure diagnosis from a capture. Output only:
 * the logic is lib/rsp/trace.c and lib/rsp/session.c. */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "commands.h"
#include "input_opts.h"
#include "esim/es10_names.h"
#include "esim/hex.h"
#include "esim/keylog.h"
#include "esim/netdecode.h"
#include "esim/tls.h"
#include "esim/trace.h"

#define MAX_KEPT_FINDINGS 1000
/* Repeated diagnostics are capped: a damaged capture can give a warning per frame (millions).
 * The report's findings list keeps the first MAX_LISTED_WARNINGS warnings, the JSON and -v
 * streams the first MAX_STREAMED_WARNINGS; the others are counted. Errors are always kept. */
#define MAX_LISTED_WARNINGS 20
#define MAX_STREAMED_WARNINGS 1000

/* A log (esim/log.h) numbers its events by line, a capture by frame. */
static bool from_log;

static const char *frame_key(void)
{
    return from_log ? "line" : "frame";
}

/* "#123    " for a frame, "line 123    " for a log line. */
static const char *at(uint64_t n)
{
    static char buf[4][32];
    static unsigned k;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], from_log ? "line %-7" PRIu64 : "#%-7" PRIu64, n);
    return b;
}

typedef struct out {
    gboolean json, verbose, show_keys, no_progress;
    GPtrArray *findings;
    uint64_t findings_dropped, warnings_listed, warnings_streamed, warnings_hidden;
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
    json_object_object_add(o, frame_key(), json_object_new_int64((int64_t)ev->frame));
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
    json_object_object_add(o, frame_key(), json_object_new_int64((int64_t)se->first_frame));
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
    json_object_object_add(o, from_log ? "last_line" : "last_frame", json_object_new_int64((int64_t)se->last_frame));
    json_object_object_add(o, "duration",
                           jseconds(esim_session_reltime(se, se->t1_sec, se->t1_nsec)));
    if (se->failed) {
        json_object *f = json_object_new_object();
        json_object_object_add(f, frame_key(), json_object_new_int64((int64_t)se->fail_frame));
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
        json_object_object_add(s, frame_key(), json_object_new_int64((int64_t)st->frame));
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

/* A TLS connection that was not read: what the user needs to find the missing key. */
static json_object *json_tls(const esim_tls_report *r)
{
    static const char *const problems[] = {"no_key", "bad_key", "unsupported", "no_handshake",
                                           "broken"};
    json_object *o = json_object_new_object();
    char addr[46];
    json_object_object_add(o, "problem", json_object_new_string(problems[r->problem]));
    esim_net_addr_str(r->ip_version, r->server.addr, addr, sizeof addr);
    json_object_object_add(o, "server", json_object_new_string(addr));
    json_object_object_add(o, "port", json_object_new_int(r->server.port));
    jadd_str(o, "sni", r->sni);
    if (r->have_random)
        json_object_object_add(o, "client_random", jhex(r->client_random, 32));
    if (r->version)
        jadd_str(o, "version", esim_tls_version_name(r->version));
    if (r->cipher_suite) {
        const char *n = esim_tls_suite_name(r->cipher_suite);
        char hex[8];
        snprintf(hex, sizeof hex, "0x%04X", r->cipher_suite);
        json_object_object_add(o, "cipher_suite", json_object_new_string(n ? n : hex));
    }
    json_object_object_add(o, "bytes", json_object_new_int64((int64_t)r->bytes));
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
        /* frame: where Wireshark shows the reassembled command; first_frame: its first STORE
         * DATA block; response_frame: where the response data is complete (when there is
         * some) */
        if (ev->apdu->frame_first != ev->frame)
            json_object_object_add(j, "first_frame",
                                   json_object_new_int64((int64_t)ev->apdu->frame_first));
        if (ev->apdu->rsp_len && (ev->apdu->sw >> 8) != 0x61) /* 61xx: cut before its end */
            json_object_object_add(j, "response_frame",
                                   json_object_new_int64((int64_t)ev->frame_last));
        json_object_object_add(j, "channel", json_object_new_int(ev->apdu->channel));
        if (ev->apdu->isdr_assumed)
            json_object_object_add(j, "isdr_assumed", json_object_new_boolean(1));
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
        if (ev->tls)
            json_object_object_add(j, "tls", json_tls(ev->tls));
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
    printf("  timeline (%s %" PRIu64 "-%" PRIu64 ", %.3f s):\n", from_log ? "lines" : "frames",
           se->first_frame,
           se->last_frame, esim_session_reltime(se, se->t1_sec, se->t1_nsec));
    for (size_t i = 0; i < se->nsteps; i++) {
        const esim_session_step *st = &se->steps[i];
        printf("    %+9.3f  %s %-5s %-26s %s%s\n",
               esim_session_reltime(se, st->sec, st->nsec), at(st->frame), st->iface, st->function,
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
            printf("%s card %d ATR %s\n", at(ev->frame), ev->card, h);
            g_free(h);
            return;
        }
        printf("%s card %d ch%-2u %02X %02X %02X %02X %-24s %4zu -> %4zu  %04X %s%s\n",
               at(ev->frame), ev->card, a->channel, a->cla, a->ins, a->p1, a->p2, a->ins_name,
               a->cmd_len, a->rsp_len, a->sw, a->text, a->isd_r ? " [ISD-R]" : "");
        return;
    }
    case ESIM_TRACE_EV_ES10:
        if (o->verbose)
            printf("%s card %d %-5s %-26s %s\n", at(ev->frame), ev->card, ev->iface,
                   ev->function, ev->summary);
        return;
    case ESIM_TRACE_EV_ES9P:
        if (o->verbose)
            printf("%s HTTP   %-5s %-26s %s\n", at(ev->frame), ev->iface, ev->function,
                   ev->summary);
        return;
    case ESIM_TRACE_EV_FINDING:
        if (ev->severity == ESIM_SEV_WARNING && o->warnings_listed++ >= MAX_LISTED_WARNINGS)
            o->findings_dropped++;
        else if (o->findings->len < MAX_KEPT_FINDINGS)
            g_ptr_array_add(o->findings,
                            g_strdup_printf("%s %-7s %s", at(ev->frame),
                                            esim_severity_name(ev->severity), ev->text));
        else
            o->findings_dropped++;
        if (o->verbose)
            printf("%s FINDING %s: %s\n", at(ev->frame), esim_severity_name(ev->severity),
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
    if (ev->type == ESIM_TRACE_EV_FINDING && ev->severity == ESIM_SEV_WARNING &&
        (o->json || o->verbose) && o->warnings_streamed++ >= MAX_STREAMED_WARNINGS) {
        o->warnings_hidden++;
        if (!o->json)
            o->findings_dropped++; /* past MAX_LISTED_WARNINGS as well */
        return;
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

/* --tls-keylog FILE (must be readable) and $SSLKEYLOGFILE (as other TLS tools read it: skipped
 * with a note when absent). Malformed lines are counted, never echoed (they may hold secrets). */
static int load_tls_keys(esim_tls_keylog *k, const char *path)
{
    esim_error err = {{0}};
    const char *env = getenv("SSLKEYLOGFILE");
    if (path && esim_tls_keylog_load(k, path, &err) != 0) {
        fprintf(stderr, "esimscope trace: TLS key log %s\n", err.msg);
        return -1;
    }
    if (env && env[0] && (!path || strcmp(env, path)) && esim_tls_keylog_load(k, env, &err) != 0)
        fprintf(stderr, "esimscope trace: SSLKEYLOGFILE ignored: %s\n", err.msg);
    const esim_tls_keylog_stats *st = esim_tls_keylog_get_stats(k);
    if (st->malformed)
        fprintf(stderr, "esimscope trace: TLS key log: %" PRIu64 " malformed lines ignored (the "
                "first is line %" PRIu64 ")\n", st->malformed, st->first_malformed);
    if (st->dropped)
        fprintf(stderr, "esimscope trace: TLS key log: %" PRIu64 " secrets over the limit of %u "
                "client randoms ignored\n", st->dropped, ESIM_TLS_KEYLOG_MAX_ENTRIES);
    return 0;
}

/* --extract DIR: an existing folder is used as it is; a missing one is created, and said so. */
static int prepare_extract_dir(const char *dir)
{
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        fprintf(stderr, "esimscope trace: --extract %s: %s\n", dir, strerror(ENOTDIR));
        return -1;
    }
    if (g_mkdir_with_parents(dir, 0755) != 0) {
        fprintf(stderr, "esimscope trace: cannot create %s: %s\n", dir, strerror(errno));
        return -1;
    }
    fprintf(stderr, "esimscope trace: created %s for the extracted BPPs\n", dir);
    return 0;
}

int esim_cmd_trace(int argc, char **argv)
{
    out o = {0};
    char *extract = NULL, *keylog_path = NULL, *tls_keylog_path = NULL;
    input_opts io = {0};
    esim_capture_opts co = {0};
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
        {"tls-keylog", 0, 0, G_OPTION_ARG_FILENAME, &tls_keylog_path,
         "decrypt TLS with the secrets in this NSS key log (also $SSLKEYLOGFILE)", "FILE"},
        {"show-keys", 0, 0, G_OPTION_ARG_NONE, &o.show_keys, "show key material in trees", NULL},
        {"no-progress", 0, 0, G_OPTION_ARG_NONE, &o.no_progress, "no progress on stderr", NULL},
        INPUT_OPTION_ENTRIES(io),
        {0}};
    GOptionContext *oc = g_option_context_new("CAPTURE|LOG|-");
    g_option_context_set_summary(
        oc, "Reads a pcap/pcapng capture (gzip allowed; - = stdin) with GSMTAP-SIM, USB CCID, "
            "modem (MBIM, QMI) and ES9+/ES11 HTTP traffic, or a phone/LPA log (QXDM, QCAT, lpac, "
            "AT, pcsc-spy, hex APDU log; docs/inputs.md), decodes every ES10 and ES9+ message, "
            "groups them into RSP "
            "sessions by transactionId and gives each a verdict: installed, failed (where, by "
            "whom, SGP.22 code and why), cancelled or incomplete.\n\nExit status: 0 every "
            "download installed and no error finding, 1 a session failed/cancelled/incomplete "
            "or an error finding, or TLS that could not be read and no session at all, 2 bad "
            "usage or unreadable capture, 3 no eSIM traffic found (no RSP session: an empty "
            "capture, one without ES10 or ES9+/ES11 traffic, or a copy too damaged to show one).");
    g_option_context_add_main_entries(oc, entries, NULL);
    GError *gerr = NULL;
    if (!g_option_context_parse(oc, &argc, &argv, &gerr) || argc != 2) {
        fprintf(stderr, "esimscope trace: %s\n", gerr ? gerr->message : "one capture file expected");
        g_clear_error(&gerr);
        g_option_context_free(oc);
        g_free(extract);
        g_free(keylog_path);
        g_free(tls_keylog_path);
        input_opts_clear(&io);
        return ESIM_EXIT_USAGE;
    }
    g_option_context_free(oc);
    int rc = ESIM_EXIT_USAGE;
    esim_capture *cap = NULL;
    esim_keylog *kl = NULL;
    esim_tls_keylog *tkl = esim_tls_keylog_new();
    esim_trace *t = NULL;
    esim_error err = {{0}};
    if (input_opts_apply("trace", &io, &co) != 0)
        goto done;
    if (extract && prepare_extract_dir(extract) != 0)
        goto done;
    if (keylog_path) {
        kl = esim_keylog_new();
        if (!kl || esim_keylog_load(kl, keylog_path, &err) != 0) {
            fprintf(stderr, "esimscope trace: %s\n", err.msg);
            goto done;
        }
    }
    if (!tkl || load_tls_keys(tkl, tls_keylog_path) != 0)
        goto done;
    o.findings = g_ptr_array_new_with_free_func(g_free);
    esim_trace_opts to = {.decode_trees = o.json && o.verbose, .no_es10_trees = !o.json,
                          .show_keys = o.show_keys, .extract_dir = extract, .keylog = kl,
                          .tls_keylog = tkl};
    if (!o.no_progress && isatty(2)) {
        to.progress = on_progress;
        to.progress_user = &o;
    }
    t = esim_trace_new(&to, on_event, &o);
    if (!t) {
        fprintf(stderr, "esimscope trace: out of memory\n");
        goto done;
    }
    if (!(cap = input_open("trace", argv[1], &co)))
        goto done;
    from_log = co.detected != ESIM_LOG_CAPTURE;
    esim_trace_run_capture(t, cap, argv[1], &err); /* closes cap */
    if (o.progress_shown)
        fprintf(stderr, "\r%40s\r", "");
    const esim_trace_stats *st = esim_trace_get_stats(t);
    if (o.warnings_hidden)
        fprintf(stderr, "esimscope trace: %" PRIu64 " more warning findings not listed (the first "
                "%u were)\n", o.warnings_hidden, MAX_STREAMED_WARNINGS);
    if (!o.json) {
        if (!st->sessions)
            printf("\nNo RSP session (no transactionId in ES10 or ES9+/ES11 traffic).\n");
        if (o.findings->len) {
            printf("\nFindings (%" PRIu64 " errors, %" PRIu64 " warnings):\n",
                   st->findings_error, st->findings_warning);
            for (guint i = 0; i < o.findings->len; i++)
                printf("  %s\n", (const char *)o.findings->pdata[i]);
            if (o.findings_dropped)
                printf("  ... %" PRIu64 " more (warnings after the first %u are only counted)\n",
                       o.findings_dropped, MAX_LISTED_WARNINGS);
        }
        if (from_log)
            printf("\n%s log: %" PRIu64 " lines, %" PRIu64 " with APDU/HTTP records, %" PRIu64
                   " skipped, %" PRIu64 " not readable (findings); %" PRIu64 " exchanges",
                   esim_log_format_name((esim_log_format)co.detected), co.stats.lines,
                   co.stats.records, co.stats.skipped, co.stats.notes, co.stats.exchanges);
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
        if (st->pipe.tls_connections)
            printf("%" PRIu64 " TLS connections: %" PRIu64 " decrypted, %" PRIu64 " not read%s\n",
                   st->pipe.tls_connections, st->pipe.tls_decrypted, st->pipe.tls_unreadable,
                   st->pipe.tls_unreadable ? " (see the findings; --tls-keylog, docs/tls.md)" : "");
        if (extract)
            printf("%" PRIu64 " BPP files written to %s\n", st->bpps_extracted, extract);
    }
    /* TLS that could not be read is a warning finding (an error when a record does not
     * authenticate); when it leaves the trace without any session, the run failed too */
    bool bad = st->findings_error || st->verdicts[ESIM_VERDICT_FAILED] ||
               st->verdicts[ESIM_VERDICT_CANCELLED] || st->verdicts[ESIM_VERDICT_INCOMPLETE] ||
               (st->pipe.tls_unreadable && !st->sessions);
    rc = bad ? ESIM_EXIT_FAILED : ESIM_EXIT_OK;
    if (!bad && !st->sessions) {
        /* nothing was judged: exit 0 ("every download installed") would let a CI gate pass on an
         * empty or wrong file */
        if (!st->es10 && !st->es9p)
            fprintf(stderr, "esimscope trace: %s: no eSIM traffic found (%" PRIu64 " packets, "
                    "no ES10 command, no ES9+/ES11 message)\n", argv[1], st->pipe.packets);
        else
            fprintf(stderr, "esimscope trace: %s: no eSIM traffic found: no RSP session (%" PRIu64
                    " ES10 commands, %" PRIu64 " ES9+/ES11 messages, none with a transactionId)\n",
                    argv[1], st->es10, st->es9p);
        rc = ESIM_EXIT_NO_TRAFFIC;
    }
done:
    esim_trace_free(t);
    esim_keylog_free(kl);
    esim_tls_keylog_free(tkl);
    g_free(tls_keylog_path);
    if (o.findings)
        g_ptr_array_free(o.findings, TRUE);
    g_free(extract);
    g_free(keylog_path);
    input_opts_clear(&io);
    return rc;
}
