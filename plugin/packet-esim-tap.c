/* The "esim" tap and `tshark -z esim,sessions[,filter]`: RSP sessions grouped by transactionId
 * across ES9+/ES11 and ES10 (core lib/rsp/session.c bookkeeping and verdicts, the same verdict
 * names as `esimscope trace`). The dissector parts queue one record per decoded message. */
#include <stdio.h>
#include <string.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/stat_tap_ui.h>
#include "esim/hex.h"
#include "esim/session.h"
#include "esim/session_rules.h"
#include "packet-esim.h"

int esim_tap = -1;

static esim_tap_rec *new_rec(packet_info *pinfo, const char *iface, const char *function,
                             bool response, const esim_asn1_summary *sum, const char *fail_code,
                             const char *fail_text)
{
    esim_tap_rec *r = wmem_new0(pinfo->pool, esim_tap_rec);
    g_strlcpy(r->iface, iface, sizeof r->iface);
    g_strlcpy(r->function, function, sizeof r->function);
    r->response = response;
    if (sum)
        r->sum = *sum;
    if (fail_code)
        g_strlcpy(r->fail_code, fail_code, sizeof r->fail_code);
    if (fail_text)
        g_strlcpy(r->fail_text, fail_text, sizeof r->fail_text);
    return r;
}

void esim_tap_message(packet_info *pinfo, const char *iface, const char *function, bool response,
                      const esim_asn1_summary *sum, const char *fail_code, const char *fail_text)
{
    if (esim_tap < 0 || !have_tap_listener(esim_tap))
        return;
    tap_queue_packet(esim_tap, pinfo,
                     new_rec(pinfo, iface, function, response, sum, fail_code, fail_text));
}

void esim_tap_es10(packet_info *pinfo, uint32_t card, uint16_t tag, bool bpp_piece,
                   const char *iface, const char *function, bool response,
                   const esim_asn1_summary *sum, const char *fail_code, const char *fail_text)
{
    if (esim_tap < 0 || !have_tap_listener(esim_tap))
        return;
    esim_tap_rec *r = new_rec(pinfo, iface, function, response, sum, fail_code, fail_text);
    r->card = card;
    r->tag = tag;
    r->bpp_piece = bpp_piece;
    tap_queue_packet(esim_tap, pinfo, r);
}

typedef struct sessions_tap {
    esim_sessions *s;
    GHashTable *current;   /* card index -> its current session (esim_session *) */
    char *filter;
} sessions_tap;

static tap_packet_status sessions_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt,
                                         const void *data, tap_flags_t flags)
{
    sessions_tap *st = (sessions_tap *)tapdata;
    const esim_tap_rec *r = (const esim_tap_rec *)data;
    bool es10 = r->card != 0;
    bool failed = r->sum.error || r->fail_code[0];
    esim_session *se;
    if (es10) {
        esim_session *cur = (esim_session *)g_hash_table_lookup(st->current,
                                                                GUINT_TO_POINTER(r->card));
        bool mismatch;
        se = esim_sessions_route_es10(st->s, &cur, r->sum.tid, r->tag, r->bpp_piece, &mismatch);
        g_hash_table_insert(st->current, GUINT_TO_POINTER(r->card), cur);
    } else {
        se = r->sum.tid[0] ? esim_sessions_get_hex(st->s, r->sum.tid) : esim_sessions_pending(st->s);
    }
    if (!se)
        return TAP_PACKET_DONT_REDRAW;
    int64_t sec = (int64_t)pinfo->abs_ts.secs;
    uint32_t nsec = (uint32_t)pinfo->abs_ts.nsecs;
    int pir = 0;
    if (!strcmp(r->sum.type, "ProfileInstallationResult"))
        pir = !strcmp(r->sum.result, "successResult") ? 1 : 2;
    esim_session_note(se, &(esim_rsp_note){
                              .iface = r->iface, .function = r->function, .request = !r->response,
                              .failed = failed, .pir = pir, .eid = r->sum.eid,
                              .iccid = r->sum.iccid, .matching_id = r->sum.matching_id});
    /* one step per ES10 exchange (at its command, as `esimscope trace`), one per HTTP message */
    if (es10 && r->response) {
        if (failed && se->nsteps)
            se->steps[se->nsteps - 1].failed = true;
    } else
        esim_session_add_step(se, pinfo->num, sec, nsec, r->iface, r->function, failed,
                              "%s%s%s", r->response ? "response" : "request",
                              r->sum.result[0] ? " " : "", r->sum.result);
    if (failed)
        esim_session_fail(se, pinfo->num,
                          es10 ? ESIM_SIDE_EUICC
                               : !strcmp(r->iface, "ES11") ? ESIM_SIDE_SMDS : ESIM_SIDE_SMDP,
                          r->function,
                          r->fail_code[0] ? r->fail_code
                          : r->sum.err_code[0] ? r->sum.err_code : r->sum.result,
                          r->sum.result, "%s", r->fail_text[0] ? r->fail_text : r->sum.err_text);
    if (se->first_frame == 0 || pinfo->num < se->first_frame)
        se->first_frame = pinfo->num;
    if (pinfo->num > se->last_frame)
        se->last_frame = pinfo->num;
    (void)edt;
    (void)flags;
    return TAP_PACKET_REDRAW;
}

