/* esimscope trace on synthetic captures: one capture per verdict (installed, failed by the eUICC,
 * by the SM-DP+, by a STORE DATA status word, cancelled, incomplete) and the protocol-violation
 * findings. The captures hold GSMTAP-SIM T=0 exchanges on the ISD-R channel and ES9+ JSON over
 * HTTP, built from DER written in this file (test_trace_util.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "esim/hex.h"
#include "esim/trace.h"
#include "test_trace_util.h"
#include "testutil.h"

#define TID "0A0B0C0D0E0F1011"
#define EID "89049032123451234512345678901235"
#define ICCID "89001012345678901234"

typedef struct sink {
    unsigned apdu, es10, es9p, sessions;
    unsigned err_findings, warn_findings;
    char findings[4096];
    unsigned es10_with_tree;
    char es9p_functions[256];
    char es9p_summary[512];
} sink;

static void on_event(const esim_trace_event *ev, void *user)
{
    sink *s = user;
    switch (ev->type) {
    case ESIM_TRACE_EV_APDU: s->apdu++; break;
    case ESIM_TRACE_EV_ES10:
        s->es10++;
        if (ev->command || ev->response)
            s->es10_with_tree++;
        break;
    case ESIM_TRACE_EV_ES9P: {
        s->es9p++;
        size_t l = strlen(s->es9p_functions);
        snprintf(s->es9p_functions + l, sizeof s->es9p_functions - l, "%s%s", l ? " " : "",
                 ev->function);
        snprintf(s->es9p_summary, sizeof s->es9p_summary, "%s", ev->summary);
        break;
    }
    case ESIM_TRACE_EV_SESSION: s->sessions++; break;
    case ESIM_TRACE_EV_FINDING:
        if (ev->severity == ESIM_SEV_ERROR)
            s->err_findings++;
        else
            s->warn_findings++;
        size_t l = strlen(s->findings);
        snprintf(s->findings + l, sizeof s->findings - l, "%s\n", ev->text);
        break;
    }
}

/* ---- messages ---- */

static const char *cert(void)
{
    const char *ecdsa = T("30", T("06", "2A8648CE3D040302", NULL), NULL);
    return T("30",
             T("30", T("A0", T("02", "02", NULL), NULL), T("02", "01", NULL), ecdsa,
               T("30", "", NULL),
               T("30", T("17", UTF8("200101000000Z"), NULL), T("17", UTF8("300101000000Z"), NULL),
                 NULL),
               T("30", "", NULL),
               T("30", T("30", T("06", "2A8648CE3D0201", NULL), T("06", "2A8648CE3D030107", NULL),
                         NULL),
                 T("03", CAT("0004", FILL(0x66, 64), NULL), NULL), NULL),
               NULL),
             ecdsa, T("03", CAT("00", FILL(0x77, 70), NULL), NULL), NULL);
}

static const char *authenticate_server(void)
{
    return T("BF38",
             T("30", T("80", TID, NULL), T("81", FILL(1, 16), NULL),
               T("83", UTF8("smdp.example.com"), NULL), T("84", FILL(2, 16), NULL), NULL),
             T("5F37", FILL(3, 64), NULL), T("04", FILL(4, 20), NULL), cert(),
             T("A0", T("80", UTF8("MATCH-123"), NULL),
               T("A1", T("80", FILL(5, 8), NULL), T("A1", "", NULL), NULL), NULL),
             NULL);
}

static const char *prepare_download(void)
{
    return T("BF21", T("30", T("80", TID, NULL), T("01", "00", NULL), NULL),
             T("5F37", FILL(7, 64), NULL), cert(), NULL);
}

static const char *prepare_download_ok(void)
{
    return T("BF21",
             T("A0",
               T("30", T("80", TID, NULL), T("5F49", CAT("04", FILL(8, 64), NULL), NULL), NULL),
               T("5F37", FILL(9, 64), NULL), NULL),
             NULL);
}

