/* Private files (see private_file.h). */
#include "esim/private_file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *d, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, d, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        d += w;
        n -= (size_t)w;
    }
    return 0;
}

int esim_private_file_write(const char *path, const uint8_t *d, size_t n, esim_error *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return esim_error_set(err, "cannot write %s: %s", path, strerror(EISDIR));
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* a pipe or device (/dev/stdout, a FIFO): nothing on disk to protect, nothing to rename */
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
            return esim_error_set(err, "cannot write %s: %s", path, strerror(errno));
        int rc = write_all(fd, d, n);
        int e = errno;
        if (close(fd) != 0 && rc == 0) {
            e = errno;
            rc = -1;
        }
        return rc ? esim_error_set(err, "cannot write %s: %s", path, strerror(e)) : 0;
    }
    size_t plen = strlen(path);
    char *tmp = malloc(plen + sizeof ".tmp-XXXXXX");
    if (!tmp)
        return esim_error_set(err, "cannot write %s: out of memory", path);
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp-XXXXXX", sizeof ".tmp-XXXXXX");
    /* mkstemp creates the file O_EXCL with mode 0600 (POSIX.1-2008), umask or not */
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return esim_error_set(err, "cannot write %s: %s", path, strerror(e));
    }
    const char *step = "write";
    int rc = fchmod(fd, S_IRUSR | S_IWUSR);
    if (rc == 0)
        rc = write_all(fd, d, n);
    else
        step = "chmod";
    if (rc == 0 && (rc = fsync(fd)) != 0)
        step = "fsync";
    int e = errno;
    if (close(fd) != 0 && rc == 0) {
        e = errno;
        rc = -1;
        step = "close";
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        e = errno;
        rc = -1;
        step = "rename";
    }
    if (rc != 0) {
        unlink(tmp);
        free(tmp);
        return esim_error_set(err, "cannot write %s (%s): %s", path, step, strerror(e));
    }
    free(tmp);
    return 0;
}
