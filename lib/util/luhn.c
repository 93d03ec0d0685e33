/* Luhn check digit (see luhn.h). */
#include <string.h>
#include "esim/luhn.h"

/* Sum of the digits with every second one doubled, starting with the rightmost when
 * double_first. */
static unsigned luhn_sum(const char *d, size_t n, bool double_first)
{
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = (unsigned)(d[n - 1 - i] - '0');
        if ((i % 2 == 0) == double_first) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
    }
    return sum;
}

char esim_luhn_digit(const char *d)
{
    return (char)('0' + (10 - luhn_sum(d, strlen(d), true) % 10) % 10);
}

bool esim_luhn_ok(const char *d)
{
    size_t n = strlen(d);
    return n > 0 && luhn_sum(d, n, false) % 10 == 0;
}
