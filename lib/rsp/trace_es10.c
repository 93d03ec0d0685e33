/* The ES10 layer of trace: each ES10 command with its response from the card layer, decoded,
 * assigned to its session (lib/rsp/session_rules.c), its BPP pieces followed (see
 * trace_internal.h). */
#include "trace_internal.h"

static void describe(char *out, size_t cap, const char *desc, const fields *f, uint16_t sw)
{
    /* pieces appended up to cap - 1 bytes: the same text, and truncation, as one snprintf */
    size_t n = 0;
#define PUT(s)                                                                                     \
    do {                                                                                           \
        const char *s_ = (s);                                                                      \
        size_t k_ = strlen(s_);                                                                    \
        if (k_ > cap - 1 - n)                                                                      \
            k_ = cap - 1 - n;                                                                      \
        memcpy(out + n, s_, k_);                                                                   \
        n += k_;                                                                                   \
    } while (0)
    if (!cap)
        return;
    PUT(desc);
    bool any = desc[0];
    const struct { const char *label, *value; } items[] = {
        {"transactionId", f->tid}, {"EID", f->eid}, {"server", f->smdp},
        {"matchingId", f->matching_id}, {"ICCID", f->iccid}, {"profile", f->profile_name}};
    for (size_t i = 0; i < sizeof items / sizeof items[0]; i++)
        if (items[i].value[0]) {
            if (any)
                PUT(", ");
            PUT(items[i].label);
            PUT(" ");
            PUT(items[i].value);
            any = true;
        }
    static const char hex[] = "0123456789ABCDEF";
    char swt[8] = {'S', 'W', ' ', hex[sw >> 12], hex[(sw >> 8) & 15], hex[(sw >> 4) & 15],
                   hex[sw & 15], 0};
    if (any)
        PUT(", ");
    PUT(swt);
#undef PUT
    out[n] = 0;
}

/* ES10 commands whose request or response carries session data (transactionId, EID, matching
 * ID, results): decoded even when no trees are wanted. */
static bool session_tag(uint16_t tag)
{
    return tag == 0xBF38 || tag == 0xBF21 || tag == 0xBF41 || tag == 0xBF3E || tag == 0xBF37;
}

