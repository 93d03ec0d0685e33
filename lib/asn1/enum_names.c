#include "esim/enum_names.h"
#include <string.h>

/* The generated table is sorted by (type, value): binary search for the first row of type. */
static size_t first_of(const char *type)
{
    size_t lo = 0, hi = esim_enum_names_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(esim_enum_names[mid].type, type) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const char *esim_enum_lookup(const char *type, long value)
{
    for (size_t i = first_of(type); i < esim_enum_names_count; i++) {
        if (strcmp(esim_enum_names[i].type, type))
            break;
        if (esim_enum_names[i].value == value)
            return esim_enum_names[i].name;
    }
    return NULL;
}

int esim_enum_known(const char *type)
{
    size_t i = first_of(type);
    return i < esim_enum_names_count && !strcmp(esim_enum_names[i].type, type);
}
