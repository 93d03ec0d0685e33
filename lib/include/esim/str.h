/* Bounded string copy for the per-packet paths (snprintf(dst, cap, "%s", src) without the
 * formatting machinery): copies at most cap - 1 bytes and always terminates (cap > 0). */
#ifndef ESIM_STR_H
#define ESIM_STR_H
#include <stddef.h>
#include <string.h>

static inline void esim_str_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}
#endif
