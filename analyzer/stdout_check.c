/* Standard output at exit: a report that could not be written must not end in exit 0. stdio
 * buffers, so a write error (ENOSPC on a full disk or /dev/full, EIO, EPIPE when the reader went
 * away and SIGPIPE is ignored) often shows only when the buffer is flushed: check the stream's
 * error flag, fflush and fclose, like coreutils' close_stdout. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "commands.h"

int esim_close_stdout(int rc)
{
    errno = 0;
    int had_error = ferror(stdout);
    int saved = errno;
    if (fflush(stdout) != 0) {
        had_error = 1;
        saved = errno;
    }
    if (fclose(stdout) != 0 && !had_error) {
        had_error = 1;
        saved = errno;
    }
    if (!had_error)
        return rc;
    /* the reader closed the pipe (esimscope ... | head): quiet, like other command-line tools */
    if (saved != EPIPE)
        fprintf(stderr, "esimscope: writing standard output failed: %s\n",
                saved ? strerror(saved) : "write error");
    return ESIM_EXIT_USAGE;
}
