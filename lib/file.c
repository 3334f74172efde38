/* file.c: reading a whole input file into memory under the max_bytes limit, for
 * regular files and for pipes and other streams whose size is unknown up front. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define READ_CHUNK (64u << 10)

/* The message for errno, thread-safely (strerror() may share a buffer between threads). */
static imgcolor_status io_fail(imgcolor_error *err, const char *what, int errnum)
{
    char text[128];
    if (strerror_r(errnum, text, sizeof text) != 0)
        snprintf(text, sizeof text, "error %d", errnum);
    return imgcolor__fail(err, IMGCOLOR_E_IO, "%s: %s", what, text);
}

static imgcolor_status too_large(imgcolor_error *err, uint64_t max_bytes)
{
    return imgcolor__fail(err, IMGCOLOR_E_TOO_LARGE, "file is over the limit of %llu bytes",
                          (unsigned long long)max_bytes);
}

imgcolor_status imgcolor__read_file(const char *path, uint64_t max_bytes, uint8_t **data,
                                    size_t *size, imgcolor_error *err)
{
    if (!path || !data || !size)
        return imgcolor__fail(err, IMGCOLOR_E_INVALID, "invalid argument to read_file");
    *data = NULL;
    *size = 0;
    /* One byte past the limit is what we read to notice that a stream exceeds it. */
    size_t limit = max_bytes < SIZE_MAX - 1 ? (size_t)max_bytes : SIZE_MAX - 1;

    int fd;
    do
        fd = open(path, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return io_fail(err, "cannot open file", errno);

    imgcolor_status st = IMGCOLOR_OK;
    uint8_t *buf = NULL;
    size_t len = 0, cap = READ_CHUNK;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        st = io_fail(err, "cannot read file", errno);
        goto done;
    }
    if (S_ISDIR(sb.st_mode)) {
        st = io_fail(err, "cannot read file", EISDIR);
        goto done;
    }
    if (S_ISREG(sb.st_mode)) {
        if ((uint64_t)sb.st_size > max_bytes) {
            st = too_large(err, max_bytes);
            goto done;
        }
        /* The size is a hint: the file may grow or shrink while we read it. */
        cap = (size_t)sb.st_size + 1;
    }
    if (cap > limit + 1)
        cap = limit + 1;
    buf = imgcolor__alloc_large(cap);
    if (!buf) {
        st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "out of memory reading file");
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap > limit) {
                st = too_large(err, max_bytes);
                goto done;
            }
            /* Doubling, by at least a chunk, never past one byte over the limit. */
            size_t grow = cap > (limit + 1) / 2 ? limit + 1 : cap * 2;
            if (grow - cap < READ_CHUNK)
                grow = limit + 1 - cap < READ_CHUNK ? limit + 1 : cap + READ_CHUNK;
            uint8_t *bigger = realloc(buf, grow);
            if (!bigger) {
                st = imgcolor__fail(err, IMGCOLOR_E_NOMEM, "out of memory reading file");
                goto done;
            }
            buf = bigger;
            cap = grow;
        }
        ssize_t n = read(fd, buf + len, cap - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            st = io_fail(err, "cannot read file", errno);
            goto done;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > limit) {
            st = too_large(err, max_bytes);
            goto done;
        }
    }
    *data = buf;
    *size = len;
    buf = NULL;

done:
    free(buf);
    close(fd);
    return st;
}
