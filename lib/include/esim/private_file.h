/* Writing files that hold plaintext key material (a decrypted profile package carries Ki/OPc,
 * PINs and security domain keys): created 0600 whatever the umask, and an existing file is
 * replaced atomically (a temporary file in the same folder, then rename), so a reader never sees
 * a half-written file and an old file's looser mode is not kept. */
#ifndef ESIM_PRIVATE_FILE_H
#define ESIM_PRIVATE_FILE_H
#include <stddef.h>
#include <stdint.h>
#include "esim/error.h"

/* Writes d[0..n) to path with mode 0600. Returns 0, or -1 with err naming the file and the OS
 * reason; on failure the target is left as it was and no temporary file remains. */
int esim_private_file_write(const char *path, const uint8_t *d, size_t n, esim_error *err);
#endif
