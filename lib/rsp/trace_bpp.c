/* The BPP of a session on both paths: as the SM-DP+ sent it (ES9+ getBoundProfilePackage) and
 * as the LPA loaded it (ES10b LoadBoundProfilePackage STORE DATA), compared, written with
 * --extract and opened with the key log (see trace_internal.h). */
#include "trace_internal.h"

static const char *const part_names[] = {"firstSequenceOf87", "sequenceOf88",
                                         "secondSequenceOf87", "sequenceOf86"};

/* ---- BPP slots: the two copies of a session's BPP until they are compared ---- */

bpp_slot *tr_slot_for(esim_trace *t, esim_session *se)
{
    bpp_slot *oldest = &t->slots[0];
    for (int i = 0; i < BPP_SLOTS; i++) {
        if (t->slots[i].se == se)
            return &t->slots[i];
        if (t->slots[i].age < oldest->age)
            oldest = &t->slots[i];
    }
    free(oldest->es9);
    free(oldest->sd);
    *oldest = (bpp_slot){.se = se, .age = ++t->slot_clock};
    return oldest;
}

void tr_write_file(esim_trace *t, const esim_session *se, const char *what,
                       const uint8_t *d, size_t n, uint64_t frame)
{
    if (!t->o.extract_dir)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/session%u-%s-%s.bpp", t->o.extract_dir, se->id, se->tid_hex,
             what);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n) {
        tr_finding(t, ESIM_SEV_ERROR, frame, 0, 0, -1, "cannot write %s: %s", path, strerror(errno));
        if (f)
            fclose(f);
        return;
    }
    fclose(f);
    t->st.bpps_extracted++;
}

/* With a key log: opens the BPP and adds what it holds to the session's timeline. */
void tr_open_bpp(esim_trace *t, esim_session *se, bpp_slot *sl, const uint8_t *d, size_t n,
                     uint64_t frame, int64_t sec, uint32_t nsec)
{
    if (!t->o.keylog || sl->opened || se->bpp_opened)
        return;
    sl->opened = se->bpp_opened = true;
    esim_bpp bpp;
    esim_error err = {{0}};
    if (esim_bpp_parse(d, n, &bpp, &err) != 0) {
        esim_session_add_step(se, frame, sec, nsec, "BPP", "decrypt", true, "BPP not parsed: %s",
                          err.msg);
        return;
    }
    esim_bpp_opened op;
    if (esim_bpp_open(&bpp, t->o.keylog, &op, &err) != 0) {
        esim_session_add_step(se, frame, sec, nsec, "BPP", "decrypt", false, "not decrypted: %s",
                          err.msg);
        esim_bpp_clear(&bpp);
        return;
    }
    char prof[700] = "";
    esim_metadata md;
    esim_error merr;
    if (op.store_metadata &&
        esim_metadata_decode(op.store_metadata, op.store_metadata_len, &md, &merr) == 0) {
        char iccid[21] = "";
        if (md.has_iccid)
            esim_iccid_digits(md.iccid, sizeof md.iccid, iccid);
        snprintf(prof, sizeof prof, "; profile \"%s\" (%s) ICCID %s", md.name, md.spn,
                 iccid[0] ? iccid : "?");
        esim_session_set(se->iccid, sizeof se->iccid, iccid);
        esim_session_set(se->profile_name, sizeof se->profile_name, md.name);
    }
    /* the decrypted profile package (SAIP), summarised */
    char pkg[300] = "";
    esim_saip_summary sum;
    esim_saip_opts so = {0};
    esim_error serr = {{0}};
    if (op.upp && op.upp_complete) {
        if (esim_saip_decode(op.upp, op.upp_len, &so, &sum, &serr) == 0) {
            snprintf(pkg, sizeof pkg, ": %zu profile elements, type \"%s\", version %u.%u, "
                     "header ICCID %s%s%s", sum.pe_count, sum.profile_type, sum.major_version,
                     sum.minor_version, sum.iccid, sum.imsi[0] ? ", IMSI " : "", sum.imsi);
            esim_saip_summary_free(&sum);
        } else {
            snprintf(pkg, sizeof pkg, ": not a valid profile package (%.200s)", serr.msg);
        }
    }
    esim_session_add_step(se, frame, sec, nsec, "BPP", "decrypt", op.failed != 0,
                          "%zu segments checked, %zu failed (keys: %s)%s%s%s; profile package "
                          "%zu bytes%s%s",
                          op.checked, op.failed, esim_bpp_keysrc_name(op.session_src),
                          op.first_failure[0] ? ": " : "", op.first_failure, prof, op.upp_len,
                          op.upp_complete ? "" : " (incomplete)", pkg);
    esim_bpp_opened_free(&op);
    esim_bpp_clear(&bpp);
}