static const char *pir(const char *final)
{
    return T("BF37",
             T("BF27", T("80", TID, NULL),
               T("BF2F", T("80", "01", NULL), T("81", "0780", NULL),
                 T("0C", UTF8("smdp.example.com"), NULL), T("5A", ICCID, NULL), NULL),
               T("A2", final, NULL), NULL),
             T("5F37", FILL(0xAB, 64), NULL), NULL);
}

static const char *pir_ok(void)
{
    return pir(T("A0", T("4F", "A0000005591010FFFFFFFF8900001100", NULL), T("04", "9000", NULL),
                 NULL));
}

static const char *pir_error(unsigned cmd, unsigned reason)
{
    char c[3], r[3];
    snprintf(c, sizeof c, "%02X", cmd);
    snprintf(r, sizeof r, "%02X", reason);
    return pir(T("A1", T("80", keep(g_strdup(c)), NULL), T("81", keep(g_strdup(r)), NULL), NULL));
}

static const char *bpp(const char *tid)
{
    const char *isc = T("BF23", T("82", "01", NULL), T("80", tid, NULL),
                        T("A6", T("80", "88", NULL), T("81", "10", NULL), T("84", "01", NULL), NULL),
                        T("5F49", CAT("04", FILL(0x11, 64), NULL), NULL),
                        T("5F37", FILL(0x22, 64), NULL), NULL);
    return T("BF36", isc, T("A0", T("87", FILL(0x33, 40), NULL), NULL),
             T("A1", T("88", FILL(0x44, 20), NULL), T("88", FILL(0x45, 20), NULL), NULL),
             T("A3", T("86", FILL(0x55, 300), NULL), T("86", FILL(0x56, 200), NULL), NULL), NULL);
}

/* Header length of the TLV at hex offset (in bytes) o. */
static size_t hdr_at(const uint8_t *b, size_t o, size_t *len)
{
    size_t i = o + ((b[o] & 0x1F) == 0x1F ? 2 : 1);
    if (b[i] < 0x80) {
        *len = b[i];
        return i + 1 - o;
    }
    unsigned k = b[i] & 0x7F;
    size_t v = 0;
    for (unsigned j = 0; j < k; j++)
        v = v << 8 | b[i + 1 + j];
    *len = v;
    return i + 1 + k - o;
}

/* The LoadBoundProfilePackage segments of a BPP (SGP.22 section 2.5.5), as hex. */
static size_t segments(const char *bpp_hex, const char *seg[16])
{
    size_t n, len, ns = 0;
    uint8_t *b = bytes_of(bpp_hex, &n);
    size_t h = hdr_at(b, 0, &len), o = h;
    size_t hi = hdr_at(b, o, &len);
    seg[ns++] = keep(g_strndup(bpp_hex, 2 * (h + hi + len)));
    o += hi + len;
    while (o < n && ns < 16) {
        size_t pl, ph = hdr_at(b, o, &pl), end = o + ph + pl, c = o + ph;
        bool with_first = b[o] == 0xA0 || b[o] == 0xA2;
        if (with_first) {
            size_t cl, chh = hdr_at(b, c, &cl);
            seg[ns++] = keep(g_strndup(bpp_hex + 2 * o, 2 * (ph + chh + cl)));
            c += chh + cl;
        } else {
            seg[ns++] = keep(g_strndup(bpp_hex + 2 * o, 2 * ph));
        }
        while (c < end && ns < 16) {
            size_t cl, chh = hdr_at(b, c, &cl);
            seg[ns++] = keep(g_strndup(bpp_hex + 2 * c, 2 * (chh + cl)));
            c += chh + cl;
        }
        o = end;
    }
    g_free(b);
    return ns;
}

static const char *ok_header = "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}";

