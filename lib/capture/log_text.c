/* Text helpers shared by the log format parsers: hex runs, times, dates. */
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

const char *log_skip_ws(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t'))
        s++;
    return s;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long log_hex_bytes(const char *s, size_t n, uint8_t *out, size_t cap, const char **end)
{
    const char *p = s, *e = s + n;
    size_t count = 0;
    long rc = 0;
    while (p < e) {
        char c = *p;
        if (c == ' ' || c == '\t' || c == ',' || c == ':') {
            p++;
            continue;
        }
        if (c == '0' && p + 1 < e && (p[1] == 'x' || p[1] == 'X') && p + 2 < e &&
            hexval(p[2]) >= 0)
            p += 2;
        if (hexval(*p) < 0)
            break;
        /* a run of digits: pairs of them are bytes */
        const char *q = p;
        while (q < e && hexval(*q) >= 0)
            q++;
        if ((q - p) & 1) {
            /* "9G": the character after the run is the culprit, not the digit count */
            if (q < e && *q != ' ' && *q != '\t' && *q != ',' && *q != ':')
                p = q;
            else {
                rc = -1;
                p = q;
            }
            break;
        }
        for (; p < q; p += 2) {
            if (count == cap) {
                rc = -1;
                break;
            }
            out[count++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
        }
        if (rc < 0)
            break;
    }
    if (end)
        *end = p;
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
        if (!p || p - s < 2 || e - p < 6)
            return false;
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