void tr_compare_bpp(esim_trace *t, esim_session *se, bpp_slot *sl, uint64_t frame,
                        int64_t sec, uint32_t nsec, int card)
{
    if (!sl->es9 || !sl->sd)
        return;
    size_t n = sl->es9_len < sl->sd_len ? sl->es9_len : sl->sd_len, i = 0;
    while (i < n && sl->es9[i] == sl->sd[i])
        i++;
    se->bpp_match = i == n && sl->es9_len == sl->sd_len;
    se->bpp_diff_at = i;
    if (!se->bpp_match)
        tr_finding(t, ESIM_SEV_ERROR, frame, sec, nsec, card,
                "session %s: the BPP loaded into the eUICC (%zu bytes) differs from the one the "
                "SM-DP+ sent (%zu bytes) from byte %zu on", se->tid_hex, sl->sd_len,
                sl->es9_len, i);
    esim_session_add_step(se, frame, sec, nsec, "BPP", "compare", !se->bpp_match,
                      se->bpp_match ? "BPP from ES9+ and from STORE DATA identical (%zu bytes)"
                                    : "BPP from ES9+ and from STORE DATA differ at byte %zu",
                      se->bpp_match ? sl->sd_len : i);
    free(sl->es9);
    free(sl->sd);
    *sl = (bpp_slot){0};
}


bool tr_is_segment_start(uint8_t b)
{
    return b == 0xA0 || b == 0xA1 || b == 0xA2 || b == 0xA3 || b == 0x86 || b == 0x87 ||
           b == 0x88;
}

void tr_bpp_append(esim_trace *t, card_state *cs, const uint8_t *d, size_t n,
                       const esim_apdu_event *ev, int card)
{
    if (cs->overflow)
        return;
    if (cs->len + n > BPP_MAX) {
        cs->overflow = true;
        tr_finding(t, ESIM_SEV_WARNING, ev->frame_cmd, ev->ts_sec, ev->ts_nsec, card,
                "BPP over %u bytes: not reassembled", BPP_MAX);
        return;
    }
    if (cs->len + n > cs->cap) {
        size_t cap = (cs->len + n) * 2;
        if (cap > BPP_MAX)
            cap = BPP_MAX;
        uint8_t *p = realloc(cs->bpp, cap);
        if (!p) {
            cs->overflow = true;
            return;
        }
        cs->bpp = p;
        cs->cap = cap;
    }
    memcpy(cs->bpp + cs->len, d, n);
    cs->len += n;
}

/* Checks the order of a BPP segment (SGP.22 section 2.5.5); returns its description. */
void tr_segment_order(esim_trace *t, card_state *cs, uint8_t b, const esim_apdu_event *ev,
                          int card, char *desc, size_t cap)
{
    int want;
    switch (b) {
    case 0xA0: want = PART_A0; break;
    case 0xA1: want = PART_A1; break;
    case 0xA2: want = PART_A2; break;
    case 0xA3: want = PART_A3; break;
    default: want = PART_NONE; break;
    }
    if (want != PART_NONE) {
        bool ok = (want == PART_A0 && cs->part == PART_NONE) ||
                  (want == PART_A1 && cs->part == PART_A0) ||
                  (want == PART_A2 && cs->part == PART_A1) ||
                  (want == PART_A3 && (cs->part == PART_A1 || cs->part == PART_A2));
        if (!ok)
            tr_finding(t, ESIM_SEV_ERROR, ev->frame_cmd, ev->ts_sec, ev->ts_nsec, card,
                    "BPP segment %u: %s ('%02X') out of order (after %s)", cs->segments, 
                    part_names[want], b, cs->part == PART_NONE ? "InitialiseSecureChannel"
                                                               : part_names[cs->part]);
        cs->part = want;
        snprintf(desc, cap, "%s", part_names[want]);
        return;
    }
    int expect = b == 0x88 ? PART_A1 : b == 0x86 ? PART_A3 : PART_A0;
    bool ok = cs->part == expect || (b == 0x87 && cs->part == PART_A2);
    if (!ok)
        tr_finding(t, ESIM_SEV_ERROR, ev->frame_cmd, ev->ts_sec, ev->ts_nsec, card,
                "BPP segment %u: %s'%02X' segment out of order (inside %s, expected in %s)",
                cs->segments, b == 0x88 ? "MAC-only " : "", b,
                cs->part == PART_NONE ? "InitialiseSecureChannel" : part_names[cs->part],
                part_names[expect]);
    snprintf(desc, cap, "'%02X' segment", b);
}

void tr_bpp_complete(esim_trace *t, card_state *cs, esim_session *se,
                         const esim_apdu_event *ev, int card)
{
    cs->loading = false;
    if (cs->overflow || !se)
        return;
    se->bpp_len = cs->len;
    tr_write_file(t, se, "storedata", cs->bpp, cs->len, ev->frame_last);
    bpp_slot *sl = tr_slot_for(t, se);
    free(sl->sd);
    sl->sd = cs->bpp;
    sl->sd_len = cs->len;
    cs->bpp = NULL;
    cs->len = cs->cap = 0;
    tr_open_bpp(t, se, sl, sl->sd, sl->sd_len, ev->frame_last, ev->ts_sec, ev->ts_nsec);
    tr_compare_bpp(t, se, sl, ev->frame_last, ev->ts_sec, ev->ts_nsec, card);
}

/* One line for an ES10 step: what it was and the identities it carried. */
