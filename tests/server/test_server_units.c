/* test_server_units.c: the server's security modules called directly, without sockets:
 * API keys (auth.c), the token buckets (ratelimit.c), the concurrency gate (gate.c),
 * the CORS allow-list and the url-encoded form parser's edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server.h"

#define HASH_ABC "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void test_keyring_parse(void **state)
{
    (void)state;
    srv_keyring ring;
    char why[256];
    const char *good = "# keys for the lesson\n\n" HASH_ABC " alice\r\n"
                       "  sha256:" "0000000000000000000000000000000000000000000000000000000000000001"
                       "\tbob@example.org  \n";
    assert_int_equal(srv_keyring_parse(good, strlen(good), &ring, why, sizeof why), 0);
    assert_int_equal(ring.n, 2);
    assert_string_equal(ring.keys[0].label, "alice");
    assert_string_equal(ring.keys[1].label, "bob@example.org");
    assert_string_equal(srv_keyring_match(&ring, "abc", 3), "alice");
    assert_null(srv_keyring_match(&ring, "abd", 3));
    assert_null(srv_keyring_match(&ring, "ab", 2));
    assert_null(srv_keyring_match(&ring, "", 0));
    srv_keyring_free(&ring);

    static const char *const bad[] = {
        "",                                  /* no keys at all */
        "# only a comment\n",
        HASH_ABC "\n",                       /* no label */
        HASH_ABC "alice\n",                  /* no blank before the label */
        HASH_ABC " al ice\n",                /* blank inside the label */
        HASH_ABC " al\"ice\n",
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad alice\n",
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015a alice\n",
        "sha256:zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad alice\n",
        HASH_ABC " alice\n" HASH_ABC " bob\n",   /* same key twice */
        HASH_ABC " alice\nsha256:0000000000000000000000000000000000000000000000000000000000000001 alice\n",
        "abc",                               /* the key itself, not its hash */
        HASH_ABC " aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        why[0] = '\0';
        if (srv_keyring_parse(bad[i], strlen(bad[i]), &ring, why, sizeof why) == 0)
            fail_msg("bad keys file %zu accepted", i);
        assert_true(why[0] != '\0');
        assert_null(ring.keys);
    }
    /* a NUL byte inside a line */
    const char nul[] = HASH_ABC " ali\0ce\n";
    assert_int_equal(srv_keyring_parse(nul, sizeof nul - 1, &ring, why, sizeof why), -1);
}

static void test_key_generate(void **state)
{
    (void)state;
    char key[128], key2[128], line[256], line2[256], why[256];
    assert_int_equal(srv_key_generate("ci", key, sizeof key, line, sizeof line), 0);
    assert_int_equal(srv_key_generate("ci2", key2, sizeof key2, line2, sizeof line2), 0);
    assert_int_equal(strlen(key), 5 + 44);
    assert_memory_equal(key, "imgc_", 5);
    assert_string_not_equal(key, key2);
    assert_null(strstr(line, key + 5)); /* the line holds the hash, never the key */
    char file[600];
    snprintf(file, sizeof file, "%s\n%s\n", line, line2);
    srv_keyring ring;
    assert_int_equal(srv_keyring_parse(file, strlen(file), &ring, why, sizeof why), 0);
    assert_string_equal(srv_keyring_match(&ring, key, strlen(key)), "ci");
    assert_string_equal(srv_keyring_match(&ring, key2, strlen(key2)), "ci2");
    key[10] ^= 1;
    assert_null(srv_keyring_match(&ring, key, strlen(key)));
    srv_keyring_free(&ring);
    assert_int_equal(srv_key_generate("x", key, 10, line, sizeof line), -1);
    assert_false(srv_key_label_valid(""));
    assert_false(srv_key_label_valid("a b"));
    assert_false(srv_key_label_valid("a\nb"));
    assert_true(srv_key_label_valid("ci-2026.05_x@y"));
}

