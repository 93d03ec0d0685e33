/* Identity checks: ICCID (header and EF.ICCID, both nibble orders) and IMSI (EF.IMSI). */
#include <string.h>
#include "audit_internal.h"
#include "esim/luhn.h"
#include "esim/hex.h"

static bool all_digits(const char *s)
{
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Header ICCID digits; which nibble order the header used. false when absent. */
static bool header_iccid(const audit_ctx *c, char out[21], bool *plain, long *hi)
{
    const ProfileHeader_t *h = audit_header(c, hi);
    if (!h || h->iccid.size != 10)
        return false;
    *plain = esim_iccid_digits(h->iccid.buf, 10, out);
    return true;
}

AUDIT_CHECK(audit_iccid_malformed)
{
    char d[21];
    bool plain;
    long hi;
    if (!header_iccid(c, d, &plain, &hi))
        return;
    size_t n = strlen(d);
    if (n < 18 || !all_digits(d) || strncmp(d, "89", 2) != 0)
        audit_emit(c, k, hi, "header/iccid", "header ICCID \"%s\" (%s nibbles) is not 18-20 decimal digits starting with 89",
                   d, plain ? "plain" : "swapped");
}

AUDIT_CHECK(audit_iccid_luhn)
{
    char d[21];
    bool plain;
    long hi;
    if (!header_iccid(c, d, &plain, &hi))
        return;
    size_t n = strlen(d);
    if (n >= 19 && all_digits(d) && !esim_luhn_ok(d))
        audit_emit(c, k, hi, "header/iccid", "ICCID %s fails the Luhn check (last digit should make the sum a multiple of 10)", d);
}

AUDIT_CHECK(audit_iccid_mismatch)
{
    char d[21];
    bool plain;
    long hi;
    if (!header_iccid(c, d, &plain, &hi))
        return;
    for (size_t i = 0; i < c->n; i++) {
        const OCTET_STRING_t *os = audit_file_content(c->pes[i].pe, "ef-iccid");
        if (!os)
            continue;
        /* EF.ICCID is always stored with swapped nibbles (TS 102 221 13.2) */
        char ef[21] = "";
        if (os->size == 10)
            esim_bcd_swapped_to_digits(os->buf, 10, ef);
        if (strcmp(ef, d) != 0)
            audit_emit(c, k, (long)i, "mf/ef-iccid",
                       "EF.ICCID reads \"%s\" (swapped nibbles, %d bytes) but the header ICCID is %s (%s nibbles)", ef,
                       (int)os->size, d, plain ? "plain" : "swapped");
        return;
    }
}

long audit_imsi(const audit_ctx *c, char out[17], bool *malformed)
{
    out[0] = '\0';
    *malformed = false;
    for (size_t i = 0; i < c->n; i++) {
        const OCTET_STRING_t *os = audit_file_content(c->pes[i].pe, "ef-imsi");
        if (!os || c->pes[i].pe->present != ProfileElement_PR_usim)
            continue;
        /* TS 31.102 4.2.2: length byte, then digit 1 + parity/type nibble, then BCD digits */
        size_t l = os->size > 0 ? os->buf[0] : 0;
        if (l < 1 || l > 8 || (size_t)os->size < l + 1) {
            *malformed = true;
            return (long)i;
        }
        char d[2 * 8 + 1];
        size_t n = esim_bcd_swapped_to_digits(os->buf + 1, l, d);
        unsigned type = os->buf[1] & 0x0F;
        size_t digits = n > 0 ? n - 1 : 0;
        bool odd = digits % 2 == 1;
        if ((type & 0x07) != 0x01 || ((type & 0x08) != 0) != odd || digits < 6 || digits > 15 || !all_digits(d + 1) ||
            n != 2 * l - ((type & 0x08) ? 0 : 1)) {
            *malformed = true;
            return (long)i;
        }
        snprintf(out, 17, "%s", d + 1);
        return (long)i;
    }
    return -1;
}

AUDIT_CHECK(audit_imsi_malformed)
{
    char imsi[17];
    bool bad;
    long pe = audit_imsi(c, imsi, &bad);
    if (pe >= 0 && bad)
        audit_emit(c, k, pe, "usim/ef-imsi", "EF.IMSI content is not length + parity nibble + 6-15 BCD digits");
}

static esim_audit_severity test_sev(const audit_ctx *c, const esim_audit_check *k)
{
    return c->opts->expect_test || c->opts->profile_class == 0 ? ESIM_AUDIT_INFO : k->severity;
}

AUDIT_CHECK(audit_imsi_test_network)
{
    char imsi[17];
    bool bad;
    long pe = audit_imsi(c, imsi, &bad);
    if (pe < 0 || bad)
        return;
    if (strncmp(imsi, "001", 3) == 0 || strncmp(imsi, "999", 3) == 0)
        audit_emit_sev(c, k, test_sev(c, k), pe, "usim/ef-imsi", "IMSI %.5s... is in MCC %.3s (%s)", imsi, imsi,
                       imsi[0] == '0' ? "test networks" : "internal use");
}

AUDIT_CHECK(audit_imsi_mcc)
{
    char imsi[17];
    bool bad;
    long pe = audit_imsi(c, imsi, &bad);
    if (pe < 0 || bad || strncmp(imsi, "001", 3) == 0 || strncmp(imsi, "999", 3) == 0)
        return;
    bool geo = imsi[0] >= '2' && imsi[0] <= '7';
    bool shared = strncmp(imsi, "901", 3) == 0 || strncmp(imsi, "902", 3) == 0;
    if (!geo && !shared)
        audit_emit(c, k, pe, "usim/ef-imsi", "MCC %.3s is not an allocated Mobile Country Code range", imsi);
}
