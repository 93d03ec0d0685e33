/* Small helpers shared by the unit tests. */
#ifndef ESIM_TESTUTIL_H
#define ESIM_TESTUTIL_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Exit code CTest treats as "skipped". */
#define ESIM_TEST_SKIP 77

/* Reads a whole (small, test-data) file; returns NULL on error. Caller frees. */
uint8_t *tu_read_file(const char *path, size_t *len);
/* Path under ../shared, or NULL (with a message on stderr) when ../shared is absent. */
const char *tu_shared_path(const char *rel);
/* In a cmocka test case that needs reference data: skips that case (skip(), not the whole
 * program) with a message when PATH (from tu_shared_path of REL) is NULL. */
#define TU_NEED_SHARED(path, rel)                                                          \
    do {                                                                                   \
        if (!(path)) {                                                                     \
            print_message("skipped: reference data %s/%s not present\n", ESIM_SHARED_DIR, \
                          (rel));                                                          \
            skip();                                                                        \
        }                                                                                  \
    } while (0)
/* Hex string (no separators) to bytes; returns length or -1. */
long tu_unhex(const char *hex, uint8_t *out, size_t cap);
#endif