static void test_credential(void **state)
{
    (void)state;
    const char *key;
    size_t len;
    assert_int_equal(srv_auth_credential(NULL, NULL, &key, &len), SRV_CRED_NONE);
    assert_int_equal(srv_auth_credential("Bearer abc", NULL, &key, &len), SRV_CRED_PRESENT);
    assert_int_equal(len, 3);
    assert_memory_equal(key, "abc", 3);
    assert_int_equal(srv_auth_credential("  bEaReR \t abc_-.~+/=  ", NULL, &key, &len),
                     SRV_CRED_PRESENT);
    assert_int_equal(len, 10);
    assert_int_equal(srv_auth_credential(NULL, " imgc_x ", &key, &len), SRV_CRED_PRESENT);
    assert_int_equal(len, 6);
    static const char *const bad_auth[] = {"", "Bearer", "Bearer ", "Bearerabc", "Basic YWJj",
                                           "Bearer a b", "Bearer a\"b", "Bearer \x01",
                                           "Bear abc", "Bearer abc,def"};
    for (size_t i = 0; i < sizeof bad_auth / sizeof bad_auth[0]; i++)
        if (srv_auth_credential(bad_auth[i], NULL, &key, &len) != SRV_CRED_MALFORMED)
            fail_msg("Authorization \"%s\" accepted", bad_auth[i]);
    assert_int_equal(srv_auth_credential(NULL, "", &key, &len), SRV_CRED_MALFORMED);
    assert_int_equal(srv_auth_credential(NULL, "a;b", &key, &len), SRV_CRED_MALFORMED);
    /* both headers: refused rather than guessing which one counts */
    assert_int_equal(srv_auth_credential("Bearer abc", "abc", &key, &len), SRV_CRED_MALFORMED);
    char longkey[SRV_KEY_MAX_LEN + 2];
    memset(longkey, 'a', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    assert_int_equal(srv_auth_credential(NULL, longkey, &key, &len), SRV_CRED_MALFORMED);
    longkey[SRV_KEY_MAX_LEN] = '\0';
    assert_int_equal(srv_auth_credential(NULL, longkey, &key, &len), SRV_CRED_PRESENT);
}

#define SEC 1000000000ull

static void test_ratelimit(void **state)
{
    (void)state;
    srv_ratelimit rl;
    int retry;
    assert_int_equal(srv_ratelimit_init(&rl, 2, 3), 0);
    uint64_t t = 1000 * SEC;
    for (int i = 0; i < 3; i++)
        assert_true(srv_ratelimit_take(&rl, "10.0.0.1", t, &retry));
    assert_false(srv_ratelimit_take(&rl, "10.0.0.1", t, &retry));
    assert_int_equal(retry, 1);
    /* another client has its own bucket */
    assert_true(srv_ratelimit_take(&rl, "10.0.0.2", t, &retry));
    /* half a second later, one token (2 a second) is back, and only one */
    assert_true(srv_ratelimit_take(&rl, "10.0.0.1", t + SEC / 2, &retry));
    assert_false(srv_ratelimit_take(&rl, "10.0.0.1", t + SEC / 2, &retry));
    /* after a long pause the bucket is full again, not fuller */
    int ok = 0;
    for (int i = 0; i < 10; i++)
        ok += srv_ratelimit_take(&rl, "10.0.0.1", t + 3600 * SEC, &retry);
    assert_int_equal(ok, 3);
    /* a clock that goes backwards adds nothing */
    assert_false(srv_ratelimit_take(&rl, "10.0.0.1", t, &retry));
    /* a flood of distinct clients stays within the table and does not crash */
    char key[32];
    for (int i = 0; i < 3 * SRV_RL_SLOTS; i++) {
        snprintf(key, sizeof key, "192.0.2.%d", i);
        assert_true(srv_ratelimit_take(&rl, key, t + 3601 * SEC, &retry));
    }
    srv_ratelimit_free(&rl);

    /* a slow rate: Retry-After in whole seconds, rounded up */
    assert_int_equal(srv_ratelimit_init(&rl, 1, 1), 0);
    assert_true(srv_ratelimit_take(&rl, "k", t, &retry));
    assert_false(srv_ratelimit_take(&rl, "k", t + SEC / 10, &retry));
    assert_int_equal(retry, 1);
    srv_ratelimit_free(&rl);

    /* rate 0: no limit */
    assert_int_equal(srv_ratelimit_init(&rl, 0, 1), 0);
    for (int i = 0; i < 1000; i++)
        assert_true(srv_ratelimit_take(&rl, "k", t, &retry));
    srv_ratelimit_free(&rl);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

typedef struct waiter {
    srv_gate *g;
    srv_gate_status got;
    uint64_t waited_ns;
} waiter;

static void *wait_for_slot(void *arg)
{
    waiter *w = arg;
    uint64_t t0 = now_ns();
    w->got = srv_gate_run(w->g, t0 + 5 * SEC);
    w->waited_ns = now_ns() - t0;
    return NULL;
}

static void test_gate(void **state)
{
    (void)state;
    srv_gate g;
    assert_int_equal(srv_gate_init(&g, 1, 1), 0);
    assert_int_equal(srv_gate_admit(&g), SRV_GATE_OK);
    assert_int_equal(srv_gate_admit(&g), SRV_GATE_OK);
    assert_int_equal(srv_gate_admit(&g), SRV_GATE_FULL); /* one running + one queued */
    assert_int_equal(srv_gate_run(&g, now_ns() + SEC), SRV_GATE_OK);
    /* the second waits for the slot, and gives up at its deadline */
    uint64_t t0 = now_ns();
    assert_int_equal(srv_gate_run(&g, t0 + SEC / 20), SRV_GATE_TIMEOUT);
    assert_true(now_ns() - t0 >= SEC / 20);
    /* a waiter gets the slot as soon as the runner leaves */
    waiter w = {&g, SRV_GATE_FULL, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_for_slot, &w), 0);
    struct timespec pause = {0, 100000000L};
    nanosleep(&pause, NULL);
    srv_gate_leave(&g, 1);
    pthread_join(th, NULL);
    assert_int_equal(w.got, SRV_GATE_OK);
    assert_true(w.waited_ns < 2 * SEC);
    /* the first left: one place is free again, for one request only */
    assert_int_equal(srv_gate_admit(&g), SRV_GATE_OK);
    assert_int_equal(srv_gate_admit(&g), SRV_GATE_FULL);
    srv_gate_leave(&g, 1);
    srv_gate_leave(&g, 0); /* refused or failed before running: the queue place is freed */
    assert_int_equal(g.admitted, 0);
    assert_int_equal(g.running, 0);
    srv_gate_free(&g);
}

static void test_cors_list(void **state)
{
    (void)state;
    const char *list = "https://a.example, https://b.example:8443";
    assert_true(srv_cors_allowed(list, "https://a.example", 17));
    assert_true(srv_cors_allowed(list, "https://b.example:8443", 22));
    assert_false(srv_cors_allowed(list, "https://a.example.evil", 22));
    assert_false(srv_cors_allowed(list, "https://a.exampl", 16));
    assert_false(srv_cors_allowed(list, "null", 4));
    assert_false(srv_cors_allowed("", "", 0));
}

static void test_urlencoded_edges(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        srv_body_status want;
    } cases[] = {
        {"a=1&b=2", SRV_BODY_OK},
        {"a=%00", SRV_BODY_OK},           /* a NUL in a value is data; handlers judge it */
        {"a%00b=1", SRV_BODY_MALFORMED},  /* but never in a name */
        {"=1", SRV_BODY_MALFORMED},
        {"a=1&a=2", SRV_BODY_MALFORMED},
        {"a=%G0", SRV_BODY_MALFORMED},
        {"a=%4", SRV_BODY_MALFORMED},
        {"a=\x01", SRV_BODY_MALFORMED},
        {"a=\x7f", SRV_BODY_MALFORMED},
        {"a=\xff\xfe", SRV_BODY_OK},      /* invalid UTF-8 is bytes; the list parsers refuse it */
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1",
         SRV_BODY_MALFORMED},
        {"a=1&b=2&c=3&d=4&e=5", SRV_BODY_TOO_MANY},
        {"a=0123456789", SRV_BODY_TOO_LARGE},
        {"&&&", SRV_BODY_OK},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        srv_form form = {0};
        form.max = 4;
        form.limit = 8;
        srv_body_status st = srv_form_parse_urlencoded(cases[i].text, strlen(cases[i].text),
                                                       &form);
        if (st != cases[i].want)
            fail_msg("case %zu \"%s\": %d, expected %d", i, cases[i].text, st, cases[i].want);
        srv_form_free(&form);
    }
}

