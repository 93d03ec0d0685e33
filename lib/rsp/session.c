/* Session bookkeeping (see session.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "esim/hex.h"
#include "esim/session.h"

#define PENDING_MAX_STEPS 32

struct esim_sessions {
    esim_session **v;
    size_t n, cap, dropped;
    esim_session pending;
};

static void session_free(esim_session *se)
{
    free(se->steps);
}

esim_sessions *esim_sessions_new(void)
{
    esim_sessions *s = calloc(1, sizeof *s);
    if (s)
        s->pending.bpp_match = -1;
    return s;
}

void esim_sessions_free(esim_sessions *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        session_free(s->v[i]);
        free(s->v[i]);
    }
    free(s->v);
    session_free(&s->pending);
    free(s);
}

esim_session *esim_sessions_find(esim_sessions *s, const uint8_t *tid, size_t len)
{
    /* newest first: a capture usually works on its latest session */
    for (size_t i = s->n; i-- > 0;)
        if (s->v[i]->tid_len == len && !memcmp(s->v[i]->tid, tid, len))
            return s->v[i];
    return NULL;
}

static void take_pending(esim_sessions *s, esim_session *se)
{
    esim_session *p = &s->pending;
    if (p->nsteps) {
        /* the pending list holds PENDING_MAX_STEPS: give the session its full capacity */
        esim_session_step *st = realloc(p->steps, ESIM_SESSION_MAX_STEPS * sizeof *st);
        if (!st)
            return;
        p->steps = st;
        se->steps = p->steps;
        se->nsteps = p->nsteps;
        se->steps_dropped = p->steps_dropped;
        se->first_frame = p->first_frame;
        se->t0_sec = p->t0_sec;
        se->t0_nsec = p->t0_nsec;
        se->t1_sec = p->t1_sec;
        se->t1_nsec = p->t1_nsec;
        se->last_frame = p->last_frame;
        p->steps = NULL;
    }
    esim_session_set(se->eid, sizeof se->eid, p->eid);
    esim_session_set(se->smdp_address, sizeof se->smdp_address, p->smdp_address);
    esim_session_set(se->matching_id, sizeof se->matching_id, p->matching_id);
    se->seen_es9p |= p->seen_es9p;
    se->seen_es11 |= p->seen_es11;
    se->seen_es10 |= p->seen_es10;
    free(p->steps);
    *p = (esim_session){.bpp_match = -1};
}

esim_session *esim_sessions_get(esim_sessions *s, const uint8_t *tid, size_t len)
{
    if (!len || len > ESIM_SESSION_TID_MAX)
        return NULL;
    esim_session *se = esim_sessions_find(s, tid, len);
    if (se)
        return se;
    if (s->n == ESIM_SESSION_MAX) {
        s->dropped++;
        return NULL;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        esim_session **v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return NULL;
        s->v = v;
        s->cap = cap;
    }
    se = calloc(1, sizeof *se);
    if (!se)
        return NULL;
    se->id = (unsigned)s->n + 1;
    memcpy(se->tid, tid, len);
    se->tid_len = len;
    esim_hex(tid, len, se->tid_hex);
    se->bpp_match = -1;
    take_pending(s, se);
    s->v[s->n++] = se;
    return se;
}

esim_session *esim_sessions_pending(esim_sessions *s)
{
    return &s->pending;
}

size_t esim_sessions_count(const esim_sessions *s)
{
    return s->n;
}

esim_session *esim_sessions_at(esim_sessions *s, size_t i)
{
    return i < s->n ? s->v[i] : NULL;
}

size_t esim_sessions_dropped(const esim_sessions *s)
{
    return s->dropped;
}

static int tcmp(int64_t s1, uint32_t n1, int64_t s2, uint32_t n2)
{
    return s1 != s2 ? (s1 < s2 ? -1 : 1) : (n1 != n2 ? (n1 < n2 ? -1 : 1) : 0);
}

