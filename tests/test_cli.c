/* test_cli.c: the imgcolor binary end to end: output formats, stdin, exit codes, and
 * error messages that name the file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "imgcolor.h"
#include "support.h"

#define CLI IMGCOLOR_CLI_PATH
#define EXAMPLE IMGCOLOR_SOURCE_DIR "/examples/1.jpg"

static test_run run(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s", CLI, args);
    return test_run_cmd(cmd, NULL, 0);
}

static size_t count_lines(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* The library's JSON document for path under opt, as the CLI prints it (with its
 * newline); the caller frees it. */
static char *library_json(const char *path, const imgcolor_options *opt)
{
    imgcolor_result *res = NULL;
    assert_int_equal(imgcolor_prominent_file(path, opt, &res, NULL), IMGCOLOR_OK);
    char *json = NULL;
    assert_int_equal(imgcolor_result_to_json(res, path, &json), IMGCOLOR_OK);
    size_t n = strlen(json) + 2;
    char *line = malloc(n);
    assert_non_null(line);
    snprintf(line, n, "%s\n", json);
    imgcolor_free(json);
    imgcolor_result_free(res);
    return line;
}

static void test_prominent_text(void **state)
{
    (void)state;
    test_run r = run("prominent '" EXAMPLE "' -k 6");
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 6);
    assert_int_equal(r.out[0], '#');
    assert_null(strchr(r.out, '\x1b')); /* no swatch when stdout is not a terminal */
    assert_non_null(strstr(r.out, "%"));
    assert_string_equal(r.err, "");
    test_run_free(&r);
}

static void test_prominent_json_matches_library(void **state)
{
    (void)state;
    test_run r = run("prominent --format json -k 4 --seed 3 '" EXAMPLE "'");
    assert_int_equal(r.status, 0);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 4), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_seed(opt, 3), IMGCOLOR_OK);
    char *want = library_json(EXAMPLE, opt);
    assert_string_equal(r.out, want);
    free(want);
    imgcolor_options_free(opt);
    test_run_free(&r);
}

/* --first-frame counts only an animation's first frame, as the library's all_frames = 0
 * does; by default every frame is counted (the frames stacked, so the height grows). */
static void test_first_frame(void **state)
{
    (void)state;
#define ANIM IMGCOLOR_SOURCE_DIR "/tests/fuzz/corpus/decode/gif-anim.gif"
    test_run all = run("prominent -f json -k 2 '" ANIM "'");
    test_run first = run("prominent -f json -k 2 --first-frame '" ANIM "'");
    if (strstr(all.err, "not built")) { /* a build without GIF */
        test_run_free(&all);
        test_run_free(&first);
        skip();
    }
    assert_int_equal(all.status, 0);
    assert_int_equal(first.status, 0);
    imgcolor_options *opt = NULL;
    assert_int_equal(imgcolor_options_new(&opt), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_k(opt, 2), IMGCOLOR_OK);
    assert_int_equal(imgcolor_options_set_all_frames(opt, 0), IMGCOLOR_OK);
    char *want = library_json(ANIM, opt);
    assert_string_equal(first.out, want);
    assert_string_not_equal(all.out, first.out);
    /* the whole animation is 96 rows high, its first frame 32 */
    assert_non_null(strstr(all.out, "\"height\":96,"));
    assert_non_null(strstr(first.out, "\"height\":32,"));
#undef ANIM
    free(want);
    imgcolor_options_free(opt);
    test_run_free(&all);
    test_run_free(&first);
}

static void test_prominent_csv_and_stdin(void **state)
{
    (void)state;
    test_run r = run("prominent -f csv -k 3 '" EXAMPLE "'");
    assert_int_equal(r.status, 0);
    assert_int_equal(count_lines(r.out), 4);
    assert_true(strncmp(r.out, "file,rank,hex,r,g,b,count,fraction,", 35) == 0);
    size_t size;
    uint8_t *data = test_read_file(EXAMPLE, &size);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' prominent -f csv -k 3 -", CLI);
    test_run s = test_run_cmd(cmd, data, size);
    assert_int_equal(s.status, 0);
    /* Same rows, with "-" as the file name. */
    const char *a = strchr(r.out, '\n') + 1, *b = strchr(s.out, '\n') + 1;
    while (*a && *b) {
        assert_true(strncmp(b, "-,", 2) == 0);
        const char *ra = strchr(a, ','), *rb = strchr(b, ',');
        const char *ea = strchr(a, '\n'), *eb = strchr(b, '\n');
        assert_int_equal(ea - ra, eb - rb);
        assert_memory_equal(ra, rb, (size_t)(ea - ra));
        a = ea + 1;
        b = eb + 1;
    }
    assert_true(!*a && !*b);
    free(data);
    test_run_free(&s);
    test_run_free(&r);
}