static void on_es10(esim_trace *t, const esim_apdu_event *ev, int card)
{
    card_state *cs = card >= 0 && card < ESIM_PIPE_MAX_CARDS ? &t->cards[card] : NULL;
    const uint8_t *cmd = ev->cmd_data;
    size_t n = ev->cmd_len;
    uint16_t tag = esim_es10_tag(cmd, n);
    const esim_es10_info *info = esim_es10_lookup(tag);
    bool segment = tag == 0xBF36 || (!tag && n && tr_is_segment_start(cmd[0]));
    const char *function = segment ? "LoadBoundProfilePackage" : info ? info->function : "unknown";
    const char *iface = info ? info->iface : segment ? "ES10b" : "ES10";
    char desc[96] = "";
    decoded_msg cm = {0}, rm = {0};
    bool want_tree = t->o.decode_trees || !t->o.no_es10_trees;
    fields f = {0};
    t->st.es10++;

    if (tag == 0xBF36) {
        size_t hdr, len;
        if (tr_tlv_header(cmd, n, &hdr, &len)) {
            tr_decode_msg(t, cmd + hdr, n - hdr, "InitialiseSecureChannelRequest", NULL, want_tree,
                       &cm);
            if (cs) {
                if (cs->loading)
                    tr_finding(t, ESIM_SEV_WARNING, ev->frame_cmd, ev->ts_sec, ev->ts_nsec, card,
                            "new BPP (BF36) while the previous one was incomplete (%zu of %zu "
                            "bytes)", cs->len, cs->total);
                cs->loading = true;
                cs->len = 0;
                cs->overflow = false;
                cs->total = hdr + len;
                cs->segments = 1;
                cs->part = PART_NONE;
                tr_bpp_append(t, cs, cmd, n, ev, card);
            }
        }
        snprintf(desc, sizeof desc, "segment 1: InitialiseSecureChannel");
    } else if (segment) {
        if (!cs || !cs->loading) {
            tr_finding(t, ESIM_SEV_ERROR, ev->frame_cmd, ev->ts_sec, ev->ts_nsec, card,
                    "BPP segment ('%02X', %zu bytes) without a preceding InitialiseSecureChannel "
                    "(BF36/BF23)", cmd[0], n);
            snprintf(desc, sizeof desc, "segment without InitialiseSecureChannel");
        } else {
            cs->segments++;
            char d[48];
            tr_segment_order(t, cs, cmd[0], ev, card, d, sizeof d);
            snprintf(desc, sizeof desc, "segment %u: %s", cs->segments, d);
            tr_bpp_append(t, cs, cmd, n, ev, card);
        }
    } else if (tag && (t->o.decode_trees || session_tag(tag))) {
        tr_decode_msg(t, cmd, n, info ? info->request_type : NULL, &f, want_tree, &cm);
    }
    const char *rtype = segment ? "ProfileInstallationResult" : info ? info->response_type : NULL;
    /* a BPP segment answered with data: the ProfileInstallationResult (or an early error) */
    if (ev->rsp_len && (t->o.decode_trees || segment || session_tag(tag)))
        tr_decode_msg(t, ev->rsp_data, ev->rsp_len, rtype, &f, want_tree, &rm);

    tr_scan_msg(t, &cm, &f, 0);
    tr_scan_msg(t, &rm, &f, 0);
    bool mismatch = false;
    esim_session *none = NULL;
    esim_session **current = cs ? &cs->se : &none;
    esim_session *previous = *current;
    esim_session *se = esim_sessions_route_es10(t->ss, current, f.tid, tag, segment, &mismatch);
    if (mismatch)
        tr_finding(t, ESIM_SEV_ERROR, ev->frame_cmd, ev->ts_sec, ev->ts_nsec, card,
                "transactionId mismatch: %s carries %s, the session on this card is %s",
                function, f.tid, previous->tid_hex);

    char summary[400] = "";
    if (se) {
        if (segment)
            se->bpp_segments = cs ? cs->segments : se->bpp_segments + 1;
        tr_fields_to_session(&f, se);
        bool failed = false;
        if (f.final == 1) {
            snprintf(summary, sizeof summary, "ProfileInstallationResult: successResult");
        } else if (f.final == 2) {
            failed = true;
            const char *why = esim_es10_error_explain("ErrorReason", f.err_reason);
            char code[64], name[96];
            snprintf(code, sizeof code, "errorReason %ld", f.err_reason);
            snprintf(name, sizeof name, "%s", f.err_reason_name[0] ? f.err_reason_name : "?");
            snprintf(summary, sizeof summary,
                     "eUICC rejected BPP: errorReason %ld %s at bppCommandId %ld (%s)%s%s",
                     f.err_reason, name, f.bpp_cmd, f.bpp_cmd_name[0] ? f.bpp_cmd_name : "?",
                     why ? " — " : "", why ? why : "");
            esim_session_fail(se, ev->frame_last, ESIM_SIDE_EUICC, "LoadBoundProfilePackage", code,
                              name, "%s", summary);
        } else if (f.err_member[0]) {
            failed = true;
            const char *why = esim_es10_error_explain(f.err_type, f.err_value);
            char code[64];
            snprintf(code, sizeof code, "%s %ld", f.err_member, f.err_value);
            snprintf(summary, sizeof summary, "eUICC returned %s %ld %s%s%s", f.err_member,
                     f.err_value, f.err_name, why ? " — " : "", why ? why : "");
            esim_session_fail(se, ev->frame_last, ESIM_SIDE_EUICC, function, code, f.err_name,
                              "%s", summary);
        }
        esim_session_note(se, &(esim_rsp_note){
                                  .iface = iface, .function = function, .failed = failed,
                                  .pir = (int)f.final,
                                  .cancel_reason = f.cancel_name[0] ? f.cancel_name : NULL});
        if (tag == 0xBF41 && !failed) {
            const char *why = f.has_cancel ? esim_es10_error_explain("CancelSessionReason",
                                                                     f.cancel_value) : NULL;
            snprintf(summary, sizeof summary, "CancelSession reason %s%s%s", se->cancel_reason,
                     why ? ": " : "", why ? why : "");
        }
        if (!summary[0])
            describe(summary, sizeof summary, desc, &f, ev->sw);
        esim_session_add_step(se, ev->frame_cmd, ev->ts_sec, ev->ts_nsec, iface, function, failed,
                          "%s", summary);
    } else if (!summary[0]) {
        describe(summary, sizeof summary, desc, &f, ev->sw);
    }
    if (cs && cs->loading && cs->len >= cs->total && !cs->overflow) {
        if (cs->len > cs->total)
            tr_finding(t, ESIM_SEV_ERROR, ev->frame_cmd, ev->ts_sec, ev->ts_nsec, card,
                    "BPP segments hold %zu bytes, more than the BF36 length (%zu)", cs->len,
                    cs->total);
        tr_bpp_complete(t, cs, se, ev, card);
    } else if (cs && cs->loading && (f.final || !esim_sw_ok(ev->sw))) {
        cs->loading = false; /* the eUICC ended the load early */
    }

    esim_trace_event te = {.type = ESIM_TRACE_EV_ES10, .frame = ev->frame_cmd,
                           .frame_last = ev->frame_last, .sec = ev->ts_sec, .nsec = ev->ts_nsec,
                           .card = card, .apdu = ev, .function = function, .iface = iface,
                           .tag = tag, .tid_hex = f.tid, .summary = summary,
                           .command = cm.tree, .response = rm.tree};
    tr_emit(t, &te);
    tr_decoded_msg_free(&cm);
    tr_decoded_msg_free(&rm);
}