/* ES9+ up to getBoundProfilePackage, and the ES10 side up to PrepareDownload. */
static void download_start(cap *c, bool es9_bpp)
{
    cap_card_setup(c);
    cap_gsmtap(c, "00B0000002AABB9000"); /* a non-eSIM APDU on channel 0 */
    cap_es10(c, T("BF3E", T("5C", "5A", NULL), NULL), T("BF3E", T("5A", EID, NULL), NULL));
    cap_es10(c, "BF2E00", T("BF2E", T("80", FILL(1, 16), NULL), NULL));
    char *ch = b64_of(FILL(1, 16));
    char *req = g_strdup_printf("{\"smdpAddress\":\"smdp.example.com\",\"euiccChallenge\":\"%s\"}", ch);
    char *rsp = g_strdup_printf("%s,\"transactionId\":\"%s\"}", ok_header, TID);
    cap_es9p(c, "initiateAuthentication", req, rsp);
    g_free(req), g_free(rsp), g_free(ch);
    cap_es10(c, authenticate_server(), "");
    char *asr = b64_of(T("30", FILL(0x12, 30), NULL));
    req = g_strdup_printf("{\"transactionId\":\"%s\",\"authenticateServerResponse\":\"%s\"}", TID, asr);
    char *md = b64_of(T("BF25", T("5A", ICCID, NULL), T("91", UTF8("Example"), NULL),
                        T("92", UTF8("Test profile"), NULL), NULL));
    rsp = g_strdup_printf("%s,\"transactionId\":\"%s\",\"profileMetadata\":\"%s\"}", ok_header, TID, md);
    cap_es9p(c, "authenticateClient", req, rsp);
    g_free(req), g_free(rsp), g_free(asr), g_free(md);
    cap_es10(c, prepare_download(), prepare_download_ok());
    char *pdr = b64_of(prepare_download_ok());
    char *b = b64_of(bpp(TID));
    req = g_strdup_printf("{\"transactionId\":\"%s\",\"prepareDownloadResponse\":\"%s\"}", TID, pdr);
    rsp = g_strdup_printf("%s,\"transactionId\":\"%s\",\"boundProfilePackage\":\"%s\"}", ok_header,
                          TID, b);
    cap_es9p(c, "getBoundProfilePackage", req, es9_bpp ? rsp : NULL);
    g_free(req), g_free(rsp), g_free(pdr), g_free(b);
}

/* With ESIM_TRACE_DUMP=DIR the captures are also written there (tests/cli/trace.sh uses them). */
static void dump(const cap *c, const char *name)
{
    const char *dir = getenv("ESIM_TRACE_DUMP");
    if (!dir)
        return;
    char *path = g_strdup_printf("%s/%s.pcap", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(c->f.p, 1, c->f.n, f), c->f.n);
    fclose(f);
    g_free(path);
}

/* Sessions as one line each: what both decoding modes must agree on. */
static char *sessions_text(esim_trace *t)
{
    GString *g = g_string_new(NULL);
    esim_sessions *ss = esim_trace_sessions(t);
    for (size_t i = 0; i < esim_sessions_count(ss); i++) {
        const esim_session *se = esim_sessions_at(ss, i);
        g_string_append_printf(g, "%s %s eid=%s iccid=%s mid=%s smdp=%s name=%s fail=%s/%s/%s "
                               "bpp=%d\n", se->tid_hex, esim_verdict_name(esim_session_verdict(se)),
                               se->eid, se->iccid, se->matching_id, se->smdp_address,
                               se->profile_name, se->fail_step, se->fail_code, se->fail_name,
                               se->bpp_match);
    }
    return g_string_free(g, FALSE);
}

/* Runs the capture with decoded trees (as for --json -v), without (--json: the fast path) and
 * without even the ES10 trees (the default report), checks that all give the same sessions,
 * and returns the second run. */