static void test_bad_file_among_good_ones(void **state)
{
    (void)state;
    char *dir = test_tmpdir();
    char trunc[512], text[512], args[2048];
    snprintf(trunc, sizeof trunc, "%s/cut.jpg", dir);
    snprintf(text, sizeof text, "%s/notes.txt", dir);
    size_t size;
    uint8_t *data = test_read_file(EXAMPLE, &size);
    test_write_file(trunc, data, size / 2);
    test_write_file(text, "hello\n", 6);
    snprintf(args, sizeof args, "prominent -f json '%s' '%s' '%s/missing.png' '%s' '%s'", EXAMPLE,
             trunc, dir, text, EXAMPLE);
    test_run r = run(args);
    assert_int_equal(r.status, 1);
    assert_int_equal(count_lines(r.out), 2); /* both good files still reported */
    assert_int_equal(count_lines(r.err), 4); /* three failures and the summary */
    assert_non_null(strstr(r.err, "imgcolor: 5 files: 2 done, 3 failed, "));
    assert_non_null(strstr(r.err, "cut.jpg: "));
    assert_non_null(strstr(r.err, "missing.png: "));
    assert_non_null(strstr(r.err, "notes.txt: "));
    assert_non_null(strstr(r.err, "not an image format this build reads"));
    test_run_free(&r);
    free(data);
    test_rmdir_r(dir);
    free(dir);
}

static void test_usage_errors(void **state)
{
    (void)state;
    static const char *cases[] = {
        "",
        "nosuchcommand",
        "prominent",
        "prominent -k 0 x.jpg",
        "prominent -k 257 x.jpg",
        "prominent -k six x.jpg",
        "prominent -k",
        "prominent --format xml x.jpg",
        "prominent --bogus x.jpg",
        "prominent --n-init 0 x.jpg",
        "prominent --min-alpha 300 x.jpg",
        "hex",
        "hex --json '[]' 1,2,3",
        "help nosuchcommand",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        test_run r = run(cases[i]);
        if (r.status != 2)
            fail_msg("'%s': exit %d, want 2", cases[i], r.status);
        assert_string_equal(r.out, "");
        assert_true(strncmp(r.err, "imgcolor: ", 10) == 0 || strstr(r.err, "Usage"));
        test_run_free(&r);
    }
}

static void test_hex(void **state)
{
    (void)state;
    test_run r = run("hex 127,106,85 0,0,0 255,255,255");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "#7f6a55\n#000000\n#ffffff\n");
    test_run_free(&r);

    r = run("hex 1,2,3 256,0,0 1,2");
    assert_int_equal(r.status, 1);
    assert_string_equal(r.out, "#010203\n");
    assert_non_null(strstr(r.err, "256,0,0"));
    assert_non_null(strstr(r.err, "'1,2'"));
    test_run_free(&r);

    r = run("hex --json '[[127,106,85],[1,2,3]]'");
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "[\"#7f6a55\",\"#010203\"]\n");
    test_run_free(&r);

    char cmd[1024];
    snprintf(cmd, sizeof cmd, "'%s' hex --json -", CLI);
    const char *in = "[[255, 0, 16]]";
    r = test_run_cmd(cmd, in, strlen(in));
    assert_int_equal(r.status, 0);
    assert_string_equal(r.out, "[\"#ff0010\"]\n");
    test_run_free(&r);

    r = run("hex --json '[[1,2,300]]'");
    assert_int_equal(r.status, 1);
    assert_non_null(strstr(r.err, "0..255"));
    test_run_free(&r);
}

static void test_help_and_version(void **state)
{
    (void)state;
    test_run r = run("--version");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, IMGCOLOR_VERSION_STRING));
    test_run_free(&r);
    r = run("--help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "prominent"));
    assert_non_null(strstr(r.out, "hex"));
    test_run_free(&r);
    r = run("help prominent");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--n-init"));
    test_run_free(&r);
    r = run("prominent --help");
    assert_int_equal(r.status, 0);
    assert_non_null(strstr(r.out, "--min-alpha"));
    test_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prominent_text),
        cmocka_unit_test(test_prominent_json_matches_library),
        cmocka_unit_test(test_first_frame),
        cmocka_unit_test(test_prominent_csv_and_stdin),
        cmocka_unit_test(test_bad_file_among_good_ones),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_help_and_version),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
