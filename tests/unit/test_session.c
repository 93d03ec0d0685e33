/* Session bookkeeping (session.c) and the tables behind the diagnosis (es10_names.c,
 * es9p_status.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "esim/asn1_decode.h"
#include "esim/enum_names.h"
#include "esim/es10_names.h"
#include "esim/es9p_status.h"
#include "esim/session.h"

static const uint8_t tid1[] = {1, 2, 3, 4}, tid2[] = {9, 9};

static void pending_steps_lead_the_next_session(void **state)
{
    (void)state;
    esim_sessions *s = esim_sessions_new();
    esim_session *p = esim_sessions_pending(s);
    for (unsigned i = 0; i < 40; i++) /* more than the pending list keeps */
        esim_session_add_step(p, 10 + i, 100, i, "ES10b", "GetEuiccChallenge", false, "n%u", i);
    esim_session_set(p->smdp_address, sizeof p->smdp_address, "smdp.example");
    esim_session *se = esim_sessions_get(s, tid1, sizeof tid1);
    assert_non_null(se);
    assert_string_equal(se->tid_hex, "01020304");
    assert_string_equal(se->smdp_address, "smdp.example");
    /* the newest 32 were kept, oldest dropped and counted */
    assert_int_equal(se->nsteps, 32);
    assert_int_equal(se->steps_dropped, 8);
    assert_string_equal(se->steps[0].detail, "n8");
    assert_int_equal(se->first_frame, 18);
    /* the session then grows to its own capacity */
    for (unsigned i = 0; i < 300; i++)
        esim_session_add_step(se, 100 + i, 101, 0, "ES9+", "x", false, "s%u", i);
    assert_int_equal(se->nsteps, ESIM_SESSION_MAX_STEPS);
    assert_int_equal(se->last_frame, 399);
    assert_int_equal(esim_sessions_pending(s)->nsteps, 0);
    /* same tid → same session; another tid → another */
    assert_ptr_equal(esim_sessions_get(s, tid1, sizeof tid1), se);
    esim_session *se2 = esim_sessions_get(s, tid2, sizeof tid2);
    assert_ptr_not_equal(se2, se);
    assert_int_equal(se2->id, 2);
    assert_int_equal(se2->nsteps, 0);
    assert_null(esim_sessions_get(s, tid1, 0));
    assert_int_equal(esim_sessions_count(s), 2);
    esim_sessions_free(s);
}

static void verdicts(void **state)
{
    (void)state;
    esim_sessions *s = esim_sessions_new();
    esim_session *se = esim_sessions_get(s, tid1, sizeof tid1);
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_INCOMPLETE);
    se->cancelled = true;
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_CANCELLED);
    se->installed = true;
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_INSTALLED);
    esim_session_fail(se, 7, ESIM_SIDE_SMDP, "authenticateClient", "8.2.6/3.8", "n1", "first");
    esim_session_fail(se, 9, ESIM_SIDE_EUICC, "LoadBoundProfilePackage", "x", "n2", "second");
    assert_int_equal(esim_session_verdict(se), ESIM_VERDICT_FAILED);
    assert_int_equal(se->fail_frame, 7);
    assert_string_equal(se->fail_text, "first");
    assert_string_equal(esim_side_name(se->fail_side), "SM-DP+");
    esim_session *d = esim_sessions_get(s, tid2, sizeof tid2);
    d->seen_es11 = true;
    assert_int_equal(esim_session_verdict(d), ESIM_VERDICT_DISCOVERED);
    d->seen_es9p = true;
    assert_int_equal(esim_session_verdict(d), ESIM_VERDICT_INCOMPLETE);
    d->auth_only = true;
    assert_int_equal(esim_session_verdict(d), ESIM_VERDICT_DISCOVERED);
    d->seen_download = true;
    assert_int_equal(esim_session_verdict(d), ESIM_VERDICT_INCOMPLETE);
    assert_string_equal(esim_verdict_name(ESIM_VERDICT_INCOMPLETE), "incomplete");
    esim_sessions_free(s);
}

static void relative_time(void **state)
{
    (void)state;
    esim_sessions *s = esim_sessions_new();
    esim_session *se = esim_sessions_get(s, tid1, sizeof tid1);
    esim_session_add_step(se, 1, 1000, 900000000, "", "", false, "a");
    esim_session_add_step(se, 2, 1002, 100000000, "", "", false, "b");
    assert_true(esim_session_reltime(se, 1002, 100000000) > 1.19999);
    assert_true(esim_session_reltime(se, 1002, 100000000) < 1.20001);
    assert_int_equal(se->t1_sec, 1002);
    esim_sessions_free(s);
}

/* Every ES10 tag the table names must be a BF tag whose ASN.1 types exist in the modules; the
 * explanation tables must cover every named value of the error types they explain. */
