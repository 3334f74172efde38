/* test_cli_output.c: no output is lost silently: every imgcolor command and format exits
 * non-zero, with a message, when standard output or its output file cannot be written
 * (a full disk, a reader that has gone). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "support.h"

#define CLI IMGCOLOR_CLI_PATH
#define EXAMPLE IMGCOLOR_SOURCE_DIR "/examples/1.jpg"
#define EXAMPLE3 IMGCOLOR_SOURCE_DIR "/examples/3.jpg"

/* Where standard output goes. */
enum sink { TO_DEV_FULL, TO_CLOSED_PIPE, TO_CLOSED_PIPE_SIGPIPE_IGNORED };

typedef struct sunk {
    int status; /* exit status, or 128 + signal */
    char err[4096];
} sunk;

/* Runs "imgcolor ARGS" with standard output sent to sink and standard error captured. */
static sunk run_into(const char *args, enum sink sink)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec '%s' %s", CLI, args);
    char errpath[] = "/tmp/imgcolor-test-stderr-XXXXXX";
    int errfd = mkstemp(errpath);
    assert_true(errfd >= 0);
    int p[2] = {-1, -1};
    if (sink != TO_DEV_FULL) {
        assert_int_equal(pipe(p), 0);
        close(p[0]); /* nobody will ever read */
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int out = sink == TO_DEV_FULL ? open("/dev/full", O_WRONLY) : p[1];
        signal(SIGPIPE, sink == TO_CLOSED_PIPE_SIGPIPE_IGNORED ? SIG_IGN : SIG_DFL);
        dup2(out, 1);
        dup2(errfd, 2);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    if (p[1] >= 0)
        close(p[1]);
    int ws = 0;
    assert_int_equal(waitpid(pid, &ws, 0), pid);
    sunk r = {WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws), ""};
    ssize_t n = pread(errfd, r.err, sizeof r.err - 1, 0);
    r.err[n > 0 ? n : 0] = '\0';
    close(errfd);
    unlink(errpath);
    return r;
}

/* Every command and every output format, each of which prints something. */
static const char *const writers[] = {
    "prominent '" EXAMPLE "'",
    "prominent -f json '" EXAMPLE "'",
    "prominent -f csv '" EXAMPLE "'",
    "prominent '" EXAMPLE "' '" EXAMPLE3 "'",
    "prominent -f json '" EXAMPLE "' '" EXAMPLE3 "'",
    "prominent -f csv '" EXAMPLE "' '" EXAMPLE3 "'",
    "prominent -j 2 -k 2 -r '" IMGCOLOR_SOURCE_DIR "/tests/data/photos'",
    "prominent -j 2 -k 2 -f json -r '" IMGCOLOR_SOURCE_DIR "/tests/data/photos'",
    "prominent -j 2 -k 2 -f csv -r '" IMGCOLOR_SOURCE_DIR "/tests/data/photos'",
    "prominent -j 1 -k 2 -f json --files-from /dev/null '" EXAMPLE "' '" EXAMPLE3 "'",
    "hex 1,2,3 4,5,6",
    "hex --json '[[1,2,3]]'",
    "pie --colors '#7f6a55,#d8d3cc' --counts 3,1 -o -",
    "pie --svg --colors '#7f6a55,#d8d3cc' --counts 3,1 -o -",
    "pie -k 3 '" EXAMPLE "' -o -",
    "swatch -k 3 '" EXAMPLE "' -o -",
    "swatch --svg -k 3 '" EXAMPLE "' -o -",
    "--help",
    "--version",
    "help",
    "help prominent",
    "prominent --help",
};

static void expect_failure(const char *args, enum sink sink, const char *reason)
{
    sunk r = run_into(args, sink);
    if (sink == TO_CLOSED_PIPE) {
        /* Killed by SIGPIPE is the usual, and a fine, non-zero ending. */
        if (r.status == 0)
            fail_msg("'%s' into a closed pipe: exit 0", args);
        if (r.status != 128 + SIGPIPE && !strstr(r.err, "standard output: write error"))
            fail_msg("'%s' into a closed pipe: exit %d, stderr '%s'", args, r.status, r.err);
        return;
    }
    if (r.status != 1)
        fail_msg("'%s' (%s): exit %d, want 1; stderr '%s'", args, reason, r.status, r.err);
    if (!strstr(r.err, reason))
        fail_msg("'%s': stderr '%s' does not say '%s'", args, r.err, reason);
}

static void test_dev_full(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        expect_failure(writers[i], TO_DEV_FULL,
                       "imgcolor: standard output: write error: No space left on device");
}

static void test_closed_pipe(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        expect_failure(writers[i], TO_CLOSED_PIPE, "");
}

static void test_closed_pipe_sigpipe_ignored(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++)
        expect_failure(writers[i], TO_CLOSED_PIPE_SIGPIPE_IGNORED,
                       "imgcolor: standard output: write error: Broken pipe");
}

/* A command that writes a file reports that file. */
static void test_output_file_full(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "pie --colors '#7f6a55,#d8d3cc' --counts 3,1 -o /dev/full",
        "pie --svg --colors '#7f6a55,#d8d3cc' --counts 3,1 -o /dev/full",
        "pie -k 2 '" EXAMPLE "' -o /dev/full",
        "swatch -k 2 '" EXAMPLE "' -o /dev/full",
        "swatch -k 2 --svg '" EXAMPLE "' -o /dev/full",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sunk r = run_into(cases[i], TO_CLOSED_PIPE_SIGPIPE_IGNORED);
        if (r.status != 1 || !strstr(r.err, "/dev/full: write error: No space left on device"))
            fail_msg("'%s': exit %d, stderr '%s'", cases[i], r.status, r.err);
    }
}

/* Output that fits in the pipe but is never read still succeeds when it is read: the
 * checks do not turn a good run into a failure. */
static void test_good_runs_still_succeed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof writers / sizeof writers[0]; i++) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "'%s' %s", CLI, writers[i]);
        test_run r = test_run_cmd(cmd, NULL, 0);
        if (r.status != 0 || r.out_len == 0)
            fail_msg("'%s': exit %d, %zu bytes out", writers[i], r.status, r.out_len);
        test_run_free(&r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dev_full),
        cmocka_unit_test(test_closed_pipe),
        cmocka_unit_test(test_closed_pipe_sigpipe_ignored),
        cmocka_unit_test(test_output_file_full),
        cmocka_unit_test(test_good_runs_still_succeed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
