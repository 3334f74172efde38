/* support.h: small helpers shared by the test programs (files, processes). */
#ifndef IMGCOLOR_TEST_SUPPORT_H
#define IMGCOLOR_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Reads a whole file, NUL-terminated past *size bytes; fails the test when it cannot.
 * Free with free(). */
uint8_t *test_read_file(const char *path, size_t *size);

/* Writes size bytes to path; fails the test when it cannot. */
void test_write_file(const char *path, const void *data, size_t size);

/* A fresh temporary directory (mkdtemp), removed with test_rmdir_r(). */
char *test_tmpdir(void);
void test_rmdir_r(const char *path);

/* Output of a command run through /bin/sh. */
typedef struct test_run {
    int status;     /* exit status, or 128 + signal */
    char *out;      /* stdout, NUL-terminated */
    size_t out_len;
    char *err;      /* stderr, NUL-terminated */
    size_t err_len;
} test_run;

/* A growable byte buffer, for building test inputs byte by byte. Free data with free(). */
typedef struct test_buffer {
    uint8_t *data;
    size_t len;
    size_t cap;
} test_buffer;

void test_buf_append(test_buffer *b, const void *p, size_t n);
/* Appends v as 4 big-endian bytes. */
void test_buf_be32(test_buffer *b, uint32_t v);
/* Appends a PNG chunk: length, type, data and CRC. */
void test_png_chunk(test_buffer *b, const char *type, const void *data, uint32_t len);

/* Runs a shell command with optional stdin bytes; free the result with test_run_free(). */
test_run test_run_cmd(const char *cmd, const void *in, size_t in_len);
void test_run_free(test_run *r);

#endif