static void sessions_draw(void *tapdata)
{
    sessions_tap *st = (sessions_tap *)tapdata;
    esim_sessions_finish(st->s);
    size_t n = esim_sessions_count(st->s);
    printf("\n===================================================================\n");
    printf("eSIM RSP sessions (esim,sessions%s%s): %zu\n", st->filter ? "," : "",
           st->filter ? st->filter : "", n);
    for (size_t i = 0; i < n; i++) {
        const esim_session *se = esim_sessions_at(st->s, i);
        printf("session %u  transactionId %s  verdict %s\n", se->id, se->tid_hex,
               esim_verdict_name(esim_session_verdict(se)));
        printf("  frames %" PRIu64 "-%" PRIu64 "  steps %zu  interfaces%s%s%s\n", se->first_frame,
               se->last_frame, se->nsteps, se->seen_es11 ? " ES11" : "",
               se->seen_es9p ? " ES9+" : "", se->seen_es10 ? " ES10" : "");
        if (se->eid[0])
            printf("  EID %s\n", se->eid);
        if (se->iccid[0])
            printf("  ICCID %s\n", se->iccid);
        if (se->matching_id[0])
            printf("  matchingId %s\n", se->matching_id);
        if (se->failed)
            printf("  failure at frame %" PRIu64 " (%s, %s): %s %s\n", se->fail_frame,
                   esim_side_name(se->fail_side), se->fail_step, se->fail_code, se->fail_text);
    }
    printf("===================================================================\n");
}

static void sessions_finish(void *tapdata)
{
    sessions_tap *st = (sessions_tap *)tapdata;
    esim_sessions_free(st->s);
    g_hash_table_destroy(st->current);
    g_free(st->filter);
    g_free(st);
}

static void sessions_init(const char *opt_arg, void *userdata)
{
    sessions_tap *st = g_new0(sessions_tap, 1);
    const char *prefix = "esim,sessions";
    const char *filter = NULL;
    if (opt_arg && !strncmp(opt_arg, prefix, strlen(prefix)) && opt_arg[strlen(prefix)] == ',')
        filter = opt_arg + strlen(prefix) + 1;
    st->s = esim_sessions_new();
    st->current = g_hash_table_new(g_direct_hash, g_direct_equal);
    st->filter = filter ? g_strdup(filter) : NULL;
    GString *err = register_tap_listener("esim", st, filter, 0, NULL, sessions_packet,
                                         sessions_draw, sessions_finish);
    if (err) {
        fprintf(stderr, "tshark: esim,sessions: %s\n", err->str);
        g_string_free(err, TRUE);
        sessions_finish(st);
        exit(1);
    }
    (void)userdata;
}

void esim_register_tap(void)
{
    static stat_tap_ui ui = {REGISTER_STAT_GROUP_GENERIC, "eSIM RSP sessions", "esim,sessions",
                             sessions_init, 0, NULL};
    esim_tap = register_tap("esim");
    register_stat_tap_ui(&ui, NULL);
}
