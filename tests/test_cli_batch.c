/* test_cli_batch.c: `imgcolor prominent` over many inputs: output in input order whatever
 * -j, lists from --files-from (lines and NUL), directories with -r, failures mid-batch,
 * progress and the summary, and memory that does not grow with the number of files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "imgcolor.h"
#include "support.h"

#define CLI IMGCOLOR_CLI_PATH
#define PHOTOS IMGCOLOR_SOURCE_DIR "/tests/data/photos"

static test_run run(const char *args)
{
    char cmd[20000];
    snprintf(cmd, sizeof cmd, "'%s' %s", CLI, args);
    return test_run_cmd(cmd, NULL, 0);
}

static test_run run_in(const char *args, const void *in, size_t in_len)
{
    char cmd[20000];
    snprintf(cmd, sizeof cmd, "'%s' %s", CLI, args);
    return test_run_cmd(cmd, in, in_len);
}

/* A w x h PNG of one colour, or of two halves when two is set. */
static void write_png(const char *path, uint32_t w, uint32_t h, uint8_t shade, int two)
{
    uint8_t *rgba = malloc((size_t)w * h * 4);
    for (size_t i = 0; i < (size_t)w * h; i++) {
        int second = two && i % w >= w / 2;
        rgba[4 * i] = second ? 255 - shade : shade;
        rgba[4 * i + 1] = (uint8_t)(shade / 2);
        rgba[4 * i + 2] = second ? 10 : 200;
        rgba[4 * i + 3] = 255;
    }
    imgcolor_image img = {.width = w, .height = h, .rgba = rgba};
    void *png = NULL;
    size_t len = 0;
    assert_int_equal(imgcolor_png_encode(&img, &png, &len, NULL), IMGCOLOR_OK);
    test_write_file(path, png, len);
    imgcolor_free(png);
    free(rgba);
}

/* Operands: the 2-MP photo first, then small images, a 1-MP photo among them, so that
 * with several jobs the later files finish well before the first. */
static char *mixed_operands(const char *dir)
{
    size_t cap = 16384, len = 0;
    char *args = malloc(cap);
    len += (size_t)snprintf(args + len, cap - len, "'%s/retina.jpg' ", PHOTOS);
    for (int i = 0; i < 24; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/small%02d.png", dir, i);
        write_png(path, (uint32_t)(2 + i), (uint32_t)(3 + i % 5), (uint8_t)(i * 10), i % 2);
        len += (size_t)snprintf(args + len, cap - len, "'%s' ", path);
        if (i == 11)
            len += (size_t)snprintf(args + len, cap - len, "'%s/hubble_deep_field.jpg' ", PHOTOS);
    }
    return args;
}

/* Every format: -j 1, 2 and 4 print the same bytes, and those are what one run per file
 * prints, in the order given. */
static void test_order_and_identity_across_jobs(void **state)
{
    (void)state;
    char *dir = test_tmpdir(), *files = mixed_operands(dir);
    static const char *const formats[] = {"text", "json", "csv"};
    for (size_t f = 0; f < 3; f++) {
        char args[16384];
        snprintf(args, sizeof args, "prominent -k 3 -f %s -j 1 %s", formats[f], files);
        test_run one = run(args);
        assert_int_equal(one.status, 0);
        static const char *const jobs[] = {"-j 2", "-j 4", "-j 4 --threads 1", ""};
        for (size_t j = 0; j < 4; j++) {
            snprintf(args, sizeof args, "prominent -k 3 -f %s %s %s", formats[f], jobs[j], files);
            test_run r = run(args);
            assert_int_equal(r.status, 0);
            if (strcmp(r.out, one.out) != 0)
                fail_msg("-f %s %s differs from -j 1", formats[f], jobs[j]);
            test_run_free(&r);
        }
        /* The JSON lines, one file at a time, in the order given. */
        if (strcmp(formats[f], "json") == 0) {
            const char *line = one.out;
            char *rest = strdup(files), *save = NULL;
            for (char *tok = strtok_r(rest, "'", &save); tok; tok = strtok_r(NULL, "'", &save)) {
                if (tok[0] == ' ')
                    continue;
                snprintf(args, sizeof args, "prominent -k 3 -f json '%s'", tok);
                test_run single = run(args);
                assert_int_equal(single.status, 0);
                assert_memory_equal(line, single.out, single.out_len);
                line += single.out_len;
                test_run_free(&single);
            }
            assert_int_equal(*line, '\0');
            free(rest);
        }
        test_run_free(&one);
    }
    free(files);
    test_rmdir_r(dir);
    free(dir);
}