/* Two parts, an empty one and a file with a NUL and a CRLF in it, between a preamble
 * and an epilogue; transport padding after the second delimiter. */
#define TWO_PARTS                                                                       \
    "preamble\r\n--b\r\ncontent-disposition: form-data; name=k\r\n\r\n\r\n--b  \r\n"          \
    "Content-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\n"               \
    "Content-Type: image/png\r\n\r\n\x89PNG\0\r\n\r\n--b--epilogue"

static void test_multipart(void **state)
{
    (void)state;
    char b[80];
    assert_int_equal(srv_multipart_boundary("multipart/form-data; boundary=abc", b, sizeof b), 0);
    assert_string_equal(b, "abc");
    assert_int_equal(srv_multipart_boundary("multipart/form-data;charset=x; BOUNDARY=\"a b\"",
                                            b, sizeof b), 0);
    assert_string_equal(b, "a b");
    assert_int_equal(srv_multipart_boundary("multipart/form-data", b, sizeof b), -1);
    assert_int_equal(srv_multipart_boundary("multipart/form-data; boundary=", b, sizeof b), -1);
    assert_int_equal(srv_multipart_boundary("multipart/form-data; boundary=\"abc", b, sizeof b),
                     -1);
    assert_int_equal(srv_multipart_boundary(NULL, b, sizeof b), -1);
    char longb[120] = "multipart/form-data; boundary=";
    memset(longb + strlen(longb), 'x', 71);
    assert_int_equal(srv_multipart_boundary(longb, b, sizeof b), -1);

    static const struct {
        const char *body;
        size_t len; /* 0: strlen */
        srv_body_status want;
        size_t fields;
    } cases[] = {
        {"--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n4\r\n--b--\r\n", 0,
         SRV_BODY_OK, 1},
        {TWO_PARTS, sizeof TWO_PARTS - 1, SRV_BODY_OK, 2},
        {"--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n4", 0, SRV_BODY_MALFORMED, 0},
        {"--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n4\r\n--b", 0,
         SRV_BODY_MALFORMED, 1},
        {"--b\r\nContent-Disposition: attachment; name=\"k\"\r\n\r\n4\r\n--b--", 0,
         SRV_BODY_MALFORMED, 0},
        {"--b\r\nContent-Disposition: form-data\r\n\r\n4\r\n--b--", 0, SRV_BODY_MALFORMED, 0},
        {"--b\r\nContent-Disposition: form-data; name=\"\"\r\n\r\n4\r\n--b--", 0,
         SRV_BODY_MALFORMED, 0},
        {"--b\r\nContent-Disposition: form-data; name=\"k\r\n\r\n4\r\n--b--", 0,
         SRV_BODY_MALFORMED, 0},
        {"--b\r\n\r\n4\r\n--b--", 0, SRV_BODY_MALFORMED, 0},
        {"--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n1\r\n--b\r\n"
         "Content-Disposition: form-data; name=\"k\"\r\n\r\n2\r\n--b--", 0, SRV_BODY_MALFORMED, 1},
        {"--bb\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n4\r\n--bb--", 0,
         SRV_BODY_MALFORMED, 0},
        {"no boundary at all", 0, SRV_BODY_MALFORMED, 0},
        {"", 0, SRV_BODY_MALFORMED, 0},
        {"--b--\r\n", 0, SRV_BODY_OK, 0},
        {"--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\n0123456789\r\n--b--", 0,
         SRV_BODY_TOO_LARGE, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        srv_form form = {0};
        form.max = 4;
        form.limit = 8;
        size_t len = cases[i].len ? cases[i].len : strlen(cases[i].body);
        srv_body_status st = srv_multipart_parse(cases[i].body, len, "b", &form);
        if (st != cases[i].want || form.n != cases[i].fields)
            fail_msg("case %zu: status %d with %zu fields, expected %d with %zu", i, st, form.n,
                     cases[i].want, cases[i].fields);
        if (i == 1) {
            assert_int_equal(srv_form_get(&form, "k")->len, 0);
            const srv_field *img = srv_form_get(&form, "image");
            assert_int_equal(img->len, 7);
            assert_memory_equal(img->value, "\x89PNG\0\r\n", 7);
        }
        srv_form_free(&form);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyring_parse), cmocka_unit_test(test_key_generate),
        cmocka_unit_test(test_credential),    cmocka_unit_test(test_ratelimit),
        cmocka_unit_test(test_gate),          cmocka_unit_test(test_cors_list),
        cmocka_unit_test(test_urlencoded_edges), cmocka_unit_test(test_multipart),
    };
    return cmocka_run_group_tests_name("server_units", tests, NULL, NULL);
}