static esim_trace *run_cap(cap *c, sink *s, esim_trace_opts *o)
{
    esim_trace_opts trees = {.decode_trees = true}, fast = {0}, report = {.no_es10_trees = true};
    esim_error err = {{0}};
    sink s1 = {0}, s3 = {0};
    esim_trace *t1 = esim_trace_new(o ? o : &trees, on_event, &s1);
    assert_non_null(t1);
    assert_int_equal(esim_trace_run_mem(t1, c->f.p, c->f.n, &err), 0);
    if (!o) {
        esim_trace *t3 = esim_trace_new(&report, on_event, &s3);
        assert_non_null(t3);
        assert_int_equal(esim_trace_run_mem(t3, c->f.p, c->f.n, &err), 0);
        char *a = sessions_text(t1), *b = sessions_text(t3);
        assert_string_equal(a, b);
        assert_int_equal(s1.err_findings, s3.err_findings);
        g_free(a), g_free(b);
        esim_trace_free(t3);
    }
    esim_trace *t = esim_trace_new(o ? o : &fast, on_event, s);
    assert_non_null(t);
    assert_int_equal(esim_trace_run_mem(t, c->f.p, c->f.n, &err), 0);
    char *a = sessions_text(t1), *b = sessions_text(t);
    assert_string_equal(a, b);
    assert_int_equal(s1.err_findings, s->err_findings);
    g_free(a), g_free(b);
    esim_trace_free(t1);
    return t;
}

static esim_session *only_session(esim_trace *t)
{
    assert_int_equal(esim_sessions_count(esim_trace_sessions(t)), 1);
    return esim_sessions_at(esim_trace_sessions(t), 0);
}

static void installed(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    download_start(&c, true);
    const char *seg[16];
    size_t ns = segments(bpp(TID), seg);
    assert_int_equal(ns, 8);
    for (size_t i = 0; i < ns; i++)
        cap_es10(&c, seg[i], i + 1 == ns ? pir_ok() : "");
    dump(&c, "installed");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    esim_session *se = only_session(t);
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_INSTALLED);
    assert_string_equal(se->tid_hex, TID);
    assert_string_equal(se->eid, EID);
    assert_string_equal(se->iccid, ICCID);
    assert_string_equal(se->matching_id, "MATCH-123");
    assert_string_equal(se->smdp_address, "smdp.example.com");
    assert_string_equal(se->profile_name, "Test profile");
    assert_int_equal(se->bpp_segments, 8);
    assert_int_equal(se->bpp_match, 1);
    assert_int_equal(se->bpp_len, strlen(bpp(TID)) / 2);
    assert_true(se->nsteps >= 12);
    /* GetEID and GetEuiccChallenge came before the transactionId: they lead the timeline */
    assert_string_equal(se->steps[0].function, "GetEID");
    assert_string_equal(se->steps[1].function, "GetEuiccChallenge");
    assert_int_equal(s.err_findings, 0);
    assert_int_equal(s.es9p, 6);
    /* GetEID, GetEuiccChallenge, AuthenticateServer, PrepareDownload, 8 segments */
    assert_int_equal(s.es10, 12);
    assert_true(s.es10_with_tree >= 2); /* BF23 and the ProfileInstallationResult */
    const esim_trace_stats *st = esim_trace_get_stats(t);
    assert_int_equal(st->verdicts[ESIM_VERDICT_INSTALLED], 1);
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

static void failed_euicc(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    download_start(&c, true);
    const char *seg[16];
    size_t ns = segments(bpp(TID), seg);
    for (size_t i = 0; i < 7; i++)
        cap_es10(&c, seg[i], i == 6 ? pir_error(5, 8) : "");
    dump(&c, "failed_euicc");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    esim_session *se = only_session(t);
    assert_true(ns == 8);
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_FAILED);
    assert_int_equal(se->fail_side, ESIM_SIDE_EUICC);
    assert_string_equal(se->fail_step, "LoadBoundProfilePackage");
    assert_string_equal(se->fail_code, "errorReason 8");
    assert_string_equal(se->fail_name, "scp03tSecurityError");
    assert_non_null(strstr(se->fail_text, "bppCommandId 5 (loadProfileElements)"));
    assert_non_null(strstr(se->fail_text, "MAC check failed"));
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