/* A bad file anywhere never stops the rest; the status is 1 and the summary counts. */
static void test_failures_mid_batch(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char cut[512], text[512], args[8192];
    snprintf(cut, sizeof cut, "%s/cut.jpg", dir);
    snprintf(text, sizeof text, "%s/notes.jpg", dir);
    size_t size;
    uint8_t *data = test_read_file(PHOTOS "/rocket.jpg", &size);
    test_write_file(cut, data, size / 3);
    test_write_file(text, "not an image\n", 13);
    snprintf(args, sizeof args,
             "prominent -j 2 -f csv -k 2 '%s/rocket.jpg' '%s' '%s/chelsea.png' '%s/missing.png' "
             "'%s' '%s/coffee.png' '%s'",
             PHOTOS, cut, PHOTOS, dir, text, PHOTOS, dir);
    test_run r = run(args);
    assert_int_equal(r.status, 1);
    /* The header and two rows for each of the three good files, in order. */
    const char *rocket = strstr(r.out, "rocket.jpg,1,");
    const char *chelsea = strstr(r.out, "chelsea.png,1,");
    const char *coffee = strstr(r.out, "coffee.png,1,");
    assert_true(rocket && chelsea && coffee && rocket < chelsea && chelsea < coffee);
    /* Messages in input order too, then the summary. */
    const char *e1 = strstr(r.err, "cut.jpg: "), *e2 = strstr(r.err, "missing.png: ");
    const char *e3 = strstr(r.err, "notes.jpg: "), *e4 = strstr(r.err, "is a directory");
    const char *sum = strstr(r.err, "imgcolor: 7 files: 3 done, 4 failed, ");
    assert_true(e1 && e2 && e3 && e4 && sum && e1 < e2 && e2 < e3 && e3 < e4 && e4 < sum);
    test_run_free(&r);
    free(data);
    test_rmdir_r(dir);
    free(dir);
}