/* A STORE DATA on the ISD-R answered with an error: the eUICC refused the ES10 command. */
static void store_data_error(esim_trace *t, const esim_apdu_event *ev, int card)
{
    card_state *cs = card >= 0 && card < ESIM_PIPE_MAX_CARDS ? &t->cards[card] : NULL;
    char m[96], text[300], code[32];
    esim_sw_meaning(ev->sw, m, sizeof m);
    if (cs && cs->loading)
        snprintf(text, sizeof text,
                 "STORE DATA %04X (%s) on LoadBoundProfilePackage segment %u, after segment %u "
                 "was accepted", ev->sw, m, cs->segments + 1, cs->segments);
    else
        snprintf(text, sizeof text, "STORE DATA block %u rejected with %04X (%s)", ev->p2, ev->sw,
                 m);
    tr_finding(t, ESIM_SEV_ERROR, ev->frame_last, ev->ts_sec, ev->ts_nsec, card,
            "unexpected status word on the ISD-R: %s", text);
    esim_session *se = cs && cs->se ? cs->se : NULL;
    if (!se)
        return;
    snprintf(code, sizeof code, "SW %04X", ev->sw);
    esim_session_fail(se, ev->frame_last, ESIM_SIDE_EUICC,
                      cs->loading ? "LoadBoundProfilePackage" : "ES10 (STORE DATA)", code, m,
                      "%s", text);
    esim_session_add_step(se, ev->frame_last, ev->ts_sec, ev->ts_nsec, "APDU", "STORE DATA", true,
                      "%s", text);
}

void tr_on_apdu(const esim_apdu_event *ev, const esim_card_info *card, void *user)
{
    esim_trace *t = user;
    int ci = (int)card->index;
    switch (ev->type) {
    case ESIM_APDU_EV_ES10:
        on_es10(t, ev, ci);
        return;
    case ESIM_APDU_EV_FINDING:
        tr_finding(t, ev->note ? ESIM_SEV_INFO : ESIM_SEV_WARNING, ev->frame_first, ev->ts_sec, ev->ts_nsec, ci, "%s (%s)",
                ev->text, card->name);
        return;
    case ESIM_APDU_EV_APDU:
        t->st.apdus++;
        break;
    case ESIM_APDU_EV_ATR:
        break;
    }
    esim_trace_event te = {.type = ESIM_TRACE_EV_APDU, .frame = ev->frame_first,
                           .frame_last = ev->frame_last, .sec = ev->ts_sec, .nsec = ev->ts_nsec,
                           .card = ci, .apdu = ev};
    tr_emit(t, &te);
    if (ev->type == ESIM_APDU_EV_APDU && ev->es10_block && !esim_sw_ok(ev->sw))
        store_data_error(t, ev, ci);
}

