/* test_cost_meter.c: the per-client cost meter (ratelimit.c's allow/charge) on a
 * simulated clock: a client sending one request at a time is never refused whatever its
 * requests cost, a client running requests in parallel is, and debt is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "server.h"

#define MS 1000000ull
#define SEC (1000 * MS)

/* A deterministic generator for durations and gaps. */
static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* One request at a time, the cost charged being the time it ran (as the server measures
 * it): never refused, with requests from 0 to 3 times the burst long and gaps of 0 to
 * 1 ms, at the default rate and burst and at the smallest rate that keeps the promise. */
static void test_sequential_never_refused(void **state)
{
    (void)state;
    static const double rates[][2] = {{1000, 30000}, {1000, 1}, {1000, 500}, {2000, 100}};
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        srv_ratelimit rl;
        assert_int_equal(srv_ratelimit_init(&rl, rates[k][0], rates[k][1]), 0);
        uint64_t seed = 0x9e3779b97f4a7c15u, now = 1000 * SEC;
        int retry;
        for (int i = 0; i < 200000; i++) {
            uint64_t r = next(&seed);
            /* mostly short, now and then longer than the whole burst */
            uint64_t dur = r % 16 ? r % (20 * MS) : r % (uint64_t)(3 * rates[k][1] * MS + 1);
            uint64_t gap = (r >> 40) % 3 == 0 ? 0 : (r >> 20) % MS;
            now += gap;
            if (!srv_ratelimit_allow(&rl, "10.0.0.1", now, &retry))
                fail_msg("rate %g burst %g: request %d refused", rates[k][0], rates[k][1], i);
            now += dur;
            srv_ratelimit_charge(&rl, "10.0.0.1", now, (double)dur / MS);
        }
        srv_ratelimit_free(&rl);
    }
}

/* Four requests at once, over and over: the client's debt grows by three worker-seconds
 * a second, so after its burst it is refused; Retry-After says when it is let in again. */
static void test_parallel_refused(void **state)
{
    (void)state;
    srv_ratelimit rl;
    assert_int_equal(srv_ratelimit_init(&rl, 1000, 5000), 0);
    uint64_t now = 1000 * SEC;
    int retry = 0, rounds = 0, refused = 0;
    for (; rounds < 100 && !refused; rounds++) {
        for (int c = 0; c < 4; c++)
            if (!srv_ratelimit_allow(&rl, "10.0.0.1", now, &retry))
                refused = 1;
        if (refused)
            break;
        now += SEC;
        for (int c = 0; c < 4; c++)
            srv_ratelimit_charge(&rl, "10.0.0.1", now, 1000);
    }
    assert_true(refused);
    assert_true(rounds >= 1 && rounds <= 3); /* 5 s of burst, 3 s more debt a round */
    assert_true(retry >= 1 && retry <= 11);
    /* others are not touched */
    assert_true(srv_ratelimit_allow(&rl, "10.0.0.2", now, &retry));
    /* after the wait it named, the client is let in again */
    assert_false(srv_ratelimit_allow(&rl, "10.0.0.1", now + (uint64_t)(retry - 1) * SEC, &retry));
    assert_true(srv_ratelimit_allow(&rl, "10.0.0.1", now + 11 * SEC, &retry));
    srv_ratelimit_free(&rl);
}

/* Any number of charges leaves at most one burst of debt: a client is let in again at
 * most two bursts' time after it stopped. */
static void test_debt_bounded(void **state)
{
    (void)state;
    srv_ratelimit rl;
    int retry;
    assert_int_equal(srv_ratelimit_init(&rl, 1000, 2000), 0);
    uint64_t now = 1000 * SEC;
    for (int i = 0; i < 1000; i++)
        srv_ratelimit_charge(&rl, "k", now, 1e12);
    assert_false(srv_ratelimit_allow(&rl, "k", now, &retry));
    assert_int_equal(retry, 2);
    assert_false(srv_ratelimit_allow(&rl, "k", now + 1999 * MS, &retry));
    assert_true(srv_ratelimit_allow(&rl, "k", now + 2000 * MS, &retry));
    /* nothing, negative or NaN costs nothing */
    srv_ratelimit_charge(&rl, "k", now + 2000 * MS, 0);
    srv_ratelimit_charge(&rl, "k", now + 2000 * MS, -5);
    srv_ratelimit_charge(&rl, "k", now + 2000 * MS, 0.0 / 0.0);
    assert_true(srv_ratelimit_allow(&rl, "k", now + 2000 * MS, &retry));
    srv_ratelimit_free(&rl);

    /* rate 0: no meter at all */
    assert_int_equal(srv_ratelimit_init(&rl, 0, 1), 0);
    srv_ratelimit_charge(&rl, "k", now, 1e12);
    assert_true(srv_ratelimit_allow(&rl, "k", now, &retry));
    srv_ratelimit_free(&rl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sequential_never_refused),
        cmocka_unit_test(test_parallel_refused),
        cmocka_unit_test(test_debt_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