static void es10_table(void **state)
{
    (void)state;
    const esim_es10_info *i = esim_es10_lookup(0xBF38);
    assert_non_null(i);
    assert_string_equal(i->function, "AuthenticateServer");
    assert_string_equal(i->response_type, "AuthenticateServerResponse");
    assert_string_equal(esim_es10_lookup(0xBF3E)->request_type, "GetEuiccDataRequest");
    assert_null(esim_es10_lookup(0xBF99));
    unsigned entries = 0;
    for (unsigned tag = 0xBF00; tag <= 0xBF7F; tag++) {
        const esim_es10_info *e = esim_es10_lookup((uint16_t)tag);
        if (!e)
            continue;
        entries++;
        if (!esim_asn1_type(e->request_type))
            fail_msg("%04X: no ASN.1 type %s", tag, e->request_type);
        if (e->response_type && !esim_asn1_type(e->response_type))
            fail_msg("%04X: no ASN.1 type %s", tag, e->response_type);
    }
    assert_true(entries >= 25);
    const uint8_t cmd[] = {0xBF, 0x2E, 0x00}, seg[] = {0xA0, 0x01};
    assert_int_equal(esim_es10_tag(cmd, sizeof cmd), 0xBF2E);
    assert_int_equal(esim_es10_tag(seg, sizeof seg), 0);
    assert_int_equal(esim_es10_tag(cmd, 1), 0);
    const char *types[] = {"ErrorReason", "AuthenticateErrorCode", "DownloadErrorCode",
                           "CancelSessionReason"};
    for (size_t t = 0; t < 4; t++) {
        unsigned named = 0;
        for (size_t k = 0; k < esim_enum_names_count; k++) {
            if (strcmp(esim_enum_names[k].type, types[t]))
                continue;
            named++;
            if (!esim_es10_error_explain(types[t], esim_enum_names[k].value))
                fail_msg("%s %ld (%s) has no explanation", types[t], esim_enum_names[k].value,
                         esim_enum_names[k].name);
        }
        assert_true(named > 0);
    }
}

static void es9p_codes(void **state)
{
    (void)state;
    char b[200];
    assert_string_equal(esim_es9p_subject("8.2.6")->name, "Matching ID");
    assert_string_equal(esim_es9p_reason("3.8")->name, "Refused");
    assert_non_null(strstr(esim_es9p_explain("8.2.6", "3.8", b, sizeof b), "matching ID refused"));
    assert_string_equal(esim_es9p_explain("8.8", "4.2", b, sizeof b), "SM-DP+: Execution error");
    assert_string_equal(esim_es9p_explain("9.9", "9.9", b, sizeof b),
                        "unknown subject: unknown reason");
    assert_non_null(esim_es9p_explain(NULL, NULL, b, sizeof b));
    /* every pair uses codes the subject/reason tables define */
    const char *pairs[][2] = {{"8.1.1", "3.8"}, {"8.1.2", "6.1"}, {"8.1.3", "6.3"},
                              {"8.10.1", "3.9"}, {"8.8.5", "4.10"}, {"8.2.7", "2.2"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        assert_non_null(esim_es9p_pair(pairs[i][0], pairs[i][1]));
        assert_non_null(esim_es9p_subject(pairs[i][0]));
        assert_non_null(esim_es9p_reason(pairs[i][1]));
    }
    /* ASN.1 binding errors (SGP.22 6.6) -> the JSON binding's status codes */
    const esim_status_pair *p = esim_es9p_asn1_error("authenticateClientResponseEs9", 6);
    assert_non_null(p);
    assert_string_equal(p->subject, "8.2.6");
    assert_string_equal(p->reason, "3.8");
    p = esim_es9p_asn1_error("getBoundProfilePackageResponse", 3);
    assert_non_null(p);
    assert_string_equal(p->subject, "8.2.7");
    assert_null(esim_es9p_asn1_error("authenticateClientResponseEs11", 6)); /* eventIdUnknown */
    assert_null(esim_es9p_asn1_error("authenticateClientResponseEs9", 127));
    assert_null(esim_es9p_asn1_error("initiateAuthenticationResponse", 1));
    assert_null(esim_es9p_asn1_error(NULL, 1));
    /* every row of the mapping resolves to a pair of the status code table */
    static const struct { const char *alt; long v[10]; } rows[] = {
        {"authenticateClientResponseEs9", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
        {"authenticateClientResponseEs11", {1, 2, 3, 4, 5, 7}},
        {"getBoundProfilePackageResponse", {1, 2, 3, 4, 6, 95}},
        {"cancelSessionResponseEs9", {1, 2}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        for (size_t k = 0; k < 10 && rows[i].v[k]; k++)
            if (!esim_es9p_asn1_error(rows[i].alt, rows[i].v[k]))
                fail_msg("%s %ld has no status code", rows[i].alt, rows[i].v[k]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pending_steps_lead_the_next_session),
        cmocka_unit_test(verdicts),
        cmocka_unit_test(relative_time),
        cmocka_unit_test(es10_table),
        cmocka_unit_test(es9p_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