void esim_session_add_step(esim_session *se, uint64_t frame, int64_t sec, uint32_t nsec,
                       const char *iface, const char *function, bool failed, const char *fmt, ...)
{
    bool pending = !se->tid_len;
    size_t max = pending ? PENDING_MAX_STEPS : ESIM_SESSION_MAX_STEPS;
    if (!se->nsteps && !se->steps_dropped) {
        se->first_frame = frame;
        se->t0_sec = sec, se->t0_nsec = nsec;
        se->t1_sec = sec, se->t1_nsec = nsec;
    }
    if (frame > se->last_frame)
        se->last_frame = frame;
    if (tcmp(sec, nsec, se->t1_sec, se->t1_nsec) > 0)
        se->t1_sec = sec, se->t1_nsec = nsec;
    if (pending && se->nsteps == max) {
        /* keep the newest steps before a session: drop the oldest */
        memmove(se->steps, se->steps + 1, (max - 1) * sizeof *se->steps);
        se->nsteps--;
        se->steps_dropped++;
        se->first_frame = se->steps[0].frame;
        se->t0_sec = se->steps[0].sec, se->t0_nsec = se->steps[0].nsec;
    }
    if (se->nsteps == max) {
        se->steps_dropped++;
        return;
    }
    if (!se->steps) {
        se->steps = calloc(max, sizeof *se->steps);
        if (!se->steps)
            return;
    }
    esim_session_step *st = &se->steps[se->nsteps++];
    *st = (esim_session_step){.frame = frame, .sec = sec, .nsec = nsec, .failed = failed};
    snprintf(st->iface, sizeof st->iface, "%s", iface ? iface : "");
    snprintf(st->function, sizeof st->function, "%s", function ? function : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->detail, sizeof st->detail, fmt, ap);
    va_end(ap);
}

void esim_session_fail(esim_session *se, uint64_t frame, esim_side side, const char *step,
                       const char *code, const char *name, const char *fmt, ...)
{
    if (se->failed)
        return;
    se->failed = true;
    se->fail_frame = frame;
    se->fail_side = side;
    snprintf(se->fail_step, sizeof se->fail_step, "%s", step ? step : "");
    snprintf(se->fail_code, sizeof se->fail_code, "%s", code ? code : "");
    snprintf(se->fail_name, sizeof se->fail_name, "%s", name ? name : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(se->fail_text, sizeof se->fail_text, fmt, ap);
    va_end(ap);
}

void esim_session_set(char *field, size_t cap, const char *value)
{
    if (!field[0] && value && value[0])
        snprintf(field, cap, "%s", value);
}

esim_verdict esim_session_verdict(const esim_session *se)
{
    if (se->failed)
        return ESIM_VERDICT_FAILED;
    if (se->installed)
        return ESIM_VERDICT_INSTALLED;
    if (se->cancelled)
        return ESIM_VERDICT_CANCELLED;
    if ((se->seen_es11 && !se->seen_es9p && !se->seen_bpp) || (se->auth_only && !se->seen_download))
        return ESIM_VERDICT_DISCOVERED;
    return ESIM_VERDICT_INCOMPLETE;
}

const char *esim_verdict_name(esim_verdict v)
{
    switch (v) {
    case ESIM_VERDICT_INSTALLED: return "installed";
    case ESIM_VERDICT_FAILED: return "failed";
    case ESIM_VERDICT_CANCELLED: return "cancelled";
    case ESIM_VERDICT_DISCOVERED: return "discovered";
    case ESIM_VERDICT_INCOMPLETE: break;
    }
    return "incomplete";
}

const char *esim_side_name(esim_side s)
{
    switch (s) {
    case ESIM_SIDE_EUICC: return "eUICC";
    case ESIM_SIDE_SMDP: return "SM-DP+";
    case ESIM_SIDE_SMDS: return "SM-DS";
    case ESIM_SIDE_LPA: return "LPA";
    case ESIM_SIDE_NONE: break;
    }
    return "";
}

double esim_session_reltime(const esim_session *se, int64_t sec, uint32_t nsec)
{
    return (double)(sec - se->t0_sec) + ((double)nsec - (double)se->t0_nsec) / 1e9;
}