static void test_files_from(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char a[512], b[512], nl[512], list[512], args[4096];
    snprintf(a, sizeof a, "%s/with space.png", dir);
    snprintf(b, sizeof b, "%s/b.png", dir);
    snprintf(nl, sizeof nl, "%s/new\nline.png", dir);
    write_png(a, 8, 8, 40, 1);
    write_png(b, 5, 7, 90, 0);
    write_png(nl, 6, 6, 160, 1);

    /* One a line; blank lines name nothing. */
    char text[4096];
    int n = snprintf(text, sizeof text, "%s\n\n%s\n%s\n", b, a, b);
    snprintf(list, sizeof list, "%s/list.txt", dir);
    test_write_file(list, text, (size_t)n);
    snprintf(args, sizeof args, "prominent -f csv -k 2 '%s' '%s' '%s'", b, a, b);
    test_run want = run(args);
    assert_int_equal(want.status, 0);
    snprintf(args, sizeof args, "prominent -f csv -k 2 --files-from '%s'", list);
    test_run got = run(args);
    assert_int_equal(got.status, 0);
    assert_string_equal(got.out, want.out);
    test_run_free(&got);
    got = run_in("prominent -f csv -k 2 --files-from -", text, (size_t)n);
    assert_int_equal(got.status, 0);
    assert_string_equal(got.out, want.out);
    test_run_free(&got);
    test_run_free(&want);

    /* NUL-separated, with a newline inside a name. */
    char nul[4096];
    size_t len = 0;
    const char *names[] = {nl, a, nl};
    for (int i = 0; i < 3; i++) {
        memcpy(nul + len, names[i], strlen(names[i]) + 1);
        len += strlen(names[i]) + 1;
    }
    got = run_in("prominent -f json -k 2 --files-from - -0", nul, len);
    assert_int_equal(got.status, 0);
    const char *first = strstr(got.out, "line.png\""), *second = strstr(got.out, "space.png\"");
    assert_true(first && second && first < second);
    assert_non_null(strstr(second, "line.png\""));
    size_t lines = 0;
    for (const char *p = got.out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
    test_run_free(&got);

    /* Without -0, a NUL byte in the list is an error. */
    got = run_in("prominent -f json -k 2 --files-from -", nul, len);
    assert_int_equal(got.status, 1);
    assert_non_null(strstr(got.err, "NUL byte"));
    test_run_free(&got);

    /* Operands first, then the list. */
    snprintf(args, sizeof args, "prominent -f csv -k 1 '%s' --files-from '%s'", a, list);
    got = run(args);
    assert_int_equal(got.status, 0);
    assert_true(strstr(got.out, "space.png,1") < strstr(got.out, "b.png,1"));
    test_run_free(&got);
    test_rmdir_r(dir);
    free(dir);
}

/* -r: depth first in bytewise order, images by magic bytes whatever their names, other
 * files skipped with a note, symbolic links to directories not followed. */
static void test_recursive(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char p[512], args[4096];
    snprintf(p, sizeof p, "%s/sub", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    snprintf(p, sizeof p, "%s/sub/deeper", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    const char *images[] = {"B.png", "a.png", "sub/deeper/z.png", "sub/m.dat", "sub/n.png"};
    for (int i = 0; i < 5; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, images[i]);
        write_png(p, 4, (uint32_t)(4 + i), (uint8_t)(30 * i), 1);
    }
    snprintf(p, sizeof p, "%s/readme.png", dir);
    test_write_file(p, "text, not a PNG\n", 16);
    snprintf(p, sizeof p, "%s/sub/empty", dir);
    test_write_file(p, "", 0);
    char target[512];
    snprintf(target, sizeof target, "%s/sub", dir);
    snprintf(p, sizeof p, "%s/loop", dir);
    assert_int_equal(symlink(target, p), 0);

    snprintf(args, sizeof args, "prominent -r -f csv -k 1 '%s'", dir);
    test_run r = run(args);
    assert_int_equal(r.status, 0);
    /* Bytewise order: "B.png" < "a.png" < "loop" < "readme.png" < "sub/...". */
    const char *want[] = {"/B.png,", "/a.png,", "/sub/deeper/z.png,", "/sub/m.dat,",
                          "/sub/n.png,"};
    const char *at = r.out;
    for (int i = 0; i < 5; i++) {
        const char *hit = strstr(at, want[i]);
        if (!hit)
            fail_msg("%s missing or out of order in:\n%s", want[i], r.out);
        at = hit;
    }
    assert_null(strstr(r.out, "readme"));
    assert_null(strstr(r.out, "loop"));
    assert_non_null(strstr(r.err, "readme.png: skipped, not an image"));
    assert_non_null(strstr(r.err, "sub/empty: skipped, not an image"));
    assert_non_null(strstr(r.err, "loop: skipped, a symbolic link to a directory"));
    assert_non_null(strstr(r.err, "5 files: 5 done, 0 failed, 3 skipped"));
    test_run_free(&r);

    /* Without -r a directory is an error of its own, and the rest still run. */
    snprintf(args, sizeof args, "prominent -f csv -k 1 '%s' '%s/a.png'", dir, dir);
    r = run(args);
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "is a directory (-r reads its images)"));
    assert_non_null(strstr(r.out, "/a.png,1,"));
    test_run_free(&r);
    test_rmdir_r(dir);
    free(dir);
}

/* Progress only when asked for (standard error is not a terminal here); the summary with
 * more than one file only. */
static void test_progress_and_summary(void **state)
{
    (void)state;
    char args[4096];
    snprintf(args, sizeof args, "prominent -k 2 --progress '%s/rocket.jpg' '%s/chelsea.png'",
             PHOTOS, PHOTOS);
    test_run r = run(args);
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.err, "2/2 files, "));
    assert_non_null(strstr(r.err, " images/s, ETA "));
    assert_non_null(strstr(r.err, "imgcolor: 2 files: 2 done, 0 failed, "));
    test_run_free(&r);
    snprintf(args, sizeof args, "prominent -k 2 '%s/rocket.jpg' '%s/chelsea.png'", PHOTOS,
             PHOTOS);
    r = run(args);
    assert_null(strstr(r.err, "files, "));
    assert_non_null(strstr(r.err, "imgcolor: 2 files: 2 done, 0 failed, "));
    assert_null(strchr(r.err, '\x1b'));
    test_run_free(&r);
    snprintf(args, sizeof args, "prominent -k 2 --progress --no-progress '%s/rocket.jpg'", PHOTOS);
    r = run(args);
    assert_string_equal(r.err, "");
    test_run_free(&r);
}