static void failed_smdp(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    cap_card_setup(&c);
    char *rsp = g_strdup_printf("%s,\"transactionId\":\"%s\"}", ok_header, TID);
    cap_es9p(&c, "initiateAuthentication", "{\"smdpAddress\":\"smdp.example.com\"}", rsp);
    g_free(rsp);
    cap_es10(&c, authenticate_server(), "");
    char *req = g_strdup_printf("{\"transactionId\":\"%s\",\"authenticateServerResponse\":\"MDAw\"}", TID);
    cap_es9p(&c, "authenticateClient", req,
             "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
             "{\"subjectCode\":\"8.2.6\",\"reasonCode\":\"3.8\",\"message\":\"Refused\"}}}}");
    g_free(req);
    dump(&c, "failed_smdp");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    esim_session *se = only_session(t);
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_FAILED);
    assert_int_equal(se->fail_side, ESIM_SIDE_SMDP);
    assert_string_equal(se->fail_step, "authenticateClient");
    assert_string_equal(se->fail_code, "8.2.6/3.8");
    assert_string_equal(se->fail_name, "Matching ID: Refused");
    assert_non_null(strstr(se->fail_text, "matching ID refused"));
    assert_string_equal(se->matching_id, "MATCH-123");
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

static void failed_prepare(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    cap_card_setup(&c);
    cap_es10(&c, authenticate_server(), "");
    cap_es10(&c, prepare_download(),
             T("BF21", T("A1", T("80", TID, NULL), T("02", "05", NULL), NULL), NULL));
    dump(&c, "failed_prepare");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    esim_session *se = only_session(t);
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_FAILED);
    assert_int_equal(se->fail_side, ESIM_SIDE_EUICC);
    assert_string_equal(se->fail_step, "PrepareDownload");
    assert_string_equal(se->fail_code, "downloadResponseError 5");
    assert_string_equal(se->fail_name, "invalidTransactionId");
    assert_non_null(strstr(se->fail_text, "differs from the one of AuthenticateServer"));
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

static void failed_store_data_sw(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    download_start(&c, true);
    const char *seg[16];
    segments(bpp(TID), seg);
    for (size_t i = 0; i < 3; i++)
        cap_es10(&c, seg[i], "");
    cap_es10_sw(&c, seg[3], "", 0x6A80, 0);
    dump(&c, "failed_store_data_sw");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    esim_session *se = only_session(t);
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_FAILED);
    assert_string_equal(se->fail_code, "SW 6A80");
    assert_int_equal(se->fail_side, ESIM_SIDE_EUICC);
    assert_non_null(strstr(se->fail_text, "after segment 3"));
    assert_true(s.err_findings >= 1);
    assert_non_null(strstr(s.findings, "unexpected status word"));
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

static void cancelled(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    download_start(&c, false);
    cap_es10(&c, T("BF41", T("80", TID, NULL), T("81", "00", NULL), NULL),
             T("BF41", T("A0", T("30", T("80", TID, NULL), T("81", "2B060104010203", NULL),
                                 T("82", "00", NULL), NULL),
                         T("5F37", FILL(9, 64), NULL), NULL), NULL));
    dump(&c, "cancelled");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    esim_session *se = only_session(t);
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_CANCELLED);
    assert_string_equal(se->cancel_reason, "endUserRejection");
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

static void incomplete(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    download_start(&c, true);
    const char *seg[16];
    segments(bpp(TID), seg);
    for (size_t i = 0; i < 5; i++)
        cap_es10(&c, seg[i], "");
    dump(&c, "incomplete");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    esim_session *se = only_session(t);
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_INCOMPLETE);
    assert_int_equal(se->bpp_segments, 5);
    assert_int_equal(se->bpp_match, -1);
    assert_non_null(strstr(se->steps[se->nsteps - 1].detail, "capture ended during the BPP load"));
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

/* Protocol violations: a segment before any InitialiseSecureChannel, a MAC-only '88' segment
 * among the '86' ones, and a BPP that differs from the one the SM-DP+ sent. */
