/* Text helpers shared by the log format parsers: hex runs, times, dates. */
#include <stdbool.h>
#include <string.h>
#include "log_internal.h"

const char *log_find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (!k || k > n)
        return k ? NULL : s;
    const char *end = s + n - k + 1;
    for (const char *p = s; p < end; p++) {
        p = memchr(p, needle[0], (size_t)(end - p));
        if (!p)
            return NULL;
        if (!memcmp(p, needle, k))
            return p;
    }
    return NULL;
}

unsigned long log_number(const char *s, const char *e, const char **end)
{
    unsigned long v = 0;
    const char *p = s;
    for (; p < e && *p >= '0' && *p <= '9'; p++)
        if (v < 100000000000ul)
            v = v * 10 + (unsigned long)(*p - '0');
    if (end)
        *end = p;
    return v;
}

const char *log_skip_ws(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

/* hex digit value + 1 (0: not a hex digit) and the separators between hex bytes, by byte */
#define H(c, v) [c] = (v) + 1
static const uint8_t hexv[256] = {
    H('0', 0), H('1', 1), H('2', 2), H('3', 3), H('4', 4), H('5', 5), H('6', 6), H('7', 7),
    H('8', 8), H('9', 9), H('A', 10), H('B', 11), H('C', 12), H('D', 13), H('E', 14), H('F', 15),
    H('a', 10), H('b', 11), H('c', 12), H('d', 13), H('e', 14), H('f', 15)};
#undef H
static const bool separator[256] = {[' '] = true, ['\t'] = true, [','] = true, [':'] = true};

long log_hex_bytes(const char *s, size_t n, uint8_t *out, size_t cap, const char **end)
{
    const uint8_t *p = (const uint8_t *)s, *e = p + n;
    size_t count = 0;
    long rc = 0;
    while (p < e) {
        /* the common shape first: "A4 " */
        while (e - p >= 3 && hexv[p[0]] && hexv[p[1]] && separator[p[2]] && count < cap) {
            out[count++] = (uint8_t)((hexv[p[0]] - 1) << 4 | (hexv[p[1]] - 1));
            p += 3;
        }
        if (p == e)
            break;
        if (separator[*p]) {
            p++;
            continue;
        }
        if (*p == '0' && e - p > 2 && (p[1] | 0x20) == 'x' && hexv[p[2]])
            p += 2;
        /* a run of digits: pairs of them are bytes */
        const uint8_t *q = p;
        while (q < e && hexv[*q])
            q++;
        if (q == p)
            break;
        if ((q - p) & 1) {
            /* "9G": the character after the run is the culprit, not the digit count */
            if (!(q < e && !separator[*q]))
                rc = -1;
            p = q;
            break;
        }
        if ((size_t)(q - p) / 2 > cap - count) {
            rc = -1;
            break;
        }
        for (; p < q; p += 2)
            out[count++] = (uint8_t)((hexv[p[0]] - 1) << 4 | (hexv[p[1]] - 1));
    }
    if (end)
        *end = (const char *)p;
    return rc < 0 ? -1 : (long)count;
}

int64_t log_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    /* H. Hinnant's days_from_civil */
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *p, const char *e, int k, int *v)
{
    if (e - p < k)
        return false;
    int x = 0;
    for (int i = 0; i < k; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        x = x * 10 + (p[i] - '0');
    }
    *v = x;
    return true;
}

/* "YYYY-MM-DD" or "YYYY/MM/DD" ending right before p (one separator space allowed). */
static bool date_before(const char *s, const char *p, int64_t *day)
{
    const char *q = p;
    while (q > s && (q[-1] == ' ' || q[-1] == 'T'))
        q--;
    if (q - s < 10)
        return false;
    const char *d = q - 10;
    int y, mo, da;
    if (!digits(d, q, 4, &y) || (d[4] != '-' && d[4] != '/') || d[7] != d[4] ||
        !digits(d + 5, q, 2, &mo) || !digits(d + 8, q, 2, &da) || mo < 1 || mo > 12 || da < 1 ||
        da > 31)
        return false;
    *day = log_days_from_civil(y, (unsigned)mo, (unsigned)da) * 86400;
    return true;
}

bool log_find_time(const char *s, size_t n, int64_t *sod, uint32_t *nsec, int64_t *day,
                   bool *has_day)
{
    const char *e = s + n;
    for (const char *p = s; p + 8 <= e; p++) {
        p = memchr(p, ':', (size_t)(e - p));
        if (!p || e - p < 6)
            return false;
        if (p - s < 2)
            continue;
        int h, m, sec;
        const char *t = p - 2;
        if ((t > s && t[-1] >= '0' && t[-1] <= '9') || !digits(t, e, 2, &h) ||
            !digits(p + 1, e, 2, &m) || p[3] != ':' || !digits(p + 4, e, 2, &sec) || h > 23 ||
            m > 59 || sec > 60)
            continue;
        uint32_t ns = 0;
        const char *f = p + 6;
        if (f < e && (*f == '.' || *f == ',')) {
            uint32_t scale = 100000000;
            for (f++; f < e && *f >= '0' && *f <= '9'; f++) {
                ns += (uint32_t)(*f - '0') * scale;
                scale /= 10;
            }
        }
        *sod = (int64_t)h * 3600 + m * 60 + sec;
        *nsec = ns;
        if (has_day)
            *has_day = day && date_before(s, t, day);
        return true;
    }
    return false;
}

int esim_log_parse_date(const char *s, int64_t *out)
{
    int y, m, d;
    size_t n = strlen(s);
    if (n != 10 || !digits(s, s + n, 4, &y) || s[4] != '-' || !digits(s + 5, s + n, 2, &m) ||
        s[7] != '-' || !digits(s + 8, s + n, 2, &d) || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    *out = log_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400;
    return 0;
}