/* Output that cannot be written stops the batch; the summary says so, and the file
 * whose output was lost counts as failed. */
static void test_lost_output_stops(void **state)
{
    (void)state;
    test_run r = run("prominent -j 2 -k 2 -r '" PHOTOS "' > /dev/full");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "imgcolor: 6 files: 0 done, 1 failed, "));
    assert_non_null(strstr(r.err, "; stopped, output could not be written\n"));
    assert_non_null(strstr(r.err, "imgcolor: standard output: write error: No space left"));
    test_run_free(&r);
}

static void test_usage(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "prominent -j 0 x.png",
        "prominent -j 257 x.png",
        "prominent --jobs two x.png",
        "prominent -0 x.png",
        "prominent --files-from - -",
        "prominent --files-from",
        "prominent -r",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_run r = run(cases[i]);
        if (r.status != 2 || r.out_len || strncmp(r.err, "imgcolor: ", 10) != 0)
            fail_msg("'%s': exit %d, stderr '%s'", cases[i], r.status, r.err);
        test_run_free(&r);
    }
    test_run r = run("prominent -j 1 --files-from /nonexistent/list");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "/nonexistent/list: "));
    test_run_free(&r);
}

/* Peak memory of a batch does not grow with its number of files: 20 000 inputs cost
 * about what 200 do (the paths themselves, ~60 bytes each, aside), even while the reader
 * of the output stalls and the results, ~1 KB each, would otherwise pile up. */
static void test_memory_bounded(void **state)
{
    (void)state;
#ifdef IMGCOLOR_TEST_SANITIZED
    /* A sanitizer's allocator adds redzones and shadow memory to every path's allocation
     * (some 800 bytes a file measured under ASan): the figure would be its, not ours. */
    skip();
#endif
    char *dir = test_tmpdir();
    char png[512], list[512], cmd[4096];
    snprintf(png, sizeof png, "%s/one.png", dir);
    write_png(png, 3, 3, 77, 1);
    long rss[2];
    const size_t counts[2] = {200, 20000};
    for (int t = 0; t < 2; t++) {
        snprintf(list, sizeof list, "%s/list%d", dir, t);
        FILE *f = fopen(list, "w");
        assert_non_null(f);
        for (size_t i = 0; i < counts[t]; i++)
            fprintf(f, "%s\n", png);
        fclose(f);
        snprintf(cmd, sizeof cmd,
                 /* Under AddressSanitizer, freed memory is held in quarantine. */
                 "ASAN_OPTIONS=\"$ASAN_OPTIONS:quarantine_size_mb=0:"
                 "thread_local_quarantine_size_kb=0\" "
                 "/usr/bin/time -f 'RSS %%M' '%s' prominent -j 2 -f json --files-from '%s' "
                 "| (sleep 1; cat >/dev/null)",
                 CLI, list);
        test_run r = test_run_cmd(cmd, NULL, 0);
        assert_int_equal(r.status, 0);
        const char *at = strstr(r.err, "RSS ");
        assert_non_null(at);
        rss[t] = atol(at + 4);
        test_run_free(&r);
    }
    /* 19 800 more paths of ~40 bytes: under 2 MB of list and pointers. */
    if (rss[1] > rss[0] + 4096)
        fail_msg("peak RSS %ld KiB for %zu files against %ld KiB for %zu", rss[1], counts[1],
                 rss[0], counts[0]);
    test_rmdir_r(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_identity_across_jobs),
        cmocka_unit_test(test_failures_mid_batch),
        cmocka_unit_test(test_files_from),
        cmocka_unit_test(test_recursive),
        cmocka_unit_test(test_progress_and_summary),
        cmocka_unit_test(test_lost_output_stops),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_memory_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