static void violations(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    cap_card_setup(&c);
    cap_es10(&c, T("A0", T("87", FILL(0x33, 40), NULL), NULL), "");
    download_start(&c, true);
    const char *seg[16];
    size_t ns = segments(bpp(TID), seg);
    for (size_t i = 0; i < ns; i++) {
        if (i == 4)
            continue; /* the second '88' ... */
        char *s = g_strdup(seg[i]);
        if (i == 7) {
            cap_es10(&c, seg[4], ""); /* ... comes after the '86' segments begin */
            s[strlen(s) - 1] ^= 1;    /* and the last segment is altered */
        }
        cap_es10(&c, s, i + 1 == ns ? pir_ok() : "");
        g_free(s);
    }
    dump(&c, "violations");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    esim_session *se = only_session(t);
    assert_non_null(strstr(s.findings, "without a preceding InitialiseSecureChannel"));
    assert_non_null(strstr(s.findings, "MAC-only '88' segment out of order"));
    assert_non_null(strstr(s.findings, "differs from the one the SM-DP+ sent"));
    assert_int_equal(se->bpp_match, 0);
    assert_true(s.err_findings >= 3);
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

/* PrepareDownload carries another transactionId than the AuthenticateServer before it. */
static void es10_tid_mismatch(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    cap_card_setup(&c);
    cap_es10(&c, authenticate_server(), "");
    cap_es10(&c, T("BF21", T("30", T("80", "DEAD", NULL), T("01", "00", NULL), NULL),
                   T("5F37", FILL(7, 64), NULL), cert(), NULL), "");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    assert_non_null(strstr(s.findings, "transactionId mismatch: PrepareDownload carries DEAD, the "
                                       "session on this card is " TID));
    assert_int_equal(s.err_findings, 1);
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

/* The ES9+ transactionId outside and the one inside the signed data disagree; bad base64. */
static void es9p_mismatch(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    char *pdr = b64_of(prepare_download_ok()); /* carries TID */
    char *req = g_strdup_printf("{\"transactionId\":\"FFEEDDCC\",\"prepareDownloadResponse\":\"%s\","
                                "\"boundProfilePackage\":\"%%%%not base64\"}", pdr);
    cap_es9p(&c, "getBoundProfilePackage", req, NULL);
    cap_es9p(&c, "handleNotification", "{not json", NULL);
    g_free(req), g_free(pdr);
    dump(&c, "es9p_mismatch");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    assert_non_null(strstr(s.findings, "transactionId mismatch"));
    assert_non_null(strstr(s.findings, "boundProfilePackage is not valid base64"));
    assert_non_null(strstr(s.findings, "not valid JSON"));
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

/* The ES9+ ASN.1 binding (SGP.22 section 6.6): RemoteProfileProvisioningRequest/Response in
 * application/x-gsma-rsp-asn1 bodies; the function comes from the CHOICE member. */
static void asn1_binding(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    const char *req = T("A2", T("BF39", T("81", FILL(1, 16), NULL),
                                T("83", UTF8("smdp.example.com"), NULL),
                                T("BF20", T("82", "020200", NULL),
                                  T("A9", T("04", FILL(0xC1, 20), NULL), NULL),
                                  T("AA", T("04", FILL(0xC1, 20), NULL), NULL), NULL), NULL), NULL);
    const char *rsp = T("A2", T("BF39", T("81", "01", NULL), NULL), NULL);
    size_t qn, rn;
    uint8_t *q = bytes_of(req, &qn), *r = bytes_of(rsp, &rn);
    GString *m = g_string_new(NULL);
    g_string_printf(m, "POST /gsma/rsp2/asn1 HTTP/1.1\r\nContent-Type: application/x-gsma-rsp-asn1"
                       "\r\nContent-Length: %zu\r\n\r\n", qn);
    g_string_append_len(m, (const char *)q, (gssize)qn);
    cap_tcp(&c, 0, m->str, m->len);
    g_string_printf(m, "HTTP/1.1 200 OK\r\nContent-Type: application/x-gsma-rsp-asn1\r\n"
                       "Content-Length: %zu\r\n\r\n", rn);
    g_string_append_len(m, (const char *)r, (gssize)rn);
    cap_tcp(&c, 1, m->str, m->len);
    g_string_free(m, TRUE);
    g_free(q), g_free(r);
    dump(&c, "asn1_binding");
    sink s = {0};
    esim_trace *t = run_cap(&c, &s, NULL);
    assert_int_equal(s.es9p, 2);
    assert_string_equal(s.es9p_functions,
                        "initiateAuthentication initiateAuthentication");
    assert_non_null(strstr(s.es9p_summary, "initiateAuthenticationError 1"));
    esim_trace_free(t);
    free(c.f.p);
    der_free_all();
}

/* Every prefix of a full download capture: never a crash, the session never "installed" before
 * the result is in. */
static void truncated(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    download_start(&c, true);
    const char *seg[16];
    size_t ns = segments(bpp(TID), seg);
    for (size_t i = 0; i < ns; i++)
        cap_es10(&c, seg[i], i + 1 == ns ? pir_ok() : "");
    unsigned installed_seen = 0;
    for (size_t cut = 24; cut < c.f.n; cut += 97) {
        sink s = {0};
        esim_trace_opts o = {0};
        esim_trace *t = esim_trace_new(&o, on_event, &s);
        esim_error err = {{0}};
        assert_int_equal(esim_trace_run_mem(t, c.f.p, cut, &err), 0);
        esim_sessions *ss = esim_trace_sessions(t);
        for (size_t i = 0; i < esim_sessions_count(ss); i++)
            installed_seen += esim_session_verdict(esim_sessions_at(ss, i)) == ESIM_VERDICT_INSTALLED;
        esim_trace_free(t);
    }
    assert_int_equal(installed_seen, 0); /* the PIR is in the last packets */
    free(c.f.p);
    der_free_all();
}

/* Damaged copies of a full download (bytes changed at pseudo-random places: link headers,
 * GSMTAP lengths, TCP sequence numbers, DER, JSON, base64): the trace runs to the end, never
 * crashes (ASan/UBSan), and reports what it cannot decode as findings. */
static void corrupted(void **state)
{
    (void)state;
    cap c;
    cap_start(&c);
    download_start(&c, true);
    const char *seg[16];
    size_t ns = segments(bpp(TID), seg);
    for (size_t i = 0; i < ns; i++)
        cap_es10(&c, seg[i], i + 1 == ns ? pir_ok() : "");
    uint8_t *d = malloc(c.f.n);
    uint32_t x = 2463534242u;
    unsigned with_findings = 0;
    for (unsigned round = 0; round < 60; round++) {
        memcpy(d, c.f.p, c.f.n);
        for (unsigned k = 0; k < 1 + round % 12; k++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            size_t at = 24 + x % (c.f.n - 24); /* keep the pcap header */
            d[at] ^= (uint8_t)(x >> 24 | 1);
        }
        for (int mode = 0; mode < 3; mode++) { /* trees, fast path, report (no ES10 trees) */
            sink s = {0};
            esim_trace_opts o = {.decode_trees = mode == 0, .no_es10_trees = mode == 2};
            esim_trace *t = esim_trace_new(&o, on_event, &s);
            esim_error err = {{0}};
            assert_int_equal(esim_trace_run_mem(t, d, c.f.n, &err), 0);
            with_findings += s.err_findings + s.warn_findings > 0;
            esim_trace_free(t);
        }
    }
    assert_true(with_findings > 0);
    free(d);
    free(c.f.p);
    der_free_all();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(installed),   cmocka_unit_test(failed_euicc),
        cmocka_unit_test(failed_smdp), cmocka_unit_test(failed_prepare),
        cmocka_unit_test(failed_store_data_sw),
        cmocka_unit_test(cancelled),   cmocka_unit_test(incomplete),
        cmocka_unit_test(violations),  cmocka_unit_test(es9p_mismatch),
        cmocka_unit_test(es10_tid_mismatch),
        cmocka_unit_test(asn1_binding), cmocka_unit_test(truncated),
        cmocka_unit_test(corrupted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
