/* Capture → decoded ES10/ES9+ → sessions (see trace.h): the API, events and findings; the
 * layers are trace_es10.c and trace_es9p.c, the BPP trace_bpp.c, message fields msg_fields.c. */
#include "trace_internal.h"

const char *esim_severity_name(esim_severity s)
{
    return s == ESIM_SEV_ERROR ? "error" : s == ESIM_SEV_WARNING ? "warning" : "info";
}

/* ---- helpers ---- */

void tr_emit(esim_trace *t, esim_trace_event *ev)
{
    if (t->cb)
        t->cb(ev, t->user);
}

void tr_finding(esim_trace *t, esim_severity sev, uint64_t frame, int64_t sec, uint32_t nsec,
                int card, const char *fmt, ...)
{
    char text[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (sev == ESIM_SEV_ERROR)
        t->st.findings_error++;
    else
        t->st.findings_warning++;
    esim_trace_event ev = {.type = ESIM_TRACE_EV_FINDING, .frame = frame, .frame_last = frame,
                           .sec = sec, .nsec = nsec, .card = card, .severity = sev, .text = text};
    tr_emit(t, &ev);
}


static void on_warning(uint64_t frame, const char *msg, void *user)
{
    tr_finding(user, ESIM_SEV_WARNING, frame, 0, 0, -1, "%s", msg);
}

/* A TLS connection whose data was not read (docs/tls.md): a wrong key or a record that does not
 * authenticate is an error; missing keys and the rest are warnings (the analysis is partial). */
static void on_tls(const esim_tls_report *r, void *user)
{
    esim_trace *t = user;
    esim_severity sev = r->problem == ESIM_TLS_BAD_KEY ? ESIM_SEV_ERROR : ESIM_SEV_WARNING;
    char text[400];
    esim_tls_report_format(r, text, sizeof text);
    if (sev == ESIM_SEV_ERROR)
        t->st.findings_error++;
    else
        t->st.findings_warning++;
    esim_trace_event ev = {.type = ESIM_TRACE_EV_FINDING, .frame = r->frame, .frame_last = r->frame,
                           .sec = r->ts_sec, .nsec = r->ts_nsec, .card = -1, .severity = sev,
                           .text = text, .tls = r};
    tr_emit(t, &ev);
}

/* ---- public ---- */

esim_trace *esim_trace_new(const esim_trace_opts *o, esim_trace_cb cb, void *user)
{
    esim_trace *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (o)
        t->o = *o;
    t->topts.show_keys = t->o.show_keys;
    t->cb = cb;
    t->user = user;
    t->ss = esim_sessions_new();
    if (!t->ss) {
        free(t);
        return NULL;
    }
    t->tok = json_tokener_new_ex(64);
    for (int i = 0; i < ESIM_PIPE_MAX_CARDS; i++)
        t->cards[i].part = PART_NONE;
    return t;
}

void esim_trace_free(esim_trace *t)
{
    if (!t)
        return;
    for (int i = 0; i < ESIM_PIPE_MAX_CARDS; i++)
        free(t->cards[i].bpp);
    for (int i = 0; i < BPP_SLOTS; i++) {
        free(t->slots[i].es9);
        free(t->slots[i].sd);
    }
    esim_sessions_free(t->ss);
    if (t->tok)
        json_tokener_free(t->tok);
    free(t);
}

esim_pipe_handlers esim_trace_handlers(esim_trace *t)
{
    return (esim_pipe_handlers){.apdu = tr_on_apdu, .http = tr_on_http, .warning = on_warning,
                                .user = t, .tls = on_tls, .tls_keys = t->o.tls_keylog};
}

void esim_trace_finish(esim_trace *t)
{
    if (t->finished)
        return;
    t->finished = true;
    for (int i = 0; i < ESIM_PIPE_MAX_CARDS; i++) {
        card_state *cs = &t->cards[i];
        if (cs->loading && cs->se && !cs->se->failed)
            esim_session_add_step(cs->se, cs->se->last_frame, cs->se->t1_sec, cs->se->t1_nsec,
                              "ES10b", "LoadBoundProfilePackage", false,
                              "capture ended during the BPP load: %u segments, %zu of %zu bytes",
                              cs->segments, cs->len, cs->total);
    }
    size_t n = esim_sessions_count(t->ss);
    esim_sessions_finish(t->ss);
    for (size_t i = 0; i < n; i++) {
        esim_session *se = esim_sessions_at(t->ss, i);
        esim_verdict v = esim_session_verdict(se);
        t->st.verdicts[v]++;
        esim_trace_event te = {.type = ESIM_TRACE_EV_SESSION, .frame = se->first_frame,
                               .frame_last = se->last_frame, .sec = se->t0_sec,
                               .nsec = se->t0_nsec, .card = -1, .session = se};
        tr_emit(t, &te);
    }
    t->st.sessions = n;
    t->st.sessions_dropped = esim_sessions_dropped(t->ss);
}

const esim_trace_stats *esim_trace_get_stats(const esim_trace *t)
{
    return &t->st;
}

esim_sessions *esim_trace_sessions(esim_trace *t)
{
    return t->ss;
}

static int run(esim_trace *t, esim_capture *c, const char *name, esim_error *err)
{
    esim_pipe_handlers h = esim_trace_handlers(t);
    esim_pipe *p = esim_pipe_new(&h);
    if (!p) {
        esim_capture_close(c);
        return esim_error_set(err, "out of memory");
    }
    esim_capture_on_secrets(c, esim_pipe_secrets, p);
    esim_packet pk;
    int r;
    uint64_t count = 0;
    while ((r = esim_capture_next(c, &pk, err)) == 1) {
        esim_pipe_packet(p, &pk);
        if (t->o.progress && !(++count & 0xFFFF))
            t->o.progress(count, t->o.progress_user);
    }
    esim_pipe_finish(p);
    t->st.pipe = *esim_pipe_get_stats(p);
    esim_pipe_free(p);
    esim_capture_close(c);
    if (r < 0) {
        esim_error_prefix(err, "%s", name);
        tr_finding(t, ESIM_SEV_ERROR, 0, 0, 0, -1, "capture breaks off: %s", err->msg);
    }
    esim_trace_finish(t);
    return 0;
}

int esim_trace_run_file(esim_trace *t, const char *path, esim_error *err)
{
    esim_capture *c = esim_capture_open(path, err);
    if (!c)
        return -1;
    return run(t, c, path, err);
}

int esim_trace_run_capture(esim_trace *t, esim_capture *c, const char *name, esim_error *err)
{
    return run(t, c, name, err);
}

int esim_trace_run_mem(esim_trace *t, const uint8_t *d, size_t n, esim_error *err)
{
    esim_capture *c = esim_capture_open_mem(d, n, err);
    if (!c)
        return -1;
    return run(t, c, "capture", err);
}

