/* libFuzzer harness: the profile package audit on arbitrary bytes (every check, the JSON and
 * text renderings, with and without --show-keys), and the policy parser. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "esim/audit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    esim_audit_opts o = {.profile_class = -1, .show_keys = size % 2 == 1, .expect_test = size % 3 == 0};
    esim_audit_report r;
    esim_error err;
    if (esim_audit_upp(data, size, &o, &r, &err) == 0) {
        json_object *j = esim_audit_report_json(&r, "fuzz");
        json_object_put(j);
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            esim_audit_print_text(f, &r, "fuzz");
            fclose(f);
        }
        esim_audit_report_free(&r);
    }
    esim_audit_policy *p = NULL;
    if (esim_audit_policy_parse((const char *)data, size, "fuzz", &p, &err) == 0)
        esim_audit_policy_free(p);
    return 0;
}
