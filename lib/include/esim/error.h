/* One-line error messages carried out of the core to the faces (CLI, plugin). */
#ifndef ESIM_ERROR_H
#define ESIM_ERROR_H
#include <stddef.h>

typedef struct esim_error {
    char msg[512];
} esim_error;

/* Sets the message (printf-style) when e is not NULL. Always returns -1, so that
 * `return esim_error_set(e, "...")` reads naturally in a function returning int. */
int esim_error_set(esim_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes an existing message: "<prefix>: <old message>". Returns -1. */
int esim_error_prefix(esim_error *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<what> failed: <OpenSSL's first queued error>" (the queue is cleared). Returns -1. */
int esim_error_openssl(esim_error *e, const char *what);
#endif
